# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sampling from memory energies
#
# A memory energy is a negative log density: `p(x) = exp(-E(x) / T) / Z`. For the softmax
# memory at `T = 1 / beta` the density is a Gaussian mixture, so exact samples exist and
# every Markov chain can be checked against them. This tutorial draws from one memory with
# our Langevin (MALA) and Hamiltonian kernels and numpyro's NUTS, reads the diagnostics,
# samples a binary memory with Gibbs sweeps, and infers beta with numpyro.

# %%
import importlib.util
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.infer import MCMC, NUTS
from sklearn.datasets import make_moons

from ebm_memory import DenseAssociativeMemory
from ebm_memory.analysis import noise_benefit
from ebm_memory.datasets import load_binary_digits
from ebm_memory.energies import softmax_energy
from ebm_memory.plotting import plot_noise_benefit, rc_params, save_figure
from ebm_memory.samplers import MemoryMixture, sample

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout

# %% [markdown]
# ## A memory of 60 points on two moons
# With euclidean similarity the memory is a Gaussian KDE with bandwidth `beta ** -0.5`.

# %%
points, _ = make_moons(60, noise=0.05, random_state=0)
memory = DenseAssociativeMemory(similarity="euclidean", beta=30.0).fit(points)
memories = jnp.asarray(memory.memories_)


def energy(x):
    return softmax_energy(x, memories, 30.0, similarity="euclidean")


exact = memory.sample(2000, random_state=0)
results = {
    method: sample(
        energy,
        memories[:4],
        method=method,
        num_samples=1000,
        num_warmup=500,
        num_chains=4,
        temperature=1 / 30.0,
        key=jax.random.key(1),
        progress_bar=False,
    )
    for method in ("mala", "hmc", "nuts")
}

# %%
figure, axes = plt.subplots(1, 4, figsize=(12, 3.2), sharex=True, sharey=True, num="moons")
figure.suptitle("Draws from the two-moons memory at beta = 30")
axes[0].scatter(*exact.T, s=2)
axes[0].set_title("exact (2000 draws)")
for axis, (method, result) in zip(axes[1:], results.items(), strict=True):
    axis.scatter(*result.draws.reshape(-1, 2).T, s=2)
    axis.set_title(f"{method} (4 chains x 1000 draws)")
axes[0].set_ylabel("x2")
for axis in axes:
    axis.set_xlabel("x1")

# %% [markdown]
# Every result carries numpyro's ESS and split R-hat, the acceptance rate and the divergences.

# %%
for result in results.values():
    print(result.summary())

# %% [markdown]
# With arviz installed, `to_arviz()` hands the draws to its plots and diagnostics (an
# `InferenceData` with arviz 0.x, a `DataTree` with arviz 1.x, where the trace plot is
# `plot_trace_dist`).

# %%
if importlib.util.find_spec("arviz"):
    warnings.filterwarnings("ignore", r"\s*ArviZ is undergoing", FutureWarning)
    import arviz

    data = results["hmc"].to_arviz()
    print(arviz.ess(data))
    plot_trace = getattr(arviz, "plot_trace", None) or arviz.plot_trace_dist
    plot_trace(data)
    figure = plt.gcf()
    figure.set_label("hmc_trace")
    figure.suptitle("HMC on the two-moons memory: marginal densities and traces of 4 chains")
    density_axis, trace_axis = figure.axes[:2]
    density_axis.set(xlabel="coordinate value (x1 blue, x2 orange)", ylabel="density")
    trace_axis.set(xlabel="draw", ylabel="coordinate value")

# %% [markdown]
# ## The estimator samples too
# `DenseAssociativeMemory.sample` takes the same methods; `return_info=True` adds the
# run with its diagnostics.

# %%
draws, run = memory.sample(1000, random_state=0, method="hmc", return_info=True)
print(draws.shape, run.summary())

# %% [markdown]
# ## ULA's bias
# Unadjusted Langevin has no accept step: on a standard Gaussian its stationary variance is
# `1 / (1 - h / 2)` for step size `h`, not 1. MALA corrects the same proposal exactly.


# %%
def standard_normal(x):
    return 0.5 * jnp.sum(x**2)


for h in (0.05, 0.2, 0.8):
    runs = {
        method: sample(
            standard_normal,
            jnp.zeros(1),
            method=method,
            num_samples=20_000,
            num_warmup=0,
            num_chains=4,
            step_size=h,
            key=jax.random.key(4),
            progress_bar=False,
        )
        for method in ("ula", "mala")
    }
    print(
        f"h={h}: ULA variance {runs['ula'].draws.var():.3f} "
        f"(theory {1 / (1 - h / 2):.3f}), MALA {runs['mala'].draws.var():.3f}"
    )

# %% [markdown]
# ## Gibbs sampling of a binary memory
# Binary memories (Model A) sample by heat-bath sweeps over the bits. Here an exponential
# memory of 100 digits at temperature 2 (in units of its energy).

# %%
digits = load_binary_digits().patterns[:100]
binary = DenseAssociativeMemory("exponential", beta=0.2, temperature=2.0).fit(digits)
with np.errstate(invalid="ignore"):  # pixels that never flip have no defined ESS
    draws = binary.sample(8, random_state=0, method="gibbs", n_warmup=200, n_chains=8)
figure, axes = plt.subplots(1, 8, figsize=(8, 1.5), num="gibbs")
figure.suptitle("Gibbs draws of the binary digits memory at temperature 2 (8 chains)")
axes[0].set_ylabel("chain end")
for axis, image in zip(axes, draws, strict=True):
    axis.imshow(image.reshape(8, 8), cmap="gray_r")
    axis.set(xticks=[], yticks=[])

# %% [markdown]
# ## Inferring beta with numpyro
# `MemoryMixture` is a numpyro distribution with the exact normalised log density, so a
# memory energy can be a likelihood inside any numpyro model.

# %%
centres = jnp.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
data = MemoryMixture(centres, 4.0, similarity="euclidean").sample(jax.random.key(2), (400,))


def model(observations):
    beta = numpyro.sample("beta", dist.LogNormal(0.0, 1.0))
    numpyro.sample("obs", MemoryMixture(centres, beta, similarity="euclidean"), obs=observations)


mcmc = MCMC(NUTS(model), num_warmup=300, num_samples=500, progress_bar=False)
mcmc.run(jax.random.key(3), data)
posterior = np.asarray(mcmc.get_samples()["beta"])
low, high = np.quantile(posterior, [0.05, 0.95])
print(
    f"beta: true 4.0, posterior mean {posterior.mean():.2f}, 90% interval [{low:.2f}, {high:.2f}]"
)
assert low < 4.0 < high

# %% [markdown]
# ## Noisy recall
# Internal noise can help retrieval: deterministic dynamics stop in the first fixed point
# they meet, possibly a spurious mixture of patterns. `annealed_binary_recall` runs Gibbs
# sweeps at a temperature annealed from `T0` to zero, then descends to a fixed point.
# `noise_benefit` measures the bit error against `T0` for probes started at symmetric
# 3-mixtures of 5 random patterns in 100 neurons (the classical network, loading 0.05):
# moderate noise escapes the spurious mixtures, strong noise forgets the probe.

# %%
benefit = noise_benefit(random_state=0)
best = int(np.argmin(benefit.error))
print(
    f"error at T0=0: {benefit.error[0]:.3f}; at T0={benefit.temperatures[best]:g}: "
    f"{benefit.error[best]:.3f} +- {benefit.error_sem[best]:.3f}"
)
figure = plot_noise_benefit(benefit)
figure.set_label("noise_benefit")

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"02_sampling_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
