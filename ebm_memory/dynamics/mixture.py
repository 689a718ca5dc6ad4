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
from typing import NamedTuple

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


def _clam_dynamics(x, params, similarity, step_size, log_normaliser):
    del x, log_normaliser
    return (
        lambda state: clam_step(state, params, similarity, step_size),
        lambda state: clam_energy(state, params, similarity),
    )


def _elbo_dynamics(x, params, similarity, step_size, log_normaliser):
    joint = log_joint(x, params, similarity, log_normaliser)
    return (
        lambda state: elbo_step(state, joint, step_size),
        lambda state: elbo_energy(state, joint),
    )


@functools.partial(jax.jit, static_argnames=("dynamics", "similarity", "trace_length"))
def _retrieve(dynamics, similarity, trace_length, arrays):
    """Iterate ``dynamics`` from each start; ``trace_length`` records that many energies.

    ``arrays`` holds the rows, starts, parameters, log normaliser, step size, ``max_iter``
    and ``tol``.
    """
    rows, starts, params, log_normaliser, step_size, max_iter, tol = arrays

    def one(x, start):
        step, energy = dynamics(x, params, similarity, step_size, log_normaliser)
        return iterate(
            step,
            energy,
            start,
            max_iter=max_iter if trace_length is None else trace_length,
            tol=tol,
            record_energy=trace_length is not None,
        )

    return jax.vmap(one)(rows, starts)


class _Settings(NamedTuple):
    step_size: float
    max_iter: int
    tol: float
    record_energy: bool


def _run(dynamics, rows, starts, params, log_normaliser, similarity, settings) -> Retrieval:
    trace_length = settings.max_iter if settings.record_energy else None
    arrays = (rows, starts, params, log_normaliser, *settings[:3])
    return _retrieve(dynamics, similarity, trace_length, arrays)


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
    states : array of shape (B, D)
        Starting states (the queries).
    params : MixtureParams
        The mixture's memories of shape (K, D), log weights of shape (K,) and beta.
    similarity : {"euclidean", "cosine"}, default="euclidean"
        With "cosine" the states are kept on the unit sphere.
    step_size : float, default=1.0
        Eta in (0, 1].
    max_iter : int, default=100
        The most updates per state (traced: a new value does not compile again unless
        ``record_energy``).
    tol : float, default=1e-6
        Stop once an update moves a state by at most ``tol`` (relative).
    record_energy : bool, default=False
        Also return the energy after every update.

    Returns
    -------
    Retrieval
        Fixed points ``v* = m(v*)`` of shape (B, D): modes (or saddles) of the mixture
        density.

    See Also
    --------
    ebm_memory.dynamics.elbo_retrieve : Descent on the assignments instead of the state.
    ebm_memory.energies.mixture.clam_energy : The ClAM energy each step lowers.
    ebm_memory.AssociativeClustering : The estimator that runs it (``dynamics="clam"``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies.mixture import MixtureParams
    >>> params = MixtureParams(jnp.array([[0.0, 0.0], [6.0, 0.0]]),
    ...                        jnp.log(jnp.array([0.5, 0.5])), jnp.array(2.0))
    >>> result = clam_retrieve(jnp.array([[1.0, 0.5], [5.0, -1.0]]), params)
    >>> jnp.round(result.states, 3).tolist()
    [[0.0, 0.0], [6.0, 0.0]]
    """
    settings = _Settings(step_size, max_iter, tol, record_energy)
    return _run(_clam_dynamics, states, states, params, 0.0, similarity, settings)


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
    X : array of shape (B, D)
        Data rows (fixed; the state is their assignment).
    params : MixtureParams
        The mixture, as for :func:`clam_retrieve`.
    log_normaliser : float
        The components' log normaliser (enters ``log p(x, z)``).
    similarity : {"euclidean", "cosine"}, default="euclidean"
        The mixture's similarity.
    logits : array of shape (B, K), optional
        Starting logits; None starts from the uniform assignment.
    step_size, max_iter, tol, record_energy
        As for :func:`clam_retrieve`, the state being the logits.

    Returns
    -------
    Retrieval
        ``states`` of shape (B, K) are the final logits (centred so their largest entry is
        0); their softmax is the posterior ``p(z | x)`` at the fixed point, where the energy
        is ``-log p(x)``.

    See Also
    --------
    ebm_memory.dynamics.clam_retrieve : Descent on the state instead of the assignments.
    ebm_memory.energies.mixture.elbo_energy : The ELBO energy each step lowers.
    ebm_memory.AssociativeClustering : The estimator that runs it (``dynamics="elbo"``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies.mixture import MixtureParams
    >>> params = MixtureParams(4 * jnp.eye(2), jnp.full(2, -jnp.log(2.0)), jnp.array(1.0))
    >>> result = elbo_retrieve(jnp.array([[3.5, 0.5]]), params, 0.0)
    >>> jnp.argmax(result.states, axis=1).tolist()
    [0]
    """
    if logits is None:
        logits = jnp.zeros((X.shape[0], params.memories.shape[0]), params.memories.dtype)
    settings = _Settings(step_size, max_iter, tol, record_energy)
    return _run(_elbo_dynamics, X, logits, params, log_normaliser, similarity, settings)
