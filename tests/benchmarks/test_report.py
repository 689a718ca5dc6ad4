"""The results' Markdown and figures: clean stdout, labels that fit, every comparison drawn."""

import ast
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from benchmarks.harness import Timing, record
from benchmarks.report import _case_figure, markdown_table

MACHINE = {"processor": "cpu", "cpu_count": 2, "jax": "0", "device": "cpu"}
MACHINE |= {"matmul_gflops_float32": 1.0, "matmul_gflops_float64": 1.0}
ROOT = Path(__file__).parents[2]
SHIPPED = json.loads((ROOT / "docs" / "benchmarks" / "results.json").read_text())["records"]


def _rows(case, ratios):
    rows = []
    for index, ratio in enumerate(ratios):
        peer_seconds = float("nan") if ratio is None else ratio
        timing = Timing(1.0, peer_seconds, 1.0, peer_seconds)
        name = f"dataset {index}: a long method name (with its settings spelled out) vs peer"
        peer = None if ratio is None else "peer"
        rows.append(record(case, name, {}, "ours", peer, timing, "max abs difference", 0.0))
        if ratio is None:
            rows[-1]["ratio"] = None
    return rows


def _recorded_metrics() -> dict[str, str]:
    """The accuracy metric that each case module passes to ``record``, by module name."""
    metrics = {}
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record":
                metrics[path.stem] = ast.literal_eval(node.args[6])
    return metrics


def test_accuracy_metrics_read_clean_in_markdown_and_stdout():
    metrics = _recorded_metrics()
    assert {"kde", "retrieval", "likelihood", "clustering", "classification"} <= set(metrics)
    assert not [metric for metric in metrics.values() if "|" in metric]
    report = {"machine": MACHINE, "size": "tiny", "seconds": 1.0, "records": _rows("x", [2.0])}
    text = markdown_table(report)
    assert "&#124;" not in text
    assert "| max abs difference: 0 |" in text


@pytest.mark.parametrize(
    "rows",
    [
        _rows("case", [0.03, 0.9, 1.1, 40.0]),
        _rows("case", [0.5, 0.6]),
        _rows("case", [None]),
        [row for row in SHIPPED if row["case"] == "kde_scoring"],
        [row for row in SHIPPED if row["case"] == "classification"],
    ],
    ids=["made-up", "made-up-close", "no-peer", "shipped-kde", "shipped-classification"],
)
def test_case_figure_labels_fit_and_do_not_overlap(rows):
    case, ratios = rows[0]["case"], [row["ratio"] for row in rows]
    figure = _case_figure(case, rows)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    canvas = figure.bbox
    axis = figure.axes[0]
    labels = [label for label in axis.get_yticklabels() if label.get_text()]
    assert len(labels) == len(ratios)
    boxes = [label.get_window_extent(renderer) for label in labels]
    boxes += [axis.xaxis.label.get_window_extent(renderer), axis.title.get_window_extent(renderer)]
    for box in boxes:
        assert canvas.x0 <= box.x0 and box.x1 <= canvas.x1 + 1
        assert canvas.y0 <= box.y0 and box.y1 <= canvas.y1 + 1
    for first, second in zip(boxes, boxes[1 : len(labels)], strict=False):
        assert not first.overlaps(second)
    ticks = [t for t in axis.get_xticklabels() if t.get_text()]
    tick_boxes = [t.get_window_extent(renderer) for t in ticks]
    assert tick_boxes and all(
        not a.overlaps(b) for a, b in zip(tick_boxes, tick_boxes[1:], strict=False)
    )
    assert "peer time / our time" in axis.get_xlabel() or axis.get_xlabel() == "our time (s)"
    assert axis.get_title().startswith(f"{case}: ")
    plt.close(figure)
