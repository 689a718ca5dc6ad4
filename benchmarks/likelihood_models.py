"""The density models compared by the likelihood case, each with its cross-validated grid.

Every model is a :class:`~sklearn.model_selection.GridSearchCV` that keeps the
hyper-parameters with the best held-out log-likelihood (every model's ``score`` is its mean or
total log density of the held-out rows; with equal folds both choose alike):

- ours, :class:`~ebm_memory.DenseAssociativeMemory` (euclidean softmax, K learned memories):
  K and ``beta = 1 / h^2`` on the bandwidth grid;
- :class:`~sklearn.neighbors.KernelDensity` (bandwidth ``h``), and the exact KDE (one leaf:
  every kernel summed);
- :class:`~sklearn.mixture.GaussianMixture` and
  :class:`~sklearn.mixture.BayesianGaussianMixture` (full covariances, ``n_components``);
- the mixture memories: :class:`~ebm_memory.AssociativeClustering` (EM, euclidean: an
  isotropic Gaussian mixture with learned weights and ``beta``; ``n_clusters`` on the
  mixtures' grid) and :class:`~ebm_memory.NonparametricMemory` (CRP prior, its memories
  created by the data; ``beta = 1 / h^2`` on the bandwidth grid).

Iterative fits (EM) get at most 300 iterations.

Examples
--------
>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(40, 2))
>>> search = nonparametric_search(bandwidth_grid(X, (0.5, 1.0)), cv=2).fit(X)
>>> stored(search.best_estimator_, len(X))[0] == search.best_estimator_.n_memories_
True
"""

from __future__ import annotations

import numpy as np
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity

from ebm_memory.estimators import (
    AssociativeClustering,
    DenseAssociativeMemory,
    NonparametricMemory,
)

__all__ = [
    "BGMM",
    "CLUSTERING",
    "EXACT_KDE",
    "GMM",
    "KDE",
    "MAX_ITER",
    "METHODS",
    "MIXTURE_MEMORIES",
    "NONPARAMETRIC",
    "OURS",
    "PEERS",
    "bandwidth_grid",
    "chosen",
    "geometric_grid",
    "nonparametric_search",
    "searches",
    "stored",
]

OURS = "DenseAssociativeMemory (K learned memories, CV)"
KDE, GMM, BGMM = "KernelDensity (CV bandwidth)", "GaussianMixture", "BayesianGaussianMixture"
PEERS = (KDE, GMM, BGMM)
EXACT_KDE = "exact KDE (KernelDensity with one leaf, CV bandwidth)"
CLUSTERING = "AssociativeClustering (EM, CV n_clusters)"
NONPARAMETRIC = "NonparametricMemory (CRP, CV beta)"
MIXTURE_MEMORIES = {CLUSTERING: GMM, NONPARAMETRIC: KDE}
"""Each mixture memory and the peer its record compares it with: the Gaussian mixture on the
same component grid, the KDE on the same bandwidth grid."""
METHODS = (OURS, EXACT_KDE, *PEERS, *MIXTURE_MEMORIES)
MAX_ITER = 300
"""Iterations allowed to every EM fit."""


def geometric_grid(start: float, stop: float, num: int) -> tuple[float, ...]:
    """``num`` geometrically spaced floats from ``start`` to ``stop`` (plain floats: they
    go into settings tuples and JSON records)."""
    return tuple(float(value) for value in np.geomspace(start, stop, num))


def bandwidth_grid(X: np.ndarray, factors) -> np.ndarray:
    """Bandwidths: ``factors`` times the data's scale (root mean feature variance), so one
    grid of factors suits data in any units."""
    return float(np.sqrt(X.var(axis=0).mean())) * np.asarray(factors, dtype=np.float64)


def nonparametric_search(bandwidths, cv) -> GridSearchCV:
    """:class:`~ebm_memory.NonparametricMemory` with ``beta = 1 / h^2`` over the bandwidths
    ``h``, chosen by held-out log-likelihood (its posterior predictive density): the number
    of memories follows from ``beta``, it is never given."""
    grid = {"beta": [float(value) for value in 1.0 / np.asarray(bandwidths) ** 2]}
    return GridSearchCV(NonparametricMemory(random_state=0), grid, cv=cv)


def searches(memories, bandwidths, components, cv, n_train: int) -> dict[str, GridSearchCV]:
    """Every method of :data:`METHODS` as a grid search: ``memories`` (our K), ``bandwidths``
    (ours, the KDEs, NonparametricMemory) and ``components`` (the mixtures and
    AssociativeClustering) over the folds ``cv`` of ``n_train`` training rows."""
    bandwidths = [float(value) for value in bandwidths]
    betas = [value**-2.0 for value in bandwidths]
    ours = DenseAssociativeMemory(
        similarity="euclidean", n_memories=1, max_iter=MAX_ITER, random_state=0
    )
    mixture = {"covariance_type": "full", "max_iter": MAX_ITER, "random_state": 0}
    clustering = AssociativeClustering(max_iter=MAX_ITER, random_state=0)
    grids = {
        OURS: (ours, {"n_memories": list(memories), "beta": betas}),
        EXACT_KDE: (KernelDensity(leaf_size=n_train), {"bandwidth": bandwidths}),
        KDE: (KernelDensity(), {"bandwidth": bandwidths}),
        GMM: (GaussianMixture(**mixture), {"n_components": list(components)}),
        BGMM: (BayesianGaussianMixture(**mixture), {"n_components": list(components)}),
        CLUSTERING: (clustering, {"n_clusters": list(components)}),
    }
    models = {name: GridSearchCV(model, grid, cv=cv) for name, (model, grid) in grids.items()}
    return models | {NONPARAMETRIC: nonparametric_search(bandwidths, cv)}


def stored(model, n_train: int) -> tuple[int, int]:
    """Stored vectors (memories, KDE rows, mixture means) and number of free parameters
    (NonparametricMemory: its memories and counts, plus the base measure's mean and scale)."""
    if isinstance(model, DenseAssociativeMemory):
        return model.memories_.shape[0], model.memories_.size + 1
    if isinstance(model, KernelDensity):
        return n_train, n_train * model.n_features_in_ + 1
    if isinstance(model, AssociativeClustering):  # memories, weights, beta
        return model.n_clusters, model.memories_.size + model.n_clusters
    if isinstance(model, NonparametricMemory):
        n_memories, n_features = model.memories_.shape
        return n_memories, n_memories * (n_features + 1) + n_features + 1
    n_features = model.n_features_in_  # full covariances: means, covariances, weights
    per_component = n_features + n_features * (n_features + 1) // 2
    return model.n_components, model.n_components * (per_component + 1) - 1


def chosen(model) -> dict:
    """The hyper-parameters chosen by the inner search, with the bandwidth ``beta^-1/2`` of
    the memory models (learned by AssociativeClustering's EM)."""
    if isinstance(model, DenseAssociativeMemory):
        return {"n_memories": model.n_memories, "bandwidth": float(model.beta_**-0.5)}
    if isinstance(model, KernelDensity):
        return {"bandwidth": float(model.bandwidth)}
    if isinstance(model, AssociativeClustering):
        return {"n_components": model.n_clusters, "bandwidth": float(model.beta_**-0.5)}
    if isinstance(model, NonparametricMemory):
        return {"n_memories": model.n_memories_, "bandwidth": float(model.beta**-0.5)}
    return {"n_components": model.n_components}
