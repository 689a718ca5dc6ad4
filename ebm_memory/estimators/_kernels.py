"""Jitted batch computations behind the estimators.

Each kernel vmaps a single-state function over a block of queries; :func:`map_blocks` feeds
fixed-size blocks (the last one padded) so a kernel compiles once per block shape, and memory
stays O(block x chunk) however many queries there are.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
from jax.sharding import NamedSharding

from ebm_memory._blocks import map_blocks
from ebm_memory._numerics import scaled_softmax
from ebm_memory.density.gaussian import gaussian_log_density
from ebm_memory.dynamics.continuous import normalise
from ebm_memory.energies.effective import (
    attention_scores,
    binary_energy,
    softmax_energy,
    spherical_energy,
)
from ebm_memory.energies.interactions import Interaction
from ebm_memory.energies.streaming import constrain_memories

__all__ = ["ModelSpec", "batch_energy", "batch_log_density", "batch_responsibilities", "map_blocks"]


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=["interaction"],
    meta_fields=["kind", "similarity", "chunk_size", "sharding"],
)
@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """Description of a memory model, passed to the kernels as a pytree argument.

    ``kind`` ("binary" for Model A, "softmax" for Model B, "spherical" for Model C),
    ``similarity``, ``chunk_size`` and ``sharding`` (splits the memories across devices) are
    static: they select the computation. ``interaction`` (binary and spherical kinds) is a
    traced pytree whose gain ``beta`` is a leaf, so models that differ only in ``beta`` share
    one compilation of each kernel.
    """

    kind: str
    similarity: str
    interaction: Interaction | None
    chunk_size: int | None
    sharding: NamedSharding | None = None


def _energy_fn(spec: ModelSpec, memories, beta):
    memories = constrain_memories(memories, spec.sharding)
    if spec.kind == "softmax":
        return lambda x: softmax_energy(
            x, memories, beta, similarity=spec.similarity, chunk_size=spec.chunk_size
        )
    energy = binary_energy if spec.kind == "binary" else spherical_energy
    return lambda x: energy(x, memories, spec.interaction, chunk_size=spec.chunk_size)


@jax.jit
def batch_energy(states, memories, beta, spec: ModelSpec):
    """Energies of a block of states, (B,)."""
    return jax.vmap(_energy_fn(spec, memories, beta))(states)


@jax.jit
def batch_log_density(states, memories, beta, log_norm, spec: ModelSpec):
    """Normalised log densities of a block of states, (B,), for the continuous kinds.

    softmax: ``-beta E - log Z`` (Gaussian mixture); spherical: ``-beta E + log C_D - log K``
    with ``log_norm = log K - log C_D`` (vMF mixture on the sphere). Binary models form
    their log densities relative to a reference state
    (:func:`~ebm_memory.estimators._density.binary_log_density`).
    """
    if spec.kind == "binary":
        raise ValueError("binary log densities are formed by binary_log_density.")
    memories = constrain_memories(memories, spec.sharding)
    if spec.kind == "softmax":
        return jax.vmap(
            lambda x: gaussian_log_density(
                x, memories, beta, spec.similarity, log_norm, chunk_size=spec.chunk_size
            )
        )(states)
    return -beta * jax.vmap(_energy_fn(spec, memories, beta))(states) - log_norm


@jax.jit
def batch_responsibilities(states, memories, beta, spec: ModelSpec):
    """Share of each memory in the state's attraction, (B, K), rows summing to one.

    softmax and spherical: the attention weights (mixture posterior); binary exponential:
    ``softmax(beta xi . s)``; binary polynomial: ``|F(xi_mu . s)| / sum |F|``.
    """

    memories = constrain_memories(memories, spec.sharding)

    def one(x):
        if spec.kind == "softmax":
            return scaled_softmax(attention_scores(x, memories, spec.similarity), beta)
        if spec.kind == "spherical":
            return scaled_softmax(memories @ normalise(x), beta)
        overlaps = memories @ x
        if spec.interaction.log_domain:
            return scaled_softmax(overlaps, spec.interaction.log_scale)
        magnitude = jnp.abs(spec.interaction.term(overlaps))
        total = jnp.sum(magnitude)
        uniform = jnp.full_like(magnitude, 1.0 / magnitude.shape[0])
        return jnp.where(total > 0, magnitude / jnp.where(total > 0, total, 1.0), uniform)

    return jax.vmap(one)(states)
