"""Typed capacity curves of Model A and the growth laws fitted to them.

:func:`~ebm_memory.analysis.capacity.capacity_curve` measures a :class:`CapacityCurve`;
:func:`fit_growth` fits ``P ~ N^a`` (or ``P ~ exp(a N)``) to it, with a bootstrap interval.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.capacity_fit import CapacityCurve, fit_growth
>>> n = np.array([10.0, 20.0, 40.0])
>>> boot = n**2 * np.exp(np.random.default_rng(0).normal(0, 0.01, (50, 3)))
>>> curve = CapacityCurve(n, n**2, 0 * n, boot, n**2, 0 * n, boot, n, n, n, n, n, "power", 3, 0.01)
>>> round(fit_growth(curve).slope, 3)
2.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["CapacityCurve", "GrowthFit", "fit_growth"]


@dataclass(frozen=True)
class CapacityCurve:
    """Capacities of one interaction against ``N``, from :func:`capacity_curve`.

    Parameters
    ----------
    n : ndarray of shape (n_sizes,)
        Numbers of neurons ``N``.
    capacity, capacity_se : ndarray of shape (n_sizes,)
        Load at which the mean final bit error reaches ``error_threshold``, and its
        bootstrap standard error.
    capacity_boot : ndarray of shape (n_bootstrap, n_sizes)
        Its bootstrap replicates.
    exact_capacity, exact_capacity_se : ndarray of shape (n_sizes,)
        Load at which half of the trials stop keeping every pattern error-free, and its
        bootstrap standard error.
    exact_capacity_boot : ndarray of shape (n_bootstrap, n_sizes)
        Its bootstrap replicates.
    theory_exact : ndarray of shape (n_sizes,)
        :func:`~ebm_memory.analysis.capacity_theory.error_free_capacity`.
    grid_n, grid_p, grid_error, grid_exact_fraction : ndarray of shape (n_evaluated,)
        Every load evaluated: its ``N``, ``P``, mean bit error and fraction of error-free
        trials.
    law : str
        "power" or "exponential".
    degree : int
        ``n`` of ``F(x) = x^n``, or 0 for the exponential interaction.
    error_threshold : float
        The bit error that defines ``capacity``.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity import capacity_curve
    >>> from ebm_memory.energies import interactions
    >>> curve = capacity_curve(interactions.polynomial(3), [12, 16], n_trials=2, n_bootstrap=20)
    >>> curve.law, curve.degree, curve.capacity.shape
    ('power', 3, (2,))
    """

    n: np.ndarray
    capacity: np.ndarray
    capacity_se: np.ndarray
    capacity_boot: np.ndarray
    exact_capacity: np.ndarray
    exact_capacity_se: np.ndarray
    exact_capacity_boot: np.ndarray
    theory_exact: np.ndarray
    grid_n: np.ndarray
    grid_p: np.ndarray
    grid_error: np.ndarray
    grid_exact_fraction: np.ndarray
    law: str
    degree: int
    error_threshold: float


class GrowthFit(NamedTuple):
    """A growth law fitted by :func:`fit_growth`.

    Parameters
    ----------
    slope : float
        The exponent (power law) or the rate (exponential law).
    intercept : float
        The intercept of ``log P``.
    slope_se : float
        Bootstrap standard error of the slope.
    ci_low, ci_high : float
        The bootstrap interval of the slope.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity import GrowthFit
    >>> GrowthFit(2.0, 0.1, 0.05, 1.9, 2.1).slope
    2.0
    """

    slope: float
    intercept: float
    slope_se: float
    ci_low: float
    ci_high: float


def fit_growth(result: CapacityCurve, criterion: str = "error", level: float = 0.95) -> GrowthFit:
    """Least-squares growth law of a :func:`capacity_curve` result, with a bootstrap interval.

    ``log P`` is fitted on ``log N`` (power law: the slope is the exponent) or on ``N``
    (exponential law: the slope is the rate). The interval holds the central ``level`` of
    the slopes refitted on the bootstrap replicates.

    Parameters
    ----------
    result : CapacityCurve
        The capacities against ``N``.
    criterion : {"error", "exact"}, default="error"
        Fit ``capacity`` (bit error below the threshold) or ``exact_capacity`` (error-free).
    level : float, default=0.95
        Coverage of the bootstrap interval.

    Returns
    -------
    fit : GrowthFit
        Slope, intercept, bootstrap standard error and interval of the slope.

    See Also
    --------
    ebm_memory.analysis.capacity_curve : Produces the result it fits.
    ebm_memory.plotting.plot_capacity : Draws the curve with its fit.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity import capacity_curve, fit_growth
    >>> from ebm_memory.energies import interactions
    >>> curve = capacity_curve(interactions.polynomial(3), [12, 16], n_trials=2, n_bootstrap=20)
    >>> bool(fit_growth(curve).slope > 0)
    True
    """
    if criterion not in ("error", "exact"):
        raise ValueError(f"criterion must be 'error' or 'exact', got {criterion!r}.")
    key = "capacity" if criterion == "error" else "exact_capacity"
    n = np.asarray(result.n, dtype=np.float64)
    values = np.asarray(getattr(result, key))
    measured = np.isfinite(values)
    if measured.sum() < 2:
        raise ValueError(f"fewer than two finite {key} values to fit.")
    x = np.log(n[measured]) if str(result.law) == "power" else n[measured]
    design = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(design, np.log(values[measured]), rcond=None)[0]
    replicates = np.log(np.asarray(getattr(result, f"{key}_boot"))[:, measured])
    replicates = replicates[np.all(np.isfinite(replicates), axis=1)]
    slopes = np.linalg.lstsq(design, replicates.T, rcond=None)[0][0]
    tail = 50.0 * (1.0 - level)
    low, high = np.percentile(slopes, [tail, 100.0 - tail])
    return GrowthFit(
        float(slope), float(intercept), float(np.std(slopes, ddof=1)), float(low), float(high)
    )
