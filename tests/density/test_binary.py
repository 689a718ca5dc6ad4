"""Model A Boltzmann density: exact log Z and samples by enumeration, AIS estimate of log Z.

Memories are random +-1 patterns scaled by ``1 / sqrt(D)``, so overlaps are O(sqrt(D)) and
``-E / T`` spans a few units to a few tens: peaked but not degenerate.
"""

import itertools

import jax
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from ebm_memory.density.binary import (
    binary_log_partition_ais,
    binary_log_partition_exact,
    sample_binary_exact,
)
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
MEMORIES_12 = _memories(3, 12, seed=1)


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


def test_exact_log_partition_reports_overflow():
    memories = np.full((1, 2), 60.0, np.float32)  # -E/T = exp(120) > float32 max ~ exp(88.7)
    with pytest.raises(ValueError, match="overflows"):
        binary_log_partition_exact(memories, interactions.exponential(1.0))


def test_exact_methods_refuse_more_than_20_bits():
    memories = _memories(2, 21)
    with pytest.raises(ValueError, match="AIS"):
        binary_log_partition_exact(memories, interactions.classical())
    with pytest.raises(ValueError, match="AIS"):
        sample_binary_exact(jax.random.key(0), memories, interactions.classical())


def test_exact_samples_follow_boltzmann_probabilities():
    memories, temperature, n_samples = _memories(2, 4, seed=2), 1.0, 20_000
    interaction = interactions.classical()
    log_weights = _brute_log_weights(memories, lambda h: h**2, temperature)
    probabilities = np.exp(log_weights - logsumexp(log_weights))
    assert probabilities.max() / probabilities.min() > 50.0  # far from uniform
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


@pytest.mark.parametrize("interaction", [INTERACTIONS[0][0], INTERACTIONS[2][0]], ids=_name)
def test_ais_agrees_with_exact_log_partition(interaction):
    exact = binary_log_partition_exact(MEMORIES_12, interaction)
    estimate, error = binary_log_partition_ais(
        jax.random.key(0), MEMORIES_12, interaction, n_chains=1024
    )
    assert error > 0
    assert abs(estimate - exact) < 4 * error
    assert abs(estimate - exact) < 0.05


def test_ais_standard_error_shrinks_with_more_chains():
    interaction = interactions.classical()
    errors = [
        binary_log_partition_ais(jax.random.key(1), MEMORIES_12, interaction, n_chains=n_chains)[1]
        for n_chains in (64, 1024)
    ]
    assert 0 < errors[1] < errors[0] / 2


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_non_positive_temperature_is_rejected(temperature):
    key, interaction = jax.random.key(0), interactions.classical()
    with pytest.raises(ValueError, match="temperature"):
        binary_log_partition_exact(MEMORIES_8, interaction, temperature)
    with pytest.raises(ValueError, match="temperature"):
        sample_binary_exact(key, MEMORIES_8, interaction, temperature)
    with pytest.raises(ValueError, match="temperature"):
        binary_log_partition_ais(key, MEMORIES_8, interaction, temperature)


def test_memories_must_be_two_dimensional():
    key, interaction = jax.random.key(0), interactions.classical()
    with pytest.raises(ValueError, match="memories"):
        binary_log_partition_exact(MEMORIES_8[0], interaction)
    with pytest.raises(ValueError, match="memories"):
        sample_binary_exact(key, MEMORIES_8[0], interaction)
    with pytest.raises(ValueError, match="memories"):
        binary_log_partition_ais(key, MEMORIES_8[None], interaction)
