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
# # In-context energies: a model that reads a dataset and returns its energy
#
# Schaeffer et al. ("Bridging Associative Memory and Probabilistic Modeling") train a
# transformer that takes a context set $D$ and a point $x$ and outputs an energy
# $E(x \mid D)$, so that $\exp(-E(x \mid D))$ is a density fitted to $D$ with no gradient step
# at test time. `InContextEnergy` is that model: a small set transformer whose last layer is a
# memory read-out (each context point a memory whose weight and width the transformer sets),
# trained across many random tasks by contrastive divergence with Langevin negatives.
#
# This tutorial trains a tiny model for a few steps to show the API, then uses the model that
# ships with the package.

# %%
from pathlib import Path

import jax
import matplotlib.pyplot as plt
import numpy as np
from sklearn.neighbors import KernelDensity

from ebm_memory import InContextEnergy
from ebm_memory.analysis.in_context import draw_context, loo_bandwidth, sharpening, summarise
from ebm_memory.incontext import HELD_OUT_FAMILIES, TRAINING_FAMILIES, mixture_log_prob
from ebm_memory.plotting import plot_contours, plot_sharpening, rc_params, save_figure

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout

# %% [markdown]
# ## Task families
#
# A task is a random density; a family draws tasks from a JAX key. Training uses random 2-D
# Gaussian mixtures and noisy shapes (rings, moons, lines); `crowded_mixture_2d` and
# `spiral_2d` are held out.

# %%
figure, axes = plt.subplots(1, 4, figsize=(12, 3.4), num="families")
figure.suptitle("One task of each family: 256 points")
axes[0].set_ylabel("x2")
for axis, family in zip(axes, [*TRAINING_FAMILIES, *HELD_OUT_FAMILIES], strict=True):
    _, points, _ = draw_context(family, 256, random_state=3)
    axis.scatter(*points.T, s=3)
    held_out = " (held out)" if family in HELD_OUT_FAMILIES else ""
    axis.set(title=f"{family}{held_out}", xlabel="x1", aspect="equal")

# %% [markdown]
# ## Training (tiny, to show the API)
#
# `fit` takes family names, a traceable `sampler(key, n_points)` or a list of datasets. The
# defaults (`InContextEnergy(random_state=0).fit(["mixture_2d", "shapes_2d"])`, or
# `ebm-memory train-in-context`) re-make the shipped model in a few minutes on a CPU;
# `checkpoint_path=` saves the last good parameters as training goes.

# %%
tiny = InContextEnergy(
    width=16,
    n_heads=2,
    context_layers=1,
    max_iter=20,
    chunk_size=10,
    tasks_per_step=4,
    queries_per_task=8,
    max_context=16,
    langevin_steps=5,
    random_state=0,
).fit(list(TRAINING_FAMILIES))
print(tiny.n_iter_, "steps; losses", np.round(tiny.history_["loss"][-5:], 3))

# %% [markdown]
# ## The shipped model on a context it never saw

# %%
model = InContextEnergy.pretrained()
task, context, test = draw_context("mixture_2d", 32, random_state=12_345)
energies = model.energy(test[:5], context)
print("energies of five fresh task points:", np.round(energies, 2))
print("log Z by quadrature:", round(model.log_partition(context), 3))
figure = plot_contours(model, [("32 context points", context)])
figure.suptitle("Energy of the shipped model on a fresh mixture_2d task")
figure.set_label("contours")

# %% [markdown]
# Sampling goes through our MALA kernel (or HMC, NUTS); the diagnostics come along.

# %%
draws, result = model.sample(context, 200, random_state=0, return_info=True)
print(result.summary())
kde = KernelDensity(bandwidth=loo_bandwidth(context)).fit(context)


def mean_true_log_lik(points):
    return float(np.mean(jax.vmap(mixture_log_prob, (None, 0))(task, np.float32(points))))


print("samples' mean log-likelihood under the true mixture:")
print("  in-context energy", round(mean_true_log_lik(draws), 3))
print("  KDE on the same context", round(mean_true_log_lik(kde.sample(200, random_state=0)), 3))

# %% [markdown]
# ## The energy sharpens as the context grows
#
# The same tasks, with 4, 16 and 64 context points (a few contexts here; `ebm-memory
# reproduce in_context` runs the full measurement).

# %%
results = sharpening(model, sizes=(4, 16, 64), n_contexts=3, n_samples=64, random_state=77)
for size, rows in results.items():
    mean, error = summarise(rows, "memory_width")
    print(f"n={size:3d}: memory width {mean:.3f} ± {error:.3f}")
figure = plot_sharpening(results)
figure.set_label("sharpening")

# %%
_, growing, _ = draw_context("mixture_2d", 64, random_state=10_007)
figure = plot_contours(model, [(f"n={n}", growing[:n]) for n in (4, 16, 64)])
figure.suptitle("The energy of one mixture_2d task as its context grows")
figure.set_label("growing_context")

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"05_in_context_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
