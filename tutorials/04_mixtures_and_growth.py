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
# # Memories as mixture components: clustering and nonparametric growth
#
# Schaeffer et al. (2024) read K memories `mu_k` with weights `pi_k` and a sharpness `beta`
# as the components of a mixture. The ClAM energy
#
# `E(v) = -(1/beta) log sum_k pi_k exp(-beta |v - mu_k|^2 / 2)`
#
# is, up to a constant, the negative log density of the isotropic Gaussian mixture
# `sum_k pi_k N(v; mu_k, I / beta)`, and its descent `v <- sum_k p(k | v) mu_k` is an EM step
# of the state. This tutorial checks the identity, compares the two memory dynamics (ClAM in
# the data space, ELBO in the assignment space) with scikit-learn's clusterers, clusters on
# the hypersphere (von Mises-Fisher components), and lets a memory grow under a Chinese
# restaurant or Pitman-Yor prior.

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import multivariate_normal, vonmises
from sklearn.cluster import KMeans
from sklearn.datasets import load_iris, make_blobs
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ebm_memory import AssociativeClustering, NonparametricMemory
from ebm_memory.analysis import finite_mixture_growth, memory_growth
from ebm_memory.plotting import PALETTE, plot_clusters, plot_memory_growth, rc_params, save_figure

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout
start_time = time.perf_counter()

# %% [markdown]
# ## The ClAM energy is a Gaussian mixture's negative log density
# Four blobs in 2-D, two of them close. `AssociativeClustering` learns the memories, the
# weights and `beta` by EM on the equivalent mixture. Its `score_samples` is the normalised
# log density; against scipy's Gaussians, and against `-beta E(x)` plus the components' log
# normaliser `(D/2) log(beta / 2 pi)`, it agrees to rounding.

# %%
X, y = make_blobs(600, centers=4, cluster_std=1.0, random_state=0)
clam = AssociativeClustering(4, random_state=0).fit(X)
print("memories\n", clam.memories_.round(2))
print("weights", clam.weights_.round(3), " beta", round(clam.beta_, 3))

scipy_density = sum(
    weight * multivariate_normal(mean, np.eye(2) / clam.beta_).pdf(X)
    for weight, mean in zip(clam.weights_, clam.memories_, strict=True)
)
log_density = clam.score_samples(X)
log_normaliser = np.log(clam.beta_ / (2 * np.pi))  # (D/2) log(beta / 2 pi), D = 2
print("max |log p - log scipy mixture|:", np.abs(log_density - np.log(scipy_density)).max())
print(
    "max |log p - (-beta E + log normaliser)|:",
    np.abs(log_density + clam.beta_ * clam.energy(X) - log_normaliser).max(),
)

# %% [markdown]
# ## ClAM fixed points are posterior-weighted means, not the memories
# `retrieve` runs `v <- sum_k p(k | v) mu_k` from each row to a fixed point `v*`. At a fixed
# point `v* = sum_k p(k | v*) mu_k` holds (`transform` gives `p(k | v)`), so `v*` is a
# stationary point of the mixture density (from the data rows, a mode): near a memory, pulled
# towards the others by their posterior weight.
# The pull is largest for the two close blobs. The energy never rises along the way
# (`trace_energy=True` records it after every step).

# %%
fixed, info = clam.retrieve(X, return_info=True, trace_energy=True)
posterior_mean = clam.transform(fixed) @ clam.memories_
print("max |v* - sum_k p(k|v*) mu_k|:", np.abs(fixed - posterior_mean).max())
modes = np.unique(fixed.round(4), axis=0)
nearest = np.linalg.norm(modes[:, None] - clam.memories_, axis=2).min(axis=1)
print(f"{len(modes)} distinct fixed points; distance to the nearest memory:", nearest.round(4))
print("steps to converge: max", info["n_steps"].max(), " all converged:", info["converged"].all())
trace = info["energy_trace"]
assert np.all(np.diff(trace, axis=1) <= 1e-12)

# %% [markdown]
# The ClAM step is `v <- (1 - eta) v + eta m(v)` with `m(v) = transform(v) @ memories_`.
# Iterating it by hand with `eta = 0.25` from a few starting points gives the flows drawn
# below (orange) over the energy landscape (filled contours of `E`), with the field
# `m(v) - v` that the dynamics follow (white). Each flow ends at the mode of the basin it
# starts in. On the right, the energy traces that `retrieve` recorded (`eta = 1`) fall
# geometrically to their fixed point's energy.

# %%
grid_x, grid_y = np.meshgrid(np.linspace(-6, 6, 120), np.linspace(-2, 11, 120))
grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
energy = clam.energy(grid).reshape(grid_x.shape)
field = (clam.transform(grid) @ clam.memories_ - grid).reshape(*grid_x.shape, 2)

starts = np.array([[-5.5, 10.5], [5.5, 10.5], [-5.5, -1.5], [5.5, -1.5], [0.0, 4.5], [-1.0, 8.0]])
eta = 0.25
paths = [starts]
for _ in range(40):
    v = paths[-1]
    paths.append((1 - eta) * v + eta * clam.transform(v) @ clam.memories_)
paths = np.stack(paths, axis=1)  # (starts, steps, 2)

figure, (landscape, traces) = plt.subplots(1, 2, figsize=(11, 4.5))
levels = np.linspace(energy.min(), np.quantile(energy, 0.7), 25)
contours = landscape.contourf(grid_x, grid_y, energy, levels=levels, extend="max")
figure.colorbar(contours, ax=landscape, label="ClAM energy E(v)")
landscape.streamplot(grid_x, grid_y, field[..., 0], field[..., 1], color="w", density=0.7)
landscape.scatter(*X.T, s=3, c="k", alpha=0.3)
for path in paths:
    landscape.plot(*path.T, ".-", color=PALETTE[4], ms=4, lw=1.5)
landscape.scatter(*clam.memories_.T, marker="*", s=250, c=PALETTE[1], ec="k", label="memories")
landscape.scatter(*modes.T, marker="P", s=70, c="w", ec="k", zorder=3, label="fixed points")
landscape.set(title="energy landscape, field m(v) - v, ClAM flows", xlabel="x1", ylabel="x2")
landscape.legend(loc="lower right")
gap = trace[:40, :10] - trace[:40, -1:]
traces.set(
    yscale="log",
    xlabel="ClAM step (eta = 1)",
    ylabel="E(v_t) - E(v*)",
    title="energy traces of 40 rows: decreasing",
)
traces.plot(np.where(gap > 0, gap, np.nan).T, color=PALETTE[0], alpha=0.5)
figure.set_label("clam_landscape")

# %% [markdown]
# ## ELBO dynamics converge to the exact posterior
# The ELBO memory keeps the row fixed and descends on assignment logits, `q = softmax(logits)`,
# with energy `sum_k q_k (log q_k - log p(x, z=k)) = KL(q || p(z|x)) - log p(x)`. Its step
# `logits <- (1 - eta) logits + eta log p(x, z)` reaches the posterior in one step at
# `eta = 1`; with `eta = 1/2` the logits' distance to `log p(x, z)` halves every step, so
# `E_t + log p(x) = KL` falls geometrically (about 4 times per step) until the stopping
# tolerance. At the fixed point `q` is the exact posterior (`transform`) and the
# energy is `-log p(x)` (`-score_samples`). `step_size` only enters the dynamics, so it can be
# changed on the fitted model.

# %%
elbo = AssociativeClustering(4, dynamics="elbo", random_state=0).fit(X)
elbo.set_params(step_size=0.5, max_retrieval_iter=60)
_, info = elbo.retrieve(X, return_info=True, trace_energy=True)
posterior = info["responsibilities"]
print("max |q* - p(z|x)|:", np.abs(posterior - elbo.transform(X)).max())
print("max |E* + log p(x)|:", np.abs(info["energy"] + elbo.score_samples(X)).max())
print("mean steps:", info["n_steps"].mean(), " all converged:", info["converged"].all())
kl = info["energy_trace"] + elbo.score_samples(X)[:, None]
steps = info["n_steps"].max() + 1

figure, axis = plt.subplots(figsize=(5, 3.4))
axis.set(
    yscale="log",
    xlabel="ELBO step (eta = 1/2)",
    ylabel="KL(q_t || p(z|x)) = E_t + log p(x)",
    title="ELBO descent of 40 rows reaches the posterior",
)
axis.plot(kl[:40, :steps].T, color=PALETTE[2], alpha=0.4)
figure.set_label("elbo_descent")

# %% [markdown]
# ## Clustering against scikit-learn
# Labels are read from the dynamics: ClAM labels a row by the memory that dominates at its
# fixed point (mode seeking), ELBO by the argmax of the posterior (the mixture's MAP
# assignment). Both read the same EM-learned mixture, so ELBO here is the ClAM model with
# `dynamics` switched. (`training="backprop"` would instead train ClAM's memories as Saha et
# al. (2023) do, by back-propagating the reconstruction loss through 5 unrolled steps.) All of
# ours share one isotropic variance, like KMeans; `GaussianMixture` fits full covariances;
# `BayesianGaussianMixture` gets 10 components and a Dirichlet-process prior, and the table
# shows how many it uses. One initialisation each. Iris is standardised; the blobs
# have unequal spreads, which the shared variance cannot follow. (scikit-learn's mixtures run
# with one BLAS thread: on data this small, more threads only add overhead.)

# %%
iris = load_iris()
datasets = {
    "iris": (StandardScaler().fit_transform(iris.data), iris.target),
    "blobs": make_blobs(800, centers=5, cluster_std=[0.6, 1.5, 1.0, 0.8, 2.0], random_state=6),
}
print(f"{'dataset':7s} {'model':28s} {'ARI':>6s} {'NMI':>6s} {'clusters':>8s}")
for name, (data, labels) in datasets.items():
    k = len(np.unique(labels))
    clam_k = AssociativeClustering(k, random_state=0).fit(data)
    predictions = {
        "ClAM (EM)": clam_k.labels_,
        "ELBO (EM)": clam_k.set_params(dynamics="elbo").predict(data),
        "ClAM cosine (vMF)": AssociativeClustering(
            k, similarity="cosine", random_state=0
        ).fit_predict(data),
        "KMeans": KMeans(k, n_init=1, random_state=0).fit_predict(data),
    }
    with threadpool_limits(1):
        predictions["GaussianMixture (full)"] = GaussianMixture(k, random_state=0).fit_predict(data)
        predictions["BayesianGaussianMixture"] = BayesianGaussianMixture(
            n_components=10, weight_concentration_prior=0.01, max_iter=300, random_state=0
        ).fit_predict(data)
    for model_name, predicted in predictions.items():
        print(
            f"{name:7s} {model_name:28s} {adjusted_rand_score(labels, predicted):6.3f} "
            f"{normalized_mutual_info_score(labels, predicted):6.3f} "
            f"{len(np.unique(predicted)):8d}"
        )

# %% [markdown]
# ## Clustering on the hypersphere
# With `similarity="cosine"` rows are normalised and the components are von Mises-Fisher,
# `C_D(beta) exp(beta mu_k . x_hat)`: the pre-norm + attention reading, where `beta` is the
# concentration. Here three vMF clusters on the circle (concentration 8) are multiplied by
# random lengths. The euclidean memory sees the lengths and fails; the cosine memory sees only
# directions, estimates the concentration, and its density on the circle integrates to 1 (the
# Bessel normaliser is exact). Its labels do not change when the rows are rescaled.

# %%
rng = np.random.default_rng(0)
directions = np.array([0.3, 2.2, 4.2])
truth = rng.integers(3, size=600)
angles = vonmises.rvs(8.0, loc=directions[truth], random_state=rng)
lengths = rng.lognormal(0.0, 0.7, size=600)
circle_data = np.column_stack([np.cos(angles), np.sin(angles)]) * lengths[:, None]

cosine = AssociativeClustering(3, similarity="cosine", random_state=0).fit(circle_data)
euclidean = AssociativeClustering(3, random_state=0).fit(circle_data)
print("ARI cosine", round(adjusted_rand_score(truth, cosine.labels_), 3))
print("ARI euclidean", round(adjusted_rand_score(truth, euclidean.labels_), 3))
print("concentration: learned", round(cosine.beta_, 2), " true 8")
theta = np.linspace(-np.pi, np.pi, 721)
on_circle = np.column_stack([np.cos(theta), np.sin(theta)])
density = np.exp(cosine.score_samples(on_circle))
print("integral of the density over the circle:", np.sum(density[:-1]) * (theta[1] - theta[0]))
rescaled = cosine.predict(3.7 * circle_data)
print("labels unchanged by rescaling:", np.array_equal(rescaled, cosine.labels_))

figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
figure.suptitle("Three von Mises-Fisher clusters with random lengths, clustered by direction")
plot_clusters(circle_data, cosine.labels_, cosine.memories_, ax=left, title="cosine memories")
left.add_patch(plt.Circle((0, 0), 1.0, fill=False, ls="--", color="grey"))
left.set(aspect="equal", xlabel="x1", ylabel="x2")
right.hist(
    np.angle(np.exp(1j * angles)), bins=60, density=True, color="grey", alpha=0.5, label="data"
)
right.plot(theta, density, color=PALETTE[1], label="learned vMF mixture")
right.set(xlabel="angle (radians)", ylabel="density on the circle", title="directions only")
right.legend()
figure.set_label("hypersphere")

# %% [markdown]
# ## A memory that creates memories: finding the number of blobs
# `NonparametricMemory` seats each point at an existing memory or opens a new one, whichever
# term of the CRP energy is largest; the new-table term is weighted by `alpha` (plus `d K` for
# Pitman-Yor). It is told the scale of a memory (`beta`, here the blobs' precision
# `1 / 0.5^2`), not their number. At a fitting `beta` the count does not depend on `alpha`
# (it enters through `log alpha`); a `beta` much larger than the data's precision splits the
# tails into small extra memories.

# %%
blobs, blob_labels = make_blobs(1500, centers=6, cluster_std=0.5, random_state=7)
memory = NonparametricMemory(alpha=1.0, beta=4.0, random_state=0).fit(blobs)
print(
    f"{memory.n_memories_} memories for 6 blobs, ARI "
    f"{adjusted_rand_score(blob_labels, memory.labels_):.3f}, counts {memory.counts_.astype(int)}"
)
for alpha in (0.1, 1.0, 10.0):
    counts = [
        NonparametricMemory(alpha=alpha, beta=beta, random_state=0).fit(blobs).n_memories_
        for beta in (1.0, 4.0, 16.0)
    ]
    print(f"alpha = {alpha:4g}: memories at beta = 1, 4, 16: {counts}")

# %% [markdown]
# `partial_fit` continues the same restaurant batch by batch. Here the blobs arrive one after
# the other. The first batch fixes the base measure unless `prior_mean` and `prior_scale` are
# given: from one blob, the prior is far too narrow, and it shrinks every new memory's mean
# towards that blob, so later blobs merge. Told the region the centres come from (make_blobs
# draws them uniformly in [-10, 10]^2, variance 100/3 per feature), a new memory opens when
# the first points of a new blob arrive, and at no other time.

# %%
stream = blobs[np.argsort(blob_labels, kind="stable")]
streaming = {
    "base measure from the first batch": NonparametricMemory(alpha=1.0, beta=4.0),
    "base measure given": NonparametricMemory(
        alpha=1.0, beta=4.0, prior_mean=np.zeros(2), prior_scale=100 / 3
    ),
}
batches = np.array_split(stream, 30)
seen = np.cumsum([len(batch) for batch in batches])
figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
figure.suptitle("NonparametricMemory on 6 blobs: memories created as the data ask for them")
for name, online in streaming.items():
    grown = []
    for batch in batches:
        online.partial_fit(batch)
        grown.append(online.n_memories_)
    ari = adjusted_rand_score(blob_labels, online.predict(blobs))
    print(f"{name}: memories after each batch {grown}; ARI of predict {ari:.3f}")
    right.step(seen, grown, where="post", label=f"{name} (ARI {ari:.2f})")
title = f"fit: {memory.n_memories_} memories found"
plot_clusters(blobs, memory.labels_, memory.memories_, ax=left, title=title)
left.set(xlabel="x1", ylabel="x2")
right.set(xlabel="points seen (blobs arrive in turn)", ylabel="memories", title="partial_fit")
right.legend()
figure.set_label("nonparametric")

# %% [markdown]
# ## How fast memories grow
# On streams drawn from the prior's own generative process, the number of memories grows like
# `alpha log n` under the CRP and like `n^d` under Pitman-Yor, while a stream from a finite
# mixture of 10 components stops at 10. `memory_growth` feeds each stream to `partial_fit`,
# records the count at logarithmically spaced checkpoints and fits the rate on each stream
# (independent seeds); the rate is their mean and its error the standard error across the
# streams. Here 10^4 points and 4 streams. The full run (`ebm-memory reproduce growth`: 10^5
# points and 8 streams per prior) fits a CRP slope of 5.05 ± 0.33 (mean ± standard error; the
# streams' own slopes spread with a standard deviation of 0.93) for `alpha = 5` and a
# Pitman-Yor exponent of 0.516 ± 0.011 for `d = 0.5`, and the finite mixture saturates at 10.

# %%
crp = memory_growth("crp", alpha=5.0, n_points=10_000, n_streams=4)
pitman_yor = memory_growth("pitman-yor", alpha=1.0, discount=0.5, n_points=10_000, n_streams=4)
finite = finite_mixture_growth(10, n_points=10_000)
for result in (crp, pitman_yor):
    print(
        f"{result.prior}: fitted rate {result.rate:.3f} ± {result.rate_se:.3f} "
        f"(mean ± s.e. over {len(result.rates)} streams), theory {result.theory_rate:g}"
    )
print("finite mixture of 10: memories", finite.memories[-1])
figure = plot_memory_growth(crp, pitman_yor, finite)
figure.set_label("growth")

# %%
print(f"tutorial ran in {time.perf_counter() - start_time:.0f} s")

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"04_mixtures_and_growth_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
