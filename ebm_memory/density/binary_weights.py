"""Unnormalised log weights of Model A states, exact where ``-E / T`` is too large to subtract.

The energy is ``E(s) = -sum_mu F(xi_mu . s)`` (:func:`~ebm_memory.energies.binary_energy`).
Log densities are formed relative to a reference state ``r`` (the lowest-energy state known):

    log p(s) = u(s) - log sum_t exp(u(t)),    u(s) = (E(r) - E(s)) / T,

never as ``-E(s) / T - log Z``. For the exponential interaction ``-E / T = exp(A) / T`` with
``A = logsumexp(beta xi s)``, and two values of ``exp(A) / T`` near ``1e31`` (``beta D`` of 72)
differ in their 15th digit where a log density differs by ``1e15``: the subtraction would
cancel catastrophically. :func:`relative_log_weight` forms ``u`` from rank-paired overlap
steps with ``log1p``/``expm1``, so it is exact to rounding whatever the size of ``E``.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.density.binary_weights import relative_log_weights
>>> from ebm_memory.energies import interactions
>>> memories = jnp.array([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0]])
>>> states = jnp.array([[1.0, 1.0, 1.0], [1.0, 1.0, -1.0]])
>>> relative_log_weights(states, states[0], memories, 2.0, interactions.classical()).tolist()
[0.0, -4.0]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from ebm_memory._numerics import scaled_logsumexp
from ebm_memory._random import float64
from ebm_memory.energies.interactions import Interaction

__all__ = [
    "best_state",
    "log_weight",
    "memory_states",
    "overlaps_of",
    "reference_log_weight",
    "relative_log_weight",
    "relative_log_weights",
    "state_from_index",
]


def log_weight(
    overlaps: Float[Array, " K"], interaction: Interaction, temperature
) -> Float[Array, ""]:
    """``-E(s) / T`` of one state from its overlaps ``h = xi s`` (may overflow: ranking only)."""
    terms = interaction.term(overlaps)
    if interaction.log_domain:
        log_attraction = scaled_logsumexp(terms, interaction.log_scale)
        return jnp.exp(log_attraction - jnp.log(temperature))
    return jnp.sum(terms) / temperature


def _log_abs_expm1(x):
    """``log |exp(x) - 1|``, accurate for tiny and for large ``|x|``."""
    magnitude = jnp.abs(x)
    return jnp.where(x > 0, x, 0.0) + jnp.log(-jnp.expm1(-jnp.where(magnitude > 0, magnitude, 1.0)))


def _log_attraction_ratio(overlaps, reference_overlaps, beta):
    """``logsumexp(beta h) - logsumexp(beta h_r)``, exact to rounding when it is tiny.

    Overlaps are paired by rank, so equal values on the two sides cancel exactly; each
    pair adds ``exp(beta (h_r,k - peak)) expm1(beta (h_k - h_r,k))`` to the change of the sum.
    """
    direct = scaled_logsumexp(overlaps, beta) - scaled_logsumexp(reference_overlaps, beta)
    ranked, reference_ranked = jnp.sort(overlaps), jnp.sort(reference_overlaps)
    peak = reference_ranked[-1]
    base = jnp.exp(beta * (reference_ranked - peak))
    steps = beta * (ranked - reference_ranked)
    changes = jnp.where(
        steps > 1.0,
        jnp.exp(beta * (ranked - peak)) - base,
        base * jnp.expm1(jnp.minimum(steps, 1.0)),
    )
    near = jnp.log1p(jnp.sum(changes) / jnp.sum(base))
    return jnp.where(jnp.abs(direct) < 1.0, near, direct)


def relative_log_weight(
    overlaps: Float[Array, " K"],
    reference_overlaps: Float[Array, " K"],
    interaction: Interaction,
    temperature,
) -> Float[Array, ""]:
    """``u(s) = (E(r) - E(s)) / T`` from the overlaps of ``s`` and of the reference ``r``.

    Polynomial interactions sum ``F(h_mu) - F(h_r,mu)`` memory by memory. The exponential
    interaction writes ``u = exp(A_r) / T * expm1(A - A_r)``, the log attraction ratio
    ``A - A_r`` formed from rank-paired overlap steps with ``log1p``/``expm1``, so ``u``
    keeps full relative precision when ``exp(A_r) / T`` is ``1e31`` or overflows float64
    (``u`` is then ``+-inf`` only where its own value is).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> F = interactions.exponential(6.0)
    >>> reference, state = jnp.array([12.0, 4.0]), jnp.array([12.0, 2.0])
    >>> u = relative_log_weight(state, reference, F, 1.0)
    >>> ratio = jnp.log1p(jnp.expm1(-12.0) * jnp.exp(-48.0))  # e^12 -> e^0 beside e^72
    >>> bool(jnp.isclose(u, jnp.exp(72.0) * jnp.expm1(ratio)))
    True
    """
    if not interaction.log_domain:
        differences = interaction.term(overlaps) - interaction.term(reference_overlaps)
        return jnp.sum(differences) / temperature
    beta = interaction.log_scale
    ratio = _log_attraction_ratio(overlaps, reference_overlaps, beta)
    scale = scaled_logsumexp(reference_overlaps, beta) - jnp.log(temperature)
    magnitude = jnp.exp(scale + _log_abs_expm1(ratio))
    return jnp.where(ratio == 0, 0.0, jnp.sign(ratio) * magnitude)


def state_from_index(index: Int[Array, ""], dim: int, dtype) -> Float[Array, " D"]:
    """The state numbered ``index``: bit ``D - 1 - j`` of ``index`` set means ``s_j = +1``.

    Index 0 is all ``-1``: the order of ``itertools.product([-1, 1], repeat=D)``.
    """
    bits = (index >> jnp.arange(dim - 1, -1, -1)) & 1
    return (2 * bits - 1).astype(dtype)


def overlaps_of(memories, states):
    """Overlaps ``xi s`` of a batch of states, (B, K), at full matmul precision."""
    return jnp.matmul(states, memories.T, precision=jax.lax.Precision.HIGHEST)


@jax.jit
def relative_log_weights(
    states: Float[Array, "N D"], reference: Float[Array, " D"], memories, temperature, interaction
) -> Float[Array, " N"]:
    """:func:`relative_log_weight` of a batch of states against one reference state."""
    reference_overlaps = overlaps_of(memories, reference[None])[0]
    return jax.vmap(lambda h: relative_log_weight(h, reference_overlaps, interaction, temperature))(
        overlaps_of(memories, states)
    )


@jax.jit
def _log_weights_of(states, memories, temperature, interaction):
    return jax.vmap(lambda h: log_weight(h, interaction, temperature))(
        overlaps_of(memories, states)
    )


def best_state(states, memories, interaction, temperature) -> np.ndarray:
    """The state of highest ``-E / T`` among ``states`` (N, D): the reference of the density.

    A first pick by ``-E / T`` in float64 is refined by the weights relative to it, which
    tell apart states whose ``-E / T`` agree to all float64 digits.
    """
    states = jnp.asarray(states, memories.dtype)
    weights = np.asarray(_log_weights_of(states, memories, temperature, interaction), np.float64)
    first = states[int(np.argmax(np.where(np.isnan(weights), -np.inf, weights)))]
    relative = np.asarray(
        relative_log_weights(states, first, memories, temperature, interaction), np.float64
    )
    return np.asarray(states[int(np.argmax(relative))])


@float64
def reference_log_weight(reference, memories, interaction, temperature) -> float:
    """``-E(r) / T`` in float64 whatever the memories' dtype (``inf`` beyond float64)."""
    overlaps = np.asarray(memories, np.float64) @ np.asarray(reference, np.float64)
    return float(log_weight(jnp.asarray(overlaps), interaction, temperature))


def memory_states(memories) -> np.ndarray:
    """The +-1 states nearest the memories and their negatives, (2K, D)."""
    signs = np.where(np.asarray(memories) >= 0, 1.0, -1.0).astype(np.asarray(memories).dtype)
    return np.concatenate([signs, -signs])
