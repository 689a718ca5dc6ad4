"""Maximum-likelihood memories of Model B by expectation-maximisation (EM).

With the Model B energy ``E(v) = |v|^2 / 2 - logsumexp(beta (xi v + b)) / beta`` the density
``exp(-beta E) / Z`` is a mixture of K Gaussians with covariance ``I / beta`` centred on the
memories ``xi_mu``, so learning the memories from data ``X`` (N, D) by maximum likelihood is
fitting a constrained Gaussian mixture. Both E-steps compute the responsibilities
``r_{n mu} = softmax_mu(beta (xi_mu . x_n + b_mu))`` (the retrieval attention weights), the
masses ``R_mu = sum_n r_{n mu}`` and the first moments ``S_mu = sum_n r_{n mu} x_n``.

- ``similarity="euclidean"`` (``b_mu = -|xi_mu|^2 / 2``): equal weights ``1 / K``;
  ``log Z = log K + D/2 log(2 pi / beta)``. M-step ``xi_mu = S_mu / R_mu``: the fixed points
  are exactly those of the ClAM / mean-shift update.
- ``similarity="dot"`` (``b = 0``): weights ``pi_mu ∝ exp(beta |xi_mu|^2 / 2)`` tied to the
  means; ``log Z = logsumexp(beta |xi|^2 / 2) + D/2 log(2 pi / beta)``. The expected
  complete-data log-likelihood is, up to a constant,
  ``Q(xi) = beta sum_mu xi_mu . S_mu - N logsumexp_mu(beta |xi_mu|^2 / 2)``: linear minus
  strictly convex, so it has one maximiser, the solution of ``xi_mu = S_mu / (N pi_mu(xi))``.
  Writing ``p_mu = pi_mu(xi)`` there and ``lam = -logsumexp(beta |xi|^2 / 2)``, each ``p_mu``
  solves ``log p - b_mu / (2 p^2) = lam`` with ``b_mu = beta |S_mu / N|^2`` (increasing in
  ``p``), and ``lam`` is the one root of the convex increasing ``sum_mu p_mu(lam) = 1``:
  Newton's method from the right converges to it monotonically. See :func:`dot_m_step`.

Both M-steps maximise ``Q`` exactly (with empty components, ``R_mu <= N eps``, kept in
place), so every EM iteration leaves the log-likelihood no lower (Dempster, Laird & Rubin
1977). The memories start at K data rows chosen by scikit-learn's k-means++ seeding (Arthur
& Vassilvitskii 2007); the iterations run on :mod:`ebm_memory.learning.em`.

Examples
--------
>>> import jax
>>> import numpy as np
>>> from ebm_memory.learning import fit_gaussian_memories
>>> rng = np.random.default_rng(0)
>>> centres = np.array([[0.0, 0.0], [4.0, 0.0]])
>>> X = np.repeat(centres, 200, axis=0) + rng.normal(size=(400, 2))
>>> fit = fit_gaussian_memories(X, 2, beta=1.0, key=jax.random.key(0))
>>> bool(fit.converged), sorted(round(float(x)) for x in fit.memories[:, 0])
(True, [0, 4])
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from ebm_memory._numerics import scaled_logsumexp
from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.energies.effective import SIMILARITIES, attention_scores
from ebm_memory.learning.em import (
    e_step,
    empty_components,
    iterate_objective,
    kmeans_plusplus_seeds,
    mean_m_step,
)

__all__ = [
    "LearnedMemories",
    "dot_m_step",
    "em_step",
    "fit_gaussian_memories",
    "mean_log_likelihood",
]


class LearnedMemories(NamedTuple):
    """Result of a learning run.

    Parameters
    ----------
    memories : array of shape (K, D)
        The learned memories, after ``n_iter`` updates.
    n_iter : int
        The number of updates applied.
    converged : bool
        Whether the objective settled before ``max_iter`` updates.
    objective : array of shape (max_iter,)
        The objective at the memories before each update (entry 0 at the initial memories),
        NaN after stopping.

    See Also
    --------
    ebm_memory.learning.fit_gaussian_memories : Returns it.
    ebm_memory.learning.fit_spherical_memories : Returns it.
    ebm_memory.learning.Minimised.as_learned : Converts an optimiser result to it.

    Examples
    --------
    >>> import numpy as np
    >>> fit = LearnedMemories(np.zeros((2, 3)), 1, True, np.array([0.5]))
    >>> fit.memories.shape, fit.n_iter
    ((2, 3), 1)
    """

    memories: Float[Array, "K D"]
    n_iter: Int[Array, ""] | int
    converged: Bool[Array, ""] | bool
    objective: Float[Array, " T"]


def _log_partition(memories, beta, similarity):
    dimension = memories.shape[1]
    gaussian = 0.5 * dimension * jnp.log(2 * jnp.pi / beta)
    if similarity == "dot":
        return scaled_logsumexp(0.5 * jnp.sum(memories**2, axis=1), beta) + gaussian
    return jnp.log(memories.shape[0]) + gaussian


def _statistics(X, memories, beta, similarity, chunk_size):
    """The E-step sums and the mean log-likelihood of ``memories``."""
    statistics = e_step(
        lambda x: attention_scores(x, memories, similarity),
        X,
        jnp.ones(X.shape[0], X.dtype),
        beta,
        chunk_size,
    )
    squares = 0.5 * beta * jnp.sum(X**2)
    mean = (statistics.log_evidence - squares) / X.shape[0]
    return statistics, mean - _log_partition(memories, beta, similarity)


def _solve_log_lambert(y, n_steps: int = 32):
    """``s`` with ``s + exp(s) = y`` (so ``exp(s) = W(exp(y))``), by Newton's method.

    The start (``log y`` for ``y > 1``, else ``y``) lies right of the root of this convex
    increasing function, so the iterates decrease monotonically, converging quadratically.
    """
    s = jnp.where(y > 1, jnp.log(jnp.maximum(y, 1)), y)
    return jax.lax.fori_loop(
        0, n_steps, lambda _, s: s - (s + jnp.exp(s) - y) / (1 + jnp.exp(s)), s
    )


def dot_m_step(
    memories: Float[Array, "K D"],
    mass: Float[Array, " K"],
    moment: Float[Array, "K D"],
    n_samples,
    beta,
    max_newton: int = 100,
) -> Float[Array, "K D"]:
    """Exact M-step of the dot-similarity mixture: ``argmax_xi Q(xi)`` (see module docs).

    Parameters
    ----------
    memories : (K, D) current memories; empty components (``mass <= N eps``) keep theirs.
    mass, moment : (K,), (K, D) E-step sums ``R`` and ``S``.
    n_samples : N.
    beta : inverse temperature.
    max_newton : cap on the Newton iterations for ``lam``.

    Returns
    -------
    (K, D) maximiser ``xi_mu = S_mu / (N p_mu)``. A free component's ``log p`` is
    ``(log b - s) / 2`` with ``s + exp(s) = log b - 2 lam``; an empty component's is
    ``beta |xi_mu|^2 / 2 + lam``.
    """
    tiny = jnp.finfo(moment.dtype).tiny
    mean = moment / n_samples
    log_b = jnp.log(jnp.maximum(beta * jnp.sum(mean**2, axis=1), tiny))
    frozen = empty_components(mass, n_samples)
    fixed_log_p = 0.5 * beta * jnp.sum(memories**2, axis=1)

    def log_weights(lam):
        s = _solve_log_lambert(log_b - 2 * lam)
        log_p = jnp.where(frozen, fixed_log_p + lam, 0.5 * (log_b - s))
        return log_p, jnp.where(frozen, 1.0, 1 / (1 + jnp.exp(s)))  # d log p / d lam

    def newton(carry):
        lam, _, k = carry
        log_p, slope = log_weights(lam)
        weights = jnp.exp(log_p)
        step = (jnp.sum(weights) - 1) / jnp.sum(weights * slope)
        return lam - step, step, k + 1

    def unsettled(carry):
        lam, step, k = carry
        return (jnp.abs(step) > 4 * jnp.finfo(lam.dtype).eps * (1 + jnp.abs(lam))) & (
            k < max_newton
        )

    # Each p_mu equals 1 at lam = -b_mu / 2 (free) or -beta |xi_mu|^2 / 2 (empty); at the
    # smallest of these sum p >= 1, the right of the root.
    start = jnp.min(jnp.where(frozen, -fixed_log_p, -0.5 * jnp.exp(log_b)))
    lam, _, _ = jax.lax.while_loop(
        unsettled, newton, (start, jnp.full((), jnp.inf, start.dtype), 0)
    )
    log_p, _ = log_weights(lam)
    return jnp.where(frozen[:, None], memories, mean * jnp.exp(-log_p)[:, None])


def _m_step(memories, statistics, n_samples, beta, similarity):
    mass, moment = statistics.mass, statistics.moment
    if similarity == "dot":
        return dot_m_step(memories, mass, moment, n_samples, beta)
    return mean_m_step(memories, mass, moment, n_samples)


@functools.partial(jax.jit, static_argnames=("similarity", "chunk_size"))
def mean_log_likelihood(
    X: Float[Array, "N D"],
    memories: Float[Array, "K D"],
    beta,
    similarity: str = "euclidean",
    chunk_size: int | None = None,
) -> Float[Array, ""]:
    """Mean of ``log p(x_n) = -beta E(x_n) - log Z`` over the rows of ``X`` (unchecked)."""
    return _statistics(X, memories, beta, similarity, chunk_size)[1]


@functools.partial(jax.jit, static_argnames=("similarity", "chunk_size"))
def em_step(
    X: Float[Array, "N D"],
    memories: Float[Array, "K D"],
    beta,
    similarity: str = "euclidean",
    chunk_size: int | None = None,
) -> tuple[Float[Array, "K D"], Float[Array, ""]]:
    """One EM iteration (unchecked): the updated memories and the mean log-likelihood of the
    memories given."""
    value, new = _GaussianStep(similarity, chunk_size)(memories, (X, beta))
    return new, value


@dataclasses.dataclass(frozen=True)
class _GaussianStep:
    """One EM iteration of Model B: ``(mean log-likelihood, updated memories)``."""

    similarity: str
    chunk_size: int | None

    def __call__(self, memories, data):
        X, beta = data
        statistics, value = _statistics(X, memories, beta, self.similarity, self.chunk_size)
        return value, _m_step(memories, statistics, X.shape[0], beta, self.similarity)


def fit_gaussian_memories(
    X,
    n_memories: int,
    beta: float,
    *,
    similarity: str = "euclidean",
    key,
    max_iter: int = 200,
    tol: float = 1e-6,
    chunk_size: int | None = None,
) -> LearnedMemories:
    """Maximum-likelihood Model B memories by EM (module docs give the updates).

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data.
    n_memories : int
        K, at most N.
    beta : float
        Inverse temperature; the mixture components have covariance ``I / beta``.
    similarity : {"euclidean", "dot"}, default="euclidean"
        ``"euclidean"``: equal weights; ``"dot"``: weights ``∝ exp(beta |xi|^2 / 2)``.
    key : PRNG key
        PRNG key for the k-means++ initialisation.
    max_iter : int, default=200
        Maximum number of EM iterations.
    tol : float, default=1e-6
        Stop once an iteration raises the mean log-likelihood ``l`` by less than
        ``tol * (1 + |l|)``.
    chunk_size : int, optional
        Stream the E-step over chunks of this many data rows (None: all at once).

    Returns
    -------
    LearnedMemories
        Memories of shape (K, D); ``objective`` of shape (max_iter,) is the mean
        log-likelihood before each iteration (non-decreasing); the returned memories, one
        M-step further, score at least its last value.

    See Also
    --------
    ebm_memory.learning.fit_softmax_backprop : Model B memories trained for retrieval.
    ebm_memory.learning.fit_spherical_memories : EM on the sphere.
    ebm_memory.density.gaussian.responsibilities : The E-step's posterior over memories.
    ebm_memory.DenseAssociativeMemory : ``learning_rule="em"`` runs it.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(50, 3))
    >>> fit = fit_gaussian_memories(X, 4, 2.0, similarity="dot", key=jax.random.key(0))
    >>> fit.memories.shape
    (4, 3)
    """
    X = as_float_array("X", X, ndim=(2,))
    n_memories = check_integer("n_memories", n_memories, minimum=1)
    if n_memories > X.shape[0]:
        raise ValueError(f"n_memories ({n_memories}) exceeds the number of samples ({X.shape[0]}).")
    check_positive("beta", beta)
    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    check_positive("tol", tol, allow_zero=True)
    if chunk_size is not None:
        chunk_size = check_integer("chunk_size", chunk_size, minimum=1)
    memories = kmeans_plusplus_seeds(X, n_memories, key)
    data = (X, jnp.asarray(beta, X.dtype))
    fit = iterate_objective(
        _GaussianStep(similarity, chunk_size), memories, data, max_iter=max_iter, tol=tol
    )
    return LearnedMemories(*fit)
