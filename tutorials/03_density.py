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
# # Memory energies as density estimators, against KDE on digits
#
# A memory's energy is a negative log density: `p(x) = exp(-beta E(x)) / Z`. For the
# euclidean softmax memory (modern Hopfield, Model B)
#
# `E(x) = -(1/beta) logsumexp_mu(-beta |x - xi_mu|^2 / 2)`,
#
# so `exp(-beta E(x))` is a sum of Gaussian bumps of covariance `I / beta` on the memories
# and `Z = K (2 pi / beta)^(D/2)`. Storing the training rows as the memories gives *exactly*
# a Gaussian kernel density estimate with bandwidth `h = beta^(-1/2)`. Learning K < N
# memories compresses it into a mixture of K Gaussians. This tutorial checks the identity,
# measures what compression costs in held-out log-likelihood and saves in scoring time,
# reproduces scikit-learn's digits KDE example, and runs the likelihood benchmark in its
# tiny size. The benchmark harness lives in the checkout's `benchmarks/` folder, outside the
# installed package: run this tutorial from the repository root (or with the root on
# `PYTHONPATH`).

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity

from benchmarks.digits_example import digits_kde_example, plot_digits_samples
from benchmarks.likelihood import likelihood_records, plot_likelihood
from ebm_memory import DenseAssociativeMemory
from ebm_memory.plotting import PALETTE, rc_params, save_figure

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout
digits = load_digits().data
data = PCA(n_components=15, random_state=0).fit_transform(digits)  # as scikit-learn's example
train, test = train_test_split(data, test_size=0.2, random_state=0)
print(train.shape, test.shape)

# %% [markdown]
# ## The euclidean softmax memory is a Gaussian KDE
# With `n_memories=None` the rows are the memories; `beta = 1 / h^2` turns a bandwidth into
# an inverse temperature. Both estimators give the same normalised log densities. One
# caveat on the reference: `KernelDensity` sums the kernels over a tree and, by default,
# prunes far nodes inexactly, overestimating the density of rows far from the data
# (scikit-learn issue #7492). With a single leaf (`leaf_size` at least the number of rows)
# it sums every kernel, and agrees with the memory to rounding.

# %%
bandwidth = 3.79
log_density = DenseAssociativeMemory(similarity="euclidean", beta=bandwidth**-2).fit(train)
log_density = log_density.score_samples(test)
exact_kde = KernelDensity(bandwidth=bandwidth, leaf_size=len(train)).fit(train)
default_kde = KernelDensity(bandwidth=bandwidth).fit(train)
print("ours                   ", log_density[:4])
print("KernelDensity, one leaf", exact_kde.score_samples(test[:4]))
for name, kde in (("one leaf", exact_kde), ("default tree", default_kde)):
    difference = np.abs(log_density - kde.score_samples(test)).max()
    print(f"max |ours - KernelDensity ({name})| on {len(test)} rows: {difference:.1e} nats")

# %% [markdown]
# ## K learned memories compress the KDE
# With `n_memories=K` the memories are learned by EM on the equivalent mixture (equal
# weights, covariance `I / beta`, `beta` fixed during EM). For each K a 3-fold grid search on
# the training rows chooses `beta` (through the bandwidth grid), then the held-out rows are
# scored. The KDE gets the same grid. Scoring cost grows with the number of stored vectors:
# K for ours, every training row for the KDE.

# %%
bandwidths = np.geomspace(2.5, 10.0, 8)


def scoring_seconds(model, repeats=5):
    model.score_samples(test)  # compile / warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.score_samples(test)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


kde = GridSearchCV(KernelDensity(), {"bandwidth": bandwidths}, cv=3).fit(train).best_estimator_
kde_log_likelihood = kde.score_samples(test).mean() / data.shape[1]
kde_seconds = scoring_seconds(kde)
print(f"KDE: h = {kde.bandwidth:.2f}, {kde_log_likelihood:.3f} nats/dim, {kde_seconds:.4f} s")

memory_counts = [15, 30, 60, len(train) // 10, len(train) // 5]
curve = []
for n_memories in memory_counts:
    search = GridSearchCV(
        DenseAssociativeMemory(
            similarity="euclidean", n_memories=n_memories, max_iter=300, random_state=0
        ),
        {"beta": list(bandwidths**-2)},
        cv=3,
    ).fit(train)
    model = search.best_estimator_
    curve.append(
        (model.score_samples(test).mean() / data.shape[1], scoring_seconds(model), model.beta_)
    )
    print(
        f"K = {n_memories:3d}: h = {model.beta_**-0.5:.2f}, {curve[-1][0]:.3f} nats/dim, "
        f"{curve[-1][1]:.4f} s"
    )

# %%
log_likelihoods, seconds, _ = np.array(curve).T
figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), num="compression")
figure.suptitle("Digits (PCA-15): K learned memories against the KDE of every training row")
left.plot(memory_counts, log_likelihoods, "o-", label="ours, K learned memories")
left.axhline(kde_log_likelihood, color=PALETTE[1], ls="--", label=f"KDE, {len(train)} rows")
left.set(ylabel="held-out log-likelihood per dim (nats)", title="Fit")
right.plot(memory_counts, seconds, "o-", label="ours, K learned memories")
right.axhline(kde_seconds, color=PALETTE[1], ls="--", label="KDE (scikit-learn)")
right.set(ylabel=f"seconds to score {len(test)} rows", yscale="log", title="Scoring time")
for axis in (left, right):
    axis.axvline(len(train) / 10, color="grey", lw=0.8)  # a tenth of the training rows
    axis.set_xscale("log")
    axis.set_xticks(memory_counts, [str(count) for count in memory_counts])
    axis.minorticks_off()
    axis.set_xlabel("number of memories K")
    axis.legend()

# %% [markdown]
# ## scikit-learn's digits example
# scikit-learn's "Kernel Density Estimation" example projects the digits on 15 principal
# components, cross-validates the bandwidth over `np.logspace(-1, 1, 20)` and finds 3.79.
# The same search over our memory storing every row picks the same bandwidth (it is the same
# density); with K learned memories, K and `beta` are searched together. Samples of our
# densities, mapped back to pixels by the PCA, look like digits.

# %%
example = digits_kde_example("tiny")
print("scikit-learn's example:", example["sklearn_bandwidth"])
for key in ("kernel_density", "ours", "ours_compressed"):
    summary = example[key]
    print(
        f"{key:16s} h = {summary['bandwidth']:.2f}  stored = {summary['n_stored']:4d}  "
        f"CV log-lik = {summary['cv_log_likelihood']:.3f} nats/sample"
    )
figure = plot_digits_samples(example)
figure.set_label("digits_samples")

# %% [markdown]
# ## The likelihood benchmark, tiny size
# `likelihood_records(size)` compares ours (K learned memories, K and `beta` by inner
# cross-validation, K at most a tenth of the training rows) with KernelDensity,
# GaussianMixture and BayesianGaussianMixture by the mean held-out log-likelihood of an outer
# K-fold split. `"tiny"` runs two small datasets with 2 x 2 folds; `"full"` runs digits (raw
# and PCA-15), wine, breast_cancer, two moons and a 10-d anisotropic mixture with 5 x 3
# folds. `ratio` is the peer's scoring time over ours; on tiny held-out sets the fixed cost
# of a call dominates, so it says little about larger ones. The records also pair the
# mixture memories of `04_mixtures_and_growth.py` with a peer: `AssociativeClustering`
# (weights and `beta` learned) with GaussianMixture, `NonparametricMemory` with KDE.

# %%
records = likelihood_records("tiny")
print(f"{'dataset':10s} {'ours':48s} {'peer':28s} {'ours':>8s} {'peer':>8s} {'ratio':>6s}  goal")
for entry in records:
    ours, peer = entry["extra"]["ours_summary"], entry["extra"]["peer_summary"]
    print(
        f"{entry['extra']['dataset']:10s} {entry['ours']:48s} {entry['peer']:28s} "
        f"{ours['log_likelihood_per_dim']:8.3f} {peer['log_likelihood_per_dim']:8.3f} "
        f"{entry['ratio']:6.1f}  {entry['extra']['goal_holds']}"
    )
figure = plot_likelihood(records)
figure.suptitle("Likelihood benchmark, tiny size: mean held-out log-likelihood per dimension")
figure.set_label("likelihood_benchmark")

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"03_density_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
