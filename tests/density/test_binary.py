"""Model A Boltzmann density: exact log Z and samples by enumeration, exact relative weights.

Memories are random +-1 patterns scaled by ``1 / sqrt(D)``, so overlaps are O(sqrt(D)) and
``-E / T`` spans a few units to a few tens: peaked but not degenerate.
"""

import itertools
from decimal import Decimal, localcontext

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from ebm_memory.density.binary import (
    binary_log_partition_exact,
    exact_partition,
    sample_binary_exact,
)
from ebm_memory.density.binary_weights import relative_log_weights
from ebm_memory.energies import interactions


def _memories(n_memories, dim, seed=0):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=(n_memories, dim)) / np.sqrt(dim)


def _all_states(dim):
    return np.array(list(itertools.product([-1.0, 1.0], repeat=dim)))


def _brute_log_weights(memories, F, temperature):
    return np.sum(F(_all_states(memories.shape[1]) @ memories.T), axis=1) / temperature


def _name(value):
    return repr(value) if isinstance(value, interactions.Interaction) else ""


INTERACTIONS = [
    (interactions.classical(), lambda h: h**2),
    (interactions.polynomial(3), lambda h: h**3),
    (interactions.exponential(0.5), lambda h: np.exp(0.5 * h)),
]
MEMORIES_8 = _memories(3, 8)


def _decimal_log_probabilities(patterns, beta, states):
    """``log p`` of ``states`` under ``E = -sum exp(beta h)`` at T = 1, in 80-digit decimals."""
    with localcontext() as context:
        context.prec = 80
        beta = Decimal(repr(beta))

        def weight(state):
            return sum((beta * Decimal(int(h))).exp() for h in patterns @ state)

        weights = [weight(state) for state in _all_states(patterns.shape[1])]
        top = max(weights)
        log_sum = top + sum((w - top).exp() for w in weights).ln()
        return np.array([float(weight(state) - log_sum) for state in states])


@pytest.mark.parametrize(("interaction", "F"), INTERACTIONS, ids=_name)
@pytest.mark.parametrize("temperature", [1.0, 5.0])
def test_exact_log_partition_is_brute_force_sum(interaction, F, temperature):
    expected = logsumexp(_brute_log_weights(MEMORIES_8, F, temperature))
    for block_size in (4096, 64):
        got = binary_log_partition_exact(
            MEMORIES_8, interaction, temperature, block_size=block_size
        )
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_exact_log_partition_float32_memories_accumulate_in_float64():
    interaction = interactions.classical()
    expected = binary_log_partition_exact(MEMORIES_8, interaction)
    got = binary_log_partition_exact(MEMORIES_8.astype(np.float32), interaction)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_exponential_log_probabilities_do_not_cancel():
    """beta D = 72: -E / T is 1.9e31, and stored patterns differ in log p by 1e10 to 1e15.

    ``-E/T - log Z`` in float64 returns 0 for every pattern; the relative weights agree with an
    80-digit reference to 1e-9.
    """
    rng = np.random.default_rng(0)
    patterns = rng.choice([-1.0, 1.0], size=(5, 12))
    interaction = interactions.exponential(6.0)
    with jax.enable_x64(True):
        fit = exact_partition(patterns, interaction)
        relative = np.asarray(
            relative_log_weights(
                jnp.asarray(patterns), jnp.asarray(fit.reference_state), patterns, 1.0, interaction
            )
        )
    got = relative - fit.log_relative_partition
    expected = _decimal_log_probabilities(patterns, 6.0, patterns)
    assert np.all(got <= 0) and np.min(expected) < -1e9
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_relative_weight_overflow_beyond_float64_keeps_differences():
    """exp(beta h) with beta h = 1280: -E/T is not a float64, log p still is."""
    patterns = np.array([[1.0] * 8 + [-1.0] * 8, [1.0] * 16])
    interaction = interactions.exponential(80.0)
    with jax.enable_x64(True):
        fit = exact_partition(patterns, interaction)
    assert fit.log_partition == np.inf
    assert np.isfinite(fit.log_relative_partition) and fit.log_relative_partition == pytest.approx(
        np.log(2.0)
    )


def test_weights_beyond_float32_vanish_and_log_z_is_float64():
    """exp(120) exceeds float32: the other states' relative weights are -inf (probability 0
    to float32 precision), not NaN, and log Z itself is reported in float64."""
    memories = np.array([[60.0, 60.0], [0.0, 0.0]], np.float32)
    fit = exact_partition(memories, interactions.exponential(1.0))
    assert fit.log_relative_partition == 0.0
    assert fit.log_partition == pytest.approx(np.exp(120.0) + 2.0, rel=1e-6)


def test_exact_methods_refuse_more_than_20_bits():
    memories = _memories(2, 21)
    with pytest.raises(ValueError, match="binary_log_partition_estimate"):
        binary_log_partition_exact(memories, interactions.classical())
    with pytest.raises(ValueError, match="binary_log_partition_estimate"):
        sample_binary_exact(jax.random.key(0), memories, interactions.classical())


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_exact_samples_follow_boltzmann_probabilities(temperature):
    memories, n_samples = _memories(2, 4, seed=2), 20_000
    interaction = interactions.classical()
    log_weights = _brute_log_weights(memories, lambda h: h**2, temperature)
    probabilities = np.exp(log_weights - logsumexp(log_weights))
    assert probabilities.max() / probabilities.min() > 7.0  # far from uniform
    samples = sample_binary_exact(
        jax.random.key(0), memories, interaction, temperature, n_samples=n_samples
    )
    assert samples.shape == (n_samples, 4)
    assert set(np.unique(samples)) == {-1.0, 1.0}
    indices = (samples > 0).astype(int) @ (2 ** np.arange(3, -1, -1))
    counts = np.bincount(indices, minlength=16)
    expected = n_samples * probabilities
    assert expected.min() >= 5.0  # chi-square approximation valid
    assert stats.chisquare(counts, expected).pvalue > 1e-3


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_non_positive_temperature_is_rejected(temperature):
    key, interaction = jax.random.key(0), interactions.classical()
    with pytest.raises(ValueError, match="temperature"):
        binary_log_partition_exact(MEMORIES_8, interaction, temperature)
    with pytest.raises(ValueError, match="temperature"):
        sample_binary_exact(key, MEMORIES_8, interaction, temperature)


def test_memories_must_be_two_dimensional():
    key, interaction = jax.random.key(0), interactions.classical()
    with pytest.raises(ValueError, match="memories"):
        binary_log_partition_exact(MEMORIES_8[0], interaction)
    with pytest.raises(ValueError, match="memories"):
        sample_binary_exact(key, MEMORIES_8[0], interaction)


def test_reference_is_the_heaviest_memory_state_when_minus_e_over_t_overflows():
    """``-E / T = exp(A)`` with ``A`` of 780 and 900 for two memory states overflows float64:
    the first pick cannot rank them, the relative weights must. The reference is the heavier
    (``A = 900``); any other reference would give that state ``u = +inf``."""
    rng = np.random.default_rng(3)
    memories = rng.choice([-1.0, 1.0], size=(3, 10)) * np.array([[2.6], [3.0], [1.0]])
    beta = 30.0
    signs = np.sign(np.concatenate([memories, -memories]))
    attraction = logsumexp(beta * signs @ memories.T, axis=1)
    assert np.argmax(attraction) == 1 and np.sum(attraction > 710) == 2
    fit = exact_partition(memories, interactions.exponential(beta), 1.0)
    np.testing.assert_array_equal(fit.reference_state, np.sign(memories[1]))
    assert fit.log_partition == np.inf
    assert fit.log_relative_partition == pytest.approx(0.0, abs=1e-12)
