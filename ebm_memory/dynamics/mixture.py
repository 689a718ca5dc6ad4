"""Retrieval with the mixture dynamics: ClAM in the data space, ELBO in the assignment space.

Both iterate the single-state steps of :mod:`ebm_memory.energies.mixture` to a fixed point with
:func:`~ebm_memory.dynamics.loops.iterate` and are batched with ``vmap`` over the queries.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.dynamics.mixture import clam_retrieve
>>> from ebm_memory.energies.mixture import MixtureParams
>>> params = MixtureParams(jnp.array([[0.0, 0.0], [6.0, 0.0]]), jnp.log(jnp.array([0.5, 0.5])),
...                        jnp.array(2.0))
>>> result = clam_retrieve(jnp.array([[1.0, 0.5], [5.0, -1.0]]), params)
>>> jnp.round(result.states, 3).tolist(), result.converged.tolist()
([[0.0, 0.0], [6.0, 0.0]], [True, True])
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory.dynamics.loops import Retrieval, iterate
from ebm_memory.energies.mixture import (
    MixtureParams,
    clam_energy,
    clam_step,
    elbo_energy,
    elbo_step,
    log_joint,
)

__all__ = ["clam_retrieve", "elbo_retrieve"]


@functools.partial(jax.jit, static_argnames=("similarity", "max_iter", "record_energy"))
def clam_retrieve(
    states: Float[Array, "B D"],
    params: MixtureParams,
    similarity: str = "euclidean",
    *,
    step_size=1.0,
    max_iter: int = 100,
    tol=1e-6,
    record_energy: bool = False,
) -> Retrieval:
    """Run ClAM descent ``v <- (1 - eta) v + eta sum_k p(k | v) mu_k`` from each row.

    Parameters
    ----------
    states : (B, D) starting states (the queries).
    params : the mixture's memories, log weights and beta.
    similarity : "euclidean" or "cosine" (states are then kept on the unit sphere).
    step_size : eta in (0, 1].
    max_iter, tol : stop once an update moves a state by at most ``tol`` (relative).
    record_energy : also return the energy after every update.

    Returns
    -------
    Retrieval
        Fixed points ``v* = m(v*)``: modes (or saddles) of the mixture density.
    """

    def one(v):
        return iterate(
            lambda state: clam_step(state, params, similarity, step_size),
            lambda state: clam_energy(state, params, similarity),
            v,
            max_iter=max_iter,
            tol=tol,
            record_energy=record_energy,
        )

    return jax.vmap(one)(states)


@functools.partial(jax.jit, static_argnames=("similarity", "max_iter", "record_energy"))
def elbo_retrieve(
    X: Float[Array, "B D"],
    params: MixtureParams,
    log_normaliser,
    similarity: str = "euclidean",
    *,
    logits: Float[Array, "B K"] | None = None,
    step_size=1.0,
    max_iter: int = 100,
    tol=1e-6,
    record_energy: bool = False,
) -> Retrieval:
    """Run ELBO descent on the assignment logits of each row of ``X``.

    Parameters
    ----------
    X : (B, D) data rows (fixed; the state is their assignment).
    params : the mixture.
    log_normaliser : the components' log normaliser (enters ``log p(x, z)``).
    similarity : "euclidean" or "cosine".
    logits : (B, K) starting logits; None starts from the uniform assignment.
    step_size, max_iter, tol, record_energy : as :func:`clam_retrieve`.

    Returns
    -------
    Retrieval
        ``states`` are the final logits (centred so their largest entry is 0); their softmax
        is the posterior ``p(z | x)`` at the fixed point, where the energy is ``-log p(x)``.
    """
    if logits is None:
        logits = jnp.zeros((X.shape[0], params.memories.shape[0]), params.memories.dtype)

    def one(x, start):
        joint = log_joint(x, params, similarity, log_normaliser)
        return iterate(
            lambda state: elbo_step(state, joint, step_size),
            lambda state: elbo_energy(state, joint),
            start,
            max_iter=max_iter,
            tol=tol,
            record_energy=record_energy,
        )

    return jax.vmap(one)(X, logits)
