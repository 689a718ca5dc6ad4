import matplotlib
import numpy as np
import pytest

from ebm_memory import InContextEnergy
from ebm_memory.analysis.in_context import (
    draw_context,
    evaluate_contexts,
    loo_bandwidth,
    plot_contours,
    plot_sharpening,
    sharpening,
)
from ebm_memory.analysis.in_context_report import in_context_markdown, reproduce_in_context
from ebm_memory.incontext.model import CORRECTION_BOUND


@pytest.fixture(scope="module")
def shipped():
    return InContextEnergy.pretrained()


def test_leave_one_out_bandwidth_follows_the_sample_size():
    """On a standard Gaussian the likelihood-optimal bandwidth is about n^(-1/6) (d = 2)."""
    rng = np.random.default_rng(0)
    small, large = (loo_bandwidth(rng.normal(size=(n, 2))) for n in (30, 600))
    assert 0.1 < large < small < 1.2
    assert large == pytest.approx(600 ** (-1 / 6), rel=0.5)


def test_evaluation_rows_are_finite_and_the_normaliser_is_bounded(shipped):
    rows = evaluate_contexts(shipped, "mixture_2d", context_size=16, n_contexts=2, n_samples=32)
    assert len(rows) == 2
    for row in rows:
        values = [v for v in row.values() if isinstance(v, float)]
        assert np.all(np.isfinite(values))
        assert abs(row["log_normaliser"]) < CORRECTION_BOUND
        assert row["excess_nll_model"] == pytest.approx(
            row["heldout_log_lik_truth"] - row["heldout_log_lik_model"]
        )


def test_figures_draw(shipped):
    results = sharpening(shipped, sizes=(4, 8), n_contexts=2, n_samples=16)
    assert isinstance(plot_sharpening(results), matplotlib.figure.Figure)
    _, context, _ = draw_context("spiral_2d", 24, seed=1)
    assert len(plot_contours(shipped, [("a", context), ("b", context[:8])]).axes) == 2


@pytest.mark.slow
def test_shipped_energy_sharpens_and_stays_within_the_stated_margin_of_kde(tmp_path):
    """The quick reproduction (4 held-out contexts per size): the wells narrow and the excess
    NLL over the truth falls from 4 to 64 context points, and at no size are the samples
    more than two paired standard errors below the stated margin of the KDE's."""
    results = reproduce_in_context(tmp_path, quick=True)
    sizes = results["context_sizes"]
    assert sizes[64]["memory_width"]["mean"] < sizes[4]["memory_width"]["mean"]
    assert sizes[64]["excess_nll_model"]["mean"] < sizes[4]["excess_nll_model"]["mean"]
    assert results["not_significantly_below_margin"]
    assert (tmp_path / "in_context.png").exists()
    assert (tmp_path / "in_context_contours.png").exists()
    assert "stated margin" in "\n".join(in_context_markdown(results)).lower()
