"""Memories of the spherical model (Model C) by EM on the von Mises-Fisher mixture.

With equal weights and a fixed concentration ``beta`` the E-step responsibilities are the
attention weights ``softmax(beta xi . x)`` and the M-step mean direction of component ``mu`` is
``normalise(sum_n r_{n mu} x_n)``: clustering on the hypersphere. Each step cannot lower the
log-likelihood (it is exact EM).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._numerics import scaled_logsumexp, scaled_softmax
from ebm_memory.dynamics.continuous import normalise

__all__ = ["fit_spherical_memories"]


@functools.partial(jax.jit, static_argnames=("n_memories", "max_iter"))
def _em(units, key, beta, tol, n_memories, max_iter):
    start = jax.random.choice(key, units.shape[0], (n_memories,), replace=False)

    def mean_log_likelihood(memories):
        return jnp.mean(jax.vmap(lambda x: scaled_logsumexp(memories @ x, beta))(units))

    def step(carry):
        memories, _, previous, iteration, _ = carry
        weights = jax.vmap(lambda x: scaled_softmax(memories @ x, beta))(units)
        pulled = weights.T @ units
        empty = jnp.linalg.norm(pulled, axis=1, keepdims=True) == 0
        memories = jnp.where(empty, memories, jax.vmap(normalise)(pulled))
        value = mean_log_likelihood(memories)
        done = value - previous <= tol * (1 + jnp.abs(value))
        return memories, previous, value, iteration + 1, done

    initial = units[start]
    carry = (initial, -jnp.inf, mean_log_likelihood(initial), 0, False)
    memories, _, value, n_iter, done = jax.lax.while_loop(
        lambda c: (~c[4]) & (c[3] < max_iter), step, carry
    )
    return memories, n_iter, done, value


def fit_spherical_memories(
    units: Float[Array, "N D"], n_memories: int, beta: float, *, key, max_iter=200, tol=1e-6
):
    """EM for the mean directions of an equal-weight vMF mixture with concentration ``beta``.

    ``units`` are unit-norm data rows; initial memories are ``n_memories`` distinct rows
    drawn with ``key``. Returns ``(memories, n_iter, converged, mean_log_likelihood)`` where
    the log-likelihood omits the constant ``log C_D(beta) - log K``.
    """
    return _em(jnp.asarray(units), key, beta, tol, n_memories, max_iter)
