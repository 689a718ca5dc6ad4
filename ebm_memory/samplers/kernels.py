"""Gradient-based MCMC kernels for ``p(x) ∝ exp(-U(x))``: ULA, MALA and HMC.

Blackjax style: a factory fixes the settings by closure and returns a :class:`Kernel` of two
pure functions, ``init(position) -> SamplerState`` and ``step(key, state) -> (SamplerState,
SamplerInfo)``, for ONE chain; nothing is jitted inside. Several chains are a ``vmap`` of
``step``; :func:`run_chain` is the ``lax.scan`` loop. ``U`` is a potential of one position
``(D,) -> scalar`` (``energy / T`` in :func:`ebm_memory.samplers.sample`).

All kernels take a diagonal inverse mass matrix ``m`` (the preconditioner; ``m = 1`` by
default). With step size ``h``:

- ULA: ``x' = x - h m ∇U(x) + sqrt(2 h m) z``. No accept step, so its stationary law is
  biased: for a Gaussian of variance ``s^2`` (and ``m = 1``) it is a Gaussian of variance
  ``s^2 / (1 - h / (2 s^2))``, a bias of ``h / 2 + O(h^2)``.
- MALA: the ULA proposal with a Metropolis-Hastings correction; exact for any ``h``.
- HMC: ``num_integration_steps`` leapfrog steps with momentum ``p ~ N(0, m^-1)``, then
  Metropolis-Hastings on the Hamiltonian ``U(x) + p m p / 2``; the step size is jittered
  uniformly in ``h (1 ± jitter)`` each iteration (``jitter=0`` for a fixed path length).

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.samplers.kernels import mala, run_chain
>>> kernel = mala(lambda x: 0.5 * jnp.sum(x**2), step_size=0.5)
>>> state, positions, info = run_chain(jax.random.key(0), kernel, kernel.init(jnp.zeros(3)), 100)
>>> positions.shape, info.acceptance_rate.shape
((100, 3), (100,))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float

__all__ = ["Kernel", "SamplerInfo", "SamplerState", "hmc", "mala", "run_chain", "ula"]

DIVERGENCE_THRESHOLD = 1000.0
"""A transition whose energy error exceeds this (or is not finite) is marked divergent."""


class SamplerState(NamedTuple):
    """State of one chain.

    Attributes
    ----------
    position : (D,) array
    potential : scalar array
        ``U(position)``.
    grad : (D,) array
        ``∇U(position)``.
    """

    position: Float[Array, " D"]
    potential: Float[Array, ""]
    grad: Float[Array, " D"]


class SamplerInfo(NamedTuple):
    """Per-iteration information.

    Attributes
    ----------
    acceptance_rate : scalar array
        Metropolis-Hastings acceptance probability of the proposal (1 for ULA).
    is_accepted : bool scalar array
    is_divergent : bool scalar array
        The energy error of the proposal exceeded :data:`DIVERGENCE_THRESHOLD` or was not
        finite (for ULA: the new potential is not finite).
    """

    acceptance_rate: Float[Array, ""]
    is_accepted: Bool[Array, ""]
    is_divergent: Bool[Array, ""]


class Kernel(NamedTuple):
    """A transition kernel: ``init(position) -> state``, ``step(key, state) -> (state, info)``."""

    init: Callable[[Array], SamplerState]
    step: Callable[[Array, SamplerState], tuple[SamplerState, SamplerInfo]]


def _init_fn(potential_fn: Callable) -> Callable[[Array], SamplerState]:
    def init(position):
        potential, grad = jax.value_and_grad(potential_fn)(position)
        return SamplerState(position, potential, grad)

    return init


def _metropolis(key, state, proposal, log_ratio):
    """Accept ``proposal`` with probability ``min(1, exp(log_ratio))`` (NaN rejects)."""
    log_ratio = jnp.where(jnp.isnan(log_ratio), -jnp.inf, log_ratio)
    acceptance = jnp.exp(jnp.minimum(log_ratio, 0.0))
    accepted = jax.random.uniform(key) < acceptance
    new_state = jax.tree.map(lambda new, old: jnp.where(accepted, new, old), proposal, state)
    divergent = ~(-log_ratio < DIVERGENCE_THRESHOLD)
    return new_state, SamplerInfo(acceptance, accepted, divergent)


def _langevin_proposal(key, state, step_size, inverse_mass):
    noise = jax.random.normal(key, state.position.shape, state.position.dtype)
    drift = state.position - step_size * inverse_mass * state.grad
    return drift + jnp.sqrt(2.0 * step_size * inverse_mass) * noise


def ula(potential_fn: Callable, step_size, inverse_mass=1.0) -> Kernel:
    """Unadjusted Langevin: Euler-Maruyama on ``dx = -m ∇U dt + sqrt(2 m) dW``.

    Parameters
    ----------
    potential_fn : callable (D,) -> scalar
    step_size : scalar
        The time step ``h``; the stationary law is biased by ``O(h)``.
    inverse_mass : scalar or (D,) array
        Diagonal preconditioner ``m``.
    """
    init = _init_fn(potential_fn)

    def step(key, state):
        new_state = init(_langevin_proposal(key, state, step_size, inverse_mass))
        finite = jnp.isfinite(new_state.potential)
        one = jnp.ones((), state.potential.dtype)
        return new_state, SamplerInfo(one, jnp.array(True), ~finite)

    return Kernel(init, step)


def mala(potential_fn: Callable, step_size, inverse_mass=1.0) -> Kernel:
    """Metropolis-adjusted Langevin: the ULA proposal, corrected by Metropolis-Hastings.

    Parameters are those of :func:`ula`; the stationary law is exact for any step size.
    """
    init = _init_fn(potential_fn)

    def log_proposal(to, start):
        """log q(to | start) up to a constant shared by both directions."""
        mean = start.position - step_size * inverse_mass * start.grad
        return -jnp.sum((to.position - mean) ** 2 / inverse_mass) / (4.0 * step_size)

    def step(key, state):
        proposal_key, accept_key = jax.random.split(key)
        proposal = init(_langevin_proposal(proposal_key, state, step_size, inverse_mass))
        log_ratio = (
            state.potential
            - proposal.potential
            + log_proposal(state, proposal)
            - log_proposal(proposal, state)
        )
        return _metropolis(accept_key, state, proposal, log_ratio)

    return Kernel(init, step)


def hmc(
    potential_fn: Callable,
    step_size,
    inverse_mass=1.0,
    *,
    num_integration_steps: int = 10,
    jitter: float = 0.5,
) -> Kernel:
    """Hamiltonian Monte Carlo with a leapfrog integrator and a diagonal mass matrix.

    Parameters
    ----------
    potential_fn : callable (D,) -> scalar
    step_size : scalar
        Leapfrog step size ``h``.
    inverse_mass : scalar or (D,) array
        Diagonal inverse mass ``m``: momenta are ``N(0, 1 / m)``, kinetic energy ``p m p / 2``.
    num_integration_steps : int
        Leapfrog steps per iteration (static).
    jitter : float in [0, 1)
        Each iteration draws its step size uniformly from ``h (1 ± jitter)`` (Neal 2011,
        section 5.4), which breaks the periodic orbits a fixed path length locks into (on a
        Gaussian, a path near a multiple of its period returns each trajectory to its
        start); 0 keeps the path length fixed.
    """
    init = _init_fn(potential_fn)
    gradient = jax.value_and_grad(potential_fn)

    def kinetic(momentum):
        return 0.5 * jnp.sum(inverse_mass * momentum**2)

    def leapfrog(carry, _, h):
        state, momentum = carry
        momentum = momentum - 0.5 * h * state.grad
        position = state.position + h * inverse_mass * momentum
        potential, grad = gradient(position)
        momentum = momentum - 0.5 * h * grad
        return (SamplerState(position, potential, grad), momentum), None

    def step(key, state):
        momentum_key, jitter_key, accept_key = jax.random.split(key, 3)
        dtype = state.position.dtype
        scale = jax.random.uniform(jitter_key, (), dtype, 1.0 - jitter, 1.0 + jitter)
        h = step_size * scale
        momentum = jax.random.normal(momentum_key, state.position.shape, dtype)
        momentum = momentum / jnp.sqrt(inverse_mass)
        (proposal, new_momentum), _ = jax.lax.scan(
            lambda carry, x: leapfrog(carry, x, h),
            (state, momentum),
            None,
            length=num_integration_steps,
        )
        log_ratio = (state.potential + kinetic(momentum)) - (
            proposal.potential + kinetic(new_momentum)
        )
        return _metropolis(accept_key, state, proposal, log_ratio)

    return Kernel(init, step)


def run_chain(
    key, kernel: Kernel, state: SamplerState, num_steps: int
) -> tuple[SamplerState, Float[Array, "S D"], SamplerInfo]:
    """Run one chain for ``num_steps`` iterations with ``lax.scan``.

    Returns
    -------
    state : SamplerState
        The last state.
    positions : (num_steps, D) array
        The position after each iteration.
    info : SamplerInfo
        Stacked per-iteration information, each field shaped (num_steps,).
    """

    def one_step(carry, step_key):
        new_state, info = kernel.step(step_key, carry)
        return new_state, (new_state.position, info)

    state, (positions, info) = jax.lax.scan(one_step, state, jax.random.split(key, num_steps))
    return state, positions, info
