"""Atomic files and whole-folder runs: an interrupted run never loses or mixes results."""

import os
import stat

import matplotlib.pyplot as plt
import pytest

from ebm_memory._io import (
    check_output_file,
    check_results_folder,
    save_figure,
    staged_folder,
    write_text,
)


def _previous_run(folder):
    folder.mkdir()
    (folder / "results.md").write_text("old report")
    (folder / "figure.png").write_bytes(b"old figure")


def _contents(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_an_interrupted_run_keeps_the_previous_results_whole(tmp_path):
    out = tmp_path / "run"
    _previous_run(out)
    before = _contents(out)
    with pytest.raises(KeyboardInterrupt), staged_folder(out) as staging:
        write_text(staging / "figure.png", "new figure")
        raise KeyboardInterrupt
    assert _contents(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]


def test_a_finished_run_replaces_the_folder_whole(tmp_path):
    out = tmp_path / "run"
    _previous_run(out)
    with staged_folder(out) as staging:
        write_text(staging / "results.md", "new report")
    assert _contents(out) == {"results.md": b"new report"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o777 & ~umask
    assert stat.S_IMODE(os.stat(out / "results.md").st_mode) == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "figure.png"
    target.write_bytes(b"old figure")
    figure = plt.figure()
    with pytest.raises(ValueError):
        save_figure(figure, target, dpi=-1)
    plt.close(figure)
    assert [path.name for path in tmp_path.iterdir()] == ["figure.png"]
    assert target.read_bytes() == b"old figure"


def test_unusable_paths_are_refused_up_front(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="not a folder"):
        check_results_folder(blocker / "out")
    with pytest.raises(ValueError, match="not a folder"):
        check_results_folder(blocker)
    with pytest.raises(ValueError, match="not results of a run"):
        check_results_folder(tmp_path)
    with pytest.raises(ValueError, match="is a folder"):
        check_output_file(tmp_path)
    with pytest.raises(ValueError, match="not a folder"):
        check_output_file(blocker / "model.npz")
    assert check_results_folder(tmp_path / "new" / "out") == (tmp_path / "new" / "out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_parent_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="cannot create"):
            check_results_folder(locked / "out")
    finally:
        locked.chmod(0o700)
