"""Predictions for the memory capacity of a Gaussian KDE of random points on a sphere
(the theory behind :mod:`ebm_memory.analysis.kde_capacity`), and the fits of its curves.

The separation ``Delta_i = min_j |xi_i - xi_j|^2 / 2`` of random points has an exact law:
``(1 + cos)/2`` of two random directions is ``Beta((D-1)/2, (D-1)/2)``, so
``P(Delta_i >= delta) = (1 - I_{delta / 2r^2}((D-1)/2, (D-1)/2))^(N-1)``. From it come
Ramsauer et al.'s sufficient storage condition (a lower bound on the capacity) and the
pairwise-merging estimate; :func:`mean_field_ceiling` is the limit ``D -> infinity``. The
fits of measured curves are in :mod:`ebm_memory.analysis.kde_capacity_fits`.

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

import numpy as np
from scipy.optimize import brentq
from scipy.special import betainc

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis.kde_capacity_fits import (
    ExponentialFit,
    RegimeFits,
    capacity_from_curve,
    fit_exponential_rate,
    regime_fits,
)
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
    """``P(|xi_i - xi_j|^2 / 2 <= delta)`` for two independent uniform points on the sphere.

    On the unit sphere in ``R^D`` it is ``I_{delta/2}((D-1)/2, (D-1)/2)`` (``delta`` clipped
    to ``[0, 2]``).

    Parameters
    ----------
    delta : array-like of shape (n_values,)
        Half squared distances.
    n_features : int
        The dimension ``D``, at least 2.

    Returns
    -------
    cdf : ndarray of shape (n_values,)
        The probabilities.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import pair_distance_cdf
    >>> pair_distance_cdf([0.0, 1.0, 2.0], 3).tolist()
    [0.0, 0.5, 1.0]
    """
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
    """Ramsauer et al.'s separation threshold with ``beta = 1 / sigma^2`` and ``M = r = 1``.

    :func:`~ebm_memory.dynamics.diagnostics.theorem_threshold` at that ``beta``.

    Parameters
    ----------
    n : array-like of shape (n_values,)
        Numbers of stored points (one point counts as two: it has no neighbour).
    sigma_over_r : float
        The bandwidth over the radius.

    Returns
    -------
    threshold : ndarray of shape (n_values,)
        The separation ``Delta_i`` above which a point provably remains a memory.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import storage_threshold
    >>> bool(storage_threshold(100, 0.2) > storage_threshold(10, 0.2))
    True
    """
    n = np.maximum(np.asarray(n, dtype=np.float64), 2.0)  # one point has no neighbour
    return theorem_threshold(1.0 / sigma_over_r**2, n, 1.0)


def separation_bound_fraction(n, n_features: int, sigma_over_r: float) -> np.ndarray:
    """Fraction of ``N`` random stored points meeting Ramsauer et al.'s storage condition.

    Each of them provably remains a memory.

    Parameters
    ----------
    n : array-like of shape (n_values,)
        Numbers of stored points.
    n_features : int
        The dimension ``D``.
    sigma_over_r : float
        The bandwidth over the radius.

    Returns
    -------
    fraction : ndarray of shape (n_values,)
        The expected fraction.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import separation_bound_fraction
    >>> separation_bound_fraction([1, 1000], 8, 0.2).round(3).tolist()
    [1.0, 0.0]
    """
    check_positive("sigma_over_r", sigma_over_r)
    return _survival(storage_threshold(n, sigma_over_r), n, n_features)


@functools.cache
def merge_distance(tolerance: float = 0.5) -> float:
    """``d_c``: two Gaussian kernels ``d_c sigma`` apart have modes ``tolerance * sigma`` off.

    The modes of two equal kernels sit exactly ``tolerance * sigma`` from the centres (where
    mean shift from a centre stops). Solves ``tau (1 + exp(d^2/2 - tau d)) = d`` for
    ``d > 2``; 2 (the merger) if ``tau >= 1``.

    Parameters
    ----------
    tolerance : float, default=0.5
        ``tau``, positive.

    Returns
    -------
    distance : float
        ``d_c`` in units of ``sigma``.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import merge_distance
    >>> round(merge_distance(0.5), 3), merge_distance(1.0)
    (2.108, 2.0)
    """
    check_positive("tolerance", tolerance)
    if tolerance >= 1.0:
        return 2.0
    return float(brentq(lambda d: d * d / 2 - tolerance * d - np.log(d / tolerance - 1), 2, 12))


def pairwise_fraction(n, n_features: int, sigma_over_r: float, tolerance: float = 0.5):
    """Fraction of ``N`` random points whose nearest neighbour lies beyond ``d_c sigma``.

    ``d_c`` is :func:`merge_distance` of ``tolerance``.

    Parameters
    ----------
    n : array-like of shape (n_values,)
        Numbers of stored points.
    n_features : int
        The dimension ``D``.
    sigma_over_r : float
        The bandwidth over the radius.
    tolerance : float, default=0.5
        The tolerance of a memory, in units of ``sigma``.

    Returns
    -------
    fraction : ndarray of shape (n_values,)
        The expected fraction.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import pairwise_fraction
    >>> pairwise_fraction([1, 10], 8, 0.2).round(3).tolist()
    [1.0, 0.997]
    """
    check_positive("sigma_over_r", sigma_over_r)
    return _survival((merge_distance(tolerance) * sigma_over_r) ** 2 / 2, n, n_features)


def predicted_capacity(fraction_fn, n_features: int, sigma_over_r: float, *, level=0.9, **kw):
    """The ``N`` at which a predicted fraction falls to ``level``.

    ``fraction_fn(N, n_features, sigma_over_r, **kw)`` decreases in ``N`` from 1 at
    ``N = 1``; ``inf`` if it has not fallen to ``level`` by ``e^500``.

    Parameters
    ----------
    fraction_fn : callable
        :func:`separation_bound_fraction` or :func:`pairwise_fraction`.
    n_features : int
        The dimension ``D``.
    sigma_over_r : float
        The bandwidth over the radius.
    level : float, default=0.9
        The fraction, in (0, 1).
    **kw : dict
        Passed to ``fraction_fn``.

    Returns
    -------
    capacity : float
        The predicted capacity ``N*``.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import pairwise_fraction, predicted_capacity
    >>> round(predicted_capacity(pairwise_fraction, 8, 0.2))
    335
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}.")

    def excess(log_n):
        return float(fraction_fn(np.exp(log_n), n_features, sigma_over_r, **kw)) - level

    if excess(500.0) >= 0:
        return float("inf")
    return float(np.exp(brentq(excess, 0.0, 500.0, xtol=1e-6)))


def mean_field_ceiling(sigma_over_r, tolerance: float = 0.5) -> np.ndarray:
    """Capacity as ``D -> infinity`` at fixed ``sigma / r``: finite for every bandwidth.

    All other points lie at distance ``r sqrt(2)``.

    From ``xi_i`` mean shift stays on the ray ``lambda xi_i``, at the largest root of
    ``lambda = 1 / (1 + (N-1) exp(-A lambda))``, ``A = (r/sigma)^2``; so
    ``N(lambda) = 1 + (1 - lambda) / lambda exp(A lambda)``. The point is lost when the root
    passes ``lambda_tau = 1 - tau sigma / r`` (a shift of ``tau sigma``) or, for ``A > 4``,
    when it jumps to the centre at the fold ``lambda_f = 1 / (1 + u)``,
    ``u = (A - 2 - sqrt(A^2 - 4A)) / 2``, whichever comes first:
    ``N_inf = N(max(lambda_tau, lambda_f))`` (``inf`` once ``tau sigma >= r``).

    Parameters
    ----------
    sigma_over_r : array-like of shape (n_values,)
        Bandwidths over the radius.
    tolerance : float, default=0.5
        ``tau``, the tolerance of a memory in units of ``sigma``.

    Returns
    -------
    ceiling : ndarray of shape (n_values,)
        The capacity as ``D -> infinity``.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_theory import mean_field_ceiling
    >>> round(float(mean_field_ceiling(0.3)))
    2448
    """
    s = np.asarray(sigma_over_r, dtype=np.float64)
    a = 1.0 / s**2
    fold = np.where(a > 4, 2.0 / (a - np.sqrt(np.maximum(a * a - 4 * a, 0.0))), 0.0)
    lam = np.maximum(1.0 - tolerance * s, fold)
    with np.errstate(divide="ignore"):
        return np.where(lam > 0, 1.0 + (1.0 - lam) / lam * np.exp(a * lam), np.inf)
