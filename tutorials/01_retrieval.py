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
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity

from ebm_memory import DenseAssociativeMemory

digits = load_digits()
train, test, train_labels, test_labels = train_test_split(
    digits.data, digits.target, test_size=0.2, random_state=0, stratify=digits.target
)

# %% [markdown]
# ## Fit: the training rows become the memories
# `beta="auto"` chooses the inverse temperature from how well separated the stored digits
# are, so that retrieval lands on single memories rather than blends of them.

# %%
memory = DenseAssociativeMemory(model="softmax", similarity="euclidean").fit(train)
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

figure, axes = plt.subplots(3, 8, figsize=(8, 3.2))
for column in range(8):
    shown = (np.where(known, test[column], 0), completed[column], test[column])
    for row, image in enumerate(shown):
        axes[row, column].imshow(image.reshape(8, 8), cmap="gray_r")
        axes[row, column].axis("off")
figure.suptitle("top half known / completed / true")

# %% [markdown]
# Each retrieval descends the energy; `energy_trace` records it step by step.

# %%
plt.figure(figsize=(4, 3))
plt.plot(info["energy_trace"].T)
plt.xlabel("update")
plt.ylabel("energy")
assert np.all(np.diff(info["energy_trace"], axis=1) <= 1e-9)

# %% [markdown]
# ## Density: the euclidean softmax memory is a Gaussian KDE
# `score_samples` is the normalised log density. With euclidean similarity it equals
# `KernelDensity` with bandwidth `beta ** -0.5`, to floating-point precision.

# %%
kde = KernelDensity(bandwidth=memory.beta_**-0.5).fit(train)
difference = np.abs(memory.score_samples(test) - kde.score_samples(test)).max()
print(f"max |ours - KernelDensity| = {difference:.2e}")

# %% [markdown]
# Because `score` is the held-out log-likelihood, a grid search chooses beta for density
# estimation (often a smaller beta than retrieval wants).

# %%
search = GridSearchCV(
    DenseAssociativeMemory(similarity="euclidean"), {"beta": [0.02, 0.05, 0.1, 0.3]}, cv=3
).fit(train)
print("beta chosen by held-out likelihood:", search.best_params_["beta"])

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

# %%
draws = (
    DenseAssociativeMemory(similarity="euclidean", beta=0.05).fit(train).sample(8, random_state=0)
)
figure, axes = plt.subplots(1, 8, figsize=(8, 1.2))
for axis, image in zip(axes, draws, strict=True):
    axis.imshow(image.reshape(8, 8), cmap="gray_r")
    axis.axis("off")
