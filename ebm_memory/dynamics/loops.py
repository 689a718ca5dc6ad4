"""Fixed-point iteration of one state: ``lax.while_loop`` to convergence, or ``lax.scan`` with
an energy trace. Both freeze a state once it has converged, so under ``vmap`` every sample
reports its own step count."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int

__all__ = ["Retrieval", "iterate"]


class Retrieval(NamedTuple):
    """Result of a retrieval run (leading batch axis when a batch was retrieved).

    Attributes
    ----------
    states : (..., D) fixed points reached (or the last iterate when not converged)
    energies : (...,) energy of ``states``
    n_steps : (...,) number of updates applied
    converged : (...,) whether an update changed the state by at most ``tol``
    energy_trace : (..., max_iter + 1) energy after each update (frozen after convergence),
        or None when not recorded
    """

    states: Float[Array, "... D"]
    energies: Float[Array, ...]
    n_steps: Int[Array, ...]
    converged: Bool[Array, ...]
    energy_trace: Float[Array, "... T"] | None = None


def relative_change(new: Array, old: Array) -> Array:
    """``max|new - old| / max(1, max|old|)``: the convergence measure of continuous states."""
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(old)))
    return jnp.max(jnp.abs(new - old)) / scale


def iterate(
    step: Callable[[Array], Array],
    energy: Callable[[Array], Array],
    state: Float[Array, " D"],
    *,
    max_iter: int,
    tol: float,
    change: Callable[[Array, Array], Array] = relative_change,
    record_energy: bool = False,
) -> Retrieval:
    """Apply ``step`` until ``change(new, old) <= tol`` or ``max_iter`` updates.

    ``record_energy`` runs all ``max_iter`` iterations as a scan (converged states stay
    fixed) and returns the energy after each one; otherwise a while-loop stops early.
    """

    def advance(carry):
        current, steps, done = carry
        proposal = step(current)
        settled = change(proposal, current) <= tol
        new = jnp.where(done, current, proposal)
        return new, steps + jnp.where(done, 0, 1), done | settled

    start = (state, jnp.zeros((), jnp.int32), jnp.zeros((), bool))
    if record_energy:

        def body(carry, _):
            carry = advance(carry)
            return carry, energy(carry[0])

        (final, steps, done), trace = jax.lax.scan(body, start, None, length=max_iter)
        trace = jnp.concatenate([energy(state)[None], trace])
        return Retrieval(final, trace[-1], steps, done, trace)

    final, steps, done = jax.lax.while_loop(
        lambda carry: (~carry[2]) & (carry[1] < max_iter), advance, start
    )
    return Retrieval(final, energy(final), steps, done)
