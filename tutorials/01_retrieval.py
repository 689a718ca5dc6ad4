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
# # Retrieval and density with `DenseAssociativeMemory`
#
# A dense associative memory stores patterns as the minima of an energy. This tutorial fits
# one on scikit-learn's digits and walks through the estimator's methods:
# `fit`, `retrieve` (pattern completion), `energy`, `score_samples` / `score` (it is a density
# estimator), `transform` (which memory explains a query) and `sample`.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity

from ebm_memory import DenseAssociativeMemory
from ebm_memory.plotting import PALETTE, rc_params, save_figure

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout

digits = load_digits()
train, test, train_labels, test_labels = train_test_split(
    digits.data, digits.target, test_size=0.2, random_state=0, stratify=digits.target
)

# %% [markdown]
# ## Fit: the training rows become the memories
# `beta="auto"` chooses the inverse temperature from how well separated the stored digits
# are, so that retrieval lands on single memories rather than blends of them.

# %%
memory = DenseAssociativeMemory(model="softmax", similarity="euclidean", random_state=0)
memory.fit(train)
print(f"{len(memory.memories_)} memories, beta = {memory.beta_:.3g}")
print("separation (10th / 50th percentile):", np.percentile(memory.separation_, [10, 50]))

# %% [markdown]
# ## Retrieve: complete the bottom half of held-out digits
# The mask marks the known pixels; they stay clamped while the dynamics fill in the rest.

# %%
known = np.zeros(64, bool)
known[:32] = True
completed, info = memory.retrieve(test[:8], mask=known, return_info=True, trace_energy=True)
print("steps:", info["n_steps"], "converged:", info["converged"].all())

figure, axes = plt.subplots(3, 8, figsize=(8, 3.4), num="completion")
figure.suptitle("Pattern completion of 8 held-out digits from their top half")
for column in range(8):
    shown = (np.where(known, test[column], 0), completed[column], test[column])
    for row, image in enumerate(shown):
        axes[row, column].imshow(image.reshape(8, 8), cmap="gray_r")
        axes[row, column].set(xticks=[], yticks=[])
for axis, name in zip(axes[:, 0], ("top half", "completed", "true"), strict=True):
    axis.set_ylabel(name)

# %% [markdown]
# Each retrieval descends the energy; `energy_trace` records it step by step.

# %%
steps = int(info["n_steps"].max()) + 1  # the trace holds the final energy after that
figure, axis = plt.subplots(figsize=(4.5, 3), num="energy_trace")
axis.plot(info["energy_trace"][:, :steps].T, marker="o", color=PALETTE[0], alpha=0.6)
axis.set(
    xlabel="update", ylabel="energy", title="Energy along the 8 retrievals", xticks=range(steps)
)
assert np.all(np.diff(info["energy_trace"], axis=1) <= 1e-9)

# %% [markdown]
# ## Density: the euclidean softmax memory is a Gaussian KDE
# `score_samples` is the normalised log density. With euclidean similarity it is the Gaussian
# kernel density estimate with bandwidth `beta ** -0.5`,
#
# `log p(x) = logsumexp_mu(-beta |x - xi_mu|^2 / 2) - log N - (D / 2) log(2 pi / beta)`,
#
# which numpy and scipy compute exactly in float64: the memory agrees with it to rounding.

# %%
ours = memory.score_samples(test)
squared_distances = ((test[:, None, :] - train[None, :, :]) ** 2).sum(axis=2)
exact = (
    logsumexp(-memory.beta_ * squared_distances / 2, axis=1)
    - np.log(len(train))
    - train.shape[1] / 2 * np.log(2 * np.pi / memory.beta_)
)
print(f"max |ours - exact float64 log-sum-exp| = {np.abs(ours - exact).max():.1e} nats")

# %% [markdown]
# scikit-learn's `KernelDensity` disagrees by tens of nats on some rows. Its default tree
# sums the kernels node by node and, in 64-D, where every kernel value is tiny (for most rows
# even the nearest memory's is below `exp(-10)`), its node sums are inexact: it overestimates
# the density of rows far from the training data (scikit-learn issue #7492).
# With a single leaf (`leaf_size` at least the number of rows) it sums every kernel exactly
# and agrees with both.

# %%
for name, kde in (
    ("default tree", KernelDensity(bandwidth=memory.beta_**-0.5)),
    ("one leaf", KernelDensity(bandwidth=memory.beta_**-0.5, leaf_size=len(train))),
):
    difference = np.abs(kde.fit(train).score_samples(test) - exact)
    print(f"KernelDensity, {name}: max |KernelDensity - exact| = {difference.max():.1e} nats")

# %% [markdown]
# Because `score` is the held-out log-likelihood, a grid search chooses beta for density
# estimation. The two choices answer different questions: `beta="auto"` looks at how far
# apart the memories are, the likelihood at how well the kernels cover held-out digits. On
# these digits they land close together.

# %%
search = GridSearchCV(
    DenseAssociativeMemory(similarity="euclidean"), {"beta": [0.05, 0.1, 0.2, 0.4, 0.8]}, cv=3
).fit(train)
print(
    f"beta chosen by held-out likelihood: {search.best_params_['beta']}; "
    f"for retrieval: {memory.beta_:.3g}"
)

# %% [markdown]
# ## Transform: which memories explain a query
# The responsibilities are the mixture posterior (the attention weights); the label of the
# most responsible memory classifies the digit.

# %%
weights = memory.transform(test)
predicted = train_labels[weights.argmax(axis=1)]
print(f"label of the most responsible memory: accuracy {np.mean(predicted == test_labels):.3f}")

# %% [markdown]
# ## Sample: exact draws from the mixture
# A draw picks a memory at random and adds Gaussian noise of standard deviation
# `beta ** -0.5` per pixel; here at the beta chosen by held-out likelihood.

# %%
density = search.best_estimator_
draws = density.sample(8, random_state=0)
figure, axes = plt.subplots(1, 8, figsize=(8, 1.5), num="samples")
figure.suptitle(f"8 exact draws from the euclidean memory at beta = {density.beta_:g}")
axes[0].set_ylabel("draw")
for axis, image in zip(axes, draws, strict=True):
    axis.imshow(image.reshape(8, 8), cmap="gray_r")
    axis.set(xticks=[], yticks=[])

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"01_retrieval_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
