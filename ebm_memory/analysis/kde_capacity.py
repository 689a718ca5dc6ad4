"""Memory capacity of a Gaussian kernel density estimator (Schaeffer et al. 2024).

The euclidean Model B energy ``E(x) = -(1/beta) logsumexp(-beta |x - xi_j|^2 / 2)`` is a
Gaussian KDE of bandwidth ``sigma = beta^(-1/2)``; its CCCP update
``x <- sum_j softmax(-beta |x - xi_j|^2 / 2)_j xi_j`` is mean shift. ``N`` points are drawn
uniformly on the sphere of radius ``r`` in ``R^D`` (only ``sigma / r`` matters, so ``r = 1``
here). **A stored point ``xi_i`` remains a memory** when the dynamics started at ``xi_i``
converge (``max_iter`` updates, last change ``<= 1e-4 sigma``) to a fixed point within
``tolerance * sigma`` of ``xi_i`` and of no other stored point (default ``sigma / 2``); runs
that have not converged count as lost. **The capacity** ``N*`` is the number of stored points
at which the fraction that remain memories falls to ``level`` (default 0.9), interpolated in
``log N`` on a doubling grid refined by bisection.

Predictions from the separation ``Delta_i = min_j |xi_i - xi_j|^2 / 2``, whose law for random
points is exact: ``(1 + cos)/2`` of two random directions is ``Beta((D-1)/2, (D-1)/2)``, so
``P(Delta_i >= delta) = (1 - I_{delta / 2r^2}((D-1)/2, (D-1)/2))^(N-1)``.

- Ramsauer et al.'s storage condition with ``beta = 1/sigma^2``, ``M = r``:
  ``Delta_i >= 2/(beta N) + ln(2 (N-1) N beta M^2) / beta`` guarantees a fixed point within
  ``1/(beta N M)`` of ``xi_i``, reached from it: sufficient, so a **lower bound** on ``N*``
  (their closed-form capacity theorem is this condition plus a union bound).
- Pairwise merging: two equal kernels ``d`` apart have a mode within ``tau sigma`` of each
  centre iff ``d >= d_c(tau) sigma`` (``d_c(1/2) = 2.108``; the modes merge at ``2 sigma``).
  Keeping ``xi_i`` if its nearest neighbour lies beyond ``d_c sigma`` is an **estimate** that
  ignores all the other neighbours.

Both grow like ``(r / (c sigma))^(D-1)``: exponential in ``D`` at fixed ``sigma / r``, and so
does the measured capacity while ``D <~ (r/sigma)^2``, where the nearest neighbours decide.
For larger ``D`` the whole sample, at distance ``~ r sqrt(2)``, pulls every point toward the
centre at once (all are lost together) and the growth slows: the capacity stays finite,
tending as ``D -> infinity`` to the mean-field ceiling :func:`mean_field_ceiling` (about
``exp(A - 1) / A`` with ``A = (r/sigma)^2`` for large ``A``; approached from below, once
``D >> (r/sigma)^4``).
The predictions and fits live in :mod:`ebm_memory.analysis.kde_capacity_theory`; the
experiment that sweeps ``D`` and ``sigma / r`` is :mod:`ebm_memory.experiments.kde_capacity`.

Examples
--------
>>> from ebm_memory.analysis.kde_capacity import memory_fraction
>>> curve = memory_fraction(4, 0.3, n_max=64, n_trials=2, n_probes=8)
>>> curve.n[:3].tolist(), bool(0.0 <= curve.fraction.min() <= curve.fraction.max() <= 1.0)
([2, 4, 8], True)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import numpy as np
from tqdm.auto import tqdm

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.analysis.kde_capacity_theory import (
    RegimeFits,
    capacity_from_curve,
    mean_field_ceiling,
    merge_distance,
    pairwise_fraction,
    predicted_capacity,
    regime_fits,
    separation_bound_fraction,
    storage_threshold,
)
from ebm_memory.dynamics import retrieve_softmax
from ebm_memory.dynamics.separation import pattern_separation
from ebm_memory.energies.streaming import default_chunk_size

__all__ = [
    "KDECapacity",
    "MemoryFraction",
    "RegimeFits",
    "kde_capacity",
    "memory_fraction",
    "regime_fits",
]


@functools.partial(jax.jit, static_argnames=("max_iter", "chunk_size"))
def _descend(probes, memories, beta, tol, max_iter, chunk_size):
    """Mean shift of (T, P, D) probes on (T, K, D) memories, one KDE per trial."""
    settings = {"similarity": "euclidean", "max_iter": max_iter, "tol": tol}

    def one_trial(states, patterns):
        result = retrieve_softmax(states, patterns, beta, chunk_size=chunk_size, **settings)
        return result.states, result.converged

    return jax.vmap(one_trial)(probes, memories)


def _census(blocks, sigma, tolerance, max_iter, n_probes):
    """(T, B, N, D) stored sets of N <= n_probes points, or (T, 1, N, D) with N > n_probes:
    ``kept`` and ``undecided`` for the first ``min(N, n_probes)`` of each, (T, tested).

    Kept: mean shift converged to a fixed point within ``tolerance * sigma`` of the point
    and of no other stored point (two points merged into one mode are not both memories).
    """
    n_trials, _, n, n_features = blocks.shape
    tested = min(n, n_probes)
    far = np.zeros((n_trials, max(n_probes - n, 0), n_features))
    far[..., 0] = 2.0 + 64.0 * sigma  # kernel weight <= exp(-(1 + 64 s)^2 / 2s^2) = 0 exactly
    chunk = default_chunk_size(max(n, n_probes))
    kept, undecided = [], []
    radius = tolerance * sigma
    for block in np.moveaxis(blocks, 1, 0):
        probes = block[:, np.arange(n_probes) % n]
        states, converged = _descend(
            probes, np.concatenate([block, far], 1), 1 / sigma**2, 1e-4 * sigma, max_iter, chunk
        )
        states, converged = np.asarray(states)[:, :tested], np.asarray(converged)[:, :tested]
        inside = np.linalg.norm(states - probes[:, :tested], axis=-1) <= radius
        # stored points within the radius of each fixed point (|xi| = 1): 1 if it is its own
        near = [
            np.sum(x @ b.T >= (np.sum(x**2, 1)[:, None] + 1 - radius**2) / 2, 1)
            for x, b in zip(states, block, strict=True)
        ]
        kept.append(inside & converged & (np.array(near) == 1))
        undecided.append(inside & ~converged)
    return np.concatenate(kept, 1), np.concatenate(undecided, 1)


def _census_row(points, n, sigma_over_r, tolerance, max_iter, n_probes) -> dict:
    """The census of the stored sets of ``N = n`` points of each trial of ``points``."""
    n_trials, _, n_features = points.shape
    n_blocks = max(1, n_probes // n)
    blocks = points[:, : n_blocks * n].reshape(n_trials, n_blocks, n, n_features)
    kept, undecided = _census(blocks, sigma_over_r, tolerance, max_iter, n_probes)
    tested = np.arange(min(n, n_probes))
    delta = np.array(
        [[pattern_separation(b, "euclidean", rows=tested) for b in trial] for trial in blocks]
    ).reshape(kept.shape)
    meets_bound = delta >= storage_threshold(n, sigma_over_r)
    pair_threshold = (merge_distance(tolerance) * sigma_over_r) ** 2 / 2
    return {
        "n": n,
        "fraction": kept.mean(),
        "fraction_se": kept.mean(axis=1).std(ddof=1) / np.sqrt(n_trials),
        "undecided": undecided.mean(),
        "bound_sampled": meets_bound.mean(),
        "pairwise_sampled": np.mean(delta >= pair_threshold),
        "bound_violations": int(np.sum(meets_bound & ~kept)),
    }


@dataclass(frozen=True)
class MemoryFraction:
    """The fraction of stored points that remain memories against ``N``.

    Parameters
    ----------
    n : ndarray of shape (n_sizes,)
        The sorted grid of numbers of stored points.
    fraction, fraction_se : ndarray of shape (n_sizes,)
        Fraction of tested points that remain memories, and its standard error between
        trials.
    undecided : ndarray of shape (n_sizes,)
        Tested points still moving, within ``tolerance * sigma``, after ``max_iter``
        updates (counted as lost).
    bound_sampled, pairwise_sampled : ndarray of shape (n_sizes,)
        Fractions of tested points meeting each prediction's condition on the sampled
        separations.
    bound_violations : ndarray of shape (n_sizes,)
        Tested points that meet Ramsauer et al.'s condition yet were lost (0 by the theorem).
    bound, pairwise : ndarray of shape (n_sizes,)
        The two predictions of the fraction.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity import memory_fraction
    >>> curve = memory_fraction(4, 0.3, n_max=32, n_trials=2, n_probes=8)
    >>> curve.fraction.shape == curve.bound.shape
    True
    """

    n: np.ndarray
    fraction: np.ndarray
    fraction_se: np.ndarray
    undecided: np.ndarray
    bound_sampled: np.ndarray
    pairwise_sampled: np.ndarray
    bound_violations: np.ndarray
    bound: np.ndarray
    pairwise: np.ndarray


def _refine(rows, census, level, refine) -> None:
    """Bisect in ``log N`` where the fraction first falls below ``level``, adding rows."""
    below = [k for k, row in enumerate(rows) if row["fraction"] < level]
    if not below or below[0] == 0:
        return
    low, high = rows[below[0] - 1]["n"], rows[below[0]]["n"]
    for _ in range(refine):
        middle = int(round(np.sqrt(low * high)))
        if not low < middle < high:
            break
        rows.append(census(middle))
        low, high = (middle, high) if rows[-1]["fraction"] >= level else (low, middle)


@renamed_parameters(seed="random_state")
def memory_fraction(
    n_features: int,
    sigma_over_r: float,
    *,
    tolerance: float = 0.5,
    level: float = 0.9,
    n_max: int = 2**15,
    n_trials: int = 16,
    n_probes: int = 32,
    stop_below: float = 0.5,
    refine: int = 3,
    max_iter: int = 50,
    random_state=0,
) -> MemoryFraction:
    """Fraction of stored points that remain memories, against ``N = 2, 4, 8, ...``.

    Each trial draws ``n_max`` points once. For ``N >= n_probes`` the KDE stores the first
    ``N`` (nested sets: common random numbers along the curve) and its first ``n_probes``
    points are tested; for smaller ``N``, ``n_probes // N`` disjoint sets of ``N`` are each
    tested whole, so a doubling ``N`` tests ``n_trials * n_probes`` points and a bisection
    midpoint that does not divide ``n_probes`` somewhat fewer (the fraction stays unbiased;
    its standard error is larger there). (Small sets are padded with rows far outside the
    sphere, of kernel weight exactly 0: one compilation serves them all.) The doubling stops
    after the first fraction below ``stop_below`` (or at ``n_max``); then ``refine``
    bisection steps in ``log N`` narrow the bracket where the fraction first falls below
    ``level``.

    Parameters
    ----------
    n_features : int
        The dimension ``D``.
    sigma_over_r : float
        The bandwidth over the radius of the sphere.
    tolerance : float, default=0.5
        A point remains a memory when mean shift from it stops within ``tolerance * sigma``.
    level : float, default=0.9
        The fraction that defines the capacity (where the bisection refines).
    n_max : int, default=32768
        Points drawn per trial; the largest ``N``.
    n_trials : int, default=16
        Independent draws, at least 2.
    n_probes : int, default=32
        Points tested per trial and ``N``.
    stop_below : float, default=0.5
        The doubling stops after the first fraction below it.
    refine : int, default=3
        Bisection steps.
    max_iter : int, default=50
        Mean-shift updates at most.
    random_state : int, RandomState instance or None, default=0
        With ``n_features``, seeds the points (an int is the seed itself; ``seed`` is its
        former name).

    Returns
    -------
    curve : MemoryFraction
        The measured fraction, its predictions and their conditions on the sample.

    See Also
    --------
    ebm_memory.analysis.kde_capacity : Capacities read from these fractions.
    ebm_memory.dynamics.retrieve_softmax : The KDE dynamics (``similarity="euclidean"``).

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity import memory_fraction
    >>> curve = memory_fraction(4, 0.3, n_max=64, n_trials=2, n_probes=8)
    >>> bool(curve.fraction[-1] < curve.fraction[0])
    True
    """
    n_features = check_integer("n_features", n_features, minimum=2)
    n_probes = check_integer("n_probes", n_probes, minimum=1)
    n_max = check_integer("n_max", n_max, minimum=max(2, n_probes))
    check_positive("sigma_over_r", sigma_over_r)
    rng = np.random.default_rng([as_seed(random_state), n_features])
    shape = (check_integer("n_trials", n_trials, minimum=2), n_max, n_features)
    points = rng.normal(size=shape)
    points /= np.linalg.norm(points, axis=-1, keepdims=True)
    census = functools.partial(
        _census_row,
        points,
        sigma_over_r=sigma_over_r,
        tolerance=tolerance,
        max_iter=max_iter,
        n_probes=n_probes,
    )
    rows = [census(2)]
    while rows[-1]["fraction"] >= stop_below and 2 * rows[-1]["n"] <= n_max:
        rows.append(census(2 * rows[-1]["n"]))
    _refine(rows, census, level, refine)
    rows.sort(key=lambda row: row["n"])
    result = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    return MemoryFraction(
        **result,
        bound=separation_bound_fraction(result["n"], n_features, sigma_over_r),
        pairwise=pairwise_fraction(result["n"], n_features, sigma_over_r, tolerance),
    )


@dataclass(frozen=True)
class KDECapacity:
    """Measured and predicted capacities at each ``(D, sigma / r)``.

    Parameters
    ----------
    n_features, sigma_over_r : ndarray of shape (n_configs,)
        The configurations.
    capacity : ndarray of shape (n_configs,)
        The measured capacity ``N*``.
    censored : ndarray of shape (n_configs,)
        The fraction never fell below ``level``: ``capacity`` is the largest ``N`` tried, a
        lower bound.
    bound_capacity, pairwise_capacity : ndarray of shape (n_configs,)
        Ramsauer et al.'s separation bound and the pairwise-merging estimate.
    ceiling : ndarray of shape (n_configs,)
        :func:`~ebm_memory.analysis.kde_capacity_theory.mean_field_ceiling`.
    curves : list of MemoryFraction
        The measured curve of each configuration.
    level, tolerance : float
        The settings of :func:`memory_fraction`.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity import kde_capacity
    >>> sweep = kde_capacity([3, 4], 0.3, n_max=64, n_trials=2, n_probes=8)
    >>> sweep.capacity.shape, len(sweep.curves)
    ((2,), 2)
    """

    n_features: np.ndarray
    sigma_over_r: np.ndarray
    capacity: np.ndarray
    censored: np.ndarray
    bound_capacity: np.ndarray
    pairwise_capacity: np.ndarray
    ceiling: np.ndarray
    curves: list
    level: float
    tolerance: float


@renamed_parameters(progress_bar="verbose")
def kde_capacity(
    n_features, sigma_over_r, *, level=0.9, tolerance=0.5, verbose=0, **kwargs
) -> KDECapacity:
    """Measured and predicted capacities at each ``(D, sigma / r)``, the two broadcast.

    Parameters
    ----------
    n_features : int or array-like of shape (n_configs,)
        Dimensions ``D``.
    sigma_over_r : float or array-like of shape (n_configs,)
        Bandwidths over the radius.
    level : float, default=0.9
        The fraction of stored points that remain memories at the capacity.
    tolerance : float, default=0.5
        A point remains a memory when mean shift from it stops within ``tolerance * sigma``.
    verbose : int, default=0
        Above 0, a tqdm bar over the configurations (``progress_bar`` is its former name).
    **kwargs : dict
        Passed to :func:`memory_fraction`.

    Returns
    -------
    sweep : KDECapacity
        The capacities, their predictions and the measured curves.

    See Also
    --------
    ebm_memory.analysis.memory_fraction : The fraction curve each capacity is read from.
    ebm_memory.plotting.plot_kde_capacity : Draws measured against predicted capacities.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity import kde_capacity
    >>> sweep = kde_capacity(4, [0.2, 0.3], n_max=64, n_trials=2, n_probes=8)
    >>> bool(sweep.bound_capacity[0] <= sweep.pairwise_capacity[0])
    True
    """
    dims, sigmas = np.broadcast_arrays(np.atleast_1d(n_features), np.atleast_1d(sigma_over_r))
    configs = [(int(d), float(s)) for d, s in zip(dims, sigmas, strict=True)]
    curves = [
        memory_fraction(d, s, tolerance=tolerance, level=level, **kwargs)
        for d, s in tqdm(configs, "KDEs", disable=not verbose)
    ]
    measured = np.array([capacity_from_curve(c.n, c.fraction, level) for c in curves])
    bound = [predicted_capacity(separation_bound_fraction, *c, level=level) for c in configs]
    pairwise = [
        predicted_capacity(pairwise_fraction, *c, level=level, tolerance=tolerance) for c in configs
    ]
    return KDECapacity(
        n_features=dims.astype(int),
        sigma_over_r=sigmas.astype(float),
        capacity=measured[:, 0],
        censored=measured[:, 1].astype(bool),
        bound_capacity=np.array(bound),
        pairwise_capacity=np.array(pairwise),
        ceiling=mean_field_ceiling(sigmas, tolerance),
        curves=curves,
        level=level,
        tolerance=tolerance,
    )
