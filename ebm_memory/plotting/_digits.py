"""Matplotlib figures for retrieval and clustering results."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from ebm_memory.plotting._style import COLORMAP, PALETTE, styled

__all__ = ["plot_clusters", "plot_retrieval_grid"]


@styled
def plot_retrieval_grid(
    columns: Mapping[str, np.ndarray],
    image_shape: tuple[int, int],
    *,
    n_examples: int = 8,
    title: str | None = None,
):
    """Draw patterns as images: one column per named set, one row per example.

    Parameters
    ----------
    columns : mapping of str to ndarray of shape (n_patterns, n_pixels)
        Column title -> its patterns (e.g. corrupted / retrieved / true), values in [-1, 1].
    image_shape : tuple of int
        (height, width) of one image; ``height * width == n_pixels``.
    n_examples : int, default=8
        Rows drawn (at most the smallest number of patterns in a column).
    title : str or None, default=None
        The figure's title.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The grid of images.

    See Also
    --------
    ebm_memory.datasets.load_binary_digits : Digits to draw, of ``image_shape`` (8, 8).
    ebm_memory.DenseAssociativeMemory : Retrieves the patterns it draws.
    ebm_memory.demo.run_demo : Draws the demo's retrievals and samples with it.

    Examples
    --------
    >>> import numpy as np
    >>> figure = plot_retrieval_grid({"a": np.ones((3, 4)), "b": -np.ones((3, 4))}, (2, 2))
    >>> len(figure.axes)
    6
    >>> plt.close(figure)
    """
    names = list(columns)
    n_rows = min(n_examples, min(len(images) for images in columns.values()))
    figure, axes = plt.subplots(
        n_rows, len(names), figsize=(1.2 * len(names), 1.2 * n_rows + 0.6), squeeze=False
    )
    for column, name in enumerate(names):
        for row in range(n_rows):
            axis = axes[row, column]
            image = np.asarray(columns[name][row]).reshape(image_shape)
            axis.imshow(image, cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if row == 0:
                axis.set_title(name, fontsize=8)
    if title:
        figure.suptitle(title, fontsize=10)
    return figure


def cluster_colours(n_clusters: int) -> list:
    """The colour of each cluster: the palette's colours while they last, else evenly spaced
    colours of the colour map (both colour-blind safe).

    Parameters
    ----------
    n_clusters : int
        The number of clusters.

    Returns
    -------
    colours : list
        A matplotlib colour per cluster.

    Examples
    --------
    >>> cluster_colours(2)
    ['#0072B2', '#D55E00']
    >>> len(cluster_colours(10))
    10
    """
    if n_clusters <= len(PALETTE):
        return list(PALETTE[:n_clusters])
    return [tuple(c) for c in plt.get_cmap(COLORMAP)(np.linspace(0, 0.95, n_clusters))]


@styled
def plot_clusters(
    X: np.ndarray,
    labels: np.ndarray,
    memories: np.ndarray | None = None,
    *,
    ax=None,
    title: str | None = None,
):
    """Scatter 2-D points coloured by cluster, with the memories as numbered stars.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The points (project them first, e.g. with a PCA, for more features).
    labels : array-like of shape (n_samples,)
        The cluster of each point (int).
    memories : array-like of shape (n_memories, 2) or None, default=None
        Memories drawn as stars, coloured as the cluster of the same index (colours of
        :func:`cluster_colours`) and labelled with that index.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; None makes a new figure.
    title : str or None, default=None
        The axes' title.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure holding ``ax``.

    See Also
    --------
    ebm_memory.AssociativeClustering : Memories as cluster centres, drawn as the stars.
    ebm_memory.demo.run_demo : Draws the demo's clusterings with it.

    Examples
    --------
    >>> import numpy as np
    >>> figure = plot_clusters(np.zeros((3, 2)), np.array([0, 1, 1]), np.ones((2, 2)))
    >>> len(figure.axes[0].collections)
    2
    >>> plt.close(figure)
    """
    from matplotlib.lines import Line2D

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    X, labels = np.asarray(X), np.asarray(labels)
    n_colours = int(labels.max(initial=-1)) + 1
    if memories is not None:
        memories = np.asarray(memories)
        n_colours = max(n_colours, len(memories))
    colours = cluster_colours(max(n_colours, 1))
    ax.scatter(X[:, 0], X[:, 1], c=[colours[k] for k in labels], s=6, alpha=0.6, linewidths=0)
    if memories is not None:
        ax.scatter(
            memories[:, 0],
            memories[:, 1],
            c=colours[: len(memories)],
            marker="*",
            s=220,
            edgecolors="k",
        )
        for index, (x, y) in enumerate(memories):
            ax.annotate(
                str(index),
                (x, y),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )
        star = Line2D(
            [], [], marker="*", ls="none", ms=12, mfc="white", mec="k", label="memory (its index)"
        )
        ax.legend(handles=[star], loc="best")
    if title:
        ax.set_title(title)
    return ax.figure
