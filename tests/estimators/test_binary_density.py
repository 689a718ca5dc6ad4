"""Binary DenseAssociativeMemory densities: log Z fitted once, log p <= 0 at any size."""

import itertools
import warnings

import jax
import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits

from ebm_memory import DenseAssociativeMemory
from ebm_memory.density.binary import exact_partition
from ebm_memory.estimators._density import NormaliserWarning

PATTERNS_30 = np.random.default_rng(0).choice([-1.0, 1.0], size=(10, 30))


def _states_to_try(memory, patterns, n_random=200):
    rng = np.random.default_rng(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed_points = memory.predict(patterns)
    dim = patterns.shape[1]
    return np.concatenate(
        [
            patterns,
            -patterns,
            fixed_points,
            rng.choice([-1.0, 1.0], size=(n_random, dim)),
            np.ones((1, dim)),
        ]
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"model": "exponential", "beta": 1.0},
        {"model": "exponential"},
        {"model": "classical"},
        {"model": "polynomial", "degree": 3},
        {"model": "polynomial", "degree": 4, "temperature": 50.0},
    ],
    ids=lambda settings: "-".join(str(value) for value in settings.values()),
)
def test_log_probabilities_never_exceed_zero_above_enumeration(settings):
    memory = DenseAssociativeMemory(random_state=0, **settings).fit(PATTERNS_30)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NormaliserWarning)
        scores = memory.score_samples(_states_to_try(memory, PATTERNS_30))
    assert np.all(scores <= 0)
    assert memory.log_partition_error_ < 0.1


def test_binarised_digits_score_below_zero():
    """200 binarised digits, 64 features, beta="auto": the old estimate gave log p = +4.6e128."""
    digits = np.where(load_digits().data[:200] > 8, 1.0, -1.0)
    memory = DenseAssociativeMemory("exponential", random_state=0).fit(digits)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NormaliserWarning)
        scores = memory.score_samples(_states_to_try(memory, digits[:50], n_random=50))
    assert np.all(scores <= 0)


def test_scores_are_deterministic_without_a_seed():
    memory = DenseAssociativeMemory("classical", random_state=None).fit(PATTERNS_30[:, :24])
    first = memory.score_samples(PATTERNS_30[:, :24])
    np.testing.assert_array_equal(memory.score_samples(PATTERNS_30[:, :24]), first)
    with pytest.warns(FutureWarning, match="log_partition_error_"):
        assert memory.log_partition() == (memory.log_partition_, memory.log_partition_error_)


@pytest.mark.parametrize("beta", [6.0, 20.0])
def test_exponential_probabilities_sum_to_one_at_large_beta(beta):
    """beta D = 72 and 240: -E/T is 1e31 and 1e104; the old subtraction gave p = 1 to every
    stored pattern (a total of 5)."""
    patterns = np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 12))
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=12)))
    memory = DenseAssociativeMemory("exponential", beta=beta).fit(patterns)
    scores = memory.score_samples(states)
    assert np.exp(scores).sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(scores <= 0)
    assert np.sort(memory.score_samples(patterns))[0] < -1e9


@pytest.mark.slow
@pytest.mark.parametrize("model", ["classical", "exponential"])
def test_fitted_log_partition_agrees_with_brute_force_at_22_features(model):
    patterns = np.random.default_rng(2).choice([-1.0, 1.0], size=(6, 22))
    memory = DenseAssociativeMemory(model, beta=0.3, temperature=12.0, random_state=0)
    memory.fit(patterns)
    spec = memory._spec()
    with jax.enable_x64(True):
        exact = exact_partition(patterns, spec.interaction, 12.0, max_dim=22).log_partition
    assert abs(memory.log_partition_ - exact) <= 3 * memory.log_partition_error_ + 1e-9


def test_an_underestimated_normaliser_warns_and_caps_log_probabilities_at_zero():
    """log p = u - max(log sum exp(u), u): states outweighing a too-low normaliser score 0."""
    memory = DenseAssociativeMemory("classical", random_state=0).fit(PATTERNS_30[:4, :10])
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=10)))[::7]
    states = np.concatenate([states, memory.reference_state_[None]])
    honest = memory.score_samples(states)
    shortfall = 30.0
    memory.log_relative_partition_ = memory.log_relative_partition_ - shortfall
    with pytest.warns(NormaliserWarning, match="outweigh"):
        capped = memory.score_samples(states)
    np.testing.assert_allclose(capped, np.minimum(honest + shortfall, 0.0), rtol=0, atol=1e-9)
    assert capped[-1] == 0.0 and np.any(honest + shortfall > 0)


def test_exact_normaliser_uses_the_temperature():
    """At T = 3 (not 1) the enumerated log Z is the T = 3 one and p sums to one over {-1, 1}^8."""
    patterns = np.random.default_rng(4).choice([-1.0, 1.0], size=(3, 8))
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=8)))
    memory = DenseAssociativeMemory("classical", temperature=3.0).fit(patterns)
    with jax.enable_x64(True):
        energies = np.asarray(memory.energy(states), np.float64)
    assert memory.log_partition_ == pytest.approx(logsumexp(-energies / 3.0), abs=1e-9)
    assert np.exp(memory.score_samples(states)).sum() == pytest.approx(1.0, abs=1e-12)


def test_fitted_log_partition_is_the_estimate_not_its_lower_bound_at_high_temperature():
    """T = 1e4, 22 features: -E/T = sum (xi s)^2 / T lies in [0, K D^2 / T] with uniform mean
    K D / T, so D log 2 + K D / T <= log Z <= D log 2 + K D^2 / T (Jensen; 0.013 and 0.29).
    The evaluated states (at most a few 1e5 of 4e6) give a lower bound below log Z by > 1."""
    patterns = np.random.default_rng(2).choice([-1.0, 1.0], size=(6, 22))
    temperature = 1e4
    memory = DenseAssociativeMemory("classical", temperature=temperature, random_state=0)
    memory.fit(patterns)
    low = 22 * np.log(2) + 6 * 22 / temperature
    high = 22 * np.log(2) + 6 * 22**2 / temperature
    error = memory.log_partition_error_
    assert low - 3 * error - 1e-9 <= memory.log_partition_ <= high + 3 * error + 1e-9
