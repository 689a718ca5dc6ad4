"""The three kinds of fixed points of modern Hopfield networks (Ramsauer et al. 2021).

For Model B's update ``f(xi) = X^T softmax(beta X xi)`` a fixed point is a global average
of all patterns (small ``beta``), a metastable average of a subset of similar patterns, or
a single pattern (large ``beta``). :func:`classify_fixed_points` tells them apart by the
effective number of patterns a state attends to, ``n_eff = exp(entropy(softmax(beta X
x*)))``: a single pattern when ``n_eff < 1.5``, the global average when ``n_eff >= N / 2``,
metastable in between. :func:`fixed_point_census` runs retrieval to convergence from the
patterns and noisy copies and counts the kinds.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.fixed_points import classify_fixed_points
>>> classify_fixed_points(np.eye(3), np.eye(3), 50.0).kinds.tolist()
[2, 2, 2]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.special import log_softmax
from tqdm.auto import tqdm

from ebm_memory._random import float64
from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.dynamics.retrieval import retrieve_softmax

__all__ = [
    "KINDS",
    "FixedPointCensus",
    "FixedPointKinds",
    "classify_fixed_points",
    "fixed_point_census",
]

KINDS = ("global", "metastable", "single")
"""The kinds of fixed points, in the order of :func:`classify_fixed_points`' codes."""
SINGLE_BELOW = 1.5  # n_eff below this: one pattern dominates the attention
GLOBAL_FRACTION = 0.5  # n_eff at least this fraction of N: the global average


def _scores(states, memories, similarity):
    scores = states @ memories.T
    if similarity == "euclidean":
        scores = scores - 0.5 * np.sum(memories**2, axis=1)
    return scores


class FixedPointKinds(NamedTuple):
    """The kind of each state and its effective number of attended patterns.

    Parameters
    ----------
    kinds : ndarray of shape (n_states,)
        Indices into :data:`KINDS` (0 global, 1 metastable, 2 single).
    n_eff : ndarray of shape (n_states,)
        ``exp(entropy(p))`` of the attention ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.one_step import FixedPointKinds
    >>> FixedPointKinds(np.array([2]), np.array([1.0])).kinds.tolist()
    [2]
    """

    kinds: np.ndarray
    n_eff: np.ndarray


def classify_fixed_points(states, memories, beta: float, similarity: str = "dot"):
    """Kind of each state by its attention ``p = softmax(beta * scores)``.

    A single pattern when ``n_eff < 1.5``, the global average when ``n_eff >= N / 2``,
    metastable in between.

    Parameters
    ----------
    states : array-like of shape (n_states, n_features)
        Fixed points (or any states).
    memories : array-like of shape (n_patterns, n_features)
        The stored patterns.
    beta : float
        Inverse temperature.
    similarity : {"dot", "euclidean"}, default="dot"
        The score of a pattern.

    Returns
    -------
    result : FixedPointKinds
        ``kinds`` and ``n_eff``, each of shape (n_states,); it unpacks as a pair.

    See Also
    --------
    ebm_memory.analysis.fixed_point_census
        Classifies the fixed points reached from every pattern.
    ebm_memory.energies.attention_scores : The scores the attention is computed from.
    ebm_memory.MetastableRetrievalWarning : Warned by the estimator on a metastable state.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.one_step import classify_fixed_points
    >>> memories = np.eye(4)
    >>> states = np.vstack([memories[:1], memories.mean(axis=0, keepdims=True)])
    >>> kinds, n_eff = classify_fixed_points(states, memories, 50.0)
    >>> kinds.tolist()
    [2, 0]
    """
    states = np.asarray(states, dtype=np.float64)
    memories = np.asarray(memories, dtype=np.float64)
    log_p = log_softmax(beta * _scores(states, memories, similarity), axis=1)
    n_eff = np.exp(-np.sum(np.exp(log_p) * log_p, axis=1))
    kinds = np.where(
        n_eff < SINGLE_BELOW, 2, np.where(n_eff >= GLOBAL_FRACTION * len(memories), 0, 1)
    )
    return FixedPointKinds(kinds, n_eff)


def _count_distinct(states: np.ndarray, tol: float) -> int:
    """Number of groups of states closer than ``tol`` to a group's first member."""
    representatives: list[np.ndarray] = []
    for state in states:
        if not any(np.linalg.norm(state - rep) < tol for rep in representatives):
            representatives.append(state)
    return len(representatives)


@dataclass(frozen=True)
class FixedPointCensus:
    """Fixed points reached from the patterns and noisy copies, by kind, over ``beta``.

    Parameters
    ----------
    betas : ndarray of shape (n_betas,)
        The inverse temperatures.
    fractions : ndarray of shape (n_betas, 3)
        Fraction of the ``2 N`` starts ending at each kind of :data:`KINDS`.
    distinct : ndarray of shape (n_betas, 3)
        Distinct fixed points of each kind (states closer than ``1e-4 M`` are one).
    median_n_eff : ndarray of shape (n_betas,)
        Median ``n_eff`` of the metastable states (nan when none).
    not_converged : ndarray of shape (n_betas,)
        Fraction of starts that had not converged.

    Examples
    --------
    >>> from ebm_memory.analysis.one_step import fixed_point_census, random_unit_patterns
    >>> census = fixed_point_census(random_unit_patterns(6, 4), [100.0])
    >>> census.fractions.shape
    (1, 3)
    """

    betas: np.ndarray
    fractions: np.ndarray
    distinct: np.ndarray
    median_n_eff: np.ndarray
    not_converged: np.ndarray


@float64
def _census_at(starts, memories, beta, similarity, max_iter, tol, max_norm):
    """Fractions and distinct counts of each kind, median metastable ``n_eff`` and the
    fraction not converged, at one ``beta``."""
    result = retrieve_softmax(
        starts, memories, beta, similarity=similarity, max_iter=max_iter, tol=tol
    )
    states = np.asarray(result.states)
    kinds, n_eff = classify_fixed_points(states, memories, beta, similarity)
    fractions = [np.mean(kinds == kind) for kind in range(len(KINDS))]
    distinct = [_count_distinct(states[kinds == kind], 1e-4 * max_norm) for kind in range(3)]
    metastable = n_eff[kinds == 1]
    median = np.median(metastable) if metastable.size else np.nan
    return fractions, distinct, median, 1.0 - np.mean(np.asarray(result.converged))


@renamed_parameters(seed="random_state", progress_bar="verbose")
def fixed_point_census(
    memories,
    betas,
    *,
    similarity: str = "dot",
    noise: float = 0.3,
    max_iter: int = 2000,
    tol: float = 1e-9,
    random_state=0,
    verbose: int = 0,
) -> FixedPointCensus:
    """Fixed points reached from every pattern and from one noisy copy of each, by kind.

    Parameters
    ----------
    memories : array-like of shape (n_patterns, n_features)
        The stored patterns.
    betas : array-like of shape (n_betas,)
        Inverse temperatures.
    similarity : {"dot", "euclidean"}, default="dot"
        The score of a pattern.
    noise : float, default=0.3
        Norm of the perturbation of the noisy starts, as a fraction of ``M``.
    max_iter : int, default=2000
        Updates at most (:func:`~ebm_memory.dynamics.retrieve_softmax`).
    tol : float, default=1e-9
        Convergence tolerance (:func:`~ebm_memory.dynamics.retrieve_softmax`).
    random_state : int, RandomState instance or None, default=0
        Seeds the perturbations, the same at every ``beta`` (an int is the seed itself;
        ``seed`` is its former name).
    verbose : int, default=0
        Above 0, a tqdm bar over ``betas`` (``progress_bar`` is its former name).

    Returns
    -------
    census : FixedPointCensus
        Fractions and distinct counts of each kind against ``beta``.

    See Also
    --------
    ebm_memory.analysis.classify_fixed_points : The classification of each state.
    ebm_memory.dynamics.retrieve_softmax : The retrieval run from each start.
    ebm_memory.analysis.one_step_errors : Errors of a single update over the same ``betas``.

    Examples
    --------
    >>> from ebm_memory.analysis.one_step import fixed_point_census, random_unit_patterns
    >>> census = fixed_point_census(random_unit_patterns(6, 4), [0.01, 100.0])
    >>> census.fractions.round(2).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    memories = np.asarray(memories, dtype=np.float64)
    check_integer("number of memories", len(memories), minimum=2)
    check_positive("noise", noise, allow_zero=True)
    betas = np.asarray(betas, dtype=np.float64)
    max_norm = float(np.linalg.norm(memories, axis=1).max())
    kicks = np.random.default_rng(as_seed(random_state)).normal(size=memories.shape)
    kicks *= noise * max_norm / np.linalg.norm(kicks, axis=1, keepdims=True)
    starts = np.concatenate([memories, memories + kicks])
    rows = [
        _census_at(starts, memories, beta, similarity, max_iter, tol, max_norm)
        for beta in tqdm(betas, "beta", disable=not verbose)
    ]
    fractions, distinct, median_n_eff, not_converged = zip(*rows, strict=True)
    return FixedPointCensus(
        betas=betas,
        fractions=np.asarray(fractions),
        distinct=np.asarray(distinct, dtype=np.int64),
        median_n_eff=np.asarray(median_n_eff),
        not_converged=np.asarray(not_converged),
    )
