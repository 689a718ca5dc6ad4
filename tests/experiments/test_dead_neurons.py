"""The dead-neuron experiment on a small configuration: its result, figure and table; the
quick run as ``ebm-memory reproduce dead_neurons --quick`` does it (slow)."""

import json

import matplotlib.pyplot as plt
import pytest

from ebm_memory.experiments import dead_neurons


@pytest.fixture(scope="module")
def small():
    return dead_neurons.run(sizes=(16, 32, 1))


def test_result_is_plain_json_with_every_fixed_point(small):
    data = json.loads(json.dumps(small.to_dict()))
    labels = sorted(row["label"] for row in data["fixed_points"])
    assert labels == ["basin"] * 3 + ["kink"] + ["unstable"] * 3
    assert all(len(row["basin_fraction"]) == len(data["radii"]) for row in data["fixed_points"])
    assert data["recovery"]["starts"] == 32 and data["modified"]["trajectories"] == 8
    assert data["ensemble"]["networks"] == 1


def test_figure_has_six_labelled_panels(small):
    figure = dead_neurons.figure(small)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert len(panels) == 6
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in panels)
    plt.close(figure)


def test_table_holds_each_fixed_point_and_the_claims(small):
    text = dead_neurons.table(small)
    assert text.count("| retrieval, E = ") == 3 and text.count("| mixture, E = ") == 3
    assert "| origin (kink), E = " in text
    assert f"{small.modified['max_weight']:.2f}" in text
    assert f"{small.recovery['stationary']} / 32" in text


@pytest.mark.slow
def test_quick_run():
    result = dead_neurons.run(quick=True)
    assert result.ensemble["networks"] == 2
    assert result.converged["distinct_end_states"] == result.converged["stable"] == 3
