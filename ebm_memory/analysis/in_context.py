"""How well an in-context energy infers a density from its context, against kernel density
estimation on the same context.

For each held-out context (a task drawn from a family, ``n`` points from it):

- ``sample_log_lik``: the mean log-likelihood, under the TRUE mixture, of draws from the
  in-context energy (MALA) and of draws from the KDE. Draws that land where the truth puts
  mass score high; draws smeared into the gaps score low.
- ``heldout_log_lik``: the mean log density that the quadrature-normalised energy and the
  KDE give to fresh points of the task; ``excess_nll`` is the truth's minus that (an estimate
  of the KL divergence from the truth, which falls as the density sharpens onto the task).
- ``entropy``: the differential entropy of the normalised in-context density (quadrature).
- ``memory_width``: the mean width of the memories the model sets around the context points
  (weighted by their weights), beside the KDE's bandwidth: how sharp the wells are.

The KDE's bandwidth is chosen per context by leave-one-out likelihood over a grid of
multiples of the context's scale (the strongest simple rule; Scott's rule is reported too).

Examples
--------
>>> from ebm_memory import InContextEnergy
>>> from ebm_memory.analysis.in_context import evaluate_contexts
>>> rows = evaluate_contexts(InContextEnergy.pretrained(), "mixture_2d", context_size=16,
...                          n_contexts=2, n_samples=64, seed=0)
>>> len(rows), sorted(key for key in rows[0] if key.startswith("sample"))
(2, ['sample_log_lik_kde', 'sample_log_lik_model'])
"""

from __future__ import annotations

import math

import jax
import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

from ebm_memory.incontext.estimator import InContextEnergy
from ebm_memory.incontext.inference import context_scale
from ebm_memory.incontext.tasks import FAMILIES, mixture_log_prob, sample_mixture

__all__ = [
    "CONTEXT_SIZES",
    "draw_context",
    "evaluate_contexts",
    "loo_bandwidth",
    "mean_and_error",
    "plot_contours",
    "plot_sharpening",
    "sharpening",
    "summarise",
]

CONTEXT_SIZES = (4, 8, 16, 32, 64)
BANDWIDTH_GRID = np.geomspace(0.02, 2.0, 40)
"""Candidate KDE bandwidths, in multiples of the context's scale."""


def loo_bandwidth(context: np.ndarray) -> float:
    """The Gaussian KDE bandwidth maximising the leave-one-out log-likelihood of ``context``."""
    n, dim = context.shape
    squared = np.sum((context[:, None] - context[None]) ** 2, axis=-1)
    np.fill_diagonal(squared, np.inf)
    bandwidths = BANDWIDTH_GRID * context_scale(context)
    scores = [
        np.mean(logsumexp(-squared / (2 * h**2), axis=1)) - dim * math.log(h) for h in bandwidths
    ]
    return float(bandwidths[int(np.argmax(scores))])


def draw_context(family: str, context_size: int, seed: int, n_test: int = 512):
    """A task of ``family`` and, from it, a context and fresh test points (numpy float64)."""
    task_key, context_key, test_key = jax.random.split(jax.random.key(seed), 3)
    task = FAMILIES[family].draw(task_key)
    context = np.asarray(sample_mixture(task, context_key, context_size), np.float64)
    test = np.asarray(sample_mixture(task, test_key, n_test), np.float64)
    return task, context, test


def _true_log_prob(task, X: np.ndarray) -> np.ndarray:
    return np.asarray(jax.vmap(mixture_log_prob, (None, 0))(task, np.float32(X)), np.float64)


def _normalised_measures(model: InContextEnergy, context, test, truth) -> dict:
    """The measures that need ``log Z`` (2-D quadrature): held-out log-likelihood, its
    excess over the truth's, the entropy and ``log Z`` itself."""
    axes, log_density, log_z = model.density_grid(context)
    log_p = log_density - log_z
    cell = (axes[0][1] - axes[0][0]) * (axes[1][1] - axes[1][0])
    heldout = float(np.mean(model.score_samples(test, context) - log_z))
    return {
        "heldout_log_lik_model": heldout,
        "excess_nll_model": truth - heldout,
        "entropy": float(-np.sum(np.exp(log_p) * log_p) * cell),
        "log_normaliser": log_z,
    }


def evaluate_contexts(
    model: InContextEnergy,
    family: str,
    *,
    context_size: int,
    n_contexts: int,
    n_samples: int = 256,
    seed: int = 0,
) -> list[dict]:
    """One row of measurements per context (see the module docstring); the measures that
    need a normaliser only for 2-D families."""
    rows = []
    for index in range(n_contexts):
        task, context, test = draw_context(family, context_size, seed + index)
        bandwidth = loo_bandwidth(context)
        kde = KernelDensity(bandwidth=bandwidth).fit(context)
        scott = KernelDensity(
            bandwidth=context_scale(context) * context_size ** (-1 / (context.shape[1] + 4))
        ).fit(context)
        draws = model.sample(context, n_samples, random_state=seed + index)
        memories = model.memories(context)
        truth = float(_true_log_prob(task, test).mean())
        row = {
            "family": family,
            "context_size": context_size,
            "seed": seed + index,
            "sample_log_lik_model": float(_true_log_prob(task, draws).mean()),
            "sample_log_lik_kde": float(
                _true_log_prob(task, kde.sample(n_samples, random_state=index)).mean()
            ),
            "heldout_log_lik_kde": float(kde.score_samples(test).mean()),
            "heldout_log_lik_scott": float(scott.score_samples(test).mean()),
            "heldout_log_lik_truth": truth,
            "memory_width": float(memories["weights"] @ memories["widths"])
            / float(memories["weights"].sum()),
            "kde_bandwidth": bandwidth,
        }
        row["excess_nll_kde"] = truth - row["heldout_log_lik_kde"]
        row["excess_nll_scott"] = truth - row["heldout_log_lik_scott"]
        if context.shape[1] == 2:
            row.update(_normalised_measures(model, context, test, truth))
        rows.append(row)
    return rows


def mean_and_error(values) -> tuple[float, float]:
    """Mean of ``values`` and its standard error."""
    values = np.asarray(values, np.float64)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def summarise(rows: list[dict], key: str) -> tuple[float, float]:
    """Mean of ``key`` over rows, and its standard error."""
    return mean_and_error([row[key] for row in rows])


def sharpening(
    model: InContextEnergy,
    family: str = "mixture_2d",
    *,
    sizes=CONTEXT_SIZES,
    n_contexts: int = 16,
    n_samples: int = 256,
    seed: int = 0,
) -> dict[int, list[dict]]:
    """:func:`evaluate_contexts` for each context size, on the same tasks (same seeds)."""
    return {
        size: evaluate_contexts(
            model,
            family,
            context_size=size,
            n_contexts=n_contexts,
            n_samples=n_samples,
            seed=seed,
        )
        for size in sizes
    }


def _errorbars(axis, results, key, label, **style):
    sizes = sorted(results)
    means, errors = zip(*(summarise(results[n], key) for n in sizes), strict=True)
    axis.errorbar(sizes, means, yerr=errors, marker="o", capsize=3, label=label, **style)


def plot_sharpening(results: dict[int, list[dict]]):
    """Held-out log-likelihood (energy, KDEs, truth), and the memories' width beside the KDE's
    bandwidth, against the context size."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in [
        ("model", "in-context energy"),
        ("kde", "KDE (leave-one-out bandwidth)"),
        ("scott", "KDE (Scott)"),
    ]:
        _errorbars(left, results, f"excess_nll_{key}", label)
    left.set_yscale("log")
    _errorbars(right, results, "memory_width", "in-context memory width")
    _errorbars(right, results, "kde_bandwidth", "KDE bandwidth (leave-one-out)")
    right.set_yscale("log")
    for axis in (left, right):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("context size")
    left.set_ylabel("held-out NLL above the true density's (nats)")
    left.legend(fontsize=8)
    right.set_ylabel("width of the wells around each point")
    right.legend(fontsize=8)
    figure.suptitle("The in-context energy sharpens as its context grows")
    figure.tight_layout()
    return figure


def plot_contours(
    model: InContextEnergy,
    contexts: list[tuple[str, np.ndarray]],
    *,
    grid_size: int = 150,
    depth: float = 12.0,
):
    """Energy contours over the plane with the context points, one panel per context: the
    window is the context's extent plus one context scale, the levels span ``depth`` nats
    above the lowest energy (higher energies share the darkest colour)."""
    figure, axes = plt.subplots(1, len(contexts), figsize=(3.4 * len(contexts), 3.4))
    for axis, (title, context) in zip(np.atleast_1d(axes), contexts, strict=True):
        margin = context_scale(context) * np.sqrt(context.shape[1])
        low, high = context.min(0) - margin, context.max(0) + margin
        xs, ys = (np.linspace(low[i], high[i], grid_size) for i in range(2))
        grid = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1).reshape(-1, 2)
        energy = model.energy(grid, context).reshape(grid_size, grid_size)
        levels = energy.min() + np.linspace(0.0, depth, 13)
        axis.contourf(xs, ys, energy.T, levels=levels, cmap="viridis_r", extend="max")
        axis.scatter(*context.T, s=8, c="crimson", edgecolors="white", linewidths=0.4)
        axis.set_title(title, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_aspect("equal")
    figure.tight_layout()
    return figure
