"""Heat-bath Gibbs sampling of Model A against exact enumeration of all 2^D states.

Memories: K = 3 Gaussian patterns in D = 10 with standard deviation 0.25, so overlaps are
|h| <~ 2 and ``-E / T`` at T = 1 spans a few units: the most probable state has p ~ 0.03
(classical), 0.06 (exponential, beta = 1), 0.15 (rectified cubic), and exp(entropy) is
130-370 states: neither degenerate nor uniform.

Two statistical checks, both with fixed seeds (so deterministic); the false-alarm rates
quoted are those of an exact sampler over random seeds:

- i.i.d. draws: the last state of each of 10,000 independent chains after 50 sweeps; a
  chi-square goodness-of-fit test on the states with expected count >= 10 plus one pooled
  bin for the rest, rejected at p < 1e-3 (false-alarm rate 0.1%, given the warm-up mixes);
- ergodic averages: 8 chains x 4,000 sweeps; for each of the 10 most probable states the
  frequency differs from its exact probability by < 4 standard errors
  ``sqrt(p (1 - p) / ESS)``, with ESS of the indicator series from numpyro, and likewise the
  mean of ``-E / T`` (false-alarm rate ~ 11 x 6.3e-5 = 7e-4 by Bonferroni, normal
  approximation with estimated ESS).
"""

import importlib
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro.diagnostics import effective_sample_size
from scipy import stats
from scipy.special import logsumexp

from ebm_memory.density.binary import binary_log_partition_exact
from ebm_memory.energies import interactions
from ebm_memory.samplers.gibbs import GibbsState, gibbs, sample_gibbs

gibbs_module = importlib.import_module("ebm_memory.samplers.gibbs")  # the module, not gibbs()

DIM = 10
STATES = np.array(list(itertools.product([-1.0, 1.0], repeat=DIM)))
POWERS = 2 ** np.arange(DIM - 1, -1, -1)
INTERACTIONS = {
    "classical": (interactions.classical(), lambda h: np.sum(h**2, axis=-1)),
    "exponential": (interactions.exponential(1.0), lambda h: np.sum(np.exp(h), axis=-1)),
    "rectified": (
        interactions.rectified_polynomial(3),
        lambda h: np.sum(np.maximum(h, 0) ** 3, axis=-1),
    ),
}


def _memories(seed=0):
    return 0.25 * np.random.default_rng(seed).normal(size=(3, DIM))


def _exact(memories, name, temperature=1.0):
    """Exact probabilities of all states (in itertools.product order) and their -E/T."""
    log_weights = INTERACTIONS[name][1](STATES @ memories.T) / temperature
    probabilities = np.exp(log_weights - log_weights.max())
    return probabilities / probabilities.sum(), log_weights


def _indices(draws):
    return (np.asarray(draws) > 0).astype(np.int64) @ POWERS


def _random_spins(key, chains):
    return jax.random.rademacher(key, (chains, DIM), jnp.float64)


@pytest.mark.parametrize("name", list(INTERACTIONS))
def test_oracle_matches_package_enumeration(name):
    memories = _memories()
    log_z = logsumexp(_exact(memories, name, 0.7)[1])
    expected = binary_log_partition_exact(memories, INTERACTIONS[name][0], 0.7)
    np.testing.assert_allclose(log_z, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", list(INTERACTIONS))
def test_independent_chains_pass_chi_square(name):
    memories, chains = _memories(), 10_000
    probabilities, _ = _exact(memories, name)
    init = _random_spins(jax.random.key(1), chains)
    draws = sample_gibbs(
        jax.random.key(2), memories, INTERACTIONS[name][0], 1.0, init, 1, num_warmup=50
    )
    counts = np.bincount(_indices(draws[:, -1]), minlength=2**DIM)
    expected = chains * probabilities
    own = expected >= 10
    observed = np.append(counts[own], counts[~own].sum())
    expected = np.append(expected[own], expected[~own].sum())
    assert own.sum() >= 20
    statistic, p_value = stats.chisquare(observed, expected)
    assert p_value > 1e-3, (statistic, p_value)


@pytest.mark.parametrize("name", list(INTERACTIONS))
def test_ergodic_frequencies_within_four_standard_errors(name):
    memories = _memories()
    probabilities, log_weights = _exact(memories, name)
    init = _random_spins(jax.random.key(3), 8)
    draws = sample_gibbs(
        jax.random.key(4), memories, INTERACTIONS[name][0], 1.0, init, 4000, num_warmup=100
    )
    indices = _indices(draws)  # (chains, draws)
    for state in np.argsort(probabilities)[::-1][:10]:
        hits = (indices == state).astype(float)
        ess = effective_sample_size(hits)
        error = np.sqrt(probabilities[state] * (1 - probabilities[state]) / ess)
        assert abs(hits.mean() - probabilities[state]) < 4 * error, (state, ess)
    series = log_weights[indices]
    exact_mean = np.sum(probabilities * log_weights)
    exact_std = np.sqrt(np.sum(probabilities * (log_weights - exact_mean) ** 2))
    error = exact_std / np.sqrt(effective_sample_size(series))
    assert abs(series.mean() - exact_mean) < 4 * error


@pytest.mark.parametrize("dtype, beta", [(jnp.float64, 100.0), (jnp.float32, 20.0)])
def test_exponential_at_overflow_scale_stays_finite_and_retrieves(dtype, beta):
    # exp(beta * 10) overflows the dtype; the log-odds are +-inf: deterministic bits.
    memories = jnp.array(
        [np.ones(DIM), np.tile([1.0, -1.0], DIM // 2), np.repeat([1.0, -1.0], DIM // 2)],
        dtype,
    )
    start = memories.at[:, :2].multiply(-1.0)  # each memory with two bits flipped
    draws = sample_gibbs(
        jax.random.key(5), memories, interactions.exponential(beta), 1.0, start, 5, num_warmup=5
    )
    assert draws.dtype == dtype
    np.testing.assert_array_equal(draws, np.broadcast_to(memories[:, None], draws.shape))


def test_kernel_keeps_overlaps_and_counts_flips():
    memories = jnp.asarray(_memories())
    kernel = gibbs(memories, interactions.classical(), 1.0)
    state = kernel.init(jnp.ones(DIM))
    assert isinstance(state, GibbsState)
    for key in jax.random.split(jax.random.key(6), 5):
        new, info = kernel.step(key, state)
        np.testing.assert_allclose(new.overlaps, memories @ new.spins, atol=1e-12)
        assert int(info.num_flips) == int(jnp.sum(new.spins != state.spins))
        assert set(np.unique(new.spins)) <= {-1.0, 1.0}
        state = new


def test_same_key_same_draws_and_temperature_does_not_recompile():
    memories, init = _memories(), np.ones((2, DIM))
    args = (memories, interactions.classical())
    first = sample_gibbs(jax.random.key(7), *args, 1.0, init, 30, num_warmup=10)
    before = gibbs_module._run._cache_size()
    second = sample_gibbs(jax.random.key(7), *args, 1.0, init, 30, num_warmup=10)
    np.testing.assert_array_equal(first, second)
    other = sample_gibbs(jax.random.key(8), *args, 1.0, init, 30, num_warmup=10)
    assert not np.array_equal(first, other)
    sample_gibbs(jax.random.key(7), *args, 2.5, init, 30, num_warmup=10)
    assert gibbs_module._run._cache_size() == before


def test_high_temperature_is_nearly_uniform():
    draws = sample_gibbs(
        jax.random.key(9), _memories(), interactions.classical(), 1e6, np.ones((4, DIM)), 500
    )
    # at T = 1e6 every bit is a fair coin: mean 0 with standard error 1 / sqrt(2000)
    assert np.all(np.abs(np.asarray(draws).mean(axis=(0, 1))) < 4 / np.sqrt(2000))


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.nan, np.inf])
def test_bad_temperature_raises(temperature):
    memories = _memories()
    with pytest.raises(ValueError, match="temperature"):
        gibbs(jnp.asarray(memories), interactions.classical(), temperature)
    with pytest.raises(ValueError, match="temperature"):
        sample_gibbs(
            jax.random.key(0),
            memories,
            interactions.classical(),
            temperature,
            np.ones((1, DIM)),
            5,
        )


def test_bad_initial_spins_raise():
    memories, key, classical = _memories(), jax.random.key(0), interactions.classical()
    with pytest.raises(ValueError, match="-1 and \\+1"):
        sample_gibbs(key, memories, classical, 1.0, np.zeros((1, DIM)), 5)
    with pytest.raises(ValueError, match="features"):
        sample_gibbs(key, memories, classical, 1.0, np.ones((1, DIM + 1)), 5)
    with pytest.raises(ValueError, match="2-D"):
        sample_gibbs(key, memories, classical, 1.0, np.ones(DIM), 5)
    with pytest.raises(TypeError, match="Interaction"):
        gibbs(jnp.asarray(memories), "classical")
