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
>>> error = result["error"]
>>> error.shape, bool(error[1] < error[0] / 2), bool(error[2] > 2 * error[1])
((3,), True, True)
"""

from __future__ import annotations

import jax
import numpy as np
from tqdm.auto import tqdm

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.dynamics import retrieve_binary
from ebm_memory.energies import interactions
from ebm_memory.energies.interactions import Interaction
from ebm_memory.samplers.noisy_recall import annealed_binary_recall

__all__ = ["PROBES", "noise_benefit", "plot_noise_benefit"]

PROBES = ("mixture", "flip")
DEFAULT_TEMPERATURES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5)


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


def noise_benefit(
    seed: int = 0,
    *,
    n_features: int = 100,
    n_patterns: int = 5,
    temperatures=DEFAULT_TEMPERATURES,
    n_probes: int = 100,
    probe: str = "mixture",
    flip_fraction: float = 0.3,
    model: str | Interaction = "classical",
    num_sweeps: int = 30,
    n_trials: int = 8,
    progress_bar: bool = False,
) -> dict[str, np.ndarray]:
    """Retrieval error of :func:`annealed_binary_recall` against the initial temperature.

    Each trial draws ``n_patterns`` random +-1 patterns, stores them as ``xi / sqrt(2 D)``
    (for the classical model ``T`` is then the temperature of Amit, Gutfreund & Sompolinsky)
    and ``n_probes`` probes; every temperature recalls the same probes with the same PRNG
    keys (common random numbers), so differences between temperatures are paired.

    Parameters
    ----------
    seed : int
        Seeds the patterns and probes (numpy) and the recall noise (JAX).
    n_features, n_patterns : int
        ``D`` and ``P``; the loading is ``P / D`` (default 0.05).
    temperatures : sequence of float
        Initial temperatures ``T0 >= 0`` of the annealing.
    n_probes, n_trials : int
        Probes per pattern set, and independent pattern sets.
    probe : {"mixture", "flip"}
        ``"mixture"``: ``sign(xi_a + xi_b + xi_c)`` of 3 distinct random patterns, the error
        measured against the nearest of the three; ``"flip"``: a random pattern with each
        bit flipped with probability ``flip_fraction``, measured against that pattern.
    flip_fraction : float
        Used by ``probe="flip"`` only.
    model : "classical" or Interaction
        The interaction ``F`` of Model A.
    num_sweeps : int
        Noisy Gibbs sweeps before the final zero-temperature descent.
    progress_bar : bool
        Show a tqdm bar over the temperatures.

    Returns
    -------
    dict of numpy arrays
        ``temperatures`` (T,); ``error``, ``error_sem`` (T,): mean bit error rate of the
        retrieved fixed point and its standard error over the ``n_trials * n_probes`` probes;
        ``improvement``, ``improvement_sem`` (T,): paired decrease of the error relative to
        deterministic retrieval (``T0 = 0``); ``spurious_fraction`` (T,): fixed points that
        are neither a stored pattern nor its negation; ``exact_fraction`` (T,): probes that
        ended exactly on a target; ``baseline_error``, ``baseline_error_sem``,
        ``baseline_spurious_fraction`` (scalars) of deterministic retrieval;
        ``best_temperature`` (scalar); ``probe_errors`` (T, n_trials * n_probes);
        ``loading`` (scalar).

    Raises
    ------
    ValueError
        For a negative temperature, an unknown probe kind, ``n_patterns < 3`` with mixture
        probes, or a ``flip_fraction`` outside ``[0, 1]``.
    """
    n_features = check_integer("n_features", n_features, minimum=1)
    n_patterns = check_integer("n_patterns", n_patterns, minimum=1)
    n_probes = check_integer("n_probes", n_probes, minimum=2)
    n_trials = check_integer("n_trials", n_trials, minimum=1)
    check_integer("num_sweeps", num_sweeps, minimum=0)
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

    rng = np.random.default_rng(seed)
    trials = []
    for trial_key in jax.random.split(jax.random.key(seed), n_trials):
        patterns = rng.choice([-1.0, 1.0], size=(n_patterns, n_features))
        probes, targets = _probes(rng, patterns, n_probes, probe, flip_fraction)
        trials.append((trial_key, patterns, probes, targets))

    def recall(temperature):
        errors, spurious = [], []
        for trial_key, patterns, probes, targets in trials:
            memories = patterns / np.sqrt(2.0 * n_features)
            if temperature is None:
                states = retrieve_binary(probes, memories, interaction).states
            else:
                states = annealed_binary_recall(
                    trial_key,
                    memories,
                    interaction,
                    probes,
                    temperature=temperature,
                    num_sweeps=num_sweeps,
                ).states
            trial_errors, trial_spurious = _scores(np.asarray(states), targets, patterns)
            errors.append(trial_errors)
            spurious.append(trial_spurious)
        return np.concatenate(errors), np.concatenate(spurious)

    baseline, baseline_spurious = recall(None)
    runs = [recall(float(t)) for t in tqdm(temperatures, "T0", disable=not progress_bar)]
    errors = np.stack([run[0] for run in runs])
    spurious = np.stack([run[1] for run in runs])
    gains = baseline[None] - errors
    return {
        "temperatures": temperatures,
        "error": errors.mean(axis=1),
        "error_sem": _sem(errors),
        "improvement": gains.mean(axis=1),
        "improvement_sem": _sem(gains),
        "spurious_fraction": spurious.mean(axis=1),
        "exact_fraction": np.mean(errors == 0.0, axis=1),
        "baseline_error": np.float64(baseline.mean()),
        "baseline_error_sem": np.float64(_sem(baseline)),
        "baseline_spurious_fraction": np.float64(baseline_spurious.mean()),
        "best_temperature": np.float64(temperatures[np.argmin(errors.mean(axis=1))]),
        "probe_errors": errors,
        "loading": np.float64(n_patterns / n_features),
    }


def plot_noise_benefit(result: dict, ax=None):
    """Error bars of the bit error rate against ``T0``, with the spurious-state fraction.

    Parameters
    ----------
    result : dict
        The output of :func:`noise_benefit`.
    ax : matplotlib Axes, optional
        Drawn into when given; otherwise a new figure is made.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(figsize=(5.0, 3.5))
    else:
        figure = ax.figure
    temperatures = result["temperatures"]
    ax.errorbar(
        temperatures,
        result["error"],
        yerr=result["error_sem"],
        marker="o",
        capsize=3,
        label="bit error rate",
    )
    ax.plot(temperatures, result["spurious_fraction"], "s--", label="spurious fixed points")
    ax.axhline(result["baseline_error"], color="gray", lw=0.8, ls=":", label="T0 = 0")
    ax.set_xlabel("initial temperature T0 (annealed to 0)")
    ax.set_ylabel("fraction")
    ax.set_title(f"noisy recall, loading P/N = {float(result['loading']):.3g}")
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure
