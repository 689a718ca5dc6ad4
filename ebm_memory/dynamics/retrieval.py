"""Batched retrieval drivers: validate once, ``vmap`` the single-state dynamics, jit once.

Each driver accepts one state (D,) or a batch (B, D) and returns a
:class:`~ebm_memory.dynamics.loops.Retrieval` with the same leading shape. ``mask`` marks
known entries (True) that stay clamped to their initial values during the dynamics (pattern
completion). ``chunk_size`` streams the memories so that memory use is O(batch x chunk);
``memory_sharding`` (see :func:`ebm_memory.energies.streaming.memory_sharding`) splits them
across devices.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.dynamics import retrieve_softmax
>>> rng = np.random.default_rng(0)
>>> memories = rng.choice([-1.0, 1.0], size=(20, 64))
>>> noisy = memories[3] * np.where(rng.random(64) < 0.1, -1, 1)
>>> result = retrieve_softmax(noisy, memories, beta=1.0)
>>> bool(np.array_equal(np.sign(result.states), memories[3]))
True
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from ebm_memory._validation import (
    as_float_array,
    as_mask,
    check_feature_match,
    check_integer,
    check_positive,
)
from ebm_memory.dynamics.binary import (
    asynchronous_sweep,
    decide_unknown_bits,
    synchronous_step,
)
from ebm_memory.dynamics.continuous import spherical_step
from ebm_memory.dynamics.loops import Retrieval, iterate
from ebm_memory.energies.effective import (
    SIMILARITIES,
    binary_energy,
    softmax_energy,
    softmax_update,
    spherical_energy,
)
from ebm_memory.energies.interactions import Interaction
from ebm_memory.energies.streaming import constrain_memories

__all__ = ["UPDATES", "retrieve_binary", "retrieve_softmax", "retrieve_spherical"]

UPDATES = ("async", "sync")


def _prepare(states, memories, mask, max_iter, chunk_size):
    states = as_float_array("states", states, ndim=(1, 2))
    memories = as_float_array("memories", memories, ndim=(2,))
    check_feature_match("states", states, memories)
    if memories.shape[0] == 0:
        raise ValueError("memories must contain at least one pattern.")
    check_integer("max_iter", max_iter, minimum=1)
    if chunk_size is not None:
        check_integer("chunk_size", chunk_size, minimum=1)
    dtype = jnp.result_type(states, memories)
    states, memories = states.astype(dtype), memories.astype(dtype)
    mask = as_mask(mask, states)
    batch = states.ndim == 2
    if not batch:
        states = states[None]
        mask = None if mask is None else mask[None]
    if mask is None:
        mask = jnp.zeros(states.shape, bool)
    return states, memories, mask, batch


def _unbatch(result: Retrieval, batch: bool) -> Retrieval:
    return result if batch else jax.tree.map(lambda leaf: leaf[0], result)


def _changed_bits(new, old):
    return jnp.sum(new != old).astype(new.dtype)


def _iterate_clamped(step, energy, state, clamped, max_iter, tol, record):
    """Iterate ``step`` with the ``clamped`` entries held at their initial values."""
    return iterate(
        lambda current: jnp.where(clamped, state, step(current)),
        energy,
        state,
        max_iter=max_iter,
        tol=tol,
        record_energy=record,
    )


@functools.partial(
    jax.jit,
    static_argnames=("update", "max_iter", "chunk_size", "record", "sharding"),
)
def _binary_batch(
    states, memories, mask, interaction, update, max_iter, chunk_size, record, sharding
):
    memories = constrain_memories(memories, sharding)

    def one(state, clamped):
        if update == "sync":
            step = functools.partial(
                synchronous_step,
                memories=memories,
                interaction=interaction,
                clamped=clamped,
                chunk_size=chunk_size,
            )
        else:
            step = functools.partial(
                asynchronous_sweep, memories=memories, interaction=interaction, clamped=clamped
            )
        energy = functools.partial(
            binary_energy, memories=memories, interaction=interaction, chunk_size=chunk_size
        )
        start = decide_unknown_bits(state, memories, interaction, chunk_size=chunk_size)
        return iterate(
            step,
            energy,
            start,
            max_iter=max_iter,
            tol=0.0,
            change=_changed_bits,
            record_energy=record,
        )

    return jax.vmap(one)(states, mask)


def retrieve_binary(
    states,
    memories,
    interaction: Interaction,
    *,
    update: str = "async",
    max_iter: int = 100,
    mask=None,
    chunk_size: int | None = None,
    record_energy: bool = False,
    memory_sharding=None,
) -> Retrieval:
    """Model A retrieval of +-1 states.

    Inputs are reduced to their signs; entries equal to 0 count as unknown and are first set
    by :func:`~ebm_memory.dynamics.binary.decide_unknown_bits` from the known ones.

    ``update="async"`` sweeps the bits in order (energy strictly decreases; converges);
    ``"sync"`` updates all bits at once and may end in a 2-cycle (reported as not converged).
    One iteration is one full sweep; convergence means a sweep changed no bit.
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(
            "interaction must be an ebm_memory.energies.interactions.Interaction, "
            f"got {type(interaction).__name__}."
        )
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}.")
    states, memories, mask, batch = _prepare(states, memories, mask, max_iter, chunk_size)
    result = _binary_batch(
        jnp.sign(states),
        memories,
        mask,
        interaction,
        update,
        max_iter,
        chunk_size,
        record_energy,
        memory_sharding,
    )
    return _unbatch(result, batch)


@functools.partial(
    jax.jit, static_argnames=("similarity", "max_iter", "chunk_size", "record", "sharding")
)
def _softmax_batch(
    states, memories, mask, beta, tol, similarity, max_iter, chunk_size, record, sharding
):
    memories = constrain_memories(memories, sharding)

    def one(state, clamped):
        def update(v):
            return softmax_update(v, memories, beta, similarity=similarity, chunk_size=chunk_size)[
                0
            ]

        energy = functools.partial(
            softmax_energy,
            memories=memories,
            beta=beta,
            similarity=similarity,
            chunk_size=chunk_size,
        )
        return _iterate_clamped(update, energy, state, clamped, max_iter, tol, record)

    return jax.vmap(one)(states, mask)


def retrieve_softmax(
    states,
    memories,
    beta: float,
    *,
    similarity: str = "dot",
    max_iter: int = 100,
    tol: float = 1e-6,
    mask=None,
    chunk_size: int | None = None,
    record_energy: bool = False,
    memory_sharding=None,
) -> Retrieval:
    """Model B retrieval by the CCCP / attention update; ``max_iter=1`` is one-step retrieval.

    Converged when an update changes the state by at most ``tol`` relative to
    ``max(1, max|v|)``.
    """
    check_positive("beta", beta)
    check_positive("tol", tol, allow_zero=True)
    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
    states, memories, mask, batch = _prepare(states, memories, mask, max_iter, chunk_size)
    result = _softmax_batch(
        states,
        memories,
        mask,
        beta,
        tol,
        similarity,
        max_iter,
        chunk_size,
        record_energy,
        memory_sharding,
    )
    return _unbatch(result, batch)


@functools.partial(
    jax.jit, static_argnames=("max_iter", "chunk_size", "record", "sharding")
)
def _spherical_batch(
    states, memories, mask, tol, interaction, max_iter, chunk_size, record, sharding
):
    memories = constrain_memories(memories, sharding)

    def one(state, clamped):
        step = functools.partial(
            spherical_step, memories=memories, interaction=interaction, chunk_size=chunk_size
        )
        energy = functools.partial(
            spherical_energy, memories=memories, interaction=interaction, chunk_size=chunk_size
        )
        return _iterate_clamped(step, energy, state, clamped, max_iter, tol, record)

    return jax.vmap(one)(states, mask)


def retrieve_spherical(
    states,
    memories,
    interaction: Interaction,
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    mask=None,
    chunk_size: int | None = None,
    record_energy: bool = False,
    memory_sharding=None,
) -> Retrieval:
    """Model C retrieval on the unit sphere; returned states are unit vectors.

    With a mask the clamped entries keep their input values, so those states are not
    re-normalised and energy descent is no longer guaranteed.
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(f"interaction must be an Interaction, got {type(interaction).__name__}.")
    check_positive("tol", tol, allow_zero=True)
    states, memories, mask, batch = _prepare(states, memories, mask, max_iter, chunk_size)
    if not bool(jnp.all(jnp.any(states != 0, axis=-1))):
        raise ValueError("Model C states must be non-zero: the energy depends on v / |v|.")
    result = _spherical_batch(
        states,
        memories,
        mask,
        tol,
        interaction,
        max_iter,
        chunk_size,
        record_energy,
        memory_sharding,
    )
    return _unbatch(result, batch)
