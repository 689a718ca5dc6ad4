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
# # Reproducing the papers
#
# Each experiment below is a module of `ebm_memory.experiments`: `run(quick, random_state)`
# measures through the science of `ebm_memory.analysis` and returns a typed result,
# `figure(result)` draws it and `table(result)` writes the measured values beside the
# published ones. `ebm-memory reproduce NAME [--quick]` (or `experiments.reproduce`) writes
# the figure, `results.json` and that table. This
# tutorial runs every experiment in its quick mode and prints how long each took (from
# seconds to a few minutes on 2 cores, `in_context` the longest); the full runs and their
# tables are in `docs/reproductions.md`.

# %%
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.display import Markdown, display
from sklearn.datasets import load_digits

from ebm_memory import experiments
from ebm_memory.dynamics import separation_report
from ebm_memory.plotting import save_figure

out = Path(tempfile.mkdtemp())
start_time = time.perf_counter()
print("experiments:", experiments.NAMES)


def show(name: str):
    """Run ``name`` in quick mode, show its table and figure, and return its result."""
    started = time.perf_counter()
    result = experiments.reproduce(name, out / name, quick=True)
    print(f"{name}: {time.perf_counter() - started:.1f} s")
    table = experiments.get(name).table(result)
    figure = experiments.get(name).figure(result)
    figure.set_label(name)
    if get_ipython():  # a notebook renders the table and shows the figure once, here
        display(Markdown(table))
        display(figure)
        plt.close(figure)
    else:
        print(table)
    return result


# %% [markdown]
# ## Capacity laws of dense associative memories
# Store P random +-1 patterns in a network of N neurons and start the asynchronous dynamics
# at each: the capacity is the largest P whose final states keep at most 1% wrong bits.
# Amit, Gutfreund & Sompolinsky: the classical network (`F(x) = x^2`) holds `0.138 N`;
# Krotov & Hopfield (2016): `F(x) = x^n` holds `~ N^(n-1)`; Demircigil et al. (2017):
# `F(x) = exp(x)` grows exponentially in N. The quick run uses two small N per model, so its
# fits are sanity checks; the full run (docs) fits N = 100-500 (classical), 24-96 (`x^3`),
# 12-32 (`x^4`).

# %%
capacity = show("capacity")

# %% [markdown]
# ## One-step retrieval in modern Hopfield networks (Ramsauer et al. 2021)
# Model B's update `f(xi) = X^T softmax(beta X xi)` retrieves a stored pattern in one step
# with an error exponentially small in `beta Delta_i`, where `Delta_i` is the pattern's
# separation from the others. The theorem guarantees it once `Delta_i` exceeds
# `2/(beta N) + ln(2 (N-1) N beta M^2) / beta`; beyond that threshold the measured error must
# stay below the bound `2 (N-1) M exp(-beta Delta_i)` (and below 1e-3). Below, as beta grows
# the fixed points change kind: the global average of all patterns, metastable averages of
# similar patterns (digits have many), then single patterns.

# %%
one_step = show("one_step")

# %% [markdown]
# `separation_report` tells a user which beta retrieves single patterns of *their* memories:

# %%
digits = load_digits().data
digits = digits - digits.mean(axis=0)
print(separation_report(digits / ((digits**2).sum(axis=1, keepdims=True) ** 0.5)))

# %% [markdown]
# ## Memory capacity of a kernel density estimator (Schaeffer et al. 2024)
# A Gaussian KDE of bandwidth `sigma` is a modern Hopfield energy with `beta = 1 / sigma^2`,
# and mean shift is its retrieval. Store N random points on a sphere of radius r in `R^D`:
# a point remains a memory when mean shift started there stays within `sigma / 2` of it.
# The capacity (where 90% remain) is finite, and grows exponentially in D at fixed
# `sigma / r` while `D <~ (r / sigma)^2`; Ramsauer et al.'s storage condition gives a valid
# but loose lower bound, the pairwise-merging estimate tracks the measurement.

# %%
kde_capacity = show("kde_capacity")

# %% [markdown]
# ## Dead neurons and the stability of fixed points (Fanaskov & Oseledets)
# With ReLU-like hidden Lagrangians, neurons with negative input are dead: the Hessian of the
# Lagrangian vanishes along them and the energy is flat over a whole non-compact region. The
# tools find those flat directions from the Hessian, decide stability from the Jacobian
# restricted to the Hessian's range, and label the flat region a basin when the fixed point
# it touches is stable; brute force (points sampled in the region, integrated) checks the
# label. A modified dynamics with the same fixed points has Lyapunov functions without flat
# regions.

# %%
dead_neurons = show("dead_neurons")

# %% [markdown]
# ## Growth of a nonparametric memory (Schaeffer et al. 2024)
# Memories created under a Chinese-restaurant prior grow like `alpha log n`, under
# Pitman-Yor like `n^d`, and stop at the number of components on a finite mixture
# (`04_mixtures_and_growth.py` has the details).

# %%
growth = show("growth")

# %%
print(f"all quick runs: {time.perf_counter() - start_time:.0f} s")

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"06_reproductions_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
