"""Energies: pure single-sample JAX functions of a state and the memories (``mixture``: ClAM
and ELBO energies of memories as mixture components; ``crp``: the growing memory's energy)."""

from ebm_memory.energies import crp, interactions, mixture
from ebm_memory.energies.effective import (
    SIMILARITIES,
    attention_scores,
    attraction,
    binary_energy,
    softmax_energy,
    softmax_update,
    spherical_energy,
)
from ebm_memory.energies.interactions import Interaction
from ebm_memory.energies.streaming import chunk_memories, reduce_memories, softmax_expectation
from ebm_memory.energies.two_layer import legendre_term, two_layer_energy

__all__ = [
    "SIMILARITIES",
    "Interaction",
    "attention_scores",
    "attraction",
    "binary_energy",
    "chunk_memories",
    "crp",
    "interactions",
    "legendre_term",
    "mixture",
    "reduce_memories",
    "softmax_energy",
    "softmax_expectation",
    "softmax_update",
    "spherical_energy",
    "two_layer_energy",
]
