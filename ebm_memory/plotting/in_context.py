"""Figures of the in-context energy: sharpening against the context size, and energy
contours (:mod:`ebm_memory.analysis.in_context`)."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_contours", "plot_sharpening"]


def _errorbars(axis, results, key, label, **style):
    from ebm_memory.analysis.in_context import summarise

    sizes = sorted(results)
    means, errors = zip(*(summarise(results[n], key) for n in sizes), strict=True)
    axis.errorbar(sizes, means, yerr=errors, marker="o", capsize=3, label=label, **style)


def plot_sharpening(results: dict, *, figure=None):
    """Held-out excess NLL and the wells' width against the context size.

    The left panel compares the energy with two KDEs, the right the memories' width with the
    KDE's bandwidth.

    Parameters
    ----------
    results : dict of int to list of ContextMeasures
        The output of :func:`~ebm_memory.analysis.in_context.sharpening`.
    figure : matplotlib.figure.Figure or SubFigure, optional
        Drawn into when given; otherwise a new figure is made.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two labelled panels.

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.analysis.in_context import sharpening
    >>> from ebm_memory.plotting import plot_sharpening
    >>> results = sharpening(InContextEnergy.pretrained(), sizes=(4, 8), n_contexts=2,
    ...                      n_samples=8)
    >>> plot_sharpening(results).axes[0].get_xlabel()
    'context size'
    """
    import matplotlib.pyplot as plt

    if figure is None:
        figure = plt.figure(figsize=(10, 4), layout="constrained")
    left, right = figure.subplots(1, 2)
    for key, label in [
        ("model", "in-context energy"),
        ("kde", "KDE (leave-one-out bandwidth)"),
        ("scott", "KDE (Scott)"),
    ]:
        _errorbars(left, results, f"excess_nll_{key}", label)
    left.set_yscale("log")
    _errorbars(right, results, "memory_width", "in-context memory width")
    _errorbars(right, results, "kde_bandwidth", "KDE bandwidth (leave-one-out)")
    right.set_yscale("log")
    for axis in (left, right):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("context size")
    left.set_ylabel("held-out NLL above the true density's (nats)")
    left.legend(fontsize=8)
    right.set_ylabel("width of the wells around each point")
    right.legend(fontsize=8)
    figure.suptitle("The in-context energy sharpens as its context grows")
    return figure


def _draw_contour(axis, model, title: str, context, grid_size: int, depth: float) -> None:
    from ebm_memory.incontext.inference import context_scale

    margin = context_scale(context) * np.sqrt(context.shape[1])
    low, high = context.min(0) - margin, context.max(0) + margin
    xs, ys = (np.linspace(low[i], high[i], grid_size) for i in range(2))
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
    energy = model.energy(grid, context).reshape(grid_size, grid_size)
    levels = energy.min() + np.linspace(0.0, depth, 13)
    axis.contourf(xs, ys, energy.T, levels=levels, cmap="viridis_r", extend="max")
    axis.scatter(*context.T, s=8, c="crimson", edgecolors="white", linewidths=0.4)
    axis.set_title(title, fontsize=9)
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_aspect("equal")


def plot_contours(model, contexts: list, *, grid_size: int = 150, depth: float = 12.0, figure=None):
    """Energy contours over the plane with the context points, one panel per context.

    The window is the context's extent plus one context scale; the levels span ``depth``
    nats above the lowest energy (higher energies share the darkest colour).

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
        One titled panel per context.

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.analysis.in_context import draw_context
    >>> from ebm_memory.plotting import plot_contours
    >>> _, context, _ = draw_context("mixture_2d", 16, random_state=0)
    >>> figure = plot_contours(InContextEnergy.pretrained(), [("a", context)], grid_size=20)
    >>> figure.axes[0].get_title()
    'a'
    """
    import matplotlib.pyplot as plt

    if figure is None:
        figure = plt.figure(figsize=(3.4 * len(contexts), 3.4), layout="constrained")
    axes = figure.subplots(1, len(contexts))
    for axis, (title, context) in zip(np.atleast_1d(axes), contexts, strict=True):
        _draw_contour(axis, model, title, context, grid_size, depth)
    return figure
