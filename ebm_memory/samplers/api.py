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
import time
import warnings
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

from ebm_memory._validation import (
    check_integer,
    check_open_unit,
    check_positions,
    check_positive,
    check_prng_key,
    check_scalar_energy,
)
from ebm_memory.samplers._numpyro import numpyro_segment, numpyro_warmup
from ebm_memory.samplers.adaptation import window_adaptation
from ebm_memory.samplers.diagnostics import SamplingResult, summarise
from ebm_memory.samplers.kernels import hmc, mala, run_chain, ula

__all__ = ["METHODS", "sample"]

METHODS = ("ula", "mala", "hmc", "nuts", "numpyro_hmc")
NUMPYRO_METHODS = ("nuts", "numpyro_hmc")
_DEFAULT_TARGETS = {"ula": 1.0, "mala": 0.574, "hmc": 0.65, "nuts": 0.8, "numpyro_hmc": 0.8}
SEGMENTS = 10


class _Plan(NamedTuple):
    """The validated settings of one :func:`sample` call."""

    method: str
    num_samples: int
    num_warmup: int
    step_size: float
    target_acceptance: float
    num_integration_steps: int
    progress_bar: bool


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


def _run_ours(key, potential, init, plan: _Plan):
    """Warm-up then ``SEGMENTS`` segments of our ULA / MALA / HMC kernels."""
    warm_key, sample_key = jax.random.split(key)
    chains = init.shape[0]
    static = dict(method=plan.method, num_integration_steps=plan.num_integration_steps)
    states, steps, masses = _warmup(
        jax.random.split(warm_key, chains),
        init,
        potential,
        num_warmup=plan.num_warmup,
        step_size=plan.step_size,
        target_acceptance=plan.target_acceptance,
        **static,
    )
    segment_keys = jax.random.split(sample_key, SEGMENTS)

    def segment(states, index, length):
        keys = jax.random.split(segment_keys[index], chains)
        states, draws, info = _segment(
            keys, states, steps, masses, potential, **static, length=length
        )
        return states, draws, info.acceptance_rate, info.is_divergent

    _, draws, stats = _collect(segment, states, plan)
    return draws, stats, np.asarray(steps)


def _run_numpyro(key, potential, init, plan: _Plan):
    """numpyro's NUTS or HMC (numpyro's own warm-up) on ``potential_fn = energy / T``,
    initialised once, then ``SEGMENTS`` segments carrying the chains' states."""
    settings = dict(
        method=plan.method, num_warmup=plan.num_warmup, target_acceptance=plan.target_acceptance
    )
    states = numpyro_warmup(jax.random.split(key, init.shape[0]), init, potential, **settings)

    def segment(states, index, length):
        states, (draws, acceptance, divergent) = numpyro_segment(
            states, potential, **settings, length=length
        )
        return states, draws, acceptance, divergent

    states, draws, stats = _collect(segment, states, plan)
    return draws, stats, np.asarray(states.adapt_state.step_size)


def _collect(segment, states, plan: _Plan):
    """Run ``SEGMENTS`` jitted segments of the sampling phase (a progress bar ticks per
    segment) and concatenate the draws (chains, num_samples, D) and per-draw statistics."""
    num_samples = plan.num_samples
    length = -(-num_samples // SEGMENTS)
    positions, accept, diverging = [], [], []
    for index in _progress(range(SEGMENTS), f"{plan.method} sampling", plan.progress_bar):
        states, draws, acceptance, divergent = segment(states, index, length)
        positions.append(draws)
        accept.append(acceptance)
        diverging.append(divergent)
    stats = {
        "acceptance_rate": np.concatenate(accept, axis=1)[:, :num_samples],
        "diverging": np.concatenate(diverging, axis=1)[:, :num_samples],
    }
    return states, np.concatenate(positions, axis=1)[:, :num_samples], stats


def _progress(iterable, description: str, show: bool):
    """``iterable`` with a tqdm progress bar when ``show`` (tqdm imported only then)."""
    if not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description)


def _plan(method, num_samples, num_warmup, step_size, target_acceptance, steps, progress_bar):
    """Check the sampler settings and resolve the default acceptance target."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    num_samples = check_integer("num_samples", num_samples, minimum=4)
    num_warmup = check_integer("num_warmup", num_warmup, minimum=0)
    check_integer("num_integration_steps", steps, minimum=1)
    check_positive("step_size", step_size)
    if target_acceptance is None:
        target = _DEFAULT_TARGETS[method]
    else:
        target = check_open_unit("target_acceptance", target_acceptance)
    return _Plan(method, num_samples, num_warmup, step_size, target, steps, bool(progress_bar))


def _tempered_potential(energy_fn, init, num_chains: int, temperature):
    """The chains' starts (num_chains, D) and the potential ``energy / T`` as a ``Partial``."""
    if not callable(energy_fn):
        raise TypeError(f"energy_fn must be callable, got {type(energy_fn).__name__}.")
    init = check_positions(init, num_chains)
    init = init.astype(jnp.result_type(init.dtype, check_scalar_energy(energy_fn, init[0])))
    if not isinstance(energy_fn, Partial):
        energy_fn = Partial(energy_fn)
    potential = Partial(_tempered, energy_fn, jnp.asarray(1.0 / temperature, init.dtype))
    _check_start(potential, init)
    return init, potential


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
    init : array-like of shape (D,) or (num_chains, D)
        Initial positions (a single one is shared by all chains).
    method : {"ula", "mala", "hmc", "nuts", "numpyro_hmc"}
        Our unadjusted Langevin, Metropolis-adjusted Langevin and Hamiltonian kernels, or
        numpyro's NUTS and HMC (``potential_fn = energy / T``, numpyro's own warm-up; HMC
        with the path length :data:`~ebm_memory.samplers._numpyro.NUMPYRO_HMC_PATH_LENGTH`, a
        quarter period of a unit oscillator).
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
        Show a tqdm progress bar that ticks once per tenth of the sampling phase.

    Returns
    -------
    SamplingResult
        Draws of shape (num_chains, num_samples, D) with ESS, split R-hat, acceptance and
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

    See Also
    --------
    ebm_memory.samplers.SamplingResult : What it returns, with diagnostics.
    ebm_memory.samplers.MemoryMixture : Exact draws where the density is a Gaussian mixture.
    ebm_memory.samplers.sample_gibbs : Sampling of binary (Model A) energies.
    ebm_memory.DenseAssociativeMemory.sample : Sampling a fitted memory.

    Examples
    --------
    >>> import jax
    >>> import jax.numpy as jnp
    >>> result = sample(lambda x: 0.5 * jnp.sum(x**2), jnp.zeros(2), method="mala",
    ...                 num_samples=50, num_warmup=50, num_chains=2, key=jax.random.key(0),
    ...                 progress_bar=False)
    >>> result.draws.shape, result.r_hat.shape
    ((2, 50, 2), (2,))
    """
    plan = _plan(
        method,
        num_samples,
        num_warmup,
        step_size,
        target_acceptance,
        num_integration_steps,
        progress_bar,
    )
    num_chains = check_integer("num_chains", num_chains, minimum=1)
    check_positive("temperature", temperature)
    check_prng_key(key)
    init, potential = _tempered_potential(energy_fn, init, num_chains, temperature)
    start = time.perf_counter()
    run = _run_numpyro if method in NUMPYRO_METHODS else _run_ours
    draws, stats, steps = run(key, potential, init, plan)
    _warn_non_finite(draws, method, step_size)
    return summarise(draws, method, stats, steps, time.perf_counter() - start)


def _tempered(energy_fn, inverse_temperature, position):
    """``energy / T`` in the position's dtype (numpyro's tree building needs them equal)."""
    return (energy_fn(position) * inverse_temperature).astype(position.dtype)
