"""The in-context experiment: the quick run (slow: minutes on 2 cores), its table and figure."""

import json

import matplotlib.pyplot as plt
import pytest

from ebm_memory.experiments import in_context
from ebm_memory.experiments._in_context_table import markdown


@pytest.mark.slow
def test_shipped_energy_sharpens_and_stays_within_the_stated_margin_of_kde():
    """The quick reproduction (4 held-out contexts per size): the wells narrow and the excess
    NLL over the truth falls from 4 to 64 context points, and at no size are the samples
    more than two paired standard errors below the stated margin of the KDE's."""
    result = in_context.run(quick=True)
    values = result.to_dict()
    json.dumps(values)
    sizes = values["context_sizes"]
    assert sizes[64]["memory_width"]["mean"] < sizes[4]["memory_width"]["mean"]
    assert sizes[64]["excess_nll_model"]["mean"] < sizes[4]["excess_nll_model"]["mean"]
    assert values["not_significantly_below_margin"]
    assert "stated margin" in in_context.table(result).lower()
    figure = in_context.figure(result)
    assert figure.axes[0].get_xlabel() == "context size n (points)"
    colour_bars = 2
    assert len(figure.axes) == 2 + 4 + 2 + len(in_context.HELD_OUT_FAMILIES) + colour_bars
    plt.close(figure)


def test_table_reads_the_values():
    row = {"mean": -1.0, "standard_error": 0.1}
    table = {"sample_log_lik_model": row, "sample_log_lik_kde": row, "sample_margin": row}
    values = {
        "model": {"n_steps": 7},
        "settings": {"n_contexts": 2, "n_samples": 8},
        "context_sizes": {4: table},
        "held_out_families": {"spiral_2d": table},
        "objectives": {"cd": table},
        "mixture_8d": {"n_steps": 3, "training_seconds": 1.0, **table},
        "stated_sample_margin": 0.25,
        "not_significantly_below_margin": True,
    }
    text = markdown(values)
    assert "The shipped model (7 steps" in text
    assert "| n = 4 | -1.00 ± 0.10 | -1.00 ± 0.10 | -1.00 ± 0.10 | – |" in text
    assert "it falls below at n = 4 (-1.00 ± 0.10)" in text
