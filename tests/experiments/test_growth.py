"""The growth experiment: a quick run gives the numbers of the former ``reproduce growth``."""

import json

import matplotlib.pyplot as plt
import pytest

from ebm_memory.experiments import growth


@pytest.fixture(scope="module")
def quick():
    return growth.run(quick=True)


def test_quick_run_numbers(quick):
    values = quick.to_dict()
    json.dumps(values)
    assert (values["n_points"], values["n_streams"]) == (10_000, 4)
    crp, pitman_yor = values["growth"]
    # measured with random_state=0 before and after the move to experiments/
    assert crp["fitted"] == pytest.approx(4.5475, abs=1e-4)
    assert crp["standard_error"] == pytest.approx(0.174, abs=1e-3)
    assert pitman_yor["fitted"] == pytest.approx(0.535, abs=1e-3)
    assert crp["memories_equal_components_in_stream"]
    assert values["finite_mixture"]["memories_at_n"][10_000] == 10


def test_table_and_figure(quick):
    text = growth.table(quick)
    assert "| CRP (alpha=5) | memories = alpha log n: slope on log n | 4.548 ± 0.174 |" in text
    assert "10,000: 10." in text
    figure = growth.figure(quick)
    assert [ax.get_xlabel() for ax in figure.axes] == ["points seen n", "points seen n"]
    assert all(ax.get_ylabel() == "memories (mixture components)" for ax in figure.axes)
    plt.close(figure)
