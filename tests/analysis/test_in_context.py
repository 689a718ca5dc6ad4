import json

import numpy as np
import pytest

from ebm_memory import InContextEnergy
from ebm_memory.analysis.in_context import (
    ContextMeasures,
    draw_context,
    evaluate_contexts,
    loo_bandwidth,
    sharpening,
    summarise,
)
from ebm_memory.incontext.model import CORRECTION_BOUND


@pytest.fixture(scope="module")
def shipped():
    return InContextEnergy.pretrained()


@pytest.fixture(scope="module")
def sharpened(shipped):
    return sharpening(shipped, sizes=(4, 8), n_contexts=2, n_samples=16)


def test_leave_one_out_bandwidth_follows_the_sample_size():
    """On a standard Gaussian the likelihood-optimal bandwidth is about n^(-1/6) (d = 2)."""
    rng = np.random.default_rng(0)
    small, large = (loo_bandwidth(rng.normal(size=(n, 2))) for n in (30, 600))
    assert 0.1 < large < small < 1.2
    assert large == pytest.approx(600 ** (-1 / 6), rel=0.5)


def test_evaluation_rows_are_finite_and_the_normaliser_is_bounded(shipped):
    rows = evaluate_contexts(shipped, "mixture_2d", context_size=16, n_contexts=2, n_samples=32)
    assert len(rows) == 2 and all(isinstance(row, ContextMeasures) for row in rows)
    assert [row.seed for row in rows] == [0, 1]
    for row in rows:
        assert np.all(np.isfinite(list(row.measured().values())))
        assert abs(row.log_partition) < CORRECTION_BOUND
        assert row.excess_nll_model == pytest.approx(
            row.heldout_log_lik_truth - row.heldout_log_lik_model
        )


def test_sharpening_uses_the_same_tasks_at_every_size(sharpened):
    assert sorted(sharpened) == [4, 8]
    assert [row.seed for row in sharpened[8]] == [row.seed for row in sharpened[4]]
    mean, error = summarise(sharpened[4], "memory_width")
    assert mean > 0 and error >= 0


def test_old_seed_names_warn_and_give_the_same_draws():
    _, new, _ = draw_context("spiral_2d", 24, random_state=1)
    with pytest.warns(FutureWarning, match="`random_state`"):
        _, old, _ = draw_context("spiral_2d", 24, seed=1)
    np.testing.assert_array_equal(old, new)


def test_figures_draw(shipped, sharpened):
    from ebm_memory.plotting import plot_contours, plot_sharpening

    figure = plot_sharpening(sharpened)
    assert [ax.get_xlabel() for ax in figure.axes] == ["context size n (points)"] * 2
    assert all(ax.get_title() and "(" in ax.get_ylabel() for ax in figure.axes)
    _, context, _ = draw_context("spiral_2d", 24, random_state=1)
    figure = plot_contours(shipped, [("a", context), ("b", context[:8])], grid_size=20)
    *panels, colorbar = figure.axes
    assert [ax.get_title() for ax in panels] == ["a", "b"]
    assert all(ax.get_xlabel() and ax.get_ylabel() and len(ax.get_xticks()) for ax in panels)
    assert [(ax.get_xlabel(), ax.get_ylabel()) for ax in panels] == [("x₁", "x₂")] * 2
    assert "nats" in colorbar.get_ylabel()


def _points_and_bars(figure) -> np.ndarray:
    """Every error bar's plotted points and bar ends, panel by panel, as one float array.

    ``Axes.errorbar`` keeps the data it is given as object arrays (to preserve units), so the
    points are read as floats from the lines' ``get_xydata``.
    """
    parts = []
    for axis in figure.axes:
        for container in axis.containers:
            data_line, _, bar_lines = container.lines
            parts.append(data_line.get_xydata().ravel())
            parts += [np.ravel(bars.get_segments()) for bars in bar_lines]
    return np.concatenate(parts)


def test_sharpening_draws_the_same_from_the_summaries_of_results_json(sharpened):
    """The per-size summaries, as ``results.json`` holds them (sizes as strings), give the
    points and error bars the contexts' measures give."""
    from ebm_memory.experiments.in_context import _table
    from ebm_memory.plotting import plot_sharpening

    summaries = json.loads(json.dumps({n: _table(rows) for n, rows in sharpened.items()}))
    raw, summarised = (_points_and_bars(plot_sharpening(given)) for given in (sharpened, summaries))
    assert raw.size == 5 * (2 * 2 + 2 * 2 * 2)
    np.testing.assert_allclose(summarised, raw)
