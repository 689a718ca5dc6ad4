import numpy as np
import pytest

from ebm_memory.analysis.sequential import (
    STRATEGY_SETTINGS,
    _plot,
    _summary,
    _trend,
    classifier_baseline,
    compare_strategies,
    sequential_markdown,
)
from ebm_memory.learning.continual import STRATEGIES
from ebm_memory.task_sequences import permuted_digits

TINY = {"n_memories": 32, "max_iter": 100}


@pytest.fixture(scope="module")
def tiny_comparison():
    tasks = permuted_digits(2, random_state=0)
    return compare_strategies(tasks, (10,), ("naive", "rehearsal"), **TINY)


def test_every_strategy_has_settings():
    assert set(STRATEGY_SETTINGS) == set(STRATEGIES)


def test_comparison_holds_a_result_per_degree_and_strategy(tiny_comparison):
    assert list(tiny_comparison) == [10]
    naive, rehearsal = tiny_comparison[10]["naive"], tiny_comparison[10]["rehearsal"]
    for result in (naive, rehearsal):
        assert result.accuracy.shape == (2, 2)
        assert np.all((result.accuracy >= 0) & (result.accuracy <= 1))
    # measured, seeds 0-2: forgetting 0.69-0.76 naive, 0.01-0.27 with 20% rehearsal (first
    # task learned to 0.92-0.95); at n = 3 this budget learns the first task only to 0.6
    assert naive.metrics.average_forgetting > 0.5  # a new permutation overwrites the first
    assert rehearsal.metrics.average_forgetting < naive.metrics.average_forgetting - 0.2


def test_figure_tables_and_trend_come_from_the_numbers(tiny_comparison, tmp_path):
    summary = _summary(tiny_comparison)
    trend = _trend(summary)
    assert trend["most_forgetting"] == "naive" and trend["strongest"] == "rehearsal"
    _plot({"permuted digits": (tiny_comparison, summary)}, 10, tmp_path / "sequential.png")
    assert (tmp_path / "sequential.png").stat().st_size > 10_000
    results = {
        "settings": {
            "n_tasks": 2,
            "split_pairs": [[0, 1]],
            "n_memories": 32,
            "max_iter_per_task": 100,
        },
        "sequences": {"permuted digits": {"metrics": summary, "trend": trend}},
        "classifier_vs_logistic_regression": [
            {"model": "LogisticRegression", "accuracy": 0.97, "seconds": 0.1}
        ],
        "seconds": 1.0,
    }
    text = "\n".join(sequential_markdown(results))
    naive = summary["10"]["naive"]
    assert f"| naive | {naive['average_accuracy']:.2f} / {naive['average_forgetting']:.2f}" in text
    assert "most forgetting: **naive**" in text
    assert "| LogisticRegression | 0.970 |" in text


def test_trend_reads_how_forgetting_changes_with_n():
    def cell(accuracy, forgetting):
        transfer = {"backward_transfer": -forgetting, "forward_transfer": 0.0}
        return {"average_accuracy": accuracy, "average_forgetting": forgetting, **transfer}

    summary = {
        "2": {"naive": cell(0.3, 0.8), "ewc": cell(0.5, 0.4), "si": cell(0.6, 0.30)},
        "10": {"naive": cell(0.3, 0.9), "ewc": cell(0.8, 0.1), "si": cell(0.6, 0.32)},
    }
    trend = _trend(summary)
    assert trend["forgetting_with_n"] == {"naive": "rises", "ewc": "falls", "si": "flat"}
    assert trend["strongest"] == "ewc" and trend["most_forgetting"] == "naive"
    results = {
        "settings": {"n_tasks": 2, "split_pairs": [], "n_memories": 8, "max_iter_per_task": 1},
        "sequences": {"permuted digits": {"metrics": summary}},
        "classifier_vs_logistic_regression": [],
        "seconds": 0.0,
    }
    text = "\n".join(sequential_markdown(results))
    assert "From n = 2 to n = 10 forgetting falls for 1 (ewc 0.40 -> 0.10); rises for 1" in text
    assert "stays within 0.05 for 1 (si 0.30 -> 0.32)" in text


def test_baseline_reports_ours_beside_logistic_regression():
    rows = classifier_baseline((10,), **TINY)
    assert [row["model"] for row in rows] == [
        "DAM, n = 10",
        "DAM, exponential",
        "LogisticRegression",
    ]
    accuracies = {row["model"]: row["accuracy"] for row in rows}
    assert accuracies["LogisticRegression"] > 0.9
    assert accuracies["DAM, n = 10"] > 0.8  # ten classes: chance is 0.1
