"""Noise-benefit sweeps: retrieval error of annealed noisy recall against the temperature.

The experiment of Karbasi et al. ("Noise-enhanced associative memories", 2013), set up where
Amit, Gutfreund & Sompolinsky's analysis of the classical Hopfield net predicts it: symmetric
3-mixture states ``sign(xi_a + xi_b + xi_c)`` (and the spurious fixed points next to them)
trap zero-temperature retrieval, but lose stability under moderate noise (``T ~ 0.46`` as the
loading goes to 0), while the retrieval states survive to ``T ~ 1``. Started from a mixture,
recall annealed from a moderate ``T0`` escapes to one of the mixed memories; from a large
``T0`` it forgets the probe and lands on an arbitrary memory. The error against ``T0`` is
U-shaped.

For random bit-flip probes the same sweep shows no benefit: there the zero-temperature
errors come from probes outside the basin of their pattern, and noise only shrinks basins
(the error grows monotonically with ``T0``; ``probe="flip"`` reproduces this).

Examples
--------
>>> from ebm_memory.analysis import noise_benefit
>>> result = noise_benefit(0, temperatures=[0.0, 0.3, 1.5], n_trials=1)
>>> error = result.error
>>> error.shape, bool(error[1] < error[0] / 2), bool(error[2] > 2 * error[1])
((3,), True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np
from tqdm.auto import tqdm

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._common import KeyedResult
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.dynamics import retrieve_binary
from ebm_memory.energies import interactions
from ebm_memory.energies.interactions import Interaction
from ebm_memory.samplers.noisy_recall import annealed_binary_recall

__all__ = ["PROBES", "NoiseBenefit", "noise_benefit"]

PROBES = ("mixture", "flip")
DEFAULT_TEMPERATURES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5)


@dataclass(frozen=True, eq=False)
class NoiseBenefit(KeyedResult):
    """Retrieval error of annealed noisy recall against the initial temperature.

    Parameters
    ----------
    temperatures : ndarray of shape (n_temperatures,)
        The initial temperatures ``T0``.
    error : ndarray of shape (n_temperatures,)
        Mean bit error rate of the retrieved fixed point.
    error_sem : ndarray of shape (n_temperatures,)
        Its standard error over the ``n_trials * n_probes`` probes.
    improvement : ndarray of shape (n_temperatures,)
        Paired decrease of the error relative to deterministic retrieval (``T0 = 0``).
    improvement_sem : ndarray of shape (n_temperatures,)
        Its standard error.
    spurious_fraction : ndarray of shape (n_temperatures,)
        Fixed points that are neither a stored pattern nor its negation.
    exact_fraction : ndarray of shape (n_temperatures,)
        Probes that ended exactly on a target.
    baseline_error : float
        Mean bit error of deterministic retrieval.
    baseline_error_sem : float
        Its standard error.
    baseline_spurious_fraction : float
        Spurious fixed points of deterministic retrieval.
    best_temperature : float
        The temperature of the lowest mean error.
    probe_errors : ndarray of shape (n_temperatures, n_trials * n_probes)
        The error of every probe.
    loading : float
        ``n_patterns / n_features``.

    See Also
    --------
    ebm_memory.analysis.noise_benefit : Produces it.
    ebm_memory.plotting.plot_noise_benefit : Draws it.

    Examples
    --------
    >>> from ebm_memory.analysis import noise_benefit
    >>> result = noise_benefit(0, temperatures=[0.0, 0.3], n_probes=10, n_trials=1)
    >>> result.probe_errors.shape, result.loading
    ((2, 10), 0.05)
    """

    temperatures: np.ndarray
    error: np.ndarray
    error_sem: np.ndarray
    improvement: np.ndarray
    improvement_sem: np.ndarray
    spurious_fraction: np.ndarray
    exact_fraction: np.ndarray
    baseline_error: float
    baseline_error_sem: float
    baseline_spurious_fraction: float
    best_temperature: float
    probe_errors: np.ndarray
    loading: float


def _probes(rng, patterns, n_probes, probe, flip_fraction):
    """Probes (n, D) and their targets (n, S, D): the 3 mixed patterns, or the 1 flipped."""
    if probe == "mixture":
        triples = np.stack([rng.permutation(len(patterns))[:3] for _ in range(n_probes)])
        targets = patterns[triples]
        return np.sign(targets.sum(axis=1)), targets
    targets = patterns[rng.integers(len(patterns), size=n_probes)][:, None]
    flips = rng.random(targets[:, 0].shape) < flip_fraction
    return np.where(flips, -targets[:, 0], targets[:, 0]), targets


def _scores(states, targets, patterns):
    """Per-probe bit error against the nearest target, and whether the state is spurious."""
    errors = np.mean(states[:, None, :] != targets, axis=2).min(axis=1)
    overlaps = np.abs(states @ patterns.T)
    spurious = overlaps.max(axis=1) < patterns.shape[1]
    return errors, spurious


def _sem(values, axis=-1):
    return np.std(values, axis=axis, ddof=1) / np.sqrt(values.shape[axis])


def _check_settings(temperatures, probe, n_patterns, flip_fraction, model) -> tuple:
    """The temperatures as a float array and the interaction, or a ``ValueError``."""
    temperatures = np.asarray(temperatures, dtype=np.float64)
    if temperatures.ndim != 1 or temperatures.size == 0:
        raise ValueError(f"temperatures must be a non-empty 1-D sequence, got {temperatures}.")
    for value in temperatures:
        check_positive("temperature", value, allow_zero=True)
    if probe not in PROBES:
        raise ValueError(f"probe must be one of {PROBES}, got {probe!r}.")
    if probe == "mixture" and n_patterns < 3:
        raise ValueError(f"mixture probes need n_patterns >= 3, got {n_patterns}.")
    if not 0.0 <= flip_fraction <= 1.0:
        raise ValueError(f"flip_fraction must lie in [0, 1], got {flip_fraction}.")
    interaction = interactions.classical() if model == "classical" else model
    if not isinstance(interaction, Interaction):
        raise ValueError(f"model must be 'classical' or an Interaction, got {model!r}.")
    return temperatures, interaction


def _recall(trials, interaction, temperature, n_sweeps):
    """Per-probe errors and spurious flags over all trials; ``temperature=None``: no noise."""
    errors, spurious = [], []
    for trial_key, patterns, probes, targets in trials:
        memories = patterns / np.sqrt(2.0 * patterns.shape[1])
        if temperature is None:
            states = retrieve_binary(probes, memories, interaction).states
        else:
            states = annealed_binary_recall(
                trial_key,
                memories,
                interaction,
                probes,
                temperature=temperature,
                num_sweeps=n_sweeps,
            ).states
        trial_errors, trial_spurious = _scores(np.asarray(states), targets, patterns)
        errors.append(trial_errors)
        spurious.append(trial_spurious)
    return np.concatenate(errors), np.concatenate(spurious)


def _summary(temperatures, baseline, baseline_spurious, errors, spurious, loading):
    gains = baseline[None] - errors
    return NoiseBenefit(
        temperatures=temperatures,
        error=errors.mean(axis=1),
        error_sem=_sem(errors),
        improvement=gains.mean(axis=1),
        improvement_sem=_sem(gains),
        spurious_fraction=spurious.mean(axis=1),
        exact_fraction=np.mean(errors == 0.0, axis=1),
        baseline_error=float(baseline.mean()),
        baseline_error_sem=float(_sem(baseline)),
        baseline_spurious_fraction=float(baseline_spurious.mean()),
        best_temperature=float(temperatures[np.argmin(errors.mean(axis=1))]),
        probe_errors=errors,
        loading=float(loading),
    )


@renamed_parameters(seed="random_state", num_sweeps="n_sweeps", progress_bar="verbose")
def noise_benefit(
    random_state=0,
    *,
    n_features: int = 100,
    n_patterns: int = 5,
    temperatures=DEFAULT_TEMPERATURES,
    n_probes: int = 100,
    probe: str = "mixture",
    flip_fraction: float = 0.3,
    model: str | Interaction = "classical",
    n_sweeps: int = 30,
    n_trials: int = 8,
    verbose: int = 0,
) -> NoiseBenefit:
    """Retrieval error of :func:`annealed_binary_recall` against the initial temperature.

    Each trial draws ``n_patterns`` random +-1 patterns, stores them as ``xi / sqrt(2 D)``
    (for the classical model ``T`` is then the temperature of Amit, Gutfreund & Sompolinsky)
    and ``n_probes`` probes; every temperature recalls the same probes with the same PRNG
    keys (common random numbers), so differences between temperatures are paired.

    Parameters
    ----------
    random_state : int, RandomState or None, default=0
        Seeds the patterns and probes (numpy) and the recall noise (JAX); an int is used as it
        is. Was ``seed``.
    n_features : int, default=100
        ``D``; the loading is ``P / D`` (default 0.05).
    n_patterns : int, default=5
        ``P``, the stored patterns.
    temperatures : sequence of float
        Initial temperatures ``T0 >= 0`` of the annealing.
    n_probes : int, default=100
        Probes per pattern set.
    probe : {"mixture", "flip"}, default="mixture"
        ``"mixture"``: ``sign(xi_a + xi_b + xi_c)`` of 3 distinct random patterns, the error
        measured against the nearest of the three; ``"flip"``: a random pattern with each
        bit flipped with probability ``flip_fraction``, measured against that pattern.
    flip_fraction : float, default=0.3
        Used by ``probe="flip"`` only.
    model : "classical" or Interaction, default="classical"
        The interaction ``F`` of Model A.
    n_sweeps : int, default=30
        Noisy Gibbs sweeps before the final zero-temperature descent. Was ``num_sweeps``.
    n_trials : int, default=8
        Independent pattern sets.
    verbose : int, default=0
        A tqdm bar over the temperatures when > 0. Was ``progress_bar``.

    Returns
    -------
    result : NoiseBenefit
        The error, its improvement over deterministic retrieval and the spurious fraction at
        each temperature, with standard errors, and every probe's error.

    Raises
    ------
    ValueError
        For a negative temperature, an unknown probe kind, ``n_patterns < 3`` with mixture
        probes, or a ``flip_fraction`` outside ``[0, 1]``.

    See Also
    --------
    ebm_memory.samplers.annealed_binary_recall : The noisy recall measured.
    ebm_memory.analysis.NoiseBenefit : What it returns.
    ebm_memory.plotting.plot_noise_benefit : Draws the U-shaped error curve.

    Examples
    --------
    >>> from ebm_memory.analysis import noise_benefit
    >>> result = noise_benefit(0, temperatures=[0.0, 0.3], n_probes=20, n_trials=1)
    >>> result.error.shape, result.best_temperature
    ((2,), 0.3)
    """
    n_features = check_integer("n_features", n_features, minimum=1)
    n_patterns = check_integer("n_patterns", n_patterns, minimum=1)
    n_probes = check_integer("n_probes", n_probes, minimum=2)
    n_trials = check_integer("n_trials", n_trials, minimum=1)
    check_integer("n_sweeps", n_sweeps, minimum=0)
    temperatures, interaction = _check_settings(
        temperatures, probe, n_patterns, flip_fraction, model
    )
    seed = as_seed(random_state)
    rng = np.random.default_rng(seed)
    trials = []
    for trial_key in jax.random.split(jax.random.key(seed), n_trials):
        patterns = rng.choice([-1.0, 1.0], size=(n_patterns, n_features))
        probes, targets = _probes(rng, patterns, n_probes, probe, flip_fraction)
        trials.append((trial_key, patterns, probes, targets))
    baseline, baseline_spurious = _recall(trials, interaction, None, n_sweeps)
    runs = [
        _recall(trials, interaction, float(t), n_sweeps)
        for t in tqdm(temperatures, "T0", disable=not verbose)
    ]
    errors = np.stack([run[0] for run in runs])
    spurious = np.stack([run[1] for run in runs])
    loading = n_patterns / n_features
    return _summary(temperatures, baseline, baseline_spurious, errors, spurious, loading)
