"""Case 4: held-out log-likelihood of memory densities against KDE and Gaussian mixtures.

Ours is :class:`~ebm_memory.DenseAssociativeMemory` (euclidean softmax) with K learned
memories: an equal-weight mixture of K Gaussians with covariance ``I / beta``, the memories
learned by EM at fixed ``beta``. K (at most a tenth of the training set) and ``beta`` are
chosen by an inner cross-validation. The peers, each with its own inner cross-validation:
:class:`~sklearn.neighbors.KernelDensity` (bandwidth ``h``; the same grid as ours through
``beta = 1 / h^2``), :class:`~sklearn.mixture.GaussianMixture` and
:class:`~sklearn.mixture.BayesianGaussianMixture` (full covariances; ``n_components`` on a
grid with the same cap as K). Iterative fits (EM) get at most 300 iterations. The mixture
memories have records of their own against their nearest peer: AssociativeClustering (EM,
isotropic Gaussians with learned weights and ``beta``; ``n_clusters`` on the mixtures' grid)
against GaussianMixture, NonparametricMemory (CRP; ``beta = 1 / h^2`` on the bandwidth grid,
its number of memories following from ``beta``) against KernelDensity. The models and their
grids are in :mod:`~benchmarks.likelihood_models`.

scikit-learn's KernelDensity sums kernels over a tree and overestimates the log density of
rows far from the training set (by up to ~150 nats per row on raw digits; scikit-learn issue
#7492), which flatters its held-out figure. With a single leaf (``leaf_size`` at least the
number of rows) it sums every kernel exactly, so the records also give that exact KDE, its
bandwidth chosen by the same inner cross-validation.

Every method is scored by the mean log density of the rows held out by an outer K-fold
split (nats per sample, and per dimension). Datasets come with scikit-learn or are
generated: digits (raw 64-d and PCA-15), wine and breast_cancer (standardised), two moons
and a 10-d anisotropic Gaussian mixture. Preprocessing (PCA, standardisation) is fitted once
on the whole dataset, before the splits: unsupervised and the same for every method, so log
densities of wine and breast_cancer are in standardised units. Rows are drawn at random and
trimmed to a multiple of ``outer_folds * inner_folds`` so every fold has the same size and
the JIT-compiled fits compile once per shape.

The goal (reported, never asserted): K at most 1/10 of the training set, a held-out
log-likelihood within 0.1 nats per dimension of cross-validated KDE (KernelDensity's own
figure: the stricter reference), and scoring the held-out rows at least 5 times faster.
"""

from __future__ import annotations

import time
import warnings
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_moons
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KernelDensity
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from benchmarks.harness import check_size, record, time_pair
from benchmarks.likelihood_models import (
    CLUSTERING,
    EXACT_KDE,
    KDE,
    METHODS,
    MIXTURE_MEMORIES,
    NONPARAMETRIC,
    OURS,
    PEERS,
    bandwidth_grid,
    chosen,
    geometric_grid,
    searches,
    stored,
)
from ebm_memory.estimators.memory import DenseAssociativeMemory
from ebm_memory.plotting._style import PALETTE, styled

__all__ = ["DATASETS", "PEERS", "anisotropic_mixture", "likelihood_records", "load_dataset"]

CASE = "likelihood"
DATASETS = ("digits-64", "digits-pca15", "wine", "breast_cancer", "two-moons", "mixture-10d")
GOAL = {"max_memory_fraction": 0.1, "max_nats_per_dim_behind_kde": 0.1, "min_speedup": 5.0}
LABELS = {
    OURS: "ours (K memories)",
    EXACT_KDE: "exact KDE",
    CLUSTERING: "AssociativeClustering",
    NONPARAMETRIC: "NonparametricMemory",
}
"""Short method names: the figure's legend and the mixture memories' record names."""


class Settings(NamedTuple):
    """Grids and folds of one benchmark size."""

    datasets: tuple[str, ...]
    max_samples: int  # rows drawn from each dataset (at most)
    outer_folds: int
    inner_folds: int
    memory_fractions: tuple[float, ...]  # K grid, as fractions of the outer training set
    bandwidth_factors: tuple[float, ...]  # bandwidth grid, times the data's scale
    components: tuple[int, ...]  # GaussianMixture / BayesianGaussianMixture grid
    repeats: int  # timing rounds


SETTINGS = {
    "tiny": Settings(
        datasets=("two-moons", "wine"),
        max_samples=120,
        outer_folds=2,
        inner_folds=2,
        memory_fractions=(0.1,),
        bandwidth_factors=geometric_grid(0.1, 1.0, 4),
        components=(1, 2, 4),
        repeats=3,
    ),
    "quick": Settings(
        datasets=("digits-pca15", "wine", "two-moons", "mixture-10d"),
        max_samples=600,
        outer_folds=3,
        inner_folds=2,
        memory_fractions=(0.05, 0.1),
        bandwidth_factors=geometric_grid(0.05, 2.0, 8),
        components=(1, 4, 16),
        repeats=5,
    ),
    "full": Settings(
        datasets=DATASETS,
        max_samples=2000,
        outer_folds=5,
        inner_folds=3,
        memory_fractions=(0.0125, 0.025, 0.05, 0.1),
        bandwidth_factors=geometric_grid(0.05, 2.0, 16),
        components=(1, 2, 4, 8, 16, 32),
        repeats=10,
    ),
}
"""Benchmark sizes. The data's scale (root mean feature variance) times
``bandwidth_factors`` gives the bandwidth grid of ours and of KernelDensity."""


def anisotropic_mixture(n_samples: int, n_features: int = 10, random_state=0) -> np.ndarray:
    """Draws from a 5-component Gaussian mixture whose covariances have random orientations
    and standard deviations from 0.1 to 1.5 (log-uniform), means spread with scale 3."""
    rng = np.random.default_rng(random_state)
    means = rng.normal(scale=3.0, size=(5, n_features))
    labels = rng.integers(5, size=n_samples)
    X = np.empty((n_samples, n_features))
    for k, mean in enumerate(means):
        rotation, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
        scales = np.exp(rng.uniform(np.log(0.1), np.log(1.5), n_features))
        rows = labels == k
        X[rows] = mean + rng.normal(size=(rows.sum(), n_features)) * scales @ rotation.T
    return X


def load_dataset(name: str) -> tuple[np.ndarray, str]:
    """A benchmark dataset (float64 rows) and a description of its preprocessing.

    Examples
    --------
    >>> X, how = load_dataset("digits-pca15")
    >>> X.shape, how
    ((1797, 15), 'PCA(15) of the pixels, fitted on all rows')
    """
    if name == "digits-64":
        return load_digits().data, "raw pixels 0..16 (3 are constant)"
    if name == "digits-pca15":
        pca = PCA(15, random_state=0)
        return pca.fit_transform(load_digits().data), "PCA(15) of the pixels, fitted on all rows"
    if name in ("wine", "breast_cancer"):
        X = (load_wine if name == "wine" else load_breast_cancer)().data
        return StandardScaler().fit_transform(X), "standardised on all rows (standardised units)"
    if name == "two-moons":
        return make_moons(1500, noise=0.1, random_state=0)[0], "make_moons(1500, noise=0.1)"
    if name == "mixture-10d":
        return anisotropic_mixture(1500), "5 anisotropic Gaussians in 10-d (generated)"
    raise ValueError(f"Unknown dataset {name!r}; expected one of {DATASETS}.")


def _subsample(X: np.ndarray, settings: Settings) -> np.ndarray:
    """Random rows, at most ``max_samples``, trimmed so that every fold has the same size."""
    block = settings.outer_folds * settings.inner_folds
    n_rows = min(len(X), settings.max_samples) // block * block
    return X[np.random.default_rng(0).permutation(len(X))[:n_rows]]


def _searches(settings: Settings, n_train: int, bandwidths) -> dict[str, GridSearchCV]:
    """Every method's grid search (see :func:`~benchmarks.likelihood_models.searches`),
    the numbers of memories and of mixture components capped at a tenth of ``n_train``."""
    cap = max(1, int(GOAL["max_memory_fraction"] * n_train))
    memories = sorted({max(1, min(cap, round(f * n_train))) for f in settings.memory_fractions})
    components = sorted({min(cap, c) for c in settings.components})
    inner = KFold(settings.inner_folds, shuffle=True, random_state=1)
    return searches(memories, bandwidths, components, inner, n_train)


def _cross_validate(X: np.ndarray, settings: Settings) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    """Outer folds: per method, the held-out mean log density and the fit figures of each
    fold; also the last fold's fitted models, training rows and held-out rows."""
    bandwidths = bandwidth_grid(X, settings.bandwidth_factors)
    outer = KFold(settings.outer_folds, shuffle=True, random_state=0)
    results = {name: [] for name in METHODS}
    for train, test in outer.split(X):
        models = {}
        for name, search in _searches(settings, len(train), bandwidths).items():
            start = time.perf_counter()
            search.fit(X[train])
            seconds = time.perf_counter() - start
            model = models[name] = search.best_estimator_
            n_stored, n_parameters = stored(model, len(train))
            results[name].append(
                {
                    "log_likelihood": float(np.mean(model.score_samples(X[test]))),
                    "search_seconds": seconds,
                    "refit_seconds": search.refit_time_,
                    "n_stored": n_stored,
                    "n_parameters": n_parameters,
                    "chosen": chosen(model),
                    "converged": bool(getattr(model, "converged_", True)),
                    "n_train": len(train),
                }
            )
    return results, models, X[train], X[test]


def _summary(folds: list[dict], n_features: int) -> dict:
    """Means and standard deviations over the outer folds."""
    values = np.array([fold["log_likelihood"] for fold in folds])
    return {
        "log_likelihood": float(values.mean()),
        "log_likelihood_std": float(values.std()),
        "log_likelihood_per_dim": float(values.mean() / n_features),
        "log_likelihood_per_dim_std": float(values.std() / n_features),
        "fit_seconds": float(np.mean([fold["search_seconds"] for fold in folds])),
        "refit_seconds": float(np.mean([fold["refit_seconds"] for fold in folds])),
        "n_stored": [fold["n_stored"] for fold in folds],
        "n_parameters": [fold["n_parameters"] for fold in folds],
        "chosen": [fold["chosen"] for fold in folds],
        "converged_folds": sum(fold["converged"] for fold in folds),
    }


def _kde_equivalence(train: np.ndarray, held_out: np.ndarray, kde: KernelDensity) -> dict:
    """Max absolute differences (nats) on the held-out rows between ours storing every
    training row at ``beta = 1 / h^2``, KernelDensity at bandwidth ``h``, and the exact
    Gaussian KDE (float64 log-sum-exp). Ours should match the exact value to rounding;
    scikit-learn's tree sums overestimate the log density of rows far from the training set
    (by up to ~150 nats on raw digits; scikit-learn issue #7492)."""
    bandwidth = kde.bandwidth
    n_train, n_features = train.shape
    exact = logsumexp(-cdist(held_out, train, "sqeuclidean") / (2 * bandwidth**2), axis=1)
    exact -= np.log(n_train) + 0.5 * n_features * np.log(2 * np.pi * bandwidth**2)
    ours = DenseAssociativeMemory(similarity="euclidean", beta=bandwidth**-2.0).fit(train)
    ours, theirs = ours.score_samples(held_out), kde.score_samples(held_out)
    return {
        "ours_vs_exact": float(np.max(np.abs(ours - exact))),
        "kernel_density_vs_exact": float(np.max(np.abs(theirs - exact))),
        "ours_vs_kernel_density": float(np.max(np.abs(ours - theirs))),
    }


def _behind_kde(summaries: dict) -> dict:
    """Method -> nats per dimension it trails KernelDensity and the exact KDE by."""
    return {
        method: {
            kde: summaries[kde]["log_likelihood_per_dim"] - summary["log_likelihood_per_dim"]
            for kde in (KDE, EXACT_KDE)
        }
        for method, summary in summaries.items()
    }


def _goal(ours_folds: list[dict], behind_kde: float, timing) -> dict:
    """Whether ours meets each part of :data:`GOAL`: memories stored, log-likelihood behind
    KernelDensity, and scoring speed."""
    return {
        "compression": all(
            fold["n_stored"] <= GOAL["max_memory_fraction"] * fold["n_train"] for fold in ours_folds
        ),
        "log_likelihood": bool(behind_kde <= GOAL["max_nats_per_dim_behind_kde"]),
        "speed": bool(timing.peer_seconds >= GOAL["min_speedup"] * timing.ours_seconds),
    }


def _dataset_records(name: str, settings: Settings, size: str) -> list[dict]:
    """The five records of one dataset: ours against each peer, and each mixture memory
    against its peer (:data:`~benchmarks.likelihood_models.MIXTURE_MEMORIES`)."""
    X, preprocessing = load_dataset(name)
    X = _subsample(X, settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as converged_folds
        results, models, train, held_out = _cross_validate(X, settings)
    n_features = X.shape[1]
    summaries = {method: _summary(folds, n_features) for method, folds in results.items()}
    pairs = [(OURS, peer) for peer in PEERS] + list(MIXTURE_MEMORIES.items())
    timings = {
        (method, peer): time_pair(
            lambda method=method: models[method].score_samples(held_out),
            lambda peer=peer: models[peer].score_samples(held_out),
            settings.repeats,
        )
        for method, peer in pairs
    }
    behind = _behind_kde(summaries)
    goal = _goal(results[OURS], behind[OURS][KDE], timings[OURS, KDE])
    sizes = {
        "size": size,
        "dataset": name,
        "n_samples": len(X),
        "n_features": n_features,
        "n_held_out": len(held_out),
        **{key: value for key, value in settings._asdict().items() if key != "datasets"},
    }
    dataset = {
        "dataset": name,
        "preprocessing": preprocessing,
        "timed": "score_samples of the last outer fold's held-out rows, final models",
        "exact_kde_summary": summaries[EXACT_KDE],
        "kde_equivalence": _kde_equivalence(train, held_out, models[KDE]),
        "goal": goal,
        "goal_holds": all(goal.values()),
    }
    return [
        record(
            CASE,
            f"{name}: {'ours' if method == OURS else LABELS[method]} vs {peer}",
            sizes,
            method,
            peer,
            timings[method, peer],
            "held-out log-lik per dim, ours - peer",
            summaries[method]["log_likelihood_per_dim"] - summaries[peer]["log_likelihood_per_dim"],
            ours_summary=summaries[method],
            peer_summary=summaries[peer],
            behind_kde_per_dim={
                "kernel_density": behind[method][KDE],
                "exact_kde": behind[method][EXACT_KDE],
            },
            **dataset,
        )
        for method, peer in pairs
    ]


def likelihood_records(size: str = "quick", *, progress_bar: bool = False) -> list[dict]:
    """Run case 4 and return its records: five per dataset (ours against KDE, GMM, BGMM;
    AssociativeClustering against GMM; NonparametricMemory against KDE).

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        tiny: two small datasets, 2 x 2 folds (seconds); quick: four datasets of at most
        600 rows, 3 x 2 folds; full: all six datasets, 5 outer x 3 inner folds.
    progress_bar : bool
        Show a tqdm bar over the datasets.

    Returns
    -------
    list of dict
        :func:`~benchmarks.harness.record` records. ``ratio`` is the peer's scoring
        time over the record's ``ours``; ``extra`` holds ``ours_summary`` / ``peer_summary``
        (held-out log likelihood per sample and per dimension with its std over folds, fit
        seconds, stored vectors, parameters, chosen hyper-parameters) and
        ``behind_kde_per_dim`` of the record's two methods, and the dataset's
        ``exact_kde_summary``, ``kde_equivalence`` (see :func:`_kde_equivalence`) and
        ``goal`` (of DenseAssociativeMemory: the same in each of the dataset's records).
    """
    check_size(size)
    settings = SETTINGS[size]
    records = []
    for name in tqdm(settings.datasets, desc="likelihood", disable=not progress_bar):
        records.extend(_dataset_records(name, settings, size))
    return records


HATCHES = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")
"""Bar hatches of the likelihood figure, one per method, so that bars differ in grey too."""


@styled
def plot_likelihood(records: list[dict]):
    """Grouped bars: held-out log-likelihood per dimension (std over folds) of every method
    in ``records`` (ours, the exact KDE, the peers, the mixture memories) on each dataset;
    returns the matplotlib ``Figure``. Bars far below the range of ours and KernelDensity
    are cut and labelled with their value."""
    datasets = list(dict.fromkeys(entry["extra"]["dataset"] for entry in records))
    values = {method: {} for method in METHODS}
    for entry in records:
        extra = entry["extra"]
        values[entry["ours"]][extra["dataset"]] = extra["ours_summary"]
        values[EXACT_KDE][extra["dataset"]] = extra["exact_kde_summary"]
        values[entry["peer"]][extra["dataset"]] = extra["peer_summary"]
    values = {method: by_dataset for method, by_dataset in values.items() if by_dataset}
    bottom = min(values[m][d]["log_likelihood_per_dim"] for m in (OURS, KDE) for d in datasets)
    floor, top = bottom - 1.0, 0.0
    figure, axis = plt.subplots(figsize=(1.3 * len(datasets) + 3.5, 4.8))
    width = 0.8 / len(values)
    for offset, (method, by_dataset) in enumerate(values.items()):
        positions = np.arange(len(datasets)) + (offset - (len(values) - 1) / 2) * width
        heights = np.array([by_dataset[d]["log_likelihood_per_dim"] for d in datasets])
        errors = np.array([by_dataset[d]["log_likelihood_per_dim_std"] for d in datasets])
        cut = heights < floor
        shown = np.where(cut, floor, heights)
        axis.bar(
            positions,
            shown,
            width,
            yerr=np.where(cut, 0.0, errors),
            color=PALETTE[offset % len(PALETTE)],
            hatch=HATCHES[offset % len(HATCHES)],
            edgecolor="white",
            error_kw={"ecolor": PALETTE[7], "elinewidth": 0.8},
            label=LABELS.get(method, method),
        )
        top = max(top, float(np.max(shown + np.where(cut, 0.0, errors))))
        for x, height in zip(positions[cut], heights[cut], strict=True):
            axis.text(x, floor, f"{height:.3g}", rotation=90, ha="center", va="bottom", size=7)
    axis.set_ylim(floor, top + 0.05 * (top - floor))
    axis.set_xticks(np.arange(len(datasets)), datasets)
    axis.set_xlabel("dataset")
    axis.set_ylabel("held-out log-likelihood per dimension (nats)")
    axis.set_title(
        "Held-out log-likelihood per dimension by method\n"
        "(mean ± std over the outer folds; higher is better)"
    )
    figure.legend(loc="outside right center")
    return figure
