"""Case 6, clustering: memories as mixture components against KMeans and Gaussian mixtures.

Datasets with known classes: iris, wine and breast_cancer, standardised (``StandardScaler``
on all rows: their features are in unrelated units); digits as raw pixels 0..16, because all
64 features already share one unit, and standardising would blow near-constant border
pixels (inked in a handful of images) up to unit variance, noise that every method then
fits (scikit-learn's k-means digits demo standardises; on all 1797 rows that lowers the ARI
of KMeans from 0.62 to 0.56, of GaussianMixture from 0.61 to 0.40, of ClAM from 0.58 to
0.48); and five isotropic blobs from ``make_blobs`` (fixed seed, standardised), where the
answer is known and the mixture models are well specified.

The methods told the true number of classes K:

- ``AssociativeClustering(dynamics="clam")``: memories, weights and ``beta`` learned by EM;
  a row's label is the memory that dominates where the energy descent from the row stops
  (mode-seeking: memories whose basins merge share one label);
- ``AssociativeClustering(dynamics="elbo")``: the same EM fit (same seed, same mixture); the
  label is the argmax of the assignment at the ELBO dynamics' fixed point (the MAP
  assignment);
- ``AssociativeClustering(similarity="cosine")``: rows scaled to unit length, a von
  Mises-Fisher mixture, ClAM dynamics on the sphere;
- :class:`~sklearn.cluster.KMeans` (``n_init="auto"``: one k-means++ run, as every other
  method gets one initialisation);
- :class:`~sklearn.mixture.GaussianMixture` with full covariances (the scikit-learn default
  and the strongest Gaussian mixture: ours are isotropic with one shared variance).

And the methods that must find K themselves:

- :class:`~ebm_memory.NonparametricMemory` (CRP, ``alpha=1``). Its ``beta`` (the precision of
  a memory, which sets how many memories the data open) is chosen without labels, by the
  likelihood case's search (:func:`~benchmarks.likelihood_models.nonparametric_search`):
  ``beta = 1 / h^2`` over bandwidths ``h`` that are ``bandwidth_factors`` times the data's
  scale, kept where the held-out posterior predictive log-likelihood is best. That is the
  model's own criterion; classes that are not round are modelled by several isotropic
  memories, so it can open more memories than there are classes.
- :class:`~sklearn.mixture.BayesianGaussianMixture` (full covariances, at most 2K
  components, the default Dirichlet-process weight prior, which empties the unneeded ones).

Every iterative fit gets at most 300 iterations and ``random_state=0``. Scores are the
adjusted Rand index (ARI) and normalised mutual information (NMI) between the true classes
and ``predict`` of the fitted rows, and the number of clusters found (distinct labels).

Each record pairs one of ours with KMeans: fit times by
:func:`~benchmarks.harness.time_pair` (ratio = KMeans seconds over ours; first calls,
JAX compilation included, apart), ``accuracy`` = ARI, and ``extra["scores"]`` holding every
method's ARI, NMI, clusters found and fit seconds on the dataset (GaussianMixture and
BayesianGaussianMixture timed against each other the same way). NonparametricMemory's fit is
timed at the chosen ``beta``; its search is reported as ``selection_seconds``.
"""

from __future__ import annotations

import statistics
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

from benchmarks.harness import check_size, per_dataset, record, time_call, time_pair
from benchmarks.likelihood_models import (
    MAX_ITER,
    bandwidth_grid,
    geometric_grid,
    nonparametric_search,
)
from benchmarks.tables import method_tables
from ebm_memory.estimators import AssociativeClustering, NonparametricMemory

__all__ = ["DATASETS", "METHODS", "clustering_records", "clustering_table", "load_labelled"]

CASE = "clustering"
DATASETS = ("iris", "wine", "breast_cancer", "digits", "blobs")
BLOBS = {"n_samples": 1000, "n_features": 2, "centers": 5, "cluster_std": 0.6, "random_state": 0}
"""``make_blobs`` arguments of the blobs dataset (centres drawn in [-10, 10]^2)."""
CLAM = "AssociativeClustering (ClAM)"
ELBO = "AssociativeClustering (ELBO)"
COSINE = "AssociativeClustering (cosine)"
NONPARAMETRIC = "NonparametricMemory (CRP, K not given)"
KMEANS = "KMeans"
GMM = "GaussianMixture (full)"
BGMM = "BayesianGaussianMixture (DP, up to 2K)"
OURS = (CLAM, ELBO, COSINE, NONPARAMETRIC)
METHODS = (*OURS, KMEANS, GMM, BGMM)
SHORT_NAMES = dict(
    zip(METHODS, ("ClAM", "ELBO", "cosine", "CRP", "KMeans", "GMM", "BGMM"), strict=True)
)
"""Column names of :func:`clustering_table`."""


class Settings(NamedTuple):
    """Datasets and NonparametricMemory's search of one benchmark size."""

    datasets: tuple[str, ...]
    max_samples: int  # rows drawn from each dataset (at most)
    bandwidth_factors: tuple[float, ...]  # NonparametricMemory's bandwidths / data's scale
    folds: int  # cross-validation folds choosing NonparametricMemory's beta


SETTINGS = {
    "tiny": Settings(("blobs",), 200, geometric_grid(0.1, 1.0, 5), 2),
    "quick": Settings(DATASETS, 300, geometric_grid(0.1, 1.0, 5), 2),
    "full": Settings(DATASETS, 2000, geometric_grid(0.1, 1.5, 10), 3),
}
"""Benchmark sizes (``full`` keeps every row: the largest dataset, digits, has 1797)."""


def load_labelled(name: str) -> tuple[np.ndarray, np.ndarray, str]:
    """A clustering dataset: float64 rows, true classes and a description of the
    preprocessing (see the module docs).

    Examples
    --------
    >>> X, y, how = load_labelled("iris")
    >>> X.shape, np.unique(y).size, how
    ((150, 4), 3, 'standardised on all rows')
    """
    loaders = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer}
    if name in loaders:
        data = loaders[name]()
        return StandardScaler().fit_transform(data.data), data.target, "standardised on all rows"
    if name == "digits":
        data = load_digits()
        return data.data, data.target, "raw pixels 0..16"
    if name == "blobs":
        X, y = make_blobs(**BLOBS)
        return StandardScaler().fit_transform(X), y, f"make_blobs({BLOBS}), standardised"
    raise ValueError(f"Unknown dataset {name!r}; expected one of {DATASETS}.")


def _told_k(n_clusters: int) -> dict:
    """The methods given the true number of clusters, unfitted (BGMM: its upper bound)."""
    fitting = {"max_iter": MAX_ITER, "random_state": 0}
    return {
        CLAM: AssociativeClustering(n_clusters, dynamics="clam", **fitting),
        ELBO: AssociativeClustering(n_clusters, dynamics="elbo", **fitting),
        COSINE: AssociativeClustering(n_clusters, similarity="cosine", **fitting),
        KMEANS: KMeans(n_clusters, n_init="auto", random_state=0),
        GMM: GaussianMixture(n_clusters, covariance_type="full", **fitting),
        BGMM: BayesianGaussianMixture(n_components=2 * n_clusters, **fitting),
    }


def _select_nonparametric(X: np.ndarray, settings: Settings) -> tuple[object, dict]:
    """NonparametricMemory's ``beta`` chosen by held-out log-likelihood (no labels): the
    unfitted model at that ``beta`` and a description of the search."""
    bandwidths = bandwidth_grid(X, settings.bandwidth_factors)
    search = nonparametric_search(bandwidths, KFold(settings.folds, shuffle=True, random_state=0))
    seconds, _ = time_call(lambda: search.fit(X))
    best = search.best_index_
    return clone(search.best_estimator_), {
        "beta": float(search.best_params_["beta"]),
        "bandwidth_factor": settings.bandwidth_factors[best],
        "cv_log_likelihood": [float(v) for v in search.cv_results_["mean_test_score"]],
        "selection_seconds": seconds,
    }


def _scores(model, X: np.ndarray, y: np.ndarray, seconds: float) -> dict:
    """ARI, NMI and clusters found by the fitted ``model`` on its rows, its fit seconds,
    whether it converged, and the learned or chosen ``beta`` of ours."""
    labels = model.predict(X)
    scores = {
        "ari": float(adjusted_rand_score(y, labels)),
        "nmi": float(normalized_mutual_info_score(y, labels)),
        "n_clusters_found": int(np.unique(labels).size),
        "fit_seconds": seconds,
        "converged": bool(getattr(model, "converged_", True)),
    }
    if isinstance(model, AssociativeClustering):
        scores["beta"] = model.beta_
    if isinstance(model, NonparametricMemory):
        scores |= {"beta": float(model.beta), "n_memories": int(model.n_memories_)}
    return scores


def _dataset_records(name: str, settings: Settings, size: str, repeats: int) -> list[dict]:
    """The four records of one dataset: each of ours against KMeans."""
    X, y, preprocessing = load_labelled(name)
    rows = np.random.default_rng(0).permutation(len(X))[: settings.max_samples]
    X, y = X[rows], y[rows]
    n_clusters = int(np.unique(y).size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as "converged"
        models = _told_k(n_clusters)
        models[NONPARAMETRIC], selection = _select_nonparametric(X, settings)
        kmeans = models[KMEANS]
        timings = {
            method: time_pair(
                lambda model=models[method]: model.fit(X), lambda: kmeans.fit(X), repeats
            )
            for method in OURS
        }
        mixtures = time_pair(lambda: models[GMM].fit(X), lambda: models[BGMM].fit(X), repeats)
    seconds = {method: timing.ours_seconds for method, timing in timings.items()}
    seconds |= {
        KMEANS: statistics.median(timing.peer_seconds for timing in timings.values()),
        GMM: mixtures.ours_seconds,
        BGMM: mixtures.peer_seconds,
    }
    scores = {method: _scores(models[method], X, y, seconds[method]) for method in METHODS}
    scores[NONPARAMETRIC] |= selection
    sizes = {
        "size": size,
        "dataset": name,
        "n_samples": len(X),
        "n_features": X.shape[1],
        "n_clusters": n_clusters,
    }
    return [
        record(
            CASE,
            f"{name}: {method}",
            sizes,
            method,
            KMEANS,
            timings[method],
            "ARI",
            scores[method]["ari"],
            dataset=name,
            preprocessing=preprocessing,
            timed="fit on the rows drawn from the dataset",
            nmi=scores[method]["nmi"],
            n_clusters_found=scores[method]["n_clusters_found"],
            scores=scores,
        )
        for method in OURS
    ]


def clustering_records(size: str, repeats: int = 1) -> list[dict]:
    """Run the clustering case: four records per dataset (ClAM, ELBO, cosine and
    NonparametricMemory, each against KMeans).

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        tiny: blobs only, 200 rows (seconds); quick: all five datasets, at most 300 rows;
        full: every row of every dataset.
    repeats : int
        Alternating timing rounds of each fit (medians).

    Returns
    -------
    list of dict
        :func:`~benchmarks.harness.record` records; ``accuracy`` is the ARI,
        ``extra`` holds the NMI, the clusters found and ``scores`` (every method on the
        dataset: ``ari``, ``nmi``, ``n_clusters_found``, ``fit_seconds``, ``converged``;
        ours also ``beta``; NonparametricMemory ``n_memories`` and its ``beta`` search).
    """
    check_size(size)
    settings = SETTINGS[size]
    return per_dataset(_dataset_records, settings.datasets, settings, size, repeats)


def clustering_table(records: list[dict]) -> str:
    """Markdown: ARI / NMI (clusters found) of every method on each dataset, then every
    method's fit seconds."""
    return method_tables(
        records,
        METHODS,
        SHORT_NAMES,
        "dataset (n, d, K)",
        lambda s: f"{s['n_samples']}, {s['n_features']}, {s['n_clusters']}",
        [
            (
                "Clustering: ARI / NMI (clusters found). K is given to all but CRP "
                "(NonparametricMemory, its beta by held-out likelihood) and BGMM (up to 2K).",
                lambda s: f"{s['ari']:.3f} / {s['nmi']:.3f} ({s['n_clusters_found']})",
            ),
            (
                "Clustering fit seconds (medians of alternating repeats, first calls apart; CRP "
                "at its chosen beta, the search excluded).",
                lambda s: f"{s['fit_seconds']:.3g}",
            ),
        ],
    )
