"""The demo's section "memories as mixture components" (part of ``ebm-memory demo``).

Two checks on shipped or generated data. The grey-level digits (1,797 rows, 64 pixels, ten
classes) are clustered by :class:`AssociativeClustering` with K = 10 memories (ClAM and ELBO
readouts of a Gaussian mixture, and ClAM on the hypersphere), against ``KMeans`` with the same
number of initialisations; the labels are scored against the digit classes (adjusted Rand
index, normalised mutual information). A :class:`NonparametricMemory` told only the blobs'
scale counts the blobs of a generated mixture, next to ``BayesianGaussianMixture`` given 20
components.

Examples
--------
>>> from ebm_memory.demo._mixtures import blob_centres
>>> blob_centres().shape
(8, 2)
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.mixture import BayesianGaussianMixture

from ebm_memory._io import save_figure
from ebm_memory.estimators import AssociativeClustering, NonparametricMemory
from ebm_memory.plotting import plot_clusters
from ebm_memory.plotting._digits import cluster_colours
from ebm_memory.plotting._style import styled

__all__ = ["BLOB_MIN_WEIGHT", "blob_centres", "run_mixtures"]

N_INIT = 4
BLOB_STD = 0.5
BLOB_MIN_WEIGHT = 0.01
"""A ``BayesianGaussianMixture`` component counts above this weight."""


def blob_centres(n_ring: int = 7, radius: float = 6.0) -> np.ndarray:
    """Blob centres: ``n_ring`` on a circle and one at the origin.

    Neighbours are at least ``2 radius sin(pi / n_ring)`` apart (5.2 by default, ten blob
    standard deviations).

    Parameters
    ----------
    n_ring : int, default=7
        Centres on the circle.
    radius : float, default=6.0
        The circle's radius.

    Returns
    -------
    centres : ndarray of shape (n_ring + 1, 2)
        The ring's centres, then the origin.

    Examples
    --------
    >>> import numpy as np
    >>> np.linalg.norm(blob_centres(n_ring=4, radius=2.0), axis=1)
    array([2., 2., 2., 2., 0.])
    """
    angles = 2 * np.pi * np.arange(n_ring) / n_ring
    ring = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    return np.vstack([ring, np.zeros((1, 2))])


def _digits_models(random_state: int) -> dict:
    common = {"n_init": N_INIT, "random_state": random_state}
    return {
        "ClAM (euclidean)": AssociativeClustering(10, **common),
        "ELBO (euclidean)": AssociativeClustering(10, dynamics="elbo", **common),
        "ClAM (cosine, vMF)": AssociativeClustering(10, similarity="cosine", **common),
        "KMeans": KMeans(10, **common),
    }


def _digits_clustering(random_state: int) -> tuple[dict, dict]:
    """Cluster the grey-level digits with each model; rows of scores and the fitted models."""
    digits = load_digits()
    rows, fitted = [], {}
    for name, model in _digits_models(random_state).items():
        start = time.perf_counter()
        labels = model.fit_predict(digits.data)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "model": name,
                "ari": float(adjusted_rand_score(digits.target, labels)),
                "nmi": float(normalized_mutual_info_score(digits.target, labels)),
                "beta": float(model.beta_) if hasattr(model, "beta_") else None,
                "seconds": seconds,
            }
        )
        fitted[name] = model
    summary = {"n_samples": int(len(digits.data)), "n_clusters": 10, "n_init": N_INIT}
    return {**summary, "results": rows}, fitted


def _blob_counting(random_state: int) -> tuple[dict, np.ndarray, NonparametricMemory]:
    """Count the blobs with a nonparametric memory and with a Dirichlet-process mixture."""
    centres = blob_centres()
    X, truth = make_blobs(2000, centers=centres, cluster_std=BLOB_STD, random_state=random_state)
    start = time.perf_counter()
    memory = NonparametricMemory(alpha=1.0, beta=BLOB_STD**-2, random_state=random_state).fit(X)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    peer = BayesianGaussianMixture(n_components=20, max_iter=500, random_state=random_state).fit(X)
    peer_seconds = time.perf_counter() - start
    report = {
        "n_samples": int(len(X)),
        "true_blobs": int(len(centres)),
        "beta": BLOB_STD**-2,
        "alpha": 1.0,
        "n_memories": int(memory.n_memories_),
        "ari": float(adjusted_rand_score(truth, memory.labels_)),
        "seconds": seconds,
        "bgmm_components_used": int(np.sum(peer.weights_ > BLOB_MIN_WEIGHT)),
        "bgmm_ari": float(adjusted_rand_score(truth, peer.predict(X))),
        "bgmm_seconds": peer_seconds,
    }
    return report, X, memory


@styled
def _figure(clam: AssociativeClustering, blobs: np.ndarray, memory: NonparametricMemory):
    """Top: the ten ClAM memories as images, framed in their cluster's colour and numbered as
    their stars. Bottom: the digits on their first two principal components with the
    projected memories; the blobs with the nonparametric memories."""
    digits = load_digits().data
    n_memories = len(clam.memories_)
    colours = cluster_colours(n_memories)
    figure = plt.figure(figsize=(11, 6.8))
    grid = figure.add_gridspec(2, n_memories, height_ratios=[1, 4.5])
    for index, image in enumerate(clam.memories_):
        axis = figure.add_subplot(grid[0, index])
        axis.imshow(image.reshape(8, 8), cmap="gray_r", interpolation="nearest")
        axis.set_xticks([])
        axis.set_yticks([])
        for spine in axis.spines.values():
            spine.set_edgecolor(colours[index])
            spine.set_linewidth(3)
        axis.set_title(f"memory {index}", fontsize=8)
    pca = PCA(n_components=2).fit(digits)
    left = figure.add_subplot(grid[1, : n_memories // 2])
    plot_clusters(
        pca.transform(digits),
        clam.labels_,
        pca.transform(clam.memories_),
        ax=left,
        title="Grey-level digits by ClAM cluster, with the memories",
    )
    left.set(
        xlabel="principal component 1 (grey levels)", ylabel="principal component 2 (grey levels)"
    )
    right = figure.add_subplot(grid[1, n_memories // 2 :])
    plot_clusters(
        blobs,
        memory.labels_,
        memory.memories_,
        ax=right,
        title=(
            f"{len(blob_centres())} generated blobs: the nonparametric memory "
            f"created {memory.n_memories_} memories"
        ),
    )
    right.set(xlabel="feature 1", ylabel="feature 2", aspect="equal")
    figure.suptitle(
        "Memories as mixture components. Top: the ten ClAM memories of the digits, framed and "
        "numbered as their stars below.\nBottom: digits and blobs coloured by cluster; a star "
        "marks each memory"
    )
    return figure


def run_mixtures(out_dir: Path, random_state: int) -> dict:
    """Run the section, save ``mixtures.png`` to ``out_dir`` and return its report.

    Parameters
    ----------
    out_dir : pathlib.Path
        The folder that receives ``mixtures.png``.
    random_state : int
        Seed of the initialisations and of the generated blobs.

    Returns
    -------
    dict
        ``digits`` (a row per model: ``ari``, ``nmi``, learned ``beta``, ``seconds``),
        ``nonparametric`` (memories created against the true number of blobs, and the
        ``BayesianGaussianMixture`` peer), ``figure``.
    """
    digits, fitted = _digits_clustering(random_state)
    nonparametric, blobs, memory = _blob_counting(random_state)
    figure = _figure(fitted["ClAM (euclidean)"], blobs, memory)
    save_figure(figure, Path(out_dir) / "mixtures.png", dpi=120)
    plt.close(figure)
    return {"digits": digits, "nonparametric": nonparametric, "figure": "mixtures.png"}
