"""The sequential experiment: its summaries, trends, table and figure, on a tiny comparison."""

import json

import matplotlib.pyplot as plt
import pytest

from ebm_memory.analysis.sequential import ClassifierScore, compare_strategies
from ebm_memory.datasets import permuted_digits
from ebm_memory.experiments import sequential
from ebm_memory.experiments.sequential import Result, _summary, _trend


@pytest.fixture(scope="module")
def tiny():
    tasks = permuted_digits(2, random_state=0)
    comparison = compare_strategies(
        tasks, (3, 10), ("naive", "rehearsal"), n_memories=32, max_iter=100
    )
    return Result(
        settings={
            "n_tasks": 2,
            "split_pairs": [[0, 1]],
            "degrees": [3, 10],
            "n_memories": 32,
            "max_iter_per_task": 100,
            "strategy_settings": {},
        },
        sequences={"permuted digits": comparison},
        baseline=(ClassifierScore("LogisticRegression", 0.97, 0.1),),
        seconds=1.0,
    )


def test_table_and_json_come_from_the_numbers(tiny):
    values = tiny.to_dict()
    json.dumps(values)
    summary = values["sequences"]["permuted digits"]["metrics"]
    assert values["sequences"]["permuted digits"]["trend"]["most_forgetting"] == "naive"
    text = sequential.table(tiny)
    naive = summary["3"]["naive"]  # the first column
    assert f"| naive | {naive['average_accuracy']:.2f} / {naive['average_forgetting']:.2f}" in text
    assert "most forgetting: **naive**" in text
    assert "| LogisticRegression | 0.970 |" in text
    assert summary == _summary(tiny.sequences["permuted digits"])


def test_figure_has_labelled_panels(tiny):
    figure = sequential.figure(tiny)
    assert len(figure.axes) == 3
    assert figure.axes[0].get_title() == "permuted digits: accuracy on the tasks seen, n = 10"
    assert figure.axes[1].get_xlabel() == "interaction vertex n"
    assert figure.axes[2].get_ylabel() == "average forgetting"
    plt.close(figure)


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
    text = sequential._trend_sentence("permuted digits", trend)
    assert "From n = 2 to n = 10 forgetting falls for 1 (ewc 0.40 -> 0.10); rises for 1" in text
    assert "stays within 0.05 for 1 (si 0.30 -> 0.32)" in text


@pytest.mark.slow
def test_quick_run_learns_and_forgets():
    result = sequential.run(quick=True)
    values = result.to_dict()
    assert values["settings"]["degrees"] == [3, 10]
    permuted = values["sequences"]["permuted digits"]["metrics"]
    assert permuted["10"]["naive"]["average_forgetting"] > 0.3
    assert "## split digits" in sequential.table(result)
