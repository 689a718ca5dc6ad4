"""Annealed noisy recall: exact reduction at T0 = 0, reproducibility, fixed points, clamping,
the noise scale of the Langevin phase, and input validation.

Memories are random +-1 patterns scaled by 1 / sqrt(2 D), so for the classical interaction the
temperature is that of Amit, Gutfreund & Sompolinsky (retrieval states survive to T ~ 1).
"""

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory.dynamics import retrieve_binary, retrieve_softmax
from ebm_memory.energies import interactions, softmax_energy, softmax_update
from ebm_memory.samplers import noisy_recall
from ebm_memory.samplers.noisy_recall import (
    NoisyRecall,
    annealed_binary_recall,
    annealed_langevin_recall,
)

D, P, B = 60, 6, 40
RNG = np.random.default_rng(0)
PATTERNS = RNG.choice([-1.0, 1.0], size=(P, D))
MEMORIES = PATTERNS / np.sqrt(2 * D)
PROBES = RNG.choice([-1.0, 1.0], size=(B, D))
MASK = np.zeros((B, D), bool)
MASK[:, : D // 3] = True
CLASSICAL = interactions.classical()


def _binary(key=0, temperature=0.5, **kwargs):
    kwargs = {"num_sweeps": 10, **kwargs}
    return annealed_binary_recall(
        jax.random.key(key), MEMORIES, CLASSICAL, PROBES, temperature=temperature, **kwargs
    )


@pytest.mark.parametrize("mask", [None, MASK], ids=["free", "clamped"])
def test_zero_temperature_is_deterministic_retrieval_exactly(mask):
    result = _binary(temperature=0.0, mask=mask)
    expected = retrieve_binary(PROBES, MEMORIES, CLASSICAL, mask=mask)
    assert isinstance(result, NoisyRecall)
    np.testing.assert_array_equal(result.annealed, PROBES)
    np.testing.assert_array_equal(result.states, expected.states)
    np.testing.assert_array_equal(result.energies, expected.energies)


def test_same_key_same_result_and_different_keys_differ():
    first, second, other = _binary(1), _binary(1), _binary(2)
    np.testing.assert_array_equal(first.states, second.states)
    np.testing.assert_array_equal(first.annealed, second.annealed)
    assert not np.array_equal(first.annealed, other.annealed)


@pytest.mark.parametrize(
    "interaction",
    [CLASSICAL, pytest.param(interactions.polynomial(3), marks=pytest.mark.slow)],
    ids=repr,
)
def test_results_are_fixed_points_of_the_deterministic_dynamics(interaction):
    result = annealed_binary_recall(
        jax.random.key(3), MEMORIES, interaction, PROBES, temperature=0.8, num_sweeps=10
    )
    assert np.all(result.converged)
    again = retrieve_binary(result.states, MEMORIES, interaction)
    np.testing.assert_array_equal(again.states, result.states)
    assert np.all(again.n_steps == 1)


def test_clamped_bits_keep_their_probe_values():
    result = _binary(4, temperature=2.0, mask=MASK)
    for states in (result.annealed, result.states):
        np.testing.assert_array_equal(np.asarray(states)[MASK], PROBES[MASK])
    assert not np.array_equal(np.asarray(result.annealed)[~MASK], PROBES[~MASK])


def test_very_high_temperature_forgets_the_probe():
    """Sweeps at T >= 1e3 make every bit a fair coin: the annealed state disagrees with the
    probe on a fraction 1/2 of the bits, standard error 1 / sqrt(4 B D)."""
    result = _binary(5, temperature=1e4)
    disagreement = np.mean(np.asarray(result.annealed) != PROBES)
    assert abs(disagreement - 0.5) < 4 / np.sqrt(4 * B * D)


def test_single_probe_and_temperature_does_not_recompile():
    _binary(6, temperature=0.3)
    before = noisy_recall._anneal_binary._cache_size()
    _binary(6, temperature=0.7)
    assert noisy_recall._anneal_binary._cache_size() == before
    single = annealed_binary_recall(
        jax.random.key(6), MEMORIES, CLASSICAL, PROBES[0], temperature=0.3, num_sweeps=10
    )
    assert single.states.shape == (D,) and single.energies.shape == ()
    assert single.converged.shape == () and single.annealed.shape == (D,)


def test_binary_validation():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="temperature"):
        annealed_binary_recall(key, MEMORIES, CLASSICAL, PROBES, temperature=-0.1, num_sweeps=1)
    with pytest.raises(ValueError, match="-1 and \\+1"):
        annealed_binary_recall(key, MEMORIES, CLASSICAL, 0.5 * PROBES, temperature=1, num_sweeps=1)
    with pytest.raises(ValueError, match="features"):
        annealed_binary_recall(key, MEMORIES, CLASSICAL, PROBES[:, 1:], temperature=1, num_sweeps=1)
    with pytest.raises(ValueError, match="num_sweeps"):
        annealed_binary_recall(key, MEMORIES, CLASSICAL, PROBES, temperature=1, num_sweeps=-1)
    with pytest.raises(ValueError, match="mask"):
        annealed_binary_recall(
            key, MEMORIES, CLASSICAL, PROBES, temperature=1, num_sweeps=1, mask=MASK[:, :5]
        )
    with pytest.raises(TypeError, match="Interaction"):
        annealed_binary_recall(key, MEMORIES, "classical", PROBES, temperature=1, num_sweeps=1)


BETA = 0.2
TARGETS = PATTERNS[RNG.integers(P, size=B)]
QUERIES = np.where(RNG.random((B, D)) < 0.3, -TARGETS, TARGETS)


def _langevin(key=0, temperature=0.5, **kwargs):
    kwargs = {"num_steps": 20, "step_size": 0.2, **kwargs}
    return annealed_langevin_recall(
        jax.random.key(key), PATTERNS, BETA, QUERIES, temperature=temperature, **kwargs
    )


@pytest.mark.parametrize("similarity", ["dot", pytest.param("euclidean", marks=pytest.mark.slow)])
def test_langevin_at_zero_temperature_is_gradient_descent_then_cccp(similarity):
    result = _langevin(temperature=0.0, similarity=similarity)
    energy = functools.partial(softmax_energy, memories=PATTERNS, beta=BETA, similarity=similarity)
    gradient = jax.vmap(jax.grad(energy))
    expected = jnp.asarray(QUERIES)
    for _ in range(20):
        expected = expected - 0.2 * gradient(expected)
    np.testing.assert_allclose(result.annealed, expected, rtol=1e-12, atol=1e-12)
    final = retrieve_softmax(expected, PATTERNS, BETA, similarity=similarity)
    np.testing.assert_allclose(result.states, final.states, rtol=1e-12, atol=1e-12)
    if similarity == "dot":
        no_steps = _langevin(temperature=0.0, num_steps=0)
        direct = retrieve_softmax(QUERIES, PATTERNS, BETA)
        np.testing.assert_array_equal(no_steps.states, direct.states)


def test_langevin_reproducible_and_ends_at_cccp_fixed_points():
    first, second, other = _langevin(1), _langevin(1), _langevin(2)
    np.testing.assert_array_equal(first.states, second.states)
    assert not np.allclose(first.annealed, other.annealed)
    assert np.all(first.converged)
    update = jax.vmap(lambda v: softmax_update(v, PATTERNS, BETA)[0])(first.states)
    np.testing.assert_allclose(update, first.states, atol=1e-5 * np.abs(first.states).max())


def test_langevin_noise_has_variance_two_h_t():
    """Identical memories xi: E = |x|^2 / 2 - xi . x + const, so x - xi is an
    Ornstein-Uhlenbeck chain with variance v' = (1 - h)^2 v + 2 h T_t from v = 0. Checked on
    B x D = 2400 coordinates (relative standard error of the variance sqrt(2 / 2400) = 2.9%)
    within 4 standard errors."""
    memories, h, temperature, steps = np.broadcast_to(PATTERNS[0], (P, D)), 0.2, 2.0, 20
    starts = np.broadcast_to(PATTERNS[0], (B, D))
    result = annealed_langevin_recall(
        jax.random.key(7),
        memories,
        BETA,
        starts,
        temperature=temperature,
        num_steps=steps,
        step_size=h,
    )
    variance = 0.0
    for t in range(steps):
        variance = (1 - h) ** 2 * variance + 2 * h * temperature * (1 - t / steps)
    measured = np.var(np.asarray(result.annealed) - PATTERNS[0])
    assert abs(measured / variance - 1) < 4 * np.sqrt(2 / starts.size)


def test_langevin_validation():
    with pytest.raises(ValueError, match="temperature"):
        _langevin(temperature=-1.0)
    with pytest.raises(ValueError, match="step_size"):
        _langevin(step_size=0.0)
    with pytest.raises(ValueError, match="similarity"):
        _langevin(similarity="cosine")
    with pytest.raises(ValueError, match="beta"):
        annealed_langevin_recall(
            jax.random.key(0), PATTERNS, 0.0, QUERIES, temperature=1, num_steps=1, step_size=0.1
        )


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_one_noisy_sweep_leaves_the_boltzmann_density_at_t0_invariant(temperature):
    """With one sweep the noisy phase is a single heat-bath sweep at T0, which leaves
    p(s) ∝ exp(-E(s) / T0) invariant: probes drawn exactly from it (enumeration of the 2^8
    states, classical F, memories 0.3 N(0, 1)) come out of the noisy phase with the same
    E[s_i] and E[s_i s_j]. The 20,000 probes are independent (one key each), so the standard
    error of each statistic is sqrt((1 - m^2) / 20000); all |z| < 4.5 (36 statistics). A sweep
    at the wrong temperature moves the moments (T = 1 instead of 0.5 or 2: max |z| 71 and 23)."""
    dim, count = 8, 20_000
    memories = 0.3 * np.random.default_rng(11).normal(size=(3, dim))
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=dim)))
    log_weights = np.sum((states @ memories.T) ** 2, axis=1) / temperature
    probabilities = np.exp(log_weights - log_weights.max())
    probabilities /= probabilities.sum()
    probes = states[np.random.default_rng(12).choice(len(states), count, p=probabilities)]
    result = annealed_binary_recall(
        jax.random.key(13), memories, CLASSICAL, probes, temperature=temperature, num_sweeps=1
    )
    upper = np.triu_indices(dim, 1)

    def statistics(spins):
        products = spins[..., :, None] * spins[..., None, :]
        return np.concatenate([spins, products[..., upper[0], upper[1]]], axis=-1)

    exact = probabilities @ statistics(states)
    annealed = statistics(np.asarray(result.annealed))
    assert not np.array_equal(np.asarray(result.annealed), probes)  # the sweep moved them
    z = (annealed.mean(axis=0) - exact) / np.sqrt((1.0 - exact**2) / count)
    assert np.max(np.abs(z)) < 4.5, np.round(z, 2)
