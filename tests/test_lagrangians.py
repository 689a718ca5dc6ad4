import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from jax.test_util import check_grads

from ebm_memory import lagrangians
from tests.cases import CONVEX_LAGRANGIANS

NON_SMOOTH = ("absolute", "relu", "rectified_polynomial")
SMOOTH = [lag for lag in CONVEX_LAGRANGIANS if lag.name not in NON_SMOOTH]

x = jnp.array([0.3, -1.2, 2.0, 0.7])


@pytest.mark.parametrize(
    ("lagrangian", "expected"),
    [
        (lagrangians.quadratic(), x),
        (lagrangians.absolute(), jnp.sign(x)),
        (lagrangians.softmax(2.0), jax.nn.softmax(2.0 * x)),
        (lagrangians.polynomial(3), x**2),
        (lagrangians.rectified_polynomial(3), jax.nn.relu(x) ** 2),
        (lagrangians.relu(), jax.nn.relu(x)),
        (lagrangians.exponential(0.5), jnp.exp(0.5 * x)),
        (lagrangians.spherical(), x / jnp.linalg.norm(x)),
        (lagrangians.tanh(1.5), jnp.tanh(1.5 * x)),
        (lagrangians.sigmoid(2.0), jax.nn.sigmoid(2.0 * x)),
        (
            lagrangians.layernorm(1.3, 0.2),
            1.3 * (x - x.mean()) / jnp.sqrt(x.var() + 1e-5) + 0.2,
        ),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_activation_is_the_closed_form(lagrangian, expected):
    np.testing.assert_allclose(lagrangian.activation(x), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("lagrangian", SMOOTH, ids=repr)
def test_gradients_match_finite_differences(lagrangian):
    check_grads(lagrangian, (x,), order=2, modes=["fwd", "rev"])


@pytest.mark.parametrize("lagrangian", CONVEX_LAGRANGIANS, ids=repr)
@given(
    point=arrays(np.float64, 4, elements=st.floats(-3, 3)),
    direction=arrays(np.float64, 4, elements=st.floats(-1, 1)),
)
def test_convex_along_every_line(lagrangian, point, direction):
    """Second differences of a convex function are >= 0 (up to rounding of the values)."""
    step = 1e-2
    values = [lagrangian(jnp.asarray(point + k * step * direction)) for k in (-1, 0, 1)]
    slack = 1e-9 * (1 + max(abs(float(v)) for v in values))
    assert float(values[0] - 2 * values[1] + values[2]) >= -slack


def test_odd_polynomial_is_flagged_non_convex():
    assert not lagrangians.polynomial(3).convex
    assert lagrangians.polynomial(4).convex


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("beta", [1e2, 1e4, 1e8])
@pytest.mark.parametrize("factory", [lagrangians.softmax, lagrangians.tanh, lagrangians.sigmoid])
def test_finite_at_large_gain_and_large_inputs(factory, beta, dtype):
    lag = factory(beta)
    big = jnp.array([1e3, -1e3, 5e2, 0.0], dtype=dtype)
    value, grad = jax.value_and_grad(lag)(big)
    assert value.dtype == dtype and grad.dtype == dtype
    assert jnp.isfinite(value) and jnp.all(jnp.isfinite(grad))
    np.testing.assert_allclose(value, jax.jit(lag.fn)(big), rtol=1e-6)


def test_exponential_is_exact_where_representable():
    lag = lagrangians.exponential(2.0)
    np.testing.assert_allclose(lag(jnp.array([300.0])), np.exp(600.0) / 2.0, rtol=1e-12)


def test_spherical_gradient_at_origin_is_zero_not_nan():
    grad = lagrangians.spherical().activation(jnp.zeros(3))
    np.testing.assert_array_equal(grad, jnp.zeros(3))


def test_equal_settings_compare_equal_for_jit_reuse():
    assert lagrangians.softmax(2.0) == lagrangians.softmax(2.0)
    assert hash(lagrangians.tanh(1.0)) == hash(lagrangians.tanh(1.0))
    assert lagrangians.softmax(2.0) != lagrangians.softmax(3.0)
    assert repr(lagrangians.softmax(2.0)) == "lagrangians.softmax(beta=2.0)"


@pytest.mark.parametrize(
    "factory", [lagrangians.softmax, lagrangians.exponential, lagrangians.tanh, lagrangians.sigmoid]
)
@pytest.mark.parametrize("beta", [0.0, -1.0, float("nan"), float("inf")])
def test_non_positive_beta_is_rejected(factory, beta):
    with pytest.raises(ValueError, match="beta"):
        factory(beta)


def test_bad_degree_and_shape_are_rejected():
    with pytest.raises(TypeError, match="integer"):
        lagrangians.polynomial(2.5)
    with pytest.raises(ValueError, match=">= 1"):
        lagrangians.rectified_polynomial(0)
    with pytest.raises(ValueError, match="one vector"):
        lagrangians.quadratic()(jnp.ones((2, 3)))
