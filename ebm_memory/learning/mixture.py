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
1977). The memories start at K distinct data rows chosen by k-means++ seeding (Arthur &
Vassilvitskii 2007): the first uniformly, each next with probability proportional to its
squared distance to the nearest chosen row.

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

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

from ebm_memory._numerics import scaled_logsumexp, scaled_softmax
from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.energies.effective import SIMILARITIES, attention_scores
from ebm_memory.energies.streaming import chunk_memories

__all__ = [
    "LearnedMemories",
    "dot_m_step",
    "em_step",
    "fit_gaussian_memories",
    "iterate_objective",
    "kmeans_plus_plus",
    "mean_log_likelihood",
]


class LearnedMemories(NamedTuple):
    """Result of a learning run.

    Attributes
    ----------
    memories : (K, D) learned memories, after ``n_iter`` updates
    n_iter : number of updates applied
    converged : whether the objective settled before ``max_iter`` updates
    objective : (max_iter,) objective at the memories before each update (entry 0 at the
        initial memories), NaN after stopping
    """

    memories: Float[Array, "K D"]
    n_iter: Int[Array, ""] | int
    converged: Bool[Array, ""] | bool
    objective: Float[Array, " T"]


def iterate_objective(
    step: Callable,
    state,
    *,
    max_iter: int,
    settled: Callable[[Array, Array], Array],
):
    """Run ``value, state = step(state)`` in a ``lax.while_loop`` and trace the values.

    Stops after the first update whose preceding ``value`` satisfies
    ``settled(previous_value, value)``, or after ``max_iter`` updates.

    Returns
    -------
    state, n_iter, converged, trace
        The state after the last update, the number of updates, whether ``settled`` stopped
        the loop, and the ``(max_iter,)`` values (NaN after stopping).
    """

    def body(carry):
        state, k, trace, previous, _ = carry
        value, state = step(state)
        done = (k > 0) & settled(previous, value)
        return state, k + 1, trace.at[k].set(value), value, done

    nan = jnp.full((), jnp.nan, jax.eval_shape(step, state)[0].dtype)
    start = (state, jnp.zeros((), jnp.int32), jnp.full(max_iter, nan), nan, jnp.array(False))
    state, n_iter, trace, _, done = jax.lax.while_loop(
        lambda carry: ~carry[4] & (carry[1] < max_iter), body, start
    )
    return state, n_iter, done, trace


def kmeans_plus_plus(X: Float[Array, "N D"], n_memories: int, key) -> Float[Array, "K D"]:
    """k-means++ seeding: ``n_memories`` data rows, each drawn with probability proportional
    to its squared distance to the rows already drawn (the first uniformly).

    Rows are distinct unless ``X`` has fewer than ``n_memories`` distinct rows, in which case
    the remainder are drawn uniformly from the rows not yet taken.
    """
    keys = jax.random.split(key, n_memories)
    n_samples = X.shape[0]
    first = jax.random.randint(keys[0], (), 0, n_samples)
    chosen = jnp.zeros(n_memories, first.dtype).at[0].set(first)
    taken = jnp.zeros(n_samples, bool).at[first].set(True)
    distances = jnp.sum((X - X[first]) ** 2, axis=1)

    def draw(k, carry):
        chosen, taken, distances = carry
        weights = jnp.where(jnp.sum(distances) > 0, distances, (~taken).astype(X.dtype))
        index = jax.random.choice(keys[k], n_samples, p=weights / jnp.sum(weights))
        distances = jnp.minimum(distances, jnp.sum((X - X[index]) ** 2, axis=1))
        return chosen.at[k].set(index.astype(chosen.dtype)), taken.at[index].set(True), distances

    chosen, _, _ = jax.lax.fori_loop(1, n_memories, draw, (chosen, taken, distances))
    return X[chosen]


class _Statistics(NamedTuple):
    log_likelihood: Float[Array, ""]  # mean over the data
    mass: Float[Array, " K"]  # R_mu = sum_n r
    moment: Float[Array, "K D"]  # S_mu = sum_n r x_n


def _log_partition(memories, beta, similarity):
    dimension = memories.shape[1]
    gaussian = 0.5 * dimension * jnp.log(2 * jnp.pi / beta)
    if similarity == "dot":
        return scaled_logsumexp(0.5 * jnp.sum(memories**2, axis=1), beta) + gaussian
    return jnp.log(memories.shape[0]) + gaussian


def _e_step(X, memories, beta, similarity, chunk_size) -> _Statistics:
    """Mean log-likelihood, masses and first moments, streamed over chunks of data rows."""
    chunks = chunk_memories(X, chunk_size)

    def chunk_sums(rows, valid):
        def one(x):
            scores = attention_scores(x, memories, similarity)
            return scaled_logsumexp(scores, beta), scaled_softmax(scores, beta)

        log_norms, responsibilities = jax.vmap(one)(rows)
        weight = valid.astype(rows.dtype)
        responsibilities = responsibilities * weight[:, None]
        log_densities = log_norms - 0.5 * beta * jnp.sum(rows**2, axis=1)
        return (
            jnp.sum(weight * log_densities),
            jnp.sum(responsibilities, axis=0),
            responsibilities.T @ rows,
        )

    def body(total, chunk):
        return jax.tree.map(jnp.add, total, chunk_sums(*chunk)), None

    first = chunk_sums(chunks.patterns[0], chunks.valid[0])
    rest = (chunks.patterns[1:], chunks.valid[1:])
    (total, mass, moment), _ = jax.lax.scan(body, first, rest)
    mean = total / X.shape[0] - _log_partition(memories, beta, similarity)
    return _Statistics(mean, mass, moment)


def _empty(mass, n_samples):
    return mass <= n_samples * jnp.finfo(mass.dtype).eps


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
    frozen = _empty(mass, n_samples)
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
    empty = _empty(mass, n_samples)
    means = moment / jnp.where(empty, 1.0, mass)[:, None]
    return jnp.where(empty[:, None], memories, means)


@functools.partial(jax.jit, static_argnames=("similarity", "chunk_size"))
def mean_log_likelihood(
    X: Float[Array, "N D"],
    memories: Float[Array, "K D"],
    beta,
    similarity: str = "euclidean",
    chunk_size: int | None = None,
) -> Float[Array, ""]:
    """Mean of ``log p(x_n) = -beta E(x_n) - log Z`` over the rows of ``X`` (unchecked)."""
    return _e_step(X, memories, beta, similarity, chunk_size).log_likelihood


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
    statistics = _e_step(X, memories, beta, similarity, chunk_size)
    return _m_step(memories, statistics, X.shape[0], beta, similarity), statistics.log_likelihood


@functools.partial(jax.jit, static_argnames=("n_memories", "similarity", "max_iter", "chunk_size"))
def _fit(X, key, beta, tol, n_memories, similarity, max_iter, chunk_size):
    def step(memories):
        new, log_likelihood = em_step(X, memories, beta, similarity, chunk_size)
        return log_likelihood, new

    def settled(previous, value):
        return value - previous < tol * (1 + jnp.abs(value))

    memories = kmeans_plus_plus(X, n_memories, key)
    memories, n_iter, converged, trace = iterate_objective(
        step, memories, max_iter=max_iter, settled=settled
    )
    return LearnedMemories(memories, n_iter, converged, trace)


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
    X : (N, D) data.
    n_memories : K <= N.
    beta : inverse temperature; the mixture components have covariance ``I / beta``.
    similarity : ``"euclidean"`` (equal weights) or ``"dot"`` (weights
        ``∝ exp(beta |xi|^2 / 2)``).
    key : PRNG key for the k-means++ initialisation.
    max_iter : maximum number of EM iterations.
    tol : stop once an iteration raises the mean log-likelihood ``l`` by less than
        ``tol * (1 + |l|)``.
    chunk_size : stream the E-step over chunks of this many data rows (None: all at once).

    Returns
    -------
    LearnedMemories
        ``objective`` is the mean log-likelihood before each iteration (non-decreasing);
        the returned memories, one M-step further, score at least its last value.

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
    return _fit(X, key, beta, tol, n_memories, similarity, max_iter, chunk_size)
