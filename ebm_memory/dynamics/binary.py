"""Discrete dynamics of Model A: binary +-1 neurons, energy ``-sum_mu F(xi_mu . s)``.

The Krotov & Hopfield (2016) rule sets each bit to whichever sign gives the lower energy.
Flipping bit ``i`` moves every overlap ``h_mu = xi_mu . s`` to ``h_mu - 2 s_i xi_mu,i``, so the
rule is: flip bit ``i`` iff ``sum_mu F(h_mu - 2 s_i xi_mu,i) > sum_mu F(h_mu)``. Ties keep the
bit, so asynchronous sweeps strictly lower the energy at every flip and always terminate.

- :func:`synchronous_step` decides every bit from the same state, streaming over chunks of
  memories (memory O(chunk x D) per state);
- :func:`asynchronous_sweep` visits bits in order, each decision seeing the previous flips,
  keeping the K overlaps up to date (memory O(K) per state).

Both are single-state functions; ``clamped`` marks bits that must not change.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float

from ebm_memory._numerics import scaled_logsumexp
from ebm_memory.energies.effective import attraction
from ebm_memory.energies.interactions import Interaction

__all__ = ["asynchronous_sweep", "decide_unknown_bits", "synchronous_step"]


def synchronous_step(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    interaction: Interaction,
    clamped: Bool[Array, " D"] | None = None,
    *,
    chunk_size: int | None = None,
) -> Float[Array, " D"]:
    """Set every free bit by the sign of its energy difference, all from the same state.

    Parameters
    ----------
    state : jax.Array of shape (D,)
        One +-1 state.
    memories : jax.Array of shape (K, D)
        The stored patterns.
    interaction : Interaction
        The interaction ``F`` of the energy ``-sum_mu F(xi_mu . s)``.
    clamped : jax.Array of bool of shape (D,), optional
        Bits that must not change.
    chunk_size : int, optional
        Stream the memories in chunks of this many rows.

    Returns
    -------
    jax.Array of shape (D,)
        The updated state.

    See Also
    --------
    ebm_memory.dynamics.asynchronous_sweep : One bit at a time; every flip lowers the energy.
    ebm_memory.dynamics.retrieve_binary : Repeats the step to a fixed point.
    ebm_memory.energies.binary_energy : The Model A energy of a state.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> memories = jnp.array([[1.0, 1.0, -1.0, -1.0]])
    >>> synchronous_step(jnp.array([1.0, 1.0, -1.0, 1.0]), memories,
    ...                  interactions.polynomial(3)).tolist()
    [1.0, 1.0, -1.0, -1.0]
    """

    def overlaps(patterns):
        current = patterns @ state
        flipped = current[:, None] - 2.0 * patterns * state[None, :]
        return jnp.concatenate([flipped, current[:, None]], axis=1)

    totals = attraction(overlaps, memories, interaction, chunk_size)
    flip = totals[:-1] > totals[-1]
    if clamped is not None:
        flip = flip & ~clamped
    return jnp.where(flip, -state, state)


def decide_unknown_bits(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    interaction: Interaction,
    *,
    chunk_size: int | None = None,
) -> Float[Array, " D"]:
    """Set the unknown (zero) entries of a partial +-1 state, each to the sign of lower energy
    given the known entries alone; known entries are returned unchanged.

    This is the natural start for pattern completion: a missing pixel carries no overlap, so
    it cannot bias the first decisions the way an arbitrary fill value would.

    Parameters
    ----------
    state : jax.Array of shape (D,)
        A partial +-1 state, 0 where a bit is unknown.
    memories : jax.Array of shape (K, D)
        The stored patterns, one a row.
    interaction : Interaction
        The interaction ``F``: the energy is ``-sum_mu F(xi_mu . s)``.
    chunk_size : int, optional
        Stream the memories in chunks of this many rows.

    Returns
    -------
    jax.Array of shape (D,)
        The +-1 state.

    See Also
    --------
    ebm_memory.dynamics.retrieve_binary : Pattern completion with a ``mask`` of known bits.
    ebm_memory.dynamics.synchronous_step : The update that then runs on the completed state.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> memories = jnp.array([[1.0, 1.0, -1.0, -1.0]])
    >>> decide_unknown_bits(jnp.array([1.0, 1.0, 0.0, 0.0]), memories,
    ...                     interactions.polynomial(2)).tolist()
    [1.0, 1.0, -1.0, -1.0]
    """

    def overlaps(patterns):
        known = (patterns @ state)[:, None]
        return jnp.concatenate([known + patterns, known - patterns], axis=1)

    totals = attraction(overlaps, memories, interaction, chunk_size)
    size = state.shape[0]
    decided = jnp.where(totals[:size] >= totals[size:], 1.0, -1.0).astype(state.dtype)
    return jnp.where(state == 0, decided, state)


def _total(overlaps, interaction):
    terms = interaction.term(overlaps)
    if interaction.log_domain:
        return scaled_logsumexp(terms, interaction.log_scale)
    return jnp.sum(terms)


def asynchronous_sweep(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    interaction: Interaction,
    clamped: Bool[Array, " D"] | None = None,
) -> Float[Array, " D"]:
    """One sequential sweep over the bits in index order; every flip lowers the energy.

    Parameters
    ----------
    state : jax.Array of shape (D,)
        The +-1 state to sweep.
    memories : jax.Array of shape (K, D)
        The stored patterns ``xi``, one a row.
    interaction : Interaction
        The interaction ``F`` of the energy ``-sum_mu F(xi_mu . s)``.
    clamped : jax.Array of bool of shape (D,), optional
        Bits that must not change.

    Returns
    -------
    jax.Array of shape (D,)
        The state after the sweep.

    See Also
    --------
    ebm_memory.dynamics.synchronous_step : Every bit updated at once from the same state.
    ebm_memory.dynamics.retrieve_binary : Repeats the sweep to a fixed point.
    ebm_memory.energies.binary_energy : The energy each flip lowers.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies.interactions import exponential
    >>> state = asynchronous_sweep(-jnp.ones(3), jnp.array([[1.0, -1.0, 1.0]]), exponential())
    >>> state.tolist()
    [1.0, -1.0, 1.0]
    """
    if clamped is None:
        clamped = jnp.zeros(state.shape, bool)

    def visit(i, carry):
        bits, overlaps = carry
        flipped = overlaps - 2.0 * bits[i] * memories[:, i]
        flip = (_total(flipped, interaction) > _total(overlaps, interaction)) & ~clamped[i]
        bits = bits.at[i].set(jnp.where(flip, -bits[i], bits[i]))
        return bits, jnp.where(flip, flipped, overlaps)

    bits, _ = jax.lax.fori_loop(0, state.shape[0], visit, (state, memories @ state))
    return bits
