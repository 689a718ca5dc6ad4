"""Dead neurons: flat regions found and classified; the altered dynamics' Lyapunov family."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ebm_memory import TwoLayerNetwork, lagrangians
from ebm_memory.analysis.dead_neuron_study import dead_neuron_study, example_network
from ebm_memory.analysis.dead_neurons import (
    classify_flat_region,
    flat_directions,
    recover_state,
    restricted_stability,
)
from ebm_memory.analysis.flat_regions import flat_region_convergence, sample_flat_region
from ebm_memory.analysis.stability import ModifiedNetwork, find_fixed_point, jacobian
from ebm_memory.energies import two_layer_energy

away_from_kink = st.floats(-3, 3).filter(lambda x: abs(x) > 1e-3)


@pytest.fixture(scope="module")
def example():
    """The worked example and its fixed points by kind (Newton from a few starts)."""
    net = example_network()
    starts = 2.0 * np.asarray(jax.random.normal(jax.random.PRNGKey(0), (64, 5)))
    v, h, residual = find_fixed_point(net, starts[:, :2], starts[:, 2:])
    points = np.hstack([v, h])[residual < 1e-10]
    points = points[np.unique(np.round(points, 6), axis=0, return_index=True)[1]]
    alive = (points[:, 2:] > 1e-9).sum(axis=1)
    kinds = {"retrieval": points[alive == 1], "mixture": points[alive == 2]}
    kinds["origin"] = points[np.all(np.abs(points) < 1e-9, axis=1)]
    assert [len(kinds[k]) for k in ("retrieval", "mixture", "origin")] == [3, 3, 1]
    return net, kinds


@pytest.mark.parametrize("lagrangian", [lagrangians.relu(), lagrangians.rectified_polynomial(3)])
@given(x=arrays(np.float64, 5, elements=away_from_kink))
def test_flat_directions_of_relu_like_lagrangians_are_the_dead_neurons(lagrangian, x):
    basis = flat_directions(lagrangian, x)
    np.testing.assert_allclose(basis @ basis.T, np.diag(x < 0).astype(float), atol=1e-12)


def test_flat_directions_of_other_lagrangians():
    x = jnp.array([0.3, -1.2, 2.0])
    assert flat_directions(lagrangians.quadratic(), x).shape == (3, 0)
    softmax = flat_directions(lagrangians.softmax(2.0), x)  # dead by symmetry: shifts
    np.testing.assert_allclose(np.abs(softmax[:, 0]), 1 / np.sqrt(3), atol=1e-9)


@settings(max_examples=15)
@given(
    memories=arrays(np.float64, (3, 2), elements=st.floats(-2, 2)),
    v=arrays(np.float64, 2, elements=st.floats(-2, 2)),
    h=arrays(np.float64, 3, elements=away_from_kink),
    tau_h=st.floats(0.1, 3.0),
)
def test_jacobian_is_block_triangular_in_range_and_null_space(memories, v, h, tau_h):
    """At any state, J maps flat directions to -flat/tau_h: the spectrum splits into the
    restricted eigenvalues and -1/tau_h once per dead neuron."""
    net = TwoLayerNetwork(lagrangians.tanh(1.0), lagrangians.relu(), memories, tau_h=tau_h)
    result = restricted_stability(net, v, h)
    assert result.flat_dimension == np.sum(h < 0)
    assert result.coupling < 1e-12
    np.testing.assert_allclose(result.flat_eigenvalues, -1 / tau_h)
    full = np.linalg.eigvals(np.asarray(jacobian(net, v, h)))
    split = np.concatenate([result.eigenvalues, result.flat_eigenvalues])
    np.testing.assert_allclose(np.sort_complex(full), np.sort_complex(split), atol=1e-9)


def test_flat_regions_of_the_example_are_found_and_classified(example):
    net, kinds = example
    expected = {"retrieval": ("basin", 2), "mixture": ("unstable", 1), "origin": ("kink", 3)}
    for kind, points in kinds.items():
        for x in points:
            region = classify_flat_region(net, x[:2], x[2:])
            assert (region.label, region.dimension) == expected[kind], kind
    with pytest.raises(ValueError, match="not a fixed point"):
        classify_flat_region(net, np.ones(2), np.ones(3))


def test_energy_and_activations_are_constant_on_the_flat_region(example):
    net, kinds = example
    x = kinds["retrieval"][0]
    v, h = sample_flat_region(net, x[:2], x[2:], 1, 50, scale=5.0)
    assert len(v) > 20
    np.testing.assert_array_equal(v, np.repeat(x[None, :2], len(v), axis=0))
    np.testing.assert_allclose(net.energy(v, h), net.energy(x[:2], x[2:]), atol=1e-12)
    assert np.ptp(h, axis=0).max() > 1.0  # the region reaches far from the fixed point


@pytest.mark.slow
def test_brute_force_agrees_with_the_classification(example):
    """Points of every flat region flow into the fixed point; perturbed ones stay there only
    when the fixed point is stable (label "basin")."""
    net, kinds = example
    retrieval = flat_region_convergence(net, *np.split(kinds["retrieval"][0], [2]), 2, n_samples=40)
    mixture = flat_region_convergence(net, *np.split(kinds["mixture"][0], [2]), 2, n_samples=40)
    assert retrieval.reached == retrieval.stayed == 1.0
    assert mixture.reached == 1.0 and mixture.stayed == 0.0


@given(shift=arrays(np.float64, 2, elements=st.floats(0.0, 10.0)), which=st.integers(0, 2))
def test_state_is_recovered_from_an_energy_stationary_point(example, shift, which):
    """Moving dead neurons deeper keeps grad E = 0; recovery returns exactly the fixed point."""
    net, kinds = example
    x = kinds["retrieval"][which]
    h = x[2:].copy()
    dead = np.flatnonzero(h < 0)
    h[dead] -= shift
    recovered = recover_state(net, x[:2], h)
    assert recovered.energy_gradient < 1e-12
    assert recovered.residual < 1e-12
    np.testing.assert_allclose(np.concatenate([recovered.v, recovered.h]), x, atol=1e-12)


def test_recovery_flags_states_that_are_not_energy_stationary(example):
    net, kinds = example
    x = kinds["retrieval"][0]
    recovered = recover_state(net, x[:2] + 0.3, x[2:])
    assert recovered.energy_gradient > 1e-3 and recovered.residual > 1e-3


gains = arrays(np.float64, 2, elements=st.floats(0.2, 3.0))
hidden = [
    lagrangians.relu(),
    lagrangians.rectified_polynomial(3),
    lagrangians.polynomial(3),  # not convex
    lagrangians.softmax(2.0),
]


def _modified(lagrangian, weights, gain, angle, current, tau_h):
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    gain = rotation @ np.diag(gain) @ rotation.T  # a full symmetric positive-definite gain
    return ModifiedNetwork(
        lagrangian, weights, feature_gain=gain, tau_f=1.0, tau_h=tau_h, input=current
    )


modified_inputs = {
    "weights": arrays(np.float64, (3, 2), elements=st.floats(-1.5, 1.5)),
    "gain": gains,
    "angle": st.floats(0, np.pi),
    "current": arrays(np.float64, 2, elements=st.floats(-1, 1)),
    "tau_h": st.floats(0.1, 2.0),
    "fraction": st.floats(0.01, 0.99),
}


@pytest.mark.parametrize("lagrangian", hidden, ids=lambda lag: lag.name)
@settings(max_examples=15)
@given(
    state=arrays(np.float64, 5, elements=st.floats(-2, 2)),
    **modified_inputs,
)
def test_lyapunov_derivative_is_negative_everywhere(
    lagrangian, state, weights, gain, angle, current, tau_h, fraction
):
    """dV_c/dt = grad V_c . F <= -kappa |F|^2 < 0 away from fixed points, for 0 < c < c_max,
    non-symmetric feedback S W^T and non-convex Lagrangians alike."""
    net = _modified(lagrangian, weights, gain, angle, current, tau_h)
    c = fraction * min(net.max_weight, 1e3)  # any c > 0 when W = 0
    v, h = jnp.asarray(state[:2]), jnp.asarray(state[2:])
    grad_v, grad_h = jax.grad(net.lyapunov, argnums=(0, 1))(v, h, c)
    dv, dh = net.field(v, h)
    derivative = float(grad_v @ dv + grad_h @ dh)
    speed = float(dv @ dv + dh @ dh)
    assert derivative <= 1e-12 * (1 + speed)
    if speed > 1e-12:
        assert derivative < 0


@pytest.mark.parametrize("lagrangian", hidden[:2], ids=lambda lag: lag.name)
@settings(max_examples=8)
@given(
    starts=arrays(np.float64, (4, 5), elements=st.floats(-2, 2)),
    **modified_inputs,
)
def test_lyapunov_functions_decrease_along_the_modified_dynamics(
    lagrangian, starts, weights, gain, angle, current, tau_h, fraction
):
    net = _modified(lagrangian, weights, gain, angle, current, tau_h)
    _, v, h = net.integrate(starts[:, :2], starts[:, 2:], t1=4.0, dt=0.005)
    c_max = min(net.max_weight, 1e3)
    for weight in (fraction * c_max, 0.999 * c_max):
        values = np.asarray(
            jax.vmap(jax.vmap(net.lyapunov, (0, 0, None)), (0, 0, None))(v, h, weight)
        )
        finite = values[:, : np.argmin(np.all(np.isfinite(values), axis=0)) or None]
        increase = np.diff(finite, axis=1) / (1 + np.abs(finite[:, :-1]))
        assert increase.max(initial=0.0) <= 1e-10


@given(state=arrays(np.float64, 5, elements=st.floats(-2, 2)), **modified_inputs)
def test_modified_and_original_dynamics_share_fixed_points(
    state, weights, gain, angle, current, tau_h, fraction
):
    """Both hidden equations are dh/dt = (W v - h)/tau_h, zero iff h = W v; there f(h) =
    f(W v), so the feature equations agree too: the fixed points coincide."""
    net = _modified(lagrangians.rectified_polynomial(3), weights, gain, angle, current, tau_h)
    v, h = jnp.asarray(state[:2]), jnp.asarray(state[2:])
    np.testing.assert_array_equal(net.field(v, h)[1], net.original_field(v, h)[1])
    on_slow_manifold = (v, jnp.asarray(weights) @ v)
    np.testing.assert_allclose(net.field(*on_slow_manifold)[1], 0, atol=1e-12)
    for modified, original in zip(
        net.field(*on_slow_manifold), net.original_field(*on_slow_manifold), strict=True
    ):
        np.testing.assert_allclose(modified, original, rtol=1e-12, atol=1e-12)


def test_lyapunov_function_is_not_flat_where_the_energy_is():
    """Along a dead hidden neuron the Krotov-Hopfield energy is constant, V_c is not."""
    weights = np.array([[1.0, 0.0], [-0.5, 0.8]])
    net = ModifiedNetwork(lagrangians.relu(), weights, tau_h=0.5)
    v = np.array([1.0, 0.2])
    hs = np.array([[1.0, -d] for d in np.linspace(0.1, 5.0, 20)])
    energy = [
        two_layer_energy(v, h, weights, lagrangians.quadratic(), lagrangians.relu()) for h in hs
    ]
    values = [net.lyapunov(v, h, 0.5 * net.max_weight) for h in hs]
    assert np.ptp(energy) < 1e-12
    assert np.ptp(values) > 1.0 and np.all(np.diff(values, 2) > 0)  # strictly convex along h


def test_modified_network_validation():
    with pytest.raises(ValueError, match="positive definite"):
        ModifiedNetwork(lagrangians.relu(), np.eye(2), feature_gain=[1.0, -1.0])
    with pytest.raises(ValueError, match="symmetric"):
        ModifiedNetwork(lagrangians.relu(), np.eye(2), feature_gain=[[1.0, 0.5], [0.0, 1.0]])
    net = ModifiedNetwork(lagrangians.relu(), 2 * np.eye(2), feature_gain=[1.0, 3.0], tau_h=0.5)
    np.testing.assert_allclose(net.feedback, [[2.0, 0.0], [0.0, 6.0]])
    assert net.max_weight == pytest.approx(4 / (0.5 * 3.0 * 4.0))


def test_a_key_in_place_of_random_state_still_works_with_a_warning(example):
    net, kinds = example
    x = kinds["retrieval"][0]
    key = jax.random.key(5)
    with pytest.warns(FutureWarning, match="random_state"):
        old = sample_flat_region(net, x[:2], x[2:], key, 10)
    with pytest.warns(FutureWarning, match="random_state"):
        flat_region_convergence(net, x[:2], x[2:], key, n_samples=4)
    with pytest.warns(FutureWarning, match="random_state"):
        again = sample_flat_region(net, x[:2], x[2:], key, 10)
    np.testing.assert_array_equal(old[1], again[1])


def test_the_brute_force_keeps_its_former_home():
    from ebm_memory.analysis import dead_neurons, flat_regions

    assert dead_neurons.flat_region_convergence is flat_regions.flat_region_convergence


def test_study_of_the_example_finds_every_fixed_point_and_checks_it():
    study = dead_neuron_study(n_samples=16, n_starts=32, n_networks=1)
    labels = sorted(row["label"] for row in study.fixed_points)
    assert labels == ["basin"] * 3 + ["kink"] + ["unstable"] * 3
    assert all(len(row["basin_fraction"]) == len(study.radii) for row in study.fixed_points)
    assert study.converged["distinct_end_states"] == study.converged["stable"] == 3
    assert study.modified["monotone_fraction"] == 1.0
    assert study.plane.energy.shape == (61, 61) and len(study.plane.dead) == 2
    assert set(study.traces.paths) == {0.05, 0.3, 0.9}
    assert study.ensemble["networks"] == 1 and study.ensemble["fixed_points"] > 0
