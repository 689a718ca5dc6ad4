"""Predictions for the memory capacity of a Gaussian KDE of random points on a sphere
(the theory behind :mod:`ebm_memory.analysis.kde_capacity`), and the fits of its curves.

The separation ``Delta_i = min_j |xi_i - xi_j|^2 / 2`` of random points has an exact law:
``(1 + cos)/2`` of two random directions is ``Beta((D-1)/2, (D-1)/2)``, so
``P(Delta_i >= delta) = (1 - I_{delta / 2r^2}((D-1)/2, (D-1)/2))^(N-1)``. From it come
Ramsauer et al.'s sufficient storage condition (a lower bound on the capacity) and the
pairwise-merging estimate; :func:`mean_field_ceiling` is the limit ``D -> infinity``.

Examples
--------
>>> from ebm_memory.analysis.kde_capacity_theory import (
...     mean_field_ceiling, pairwise_fraction, predicted_capacity, separation_bound_fraction)
>>> bound = predicted_capacity(separation_bound_fraction, 8, 0.2)
>>> pairwise = predicted_capacity(pairwise_fraction, 8, 0.2)
>>> round(bound, 1), round(pairwise), round(float(mean_field_ceiling(0.3)))
(6.3, 335, 2448)
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from scipy import stats
from scipy.optimize import brentq
from scipy.special import betainc

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.dynamics.diagnostics import theorem_threshold

__all__ = [
    "ExponentialFit",
    "RegimeFits",
    "capacity_from_curve",
    "fit_exponential_rate",
    "mean_field_ceiling",
    "merge_distance",
    "pair_distance_cdf",
    "pairwise_fraction",
    "predicted_capacity",
    "regime_fits",
    "separation_bound_fraction",
    "storage_threshold",
]


def pair_distance_cdf(delta, n_features: int) -> np.ndarray:
    """``P(|xi_i - xi_j|^2 / 2 <= delta)`` for two independent uniform points on the unit
    sphere in ``R^D``: ``I_{delta/2}((D-1)/2, (D-1)/2)`` (``delta`` clipped to ``[0, 2]``)."""
    n_features = check_integer("n_features", n_features, minimum=2)
    half = np.clip(np.asarray(delta, dtype=np.float64), 0.0, 2.0) / 2.0
    return betainc((n_features - 1) / 2, (n_features - 1) / 2, half)


def _survival(threshold, n, n_features):
    """``P(Delta_i >= threshold)`` among ``N`` points (``N - 1`` independent neighbours)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.exp((n - 1) * np.log1p(-pair_distance_cdf(threshold, n_features)))
    return np.where(n <= 1, 1.0, survival)


def storage_threshold(n, sigma_over_r):
    """Ramsauer et al.'s separation threshold with ``beta = 1 / sigma^2`` and ``M = r = 1``
    (:func:`~ebm_memory.dynamics.diagnostics.theorem_threshold`)."""
    n = np.maximum(np.asarray(n, dtype=np.float64), 2.0)  # one point has no neighbour
    return theorem_threshold(1.0 / sigma_over_r**2, n, 1.0)


def separation_bound_fraction(n, n_features: int, sigma_over_r: float) -> np.ndarray:
    """Fraction of ``N`` random stored points meeting Ramsauer et al.'s storage condition
    (each of which provably remains a memory)."""
    check_positive("sigma_over_r", sigma_over_r)
    return _survival(storage_threshold(n, sigma_over_r), n, n_features)


@functools.cache
def merge_distance(tolerance: float = 0.5) -> float:
    """``d_c``: two equal Gaussian kernels ``d_c sigma`` apart have their modes exactly
    ``tolerance * sigma`` from the centres (where mean shift from a centre stops).

    Solves ``tau (1 + exp(d^2/2 - tau d)) = d`` for ``d > 2``; 2 (the merger) if ``tau >= 1``.
    """
    check_positive("tolerance", tolerance)
    if tolerance >= 1.0:
        return 2.0
    return float(brentq(lambda d: d * d / 2 - tolerance * d - np.log(d / tolerance - 1), 2, 12))


def pairwise_fraction(n, n_features: int, sigma_over_r: float, tolerance: float = 0.5):
    """Fraction of ``N`` random points whose nearest neighbour lies beyond
    ``merge_distance(tolerance) * sigma``."""
    check_positive("sigma_over_r", sigma_over_r)
    return _survival((merge_distance(tolerance) * sigma_over_r) ** 2 / 2, n, n_features)


def predicted_capacity(fraction_fn, n_features: int, sigma_over_r: float, *, level=0.9, **kw):
    """The ``N`` at which ``fraction_fn(N, n_features, sigma_over_r, **kw)`` (decreasing in
    ``N``, 1 at ``N = 1``) falls to ``level``; ``inf`` if it has not by ``e^500``."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}.")

    def excess(log_n):
        return float(fraction_fn(np.exp(log_n), n_features, sigma_over_r, **kw)) - level

    if excess(500.0) >= 0:
        return float("inf")
    return float(np.exp(brentq(excess, 0.0, 500.0, xtol=1e-6)))


def mean_field_ceiling(sigma_over_r, tolerance: float = 0.5) -> np.ndarray:
    """Capacity as ``D -> infinity`` at fixed ``sigma / r``, all other points at distance
    ``r sqrt(2)``: finite for every bandwidth.

    From ``xi_i`` mean shift stays on the ray ``lambda xi_i``, at the largest root of
    ``lambda = 1 / (1 + (N-1) exp(-A lambda))``, ``A = (r/sigma)^2``; so
    ``N(lambda) = 1 + (1 - lambda) / lambda exp(A lambda)``. The point is lost when the root
    passes ``lambda_tau = 1 - tau sigma / r`` (a shift of ``tau sigma``) or, for ``A > 4``,
    when it jumps to the centre at the fold ``lambda_f = 1 / (1 + u)``,
    ``u = (A - 2 - sqrt(A^2 - 4A)) / 2``, whichever comes first:
    ``N_inf = N(max(lambda_tau, lambda_f))`` (``inf`` once ``tau sigma >= r``).
    """
    s = np.asarray(sigma_over_r, dtype=np.float64)
    a = 1.0 / s**2
    fold = np.where(a > 4, 2.0 / (a - np.sqrt(np.maximum(a * a - 4 * a, 0.0))), 0.0)
    lam = np.maximum(1.0 - tolerance * s, fold)
    with np.errstate(divide="ignore"):
        return np.where(lam > 0, 1.0 + (1.0 - lam) / lam * np.exp(a * lam), np.inf)


def capacity_from_curve(n, fraction, level: float = 0.9) -> tuple[float, bool]:
    """``(N*, censored)``: where ``fraction`` first falls below ``level``, interpolated linearly
    in ``log N`` (``N = 1`` has fraction 1); ``(n[-1], True)`` if it never does."""
    n = np.concatenate([[1.0], np.asarray(n, dtype=np.float64)])
    fraction = np.concatenate([[1.0], np.asarray(fraction, dtype=np.float64)])
    below = np.flatnonzero(fraction < level)
    if below.size == 0:
        return float(n[-1]), True
    k = below[0]
    t = (fraction[k - 1] - level) / (fraction[k - 1] - fraction[k])
    return float(np.exp((1 - t) * np.log(n[k - 1]) + t * np.log(n[k]))), False


class ExponentialFit(NamedTuple):
    """The least-squares law ``log N* = intercept + rate D``.

    Parameters
    ----------
    rate : float
        The rate ``b`` per dimension.
    rate_ci : list of float
        Its 95% interval (Student t, ``n - 2`` degrees of freedom; nan with 2 points).
    intercept : float
        The intercept ``a``.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import ExponentialFit
    >>> ExponentialFit(0.5, [0.4, 0.6], 1.0).rate
    0.5
    """

    rate: float
    rate_ci: list
    intercept: float


def fit_exponential_rate(n_features, capacity) -> ExponentialFit:
    """Least squares ``log N* = a + b D``, with the 95% interval of the rate ``b``.

    Parameters
    ----------
    n_features : array-like of shape (n_points,)
        Dimensions ``D``.
    capacity : array-like of shape (n_points,)
        Capacities ``N*``.

    Returns
    -------
    fit : ExponentialFit
        ``rate``, ``rate_ci`` (Student t, ``n - 2`` degrees of freedom; nan with 2 points)
        and ``intercept``.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.kde_capacity_theory import fit_exponential_rate
    >>> round(fit_exponential_rate([2, 4, 6], np.exp([1.0, 2.0, 3.0])).rate, 3)
    0.5
    """
    x = np.asarray(n_features, dtype=np.float64)
    fit = stats.linregress(x, np.log(np.asarray(capacity, dtype=np.float64)))
    half = stats.t.ppf(0.975, len(x) - 2) * fit.stderr if len(x) > 2 else np.nan
    rate = float(fit.slope)
    return ExponentialFit(rate, [rate - half, rate + half], float(fit.intercept))


class RegimeFits(NamedTuple):
    """Exponential fits of a sweep over ``D`` in the nearest-neighbour regime.

    Parameters
    ----------
    fit_dims : list of int
        The uncensored dimensions with ``D <= (r / sigma)^2`` that were fitted.
    measured, bound, pairwise : ExponentialFit or None
        Fits of the measured capacity and of the two predictions (None below 2 dimensions).

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import RegimeFits
    >>> RegimeFits([4], None, None, None).fit_dims
    [4]
    """

    fit_dims: list
    measured: ExponentialFit | None
    bound: ExponentialFit | None
    pairwise: ExponentialFit | None


def regime_fits(sweep) -> RegimeFits:
    """Exponential fits of a sweep over ``D`` at one ``sigma / r``.

    The uncensored ``D <= (r / sigma)^2`` are fitted: the nearest-neighbour regime.

    Parameters
    ----------
    sweep : KDECapacity
        A :func:`~ebm_memory.analysis.kde_capacity.kde_capacity` result over ``D`` at one
        ``sigma / r``.

    Returns
    -------
    fits : RegimeFits
        :func:`~ebm_memory.analysis.kde_capacity_theory.fit_exponential_rate` of the
        measured capacity and of the two predictions.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity import kde_capacity, regime_fits
    >>> sweep = kde_capacity([3, 4, 5], 0.3, n_max=64, n_trials=2, n_probes=8)
    >>> fits = regime_fits(sweep)
    >>> fits.fit_dims, bool(fits.bound.rate > 0)
    ([3, 4, 5], True)
    """
    dims = sweep.n_features
    used = (dims <= 1.0 / sweep.sigma_over_r[0] ** 2) & ~sweep.censored
    fits = {}
    for name, values in (
        ("measured", sweep.capacity),
        ("bound", sweep.bound_capacity),
        ("pairwise", sweep.pairwise_capacity),
    ):
        fits[name] = fit_exponential_rate(dims[used], values[used]) if used.sum() > 1 else None
    return RegimeFits(dims[used].tolist(), **fits)
