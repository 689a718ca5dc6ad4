"""``run_demo``: checked arguments, and an interrupted run that keeps the previous report."""

import pytest

from ebm_memory import demo


def test_n_queries_below_one_is_refused_before_any_work(tmp_path):
    for n_queries in (0, -5):
        with pytest.raises(ValueError, match="n_queries must be >= 1"):
            demo.run_demo(tmp_path / "demo", n_queries=n_queries)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_rerun_keeps_the_previous_report_and_figures(tmp_path, monkeypatch):
    out = tmp_path / "demo"
    out.mkdir()
    previous = {"report.md": b"old report", "retrieval_flip.png": b"old figure"}
    for name, content in previous.items():
        (out / name).write_bytes(content)

    def interrupted_after_a_figure(*args):
        (args[-1] / "retrieval_flip.png").write_bytes(b"new figure")
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_retrieval_rows", interrupted_after_a_figure)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(out, n_queries=2)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == previous
    assert [path.name for path in tmp_path.iterdir()] == ["demo"]
