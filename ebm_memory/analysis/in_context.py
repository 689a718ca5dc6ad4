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

Each context gives one :class:`ContextMeasures`; :func:`summarise` reduces a list of them to a
mean and its standard error. ``ebm-memory reproduce in_context``
(:mod:`ebm_memory.experiments.in_context`) runs the full measurement.

The KDE's bandwidth is chosen per context by leave-one-out likelihood over a grid of
multiples of the context's scale (the strongest simple rule; Scott's rule is reported too).

Examples
--------
>>> from ebm_memory import InContextEnergy
>>> from ebm_memory.analysis.in_context import evaluate_contexts
>>> rows = evaluate_contexts(InContextEnergy.pretrained(), "mixture_2d", context_size=16,
...                          n_contexts=2, n_samples=64, random_state=0)
>>> len(rows), rows[0].family, rows[1].seed
(2, 'mixture_2d', 1)
"""

from __future__ import annotations

import math

import jax
import numpy as np
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

from ebm_memory._renamed import renamed_parameters
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.analysis.context_measures import ContextMeasures, mean_and_error, summarise
from ebm_memory.incontext.estimator import InContextEnergy
from ebm_memory.incontext.inference import context_scale
from ebm_memory.incontext.tasks import FAMILIES, mixture_log_prob, sample_mixture

__all__ = [
    "CONTEXT_SIZES",
    "ContextMeasures",
    "draw_context",
    "evaluate_contexts",
    "loo_bandwidth",
    "mean_and_error",
    "sharpening",
    "summarise",
]

CONTEXT_SIZES = (4, 8, 16, 32, 64)
BANDWIDTH_GRID = np.geomspace(0.02, 2.0, 40)
"""Candidate KDE bandwidths, in multiples of the context's scale."""


def loo_bandwidth(context: np.ndarray) -> float:
    """The Gaussian KDE bandwidth maximising the leave-one-out log-likelihood of ``context``.

    Parameters
    ----------
    context : ndarray of shape (n_samples, n_features)
        The points.

    Returns
    -------
    bandwidth : float
        The best of :data:`BANDWIDTH_GRID` times the context's scale.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.in_context import loo_bandwidth
    >>> 0.1 < loo_bandwidth(np.random.default_rng(0).normal(size=(100, 2))) < 1.0
    True
    """
    n, dim = context.shape
    squared = np.sum((context[:, None] - context[None]) ** 2, axis=-1)
    np.fill_diagonal(squared, np.inf)
    bandwidths = BANDWIDTH_GRID * context_scale(context)
    scores = [
        np.mean(logsumexp(-squared / (2 * h**2), axis=1)) - dim * math.log(h) for h in bandwidths
    ]
    return float(bandwidths[int(np.argmax(scores))])


@renamed_parameters(seed="random_state")
def draw_context(family: str, context_size: int, random_state=0, n_test: int = 512):
    """A task of ``family`` and, from it, a context and fresh test points (numpy float64).

    Parameters
    ----------
    family : str
        A key of :data:`ebm_memory.incontext.tasks.FAMILIES`.
    context_size : int
        Points in the context.
    random_state : int, RandomState or None, default=0
        Seeds the task and its points (an int is used as it is). Was ``seed``.
    n_test : int, default=512
        Fresh test points.

    Returns
    -------
    task : Mixture
        The task's true mixture.
    context : ndarray of shape (context_size, n_features)
        The context.
    test : ndarray of shape (n_test, n_features)
        Fresh points of the task.

    Examples
    --------
    >>> from ebm_memory.analysis.in_context import draw_context
    >>> _, context, test = draw_context("mixture_2d", 8, random_state=0, n_test=4)
    >>> context.shape, test.shape
    ((8, 2), (4, 2))
    """
    key = jax.random.key(as_seed(random_state))
    task_key, context_key, test_key = jax.random.split(key, 3)
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
        "log_partition": float(log_z),
    }


def _measure(model: InContextEnergy, family: str, context_size: int, n_samples: int, seed, index):
    """:class:`ContextMeasures` of context ``index``, drawn with ``seed + index``."""
    seed = seed + index
    task, context, test = draw_context(family, context_size, seed)
    bandwidth = loo_bandwidth(context)
    kde = KernelDensity(bandwidth=bandwidth).fit(context)
    scott = KernelDensity(
        bandwidth=context_scale(context) * context_size ** (-1 / (context.shape[1] + 4))
    ).fit(context)
    draws = model.sample(context, n_samples, random_state=seed)
    memories = model.memories(context)
    truth = float(_true_log_prob(task, test).mean())
    heldout_kde = float(kde.score_samples(test).mean())
    heldout_scott = float(scott.score_samples(test).mean())
    normalised = _normalised_measures(model, context, test, truth) if context.shape[1] == 2 else {}
    return ContextMeasures(
        family=family,
        context_size=context_size,
        seed=seed,
        sample_log_lik_model=float(_true_log_prob(task, draws).mean()),
        sample_log_lik_kde=float(
            _true_log_prob(task, kde.sample(n_samples, random_state=index)).mean()
        ),
        heldout_log_lik_kde=heldout_kde,
        heldout_log_lik_scott=heldout_scott,
        heldout_log_lik_truth=truth,
        memory_width=float(memories["weights"] @ memories["widths"])
        / float(memories["weights"].sum()),
        kde_bandwidth=bandwidth,
        excess_nll_kde=truth - heldout_kde,
        excess_nll_scott=truth - heldout_scott,
        **normalised,
    )


@renamed_parameters(seed="random_state")
def evaluate_contexts(
    model: InContextEnergy,
    family: str,
    *,
    context_size: int,
    n_contexts: int,
    n_samples: int = 256,
    random_state=0,
) -> list[ContextMeasures]:
    """Measure ``model`` on ``n_contexts`` held-out contexts of ``family``.

    Parameters
    ----------
    model : InContextEnergy
        A fitted in-context energy.
    family : str
        A key of :data:`ebm_memory.incontext.tasks.FAMILIES`.
    context_size : int
        Points per context.
    n_contexts : int
        Contexts; context ``i`` is drawn with seed ``random_state + i``.
    n_samples : int, default=256
        Samples drawn from the energy and from the KDE per context.
    random_state : int, RandomState or None, default=0
        The first context's seed (an int is used as it is). Was ``seed``.

    Returns
    -------
    rows : list of ContextMeasures
        One per context; the measures that need a normaliser only for 2-D families.

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.analysis.in_context import evaluate_contexts
    >>> rows = evaluate_contexts(InContextEnergy.pretrained(), "mixture_2d", context_size=8,
    ...                          n_contexts=1, n_samples=16)
    >>> rows[0].log_partition is not None
    True
    """
    seed = as_seed(random_state)
    return [
        _measure(model, family, context_size, n_samples, seed, index) for index in range(n_contexts)
    ]


@renamed_parameters(seed="random_state")
def sharpening(
    model: InContextEnergy,
    family: str = "mixture_2d",
    *,
    sizes=CONTEXT_SIZES,
    n_contexts: int = 16,
    n_samples: int = 256,
    random_state=0,
) -> dict[int, list[ContextMeasures]]:
    """:func:`evaluate_contexts` for each context size, on the same tasks (same seeds).

    Parameters
    ----------
    model : InContextEnergy
        A fitted in-context energy.
    family : str, default="mixture_2d"
        The task family.
    sizes : sequence of int, default=(4, 8, 16, 32, 64)
        Context sizes.
    n_contexts : int, default=16
        Contexts per size.
    n_samples : int, default=256
        Samples per context.
    random_state : int, RandomState or None, default=0
        The first context's seed. Was ``seed``.

    Returns
    -------
    results : dict of int to list of ContextMeasures
        Context size -> its rows.

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.analysis.in_context import sharpening
    >>> results = sharpening(InContextEnergy.pretrained(), sizes=(4, 8), n_contexts=1,
    ...                      n_samples=8)
    >>> sorted(results)
    [4, 8]
    """
    seed = as_seed(random_state)
    return {
        size: evaluate_contexts(
            model,
            family,
            context_size=size,
            n_contexts=n_contexts,
            n_samples=n_samples,
            random_state=seed,
        )
        for size in sizes
    }
