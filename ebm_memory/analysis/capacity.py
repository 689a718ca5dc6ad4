"""Storage capacity of Model A: how many random +-1 patterns are retrieved, against ``N``.

Each trial stores ``P`` random patterns and starts :func:`~ebm_memory.dynamics.retrieve_binary`
(asynchronous sweeps) at every stored pattern; the final bit errors give two capacities:

- ``capacity``: the ``P`` at which the mean final bit error reaches ``error_threshold``
  (1%). Amit, Gutfreund & Sompolinsky: the classical network retrieves up to ``0.138 N``,
  its retrieval states keeping 1.6% wrong bits there (1% at ``0.135 N``, :func:`ags_load`);
  Krotov & Hopfield (2016): ``F(x) = x^n`` stores ``~ N^(n-1)``;
- ``exact_capacity``: the ``P`` at which half of the trials keep every bit of every pattern
  stable (error-free). McEliece et al.: ``N / (2 ln N)`` for any one pattern, ``N / (4 ln N)``
  for all of them; Krotov & Hopfield: ``N^(n-1) / (2 (2n-3)!! ln N)`` (one pattern);
  Demircigil et al. (2017): ``F(x) = exp(x)`` keeps all patterns stable below
  ``exp(N ln(2) / 2)``.

Pattern sets are nested (the first ``P`` rows of one stream per trial), so the curves of a
trial are paired across ``P``. For each ``N`` a geometric walk in ``P`` brackets each crossing
with two loads on either side; the crossing is interpolated linearly in ``log P``, and a
bootstrap over trials gives its standard error and the confidence interval of the fitted
growth law (``P ~ N^a``, or ``P ~ exp(a N)`` for the exponential interaction). The
published laws are in :mod:`ebm_memory.analysis.capacity_theory`; the experiment that runs
all the models is :mod:`ebm_memory.experiments.capacity`.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.capacity import error_free_capacity, retrieval_errors
>>> from ebm_memory.energies import interactions
>>> errors = retrieval_errors(100, [3, 5], interactions.classical(), n_trials=2)
>>> errors.shape, float(np.nanmax(errors))
((2, 2, 5), 0.0)
>>> round(float(error_free_capacity(500, interactions.classical())), 1)
40.2
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from tqdm.auto import tqdm

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.analysis.capacity_fit import CapacityCurve, GrowthFit, fit_growth
from ebm_memory.analysis.capacity_theory import (
    AGS_CAPACITY,
    EXPONENTIAL_BOUND_RATE,
    ags_load,
    error_free_capacity,
    error_free_law,
    exponential_snr_rate,
    interaction_degree,
)
from ebm_memory.dynamics import retrieve_binary
from ebm_memory.energies.interactions import Interaction

__all__ = [
    "AGS_CAPACITY",
    "EXPONENTIAL_BOUND_RATE",
    "CapacityCurve",
    "GrowthFit",
    "ags_load",
    "capacity_curve",
    "error_free_capacity",
    "error_free_law",
    "exponential_snr_rate",
    "fit_growth",
    "retrieval_errors",
]

EXACT_INTEGERS = 2**24  # float32 holds every integer up to 2^24, so such sums are exact
MAX_WALK = 20  # batches of loads per crossing at most
WALK_WIDTH = 4  # loads per batch


def _patterns(seed: int, n_features: int, n_patterns: int, n_trials: int) -> np.ndarray:
    """(T, P, N) +-1 float32 patterns; trial ``t`` is the first ``P`` rows of its own stream."""
    streams = [np.random.default_rng([seed, n_features, t]) for t in range(n_trials)]
    bits = np.stack([rng.random((n_patterns, n_features)) < 0.5 for rng in streams])
    return np.where(bits, 1.0, -1.0).astype(np.float32)


@functools.partial(jax.jit, static_argnames=("max_iter", "chunk_size"))
def _final_errors(patterns, loads, interaction, max_iter, chunk_size):
    rows = jnp.arange(patterns.shape[1])

    def at_load(load):
        stored = (rows < load)[:, None]

        def trial(stream):
            memories = jnp.where(stored, stream, 0.0)  # zero rows: inert padding
            starts = jnp.where(stored, stream, stream[0])
            states = retrieve_binary(
                starts, memories, interaction, max_iter=max_iter, chunk_size=chunk_size
            ).states
            return jnp.mean(states != starts, axis=-1)

        return jax.vmap(trial)(patterns)

    return jax.lax.map(at_load, loads)


@renamed_parameters(seed="random_state")
def retrieval_errors(
    n_features: int,
    loads,
    interaction: Interaction,
    *,
    n_trials: int = 8,
    max_iter: int = 100,
    chunk_size: int | None = 64,
    random_state=0,
) -> np.ndarray:
    """Final bit-error fraction of retrieval started at each stored pattern, for several loads.

    All loads run in one compiled call (``lax.map`` over loads, ``vmap`` over trials): the
    largest pattern set is padded with zero memory rows, which add ``F(0) = 0`` to every
    polynomial attraction and the same ``exp(0)`` to both attractions an exponential
    decision compares, so they change no decision.

    Parameters
    ----------
    n_features : int
        ``N``.
    loads : sequence of int
        Numbers of stored patterns ``P``; trial ``t`` stores the first ``P`` of its stream.
    interaction : Interaction
        ``F`` of the energy ``-sum_mu F(xi_mu . s)``.
    n_trials : int, default=8
        Independent pattern streams.
    max_iter : int, default=100
        Asynchronous sweeps at most; 1 is one-step retrieval.
    chunk_size : int or None, default=64
        Memories streamed per chunk where retrieval reduces over them.
    random_state : int, RandomState instance or None, default=0
        With ``n_features``, seeds the streams (an int is the seed itself; ``seed`` is its
        former name).

    Returns
    -------
    errors : ndarray of shape (n_loads, n_trials, max(loads))
        Fraction of bits that end differing from the start pattern; NaN beyond each load.

    Raises
    ------
    ValueError
        For a polynomial load whose attractions could exceed 2^24: retrieval runs in
        float32, whose sums of integer powers are exact only below that.

    See Also
    --------
    ebm_memory.analysis.capacity_curve : Capacities read from these errors over several ``N``.
    ebm_memory.dynamics.retrieve_binary : The Model A retrieval that is run.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.capacity import retrieval_errors
    >>> from ebm_memory.energies import interactions
    >>> errors = retrieval_errors(100, [3, 5], interactions.classical(), n_trials=2)
    >>> errors.shape, float(np.nanmax(errors))
    ((2, 2, 5), 0.0)
    """
    check_integer("n_features", n_features, minimum=2)
    check_integer("n_trials", n_trials, minimum=1)
    loads = np.asarray([check_integer("load", p, minimum=1) for p in loads])
    patterns = _patterns(as_seed(random_state), n_features, int(loads.max()), n_trials)
    degree = interaction_degree(interaction)
    if degree is not None:
        overlaps = np.abs(patterns @ np.swapaxes(patterns, 1, 2)) + 2.0
        if np.max(np.sum(overlaps**degree, axis=-1)) > EXACT_INTEGERS:
            raise ValueError(
                f"N = {n_features}, P = {loads.max()} is too large for exact float32 sums of "
                f"x^{degree}; use a smaller load."
            )
    errors = np.asarray(_final_errors(patterns, loads, interaction, max_iter, chunk_size))
    errors = errors.astype(np.float64)
    return np.where(np.arange(loads.max()) < loads[:, None, None], errors, np.nan)


def _failed_fraction(errors: np.ndarray) -> float:
    """Fraction of trials (rows) in which some pattern is not retrieved exactly."""
    return float(np.mean(errors.max(axis=1) > 0))


def _crossings(loads: np.ndarray, curves: np.ndarray, threshold: float) -> np.ndarray:
    """Load where each row of ``curves`` (R, G) first exceeds ``threshold``, interpolated
    linearly in ``log P`` from the last load below; NaN when not bracketed."""
    above = curves > threshold
    first = np.argmax(above, axis=1)
    valid = above.any(axis=1) & (first > 0)
    below = np.maximum(first - 1, 0)
    rows = np.arange(curves.shape[0])
    low, high = curves[rows, below], curves[rows, first]
    fraction = (threshold - low) / np.where(high > low, high - low, 1.0)
    log_loads = np.log(loads)
    crossing = log_loads[below] + fraction * (log_loads[first] - log_loads[below])
    return np.where(valid, np.exp(crossing), np.nan)


def _steps(load: int, ratio: float, count: int, upward: bool) -> list[int]:
    """``count`` successive loads of the geometric walk from ``load`` (excluded)."""
    steps = []
    for _ in range(count):
        if upward:
            load = max(load + 1, round(load * ratio))
        elif load > 1:
            load = max(1, min(load - 1, round(load / ratio)))
        steps.append(load)
    return sorted(set(steps))


def _evaluate(errors: dict, n_features, interaction, settings, loads) -> None:
    """Add to ``errors`` (load -> (n_trials, load) bit errors) the loads not yet in it."""
    loads = [p for p in loads if p not in errors]
    if loads:
        batch = retrieval_errors(n_features, loads, interaction, **settings)
        errors.update({p: batch[i, :, :p] for i, p in enumerate(loads)})


def _bracket(evaluate, errors: dict, statistic, threshold, start, ratio, width=WALK_WIDTH):
    """Evaluate batches of ``width`` walk steps until ``statistic`` of the errors first
    exceeds ``threshold`` with two loads on either side, the nearest two one step apart."""
    evaluate(sorted({start, *_steps(start, ratio, 2, False), *_steps(start, ratio, 2, True)}))
    for _ in range(MAX_WALK):
        loads = sorted(errors)
        above = np.array([statistic(errors[p]) > threshold for p in loads])
        first = int(np.argmax(above)) if above.any() else len(loads)
        if first >= len(loads) - 1:  # no load above, or no margin above
            evaluate(_steps(loads[-1], ratio, width if first == len(loads) else 1, True))
        elif first > 0 and loads[first] > _steps(loads[first - 1], ratio, 1, True)[0]:
            gap = _steps(loads[first], ratio, width, False)
            evaluate([p for p in gap if p > loads[first - 1]])
        elif first < 2 and loads[0] > 1:  # no load below, or no margin below
            evaluate(_steps(loads[0], ratio, width if first == 0 else 1, False))
        else:
            return


def _guess(law, n_features, previous, fallback, theory):
    """Next starting load: the last crossing moved along the last two crossings' law, or
    along ``theory`` (a function of ``N``) when only one is known."""
    known = [(n, p) for n, p in previous if np.isfinite(p)]
    if not known:
        return max(1, round(fallback))
    n1, p1 = known[-1]
    if len(known) == 1:
        return max(1, round(p1 * theory(n_features) / theory(n1)))
    n0, p0 = known[-2]
    x = np.log if law == "power" else np.asarray
    slope = (np.log(p1) - np.log(p0)) / (x(n1) - x(n0))
    return max(1, round(p1 * np.exp(slope * (x(n_features) - x(n1)))))


def _criteria(error_threshold: float) -> dict:
    """Capacity name -> (statistic of the (n_trials, P) errors, threshold it crosses)."""
    return {"capacity": (np.mean, error_threshold), "exact_capacity": (_failed_fraction, 0.5)}


def _walk(n_features, interaction, settings, found, error_threshold, ratio) -> dict:
    """Errors (load -> (n_trials, load)) of every load walked at one ``N``, where both
    crossings are bracketed; ``found``: the crossings at the earlier ``N``."""
    degree = interaction_degree(interaction)
    law = "exponential" if degree is None else "power"
    theory = functools.partial(error_free_law, degree=degree)
    errors: dict = {}
    evaluate = functools.partial(_evaluate, errors, n_features, interaction, settings)
    criteria = _criteria(error_threshold)
    for key in ("exact_capacity", "capacity"):  # the error-free crossing comes first
        if key == "exact_capacity":
            fallback = error_free_capacity(n_features, interaction)
        else:
            failing = [p for p in errors if _failed_fraction(errors[p]) > 0.5]
            fallback = min(failing, default=max(errors))
        start = _guess(law, n_features, found[key], fallback, theory)
        _bracket(evaluate, errors, *criteria[key], start, ratio)
    return errors


def _crossings_of(errors: dict, weights: np.ndarray, error_threshold: float):
    """Both crossings (first: the trials' mean, then one per bootstrap weight row) and the
    grid (loads, mean bit error, fraction of error-free trials) of one ``N``."""
    loads = np.array(sorted(errors))
    per_trial = {
        "capacity": np.stack([errors[p].mean(axis=1) for p in loads], axis=1),
        "exact_capacity": np.stack([errors[p].max(axis=1) > 0 for p in loads], axis=1),
    }
    crossings = {}
    for key, (_, threshold) in _criteria(error_threshold).items():
        curves = np.vstack([per_trial[key].mean(axis=0), weights @ per_trial[key]])
        crossings[key] = _crossings(loads.astype(np.float64), curves, threshold)
    exact_fraction = 1.0 - per_trial["exact_capacity"].mean(axis=0)
    return crossings, (loads, per_trial["capacity"].mean(axis=0), exact_fraction)


@renamed_parameters(seed="random_state", progress_bar="verbose")
def capacity_curve(
    interaction: Interaction,
    n_values,
    *,
    n_trials: int = 12,
    error_threshold: float = 0.01,
    ratio: float = 1.12,
    max_iter: int = 100,
    chunk_size: int | None = 64,
    n_bootstrap: int = 1000,
    random_state=0,
    verbose: int = 0,
) -> CapacityCurve:
    """Capacities against ``N`` (both criteria), with bootstrap standard errors.

    Parameters
    ----------
    interaction : Interaction
        A (rectified) polynomial or exponential interaction.
    n_values : sequence of int
        Numbers of neurons ``N``, increasing.
    n_trials : int, default=12
        Independent pattern sets per load.
    error_threshold : float, default=0.01
        Largest mean final bit error that still counts as retrieved.
    ratio : float, default=1.12
        Step of the geometric walk in ``P``; crossings are interpolated between steps.
    max_iter : int, default=100
        Asynchronous sweeps at most (:func:`retrieval_errors`).
    chunk_size : int or None, default=64
        Memories streamed per chunk (:func:`retrieval_errors`).
    n_bootstrap : int, default=1000
        Bootstrap resamples of the trials.
    random_state : int, RandomState instance or None, default=0
        Seeds the patterns (with ``N``) and the bootstrap (``seed`` is its former name).
    verbose : int, default=0
        Above 0, a tqdm bar over ``N`` (``progress_bar`` is its former name).

    Returns
    -------
    curve : CapacityCurve
        Both capacities per ``N``, their bootstrap replicates and every load evaluated.

    See Also
    --------
    ebm_memory.analysis.retrieval_errors : The error curves each capacity is read from.
    ebm_memory.analysis.fit_growth : Fits the growth law of the capacities.
    ebm_memory.plotting.plot_capacity : Draws the curve.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity import capacity_curve
    >>> from ebm_memory.energies import interactions
    >>> curve = capacity_curve(interactions.polynomial(3), [12, 16], n_trials=2, n_bootstrap=20)
    >>> bool(curve.capacity[1] > curve.capacity[0])
    True
    """
    n_values = [check_integer("N", n, minimum=2) for n in n_values]
    check_positive("error_threshold", error_threshold)
    check_positive("ratio", ratio)
    if ratio <= 1.0:
        raise ValueError(f"ratio must exceed 1, got {ratio}.")
    seed = as_seed(random_state)
    counts = np.random.default_rng([seed, 1]).multinomial(
        n_trials, np.full(n_trials, 1.0 / n_trials), n_bootstrap
    )
    weights = counts / n_trials
    settings = {"n_trials": n_trials, "max_iter": max_iter, "chunk_size": chunk_size}
    settings["random_state"] = seed
    found = {"capacity": [], "exact_capacity": []}
    boots = {"capacity": [], "exact_capacity": []}
    grids = []
    for n_features in tqdm(n_values, "N", disable=not verbose):
        errors = _walk(n_features, interaction, settings, found, error_threshold, ratio)
        crossings, grid = _crossings_of(errors, weights, error_threshold)
        for key, values in crossings.items():
            found[key].append((n_features, values[0]))
            boots[key].append(values[1:])
        grids.append((np.full(grid[0].size, n_features), *grid))
    measured = {}
    for key in found:
        measured[key] = np.asarray([p for _, p in found[key]])
        measured[f"{key}_boot"] = np.stack(boots[key], axis=1)
        measured[f"{key}_se"] = np.nanstd(measured[f"{key}_boot"], axis=0, ddof=1)
    degree = interaction_degree(interaction)
    grid_n, grid_p, grid_error, grid_exact = (np.concatenate(g) for g in zip(*grids, strict=True))
    return CapacityCurve(
        n=np.asarray(n_values),
        **measured,
        theory_exact=error_free_capacity(np.asarray(n_values), interaction),
        grid_n=grid_n,
        grid_p=grid_p,
        grid_error=grid_error,
        grid_exact_fraction=grid_exact,
        law="exponential" if degree is None else "power",
        degree=int(degree or 0),
        error_threshold=float(error_threshold),
    )
