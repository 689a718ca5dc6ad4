"""Stability tools on small systems whose answer is known in closed form."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ebm_memory import TwoLayerNetwork, lagrangians
from ebm_memory.analysis.stability import (
    basin_size,
    find_fixed_point,
    fixed_point_stability,
    jacobian,
    relax,
    vector_field,
)

taus = st.floats(0.2, 3.0)
entries = st.floats(-1.5, 1.5)


def _linear(memories, tau_f, tau_h):
    q = lagrangians.quadratic()
    return TwoLayerNetwork(q, q, memories, tau_f=tau_f, tau_h=tau_h)


@given(
    memories=arrays(np.float64, (3, 2), elements=entries),
    state=arrays(np.float64, 5, elements=st.floats(-3, 3)),
    tau_f=taus,
    tau_h=taus,
)
def test_linear_dynamics_have_the_closed_form_jacobian(memories, state, tau_f, tau_h):
    """Quadratic Lagrangians: J = [[-1/tau_f, xi^T/tau_f], [xi/tau_h, -1/tau_h]] everywhere."""
    net = _linear(memories, tau_f, tau_h)
    expected = np.block(
        [[-np.eye(2) / tau_f, memories.T / tau_f], [memories / tau_h, -np.eye(3) / tau_h]]
    )
    np.testing.assert_allclose(jacobian(net, state[:2], state[2:]), expected, atol=1e-12)


@given(memories=arrays(np.float64, (3, 2), elements=entries), tau=taus)
def test_linear_spectrum_is_minus_one_plus_minus_the_singular_values(memories, tau):
    """tau_f = tau_h = tau: eigenvalues (-1 +- s_k)/tau and -1/tau; the origin is stable
    iff the largest singular value of xi is below 1."""
    singular = np.linalg.svd(memories, compute_uv=False)
    assume(abs(singular.max() - 1) > 1e-3)
    result = fixed_point_stability(_linear(memories, tau, tau), np.zeros(2), np.zeros(3))
    expected = np.concatenate([(-1 - singular) / tau, (-1 + singular) / tau, [-1 / tau]])
    np.testing.assert_allclose(np.sort(result.eigenvalues.real), np.sort(expected), atol=1e-9)
    np.testing.assert_allclose(result.eigenvalues.imag, 0, atol=1e-9)
    assert result.stable == (singular.max() < 1)
    assert result.residual == 0


@pytest.mark.parametrize(
    "lag_h", [lagrangians.tanh(2.0), lagrangians.sigmoid(1.5), lagrangians.exponential(0.5)]
)
@given(
    xi=st.floats(-2, 2),
    v=st.floats(-2, 2),
    h=st.floats(-2, 2),
    tau_f=taus,
    tau_h=taus,
)
def test_one_neuron_per_layer(lag_h, xi, v, h, tau_f, tau_h):
    """2x2 Jacobian [[-1/tau_f, xi f'/tau_f], [xi g'/tau_h, -1/tau_h]]: the trace is always
    negative, so it is stable iff the determinant (1 - xi^2 f' g')/(tau_f tau_h) is positive."""
    lag_v = lagrangians.tanh(1.0)
    net = TwoLayerNetwork(lag_v, lag_h, [[xi]], tau_f=tau_f, tau_h=tau_h)
    g_prime = float(jax.hessian(lag_v)(jnp.array([v]))[0, 0])
    f_prime = float(jax.hessian(lag_h)(jnp.array([h]))[0, 0])
    gain = xi**2 * f_prime * g_prime
    assume(abs(gain - 1) > 1e-6)
    expected = np.array([[-1 / tau_f, xi * f_prime / tau_f], [xi * g_prime / tau_h, -1 / tau_h]])
    np.testing.assert_allclose(jacobian(net, [v], [h]), expected, rtol=1e-10, atol=1e-12)
    assert fixed_point_stability(net, [v], [h]).stable == (gain < 1)


@settings(max_examples=12)
@given(beta=st.sampled_from([0.3, 0.9, 1.1, 2.5]), tau_f=taus, tau_h=taus)
def test_symmetric_pitchfork(beta, tau_f, tau_h):
    """One feature, memories +1 and -1, softmax(beta): the origin is a fixed point by symmetry
    and loses stability at beta = 1 (effective slope beta - 1), whatever the time constants.
    Softmax's flat direction (1, 1) carries the eigenvalue -1/tau_h."""
    net = TwoLayerNetwork(
        lagrangians.quadratic(),
        lagrangians.softmax(beta),
        [[1.0], [-1.0]],
        tau_f=tau_f,
        tau_h=tau_h,
    )
    result = fixed_point_stability(net, [0.0], [0.0, 0.0])
    assert result.residual < 1e-15
    assert result.stable == (beta < 1)
    assert np.min(np.abs(result.eigenvalues + 1 / tau_h)) < 1e-9
    v, h, residual = find_fixed_point(
        net, [[1.5], [-1.5], [0.1]], [[1.5, -1.5], [-1.5, 1.5], [0.1, -0.1]]
    )
    if beta > 1:  # two retrieval states +-v0 with v0 = tanh(beta v0), stable
        np.testing.assert_allclose(np.abs(v[:2, 0]), np.abs(np.tanh(beta * v[:2, 0])), atol=1e-9)
        assert v[0, 0] > 0 > v[1, 0]
        assert all(fixed_point_stability(net, v[i], h[i]).stable for i in range(2))
    assert np.all(residual < 1e-10)


@settings(max_examples=6)
@given(memories=arrays(np.float64, (3, 2), elements=entries), seed=st.integers(0, 2**16))
def test_basin_of_linear_dynamics_is_everything_or_nothing(memories, seed):
    """Linear dynamics: a stable origin attracts every perturbation, an unstable one none
    (the stable subspace has measure zero)."""
    singular = np.linalg.svd(memories, compute_uv=False).max()
    assume(singular < 0.8 or singular > 1.2)
    net = _linear(memories, 1.0, 0.5)
    result = basin_size(
        net,
        np.zeros(2),
        np.zeros(3),
        [0.1, 1.0, 10.0],
        n_samples=50,
        random_state=seed,
        t1=80.0,
        dt=0.1,
    )
    expected = 1.0 if singular < 0.8 else 0.0
    np.testing.assert_array_equal(result.fraction, expected)
    assert result.final_distance.shape == (3, 50)
    np.testing.assert_array_equal(result.standard_error, 0.0)


def test_a_key_in_place_of_random_state_still_works_with_a_warning():
    net = _linear(0.5 * np.eye(2), 1.0, 1.0)
    settings = {"n_samples": 4, "t1": 5.0}
    with pytest.warns(FutureWarning, match="random_state"):
        old = basin_size(net, np.zeros(2), np.zeros(2), [0.5], key=jax.random.key(3), **settings)
    new = basin_size(net, np.zeros(2), np.zeros(2), [0.5], random_state=3, **settings)
    np.testing.assert_array_equal(old.final_distance, new.final_distance)


def test_relax_matches_the_network_integrator_and_fields():
    rng = np.random.default_rng(0)
    net = TwoLayerNetwork(
        lagrangians.tanh(1.0), lagrangians.relu(), rng.normal(size=(3, 2)), tau_f=1.0, tau_h=0.3
    )
    v0, h0 = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    v, h = relax(net, v0, h0, t1=2.0, dt=0.05)
    path = net.integrate(v0, h0, t1=2.0, dt=0.05)
    np.testing.assert_allclose(v, path.v[:, -1], atol=1e-12)
    np.testing.assert_allclose(h, path.h[:, -1], atol=1e-12)
    dv, dh = vector_field(net, v0[0], h0[0])
    np.testing.assert_allclose(dv, net.memories.T @ np.maximum(h0[0], 0) - v0[0])
    np.testing.assert_allclose(dh, (net.memories @ np.tanh(v0[0]) - h0[0]) / 0.3)


def test_validation():
    net = _linear(np.eye(2), 1.0, 0.0)
    with pytest.raises(ValueError, match="tau_h > 0"):
        jacobian(net, np.zeros(2), np.zeros(2))
    net = _linear(np.eye(2), 1.0, 1.0)
    with pytest.raises(ValueError, match="entries"):
        jacobian(net, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="one state"):
        jacobian(net, np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="radii"):
        basin_size(net, np.zeros(2), np.zeros(2), [-1.0], random_state=0)
    with pytest.raises(TypeError, match="TwoLayerNetwork"):
        fixed_point_stability("network", np.zeros(2), np.zeros(2))
