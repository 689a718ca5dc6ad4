"""The KDE-capacity experiment on a small configuration: its result, figure and table; the
quick run as ``ebm-memory reproduce kde_capacity --quick`` does it (slow)."""

import json

import matplotlib.pyplot as plt
import pytest

from ebm_memory.experiments import kde_capacity

SMALL = {
    "dimension_sweeps": {0.3: (3, 4, 5)},
    "sigma_sweep": (4, (0.3, 0.4)),
    "settings": {"n_trials": 2, "n_probes": 8, "n_max": 128},
}


@pytest.fixture(scope="module")
def small():
    return kde_capacity.run(config=SMALL)


def test_result_is_plain_json_with_rows_and_fits(small):
    data = json.loads(json.dumps(small.to_dict()))
    rows = data["dimension_sweeps"][0]["rows"]
    assert [row["n_features"] for row in rows] == [3, 4, 5]
    assert all(row["capacity"] >= 1 and row["bound"] < row["ceiling"] for row in rows)
    assert data["bound_violations"] == 0 and data["n_max"] == 128
    assert data["dimension_sweeps"][0]["fits"]["fit_dims"] == [3, 4, 5]
    assert [row["sigma_over_r"] for row in data["sigma_sweep"]["rows"]] == [0.3, 0.4]


def test_figure_has_three_labelled_panels(small):
    figure = kde_capacity.figure(small)
    assert len(figure.axes) == 3
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in figure.axes)
    plt.close(figure)


def test_table_holds_every_capacity_and_the_rate(small):
    text = kde_capacity.table(small)
    assert text.count("| 0.3 | ") == 3 + 1  # three dimensions, and the rate row
    row = small.dimension_sweeps[0]["rows"][0]
    assert f"{row['capacity']:.3g}" in text
    assert f"{small.dimension_sweeps[0]['fits']['bound']['rate']:.2f}" in text


@pytest.mark.slow
def test_quick_run():
    result = kde_capacity.run(quick=True)
    rows = result.dimension_sweeps[0]["rows"]
    assert [row["n_features"] for row in rows] == [4, 6, 8, 10]
    assert all(row["bound"] <= row["capacity"] <= row["ceiling"] for row in rows)
    assert result.bound_violations == 0
    assert result.dimension_sweeps[0]["fits"]["measured"]["rate"] > 0
