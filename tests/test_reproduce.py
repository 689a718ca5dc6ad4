"""``experiments.reproduce``: a run replaces its folder whole, or leaves the previous results
as they were; the old ``ebm_memory.reproduce`` module warns and forwards."""

import importlib
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import matplotlib.pyplot as plt
import pytest

from ebm_memory import experiments


@dataclass(frozen=True)
class _Result:
    value: str

    def to_dict(self):
        return {"value": self.value}


def _stand_in(text: str, fail: bool = False):
    """An experiment module whose figure says ``text``; its run stops if ``fail``."""

    def run(quick=False, random_state=0):
        if fail:
            raise KeyboardInterrupt
        return _Result(text)

    def figure(result):
        drawn = plt.figure()
        drawn.text(0.5, 0.5, result.value)
        return drawn

    return SimpleNamespace(run=run, figure=figure, table=lambda result: f"| {result.value} |")


def test_an_interrupted_rerun_keeps_the_previous_report_and_figure(tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "get", lambda name: _stand_in("old"))
    experiments.reproduce("growth", tmp_path / "growth")
    before = {path.name: path.read_bytes() for path in (tmp_path / "growth").iterdir()}
    assert "| old |" in (tmp_path / "growth" / "results.md").read_text()
    monkeypatch.setattr(experiments, "get", lambda name: _stand_in("new", fail=True))
    with pytest.raises(KeyboardInterrupt):
        experiments.reproduce("growth", tmp_path / "growth")
    after = {path.name: path.read_bytes() for path in (tmp_path / "growth").iterdir()}
    assert after == before and set(after) == {"growth.png", "results.json", "results.md"}
    assert [path.name for path in tmp_path.iterdir()] == ["growth"]


def test_a_rerun_leaves_no_file_of_the_previous_run(tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "get", lambda name: _stand_in("new"))
    (tmp_path / "growth").mkdir()
    (tmp_path / "growth" / "old_figure.png").write_bytes(b"old")
    result = experiments.reproduce("growth", tmp_path / "growth")
    assert result == _Result("new")
    names = {path.name for path in (tmp_path / "growth").iterdir()}
    assert names == {"growth.png", "results.json", "results.md"}


def test_the_old_module_warns_and_forwards(tmp_path, monkeypatch):
    sys.modules.pop("ebm_memory.reproduce", None)
    with pytest.warns(FutureWarning, match="ebm_memory.experiments"):
        old = importlib.import_module("ebm_memory.reproduce")
    assert sorted(old.EXPERIMENTS) == sorted(experiments.NAMES)
    monkeypatch.setattr(experiments, "get", lambda name: _stand_in("forwarded"))
    result = old.reproduce("growth", tmp_path / "growth", quick=True)
    assert old.EXPERIMENTS["growth"][1](result) == ["| forwarded |"]
    assert "(quick)" in (tmp_path / "growth" / "results.md").read_text()
