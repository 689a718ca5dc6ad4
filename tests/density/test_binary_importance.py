"""Importance-sampling estimate of a binary model's log Z against brute force.

Memories are random +-1 patterns; temperatures are set from the one-flip energy gap ``g`` of
a stored pattern, ``T = g / tau``: ``tau = 2`` is hot (log Z near D log 2), ``tau = 8``
medium, ``tau = 40`` frozen (log Z near the ground states' weight).
"""

import warnings

import jax
import numpy as np
import pytest

from ebm_memory.density.binary import exact_partition
from ebm_memory.density.binary_importance import (
    PartitionEstimateWarning,
    binary_log_partition_estimate,
)
from ebm_memory.energies import interactions

MODELS = {
    "classical": (interactions.classical(), lambda h: h**2),
    "cubic": (interactions.polynomial(3), lambda h: h**3),
    "quartic": (interactions.polynomial(4), lambda h: h**4),
    "exponential": (interactions.exponential(0.3), lambda h: np.exp(0.3 * h)),
}


def _problem(name, dim, tau, n_memories=5):
    interaction, F = MODELS[name]
    memories = np.random.default_rng(dim).choice([-1.0, 1.0], size=(n_memories, dim))
    return memories, interaction, (F(dim) - F(dim - 2)) / tau


def _estimate(memories, interaction, temperature, seed, **settings):
    """The estimate, with PartitionEstimateWarning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", PartitionEstimateWarning)
        return _warned_estimate(memories, interaction, temperature, seed, **settings)[0]


def _warned_estimate(memories, interaction, temperature, seed, **settings):
    """The estimate and whether it warned that its weights are uneven."""
    with jax.enable_x64(True), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PartitionEstimateWarning)
        fit = binary_log_partition_estimate(
            jax.random.key(seed), memories, interaction, temperature, **settings
        )
    return fit, any(issubclass(w.category, PartitionEstimateWarning) for w in caught)


def _brute_force(memories, interaction, temperature):
    with jax.enable_x64(True):
        return exact_partition(memories, interaction, temperature, max_dim=24).log_partition


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("tau", [2.0, 8.0, 40.0])
def test_estimate_agrees_with_enumeration_within_three_errors(name, tau):
    memories, interaction, temperature = _problem(name, 16, tau)
    exact = _brute_force(memories, interaction, temperature)
    fit = _estimate(memories, interaction, temperature, seed=0)
    assert fit.lower_bound <= fit.log_partition
    assert abs(fit.log_partition - exact) <= 3 * fit.standard_error + 1e-9


def _seeded_fits(name, tau, n_seeds=16):
    memories, interaction, temperature = _problem(name, 22, tau, n_memories=6)
    exact = _brute_force(memories, interaction, temperature)
    fits = [_warned_estimate(memories, interaction, temperature, seed) for seed in range(n_seeds)]
    values = np.array([fit.log_partition for fit, _ in fits])
    errors = np.array([fit.standard_error for fit, _ in fits])
    effective = np.array([fit.effective_sample_size for fit, _ in fits])
    return values - exact, errors, effective, np.array([warned for _, warned in fits])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "tau"), [("classical", 2.0), ("cubic", 2.0), ("quartic", 5.0), ("exponential", 8.0)]
)
def test_standard_error_matches_seed_to_seed_spread_at_22_features(name, tau):
    """16 seeds where the residual is well sampled (>= 30 effective draws): every estimate
    within 3 reported errors of brute force over 2^22 states, and the spread across seeds
    within a factor 1.5 of the mean reported error (the ratio of a 16-sample standard
    deviation has a relative error of about 18%)."""
    deviations, errors, effective, warned = _seeded_fits(name, tau)
    assert np.all(effective >= 30) and not np.any(warned)
    assert np.all(np.abs(deviations) <= 3 * errors)
    ratio = np.std(deviations, ddof=1) / np.mean(errors)
    assert 1 / 1.5 <= ratio <= 1.5, ratio


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "tau"),
    [
        ("classical", 5.0),
        pytest.param(
            "classical",
            8.0,
            marks=pytest.mark.xfail(
                strict=True,
                reason="known limit: a residual below 1e-6 of Z, underestimated tenfold in 1 "
                "of 12 seeds, is 1.5e-7 nats off, beyond 3 errors and below the warning",
            ),
        ),
        ("cubic", 8.0),
    ],
)
def test_error_covers_a_residual_known_to_its_order_only(name, tau):
    """Medium-cold temperatures: a handful of draws outside the exactly summed states set
    the residual, and the reported error is the conservative bound (not tight: spread /
    error is 0.3 to 0.6 here). Every seed is within 3 errors of the truth, or warned."""
    deviations, errors, effective, warned = _seeded_fits(name, tau, n_seeds=12)
    assert np.median(effective) < 30
    assert np.all((np.abs(deviations) <= 3 * errors) | warned)


def test_lower_bound_covers_every_memory_and_fixed_point():
    memories, interaction, temperature = _problem("cubic", 30, 40.0)
    fit = _estimate(memories, interaction, temperature, seed=1, n_samples=256, n_rounds=0)
    ground = np.sum((memories @ memories.T) ** 3, axis=1) / temperature
    assert fit.log_partition >= fit.lower_bound >= ground.max()
    assert fit.method == "importance" and fit.standard_error >= 0


def test_same_key_same_estimate():
    memories, interaction, temperature = _problem("exponential", 24, 8.0)
    first = _estimate(memories, interaction, temperature, seed=3, n_samples=512)
    second = _estimate(memories, interaction, temperature, seed=3, n_samples=512)
    assert first.log_partition == second.log_partition
    assert first.standard_error == second.standard_error


def test_uneven_weights_warn_with_the_figures():
    """256 draws, one adaptation round, medium temperature: 7 effective draws carry the
    estimated part of Z, and the warning says so and what to change."""
    memories, interaction, temperature = _problem("cubic", 22, 5.0, n_memories=6)
    with jax.enable_x64(True), pytest.warns(PartitionEstimateWarning) as caught:
        fit = binary_log_partition_estimate(
            jax.random.key(0), memories, interaction, temperature, n_samples=256, n_rounds=1
        )
    message = str(caught[0].message)
    assert "effective draws" in message and "n_partition_samples" in message
    assert fit.effective_sample_size < 100


def test_lower_bound_is_the_evaluated_mass_not_the_estimate_at_high_temperature():
    """T = 1e4, 22 features: p is nearly uniform on 4.2e6 states and the estimate evaluates at
    most a few 1e5 of them, so the lower bound log sum exp(-E/T) over those is below log Z by
    more than log 4 (the estimate lies within 0.3 + 3 errors of D log 2, see the estimator
    test); a lower bound equal to the estimate would not be one."""
    patterns = np.random.default_rng(2).choice([-1.0, 1.0], size=(6, 22))
    fit = binary_log_partition_estimate(
        jax.random.key(0), patterns, interactions.classical(), 1e4, n_samples=2048
    )
    assert fit.lower_bound < fit.log_partition - np.log(4.0)
    assert fit.lower_bound >= np.log(2 * len(patterns))  # the memories and their negatives
