"""Figures of one-step retrieval and of the kinds of fixed points of modern Hopfield
networks (:mod:`ebm_memory.analysis.one_step`)."""

from __future__ import annotations

import numpy as np

from ebm_memory.analysis.fixed_points import KINDS
from ebm_memory.analysis.one_step import QUERIES
from ebm_memory.plotting._style import LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_one_step"]

BELOW = "0.6"
"""Grey of the pairs below the theorem's threshold, and of the global fixed point."""

QUERY_LABELS = {"exact": "query at the pattern x_i", "sphere": "query on its sphere's edge"}
"""Legend text of each of ``QUERIES``."""


def _one_step_panel(ax, name: str, result, floor: float) -> None:
    """One-step error against ``beta Delta_i`` beside the theorem's bound."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    n, m = int(result.n_patterns), float(result.max_norm)
    x_max = np.log(2 * (n - 1) * m / floor) + 5
    beyond, x = result.beyond, result.beta_delta
    handles = []
    for query, marker in zip(QUERIES, MARKERS, strict=False):
        error = np.maximum(getattr(result, f"{query}_error"), floor)
        style = {"s": 8, "marker": marker, "alpha": 0.4, "linewidths": 0}
        ax.scatter(x[~beyond], error[~beyond], color=BELOW, **style)
        ax.scatter(x[beyond], error[beyond], color=PALETTE[0], **style)
        handles.append(
            Line2D([], [], ls="none", marker=marker, color="0.2", label=QUERY_LABELS[query])
        )
    threshold = result.pattern_beta * result.separation
    ax.axvspan(threshold.min(), threshold.max(), color=PALETTE[0], alpha=0.15, lw=0)
    grid = np.linspace(0, x_max, 200)
    bound_label = "bound 2(N-1)M exp(-βΔ)"
    (bound,) = ax.plot(
        grid, 2 * (n - 1) * m * np.exp(-grid), "k", ls=LINESTYLES[1], label=bound_label
    )
    line = ax.axhline(1e-3, color=PALETTE[1], ls=LINESTYLES[2], lw=1.5, label="criterion 1e-3")
    handles += [
        Patch(color=PALETTE[0], alpha=0.6, label="pair beyond the theorem's threshold"),
        Patch(color=BELOW, alpha=0.6, label="pair below it"),
        bound,
        line,
    ]
    ax.set(yscale="log", xlim=(0, x_max), ylim=(floor / 3, 10 * m), xlabel="β Δ_i")
    ax.set(
        ylabel="one-step error ||f(ξ) - x_i||", title=f"{name}: error after one update (N = {n})"
    )
    ax.legend(handles=handles, loc="upper right")


def _census_panel(ax, name: str, census) -> None:
    """Stacked fractions of the three kinds of fixed points against ``beta``."""
    colours = (BELOW, PALETTE[4], PALETTE[2])
    areas = ax.stackplot(census.betas, census.fractions.T, labels=KINDS, colors=colours)
    for area, hatch in zip(areas, ("", "//", ".."), strict=False):
        area.set_hatch(hatch)
        area.set_edgecolor("white")
    ax.set(xscale="log", ylim=(0, 1), xlabel="inverse temperature β", ylabel="fraction of starts")
    ax.set_title(f"{name}: fixed points reached")
    ax.legend(loc="center right")


@styled
def plot_one_step(one_step: dict, census: dict, floor: float = 1e-17):
    """One-step errors against the theorem's bound, and the kinds of fixed points.

    Top row: one-step error against ``beta Delta_i`` per data set, with the theorem's bound
    for queries at the pattern, pairs beyond the theorem's threshold highlighted (the shaded
    band spans the patterns' thresholds in ``beta Delta``), and the 1e-3 line; errors under
    ``floor`` are drawn at it. Bottom row: stacked fractions of the three kinds of fixed
    points against ``beta``.

    Parameters
    ----------
    one_step : dict of str to OneStepErrors
        Data set name -> :func:`~ebm_memory.analysis.one_step.one_step_errors` result.
    census : dict of str to FixedPointCensus
        The same names -> :func:`~ebm_memory.analysis.fixed_points.fixed_point_census`.
    floor : float, default=1e-17
        Errors below it are drawn at it.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two rows, one column per data set.

    See Also
    --------
    ebm_memory.analysis.one_step_errors : Measures the one-step errors.
    ebm_memory.analysis.fixed_point_census : Counts the kinds of fixed points.
    ebm_memory.experiments.one_step.figure : The one-step reproduction's figure.

    Examples
    --------
    >>> from ebm_memory.analysis import fixed_point_census, one_step_errors
    >>> from ebm_memory.analysis.one_step import random_unit_patterns
    >>> from ebm_memory.plotting import plot_one_step
    >>> memories = random_unit_patterns(8, 4)
    >>> figure = plot_one_step({"a": one_step_errors(memories, [1.0, 30.0])},
    ...                        {"a": fixed_point_census(memories, [1.0, 30.0])})
    >>> figure.axes[1].get_xlabel()
    'inverse temperature β'
    """
    import matplotlib.pyplot as plt

    names = list(one_step)
    figure, axes = plt.subplots(
        2, len(names), figsize=(5.8 * len(names), 8.4), squeeze=False, layout="constrained"
    )
    for ax, name in zip(axes[0], names, strict=True):
        _one_step_panel(ax, name, one_step[name], floor)
    for ax, name in zip(axes[1], names, strict=True):
        _census_panel(ax, name, census[name])
    figure.suptitle("One update of Model B retrieves a well-separated pattern; fixed points by β")
    return figure
