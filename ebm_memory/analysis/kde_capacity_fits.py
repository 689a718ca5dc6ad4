"""Fits of the measured capacity curves of Gaussian KDEs
(:mod:`ebm_memory.analysis.kde_capacity`): the capacity where a curve crosses its level, and
exponential laws in the dimension.

Examples
--------
>>> from ebm_memory.analysis.kde_capacity_fits import capacity_from_curve
>>> capacity_from_curve([2, 4, 8], [1.0, 0.95, 0.5])
(4.32..., False)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

__all__ = [
    "ExponentialFit",
    "RegimeFits",
    "capacity_from_curve",
    "fit_exponential_rate",
    "regime_fits",
]


def capacity_from_curve(n, fraction, level: float = 0.9) -> tuple[float, bool]:
    """Where a measured fraction first falls below ``level``, interpolated in ``log N``.

    ``N = 1`` has fraction 1; ``(n[-1], True)`` if the fraction never falls below ``level``.

    Parameters
    ----------
    n : array-like of shape (n_sizes,)
        Numbers of stored points, increasing.
    fraction : array-like of shape (n_sizes,)
        Fractions that remain memories.
    level : float, default=0.9
        The fraction that defines the capacity.

    Returns
    -------
    capacity : float
        ``N*``.
    censored : bool
        True when the fraction never fell below ``level``.

    Examples
    --------
    >>> from ebm_memory.analysis.kde_capacity_fits import capacity_from_curve
    >>> capacity_from_curve([2, 4], [0.95, 0.85])
    (2.828..., False)
    """
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
    >>> from ebm_memory.analysis.kde_capacity_fits import ExponentialFit
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
    >>> from ebm_memory.analysis.kde_capacity_fits import fit_exponential_rate
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
    >>> from ebm_memory.analysis.kde_capacity_fits import RegimeFits
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
