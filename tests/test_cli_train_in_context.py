"""``ebm-memory train-in-context`` when its checkpoint cannot be written at the end."""

from ebm_memory.cli import main
from ebm_memory.incontext import checkpoint


def test_a_checkpoint_that_fails_to_write_exits_1_with_the_reason(tmp_path, monkeypatch, capsys):
    def full_disk(path, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint, "save_checkpoint", full_disk)
    out = tmp_path / "model.npz"
    argv = ["train-in-context", "--steps", "2", "--width", "8", "--context-layers", "1"]
    assert main([*argv, "--tasks-per-step", "2", "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert f"error: Could not write the checkpoint {out} at step 2" in error
    assert "No space left on device" in error and not out.exists()


def test_training_from_the_command_line_shows_its_progress(tmp_path, monkeypatch):
    """A command that trains for minutes draws a progress bar (``verbose=1``)."""
    from ebm_memory.incontext import InContextEnergy

    seen = {}

    def record(model, tasks, y=None):
        seen["verbose"] = model.verbose
        raise OSError("stop before training")

    monkeypatch.setattr(InContextEnergy, "fit", record)
    assert main(["train-in-context", "--steps", "2", "--out", str(tmp_path / "m.npz")]) == 1
    assert seen["verbose"] > 0
