"""scikit-learn's digits KDE example, reproduced with memory densities.

scikit-learn's example "Kernel Density Estimation" (``plot_digits_kde_sampling.py``) projects
the digits on 15 principal components (``PCA(n_components=15, whiten=False)``), chooses a
Gaussian KDE bandwidth from ``np.logspace(-1, 1, 20)`` by ``GridSearchCV`` (5 unshuffled
folds, total held-out log-likelihood), finds 3.79, and draws 44 new digits mapped back to
pixels with ``pca.inverse_transform``. Here the same search runs for

- KernelDensity (the example itself),
- our euclidean softmax memory storing every row, ``beta = 1 / h^2`` on the same grid: this
  is that KDE exactly, so it should choose the same bandwidth,
- our memory with K learned memories (at most 1/10 of a training fold), K and ``beta``
  chosen together,

and 44 exact samples of each memory density are drawn and shown as digits.

Examples
--------
>>> from benchmarks.digits_example import BANDWIDTHS
>>> round(float(BANDWIDTHS[15]), 2)  # the example's bandwidth is a point of its grid
3.79
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity

from benchmarks.harness import check_size
from ebm_memory.estimators.memory import DenseAssociativeMemory
from ebm_memory.plotting._style import styled

__all__ = ["BANDWIDTHS", "SKLEARN_BANDWIDTH", "digits_kde_example", "plot_digits_samples"]

SKLEARN_BANDWIDTH = 3.79
"""The bandwidth scikit-learn's example reports."""
BANDWIDTHS = np.logspace(-1, 1, 20)
"""The example's bandwidth grid."""
MEMORY_FRACTIONS = {"tiny": (0.1,), "quick": (0.05, 0.1), "full": (0.025, 0.05, 0.1)}
"""Grid of K, as fractions of the smallest cross-validation training fold."""
COMPRESSED_BANDWIDTHS = {"tiny": BANDWIDTHS[1::2], "quick": BANDWIDTHS, "full": BANDWIDTHS}
"""Bandwidth grid of the learned memories (tiny: every other point, 3.79 included)."""
N_FOLDS = 5


def _search(estimator, grid: dict, data: np.ndarray) -> tuple[GridSearchCV, dict]:
    """Fit a 5-fold grid search on all rows; the search and its summary (the cross-validated
    log-likelihood per sample of the best setting, and the seconds the search took)."""
    start = time.perf_counter()
    search = GridSearchCV(estimator, grid, cv=N_FOLDS).fit(data)
    summary = {
        # total held-out log-likelihood per fold, averaged: times folds / rows = per sample
        "cv_log_likelihood": float(search.best_score_ * N_FOLDS / len(data)),
        "seconds": time.perf_counter() - start,
    }
    return search, summary


def digits_kde_example(size: str = "quick", *, n_samples: int = 44, random_state=0) -> dict:
    """Reproduce scikit-learn's digits KDE example with KernelDensity and our memories.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        Only the search over the learned memories depends on it: 1, 2 or 3 values of K,
        and (tiny) every other bandwidth of the example's grid. The other searches always
        use the example's grid.
    n_samples : int
        Digits drawn from each fitted density.
    random_state : int
        Seeds the learned memories and the samples.

    Returns
    -------
    dict
        ``sklearn_bandwidth`` (3.79), ``bandwidth_grid``; ``kernel_density``, ``ours`` (every
        row stored) and ``ours_compressed`` (K learned memories), each with ``bandwidth``,
        ``cv_log_likelihood`` (nats per sample, 15-d PCA space), ``seconds`` and
        ``n_stored``; ``ours_vs_kernel_density`` (max absolute difference of the two log
        densities on all rows at the chosen bandwidths); images in pixel space (n, 64):
        ``real`` (the first rows, as in the example), ``samples`` and
        ``compressed_samples`` (drawn from our two densities, through
        ``pca.inverse_transform``).
    """
    check_size(size)
    digits = load_digits().data
    pca = PCA(n_components=15, whiten=False)
    data = pca.fit_transform(digits)

    kde_search, kde = _search(KernelDensity(), {"bandwidth": BANDWIDTHS}, data)
    memory = DenseAssociativeMemory(similarity="euclidean", random_state=random_state)
    ours_search, ours = _search(memory, {"beta": list(BANDWIDTHS**-2.0)}, data)
    smallest_train = len(data) - -(-len(data) // N_FOLDS)  # beside the largest test fold
    memories = [max(1, int(f * smallest_train)) for f in MEMORY_FRACTIONS[size]]
    compressed_memory = DenseAssociativeMemory(
        similarity="euclidean", n_memories=1, max_iter=300, random_state=random_state
    )
    compressed_search, compressed = _search(
        compressed_memory,
        {"n_memories": memories, "beta": list(COMPRESSED_BANDWIDTHS[size] ** -2.0)},
        data,
    )

    kde["bandwidth"] = float(kde_search.best_params_["bandwidth"])
    kde["n_stored"] = len(data)
    for summary, search in ((ours, ours_search), (compressed, compressed_search)):
        summary["bandwidth"] = float(search.best_estimator_.beta_**-0.5)
        summary["n_stored"] = search.best_estimator_.memories_.shape[0]
    difference = ours_search.best_estimator_.score_samples(data) - kde_search.score_samples(data)
    return {
        "sklearn_bandwidth": SKLEARN_BANDWIDTH,
        "bandwidth_grid": [float(h) for h in BANDWIDTHS],
        "kernel_density": kde,
        "ours": ours,
        "ours_compressed": compressed,
        "ours_vs_kernel_density": float(np.max(np.abs(difference))),
        "real": digits[:n_samples],
        "samples": pca.inverse_transform(
            ours_search.best_estimator_.sample(n_samples, random_state=random_state)
        ),
        "compressed_samples": pca.inverse_transform(
            compressed_search.best_estimator_.sample(n_samples, random_state=random_state)
        ),
    }


@styled
def plot_digits_samples(result: dict, *, n_columns: int = 11):
    """Real digits and the samples of both memory densities as 8 x 8 images (grey levels
    0..16, as scikit-learn's example shows them); returns the matplotlib ``Figure``."""
    panels = {
        "real digits": result["real"],
        f"ours, every row stored (h = {result['ours']['bandwidth']:.2f})": result["samples"],
        (
            f"ours, K = {result['ours_compressed']['n_stored']} learned memories "
            f"(h = {result['ours_compressed']['bandwidth']:.2f})"
        ): result["compressed_samples"],
    }
    n_rows = -(-len(result["real"]) // n_columns)
    figure = plt.figure(figsize=(0.6 * n_columns, 0.7 * len(panels) * n_rows + 0.3 * len(panels)))
    for subfigure, (title, images) in zip(
        figure.subfigures(len(panels), 1), panels.items(), strict=True
    ):
        axes = subfigure.subplots(n_rows, n_columns, squeeze=False)
        for index, axis in enumerate(axes.flat):
            axis.set_axis_off()
            if index < len(images):
                image = np.clip(images[index], 0, 16).reshape(8, 8)
                axis.imshow(image, cmap="binary", vmin=0, vmax=16, interpolation="nearest")
        subfigure.suptitle(title, fontsize=9)
    figure.suptitle(
        "scikit-learn's digits KDE example: real digits and samples of our densities\n"
        "(15-d PCA, bandwidth h by 5-fold cross-validation; 8 x 8 pixels, grey levels 0 to 16)",
        fontsize=10,
    )
    return figure
