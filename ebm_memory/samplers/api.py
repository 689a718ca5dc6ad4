"""``sample``: one entry point to our Langevin / MALA / HMC kernels and numpyro's NUTS.

The target density is ``exp(-energy(x) / T)``: the potential handed to every kernel (and to
numpyro as ``potential_fn``) is ``energy / T``. Chains run in parallel with ``vmap``; warm-up
adapts the step size by dual averaging and a diagonal mass matrix (MALA, HMC; numpyro's
own adaptation for NUTS).

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.samplers import sample
>>> energy = lambda x: 0.5 * jnp.sum(x**2)
>>> result = sample(energy, jnp.zeros(2), method="mala", num_samples=200, num_warmup=100,
...                 num_chains=2, key=jax.random.key(0), progress_bar=False)
>>> result.draws.shape
(2, 200, 2)
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial
from numpyro.infer.hmc import hmc as numpyro_hmc
from tqdm.auto import tqdm

from ebm_memory._validation import (
    check_integer,
    check_open_unit,
    check_positions,
    check_positive,
    check_prng_key,
    check_scalar_energy,
)
from ebm_memory.samplers.adaptation import window_adaptation
from ebm_memory.samplers.diagnostics import SamplingResult, summarise
from ebm_memory.samplers.kernels import hmc, mala, run_chain, ula

__all__ = ["METHODS", "sample"]

METHODS = ("ula", "mala", "hmc", "nuts", "numpyro_hmc")
NUMPYRO_METHODS = ("nuts", "numpyro_hmc")
NUMPYRO_HMC_PATH_LENGTH = math.pi / 2
"""numpyro HMC's path length: a quarter period of a unit oscillator, so that on a
mass-adapted (unit-variance) Gaussian successive draws are uncorrelated; numpyro's default
2 pi is a full period there, which returns each trajectory to its start."""
_DEFAULT_TARGETS = {"ula": 1.0, "mala": 0.574, "hmc": 0.65, "nuts": 0.8, "numpyro_hmc": 0.8}
SEGMENTS = 10


def _kernel_factory(method: str, num_integration_steps: int):
    if method == "hmc":
        return functools.partial(hmc, num_integration_steps=num_integration_steps)
    return {"ula": ula, "mala": mala}[method]


def _warn_non_finite(draws: np.ndarray, method: str, step_size: float) -> None:
    """``RuntimeWarning`` with the count and share of draws (chains, draws, D) holding NaN or
    infinite coordinates."""
    bad = ~np.all(np.isfinite(draws), axis=-1)
    if not bad.any():
        return
    hint = (
        f"lower step_size (now {step_size:g}): ULA has no accept step and diverges when the "
        "step is too large for the energy's curvature"
        if method == "ula"
        else "check that the energy grows at least quadratically far from its minima, or "
        f"lower step_size (now {step_size:g}) and raise num_warmup"
    )
    warnings.warn(
        f"{int(bad.sum())} of {bad.size} draws ({bad.mean():.1%}) are not finite: the "
        f"{method} chains diverged; {hint}.",
        RuntimeWarning,
        stacklevel=3,
    )


def _check_start(potential, init):
    values, grads = jax.vmap(jax.value_and_grad(potential))(init)
    bad = ~(jnp.isfinite(values) & jnp.all(jnp.isfinite(grads), axis=-1))
    if bool(jnp.any(bad)):
        chains = np.flatnonzero(np.asarray(bad)).tolist()
        raise ValueError(
            f"The energy or its gradient is not finite at the initial position of chains "
            f"{chains}; start the chains where the density is positive and smooth."
        )


@functools.partial(jax.jit, static_argnames=("method", "num_warmup", "num_integration_steps"))
def _warmup(
    keys, init, potential, method, num_warmup, num_integration_steps, step_size, target_acceptance
):
    factory = _kernel_factory(method, num_integration_steps)

    def one(key, position):
        if method == "ula" or num_warmup == 0:
            kernel = factory(potential, step_size)
            state = kernel.init(position)
            if num_warmup:
                state, _, _ = run_chain(key, kernel, state, num_warmup)
            return state, step_size, jnp.ones_like(position)
        adapted = window_adaptation(
            key,
            factory,
            potential,
            position,
            num_warmup,
            target_acceptance=target_acceptance,
            initial_step_size=step_size,
        )
        return adapted.state, adapted.step_size, adapted.inverse_mass

    return jax.vmap(one)(keys, init)


@functools.partial(jax.jit, static_argnames=("method", "length", "num_integration_steps"))
def _segment(
    keys, states, step_sizes, inverse_masses, potential, method, length, num_integration_steps
):
    factory = _kernel_factory(method, num_integration_steps)

    def one(key, state, step, mass):
        return run_chain(key, factory(potential, step, mass), state, length)

    return jax.vmap(one)(keys, states, step_sizes, inverse_masses)


def _run_ours(
    key,
    potential,
    init,
    method,
    num_samples,
    num_warmup,
    step_size,
    target_acceptance,
    num_integration_steps,
    progress_bar,
):
    warm_key, sample_key = jax.random.split(key)
    chains = init.shape[0]
    states, steps, masses = _warmup(
        jax.random.split(warm_key, chains),
        init,
        potential,
        method,
        num_warmup,
        num_integration_steps,
        step_size,
        target_acceptance,
    )
    segment_keys = jax.random.split(sample_key, SEGMENTS)

    def segment(states, index, length):
        states, draws, info = _segment(
            jax.random.split(segment_keys[index], chains),
            states,
            steps,
            masses,
            potential,
            method,
            length,
            num_integration_steps,
        )
        return states, draws, info.acceptance_rate, info.is_divergent

    _, draws, stats = _collect(segment, states, num_samples, method, progress_bar)
    return draws, stats, np.asarray(steps)


def _collect(segment, states, num_samples, method, progress_bar):
    """Run ``SEGMENTS`` jitted segments of the sampling phase (a progress bar ticks per
    segment) and concatenate the draws (chains, num_samples, D) and per-draw statistics."""
    length = -(-num_samples // SEGMENTS)
    positions, accept, diverging = [], [], []
    for index in tqdm(range(SEGMENTS), desc=f"{method} sampling", disable=not progress_bar):
        states, draws, acceptance, divergent = segment(states, index, length)
        positions.append(draws)
        accept.append(acceptance)
        diverging.append(divergent)
    stats = {
        "acceptance_rate": np.concatenate(accept, axis=1)[:, :num_samples],
        "diverging": np.concatenate(diverging, axis=1)[:, :num_samples],
    }
    return states, np.concatenate(positions, axis=1)[:, :num_samples], stats


def _numpyro_kernel(potential, position, method, num_warmup, target_acceptance, key):
    """numpyro's pure ``(init_kernel, sample_kernel)`` pair for NUTS or HMC, initialised at
    ``position``: numpyro's contract is that ``init_kernel`` runs before ``sample_kernel``
    (it fixes the integrator and the warm-up schedule in the pair's closure)."""
    init_kernel, sample_kernel = numpyro_hmc(
        potential_fn=potential, algo="NUTS" if method == "nuts" else "HMC"
    )
    state = init_kernel(
        position,
        num_warmup,
        target_accept_prob=target_acceptance,
        trajectory_length=NUMPYRO_HMC_PATH_LENGTH,
        rng_key=key,
    )
    return state, sample_kernel


@functools.partial(jax.jit, static_argnames=("method", "num_warmup"))
def _numpyro_warmup(keys, init, potential, method, num_warmup, target_acceptance):
    def one(key, position):
        state, sample_kernel = _numpyro_kernel(
            potential, position, method, num_warmup, target_acceptance, key
        )
        state, _ = jax.lax.scan(lambda s, _: (sample_kernel(s), None), state, length=num_warmup)
        return state

    return jax.vmap(one)(keys, init)


@functools.partial(jax.jit, static_argnames=("method", "num_warmup", "length"))
def _numpyro_segment(states, potential, method, num_warmup, length, target_acceptance):
    def one(state):
        _, sample_kernel = _numpyro_kernel(
            potential, state.z, method, num_warmup, target_acceptance, state.rng_key
        )

        def step(current, _):
            current = sample_kernel(current)
            return current, (current.z, current.accept_prob, current.diverging)

        return jax.lax.scan(step, state, length=length)

    return jax.vmap(one)(states)


def _run_numpyro(
    key, potential, init, method, num_samples, num_warmup, target_acceptance, progress_bar
):
    """numpyro's NUTS or HMC kernels (numpyro's own warm-up) on ``potential_fn = energy / T``,
    chains by ``vmap``, driven by jitted scans: compiled once per shape (``MCMC.run``
    recompiles on every call) and fine on a single CPU device."""
    chains = init.shape[0]
    states = _numpyro_warmup(
        jax.random.split(key, chains), init, potential, method, num_warmup, target_acceptance
    )

    def segment(states, index, length):
        states, (draws, acceptance, divergent) = _numpyro_segment(
            states, potential, method, num_warmup, length, target_acceptance
        )
        return states, draws, acceptance, divergent

    states, draws, stats = _collect(segment, states, num_samples, method, progress_bar)
    return draws, stats, np.asarray(states.adapt_state.step_size)


def sample(
    energy_fn: Callable,
    init,
    *,
    method: str,
    num_samples: int,
    num_warmup: int = 1000,
    num_chains: int = 1,
    temperature: float = 1.0,
    key,
    step_size: float = 0.1,
    target_acceptance: float | None = None,
    num_integration_steps: int = 10,
    progress_bar: bool = True,
) -> SamplingResult:
    """Draw from ``exp(-energy_fn(x) / temperature)``.

    Parameters
    ----------
    energy_fn : callable
        Energy of ONE position (D,) -> scalar; must be differentiable with JAX. Calls with
        the same function object and shapes reuse the compiled sampler, whatever the
        temperature. To change array parameters without recompiling, pass them as a
        ``jax.tree_util.Partial(f, memories, beta)`` (they are then traced arguments).
    init : array (D,) or (num_chains, D)
        Initial positions (a single one is shared by all chains).
    method : {"ula", "mala", "hmc", "nuts", "numpyro_hmc"}
        Our unadjusted Langevin, Metropolis-adjusted Langevin and Hamiltonian kernels, or
        numpyro's NUTS and HMC (``potential_fn = energy / T``, numpyro's own warm-up; HMC
        with the path length :data:`NUMPYRO_HMC_PATH_LENGTH`).
    num_samples, num_warmup, num_chains : int
        Draws kept per chain (at least 4, for split R-hat), warm-up iterations per chain,
        parallel chains.
    temperature : float
        ``T > 0``; the potential is ``energy / T``.
    key : jax PRNG key
        ``jax.random.key(seed)`` (or a legacy ``jax.random.PRNGKey(seed)``).
    step_size : float
        Initial step size (MALA, HMC: adapted during warm-up); ULA's fixed step size. ULA
        has no accept step, so its stationary law is biased by O(step_size).
    target_acceptance : float in (0, 1), optional
        Warm-up target; None: 0.574 for MALA, 0.65 for HMC, 0.8 for numpyro's kernels.
    num_integration_steps : int
        Leapfrog steps per HMC iteration (ours: the step size drawn uniformly from
        ``h (1 ± 0.5)`` each iteration, so path lengths vary and never lock into a period).
    progress_bar : bool

    Returns
    -------
    SamplingResult
        Draws (num_chains, num_samples, D) with ESS, split R-hat, acceptance and
        divergences, and ``to_arviz()``.

    Raises
    ------
    TypeError, ValueError
        Before any sampling, for an argument out of range, a non-real, non-finite or empty
        ``init``, a ``key`` that is not a PRNG key, or an ``energy_fn`` that fails on one
        position of ``init`` or does not return a real scalar.

    Warns
    -----
    RuntimeWarning
        When some draws are not finite (the chains diverged), with their count and share.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    num_samples = check_integer("num_samples", num_samples, minimum=4)
    num_warmup = check_integer("num_warmup", num_warmup, minimum=0)
    num_chains = check_integer("num_chains", num_chains, minimum=1)
    check_integer("num_integration_steps", num_integration_steps, minimum=1)
    check_positive("temperature", temperature)
    check_positive("step_size", step_size)
    if target_acceptance is None:
        target = _DEFAULT_TARGETS[method]
    else:
        target = check_open_unit("target_acceptance", target_acceptance)
    check_prng_key(key)
    if not callable(energy_fn):
        raise TypeError(f"energy_fn must be callable, got {type(energy_fn).__name__}.")
    init = check_positions(init, num_chains)
    init = init.astype(jnp.result_type(init.dtype, check_scalar_energy(energy_fn, init[0])))
    if not isinstance(energy_fn, Partial):
        energy_fn = Partial(energy_fn)
    potential = Partial(_tempered, energy_fn, jnp.asarray(1.0 / temperature, init.dtype))
    _check_start(potential, init)
    start = time.perf_counter()
    if method in NUMPYRO_METHODS:
        draws, stats, steps = _run_numpyro(
            key,
            potential,
            init,
            method,
            num_samples,
            num_warmup,
            target,
            progress_bar,
        )
    else:
        draws, stats, steps = _run_ours(
            key,
            potential,
            init,
            method,
            num_samples,
            num_warmup,
            step_size,
            target,
            num_integration_steps,
            progress_bar,
        )
    _warn_non_finite(draws, method, step_size)
    return summarise(draws, method, stats, steps, time.perf_counter() - start)


def _tempered(energy_fn, inverse_temperature, position):
    """``energy / T`` in the position's dtype (numpyro's tree building needs them equal)."""
    return (energy_fn(position) * inverse_temperature).astype(position.dtype)
