"""One-step retrieval and the three kinds of fixed points of modern Hopfield networks.

Ramsauer et al., "Hopfield Networks is All You Need" (ICLR 2021), for Model B's update
``f(xi) = X^T softmax(beta X xi)``:

- the one-step error ``||f(xi) - x_i||`` is at most ``2 (N - 1) M exp(-beta (Delta_i -
  2 ||xi - x_i|| M))`` (Lemma A4, Theorem 5), and a pattern whose separation ``Delta_i``
  exceeds ``2 / (beta N) + ln(2 (N - 1) N beta M^2) / beta`` is a stored fixed point reached
  in one update from the sphere of radius ``1 / (beta N M)`` around it (Lemmas A5-A7,
  Theorem 4); see :mod:`ebm_memory.dynamics.diagnostics`.
- the fixed points are of three kinds: a global average of all patterns (small ``beta``),
  metastable averages of subsets of similar patterns, and single patterns (large ``beta``).

:func:`one_step_errors` measures the one-step error against ``beta Delta_i`` from each
pattern (``xi = x_i``) and from a point on the surface of its sphere;
:func:`~ebm_memory.analysis.fixed_points.fixed_point_census` runs retrieval to convergence
from the patterns and noisy copies and classifies each fixed point by the effective number
of patterns it attends to, ``n_eff = exp(entropy(softmax(beta X x*)))``: a single pattern
when ``n_eff < 1.5``, the global average when ``n_eff >= N / 2``, metastable in between.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.one_step import one_step_errors, random_unit_patterns
>>> result = one_step_errors(random_unit_patterns(32, 16), [1.0, 100.0])
>>> result.exact_error.shape, bool(result.exact_error[1].max() < 1e-3)
((2, 32), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ebm_memory._random import float64
from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.analysis.fixed_points import (
    KINDS,
    FixedPointCensus,
    FixedPointKinds,
    classify_fixed_points,
    fixed_point_census,
)
from ebm_memory.dynamics.diagnostics import retrieval_error_bound, theorem_beta
from ebm_memory.dynamics.retrieval import retrieve_softmax
from ebm_memory.dynamics.separation import pattern_separation

__all__ = [
    "KINDS",
    "QUERIES",
    "FixedPointCensus",
    "FixedPointKinds",
    "OneStepErrors",
    "classify_fixed_points",
    "digit_patterns",
    "fixed_point_census",
    "one_step_errors",
    "random_unit_patterns",
]

QUERIES = ("exact", "sphere")
"""The queries of :func:`one_step_errors`: at the pattern, and on the edge of its sphere."""


@renamed_parameters(seed="random_state")
def random_unit_patterns(n_patterns: int, n_features: int = 64, random_state=0) -> np.ndarray:
    """Gaussian patterns scaled to unit norm.

    Parameters
    ----------
    n_patterns : int
        Number of patterns.
    n_features : int, default=64
        Their dimension.
    random_state : int, RandomState instance or None, default=0
        Seeds the draw (an int is the seed itself; ``seed`` is its former name).

    Returns
    -------
    patterns : ndarray of shape (n_patterns, n_features)
        Unit-norm rows.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.one_step import random_unit_patterns
    >>> patterns = random_unit_patterns(5, 3)
    >>> patterns.shape, np.linalg.norm(patterns, axis=1).round(6).tolist()
    ((5, 3), [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    rng = np.random.default_rng(as_seed(random_state))
    patterns = rng.normal(size=(n_patterns, n_features))
    return patterns / np.linalg.norm(patterns, axis=1, keepdims=True)


@renamed_parameters(seed="random_state")
def digit_patterns(n_patterns: int | None = None, random_state=0) -> np.ndarray:
    """scikit-learn's 8x8 digits, centred on the mean digit and scaled to unit norm.

    Parameters
    ----------
    n_patterns : int or None, default=None
        A random subset of that many rows (in their original order); all 1,797 when None.
    random_state : int, RandomState instance or None, default=0
        Seeds the subset (an int is the seed itself; ``seed`` is its former name).

    Returns
    -------
    patterns : ndarray of shape (n_patterns, 64)
        Unit-norm rows.

    Examples
    --------
    >>> from ebm_memory.analysis.one_step import digit_patterns
    >>> digit_patterns(10).shape
    (10, 64)
    """
    from sklearn.datasets import load_digits

    digits = load_digits().data
    patterns = digits - digits.mean(axis=0)
    patterns /= np.linalg.norm(patterns, axis=1, keepdims=True)
    if n_patterns is None:
        return patterns
    n_patterns = check_integer("n_patterns", n_patterns, minimum=2)
    rows = np.random.default_rng(as_seed(random_state)).permutation(len(patterns))[:n_patterns]
    return patterns[np.sort(rows)]


@dataclass(frozen=True)
class OneStepErrors:
    """One update from each pattern and from the edge of its sphere, over ``beta``.

    Parameters
    ----------
    betas : ndarray of shape (n_betas,)
        The inverse temperatures.
    separation : ndarray of shape (n_patterns,)
        Each pattern's separation ``Delta_i``.
    pattern_beta : ndarray of shape (n_patterns,)
        The ``beta`` from which each pattern meets the theorem's condition.
    beta_delta : ndarray of shape (n_betas, n_patterns)
        ``beta Delta_i``.
    beyond : ndarray of shape (n_betas, n_patterns)
        ``beta >= pattern_beta``.
    exact_error, exact_bound : ndarray of shape (n_betas, n_patterns)
        Measured one-step error from ``xi = x_i``, and the theorem's bound.
    sphere_error, sphere_bound : ndarray of shape (n_betas, n_patterns)
        The same from ``||xi - x_i|| = 1 / (beta N M)``, the edge of the theorem's sphere.
    max_norm : float
        ``M``, the largest pattern norm.
    n_patterns : int
        ``N``.

    Examples
    --------
    >>> from ebm_memory.analysis.one_step import one_step_errors, random_unit_patterns
    >>> result = one_step_errors(random_unit_patterns(8, 4), [1.0])
    >>> result.sphere_error.shape, result.n_patterns
    ((1, 8), 8)
    """

    betas: np.ndarray
    separation: np.ndarray
    pattern_beta: np.ndarray
    beta_delta: np.ndarray
    beyond: np.ndarray
    exact_error: np.ndarray
    exact_bound: np.ndarray
    sphere_error: np.ndarray
    sphere_bound: np.ndarray
    max_norm: float
    n_patterns: int


@float64
def _one_updates(memories, betas, similarity, directions, separation, max_norm):
    """Errors and bounds (B, N) of one update from each query kind of :data:`QUERIES`."""
    n_patterns = len(memories)
    out = {name: [] for name in ("exact_error", "sphere_error", "exact_bound", "sphere_bound")}
    for beta in betas:
        radius = 1.0 / (beta * n_patterns * max_norm)
        for query, distance in (("exact", 0.0), ("sphere", radius)):
            start = memories + distance * directions
            update = retrieve_softmax(start, memories, beta, similarity=similarity, max_iter=1)
            error = np.linalg.norm(np.asarray(update.states) - memories, axis=1)
            bound = retrieval_error_bound(separation, beta, n_patterns, max_norm, distance)
            out[f"{query}_error"].append(error)
            out[f"{query}_bound"].append(bound)
    return {name: np.stack(values) for name, values in out.items()}


@renamed_parameters(seed="random_state")
def one_step_errors(memories, betas, *, similarity: str = "dot", random_state=0) -> OneStepErrors:
    """One update from each pattern and from the surface of its sphere, over ``betas``.

    Parameters
    ----------
    memories : array-like of shape (n_patterns, n_features)
        The stored patterns, ``n_patterns >= 2``.
    betas : array-like of shape (n_betas,)
        Inverse temperatures.
    similarity : {"dot", "euclidean"}, default="dot"
        The score of a pattern.
    random_state : int, RandomState instance or None, default=0
        Seeds the direction of each pattern's sphere query, the same at every ``beta`` (an
        int is the seed itself; ``seed`` is its former name).

    Returns
    -------
    result : OneStepErrors
        The measured one-step errors beside the theorem's bounds.

    See Also
    --------
    ebm_memory.dynamics.retrieve_softmax : The update applied (``max_iter=1``).
    ebm_memory.dynamics.retrieval_error_bound : The theorem's bound on the one-step error.
    ebm_memory.plotting.plot_one_step : Draws the errors.

    Examples
    --------
    >>> from ebm_memory.analysis.one_step import one_step_errors, random_unit_patterns
    >>> result = one_step_errors(random_unit_patterns(32, 16), [1.0, 100.0])
    >>> bool(result.exact_error[1].max() < 1e-3), bool(result.beyond[1].all())
    (True, True)
    """
    memories = np.asarray(memories, dtype=np.float64)
    n_patterns = check_integer("number of memories", len(memories), minimum=2)
    betas = np.asarray(betas, dtype=np.float64)
    for beta in betas:
        check_positive("beta", beta)
    max_norm = float(np.linalg.norm(memories, axis=1).max())
    separation = pattern_separation(memories, similarity)
    directions = np.random.default_rng(as_seed(random_state)).normal(size=memories.shape)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    errors = _one_updates(memories, betas, similarity, directions, separation, max_norm)
    pattern_beta = theorem_beta(separation, n_patterns, max_norm)
    return OneStepErrors(
        betas=betas,
        separation=separation,
        pattern_beta=pattern_beta,
        beta_delta=betas[:, None] * separation[None, :],
        beyond=betas[:, None] >= pattern_beta[None, :],
        **errors,
        max_norm=max_norm,
        n_patterns=n_patterns,
    )
