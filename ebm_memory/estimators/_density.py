"""Normalisers and exact samplers for each kind of memory model (see ``ModelSpec``)."""

from __future__ import annotations

import jax
import numpy as np

from ebm_memory.density import gaussian
from ebm_memory.density.binary import (
    MAX_EXACT_DIM,
    binary_log_partition_ais,
    binary_log_partition_exact,
    sample_binary_exact,
)
from ebm_memory.estimators._kernels import ModelSpec

__all__ = ["log_partition", "sample_exact"]


def log_partition(
    spec: ModelSpec, memories: np.ndarray, beta: float, temperature: float, seed: int
) -> tuple[float, float]:
    """``(log Z, standard error)``: closed form for the softmax (Gaussian mixture) and
    spherical (vMF mixture) kinds; for binary models exact enumeration up to
    ``MAX_EXACT_DIM`` features, else annealed importance sampling seeded by ``seed``."""
    n_memories, n_features = memories.shape
    if spec.kind == "softmax":
        return float(gaussian.log_partition(memories, beta, spec.similarity)), 0.0
    if spec.kind == "spherical":
        return float(np.log(n_memories) - gaussian.vmf_log_normaliser(n_features, beta)), 0.0
    if n_features <= MAX_EXACT_DIM:
        return float(binary_log_partition_exact(memories, spec.interaction, temperature)), 0.0
    value, error = binary_log_partition_ais(
        jax.random.key(seed), memories, spec.interaction, temperature
    )
    return float(value), float(error)


def sample_exact(
    spec: ModelSpec,
    memories: np.ndarray,
    beta: float,
    temperature: float,
    n_samples: int,
    rng: np.random.RandomState,
) -> np.ndarray:
    """Exact draws: ancestral sampling of the Gaussian or vMF mixture, or enumeration of the
    2^D binary states (``n_features <= MAX_EXACT_DIM``)."""
    if spec.kind == "spherical":
        return gaussian.sample_von_mises_fisher_mixture(rng, memories, beta, n_samples)
    key = jax.random.key(rng.randint(2**31 - 1))
    if spec.kind == "softmax":
        draws = gaussian.sample_gaussian_mixture(key, memories, beta, spec.similarity, n_samples)
    else:
        if memories.shape[1] > MAX_EXACT_DIM:
            raise ValueError(
                "Exact sampling of a binary model enumerates 2^D states and needs "
                f"n_features <= {MAX_EXACT_DIM}; got {memories.shape[1]}."
            )
        draws = sample_binary_exact(key, memories, spec.interaction, temperature, n_samples)
    return np.asarray(draws, dtype=np.float64)
