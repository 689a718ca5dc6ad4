"""When does Model B retrieve single patterns? Ramsauer et al.'s separation theory, checked.

Ramsauer et al., "Hopfield Networks is All You Need" (ICLR 2021), for the update
``f(xi) = X^T softmax(beta X xi)`` with ``N`` patterns of norm at most ``M`` and separations
``Delta_i`` (:func:`~ebm_memory.dynamics.separation.pattern_separation`):

- Lemma A4 / Theorem 5 (exponentially small retrieval error): if the query's own score
  beats every other pattern's by ``c``, then ``||f(xi) - x_i|| <= 2 eps M`` with
  ``eps = (N - 1) exp(-beta c)``; by Cauchy-Schwarz ``c >= Delta_i - 2 ||xi - x_i|| M``, so
  ``||f(xi) - x_i|| <= 2 (N - 1) M exp(-beta (Delta_i - 2 ||xi - x_i|| M))``
  (:func:`retrieval_error_bound`; Theorem 5 states it with the larger
  ``max(||xi - x_i||, ||x_i* - x_i||)``).
- Lemmas A5-A7 (the fixed-point part behind Theorems 3 and 4): if
  ``Delta_i >= 2 / (beta N) + ln(2 (N - 1) N beta M^2) / beta`` (:func:`theorem_threshold`),
  ``f`` maps the sphere ``S_i = {||xi - x_i|| <= 1 / (beta N M)}`` into itself as a
  contraction: the pattern is stored, and one update from ``S_i`` lands within
  ``1 / (beta N M)`` of it.

The same proofs hold for euclidean similarity (scores ``x_j . xi - |x_j|^2 / 2``): the bias
cancels from every score difference's dependence on ``xi`` and from the Jacobian, so the
statements hold with that similarity's ``Delta_i = min_j |x_i - x_j|^2 / 2``.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.dynamics.diagnostics import separation_report
>>> rng = np.random.default_rng(0)
>>> patterns = rng.normal(size=(50, 32))
>>> report = separation_report(patterns / np.linalg.norm(patterns, axis=1, keepdims=True))
>>> bool(report.fraction_retrieved >= 0.9), bool(report.theorem_beta > report.package_beta)
(True, True)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import lambertw

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.dynamics.separation import beta_for_separation, pattern_separation
from ebm_memory.energies.effective import SIMILARITIES

__all__ = [
    "SeparationReport",
    "retrieval_error_bound",
    "separation_report",
    "theorem_beta",
    "theorem_threshold",
]

QUANTILES = (0.0, 0.1, 0.5, 0.9, 1.0)


def theorem_threshold(beta, n_memories, max_norm: float) -> np.ndarray:
    """The separation Ramsauer et al.'s Lemmas A5-A7 require for a stored pattern:
    ``2 / (beta N) + ln(2 (N - 1) N beta M^2) / beta``.

    Above it the update maps the sphere of radius ``1 / (beta N M)`` around the pattern into
    itself as a contraction (a single fixed point there, reached from the sphere in one
    update to within ``1 / (beta N M)``).

    Parameters
    ----------
    beta : float or array-like of shape (n,)
        The inverse temperature.
    n_memories : int or array-like of shape (n,)
        N, at least 2.
    max_norm : float
        M, the largest memory norm.

    Returns
    -------
    ndarray of shape (n,) or ()
        The separation threshold, broadcast over ``beta`` and ``n_memories``.

    See Also
    --------
    ebm_memory.dynamics.theorem_beta : The inverse question: ``beta`` for a given separation.
    ebm_memory.dynamics.retrieval_error_bound : The error bound once the threshold is met.

    Examples
    --------
    >>> round(float(theorem_threshold(10.0, 100, 1.0)), 3)
    1.222
    """
    n_memories = np.asarray(n_memories, dtype=np.float64)
    if np.any(n_memories < 2):
        raise ValueError(f"n_memories must be >= 2, got {n_memories}.")
    check_positive("max_norm", max_norm)
    beta = np.asarray(beta, dtype=np.float64)
    # a sum of logs: N (N - 1) overflows for the huge N that capacity searches try
    log_term = np.log(2.0 * beta * max_norm**2) + np.log(n_memories - 1) + np.log(n_memories)
    return 2.0 / (beta * n_memories) + log_term / beta


def theorem_beta(separation, n_memories: int, max_norm: float) -> np.ndarray:
    """Smallest ``beta`` from which on a pattern of separation ``Delta`` meets
    :func:`theorem_threshold` (Ramsauer et al., Lemmas A5-A7).

    With ``u = beta Delta`` the condition reads ``u - ln u >= A``,
    ``A = 2 / N + ln(2 (N - 1) N M^2 / Delta) > 1``, which holds for all
    ``u >= u* = -W_{-1}(-exp(-A))`` (Lambert W, lower branch), so ``beta* = u* / Delta``.
    The condition also holds again at vanishing ``beta`` (``u`` below the other root, far
    under 1), where the sphere ``S_i`` of radius ``1 / (beta N M)`` is so wide that the
    guarantee says nothing about single patterns; that branch is left out.

    Parameters
    ----------
    separation : float or array-like of shape (K,)
        The separations ``Delta``.
    n_memories : int
        N, at least 2.
    max_norm : float
        M, the largest memory norm.

    Returns
    -------
    ndarray of shape (K,) or ()
        ``beta*`` of each separation: ``inf`` for ``Delta <= 0`` (never separated) and 0 for
        ``Delta = inf`` (a lone memory).

    See Also
    --------
    ebm_memory.dynamics.theorem_threshold : The separation needed at a given ``beta``.
    ebm_memory.dynamics.separation_report : Applies the theorem to a set of memories.

    Examples
    --------
    >>> beta = float(theorem_beta(0.5, 100, 1.0))
    >>> round(beta, 2), bool(np.isclose(theorem_threshold(beta, 100, 1.0), 0.5))
    (26.37, True)
    """
    check_integer("n_memories", n_memories, minimum=2)
    check_positive("max_norm", max_norm)
    separation = np.asarray(separation, dtype=np.float64)
    positive = np.isfinite(separation) & (separation > 0)
    delta = np.where(positive, separation, 1.0)
    a = 2.0 / n_memories + np.log(2.0 * (n_memories - 1) * n_memories * max_norm**2 / delta)
    u = -lambertw(-np.exp(-a), k=-1).real
    beta = np.where(positive, u / delta, np.inf)
    return np.where(np.isposinf(separation), 0.0, beta)


def retrieval_error_bound(
    separation, beta, n_memories: int, max_norm: float, distance=0.0
) -> np.ndarray:
    """Ramsauer et al.'s bound on the one-step retrieval error ``||f(xi) - x_i||`` (Lemma A4,
    Theorem 5): ``2 (N - 1) M exp(-beta (Delta_i - 2 distance M))`` for a query at
    ``distance = ||xi - x_i||`` from the pattern.

    Holds for any query; it says something once it falls below ``2 M``.

    Parameters
    ----------
    separation : float or array-like of shape (n,)
        The separations ``Delta_i``.
    beta : float or array-like of shape (n,)
        The inverse temperature.
    n_memories : int
        N, at least 2.
    max_norm : float
        M, the largest memory norm.
    distance : float or array-like of shape (n,), default=0.0
        ``||xi - x_i||``, the query's distance from the pattern.

    Returns
    -------
    ndarray of shape (n,) or ()
        The bound, broadcast over the array arguments.

    See Also
    --------
    ebm_memory.dynamics.theorem_threshold : The separation the bound needs.
    ebm_memory.dynamics.separation_report : Separations of stored memories.
    ebm_memory.analysis.one_step_errors : Measured one-step errors to compare with the bound.

    Examples
    --------
    >>> float(retrieval_error_bound(1.0, 20.0, 11, 1.0)) < 1e-7
    True
    """
    check_integer("n_memories", n_memories, minimum=2)
    check_positive("max_norm", max_norm)
    separation = np.asarray(separation, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    exponent = -beta * (separation - 2.0 * np.asarray(distance, dtype=np.float64) * max_norm)
    log_bound = np.log(2.0 * (n_memories - 1) * max_norm) + exponent
    return np.exp(np.minimum(log_bound, 700.0))


class SeparationReport(NamedTuple):
    """What :func:`separation_report` found; ``str(report)`` is a readable summary.

    Parameters
    ----------
    n_memories : int
        K, the number of memories.
    max_norm : float
        M, the largest memory norm.
    similarity : str
        The similarity.
    separation : ndarray of shape (K,)
        The separation ``Delta_i`` of each memory.
    quantiles : dict
        ``{q: quantile q of Delta}`` for q in 0, 0.1, 0.5, 0.9, 1.
    n_unseparated : int
        Memories with ``Delta_i <= 0`` (duplicates, or patterns another one out-scores):
        no ``beta`` retrieves them alone.
    pattern_beta : ndarray of shape (K,)
        :func:`theorem_beta` of each memory.
    theorem_beta : float
        ``beta`` from which the fraction ``coverage`` of memories meet the theorem's
        condition (``inf`` when that many are unseparated).
    package_beta : float
        :func:`~ebm_memory.dynamics.separation.beta_for_separation`, the heuristic
        ``(K - 1) exp(-beta Delta_{10%}) <= error``.
    beta : float
        The inverse temperature the fraction below refers to.
    fraction_retrieved : float
        Memories meeting the theorem's condition at ``beta``.
    worst_error_bound : float
        Largest :func:`retrieval_error_bound` at ``beta`` among them (queries exactly at the
        pattern); ``nan`` when none.
    coverage : float
        The fraction ``theorem_beta`` covers.

    See Also
    --------
    ebm_memory.dynamics.separation_report : Computes the report.
    ebm_memory.dynamics.theorem_beta : The ``beta`` the theorem asks for, per pattern.

    Examples
    --------
    >>> import numpy as np
    >>> report = separation_report(np.eye(3), beta=50.0)
    >>> report.n_memories, report.separation.shape
    (3, (3,))
    """

    n_memories: int
    max_norm: float
    similarity: str
    separation: np.ndarray
    quantiles: dict
    n_unseparated: int
    pattern_beta: np.ndarray
    theorem_beta: float
    package_beta: float
    beta: float
    fraction_retrieved: float
    worst_error_bound: float
    coverage: float

    def __str__(self) -> str:
        quantiles = ", ".join(f"{q:.0%}: {value:.4g}" for q, value in self.quantiles.items())
        lines = [
            f"{self.n_memories} memories, largest norm M = {self.max_norm:.4g}, "
            f"{self.similarity} similarity.",
            f"Separation Delta quantiles: {quantiles}.",
            f"Not separated (Delta <= 0, never retrieved alone): {self.n_unseparated}.",
            f"Ramsauer et al. (Lemmas A5-A7): {self.coverage:.0%} of the memories are stored "
            f"single-pattern fixed points from beta = {self.theorem_beta:.4g} on.",
            f"Package heuristic (beta_for_separation): beta = {self.package_beta:.4g}.",
            f"At beta = {self.beta:.4g}: {self.fraction_retrieved:.1%} of the memories meet "
            "the condition (one update from within 1/(beta N M) of them retrieves them)",
        ]
        if np.isfinite(self.worst_error_bound):
            lines[-1] += f"; one-step error bound at the memories <= {self.worst_error_bound:.2g}."
        else:
            lines[-1] += "."
        if self.fraction_retrieved < self.coverage:
            lines.append(
                "Below this beta, memories without the guarantee can merge into metastable "
                "averages of similar memories (or the global average): raise beta."
            )
        return "\n".join(lines)


def separation_report(
    memories,
    similarity: str = "dot",
    *,
    beta: float | None = None,
    coverage: float = 0.9,
    error: float = 0.01,
) -> SeparationReport:
    """Which ``beta`` retrieves single patterns from these memories (Model B).

    Parameters
    ----------
    memories : array-like of shape (K, D)
        The memories, K >= 2.
    similarity : {"dot", "euclidean"}, default="dot"
        The similarity of the scores.
    beta : float, optional
        The inverse temperature to assess; default: the report's ``theorem_beta``.
    coverage : float, default=0.9
        Fraction of memories ``theorem_beta`` must cover.
    error : float, default=0.01
        The tolerance of the package heuristic ``beta_for_separation``.

    Returns
    -------
    SeparationReport
        The separations, the betas they need and what ``beta`` retrieves.

    See Also
    --------
    ebm_memory.dynamics.SeparationReport : What it returns.
    ebm_memory.dynamics.theorem_beta : The ``beta`` the theorem asks for a given separation.
    ebm_memory.DenseAssociativeMemory : Its ``beta="auto"`` picks ``beta`` from the separation.

    Examples
    --------
    >>> import numpy as np
    >>> patterns = np.eye(4)
    >>> report = separation_report(patterns, beta=50.0)
    >>> report.quantiles[0.5], report.fraction_retrieved
    (1.0, 1.0)
    >>> print(str(report).splitlines()[0])
    4 memories, largest norm M = 1, dot similarity.
    """
    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
    if not 0.0 < coverage <= 1.0:
        raise ValueError(f"coverage must lie in (0, 1], got {coverage}.")
    memories = np.asarray(memories, dtype=np.float64)
    if memories.ndim != 2 or len(memories) < 2:
        raise ValueError(f"memories must have shape (K, D) with K >= 2, got {memories.shape}.")
    n_memories = len(memories)
    max_norm = float(np.linalg.norm(memories, axis=1).max())
    check_positive("largest memory norm", max_norm)
    separation = pattern_separation(memories, similarity)
    pattern_beta = theorem_beta(separation, n_memories, max_norm)
    needed = float(np.quantile(pattern_beta, coverage, method="higher"))
    if beta is None:
        finite = pattern_beta[np.isfinite(pattern_beta)]
        beta = needed if np.isfinite(needed) else float(finite.max()) if finite.size else 1.0
    beta = float(beta)
    check_positive("beta", beta)
    meets = pattern_beta <= beta
    worst = (
        float(retrieval_error_bound(separation[meets].min(), beta, n_memories, max_norm))
        if meets.any()
        else float("nan")
    )
    return SeparationReport(
        n_memories=n_memories,
        max_norm=max_norm,
        similarity=similarity,
        separation=separation,
        quantiles={q: float(np.quantile(separation, q)) for q in QUANTILES},
        n_unseparated=int(np.sum(separation <= 0)),
        pattern_beta=pattern_beta,
        theorem_beta=needed,
        package_beta=beta_for_separation(separation, n_memories, error=error),
        beta=beta,
        fraction_retrieved=float(meets.mean()),
        worst_error_bound=worst,
        coverage=coverage,
    )
