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
# # Energies, dynamics and retrieval
#
# A dense associative memory is specified by two Lagrangians (Krotov & Hopfield 2021):
# one for the feature neurons `v`, one for the hidden (memory) neurons `h`. Their gradients are
# the activations, and the energy
#
# $E(v, h) = [(v - I)\cdot g - L_v] + [h \cdot f - L_h] - f^\top \xi g$
#
# never increases along the network's dynamics when both Lagrangians are convex.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ebm_memory import TwoLayerNetwork, interactions, lagrangians
from ebm_memory.datasets import flip_pixels, load_binary_digits
from ebm_memory.dynamics import retrieve_binary, retrieve_softmax
from ebm_memory.plotting import rc_params, save_figure

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout
rng = np.random.default_rng(0)

# %% [markdown]
# ## Continuous dynamics: the energy is a Lyapunov function
# Quadratic feature neurons and a softmax hidden layer give Model B (the modern Hopfield
# network). We integrate from a noisy version of a stored pattern.

# %%
memories = rng.choice([-1.0, 1.0], size=(10, 32))
net = TwoLayerNetwork(
    lagrangians.quadratic(), lagrangians.softmax(beta=0.2), memories, tau_f=1.0, tau_h=0.2
)
start = flip_pixels(memories[0], 0.25, rng)
path = net.integrate(start, t1=15.0, dt=0.05)
overlap = np.asarray(path.v) @ memories[0] / 32

figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2), num="continuous_dynamics")
left.plot(path.times, path.energy)
left.set(xlabel="time", ylabel="energy", title="energy never increases")
right.plot(path.times, overlap)
right.set(xlabel="time", ylabel="overlap with the stored pattern", title="retrieval")
figure.suptitle("Model B from a stored pattern with 25% of its bits flipped")
assert np.all(np.diff(np.asarray(path.energy)) <= 1e-5)

# %% [markdown]
# ## Capacity: classical versus dense memories
# The classical Hopfield network ($F(x) = x^2$) stores about $0.14N$ random patterns; the
# polynomial and exponential interactions store far more. Here $N = 64$ and we store 30
# patterns (almost $0.5N$), then retrieve them from 10% flipped bits.

# %%
patterns = rng.choice([-1.0, 1.0], size=(30, 64))
noisy = flip_pixels(patterns, 0.1, rng)
for interaction in (
    interactions.classical(),
    interactions.polynomial(3),
    interactions.exponential(1.0),
):
    result = retrieve_binary(noisy, patterns, interaction)
    exact = np.mean(np.all(np.asarray(result.states) == patterns, axis=1))
    print(f"{interaction!r:40} patterns restored exactly: {exact:.0%}")

# %% [markdown]
# ## Digits: completing occluded images
# Unknown pixels are 0; known pixels are clamped with `mask`. The softmax model retrieves most
# queries in a few attention steps; a query whose top rows fit several stored digits takes
# more, while the attention settles on one of them.

# %%
digits = load_binary_digits()
stored, queries = digits.patterns[:1500], digits.patterns[1500:1508]
known = np.ones(64, bool)
known[40:] = False
occluded = np.where(known, queries, 0.0)
completed = retrieve_softmax(occluded, stored, beta=2.0, mask=known)
figure, axes = plt.subplots(3, 8, figsize=(8, 3.4), num="completion")
for column in range(8):
    for row, images in enumerate((occluded, np.asarray(completed.states), queries)):
        axes[row, column].imshow(images[column].reshape(8, 8), cmap="gray_r", vmin=-1, vmax=1)
        axes[row, column].set(xticks=[], yticks=[])
for axis, name in zip(axes[:, 0], ("occluded", "completed", "true"), strict=True):
    axis.set_ylabel(name)
figure.suptitle("Softmax retrieval completes 8 binary digits from their top 40 pixels")
print("steps per query:", np.asarray(completed.n_steps))

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"08_energies_and_dynamics_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
