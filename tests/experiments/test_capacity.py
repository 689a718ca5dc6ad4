"""The capacity experiment: run on a small configuration, its figure and its table; the
quick run as ``ebm-memory reproduce capacity --quick`` does it (slow)."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ebm_memory.energies import interactions
from ebm_memory.experiments import capacity

SMALL = (
    ("classical", interactions.classical(), ((40, 60), (40, 60)), (3, 3), 100),
    ("cubic", interactions.polynomial(3), ((12, 16), (12, 16)), (2, 2), 100),
)


@pytest.fixture(scope="module")
def small():
    return capacity.run(quick=True, models=SMALL)


def test_result_is_plain_json_with_both_capacities_and_the_fits(small):
    data = json.loads(json.dumps(small.to_dict()))
    assert [model["model"] for model in data["models"]] == ["classical", "cubic"]
    for model in data["models"]:
        assert model["n"] == [40, 60] or model["n"] == [12, 16]
        assert np.all(np.isfinite(model["capacity"] + model["exact_capacity"]))
        assert model["fit_error"]["ci_low"] <= model["fit_error"]["ci_high"]
    assert data["classical_loads"]["n"] == [40, 60]
    assert data["ags_load_at_threshold"] == pytest.approx(0.135, abs=2e-3)


def test_figure_has_one_labelled_panel_per_model(small):
    figure = capacity.figure(small)
    assert len(figure.axes) == 2
    for ax in figure.axes:
        assert ax.get_xlabel() == "neurons N" and ax.get_ylabel() == "stored patterns P"
        assert len(ax.lines) >= 3 and ax.get_title()
    plt.close(figure)


def test_table_holds_the_loads_and_the_fitted_laws(small):
    text = capacity.table(small)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 2 + 2 + 2 * len(SMALL)  # two headers, two N, two fits per model
    load = small.classical_loads["load"][0]
    assert f"{load:.4f}" in text
    assert f"{small.models[1]['fit_error']['slope']:.3f}" in text


@pytest.mark.slow
def test_quick_run_covers_every_model():
    result = capacity.run(quick=True)
    assert [model["model"] for model in result.models] == [row[0] for row in capacity.MODELS]
    assert all(len(model["n"]) == 2 for model in result.models)
