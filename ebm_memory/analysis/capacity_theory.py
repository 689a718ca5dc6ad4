"""Published capacities of Model A, the laws :mod:`ebm_memory.analysis.capacity` measures
against.

- Amit, Gutfreund & Sompolinsky: the classical network retrieves up to ``0.138 N``
  (:data:`AGS_CAPACITY`), its retrieval states keeping a fraction of wrong bits
  (:func:`ags_load`);
- McEliece et al. and Krotov & Hopfield (2016): ``N^(n-1) / (2 (2n-3)!! ln N)`` patterns are
  kept error-free by ``F(x) = x^n`` (:func:`error_free_law`);
- Demircigil et al. (2017): ``F(x) = exp(x)`` keeps all patterns stable below
  ``exp(N ln(2) / 2)`` (:data:`EXPONENTIAL_BOUND_RATE`).

Examples
--------
>>> from ebm_memory.analysis.capacity_theory import ags_load, error_free_law
>>> round(ags_load(0.01), 3), round(float(error_free_law(500, 2)), 1)
(0.135, 40.2)
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfinv

from ebm_memory._validation import check_positive
from ebm_memory.energies.interactions import Interaction

__all__ = [
    "AGS_CAPACITY",
    "EXPONENTIAL_BOUND_RATE",
    "ags_load",
    "error_free_capacity",
    "error_free_law",
    "exponential_snr_rate",
    "interaction_degree",
]

AGS_CAPACITY = 0.138
"""Amit, Gutfreund & Sompolinsky's critical load ``P / N`` of the classical network."""
EXPONENTIAL_BOUND_RATE = math.log(2.0) / 2.0
"""Demircigil et al.'s rate: all patterns are one-step stable for ``P < exp(rate N)``."""


def ags_load(error: float) -> float:
    """Load ``P / N`` at which the classical network's retrieval state has ``error`` wrong bits.

    Amit, Gutfreund & Sompolinsky, replica symmetric, ``T = 0``. The stable branch ends at
    ``error = 0.0165``, load 0.138; beyond it the formula follows the unstable branch.

    Parameters
    ----------
    error : float
        Fraction of wrong bits of the retrieval state, in (0, 0.5).

    Returns
    -------
    load : float
        The load ``P / N``.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity_theory import ags_load
    >>> round(ags_load(0.0165), 3)
    0.138
    """
    overlap = 1.0 - 2.0 * error
    y = erfinv(overlap)
    return float((overlap / y - 2.0 / math.sqrt(math.pi) * math.exp(-(y**2))) ** 2 / 2.0)


def exponential_snr_rate(beta: float = 1.0) -> float:
    """Growth rate ``2 beta - ln cosh(2 beta)`` of the load of ``F(x) = exp(beta x)``.

    A Gaussian signal-to-noise estimate at a fixed small bit error: flipping a bit of a
    stored pattern costs its own term ``exp(beta N) (1 - exp(-2 beta))`` against a crosstalk
    of variance ``4 P sinh(beta)^2 cosh(2 beta)^(N - 1)``; a fixed ratio gives
    ``ln P ~ N (2 beta - ln cosh 2 beta)``, which tends to ``ln 2`` as ``beta`` grows.

    Parameters
    ----------
    beta : float, default=1.0
        Inverse temperature of the interaction, positive.

    Returns
    -------
    rate : float
        The rate per neuron of ``ln P``.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity_theory import exponential_snr_rate
    >>> round(exponential_snr_rate(1.0), 3)
    0.675
    """
    check_positive("beta", beta)
    return 2.0 * beta - math.log(math.cosh(2.0 * beta))


def interaction_degree(interaction: Interaction) -> int | None:
    """The degree ``n`` of a (rectified) polynomial interaction; None for the exponential.

    Parameters
    ----------
    interaction : Interaction
        A Model A interaction.

    Returns
    -------
    degree : int or None
        ``n`` of ``F(x) = x^n``, or None for ``F(x) = exp(beta x)``.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity_theory import interaction_degree
    >>> from ebm_memory.energies import interactions
    >>> interaction_degree(interactions.classical()), interaction_degree(interactions.exponential())
    (2, None)
    """
    return None if interaction.log_domain else int(dict(interaction.params)["n"])


def error_free_law(n_features, degree: int | None) -> np.ndarray:
    """The error-free capacity of :func:`error_free_capacity` by degree (None: exponential).

    Parameters
    ----------
    n_features : array-like of shape (n_sizes,)
        Numbers of neurons ``N``.
    degree : int or None
        ``n`` of ``F(x) = x^n``; None or 0 for the exponential interaction.

    Returns
    -------
    capacity : ndarray of shape (n_sizes,)
        The number of patterns kept error-free.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity_theory import error_free_law
    >>> error_free_law([100, 500], 2).round(1).tolist()
    [10.9, 40.2]
    """
    n_features = np.asarray(n_features, dtype=np.float64)
    if not degree:
        return np.sqrt(2.0 * math.log(2.0) * 2.0**n_features / n_features)
    scale = 2.0 * math.prod(range(2 * degree - 3, 0, -2)) * np.log(n_features)
    return n_features ** (degree - 1) / scale


def error_free_capacity(n_features, interaction: Interaction) -> np.ndarray:
    """Error-free capacity of an interaction against ``N``.

    ``N^(n-1) / (2 (2n-3)!! ln N)`` for ``F(x) = x^n`` (Krotov & Hopfield; ``N / (2 ln N)``
    for the classical network); ``sqrt(2 ln 2 * 2^N / N)`` for ``exp(beta x)``. The
    exponential estimate is this package's: two patterns one bit apart tie on their own
    terms when that bit flips, so the other memories make one of them unstable; such pairs
    appear with probability ``1 - exp(-P^2 N / 2^(N + 1))``, one half at the value returned,
    whose growth rate tends to Demircigil et al.'s ``ln(2) / 2``.

    Parameters
    ----------
    n_features : array-like of shape (n_sizes,)
        Numbers of neurons ``N``.
    interaction : Interaction
        A (rectified) polynomial or exponential interaction.

    Returns
    -------
    capacity : ndarray of shape (n_sizes,)
        The number of patterns kept error-free.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity_theory import error_free_capacity
    >>> from ebm_memory.energies import interactions
    >>> round(float(error_free_capacity(500, interactions.classical())), 1)
    40.2
    """
    return error_free_law(n_features, interaction_degree(interaction))
