"""Affine equivariance of the in-context energy far from the origin and at extreme scales.

The model standardises by its context, so ``E(a x + b | a D + b) = E(x | D) + d log a``
exactly; these tests hold it to float32 precision where float32 alone cannot represent the
inputs (a shift of 1e8 is below float32's resolution of the shifted points).
"""

import math

import jax
import numpy as np
import pytest

from ebm_memory.incontext.inference import (
    context_energies,
    context_memories,
    density_grid,
    sample_context,
)
from ebm_memory.incontext.model import EnergyTransformer, ModelConfig

CONFIG = ModelConfig(width=16, n_heads=2, context_layers=1, query_layers=1)
RNG = np.random.default_rng(0)
CONTEXT = np.round(1024 * (RNG.normal(size=(16, 2)) * [1.0, 0.5] + [0.3, -0.2])) / 1024
"""16 points on a grid of 2^-10: shifting them by 1e8, and their mean, are exact in
float64, so the chains of the shifted context see bit-identical standardised points."""
QUERIES = RNG.normal(size=(16, 2)) * 1.5
MOVES = [(1.0, 1e6), (1.0, 1e8), (1e-20, 0.0), (1e20, 0.0), (1e20, -3e20)]


@pytest.fixture(autouse=True)
def x64_off():
    """JAX's default, as users run it (the test suite turns x64 on, which would let float32
    arrays promote to float64 inside the network)."""
    with jax.enable_x64(False):
        yield


@pytest.fixture(scope="module")
def model():
    with jax.enable_x64(False):
        return EnergyTransformer(CONFIG, key=jax.random.key(0))


@pytest.mark.parametrize(("a", "b"), MOVES)
def test_energies_move_by_exactly_d_log_a(model, a, b):
    moved = context_energies(model, a * QUERIES + b, a * CONTEXT + b) - 2 * math.log(a)
    expected = context_energies(model, QUERIES, CONTEXT)
    np.testing.assert_allclose(moved, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("a", "b"), [(1.0, 1e8), (1e-20, 0.0), (1e20, -3e20)])
def test_the_grid_and_normaliser_move_with_the_context(model, a, b):
    axes, log_density, log_z = density_grid(model, CONTEXT, grid_size=64)
    moved_axes, moved_density, moved_log_z = density_grid(model, a * CONTEXT + b, grid_size=64)
    for axis, moved_axis in zip(axes, moved_axes, strict=True):
        np.testing.assert_allclose(moved_axis, a * axis + b, rtol=1e-13)
    np.testing.assert_allclose(moved_density + 2 * math.log(a), log_density, rtol=1e-5, atol=1e-5)
    assert moved_log_z == pytest.approx(log_z, abs=1e-5)


@pytest.mark.parametrize(("a", "b"), [(1.0, 1e8), (1e-20, 0.0), (1e20, -3e20)])
def test_samples_and_memories_map_affinely(model, a, b):
    settings = dict(n_samples=8, method="mala", num_warmup=20, num_chains=4, progress_bar=False)
    draws, base = sample_context(model, CONTEXT, jax.random.key(1), **settings)
    moved, result = sample_context(model, a * CONTEXT + b, jax.random.key(1), **settings)
    np.testing.assert_allclose((moved - b) / a, draws, rtol=1e-6, atol=1e-6)
    # the result's step sizes are in the context's units too
    np.testing.assert_allclose(result.step_size / a, base.step_size, rtol=1e-6)
    assert np.all(np.abs(result.draws - b) <= 100 * a)
    memories = context_memories(model, CONTEXT)
    moved_memories = context_memories(model, a * CONTEXT + b)
    np.testing.assert_allclose((moved_memories["centres"] - b) / a, memories["centres"], atol=1e-6)
    np.testing.assert_allclose(moved_memories["widths"] / a, memories["widths"], rtol=1e-6)


def test_unrepresentable_inputs_raise_instead_of_returning_inf(model):
    with pytest.raises(ValueError, match="X row 1 lies .* context scales"):
        context_energies(model, np.array([[0.3, -0.2], [0.3 + 1e16 * 0.9, 0.0]]), CONTEXT)
    with pytest.raises(ValueError, match="all equal"):
        context_energies(model, QUERIES, np.ones((4, 2)))
    with pytest.raises(ValueError, match="float64's range"):
        context_energies(model, QUERIES, np.array([[1e308, 0.0], [1.7e308, 1.0]]))
