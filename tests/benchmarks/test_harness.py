"""The harness in its tiny size: every case runs and writes its results (numbers are never
asserted here; they are measured, not tested)."""

import json
import math

import pytest

from benchmarks import report as report_module
from benchmarks import runner
from benchmarks.harness import RECORD_FIELDS, Timing, record, time_pair
from benchmarks.run import CASE_NAMES
from benchmarks.runner import CASES, run_benchmarks
from ebm_memory.cli import main

RECORD_KEYS = set(RECORD_FIELDS)


def test_time_pair_alternates_and_reports_first_calls_apart():
    calls = []
    timing = time_pair(lambda: calls.append("ours"), lambda: calls.append("peer"), 3)
    assert calls == ["ours", "peer"] * 4
    assert timing.ours_seconds >= 0 and timing.peer_first_call_seconds >= 0
    alone = time_pair(lambda: None, None, 2)
    assert math.isnan(alone.peer_seconds)


@pytest.mark.slow
def test_tiny_run_writes_every_case(tmp_path, capsys):
    assert main(["bench", "--tiny", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["size"] == "tiny"
    assert report["machine"]["matmul_gflops_float32"] > 0
    assert {row["case"] for row in report["records"]} == set(CASE_NAMES)
    for row in report["records"]:
        assert set(row) == RECORD_KEYS
        assert row["ours_seconds"] > 0 and math.isfinite(row["accuracy"]["value"])
        assert (row["peer"] is None) == (row["ratio"] is None)
    peers = {row["peer"] for row in report["records"] if row["case"] == "retrieval"}
    assert peers == {"numpy (BLAS)", "hamux"}
    table, sections = (tmp_path / "results.md").read_text().split("\nClustering: ")
    clustering, classification = sections.split("\nClassification: ")
    assert table.count("\n| ") == len(report["records"]) + 1  # header and one row each
    for section in (clustering, classification):
        assert section.count("\n| ") == 4  # two tables: header and the tiny size's dataset
    for case in {row["case"] for row in report["records"]}:
        assert (tmp_path / f"{case}.png").stat().st_size > 5_000
    assert str(tmp_path) in capsys.readouterr().out


def test_unknown_case_or_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match="size"):
        run_benchmarks("huge", tmp_path)
    with pytest.raises(ValueError, match="unknown cases"):
        run_benchmarks("tiny", tmp_path, cases=["nope"])
    assert tuple(CASES) == CASE_NAMES


def _stub_case(case):
    timing = Timing(1.0, 2.0, 1.0, 2.0)
    return lambda size, machine, repeats: [record(case, case, {}, "ours", "peer", timing, "m", 1)]


def test_an_interrupted_rerun_keeps_the_previous_results_whole(tmp_path, monkeypatch):
    machine = {"processor": "cpu", "cpu_count": 1, "jax": "0", "device": "cpu"}
    machine |= {"matmul_gflops_float32": 1.0, "matmul_gflops_float64": 1.0}
    monkeypatch.setattr(runner, "machine_info", lambda: machine)
    cases = {"first": _stub_case("first"), "second": _stub_case("second")}
    monkeypatch.setattr(runner, "CASES", cases)
    run_benchmarks("tiny", tmp_path, progress_bar=False)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    figure = report_module._case_figure

    def interrupted_at_the_second(case, rows):
        if case == "second":
            raise KeyboardInterrupt
        return figure(case, rows)

    monkeypatch.setattr(report_module, "_case_figure", interrupted_at_the_second)
    monkeypatch.setattr(runner, "machine_info", lambda: machine | {"processor": "other"})
    with pytest.raises(KeyboardInterrupt):
        run_benchmarks("tiny", tmp_path, progress_bar=False)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert set(before) == {"results.json", "results.md", "first.png", "second.png"}
