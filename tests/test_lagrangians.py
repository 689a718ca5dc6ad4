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


def _np_logsumexp(values):
    top = np.max(values)
    return top + np.log(np.sum(np.exp(values - top)))


xs = np.asarray(x)


@pytest.mark.parametrize(
    ("lagrangian", "expected"),
    [
        (lagrangians.quadratic(), 0.5 * np.sum(xs**2)),
        (lagrangians.absolute(), np.sum(np.abs(xs))),
        (lagrangians.softmax(2.0), _np_logsumexp(2.0 * xs) / 2.0),
        (lagrangians.polynomial(3), np.sum(xs**3) / 3),
        (lagrangians.rectified_polynomial(3), np.sum(np.maximum(xs, 0) ** 3) / 3),
        (lagrangians.relu(), 0.5 * np.sum(np.maximum(xs, 0) ** 2)),
        (lagrangians.exponential(0.5), np.sum(np.exp(0.5 * xs)) / 0.5),
        (lagrangians.spherical(), np.sqrt(np.sum(xs**2))),
        (lagrangians.tanh(1.5), np.sum(np.log(np.cosh(1.5 * xs))) / 1.5),
        (lagrangians.sigmoid(2.0), np.sum(np.log1p(np.exp(2.0 * xs))) / 2.0),
        (
            lagrangians.layernorm(1.3, 0.2),
            1.3 * 4 * np.sqrt(np.var(xs) + 1e-5) + 0.2 * np.sum(xs),
        ),
    ],
    ids=lambda value: getattr(value, "name", ""),
)
def test_value_is_the_closed_form(lagrangian, expected):
    np.testing.assert_allclose(float(lagrangian(x)), expected, rtol=1e-12)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("beta", [1e3, 1e6])
def test_softmax_at_large_gain_is_max_plus_log_multiplicity(beta, dtype):
    """``logsumexp(beta x) / beta -> max(x) + log(#argmax) / beta``; activation: uniform on
    the argmax set."""
    tied = jnp.array([1.0, -2.0, 1.0, 0.5], dtype=dtype)
    value, grad = jax.value_and_grad(lagrangians.softmax(beta))(tied)
    assert value.dtype == dtype and grad.dtype == dtype
    np.testing.assert_allclose(value, 1.0 + np.log(2.0) / beta, rtol=1e-6)
    np.testing.assert_allclose(grad, [0.5, 0.0, 0.5, 0.0], atol=1e-6)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("beta", [1e2, 1e4, 1e8])
def test_log_cosh_at_large_inputs_is_abs_minus_log_two(beta, dtype):
    big = jnp.array([1e3, -1e3, 5e2, 0.0], dtype=dtype)
    value, grad = jax.value_and_grad(lagrangians.tanh(beta))(big)
    np.testing.assert_allclose(value, 2.5e3 - 3 * np.log(2.0) / beta, rtol=1e-6)
    np.testing.assert_array_equal(grad, [1.0, -1.0, 1.0, 0.0])


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("beta", [1e2, 1e4, 1e8])
def test_softplus_at_large_inputs_is_relu_plus_log_two_at_zero(beta, dtype):
    big = jnp.array([1e3, -1e3, 5e2, 0.0], dtype=dtype)
    value, grad = jax.value_and_grad(lagrangians.sigmoid(beta))(big)
    np.testing.assert_allclose(value, 1.5e3 + np.log(2.0) / beta, rtol=1e-6)
    np.testing.assert_allclose(grad, [1.0, 0.0, 1.0, 0.5], atol=1e-12)


@pytest.mark.parametrize(
    ("dtype", "edge"), [(jnp.float32, 88.0), (jnp.float64, 709.0)], ids=["float32", "float64"]
)
def test_exponential_is_exact_up_to_its_float_limit(dtype, edge):
    lag = lagrangians.exponential(2.0)
    point = jnp.array([edge / 2.0], dtype=dtype)
    value, grad = jax.value_and_grad(lag)(point)
    reference = np.exp(np.float64(edge)) / 2.0
    np.testing.assert_allclose(value, reference, rtol=1e-5)
    np.testing.assert_allclose(grad, [2.0 * reference], rtol=1e-5)
    assert jnp.isinf(lag(jnp.array([edge], dtype=dtype)))


@pytest.mark.parametrize("lagrangian", SMOOTH, ids=repr)
def test_activation_matches_central_differences(lagrangian):
    step = 1e-6
    basis = np.eye(len(xs))
    differences = [
        (float(lagrangian(x + step * e)) - float(lagrangian(x - step * e))) / (2 * step)
        for e in basis
    ]
    np.testing.assert_allclose(lagrangian.activation(x), differences, rtol=1e-6, atol=1e-8)


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


def _half_square(x):
    return 0.5 * jnp.sum(x**2)


def _quarter_fourth(x):
    return 0.25 * jnp.sum(x**4)


def test_user_built_lagrangians_differ_by_function():
    first = lagrangians.Lagrangian("mine", (), True, _half_square)
    second = lagrangians.Lagrangian("mine", (), True, _quarter_fourth)
    assert first != second
    assert first == lagrangians.Lagrangian("mine", (), True, _half_square)
    assert jax.tree_util.tree_structure(first) != jax.tree_util.tree_structure(second)
    np.testing.assert_allclose(first.activation(x), x)
    np.testing.assert_allclose(second.activation(x), x**3)


def test_user_built_lagrangian_keeps_its_one_argument_function():
    lag = lagrangians.Lagrangian("scaled", (("scale", 3.0),), True, lambda v: 3.0 * _half_square(v))
    assert lag.fn(x) == lag(x)
    np.testing.assert_allclose(jax.jit(lambda lg, v: lg(v))(lag, x), 3.0 * _half_square(x))
    assert repr(lag) == "lagrangians.scaled(scale=3.0)"


def test_float_settings_are_traced_leaves_and_share_one_compilation():
    energy = jax.jit(lambda lag, v: lag(v))
    for beta in (2.0, 3.0, 4.0):
        np.testing.assert_allclose(
            energy(lagrangians.softmax(beta), x), _np_logsumexp(beta * xs) / beta, rtol=1e-12
        )
    assert energy._cache_size() == 1
    assert jax.tree_util.tree_leaves(lagrangians.layernorm(1.3, 0.2, 1e-3)) == [1.3, 0.2, 1e-3]


def test_integer_degree_is_static():
    assert jax.tree_util.tree_leaves(lagrangians.polynomial(3)) == []
    structure = jax.tree_util.tree_structure
    assert structure(lagrangians.polynomial(3)) != structure(lagrangians.polynomial(4))


def test_factories_accept_traced_gains():
    def value(beta):
        return lagrangians.softmax(beta)(x)

    np.testing.assert_allclose(jax.jit(value)(2.0), _np_logsumexp(2.0 * xs) / 2.0, rtol=1e-12)
    step = 1e-6
    slope = (value(2.0 + step) - value(2.0 - step)) / (2 * step)
    np.testing.assert_allclose(jax.grad(value)(2.0), slope, rtol=1e-6)


def test_concrete_settings_still_serve_as_static_arguments():
    energy = jax.jit(lambda v, lag: lag(v), static_argnames="lag")
    np.testing.assert_allclose(energy(x, lag=lagrangians.tanh(1.5)), lagrangians.tanh(1.5)(x))
    np.testing.assert_allclose(energy(x, lag=lagrangians.tanh(2.5)), lagrangians.tanh(2.5)(x))
    assert energy._cache_size() == 2
