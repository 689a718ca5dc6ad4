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

    Parameters
    ----------
    states : array of shape (..., D)
        Fixed points reached (or the last iterate when not converged).
    energies : array of shape (...)
        Energy of ``states``.
    n_steps : array of shape (...)
        Number of updates applied.
    converged : array of shape (...)
        Whether an update changed the state by at most ``tol``.
    energy_trace : array of shape (..., max_iter + 1), optional
        Energy after each update (frozen after convergence), or None when not recorded.

    See Also
    --------
    ebm_memory.dynamics.iterate : The loop that produces it.
    ebm_memory.dynamics.retrieve_softmax : Model B retrieval, which returns one.
    ebm_memory.dynamics.retrieve_binary : Model A retrieval, which returns one.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> result = iterate(lambda v: v / 2, lambda v: jnp.sum(v**2), jnp.ones(2),
    ...                  max_iter=100, tol=1e-3)
    >>> result.states.shape, int(result.n_steps), bool(result.converged)
    ((2,), 10, True)
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

    Parameters
    ----------
    step : callable
        The update of one state of shape (D,).
    energy : callable
        The energy of one state, a scalar.
    state : jax.Array of shape (D,)
        The start.
    max_iter : int
        The most updates; it may be traced unless ``record_energy``.
    tol : float
        The convergence threshold on ``change``.
    change : callable, default=relative_change
        ``change(new, old)``, a scalar.
    record_energy : bool, default=False
        Run all ``max_iter`` iterations as a scan (converged states stay fixed) and return
        the energy after each one; otherwise a while-loop stops early.

    Returns
    -------
    Retrieval
        The state reached, of shape (D,), its energy, the step count and convergence.

    See Also
    --------
    ebm_memory.Retrieval : What it returns.
    ebm_memory.dynamics.retrieve_softmax : Model B retrieval built on it.
    ebm_memory.dynamics.retrieve_binary : Model A retrieval built on it.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> result = iterate(lambda v: v / 2, lambda v: jnp.sum(v**2), jnp.ones(2),
    ...                  max_iter=4, tol=0.0, record_energy=True)
    >>> result.energy_trace.round(4).tolist()
    [2.0, 0.5, 0.125, 0.0312, 0.0078]
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
