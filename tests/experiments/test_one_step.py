"""The one-step experiment on smaller data: its result, figure and table; the quick run as
``ebm-memory reproduce one_step --quick`` does it."""

import json

import matplotlib.pyplot as plt
import pytest

from ebm_memory.experiments import one_step


@pytest.fixture(scope="module")
def small():
    return one_step.run(quick=True, sizes=(24, 60, 40, 6))


def test_result_is_plain_json_with_both_data_sets(small):
    data = json.loads(json.dumps(small.to_dict(), allow_nan=False))
    assert set(data["one_step"]) == set(data["fixed_points"]) == {"random", "digits"}
    for summary in data["one_step"].values():
        assert set(summary["queries"]) == {"exact", "sphere"}
        assert all(row["pairs_beyond"] > 0 for row in summary["queries"].values())
        assert all(row["bound_violations"] == 0 for row in summary["queries"].values())
    census = data["fixed_points"]["digits"]
    assert census["n_patterns"] == 40 and len(census["fractions"]["single"]) == 10
    assert isinstance(data["passed"], bool)


def test_figure_has_two_labelled_rows(small):
    figure = one_step.figure(small)
    assert len(figure.axes) == 4
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in figure.axes)
    plt.close(figure)


def test_table_holds_the_errors_and_the_census(small):
    text = one_step.table(small)
    assert "| random (N=24, d=64) | exact |" in text
    assert "| digits (N=40) |" in text and "separation_report" in text
    row = small.one_step["digits"]["queries"]["sphere"]
    assert f"{row['pairs_beyond']} / {row['pairs']}" in text


@pytest.mark.slow
def test_quick_run_meets_the_one_step_criterion():
    result = one_step.run(quick=True)
    assert result.passed
    assert result.one_step["random"]["n_patterns"] == 64
