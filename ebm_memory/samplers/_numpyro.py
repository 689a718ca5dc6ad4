"""numpyro's NUTS and HMC kernels driven by jitted scans, chains by ``vmap``.

numpyro's ``hmc`` returns a pure pair ``(init_kernel, sample_kernel)``; ``init_kernel`` fixes
the warm-up schedule and the step-size adaptation in the pair's closure, and
``sample_kernel`` needs them. The potential is handed over as a model argument
(``potential_fn_gen``), so that closure holds only static settings: one pair per settings is
built, initialised once in the warm-up, and its ``sample_kernel`` carries the state through
every sampling segment. Compiled once per shape (``MCMC.run`` recompiles on every call).
"""

from __future__ import annotations

import functools
import math

import jax

__all__ = ["NUMPYRO_HMC_PATH_LENGTH", "numpyro_segment", "numpyro_warmup"]

NUMPYRO_HMC_PATH_LENGTH = math.pi / 2
"""numpyro HMC's path length: a quarter period of a unit oscillator, so that on a
mass-adapted (unit-variance) Gaussian successive draws are uncorrelated; numpyro's default
2 pi is a full period there, which returns each trajectory to its start."""


def _potential_of(potential):
    """numpyro's ``potential_fn_gen``: the model argument is the potential itself."""
    return potential


@functools.cache
def _kernels(method: str, num_warmup: int, target_acceptance: float):
    """numpyro's ``(init_kernel, sample_kernel)`` pair for ``method`` ("nuts" or
    "numpyro_hmc"), one per settings (the settings its closure records are static)."""
    from numpyro.infer.hmc import hmc

    return hmc(potential_fn_gen=_potential_of, algo="NUTS" if method == "nuts" else "HMC")


@functools.partial(jax.jit, static_argnames=("method", "num_warmup", "target_acceptance"))
def numpyro_warmup(keys, init, potential, method, num_warmup, target_acceptance):
    """numpyro's initialisation and warm-up of each chain; returns the batched ``HMCState``."""
    init_kernel, sample_kernel = _kernels(method, num_warmup, target_acceptance)

    def one(key, position):
        state = init_kernel(
            position,
            num_warmup,
            target_accept_prob=target_acceptance,
            trajectory_length=NUMPYRO_HMC_PATH_LENGTH,
            rng_key=key,
            model_args=(potential,),
        )
        state, _ = jax.lax.scan(
            lambda current, _: (sample_kernel(current, (potential,)), None),
            state,
            length=num_warmup,
        )
        return state

    return jax.vmap(one)(keys, init)


@functools.partial(jax.jit, static_argnames=("method", "num_warmup", "target_acceptance", "length"))
def numpyro_segment(states, potential, method, num_warmup, target_acceptance, length):
    """``length`` further transitions of each chain from ``states`` (after
    :func:`numpyro_warmup` with the same settings); returns the states and the per-draw
    positions, acceptance probabilities and divergences, each (chains, length, ...)."""
    _, sample_kernel = _kernels(method, num_warmup, target_acceptance)

    def one(state):
        def step(current, _):
            current = sample_kernel(current, (potential,))
            return current, (current.z, current.accept_prob, current.diverging)

        return jax.lax.scan(step, state, length=length)

    return jax.vmap(one)(states)
