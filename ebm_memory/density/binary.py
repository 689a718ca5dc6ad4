"""Boltzmann density of Model A: ``p(s) = exp(-E(s) / T) / Z`` on binary states ``{-1, +1}^D``.

The energy is ``E(s) = -sum_mu F(xi_mu . s)`` (:func:`~ebm_memory.energies.binary_energy`).
Everything here works with the unnormalised log-density ``-E(s) / T``, computed from the K
overlaps ``h = xi s`` as ``sum_mu F(h_mu) / T``, or for the exponential interaction as
``exp(logsumexp(beta h) - log T)``, so it overflows only where ``-E / T`` itself leaves the
float range (a ``ValueError`` then says so).

- :func:`binary_log_partition_exact` enumerates all ``2^D`` states (``D <= 20``) in blocks,
  with a running log-sum-exp;
- :func:`sample_binary_exact` draws exact samples by inverse CDF over the enumerated states;
- :func:`binary_log_partition_ais` estimates ``log Z`` at any ``D`` by annealed importance
  sampling (AIS, Neal 2001) from the uniform distribution.

Per-state log-weights are computed with JAX in the dtype of the memories; sums over states
(log-sum-exp, cumulative probabilities, importance weights) run in NumPy float64 whether or not
JAX's x64 mode is on.

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

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int
from scipy.special import logsumexp

from ebm_memory._numerics import scaled_logsumexp
from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.energies.interactions import Interaction

__all__ = ["binary_log_partition_ais", "binary_log_partition_exact", "sample_binary_exact"]

MAX_EXACT_DIM = 20
SCHEDULE_POWER = 4


def _log_weight(
    overlaps: Float[Array, " K"], interaction: Interaction, temperature
) -> Float[Array, ""]:
    """``-E(s) / T`` of one state from its overlaps ``h = xi s``."""
    terms = interaction.term(overlaps)
    if interaction.log_domain:
        log_attraction = scaled_logsumexp(terms, interaction.log_scale)
        return jnp.exp(log_attraction - jnp.log(temperature))
    return jnp.sum(terms) / temperature


def _state_from_index(index: Int[Array, ""], dim: int, dtype) -> Float[Array, " D"]:
    """The state numbered ``index``: bit ``D - 1 - j`` of ``index`` set means ``s_j = +1``.

    Index 0 is all ``-1``: the order of ``itertools.product([-1, 1], repeat=D)``.
    """
    bits = (index >> jnp.arange(dim - 1, -1, -1)) & 1
    return (2 * bits - 1).astype(dtype)


@functools.partial(jax.jit, static_argnames=("interaction", "block_size"))
def _block_log_weights(start, memories, temperature, interaction, block_size):
    def one(index):
        state = _state_from_index(index, memories.shape[1], memories.dtype)
        return _log_weight(
            jnp.matmul(memories, state, precision=jax.lax.Precision.HIGHEST),
            interaction,
            temperature,
        )

    return jax.vmap(one)(start + jnp.arange(block_size))


def _prepare(memories, temperature):
    memories = as_float_array("memories", memories, ndim=(2,))
    if memories.shape[0] == 0:
        raise ValueError("memories must contain at least one pattern.")
    check_positive("temperature", temperature)
    return memories


def _check_finite(values, what):
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{what} are not finite: -E/T overflows the memories' dtype; use float64 "
            "memories or a higher temperature."
        )


def _enumerate_log_weights(memories, interaction, temperature, block_size) -> Iterator[np.ndarray]:
    """Yield ``-E(s) / T`` of all ``2^D`` states in index order, in float64 blocks."""
    block_size = check_integer("block_size", block_size, minimum=1)
    dim = memories.shape[1]
    if dim > MAX_EXACT_DIM:
        raise ValueError(
            f"exact enumeration needs D <= {MAX_EXACT_DIM} ({2**MAX_EXACT_DIM} states), got "
            f"D = {dim}; use the AIS estimate binary_log_partition_ais instead."
        )
    n_states = 2**dim
    block_size = min(block_size, n_states)
    for start in range(0, n_states, block_size):
        block = _block_log_weights(start, memories, temperature, interaction, block_size)
        block = np.asarray(block, np.float64)[: n_states - start]
        _check_finite(block, "the log-weights -E/T")
        yield block


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
    memories : (K, D) array
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
        ``log Z``. Each block's log-weights come from JAX in the memories' dtype; the running
        log-sum-exp over blocks is accumulated in NumPy float64.

    Raises
    ------
    ValueError
        If ``D > 20`` (use :func:`binary_log_partition_ais`), ``temperature <= 0``, the
        memories are not (K, D), or ``-E / T`` overflows.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, -1.0]])  # F = h^2: E = -4 at s = +-xi, else 0
    >>> value = binary_log_partition_exact(memories, interactions.classical())
    >>> bool(np.isclose(value, np.log(2 + 2 * np.exp(4.0))))
    True
    """
    memories = _prepare(memories, temperature)
    total = -np.inf
    for block in _enumerate_log_weights(memories, interaction, temperature, block_size):
        total = np.logaddexp(total, logsumexp(block))
    return float(total)


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
    key : jax.Array
        PRNG key.
    memories : (K, D) array
        The patterns ``xi``; ``D <= 20``.
    interaction : Interaction
        The interaction function ``F``.
    temperature : float
        ``T > 0``.
    n_samples : int
        Number of independent samples.

    Returns
    -------
    np.ndarray, shape (n_samples, D)
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
    memories = _prepare(memories, temperature)
    n_samples = check_integer("n_samples", n_samples, minimum=1)
    log_weights = np.concatenate(
        list(_enumerate_log_weights(memories, interaction, temperature, 4096))
    )
    cdf = np.cumsum(np.exp(log_weights - log_weights.max()))
    targets = _uniform_float64(key, n_samples) * cdf[-1]
    indices = np.minimum(np.searchsorted(cdf, targets, side="right"), cdf.size - 1)
    dim = memories.shape[1]
    states = jax.vmap(lambda index: _state_from_index(index, dim, memories.dtype))(
        jnp.asarray(indices, jnp.int32)
    )
    return np.asarray(states)


def _metropolis_sweeps(key, chain, memories, interaction, temperature, beta, n_sweeps):
    """``n_sweeps`` in-order single-flip Metropolis sweeps targeting ``exp(-beta E / T)``.

    ``chain`` is ``(state, overlaps, current)`` with ``current = -E(state) / T``; flipping bit
    ``i`` moves the overlaps to ``h - 2 s_i xi[:, i]``. Returns the updated ``chain``.
    """
    dim = memories.shape[1]
    log_uniforms = jnp.log(jax.random.uniform(key, (n_sweeps * dim,), memories.dtype))
    columns = memories.T

    def visit(step, carry):
        state, overlaps, current = carry
        bit = step % dim
        flipped = overlaps - 2.0 * state[bit] * columns[bit]
        proposal = _log_weight(flipped, interaction, temperature)
        accept = log_uniforms[step] < beta * (proposal - current)
        state = state.at[bit].set(jnp.where(accept, -state[bit], state[bit]))
        return (
            state,
            jnp.where(accept, flipped, overlaps),
            jnp.where(accept, proposal, current),
        )

    return jax.lax.fori_loop(0, n_sweeps * dim, visit, chain)


def _ais_chain(key, memories, temperature, betas, interaction, n_sweeps) -> Float[Array, ""]:
    """Log importance weight of one AIS chain along ``betas`` (n + 1,): ``E[w] = Z / 2^D``."""
    init_key, anneal_key = jax.random.split(key)
    state = jax.random.rademacher(init_key, (memories.shape[1],), memories.dtype)
    overlaps = jnp.matmul(memories, state, precision=jax.lax.Precision.HIGHEST)
    chain = (state, overlaps, _log_weight(overlaps, interaction, temperature))
    increments = jnp.diff(betas)

    def anneal(carry, step):
        chain, log_weight = carry
        increment, beta, step_key = step
        log_weight = log_weight + increment * chain[2]
        chain = _metropolis_sweeps(
            step_key, chain, memories, interaction, temperature, beta, n_sweeps
        )
        return (chain, log_weight), None

    steps = (increments[:-1], betas[1:-1], jax.random.split(anneal_key, betas.shape[0] - 2))
    start = (chain, jnp.zeros((), memories.dtype))
    (chain, log_weight), _ = jax.lax.scan(anneal, start, steps)
    return log_weight + increments[-1] * chain[2]


@functools.partial(jax.jit, static_argnames=("interaction", "n_sweeps"))
def _ais_log_weights(keys, memories, temperature, betas, interaction, n_sweeps):
    chain = functools.partial(_ais_chain, interaction=interaction, n_sweeps=n_sweeps)
    return jax.vmap(chain, in_axes=(0, None, None, None))(keys, memories, temperature, betas)


def binary_log_partition_ais(
    key,
    memories: Float[Array, "K D"],
    interaction: Interaction,
    temperature: float = 1.0,
    *,
    n_chains: int = 256,
    n_temperatures: int = 200,
    n_sweeps: int = 1,
) -> tuple[float, float]:
    """Annealed importance sampling estimate of ``log Z`` and its standard error.

    Each chain starts from the uniform distribution on ``{-1, +1}^D`` (``log Z_0 = D log 2``)
    and moves along the geometric path ``exp(-b_k E / T)`` with ``b_k = (k / n)^4``,
    ``k = 0..n`` (``n = n_temperatures``): dense near ``b = 0``, where a small step in ``b``
    changes the distribution most. Between steps each chain makes ``n_sweeps`` in-order
    single-flip Metropolis sweeps at ``b_k``, tracking the K overlaps so a flip costs O(K).
    Chains are ``vmap``-ed; the annealing is one ``lax.scan``.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    memories : (K, D) array
        The patterns ``xi``.
    interaction : Interaction
        The interaction function ``F``.
    temperature : float
        ``T > 0``.
    n_chains : int
        Independent chains (>= 2).
    n_temperatures : int
        Annealing steps ``n`` (>= 1; 1 is plain importance sampling from the uniform).
    n_sweeps : int
        Metropolis sweeps per intermediate distribution.

    Returns
    -------
    log_z : float
        ``D log 2 + log mean(w)``: unbiased in ``Z``, so biased low in ``log Z`` (Jensen).
    standard_error : float
        Delta-method standard error of ``log_z``: ``std(w / mean(w)) / sqrt(n_chains)``,
        from the log-weights in float64.

    Raises
    ------
    ValueError
        If ``temperature <= 0``, the memories are not (K, D), or a log-weight is not finite.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.zeros((1, 30))  # E = 0: every weight is 1, log Z = 30 log 2 exactly
    >>> log_z, error = binary_log_partition_ais(
    ...     jax.random.key(0), memories, interactions.classical(), n_temperatures=2
    ... )
    >>> bool(np.isclose(log_z, 30 * np.log(2))), error
    (True, 0.0)
    """
    memories = _prepare(memories, temperature)
    n_chains = check_integer("n_chains", n_chains, minimum=2)
    n_temperatures = check_integer("n_temperatures", n_temperatures, minimum=1)
    n_sweeps = check_integer("n_sweeps", n_sweeps, minimum=1)
    betas = (np.arange(n_temperatures + 1) / n_temperatures) ** SCHEDULE_POWER
    log_weights = _ais_log_weights(
        jax.random.split(key, n_chains),
        memories,
        temperature,
        jnp.asarray(betas, memories.dtype),
        interaction,
        n_sweeps,
    )
    log_weights = np.asarray(log_weights, np.float64)
    _check_finite(log_weights, "the AIS log-weights")
    log_mean = logsumexp(log_weights) - np.log(n_chains)
    normalised = np.exp(log_weights - log_mean)
    error = np.sqrt(np.var(normalised, ddof=1) / n_chains)
    return float(memories.shape[1] * np.log(2.0) + log_mean), float(error)
