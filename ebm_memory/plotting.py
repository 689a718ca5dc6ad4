"""Matplotlib figures for retrieval results."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_retrieval_grid"]


def plot_retrieval_grid(
    columns: Mapping[str, np.ndarray],
    image_shape: tuple[int, int],
    *,
    n_examples: int = 8,
    title: str | None = None,
):
    """One column per named set of patterns (e.g. corrupted / retrieved / true), one row per
    example; returns the matplotlib ``Figure``."""
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
    figure.tight_layout()
    return figure
