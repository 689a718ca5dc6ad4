"""``reproduce``: a run replaces its folder whole, or leaves the previous results as they were."""

import matplotlib.pyplot as plt
import pytest

from ebm_memory import reproduce as reproduce_module
from ebm_memory.reproduce import reproduce


def _experiment(figure_text: str, fail: bool):
    """A stand-in experiment writing its figure, then failing if ``fail``."""

    def run(out_dir, quick):
        figure = plt.figure()
        figure.text(0.5, 0.5, figure_text)
        figure.savefig(out_dir / "growth.png")
        plt.close(figure)
        if fail:
            raise KeyboardInterrupt
        return {"figure": "growth.png", "value": figure_text}

    return run


def test_an_interrupted_rerun_keeps_the_previous_report_and_figure(tmp_path, monkeypatch):
    markdown = reproduce_module.EXPERIMENTS["growth"][1]
    monkeypatch.setitem(
        reproduce_module.EXPERIMENTS, "growth", (_experiment("old", False), lambda r: [r["value"]])
    )
    reproduce("growth", tmp_path / "growth")
    before = {path.name: path.read_bytes() for path in (tmp_path / "growth").iterdir()}
    monkeypatch.setitem(
        reproduce_module.EXPERIMENTS, "growth", (_experiment("new", True), markdown)
    )
    with pytest.raises(KeyboardInterrupt):
        reproduce("growth", tmp_path / "growth")
    after = {path.name: path.read_bytes() for path in (tmp_path / "growth").iterdir()}
    assert after == before and set(after) == {"growth.png", "results.json", "results.md"}
    assert [path.name for path in tmp_path.iterdir()] == ["growth"]


def test_a_rerun_leaves_no_file_of_the_previous_run(tmp_path, monkeypatch):
    monkeypatch.setitem(
        reproduce_module.EXPERIMENTS, "growth", (_experiment("new", False), lambda r: [])
    )
    (tmp_path / "growth").mkdir()
    (tmp_path / "growth" / "old_figure.png").write_bytes(b"old")
    reproduce("growth", tmp_path / "growth")
    names = {path.name for path in (tmp_path / "growth").iterdir()}
    assert names == {"growth.png", "results.json", "results.md"}
