"""Warm-up for our kernels: dual-averaging step size and a windowed diagonal mass matrix.

Stan's schedule (numpyro's ``build_adaptation_schedule``): a fast initial window adapts only
the step size; slow windows of doubling length also accumulate the variance of the positions
(Welford), which becomes the inverse mass matrix at each window's end (regularised as in
Stan), after which dual averaging restarts around ``10 x`` the current step size; a fast
final window tunes the step size for the final mass matrix. The dual averaging and Welford
recursions are numpyro's (``numpyro.infer.hmc_util``); the loop is one ``lax.scan`` per
chain with the schedule baked in as static arrays.

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.samplers.adaptation import window_adaptation
>>> from ebm_memory.samplers.kernels import mala
>>> potential = lambda x: 0.5 * jnp.sum((x / jnp.array([1.0, 10.0])) ** 2)
>>> result = window_adaptation(jax.random.key(0), mala, potential, jnp.zeros(2), 500,
...                            target_acceptance=0.574, initial_step_size=0.1)
>>> bool(result.inverse_mass[1] > 10 * result.inverse_mass[0])
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ebm_memory.samplers.kernels import SamplerState

__all__ = ["AdaptationResult", "window_adaptation"]


class AdaptationResult(NamedTuple):
    """End of warm-up for one chain.

    Attributes
    ----------
    state : SamplerState
        Last warm-up state (the first sampling state).
    step_size : scalar array
        The dual-averaged step size of the final window.
    inverse_mass : (D,) array
        Diagonal inverse mass matrix (ones when the mass is not adapted).
    """

    state: SamplerState
    step_size: Float[Array, ""]
    inverse_mass: Float[Array, " D"]


def _schedule(num_warmup: int, adapt_mass: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-iteration flags: inside a slow (mass) window, and at the end of one."""
    from numpyro.infer.hmc_util import build_adaptation_schedule

    in_slow = np.zeros(num_warmup, dtype=bool)
    window_end = np.zeros(num_warmup, dtype=bool)
    windows = build_adaptation_schedule(num_warmup)
    if adapt_mass and len(windows) >= 3:
        for window in windows[1:-1]:
            in_slow[window.start : window.end + 1] = True
            window_end[window.end] = True
    return in_slow, window_end


def window_adaptation(
    key,
    kernel_factory: Callable,
    potential_fn: Callable,
    position: Float[Array, " D"],
    num_warmup: int,
    *,
    target_acceptance: float,
    initial_step_size: float,
    adapt_mass: bool = True,
) -> AdaptationResult:
    """Warm up one chain, adapting its step size and diagonal mass matrix.

    Parameters
    ----------
    key : jax PRNG key
    kernel_factory : callable
        ``kernel_factory(potential_fn, step_size, inverse_mass) -> Kernel`` (e.g.
        :func:`~ebm_memory.samplers.kernels.mala`).
    potential_fn : callable (D,) -> scalar
    position : (D,) array
        Initial position.
    num_warmup : int
        Warm-up iterations (static); fewer than 20 adapt the step size only.
    target_acceptance : float
        Mean acceptance probability the step size is tuned to.
    initial_step_size : float
    adapt_mass : bool
        Estimate the diagonal inverse mass matrix in the slow windows.
    """
    from numpyro.infer.hmc_util import dual_averaging, welford_covariance

    in_slow, window_end = _schedule(num_warmup, adapt_mass)
    da_init, da_update = dual_averaging()
    wc_init, wc_update, wc_final = welford_covariance(diagonal=True)
    dim = position.shape[0]
    dtype = position.dtype

    def restart(step_size):
        return da_init(jnp.log(10.0 * step_size))

    def one_iteration(carry, inputs):
        state, step_size, inverse_mass, da_state, wc_state = carry
        step_key, slow, end = inputs
        kernel = kernel_factory(potential_fn, step_size, inverse_mass)
        state, info = kernel.step(step_key, state)
        da_state = da_update(target_acceptance - info.acceptance_rate, da_state)
        step_size = jnp.exp(da_state[0]).astype(dtype)
        wc_state = jax.tree.map(
            lambda new, old: jnp.where(slow, new, old),
            wc_update(state.position, wc_state),
            wc_state,
        )
        variance = wc_final(wc_state, regularize=True)[0].astype(dtype)
        inverse_mass = jnp.where(end, variance, inverse_mass)
        da_state = jax.tree.map(
            lambda fresh, old: jnp.where(end, fresh, old), restart(step_size), da_state
        )
        wc_state = jax.tree.map(
            lambda fresh, old: jnp.where(end, fresh, old), wc_init(dim), wc_state
        )
        return (state, step_size, inverse_mass, da_state, wc_state), None

    step_size = jnp.asarray(initial_step_size, dtype)
    inverse_mass = jnp.ones(dim, dtype)
    state = kernel_factory(potential_fn, step_size, inverse_mass).init(position)
    carry = (state, step_size, inverse_mass, restart(step_size), wc_init(dim))
    inputs = (jax.random.split(key, num_warmup), jnp.asarray(in_slow), jnp.asarray(window_end))
    (state, _, inverse_mass, da_state, _), _ = jax.lax.scan(one_iteration, carry, inputs)
    return AdaptationResult(state, jnp.exp(da_state[1]).astype(dtype), inverse_mass)
