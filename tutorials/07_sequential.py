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
# # Learning memories and sequential learning in the Dense Associative Memory
#
# Until now the memories were given (the training rows) or fitted as a density (EM). This
# tutorial *trains* them. Krotov & Hopfield (2016) turn the Dense Associative Memory into a
# classifier: the labels are extra neurons, clamped one-hot during training, and the memories
# learn to pull the right label neuron on. `DenseAssociativeClassifier` is that model as a
# scikit-learn classifier. We fit it on the digits next to logistic regression, watch its
# memories turn from features into prototypes as the interaction vertex `n` grows, compare
# the learning rules of `DenseAssociativeMemory` (the KH2016 rule, Hebb and the delta rule,
# back-propagation through retrieval), and then train one memory on a *sequence* of tasks,
# as McAlister et al. ("Sequential Learning in the Dense Associative Memory") do, measuring
# what each strategy against forgetting buys.
#
# Everything runs in a tiny configuration (few memories, few optimiser steps, three tasks),
# so that the tests execute this notebook in about a minute on 2 cores; the settings just
# below are the knobs. The full experiment is `ebm-memory reproduce sequential`.

# %%
import time
from pathlib import Path

import jax
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from ebm_memory import DenseAssociativeClassifier, DenseAssociativeMemory
from ebm_memory.analysis.forgetting import run_task_sequence
from ebm_memory.analysis.sequential import STRATEGY_SETTINGS
from ebm_memory.datasets import permuted_digits, random_pattern_tasks
from ebm_memory.energies import interactions
from ebm_memory.learning import (
    Corruption,
    fit_binary_memories,
    fit_delta_memories,
    fit_softmax_backprop,
)
from ebm_memory.learning.backprop import corrupt, reconstruction_loss
from ebm_memory.plotting import DIVERGING_COLORMAP, plot_task_accuracies, rc_params, save_figure

plt.rcParams.update(rc_params())  # the package's colour-blind-safe palette and layout
start_time = time.perf_counter()

# the tiny configuration
N_MEMORIES = 64  # memories of the digits classifier (section 1)
SEQUENCE_MEMORIES = 32  # memories of the sequential runs (sections 3 and 4)
MAX_ITER = 100  # full-batch optimiser steps per task
N_TASKS = 3  # permuted-digits tasks
LOADS = (6, 12, 24)  # random patterns stored in N = 64 neurons (section 2)

digits = load_digits()
X = digits.data / 8 - 1  # ink 0..16 -> [-1, 1], the range the memories live in
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
)
print(X_train.shape, X_test.shape)

# %% [markdown]
# ## 1. The supervised Dense Associative Memory
# Each memory `xi_mu = (xi^v, xi^t)` spans the 64 pixels and one neuron per class, and the
# energy is `E(v, t) = -sum_mu F(xi_mu . (v, t))` with the rectified polynomial
# `F(x) = max(x, 0)^n`. With the pixels clamped, label `a`'s *drive* is the attraction gained
# by switching it on, `A(v, e_a) - A(v, all off)` (`A = -E`, `e_a` the one-hot state in
# +-1 form); `predict` takes the strongest drive and `predict_proba` is
# `softmax(2 s drive)`. Training minimises KH2016's `sum_a (t_a - tanh(s drive_a))^(2m)`
# (`m`: `power`; KH2016 raise it with `n`) by full-batch Adam steps, the memories clipped to
# `[-1, 1]` after each (`ebm_memory/learning/classifier.py` has the derivation). `degree` is
# the interaction vertex `n`: KH2016 map `n = 2` to a network with one hidden layer of
# ReLUs; at large `n` each label is decided by the few memories closest to the input.


# %%
def timed_fit(model):
    started = time.perf_counter()
    model.fit(X_train, y_train)
    return model, time.perf_counter() - started


models = {
    "logistic regression": LogisticRegression(max_iter=1000),
    "DAM, n = 2": DenseAssociativeClassifier(
        N_MEMORIES, degree=2, power=2, max_iter=200, random_state=0
    ),
    "DAM, n = 30": DenseAssociativeClassifier(
        N_MEMORIES, degree=30, power=2, max_iter=200, random_state=0
    ),
}
print(f"{'model':22s} {'test accuracy':>13s} {'fit (s)':>8s}")
for name, model in models.items():
    model, seconds = timed_fit(model)
    print(f"{name:22s} {model.score(X_test, y_test):13.3f} {seconds:8.1f}")

# %% [markdown]
# `fit` (and each `partial_fit`) records `loss_curve_`, the training loss before each step:

# %%
figure, axis = plt.subplots(figsize=(4.5, 3.2))
for name in ("DAM, n = 2", "DAM, n = 30"):
    axis.plot(models[name].loss_curve_, label=name)
axis.set(yscale="log", xlabel="optimiser step", ylabel="training loss", title="Classifier training")
axis.legend()
figure.set_label("classifier_loss")

# %% [markdown]
# ### From features to prototypes
# KH2016's central picture: at small `n` a memory is a *feature* that many labels use (it
# looks like no digit, and its label part switches several classes on); at large `n` it is a
# *prototype*, a template of one digit voting for that digit alone. Below: the pixel parts
# of the first ten memories (purple +1, orange -1), titled by the labels their label part
# switches on (`xi^t_a > 0`), and two measures over all memories: how many labels each
# switches on, and its correlation with the most similar training digit.

# %%
figure, axes = plt.subplots(2, 10, figsize=(10, 3))
figure.suptitle("Pixel parts of 10 memories, titled by the labels they switch on")
for row, name in enumerate(("DAM, n = 2", "DAM, n = 30")):
    memories = models[name].memories_
    pixels, labels = memories[:, :64], memories[:, 64:]
    for column in range(10):
        axis = axes[row, column]
        image = axis.imshow(pixels[column].reshape(8, 8), cmap=DIVERGING_COLORMAP, vmin=-1, vmax=1)
        axis.set_title(",".join(map(str, np.flatnonzero(labels[column] > 0))), fontsize=7)
        axis.set(xticks=[], yticks=[])
    axes[row, 0].set_ylabel(name, fontsize=8)
    similarity = np.corrcoef(np.vstack([pixels, X_train]))[: len(pixels), len(pixels) :]
    print(
        f"{name}: labels switched on per memory {np.mean(np.sum(labels > 0, axis=1)):.2f}, "
        f"correlation with the nearest training digit {similarity.max(axis=1).mean():.2f}"
    )
figure.colorbar(image, ax=axes, shrink=0.8, label="pixel weight")
figure.set_label("memories")

# %% [markdown]
# ## 2. Learning rules of `DenseAssociativeMemory`
# `DenseAssociativeMemory(n_memories=K, learning_rule=...)` learns K memories without
# labels. The rules, by model:
#
# - `"hebbian"` (classical network, `F(x) = x^2`): Hebb's weights `W = X^T X`, factored into
#   K memories (`ebm_memory/learning/hebbian.py`). One pass, no training; it stores about
#   `0.14 N` random patterns.
# - `"delta"` (classical): memories trained so that every pattern is a fixed point, the loss
#   `mean (x_i - tanh(s h_i))^2` on each bit's local field `h_i` (the Widrow-Hoff rule; it is
#   KH2016's rule at `F(x) = x^2`). It stores correlated patterns and more than `0.14 N`.
# - `"krotov-hopfield"` (binary models): KH2016's rule without labels, each bit predicted
#   from all the others, `mean (x_i - tanh(s [A(x_i = +1) - A(x_i = -1)]))^(2m)`
#   (`ebm_memory/learning/binary.py`).
# - `"backprop"` (softmax): back-propagation through a retrieval step from corrupted rows
#   (`ebm_memory/learning/backprop.py`); `"em"` (softmax, spherical): maximum likelihood.
#
# ### Hebb against the delta rule: retrieval from 10% flipped bits
# `random_pattern_tasks` draws P random +-1 patterns of N = 64 bits and cues each with
# exactly 10% of its bits flipped; a pattern counts as retrieved when the dynamics return it
# exactly.

# %%
print(f"{'P':>3s} {'P / N':>6s} {'hebbian':>8s} {'delta':>6s}")
retrieved = {"hebbian": [], "delta": []}
for n_patterns in LOADS:
    (task,) = random_pattern_tasks(1, n_patterns, 64, flip_fraction=0.1, random_state=n_patterns)
    for rule in retrieved:
        memory = DenseAssociativeMemory(
            "classical", n_memories=n_patterns, learning_rule=rule, max_iter=300, random_state=0
        ).fit(task.X_train)
        exact = np.all(memory.predict(task.X_test) == task.X_train, axis=1)
        retrieved[rule].append(exact.mean())
    print(
        f"{n_patterns:3d} {n_patterns / 64:6.2f} {retrieved['hebbian'][-1]:8.2f} "
        f"{retrieved['delta'][-1]:6.2f}"
    )

figure, axis = plt.subplots(figsize=(4.5, 3.2))
for rule, fractions in retrieved.items():
    axis.plot(np.array(LOADS) / 64, fractions, "o-", label=rule)
axis.axvline(0.138, color="grey", ls="--", lw=0.8, label="0.138 N (Amit et al.)")
axis.set(
    xlabel="load P / N",
    ylabel="fraction retrieved exactly",
    title="Retrieval from 10% flipped bits, N = 64",
)
axis.legend()
figure.set_label("hebb_delta")

# %% [markdown]
# ### Loss curves of the gradient rules
# The estimator keeps the learned `memories_`, `n_iter_` and `converged_`; the learning
# functions underneath, in `ebm_memory.learning`, also return `objective`, the loss before
# every step. They work on JAX arrays of the dtype they are given (float32 here). Three
# runs: the KH2016 rule learning 20 memories of the binarised digits with the exponential
# interaction, the delta rule storing the last (P = 24) patterns, and back-propagation
# through one softmax retrieval step learning 20 digits memories (`beta = 1`, a quarter of
# each row's pixels masked).

# %%
key_kh, key_delta, key_backprop, key_test = jax.random.split(jax.random.key(0), 4)
binary_digits = np.where(X_train > 0, 1.0, -1.0).astype(np.float32)
krotov_hopfield = fit_binary_memories(
    binary_digits, 20, interactions.exponential(1.0), key=key_kh, max_iter=200, tol=0
)
delta = fit_delta_memories(task.X_train.astype(np.float32), 24, key=key_delta, tol=0)
backprop = fit_softmax_backprop(
    X_train.astype(np.float32), 20, 1.0, key=key_backprop, max_iter=200, tol=0
)

figure, axes = plt.subplots(1, 3, figsize=(10, 3.2))
figure.suptitle("Loss curves of the gradient learning rules")
runs = (
    ("Krotov-Hopfield rule (exponential)", krotov_hopfield),
    ("delta rule (classical)", delta),
    ("back-propagation (softmax)", backprop),
)
for axis, (title, fit) in zip(axes, runs, strict=True):
    axis.plot(fit.objective)
    axis.set_title(title, fontsize=9)
    axis.set_xlabel("optimiser step")
    axis.set_yscale("log")
axes[0].set_ylabel("training loss")
figure.set_label("learning_rules")

# %% [markdown]
# EM places the memories at the maximum-likelihood centres; back-propagation places them
# where one retrieval step best *completes* corrupted rows. On held-out digits with a
# quarter of the pixels masked, the back-propagated memories complete better at the same
# `beta` (the loss is the mean squared distance to the clean row; the corrupted rows
# themselves score the last number).

# %%
corrupted = corrupt(key_test, X_test.astype(np.float32), Corruption(mask=0.25))
em = DenseAssociativeMemory(n_memories=20, beta=1.0, random_state=0).fit(X_train)
for name, memories in (("EM", em.memories_), ("back-propagation", backprop.memories)):
    loss = reconstruction_loss(
        np.asarray(memories, np.float32), corrupted, X_test.astype(np.float32), 1.0, "dot", 1
    )
    print(f"{name:17s} held-out completion loss {float(loss):.2f}")
unretrieved = np.sum((np.asarray(corrupted) - X_test) ** 2, axis=1).mean()
print(f"{'no retrieval':17s} held-out completion loss {unretrieved:.2f}")

# %% [markdown]
# ## 3. Sequential learning on permuted digits
# `permuted_digits(T)` makes T tasks: the whole 10-class digits problem, each task seen
# through its own fixed permutation of the 64 pixels (task 0 unpermuted). One classifier
# learns them one after another, one `partial_fit` per task, and `run_task_sequence` tests
# it on every task after each stage, giving the accuracy matrix `R[i, j]` (task `j` after
# training on tasks `0..i`). The strategies (`ebm_memory/learning/continual.py`):
#
# - `"naive"`: train on the new task only;
# - `"rehearsal"`: add a buffer of earlier rows (`memory_fraction` of each task) to training;
# - `"pseudo-rehearsal"` (Robins 1995): add *pseudo-items*, stable states the network reaches
#   from random starts, labelled by its own outputs before the new task;
# - `"ewc"` (Kirkpatrick et al. 2017): penalise `strength / 2 sum F (xi - xi*)^2`, `F` the
#   diagonal Fisher information of earlier tasks, `xi*` the memories after them;
# - `"si"` (Zenke et al. 2017): the same penalty with importance from each memory entry's
#   contribution to the loss decrease along the training path;
# - `"agem"` (Chaudhry et al. 2019): project every step so the loss on the buffer cannot
#   rise, to first order.

# %%
tasks = permuted_digits(N_TASKS, random_state=0)
base = DenseAssociativeClassifier(
    SEQUENCE_MEMORIES, degree=20, power=2, max_iter=MAX_ITER, random_state=0
)
results = {}
for strategy, settings in STRATEGY_SETTINGS.items():  # the reproduction's settings
    started = time.perf_counter()
    estimator = clone(base).set_params(strategy=strategy, **settings)
    results[strategy] = run_task_sequence(estimator, tasks)
    print(f"{strategy:16s} {time.perf_counter() - started:5.1f} s")

# %% [markdown]
# The accuracy matrices of naive fine-tuning and rehearsal: each new permutation overwrites
# the memories under naive training (the diagonal is learned, everything left of it is lost);
# a replay buffer of 20% of the earlier rows keeps the old tasks. Above the diagonal are the
# tasks not yet seen (chance is 0.1).

# %%
figure, axes = plt.subplots(1, 2, figsize=(8, 3.6))
figure.suptitle("Accuracy on each task after each stage")
for axis, strategy in zip(axes, ("naive", "rehearsal"), strict=True):
    R = results[strategy].accuracy
    image = axis.imshow(R, vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(R):
        color = "black" if value > 0.5 else "white"
        axis.text(j, i, f"{value:.2f}", ha="center", va="center", color=color, fontsize=9)
    axis.set_title(strategy)
    axis.set_xticks(range(N_TASKS), results[strategy].task_names, rotation=20, fontsize=8)
    axis.set_yticks(range(N_TASKS), [f"after {i + 1}" for i in range(N_TASKS)], fontsize=8)
    axis.set_xlabel("tested on")
axes[0].set_ylabel("trained on tasks")
figure.colorbar(image, ax=axes, shrink=0.8, label="test accuracy")
figure.set_label("accuracy_matrices")

# %% [markdown]
# `plot_task_accuracies` draws the mean accuracy over the tasks seen so far, one line per
# strategy; with `per_task=True`, every task's accuracy across the stages.

# %%
figure = plot_task_accuracies(results)
figure.set_label("mean_accuracy")
figure = plot_task_accuracies(results, per_task=True)
figure.set_label("per_task_accuracy")

# %% [markdown]
# The summaries (`continual_metrics`, in `ebm_memory/analysis/forgetting.py`): average
# accuracy `mean_j R[T-1, j]`; forgetting `mean_{j<T-1} (max_{l<T-1} R[l, j] - R[T-1, j])`;
# backward transfer (BWT) `mean_{j<T-1} (R[T-1, j] - R[j, j])`, negative when tasks are
# forgotten; forward transfer (FWT) `mean_{j>=1} (R[j-1, j] - 1/10)`, accuracy on a task
# before training on it, above chance.

# %%
print(f"{'strategy':16s} {'average':>8s} {'forgetting':>10s} {'BWT':>7s} {'FWT':>7s}")
for strategy, result in results.items():
    metrics = result.metrics
    print(
        f"{strategy:16s} {metrics.average_accuracy:8.3f} {metrics.average_forgetting:10.3f} "
        f"{metrics.backward_transfer:7.3f} {metrics.forward_transfer:7.3f}"
    )

# %% [markdown]
# In this tiny run rehearsal forgets least; the regularisers and pseudo-rehearsal sit
# between it and naive training (their strengths, `STRATEGY_SETTINGS`, were chosen by a
# small sweep at another size: see `ebm_memory/analysis/sequential.py`). 32 memories are few
# for three tasks: every strategy that protects the old tasks learns the last one less well
# than naive training does (the per-task panels). A permutation leaves nothing for the
# earlier tasks to transfer, so FWT stays near zero.
#
# ## 4. The interaction vertex and forgetting
# McAlister et al. report that how the DAM learns a sequence changes with `n`, as its
# memories move from features to prototypes. A small sweep: naive fine-tuning and rehearsal
# at three vertices, otherwise as above.

# %%
degrees = (2, 10, 30)
sweep = {strategy: [] for strategy in ("naive", "rehearsal")}
for degree in degrees:
    for strategy, metrics in sweep.items():
        estimator = clone(base).set_params(degree=degree, strategy=strategy)
        metrics.append(run_task_sequence(estimator, tasks).metrics)

figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3.4), num="vertex_sweep")
for strategy, metrics in sweep.items():
    left.plot(degrees, [m.average_accuracy for m in metrics], "o-", label=strategy)
    right.plot(degrees, [m.average_forgetting for m in metrics], "o-", label=strategy)
left.set_ylabel("average accuracy after all tasks")
right.set_ylabel("average forgetting")
for axis in (left, right):
    axis.set_xlabel("interaction vertex n")
    axis.set_xticks(degrees)
    axis.legend()
figure.suptitle(f"Naive training and rehearsal on {N_TASKS} permuted-digits tasks")
for strategy, metrics in sweep.items():
    forgetting = ", ".join(
        f"n = {d}: {m.average_forgetting:.2f}" for d, m in zip(degrees, metrics, strict=True)
    )
    print(f"{strategy:9s} forgetting {forgetting}")

# %% [markdown]
# Read the two panels together: low forgetting with a low average accuracy means that the
# later tasks were not learned, not that the earlier ones were kept. Three tasks, 32
# memories and 100 steps per task are far from the paper's five permuted MNIST tasks, and
# at this budget forgetting and plasticity are entangled; naive training forgets most of
# every earlier task at each `n`. For the full experiment (more tasks and memories, every
# strategy across a range of `n`, figure and table) run
#
# ```bash
# ebm-memory reproduce sequential          # or --quick
# ```

# %%
print(f"tutorial ran in {time.perf_counter() - start_time:.0f} s")

# %% tags=["remove-cell"]
# run as a script: save the figures as PNG files and show them (a notebook shows them inline)
folder = Path("tutorial_figures")
for number in plt.get_fignums():
    figure = plt.figure(number)
    folder.mkdir(exist_ok=True)
    path = folder / f"07_sequential_{figure.get_label()}.png"
    print("saved", save_figure(figure, path))
if "agg" not in plt.get_backend().lower():
    plt.show()
