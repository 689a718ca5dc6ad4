"""The two-layer energy reduces to the effective Models A and B at the hidden equilibrium."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads

from ebm_memory import lagrangians
from ebm_memory.energies import binary_energy, interactions, softmax_energy, two_layer_energy

rng = np.random.default_rng(1)
MEMORIES = jnp.asarray(rng.normal(size=(6, 4)))
CURRENT = jnp.asarray(rng.normal(size=4))


def _at_equilibrium(v, lag_v, lag_h, current=None):
    h = MEMORIES @ lag_v.activation(v)
    return two_layer_energy(v, h, MEMORIES, lag_v, lag_h, current)


def test_quadratic_and_softmax_give_model_b():
    v = jnp.asarray(rng.normal(size=4))
    beta = 1.7
    energy = _at_equilibrium(v, lagrangians.quadratic(), lagrangians.softmax(beta))
    np.testing.assert_allclose(energy, softmax_energy(v, MEMORIES, beta), rtol=1e-12)


@pytest.mark.parametrize(
    ("lag_h", "interaction", "scale"),
    [
        (lagrangians.polynomial(2), interactions.classical(), 1 / 2),
        (lagrangians.polynomial(4), interactions.polynomial(4), 1 / 4),
        (lagrangians.exponential(0.5), interactions.exponential(0.5), 1 / 0.5),
    ],
)
def test_absolute_features_give_model_a_with_input_field(lag_h, interaction, scale):
    """E(s, xi s) = -sum_mu L_h-term(xi_mu . s) - I . s for binary s."""
    signs = jnp.asarray(rng.choice([-1.0, 1.0], size=4))
    energy = _at_equilibrium(signs, lagrangians.absolute(), lag_h, CURRENT)
    expected = scale * binary_energy(signs, MEMORIES, interaction) - CURRENT @ signs
    np.testing.assert_allclose(energy, expected, rtol=1e-12)


def test_gradients_of_the_two_layer_energy():
    v, h = jnp.asarray(rng.normal(size=4)), jnp.asarray(rng.normal(size=6))

    def energy(v, h, memories):
        return two_layer_energy(
            v, h, memories, lagrangians.tanh(1.5), lagrangians.softmax(2.0), CURRENT
        )

    check_grads(jax.jit(energy), (v, h, MEMORIES), order=2, modes=["fwd", "rev"])


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("beta", [1e2, 1e4, 1e8])
def test_finite_at_large_beta_and_inputs(dtype, beta):
    v = jnp.asarray(rng.normal(size=4) * 1e3, dtype)
    h = jnp.asarray(rng.normal(size=6) * 1e3, dtype)
    memories = MEMORIES.astype(dtype)

    def energy(v, h):
        return two_layer_energy(v, h, memories, lagrangians.tanh(beta), lagrangians.softmax(beta))

    value, grads = jax.jit(jax.value_and_grad(energy, argnums=(0, 1)))(v, h)
    assert value.dtype == dtype and jnp.isfinite(value)
    assert all(bool(jnp.all(jnp.isfinite(g))) for g in grads)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="N_h, N_f"):
        two_layer_energy(
            jnp.ones(4), jnp.ones(5), MEMORIES, lagrangians.quadratic(), lagrangians.softmax()
        )
