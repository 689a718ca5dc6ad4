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
import matplotlib.pyplot as plt
import numpy as np

from ebm_memory import TwoLayerNetwork, interactions, lagrangians
from ebm_memory.datasets import flip_pixels, load_binary_digits
from ebm_memory.dynamics import retrieve_binary, retrieve_softmax

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

figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(path.times, path.energy)
left.set(xlabel="time", ylabel="energy", title="energy never increases")
right.plot(path.times, overlap)
right.set(xlabel="time", ylabel="overlap with the stored pattern", title="retrieval")
figure.tight_layout()
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
# Unknown pixels are 0; known pixels are clamped with `mask`. The softmax model retrieves in
# a few attention steps.

# %%
digits = load_binary_digits()
stored, queries = digits.patterns[:1500], digits.patterns[1500:1508]
known = np.ones(64, bool)
known[40:] = False
occluded = np.where(known, queries, 0.0)
completed = retrieve_softmax(occluded, stored, beta=2.0, mask=known)
figure, axes = plt.subplots(3, 8, figsize=(8, 3.2))
for column in range(8):
    for row, images in enumerate((occluded, np.asarray(completed.states), queries)):
        axes[row, column].imshow(images[column].reshape(8, 8), cmap="gray_r", vmin=-1, vmax=1)
        axes[row, column].axis("off")
figure.suptitle("occluded / completed / true")
print("steps per query:", np.asarray(completed.n_steps))
