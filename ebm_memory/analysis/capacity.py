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
experiment that runs all the models, its figure and its table are in
:mod:`ebm_memory.analysis.capacity_report`.

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
import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import erfinv
from tqdm.auto import tqdm

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.dynamics import retrieve_binary
from ebm_memory.energies.interactions import Interaction

__all__ = [
    "AGS_CAPACITY",
    "EXPONENTIAL_BOUND_RATE",
    "ags_load",
    "capacity_curve",
    "error_free_capacity",
    "error_free_law",
    "exponential_snr_rate",
    "fit_growth",
    "retrieval_errors",
]

AGS_CAPACITY = 0.138
"""Amit, Gutfreund & Sompolinsky's critical load ``P / N`` of the classical network."""
EXPONENTIAL_BOUND_RATE = math.log(2.0) / 2.0
"""Demircigil et al.'s rate: all patterns are one-step stable for ``P < exp(rate N)``."""
EXACT_INTEGERS = 2**24  # float32 holds every integer up to 2^24, so such sums are exact
MAX_WALK = 20  # batches of loads per crossing at most
WALK_WIDTH = 4  # loads per batch


def ags_load(error: float) -> float:
    """Load ``P / N`` at which the classical network's retrieval state has a fraction
    ``error`` of wrong bits (Amit, Gutfreund & Sompolinsky, replica symmetric, ``T = 0``).

    The stable branch ends at ``error = 0.0165``, load 0.138; beyond it the formula follows
    the unstable branch.
    """
    overlap = 1.0 - 2.0 * error
    y = erfinv(overlap)
    return float((overlap / y - 2.0 / math.sqrt(math.pi) * math.exp(-(y**2))) ** 2 / 2.0)


def exponential_snr_rate(beta: float = 1.0) -> float:
    """``2 beta - ln cosh(2 beta)``: growth rate of the load at a fixed small bit error for
    ``F(x) = exp(beta x)``, from a Gaussian signal-to-noise estimate (this module's).

    Flipping a bit of a stored pattern costs its own term ``exp(beta N) (1 - exp(-2 beta))``
    against a crosstalk of variance ``4 P sinh(beta)^2 cosh(2 beta)^(N - 1)``; a fixed ratio
    gives ``ln P ~ N (2 beta - ln cosh 2 beta)``, which tends to ``ln 2`` as ``beta`` grows.
    """
    check_positive("beta", beta)
    return 2.0 * beta - math.log(math.cosh(2.0 * beta))


def _double_factorial(k: int) -> int:
    return math.prod(range(k, 0, -2))


def _power(interaction: Interaction) -> int | None:
    """The degree ``n`` of a (rectified) polynomial interaction; None for the exponential."""
    return None if interaction.log_domain else int(dict(interaction.params)["n"])


def error_free_law(n_features, degree: int | None) -> np.ndarray:
    """The error-free capacity of :func:`error_free_capacity` by degree (None: exponential)."""
    n_features = np.asarray(n_features, dtype=np.float64)
    if not degree:
        return np.sqrt(2.0 * math.log(2.0) * 2.0**n_features / n_features)
    scale = 2.0 * _double_factorial(2 * degree - 3) * np.log(n_features)
    return n_features ** (degree - 1) / scale


def error_free_capacity(n_features, interaction: Interaction) -> np.ndarray:
    """Error-free capacity: ``N^(n-1) / (2 (2n-3)!! ln N)`` for ``F(x) = x^n`` (Krotov &
    Hopfield; ``N / (2 ln N)`` for the classical network); ``sqrt(2 ln 2 * 2^N / N)`` for
    ``exp(beta x)``.

    The exponential estimate is this module's: two patterns one bit apart tie on their own
    terms when that bit flips, so the other memories make one of them unstable; such
    pairs appear with probability ``1 - exp(-P^2 N / 2^(N + 1))``, one half at the value
    returned, whose growth rate tends to Demircigil et al.'s ``ln(2) / 2``.
    """
    return error_free_law(n_features, _power(interaction))


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


def retrieval_errors(
    n_features: int,
    loads,
    interaction: Interaction,
    *,
    n_trials: int = 8,
    max_iter: int = 100,
    chunk_size: int | None = 64,
    seed: int = 0,
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
    n_trials : int
        Independent pattern streams.
    max_iter : int
        Asynchronous sweeps at most; 1 is one-step retrieval.
    chunk_size : int or None
        Memories streamed per chunk where retrieval reduces over them.
    seed : int
        With ``n_features``, seeds the streams.

    Returns
    -------
    numpy.ndarray
        (loads, n_trials, max(loads)) fraction of bits that end differing from the start
        pattern; NaN beyond each load.

    Raises
    ------
    ValueError
        For a polynomial load whose attractions could exceed 2^24: retrieval runs in
        float32, whose sums of integer powers are exact only below that.
    """
    check_integer("n_features", n_features, minimum=2)
    check_integer("n_trials", n_trials, minimum=1)
    loads = np.asarray([check_integer("load", p, minimum=1) for p in loads])
    patterns = _patterns(seed, n_features, int(loads.max()), n_trials)
    degree = _power(interaction)
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


def _bracket(run, cache: dict, statistic, threshold, start, ratio, width=WALK_WIDTH):
    """Run batches of ``width`` walk steps until ``statistic`` of the cached errors first
    exceeds ``threshold`` with two loads on either side, the nearest two one step apart."""
    run(sorted({start, *_steps(start, ratio, 2, False), *_steps(start, ratio, 2, True)}))
    for _ in range(MAX_WALK):
        loads = sorted(cache)
        above = np.array([statistic(cache[p]) > threshold for p in loads])
        first = int(np.argmax(above)) if above.any() else len(loads)
        if first >= len(loads) - 1:  # no load above, or no margin above
            run(_steps(loads[-1], ratio, width if first == len(loads) else 1, True))
        elif first > 0 and loads[first] > _steps(loads[first - 1], ratio, 1, True)[0]:
            gap = _steps(loads[first], ratio, width, False)
            run([p for p in gap if p > loads[first - 1]])
        elif first < 2 and loads[0] > 1:  # no load below, or no margin below
            run(_steps(loads[0], ratio, width if first == 0 else 1, False))
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
    seed: int = 0,
    progress_bar: bool = False,
) -> dict[str, np.ndarray]:
    """Capacities against ``N`` (both criteria), with bootstrap standard errors.

    Parameters
    ----------
    interaction : Interaction
        A (rectified) polynomial or exponential interaction.
    n_values : sequence of int
        Numbers of neurons ``N``, increasing.
    n_trials : int
        Independent pattern sets per load.
    error_threshold : float
        Largest mean final bit error that still counts as retrieved.
    ratio : float
        Step of the geometric walk in ``P``; crossings are interpolated between steps.
    max_iter, chunk_size : see :func:`retrieval_errors`.
    n_bootstrap : int
        Bootstrap resamples of the trials.
    seed : int
        Seeds the patterns (with ``N``) and the bootstrap.
    progress_bar : bool
        A tqdm bar over ``N``.

    Returns
    -------
    dict of numpy arrays
        ``n`` (K,); ``capacity``, ``capacity_se`` (K,): load at which the mean final bit
        error reaches ``error_threshold``; ``exact_capacity``, ``exact_capacity_se`` (K,):
        load at which half of the trials stop keeping every pattern error-free;
        ``capacity_boot``, ``exact_capacity_boot`` (n_bootstrap, K): bootstrap replicates;
        ``theory_exact`` (K,): :func:`error_free_capacity`; ``grid_n``, ``grid_p``,
        ``grid_error``, ``grid_exact_fraction`` (M,): every load evaluated, its mean bit
        error and fraction of error-free trials; ``law``: "power" or "exponential";
        ``degree`` (``n``, or 0 for the exponential).
    """
    n_values = [check_integer("N", n, minimum=2) for n in n_values]
    check_positive("error_threshold", error_threshold)
    check_positive("ratio", ratio)
    if ratio <= 1.0:
        raise ValueError(f"ratio must exceed 1, got {ratio}.")
    degree = _power(interaction)
    law = "exponential" if degree is None else "power"
    theory = functools.partial(error_free_law, degree=degree)
    boot_rng = np.random.default_rng([seed, 1])
    counts = boot_rng.multinomial(n_trials, np.full(n_trials, 1.0 / n_trials), n_bootstrap)
    weights = counts / n_trials
    settings = {"n_trials": n_trials, "max_iter": max_iter, "chunk_size": chunk_size, "seed": seed}
    criteria = {"capacity": (np.mean, error_threshold), "exact_capacity": (_failed_fraction, 0.5)}
    out = {key: [] for key in criteria} | {f"{key}_boot": [] for key in criteria}
    grid = {key: [] for key in ("grid_n", "grid_p", "grid_error", "grid_exact_fraction")}
    for n_features in tqdm(n_values, "N", disable=not progress_bar):
        errors = {}

        def run(loads, n_features=n_features, errors=errors):
            loads = [p for p in loads if p not in errors]
            if loads:
                batch = retrieval_errors(n_features, loads, interaction, **settings)
                errors.update({p: batch[i, :, :p] for i, p in enumerate(loads)})

        for key in ("exact_capacity", "capacity"):  # the error-free crossing comes first
            statistic, threshold = criteria[key]
            if key == "exact_capacity":
                fallback = error_free_capacity(n_features, interaction)
            else:
                failing = [p for p in errors if _failed_fraction(errors[p]) > 0.5]
                fallback = min(failing, default=max(errors))
            previous = list(zip(n_values, out[key], strict=False))
            start = _guess(law, n_features, previous, fallback, theory)
            _bracket(run, errors, statistic, threshold, start, ratio)
        loads = np.array(sorted(errors))
        per_trial = {
            "capacity": np.stack([errors[p].mean(axis=1) for p in loads], axis=1),
            "exact_capacity": np.stack([errors[p].max(axis=1) > 0 for p in loads], axis=1),
        }
        for key, (_, threshold) in criteria.items():
            curves = np.vstack([per_trial[key].mean(axis=0), weights @ per_trial[key]])
            crossings = _crossings(loads.astype(np.float64), curves, threshold)
            out[key].append(crossings[0])
            out[f"{key}_boot"].append(crossings[1:])
        grid["grid_n"].append(np.full(loads.size, n_features))
        grid["grid_p"].append(loads)
        grid["grid_error"].append(per_trial["capacity"].mean(axis=0))
        grid["grid_exact_fraction"].append(1.0 - per_trial["exact_capacity"].mean(axis=0))
    result = {"n": np.asarray(n_values)}
    for key in ("capacity", "exact_capacity"):
        result[key] = np.asarray(out[key])
        result[f"{key}_boot"] = np.stack(out[f"{key}_boot"], axis=1)
        result[f"{key}_se"] = np.nanstd(result[f"{key}_boot"], axis=0, ddof=1)
    result.update({key: np.concatenate(values) for key, values in grid.items()})
    result["theory_exact"] = error_free_capacity(result["n"], interaction)
    result["law"] = np.asarray(law)
    result["degree"] = np.int64(degree or 0)
    result["error_threshold"] = np.float64(error_threshold)
    return result


def fit_growth(result: dict, criterion: str = "error", level: float = 0.95) -> dict:
    """Least-squares growth law of a :func:`capacity_curve` result, with a bootstrap interval.

    ``log P`` is fitted on ``log N`` (power law: the slope is the exponent) or on ``N``
    (exponential law: the slope is the rate). The interval holds the central ``level`` of
    the slopes refitted on the bootstrap replicates.

    Returns
    -------
    dict of float
        ``slope``, ``intercept``, ``slope_se`` (bootstrap), ``ci_low``, ``ci_high``.
    """
    if criterion not in ("error", "exact"):
        raise ValueError(f"criterion must be 'error' or 'exact', got {criterion!r}.")
    key = "capacity" if criterion == "error" else "exact_capacity"
    n = np.asarray(result["n"], dtype=np.float64)
    measured = np.isfinite(result[key])
    if measured.sum() < 2:
        raise ValueError(f"fewer than two finite {key} values to fit.")
    x = np.log(n[measured]) if str(result["law"]) == "power" else n[measured]
    design = np.column_stack([x, np.ones_like(x)])
    slope, intercept = np.linalg.lstsq(design, np.log(result[key][measured]), rcond=None)[0]
    replicates = np.log(result[f"{key}_boot"][:, measured])
    replicates = replicates[np.all(np.isfinite(replicates), axis=1)]
    slopes = np.linalg.lstsq(design, replicates.T, rcond=None)[0][0]
    tail = 50.0 * (1.0 - level)
    low, high = np.percentile(slopes, [tail, 100.0 - tail])
    return {
        "slope": float(slope),
        "intercept": float(intercept),
        "slope_se": float(np.std(slopes, ddof=1)),
        "ci_low": float(low),
        "ci_high": float(high),
    }
