"""ESS per second of our MALA and HMC against numpyro's NUTS on memory energies.

Each case is a Model B memory (a Gaussian mixture with overlapping components) in 2, 16 or 64
dimensions. Our MALA and HMC (through ``ebm_memory.samplers.sample``) and numpyro's NUTS
kernel (driven by a jitted scan, compiled once) run in one process on the same energy, 4
vectorised chains each, the same number of warm-up and kept draws. A first call per sampler
compiles (its time is reported separately); then the samplers run in turn, alternating, for
several repeats with fresh keys and the median is reported. Reported: min-over-dimensions
bulk ESS per second (warm-up and sampling time), and accuracy against exact samples: the
largest two-sample Kolmogorov-Smirnov statistic over 1-D projections (the same 8 random
directions for every sampler).

    python benchmarks/sampling.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from common import write_report
from numpyro.diagnostics import effective_sample_size, split_gelman_rubin
from numpyro.infer.hmc import hmc
from scipy.stats import ks_2samp

from ebm_memory.density.gaussian import sample_gaussian_mixture
from ebm_memory.energies import softmax_energy
from ebm_memory.samplers import sample

OURS = ("mala", "hmc")
PEER = "numpyro nuts"


class NumpyroNuts:
    """The peer: numpyro's NUTS kernel (``numpyro.infer.hmc.hmc(algo="NUTS")``, numpyro's
    warm-up) for 4 vmapped chains in one jitted scan, so that, like ours, it compiles once.
    (``MCMC.run`` re-traces on every call: about 2 s per call on 2 CPU cores.)"""

    def __init__(self, potential, num_samples, num_warmup):
        def one(key, position):
            init_kernel, sample_kernel = hmc(potential_fn=potential, algo="NUTS")
            state = init_kernel(position, num_warmup, rng_key=key)

            def step(current, _):
                current = sample_kernel(current)
                return current, current.z

            state, _ = jax.lax.scan(step, state, length=num_warmup)
            return jax.lax.scan(step, state, length=num_samples)[1]

        self.run = jax.jit(jax.vmap(one))

    def __call__(self, key, init):
        start = time.perf_counter()
        draws = np.asarray(self.run(jax.random.split(key, init.shape[0]), init))
        return draws, time.perf_counter() - start


def _ours(energy, method, kwargs):
    def run(key, init):
        result = sample(energy, init, method=method, key=key, **kwargs)
        return result.draws, result.seconds

    return run


def _case(dimension, num_samples, num_warmup, repeats, seed=0):
    rng = np.random.default_rng(seed)
    memories = jnp.asarray(rng.normal(size=(4, dimension)) * 2.0 / np.sqrt(dimension))

    def energy(x):
        return softmax_energy(x, memories, 1.0, similarity="euclidean")

    exact = np.asarray(
        sample_gaussian_mixture(jax.random.key(seed), memories, 1.0, "euclidean", 20_000)
    )
    directions = rng.normal(size=(8, dimension))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    init = memories[rng.integers(0, 4, 4)]
    kwargs = dict(num_samples=num_samples, num_warmup=num_warmup, num_chains=4)
    runners = {method: _ours(energy, method, {**kwargs, "progress_bar": False}) for method in OURS}
    runners[PEER] = NumpyroNuts(energy, num_samples, num_warmup)
    first_call = {name: run(jax.random.key(seed), init)[1] for name, run in runners.items()}
    runs = {name: [] for name in runners}
    for repeat in range(repeats):
        for name, run in runners.items():
            draws, seconds = run(jax.random.key(seed + 1 + repeat), init)
            ess = float(effective_sample_size(draws).min())
            runs[name].append((ess / seconds, ess, seconds, draws))
    rows = []
    for name, results in runs.items():
        ess_per_second, ess, seconds, draws = sorted(results, key=lambda r: r[0])[repeats // 2]
        flat = draws.reshape(-1, dimension)
        ks = max(ks_2samp(flat @ d, exact @ d).statistic for d in directions)
        rows.append(
            {
                "case": f"mixture d={dimension}",
                "method": name,
                "min_ess": ess,
                "seconds_first_call": first_call[name],
                "seconds": seconds,
                "ess_per_second": ess_per_second,
                "max_ks_statistic": float(ks),
                "max_r_hat": float(split_gelman_rubin(draws).max()),
            }
        )
    peer = next(row for row in rows if row["method"] == PEER)
    for row in rows:
        row["ess_per_second_vs_nuts"] = row["ess_per_second"] / peer["ess_per_second"]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [(2, 500, 300)] if args.quick else [(2, 2000, 1000), (16, 2000, 1000), (64, 2000, 1000)]
    rows = [row for size in sizes for row in _case(*size, args.repeats)]
    write_report(args.out, "sampling.json", rows)
    for row in rows:
        print(
            f"{row['case']:>16} {row['method']:>12}  ESS/s {row['ess_per_second']:9.1f} "
            f"(x{row['ess_per_second_vs_nuts']:.2f} NUTS)  KS {row['max_ks_statistic']:.3f} "
            f"R-hat {row['max_r_hat']:.3f}  first call {row['seconds_first_call']:.1f} s"
        )


if __name__ == "__main__":
    main()
