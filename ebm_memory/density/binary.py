"""Boltzmann density of Model A: ``p(s) = exp(-E(s) / T) / Z`` on binary states ``{-1, +1}^D``.

Log densities are formed relative to a reference state (see
:mod:`~ebm_memory.density.binary_weights`), so they stay exact where ``-E / T`` is too large
to subtract ``log Z`` from.

- :func:`binary_log_partition_exact` enumerates all ``2^D`` states (``D <= 20``) in blocks;
- :func:`exact_partition` returns the same enumeration as a :class:`PartitionEstimate`, the
  form the estimators store;
- :func:`sample_binary_exact` draws exact samples by inverse CDF over the enumerated states;
- :mod:`ebm_memory.density.binary_importance` estimates ``log Z`` above 20 features.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.density.binary import binary_log_partition_exact
>>> from ebm_memory.energies import interactions
>>> memories = np.zeros((1, 3))  # E = 0 everywhere: Z = 2^3
>>> round(binary_log_partition_exact(memories, interactions.classical()), 6)
2.079442
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy.special import logsumexp

from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.density.binary_weights import (
    best_state,
    memory_states,
    reference_log_weight,
    relative_log_weights,
    state_from_index,
)
from ebm_memory.energies.interactions import Interaction

__all__ = [
    "PartitionEstimate",
    "binary_log_partition_exact",
    "exact_partition",
    "sample_binary_exact",
]

MAX_EXACT_DIM = 20


class PartitionEstimate(NamedTuple):
    """``log Z`` of a binary model, in a form that keeps log densities exact.

    Attributes
    ----------
    log_partition : float
        ``log Z``; ``inf`` when ``-E / T`` itself exceeds float64 (log densities stay exact).
    standard_error : float
        Standard error of ``log_partition`` (0 for enumeration).
    reference_state : ndarray of shape (n_features,)
        The +-1 state ``r`` that log densities are measured from.
    log_relative_partition : float
        ``log sum_s exp(u(s))`` with ``u(s) = (E(r) - E(s)) / T``, so that
        ``log p(s) = u(s) - log_relative_partition``.
    lower_bound : float
        ``log sum exp(-E / T)`` over the distinct states the method evaluated: ``log Z`` is
        never below it.
    effective_sample_size : float
        Kish effective sample size of the importance weights of the states not enumerated
        (``inf`` for enumeration).
    method : str
        ``"exact"`` or ``"importance"``.
    """

    log_partition: float
    standard_error: float
    reference_state: np.ndarray
    log_relative_partition: float
    lower_bound: float
    effective_sample_size: float
    method: str


@functools.partial(jax.jit, static_argnames="block_size")
def _block_relative_weights(start, memories, reference, temperature, interaction, block_size):
    dim = memories.shape[1]
    states = jax.vmap(lambda index: state_from_index(index, dim, memories.dtype))(
        start + jnp.arange(block_size)
    )
    return relative_log_weights(states, reference, memories, temperature, interaction)


def prepare(memories, temperature):
    """Validated (K, D) memories and temperature."""
    memories = as_float_array("memories", memories, ndim=(2,))
    if memories.shape[0] == 0:
        raise ValueError("memories must contain at least one pattern.")
    check_positive("temperature", temperature)
    return memories


def check_finite(values, what):
    """Raise when ``values`` hold NaN or ``+inf`` (``-inf`` is a zero weight)."""
    values = np.asarray(values)
    if np.any(np.isnan(values)) or np.any(values == np.inf):
        raise ValueError(
            f"{what} are not finite: -E/T overflows the memories' dtype; use float64 "
            "memories or a higher temperature."
        )


def _enumerate_relative_weights(
    memories, reference, interaction, temperature, block_size, max_dim=MAX_EXACT_DIM
) -> Iterator[np.ndarray]:
    """Yield ``u(s)`` of all ``2^D`` states in index order, in float64 blocks."""
    block_size = check_integer("block_size", block_size, minimum=1)
    dim = memories.shape[1]
    if dim > max_dim:
        raise ValueError(
            f"exact enumeration needs D <= {max_dim} ({2**max_dim} states), got "
            f"D = {dim}; use binary_importance.binary_log_partition_estimate instead."
        )
    n_states = 2**dim
    block_size = min(block_size, n_states)
    reference = jnp.asarray(reference, memories.dtype)
    for start in range(0, n_states, block_size):
        block = _block_relative_weights(
            start, memories, reference, temperature, interaction, block_size
        )
        block = np.asarray(block, np.float64)[: n_states - start]
        check_finite(block, "the log-weights -E/T")
        yield block


def exact_partition(
    memories: Float[Array, "K D"],
    interaction: Interaction,
    temperature: float = 1.0,
    *,
    block_size: int = 4096,
    max_dim: int = MAX_EXACT_DIM,
) -> PartitionEstimate:
    """``log Z`` by enumeration of the ``2^D`` states, as a :class:`PartitionEstimate`.

    Parameters
    ----------
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``; ``n_features <= 20``.
    interaction : Interaction
        ``F`` in ``E(s) = -sum_mu F(xi_mu . s)``.
    temperature : float
        Temperature ``T > 0`` of ``exp(-E / T)``.
    block_size : int
        States per jitted block: at most ``block_size x K`` overlaps exist at once.
    max_dim : int
        Largest ``n_features`` accepted; raise it only for brute-force reference values.

    Returns
    -------
    PartitionEstimate
        With ``standard_error = 0``; the reference is the best of the memories' sign states.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, 1.0, 1.0, 1.0]]) * 3  # exp(3 h) with h up to 12
    >>> fit = exact_partition(memories, interactions.exponential(3.0), 1.0)
    >>> fit.reference_state, round(fit.log_relative_partition, 6)
    (array([1., 1., 1., 1.]), 0.0)
    """
    memories = prepare(memories, temperature)
    reference = best_state(memory_states(memories), memories, interaction, temperature)
    total = -np.inf
    for block in _enumerate_relative_weights(
        memories, reference, interaction, temperature, block_size, max_dim
    ):
        total = np.logaddexp(total, logsumexp(block))
    offset = reference_log_weight(reference, memories, interaction, temperature)
    log_z = float(offset + total)
    return PartitionEstimate(
        log_z, 0.0, np.asarray(reference, np.float64), float(total), log_z, np.inf, "exact"
    )


def binary_log_partition_exact(
    memories: Float[Array, "K D"],
    interaction: Interaction,
    temperature: float = 1.0,
    *,
    block_size: int = 4096,
) -> float:
    """``log Z = log sum_s exp(-E(s) / T)`` by exact enumeration of the ``2^D`` states.

    Parameters
    ----------
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``.
    interaction : Interaction
        The interaction function ``F``.
    temperature : float
        ``T > 0``.
    block_size : int
        States per jitted block: at most ``block_size x K`` overlaps exist at once.

    Returns
    -------
    float
        ``log Z``: the reference state's ``-E / T`` plus the float64 log-sum-exp of every
        state's weight relative to it (``inf`` when ``-E / T`` itself overflows float64).

    Raises
    ------
    ValueError
        If ``D > 20`` (use :func:`~ebm_memory.density.binary_importance.
        binary_log_partition_estimate`), ``temperature <= 0``, the memories are not (K, D),
        or a relative weight overflows.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, -1.0]])  # F = h^2: E = -4 at s = +-xi, else 0
    >>> value = binary_log_partition_exact(memories, interactions.classical())
    >>> bool(np.isclose(value, np.log(2 + 2 * np.exp(4.0))))
    True
    """
    return exact_partition(memories, interaction, temperature, block_size=block_size).log_partition


def _uniform_float64(key, n_samples: int) -> np.ndarray:
    """``n_samples`` uniforms on ``[0, 1)`` with 53 random bits each, x64 mode or not."""
    bits = np.asarray(jax.random.bits(key, (n_samples, 2), jnp.uint32), np.uint64)
    mantissa = (bits[:, 0] >> np.uint64(5)) * np.uint64(2**26) + (bits[:, 1] >> np.uint64(6))
    return mantissa.astype(np.float64) / 2.0**53


def sample_binary_exact(
    key,
    memories: Float[Array, "K D"],
    interaction: Interaction,
    temperature: float = 1.0,
    n_samples: int = 1,
) -> np.ndarray:
    """Exact samples from ``p(s) = exp(-E(s) / T) / Z`` by enumerating the ``2^D`` states.

    The float64 cumulative distribution over all states (at most ``2^20`` floats) is inverted
    at ``n_samples`` uniforms with 53 random bits, drawn from ``key``.

    Parameters
    ----------
    key : PRNG key
        Source of the uniforms.
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``; ``n_features <= 20``.
    interaction : Interaction
        The interaction ``F`` of the sampled energy.
    temperature : float
        ``T > 0``; lower concentrates the samples on the minima.
    n_samples : int
        Number of independent samples.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        +-1 states in the memories' dtype.

    Raises
    ------
    ValueError
        As :func:`binary_log_partition_exact`.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, -1.0, 1.0]])
    >>> samples = sample_binary_exact(
    ...     jax.random.key(0), memories, interactions.classical(), 0.5, n_samples=4
    ... )
    >>> samples.shape
    (4, 3)
    """
    memories = prepare(memories, temperature)
    n_samples = check_integer("n_samples", n_samples, minimum=1)
    reference = best_state(memory_states(memories), memories, interaction, temperature)
    log_weights = np.concatenate(
        list(_enumerate_relative_weights(memories, reference, interaction, temperature, 4096))
    )
    cdf = np.cumsum(np.exp(log_weights - log_weights.max()))
    targets = _uniform_float64(key, n_samples) * cdf[-1]
    indices = np.minimum(np.searchsorted(cdf, targets, side="right"), cdf.size - 1)
    dim = memories.shape[1]
    states = jax.vmap(lambda index: state_from_index(index, dim, memories.dtype))(
        jnp.asarray(indices, jnp.int32)
    )
    return np.asarray(states)
