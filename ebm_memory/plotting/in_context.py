"""Figures of the in-context energy: sharpening against the context size, and energy
contours (:mod:`ebm_memory.analysis.in_context`)."""

from __future__ import annotations

import numpy as np

from ebm_memory.plotting._style import COLORMAP, LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_contours", "plot_sharpening"]


def _summary(rows, key: str) -> tuple[float, float]:
    """Mean and standard error of ``key``: from the contexts' measures, or from their summary."""
    from ebm_memory.analysis.in_context import summarise

    if isinstance(rows, dict):
        return rows[key]["mean"], rows[key]["standard_error"]
    return summarise(rows, key)


def _errorbars(axis, results, key, label, index):
    sizes = sorted(results, key=int)
    means, errors = zip(*(_summary(results[n], key) for n in sizes), strict=True)
    axis.errorbar(
        [int(n) for n in sizes],
        means,
        yerr=errors,
        color=PALETTE[index],
        marker=MARKERS[index],
        linestyle=LINESTYLES[index],
        capsize=3,
        label=label,
    )


def _size_axis(axis, sizes) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from ebm_memory.plotting.capacity import _minor_label

    axis.set_xscale("log", base=2)
    axis.set_xticks(sizes, [str(n) for n in sizes])
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.yaxis.set_minor_formatter(FuncFormatter(_minor_label))
    axis.set_xlabel("context size n (points)")


@styled
def plot_sharpening(results: dict, *, figure=None):
    """Held-out excess NLL and the wells' width against the context size.

    The left panel compares the energy with two KDEs, the right the memories' width with the
    KDE's bandwidth; error bars are standard errors over the contexts.

    Parameters
    ----------
    results : dict of int to list of ContextMeasures
        The output of :func:`~ebm_memory.analysis.in_context.sharpening`; or, per context
        size, the summaries an experiment's ``results.json`` holds (measure name ->
        ``{"mean": ..., "standard_error": ...}``).
    figure : matplotlib.figure.Figure or SubFigure, optional
        Drawn into when given; otherwise a new figure is made.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two labelled panels.

    See Also
    --------
    ebm_memory.analysis.in_context.sharpening : Measures the contexts at each size.
    ebm_memory.experiments.in_context.Result.to_dict : The per-size summaries (``context_sizes``).
    ebm_memory.experiments.in_context.figure : The in-context reproduction's figure (top row).

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.analysis.in_context import sharpening
    >>> from ebm_memory.plotting import plot_sharpening
    >>> results = sharpening(InContextEnergy.pretrained(), sizes=(4, 8), n_contexts=2,
    ...                      n_samples=8)
    >>> plot_sharpening(results).axes[0].get_xlabel()
    'context size n (points)'
    """
    import matplotlib.pyplot as plt

    if figure is None:
        figure = plt.figure(figsize=(10, 4.2), layout="constrained")
    left, right = figure.subplots(1, 2)
    for index, (key, label) in enumerate(
        [
            ("model", "in-context energy"),
            ("kde", "KDE (leave-one-out bandwidth)"),
            ("scott", "KDE (Scott's bandwidth)"),
        ]
    ):
        _errorbars(left, results, f"excess_nll_{key}", label, index)
    _errorbars(right, results, "memory_width", "in-context memory width", 0)
    _errorbars(right, results, "kde_bandwidth", "KDE bandwidth (leave-one-out)", 1)
    sizes = sorted(int(n) for n in results)
    for axis in (left, right):
        axis.set_yscale("log")
        _size_axis(axis, sizes)
    left.set_ylabel("held-out NLL minus the true density's (nats)")
    left.set_title("Excess negative log-likelihood on held-out points")
    right.set_ylabel("width of the wells (data units)")
    right.set_title("Width of the wells around each context point")
    left.legend()
    right.legend()
    figure.suptitle("The in-context energy sharpens as its context grows (mean ± s.e.)")
    return figure


def _draw_contour(axis, model, title: str, context, grid_size: int, levels):
    """Filled contours of the energy above its lowest value in the window; the context on top."""
    from ebm_memory.incontext.inference import context_scale

    margin = context_scale(context) * np.sqrt(context.shape[1])
    low, high = context.min(0) - margin, context.max(0) + margin
    xs, ys = (np.linspace(low[i], high[i], grid_size) for i in range(2))
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
    energy = np.asarray(model.energy(grid, context)).reshape(grid_size, grid_size)
    filled = axis.contourf(
        xs, ys, (energy - energy.min()).T, levels=levels, cmap=f"{COLORMAP}_r", extend="max"
    )
    axis.scatter(
        *context.T,
        s=10,
        color=PALETTE[1],
        edgecolors="white",
        linewidths=0.5,
        label="context points",
    )
    axis.set_title(title)
    axis.set_xlabel("x₁")
    axis.set_ylabel("x₂")
    axis.set_aspect("equal")
    return filled


@styled
def plot_contours(model, contexts: list, *, grid_size: int = 150, depth: float = 12.0, figure=None):
    """Energy contours over the plane with the context points, one panel per context.

    The window is the context's extent plus one context scale. Each panel shows the energy
    above its lowest value in the window, ``E(x) - min E``: up to an additive constant the
    negative log density, in nats. The levels span ``depth`` nats on one colour bar shared
    by the panels (higher energies share the darkest colour).

    Parameters
    ----------
    model : InContextEnergy
        A fitted 2-D in-context energy.
    contexts : list of (str, ndarray of shape (n_samples, 2))
        Each panel's title and context.
    grid_size : int, default=150
        Grid points per axis.
    depth : float, default=12.0
        Nats of energy the levels span.
    figure : matplotlib.figure.Figure or SubFigure, optional
        Drawn into when given; otherwise a new figure is made.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One titled panel per context, with labelled axes, and a labelled colour bar.

    See Also
    --------
    ebm_memory.InContextEnergy : The energy drawn.
    ebm_memory.analysis.in_context.draw_context : Draws a task's context.
    ebm_memory.experiments.in_context.figure : The in-context reproduction's figure (lower rows).

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.analysis.in_context import draw_context
    >>> from ebm_memory.plotting import plot_contours
    >>> _, context, _ = draw_context("mixture_2d", 16, random_state=0)
    >>> figure = plot_contours(InContextEnergy.pretrained(), [("a", context)], grid_size=20)
    >>> figure.axes[0].get_title()
    'a'
    >>> figure.axes[-1].get_ylabel()
    'energy above its minimum (nats)'
    """
    import matplotlib.pyplot as plt

    if figure is None:
        figure = plt.figure(figsize=(3.2 * len(contexts) + 1.2, 3.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(contexts)))
    levels = np.linspace(0.0, depth, 13)
    for axis, (title, context) in zip(axes, contexts, strict=True):
        filled = _draw_contour(axis, model, title, context, grid_size, levels)
    axes[0].legend(loc="upper left", markerscale=1.5)
    colorbar = figure.colorbar(filled, ax=list(axes), shrink=0.9, pad=0.02)
    colorbar.set_label("energy above its minimum (nats)")
    return figure
