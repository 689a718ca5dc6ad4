"""Case 5, sampling: effective samples per second of our MALA and HMC against numpyro's NUTS
on memory energies, with the accuracy of each against exact samples.

Each target is a Model B memory at ``T = 1 / beta``: a Gaussian mixture of 4 overlapping
unit-variance components in 2, 16 or 64 dimensions. Ours goes through
:func:`ebm_memory.samplers.sample`; the peer is numpyro's NUTS kernel
(``numpyro.infer.hmc.hmc(algo="NUTS")`` with numpyro's warm-up) for vmapped chains in one
jitted scan, so that, like ours, it compiles once (``MCMC.run`` re-traces on every call).
4 chains, the same warm-up and draws. The time compared is seconds per 1,000 effective
samples (the smallest bulk ESS over the dimensions, numpyro's estimator), warm-up
included; accuracy is the largest two-sample Kolmogorov-Smirnov statistic over 8 random 1-D
projections against 20,000 exact draws.
"""

from __future__ import annotations

import statistics

import jax
import jax.numpy as jnp
import numpy as np
from numpyro.diagnostics import effective_sample_size
from numpyro.infer.hmc import hmc
from scipy.stats import ks_2samp

from benchmarks.harness import Timing, record, time_call
from ebm_memory.density.gaussian import sample_gaussian_mixture
from ebm_memory.energies import softmax_energy
from ebm_memory.samplers import sample

__all__ = ["SHAPES", "numpyro_nuts", "sampling_records"]

SHAPES = {
    "tiny": [(2, 100, 100)],
    "quick": [(2, 500, 300), (16, 500, 300)],
    "full": [(2, 2000, 1000), (16, 2000, 1000), (64, 2000, 1000)],
}
"""(dimension, draws per chain, warm-up) per benchmark size."""

OURS = ("mala", "hmc")
CHAINS = 4


def numpyro_nuts(potential, num_samples, num_warmup):
    """Jitted ``(keys (C,), init (C, D)) -> draws (C, S, D)`` of numpyro's NUTS kernel."""

    def one(key, position):
        init_kernel, sample_kernel = hmc(potential_fn=potential, algo="NUTS")
        state = init_kernel(position, num_warmup, rng_key=key)

        def step(current, _):
            current = sample_kernel(current)
            return current, current.z

        state, _ = jax.lax.scan(step, state, length=num_warmup)
        return jax.lax.scan(step, state, length=num_samples)[1]

    return jax.jit(jax.vmap(one))


def _target(dimension, seed=0):
    rng = np.random.default_rng(seed)
    memories = jnp.asarray(rng.normal(size=(4, dimension)) * 2.0 / np.sqrt(dimension))
    exact = np.asarray(
        sample_gaussian_mixture(jax.random.key(seed), memories, 1.0, "euclidean", 20_000)
    )
    directions = rng.normal(size=(8, dimension))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return memories, exact, directions, memories[rng.integers(0, 4, CHAINS)]


def _runners(memories, num_samples, num_warmup):
    def energy(x):
        return softmax_energy(x, memories, 1.0, similarity="euclidean")

    def ours(method):
        return lambda key, init: (
            sample(
                energy,
                init,
                method=method,
                key=key,
                num_samples=num_samples,
                num_warmup=num_warmup,
                num_chains=CHAINS,
                progress_bar=False,
            ).draws
        )

    peer = numpyro_nuts(energy, num_samples, num_warmup)
    runners = {method: ours(method) for method in OURS}
    runners["numpyro NUTS"] = lambda key, init: peer(jax.random.split(key, CHAINS), init)
    return runners


def _seconds_per_kess(run, key, init):
    seconds, draws = time_call(lambda: run(key, init))
    draws = np.asarray(draws)
    return 1000 * seconds / float(effective_sample_size(draws).min()), draws


def sampling_records(size: str, machine: dict, repeats: int = 3) -> list[dict]:
    """Records of each of our kernels against NUTS, per dimension of :data:`SHAPES`."""
    return [
        record_ for shape in SHAPES[size] for record_ in _sampling_shape_records(*shape, repeats)
    ]


def _sampling_shape_records(dimension, num_samples, num_warmup, repeats):
    memories, exact, directions, init = _target(dimension)
    runners = _runners(memories, num_samples, num_warmup)
    first = {
        name: time_call(lambda run=run: run(jax.random.key(0), init))[0]
        for name, run in runners.items()
    }
    costs = {name: [] for name in runners}
    draws = {}
    for repeat in range(repeats):  # alternate the samplers, fresh keys each round
        for name, run in runners.items():
            cost, draws[name] = _seconds_per_kess(run, jax.random.key(1 + repeat), init)
            costs[name].append(cost)
    ks = {
        name: max(ks_2samp(d.reshape(-1, dimension) @ u, exact @ u).statistic for u in directions)
        for name, d in draws.items()
    }
    peer_cost = statistics.median(costs["numpyro NUTS"])
    sizes = {"dimension": dimension, "chains": CHAINS, "draws": num_samples, "warmup": num_warmup}
    return [
        record(
            "sampling",
            f"{method} vs NUTS, mixture d={dimension}",
            sizes,
            f"ebm_memory {method} (seconds per 1000 ESS)",
            "numpyro NUTS (seconds per 1000 ESS)",
            Timing(
                statistics.median(costs[method]), peer_cost, first[method], first["numpyro NUTS"]
            ),
            "max KS statistic vs exact draws",
            ks[method],
            peer_ks=ks["numpyro NUTS"],
        )
        for method in OURS
    ]
