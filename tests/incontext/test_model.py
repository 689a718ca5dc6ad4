import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory.incontext.inference import context_energies, density_grid
from ebm_memory.incontext.model import (
    BACKGROUND_SCALE,
    EnergyTransformer,
    ModelConfig,
    context_energy,
    encode_context,
    sample_readout,
)

CONFIG = ModelConfig(width=16, n_heads=2, context_layers=1, query_layers=1)


@pytest.fixture(scope="module")
def model():
    return EnergyTransformer(CONFIG, key=jax.random.key(0))


@pytest.fixture(scope="module")
def context():
    return np.random.default_rng(0).normal(size=(12, 2)) * [1.0, 2.0] + [3.0, -1.0]


QUERIES = np.random.default_rng(1).normal(size=(16, 2)) * 2


def test_energy_is_invariant_to_permutations_of_the_context(model, context):
    permuted = context[np.random.default_rng(2).permutation(len(context))]
    np.testing.assert_allclose(
        context_energies(model, QUERIES, permuted),
        context_energies(model, QUERIES, context),
        atol=1e-5,
    )


def test_masked_padding_changes_nothing(model, context):
    mask = jnp.arange(16) < 12
    junk = np.concatenate([context, np.full((4, 2), 50.0)])
    clean = np.concatenate([context, np.zeros((4, 2))])
    energy = jax.vmap(
        lambda c, x: context_energy(model, encode_context(model, c, mask), x), (None, 0)
    )
    np.testing.assert_allclose(energy(junk, QUERIES), energy(clean, QUERIES), atol=1e-5)


def test_energy_shifts_by_d_log_a_under_scaling_and_translation(model, context):
    """Standardising by the context makes exp(-E) a density in x: scaling space by a
    raises every energy by d log a."""
    a, b = 3.0, np.array([-5.0, 2.0])
    moved = context_energies(model, a * QUERIES + b, a * context + b)
    np.testing.assert_allclose(
        moved, context_energies(model, QUERIES, context) + 2 * math.log(a), atol=1e-4
    )


def test_without_the_correction_the_energy_is_a_normalised_density(model, context):
    silent = eqx.tree_at(
        lambda m: (m.correction_head.weight, m.correction_head.bias),
        model,
        (jnp.zeros_like(model.correction_head.weight), jnp.zeros_like(model.correction_head.bias)),
    )
    _, _, log_z = density_grid(silent, context)
    assert log_z == pytest.approx(0.0, abs=2e-3)


def test_readout_draws_are_exact_samples_of_the_readout_mixture(model, context):
    """Moments of the draws within 4 Monte Carlo standard errors of the closed form."""
    mask = jnp.ones(len(context), bool)
    encoded = encode_context(model, jnp.asarray(context, jnp.float32), mask)
    n = 20_000
    draws = np.asarray(sample_readout(model, encoded, jax.random.key(4), n), np.float64)
    pi = float(jax.nn.sigmoid(model.background_logit))
    weights = np.append((1 - pi) * np.exp(np.asarray(encoded.log_weights, np.float64)), pi)
    centres = np.vstack([np.asarray(encoded.centres, np.float64), np.zeros((1, 2))])
    widths = np.append(np.exp(np.asarray(encoded.log_widths, np.float64)), BACKGROUND_SCALE)
    mean = weights @ centres
    variance = weights @ (widths[:, None] ** 2 + centres**2) - mean**2
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * np.sqrt(variance / n))


def test_the_quadrature_normaliser_is_for_the_plane_only():
    solid = EnergyTransformer(CONFIG._replace(dim=3), key=jax.random.key(1))
    with pytest.raises(ValueError, match="2-D"):
        density_grid(solid, np.random.default_rng(0).normal(size=(8, 3)))


def test_readout_draws_have_the_second_moments_of_the_readout_mixture(model, context):
    """Each coordinate's variance within 4 Monte Carlo standard errors of the mixture's
    ``sum_k w_k (s_k^2 + c_k^2) - mean^2``; the standard error of a sample variance is
    ``sqrt((m4 - var^2) / n)`` with ``m4`` the fourth central moment. Drawing with the
    squared width ``s_k^2`` in place of ``s_k`` misses it by 25 standard errors or more."""
    mask = jnp.ones(len(context), bool)
    encoded = encode_context(model, jnp.asarray(context, jnp.float32), mask)
    n = 20_000
    draws = np.asarray(sample_readout(model, encoded, jax.random.key(5), n), np.float64)
    pi = float(jax.nn.sigmoid(model.background_logit))
    weights = np.append((1 - pi) * np.exp(np.asarray(encoded.log_weights, np.float64)), pi)
    centres = np.vstack([np.asarray(encoded.centres, np.float64), np.zeros((1, 2))])
    widths = np.append(np.exp(np.asarray(encoded.log_widths, np.float64)), BACKGROUND_SCALE)
    variance = weights @ (widths[:, None] ** 2 + centres**2) - (weights @ centres) ** 2
    fourth = np.mean((draws - draws.mean(0)) ** 4, axis=0)
    error = np.sqrt((fourth - draws.var(0) ** 2) / n)
    assert np.all(np.abs(draws.var(0) - variance) < 4 * error)
