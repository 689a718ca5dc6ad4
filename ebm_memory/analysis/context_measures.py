"""The measures of an in-context energy on one held-out context, and their summaries over
contexts (:mod:`ebm_memory.analysis.in_context` measures them).

Examples
--------
>>> from ebm_memory.analysis.context_measures import mean_and_error
>>> mean_and_error([1.0, 2.0, 3.0])
(2.0, 0.577...)
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ebm_memory.analysis._common import KeyedResult

__all__ = ["ContextMeasures", "mean_and_error", "summarise"]


@dataclass(frozen=True)
class ContextMeasures(KeyedResult):
    """The measures of one held-out context (see the module docstring).

    Parameters
    ----------
    family : str
        The task family.
    context_size : int
        Points in the context.
    seed : int
        The seed that drew the task, its context and test points.
    sample_log_lik_model : float
        Mean true log-likelihood of the in-context energy's samples.
    sample_log_lik_kde : float
        Mean true log-likelihood of the KDE's samples.
    heldout_log_lik_kde : float
        Mean log density the KDE (leave-one-out bandwidth) gives to fresh points.
    heldout_log_lik_scott : float
        The same with Scott's bandwidth.
    heldout_log_lik_truth : float
        Mean true log density of the fresh points.
    memory_width : float
        Weighted mean width of the energy's memories.
    kde_bandwidth : float
        The KDE's leave-one-out bandwidth.
    excess_nll_kde : float
        ``heldout_log_lik_truth - heldout_log_lik_kde``.
    excess_nll_scott : float
        ``heldout_log_lik_truth - heldout_log_lik_scott``.
    heldout_log_lik_model : float or None, default=None
        Mean log density of the normalised energy at the fresh points (2-D only).
    excess_nll_model : float or None, default=None
        ``heldout_log_lik_truth - heldout_log_lik_model`` (2-D only).
    entropy : float or None, default=None
        Differential entropy of the normalised energy (2-D only).
    log_partition : float or None, default=None
        ``log Z`` of the energy by quadrature (2-D only).

    Examples
    --------
    >>> from ebm_memory.analysis.context_measures import ContextMeasures
    >>> sorted(ContextMeasures.__dataclass_fields__)[:3]
    ['context_size', 'entropy', 'excess_nll_kde']
    """

    family: str
    context_size: int
    seed: int
    sample_log_lik_model: float
    sample_log_lik_kde: float
    heldout_log_lik_kde: float
    heldout_log_lik_scott: float
    heldout_log_lik_truth: float
    memory_width: float
    kde_bandwidth: float
    excess_nll_kde: float
    excess_nll_scott: float
    heldout_log_lik_model: float | None = None
    excess_nll_model: float | None = None
    entropy: float | None = None
    log_partition: float | None = None

    def measured(self) -> dict[str, float]:
        """The measured values (floats; the 2-D-only ones when present).

        Returns
        -------
        values : dict of str to float
            Field name -> value, without ``family``, ``context_size`` and ``seed``.

        Examples
        --------
        >>> from ebm_memory.analysis.context_measures import ContextMeasures
        >>> row = ContextMeasures("mixture_8d", 4, 0, *[0.5] * 9)
        >>> sorted(row.measured())[:2]
        ['excess_nll_kde', 'excess_nll_scott']
        """
        values = dataclasses.asdict(self)
        return {key: value for key, value in values.items() if isinstance(value, float)}


def mean_and_error(values) -> tuple[float, float]:
    """Mean of ``values`` and its standard error.

    Parameters
    ----------
    values : array-like of shape (n_values,)
        At least two numbers.

    Returns
    -------
    mean : float
        Their mean.
    error : float
        Its standard error, ``std(ddof=1) / sqrt(n_values)``.

    Examples
    --------
    >>> from ebm_memory.analysis.context_measures import mean_and_error
    >>> mean_and_error([1.0, 3.0])
    (2.0, 1.0)
    """
    values = np.asarray(values, np.float64)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def summarise(rows: list[ContextMeasures], key: str) -> tuple[float, float]:
    """Mean of one measure over rows, and its standard error.

    Parameters
    ----------
    rows : list of ContextMeasures
        From :func:`evaluate_contexts`.
    key : str
        A field of :class:`ContextMeasures`.

    Returns
    -------
    mean : float
        The measure's mean over the rows.
    error : float
        Its standard error.

    Examples
    --------
    >>> from ebm_memory.analysis.context_measures import ContextMeasures, summarise
    >>> rows = [ContextMeasures("f", 4, seed, *[float(seed)] * 9) for seed in (1, 3)]
    >>> summarise(rows, "memory_width")
    (2.0, 1.0)
    """
    return mean_and_error([getattr(row, key) for row in rows])
