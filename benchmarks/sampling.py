"""ESS per second of our MALA and HMC against numpyro's NUTS on memory energies.

Each case is a Model B memory (a Gaussian mixture with overlapping components) in 2, 16 or 64
dimensions. All samplers run in one process on the same energy, 4 chains each, the same
number of warm-up and kept draws. Reported: min-over-dimensions bulk ESS per second
(compilation included, as a user experiences it, and separately after a warm second run),
and accuracy against exact samples: the largest two-sample Kolmogorov-Smirnov statistic
over 1-D projections (the same 8 random directions for every sampler).

    python benchmarks/sampling.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import ks_2samp

from ebm_memory.density.gaussian import sample_gaussian_mixture
from ebm_memory.energies import softmax_energy
from ebm_memory.samplers import sample

METHODS = ("mala", "hmc", "nuts")


def _case(dimension, num_samples, num_warmup, seed=0):
    rng = np.random.default_rng(seed)
    beta = 1.0
    memories = jnp.asarray(rng.normal(size=(4, dimension)) * 1.0 / np.sqrt(dimension) * 2.0)

    def energy(x):
        return softmax_energy(x, memories, beta, similarity="euclidean")

    exact = np.asarray(
        sample_gaussian_mixture(jax.random.key(seed), memories, beta, "euclidean", 20_000)
    )
    directions = rng.normal(size=(8, dimension))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    init = memories[rng.integers(0, 4, 4)]
    rows = []
    for method in METHODS:
        kwargs = dict(
            method=method,
            num_samples=num_samples,
            num_warmup=num_warmup,
            num_chains=4,
            temperature=1 / beta,
            progress_bar=False,
        )
        cold = sample(energy, init, key=jax.random.key(seed + 1), **kwargs)
        warm = sample(energy, init, key=jax.random.key(seed + 2), **kwargs)
        draws = warm.draws.reshape(-1, dimension)
        ks = max(ks_2samp(draws @ d, exact @ d).statistic for d in directions)
        rows.append(
            {
                "case": f"mixture d={dimension}",
                "method": method,
                "min_ess": float(warm.effective_sample_size.min()),
                "seconds_first_call": cold.seconds,
                "seconds": warm.seconds,
                "ess_per_second": float(warm.effective_sample_size.min() / warm.seconds),
                "max_ks_statistic": float(ks),
                "acceptance_rate": warm.acceptance_rate,
                "max_r_hat": float(warm.r_hat.max()),
            }
        )
    nuts = next(row for row in rows if row["method"] == "nuts")
    for row in rows:
        row["ess_per_second_vs_nuts"] = row["ess_per_second"] / nuts["ess_per_second"]
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    sizes = [(2, 500, 300)] if args.quick else [(2, 2000, 1000), (16, 2000, 1000), (64, 2000, 1000)]
    rows = [row for size in sizes for row in _case(*size)]
    machine = {
        "platform": platform.platform(),
        "jax": jax.__version__,
        "device": str(jax.devices()[0]),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine, "cases": rows}
    (out / "sampling.json").write_text(json.dumps(report, indent=2))
    for row in rows:
        print(
            f"{row['case']:>16} {row['method']:>5}  ESS/s {row['ess_per_second']:9.1f} "
            f"(x{row['ess_per_second_vs_nuts']:.2f} NUTS)  KS {row['max_ks_statistic']:.3f} "
            f"accept {row['acceptance_rate']:.2f}  R-hat {row['max_r_hat']:.3f}"
        )


if __name__ == "__main__":
    main()
