"""Reductions over the memory axis, streamed in chunks so memory use is O(chunk), not O(K).

A memory matrix ``xi`` of shape (K, D) is padded and reshaped to (C, S, D) chunks of S rows;
a ``lax.scan`` over the C chunks carries a running sum or a running log-sum-exp. With
``chunk_size=None`` (or K <= chunk_size) there is a single chunk and no loop. Padding rows are
masked so they contribute exactly zero (sum) or ``-inf`` (log-sum-exp).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from jaxtyping import Array, Bool, Float

from ebm_memory._numerics import scaled_logsumexp, scaled_softmax

__all__ = [
    "MemoryChunks",
    "chunk_memories",
    "constrain_memories",
    "memory_sharding",
    "reduce_memories",
    "softmax_expectation",
]


class MemoryChunks(NamedTuple):
    """Memories split into equal chunks; ``valid`` marks real (non-padding) rows."""

    patterns: Float[Array, "C S D"]
    valid: Bool[Array, "C S"]


def chunk_memories(memories: Float[Array, "K D"], chunk_size: int | None) -> MemoryChunks:
    """Pad the K memories to a multiple of ``chunk_size`` and split them into chunks."""
    n_memories = memories.shape[0]
    size = n_memories if chunk_size is None else min(int(chunk_size), n_memories)
    n_chunks = -(-n_memories // size)
    padding = n_chunks * size - n_memories
    patterns = jnp.pad(memories, ((0, padding), (0, 0)))
    valid = jnp.arange(n_chunks * size) < n_memories
    return MemoryChunks(
        patterns.reshape(n_chunks, size, memories.shape[1]), valid.reshape(n_chunks, size)
    )


def _masked(values, valid, fill):
    mask = valid.reshape(valid.shape + (1,) * (values.ndim - 1))
    return jnp.where(mask, values, fill)


def reduce_memories(
    term_fn: Callable[[Float[Array, "S D"]], Float[Array, "S ..."]],
    memories: Float[Array, "K D"],
    *,
    log_scale=None,
    chunk_size: int | None = None,
) -> Array:
    """``sum_mu t_mu`` with ``t = term_fn(xi)``, or ``logsumexp_mu(log_scale * t_mu)``.

    ``term_fn`` maps a block of memory rows (S, D) to per-row terms with leading axis S; the
    result has the trailing shape of those terms.
    """
    chunks = chunk_memories(memories, chunk_size)

    def chunk_reduce(patterns, valid):
        terms = term_fn(patterns)
        if log_scale is not None:
            return scaled_logsumexp(_masked(terms, valid, -jnp.inf), log_scale)
        return jnp.sum(_masked(terms, valid, 0), axis=0)

    if chunks.patterns.shape[0] == 1:
        return chunk_reduce(chunks.patterns[0], chunks.valid[0])
    combine = jnp.add if log_scale is None else jnp.logaddexp

    def body(carry, chunk):
        return combine(carry, chunk_reduce(*chunk)), None

    first = chunk_reduce(chunks.patterns[0], chunks.valid[0])
    rest = MemoryChunks(chunks.patterns[1:], chunks.valid[1:])
    total, _ = jax.lax.scan(body, first, rest)
    return total


def softmax_expectation(
    score_fn: Callable[[Float[Array, "S D"]], Float[Array, " S"]],
    memories: Float[Array, "K D"],
    scale,
    *,
    chunk_size: int | None = None,
) -> tuple[Float[Array, ""], Float[Array, " D"]]:
    """Online softmax: ``(logsumexp(l), sum_mu softmax(l)_mu xi_mu)``, ``l = scale * score_fn(xi)``.

    One pass over the chunks, carrying the running log-normaliser and the running weighted
    mean (the flash-attention recurrence), so no (K,) weight vector is ever materialised.
    """
    chunks = chunk_memories(memories, chunk_size)

    def chunk_stats(patterns, valid):
        scores = _masked(score_fn(patterns), valid, -jnp.inf)
        return scaled_logsumexp(scores, scale), scaled_softmax(scores, scale) @ patterns

    if chunks.patterns.shape[0] == 1:
        return chunk_stats(chunks.patterns[0], chunks.valid[0])

    def body(carry, chunk):
        log_norm, mean = carry
        chunk_log_norm, chunk_mean = chunk_stats(*chunk)
        total = jnp.logaddexp(log_norm, chunk_log_norm)
        mean = jnp.exp(log_norm - total) * mean + jnp.exp(chunk_log_norm - total) * chunk_mean
        return (total, mean), None

    first = chunk_stats(chunks.patterns[0], chunks.valid[0])
    rest = MemoryChunks(chunks.patterns[1:], chunks.valid[1:])
    result, _ = jax.lax.scan(body, first, rest)
    return result


def memory_sharding() -> NamedSharding | None:
    """Sharding of a (K, D) memory matrix over all devices along K, or None on one device.

    Pass it to the batch drivers: inside ``jit`` the memories are constrained to it, so each
    device holds and reduces over K / n_devices memories and XLA combines the partial
    log-sum-exps with all-reduces. K need not divide evenly (XLA pads internally).
    """
    devices = jax.devices()
    if len(devices) < 2:
        return None
    return NamedSharding(Mesh(np.array(devices), ("memories",)), PartitionSpec("memories", None))


def constrain_memories(memories: Array, sharding: NamedSharding | None) -> Array:
    """Apply a memory sharding inside ``jit`` (identity when ``sharding`` is None)."""
    if sharding is None:
        return memories
    return jax.lax.with_sharding_constraint(memories, sharding)
