import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ebm_memory import TwoLayerNetwork, lagrangians
from ebm_memory.energies import binary_energy, interactions, softmax_energy
from tests.cases import CONVEX_LAGRANGIANS

N_F, N_H, STEPS = 5, 4, 40
values = st.floats(-1.5, 1.5)


@pytest.mark.parametrize(
    ("lag_v", "lag_h"),
    list(itertools.product(CONVEX_LAGRANGIANS, CONVEX_LAGRANGIANS)),
    ids=lambda lag: lag.name,
)
@settings(max_examples=4)
@given(
    memories=arrays(np.float64, (N_H, N_F), elements=values),
    v0=arrays(np.float64, N_F, elements=st.floats(-2, 2)),
    current=arrays(np.float64, N_F, elements=values),
    tau_f=st.floats(0.2, 2.0),
    tau_h=st.floats(0.0, 2.0),
    dt_fraction=st.floats(0.05, 1.0),
)
def test_energy_never_increases_along_trajectories(
    lag_v, lag_h, memories, v0, current, tau_f, tau_h, dt_fraction
):
    """Exact descent of the semi-implicit scheme; slack is float64 rounding of E only.

    Energies unbounded below (e.g. a quartic hidden Lagrangian with quadratic features) run
    off to -inf; descent is checked until the state leaves the float range.
    """
    net = TwoLayerNetwork(lag_v, lag_h, memories, tau_f=tau_f, tau_h=tau_h)
    dt = dt_fraction * tau_f
    with np.errstate(all="ignore"):
        path = net.integrate(v0, t1=STEPS * dt, dt=dt, input=current)
    energy = np.asarray(path.energy)
    finite = np.isfinite(energy) & np.all(np.isfinite(path.v), axis=-1)
    energy = energy[: len(energy) if finite.all() else int(np.argmin(finite))]
    assert len(energy) >= 1
    slack = 1e-10 * (1.0 + np.abs(energy[:-1]))
    assert np.all(np.diff(energy) <= slack), np.diff(energy).max()


def test_instant_hidden_layer_with_unit_step_is_the_attention_update():
    rng = np.random.default_rng(0)
    memories = rng.normal(size=(6, 5))
    beta = 1.5
    net = TwoLayerNetwork(
        lagrangians.quadratic(), lagrangians.softmax(beta), memories, tau_f=1.0, tau_h=0.0
    )
    path = net.integrate(rng.normal(size=5), t1=5.0, dt=1.0)
    for before, after in zip(path.v[:-1], path.v[1:], strict=False):
        scores = beta * memories @ before
        expected = jax.nn.softmax(scores) @ memories
        np.testing.assert_allclose(after, expected, rtol=1e-12)


def _euler(gradient, v0, dt, n_steps, tau_f):
    v, out = jnp.asarray(v0), [jnp.asarray(v0)]
    for _ in range(n_steps):
        v = v - dt / tau_f * gradient(v)
        out.append(v)
    return jnp.stack(out)


@pytest.mark.parametrize("tau_h", [0.0, 1e-3])
def test_fast_hidden_layer_reproduces_model_b_dynamics(tau_h):
    """tau_h -> 0: feature dynamics become tau_f dv/dt = -grad E_B(v)."""
    rng = np.random.default_rng(1)
    memories, v0, beta, dt = rng.normal(size=(6, 5)), rng.normal(size=5), 2.0, 1e-2
    net = TwoLayerNetwork(
        lagrangians.quadratic(), lagrangians.softmax(beta), memories, tau_f=0.5, tau_h=tau_h
    )
    path = net.integrate(v0, t1=2.0, dt=dt)
    gradient = jax.jit(jax.grad(lambda v: softmax_energy(v, memories, beta)))
    effective = _euler(gradient, v0, dt, 200, 0.5)
    bound = 1e-12 if tau_h == 0 else 5 * tau_h
    assert float(jnp.max(jnp.abs(path.v - effective))) <= bound


def test_fast_hidden_layer_reproduces_model_a_dynamics():
    """Binary features: tau_f dv/dt = -dE_A/ds (s = sign v) - v + I."""
    rng = np.random.default_rng(2)
    memories, v0, current, dt = rng.normal(size=(6, 5)), rng.normal(size=5), rng.normal(size=5), 0.1
    net = TwoLayerNetwork(
        lagrangians.absolute(), lagrangians.polynomial(4), memories, tau_f=1.0, tau_h=0.0
    )
    path = net.integrate(v0, t1=3.0, dt=dt, input=current)
    force = jax.grad(lambda s: binary_energy(s, memories, interactions.polynomial(4)) / 4)
    effective = _euler(lambda v: force(jnp.sign(v)) - current + v, v0, dt, 30, 1.0)
    np.testing.assert_allclose(path.v, effective, rtol=1e-10, atol=1e-12)


def test_batch_integration_matches_single_runs():
    rng = np.random.default_rng(3)
    net = TwoLayerNetwork(lagrangians.tanh(), lagrangians.softmax(), rng.normal(size=(4, 5)))
    starts = rng.normal(size=(3, 5))
    batch = net.integrate(starts, t1=1.0, dt=0.1)
    assert batch.v.shape == (3, 11, 5) and batch.h.shape == (3, 11, 4)
    assert batch.energy.shape == (3, 11) and batch.times.shape == (11,)
    single = net.integrate(starts[1], t1=1.0, dt=0.1)
    np.testing.assert_allclose(batch.v[1], single.v, rtol=1e-12)


def test_float32_stays_float32():
    net = TwoLayerNetwork(
        lagrangians.quadratic(), lagrangians.softmax(), np.ones((3, 2), np.float32)
    )
    path = net.integrate(np.ones(2, np.float32), t1=1.0, dt=0.5)
    assert path.v.dtype == jnp.float32 and path.energy.dtype == jnp.float32


def test_bad_input_is_rejected_with_clear_messages():
    memories = np.ones((3, 2))
    net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(), memories)
    with pytest.raises(ValueError, match="dt must be"):
        net.integrate(np.ones(2), t1=1.0, dt=0.0)
    with pytest.raises(ValueError, match="dt must be"):
        net.integrate(np.ones(2), t1=1.0, dt=-0.1)
    with pytest.raises(ValueError, match="tau_f"):
        net.integrate(np.ones(2), t1=1.0, dt=2.0)
    with pytest.raises(ValueError, match="features"):
        net.integrate(np.ones(3), t1=1.0, dt=0.1)
    with pytest.raises(ValueError, match="NaN"):
        net.integrate(np.array([np.nan, 1.0]), t1=1.0, dt=0.1)
    with pytest.raises(ValueError, match="NaN"):
        TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(), [[np.inf, 0.0]])
    with pytest.raises(TypeError, match="Lagrangian"):
        TwoLayerNetwork("quadratic", lagrangians.softmax(), memories)
    with pytest.raises(TypeError, match="Lagrangian"):
        TwoLayerNetwork(lagrangians.quadratic(), jnp.tanh, memories)
    with pytest.raises(ValueError, match="tau_h"):
        TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(), memories, tau_h=-1.0)
    with pytest.raises(ValueError, match="h0"):
        net.integrate(np.ones(2), np.ones(2), t1=1.0, dt=0.1)
