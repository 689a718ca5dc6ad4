"""Lagrangians built by users under one name never share compiled dynamics."""

import jax.numpy as jnp
import numpy as np

from ebm_memory import TwoLayerNetwork, lagrangians
from ebm_memory.lagrangians import Lagrangian

MEMORIES = jnp.array([[1.0, -0.5, 0.3], [0.2, 0.8, -1.0], [-0.7, 0.1, 0.4]])
V0 = jnp.array([0.4, -0.3, 0.9])


def _half_square(h):
    return 0.5 * jnp.sum(h**2)


def _log_sum_exp(h):
    return jnp.log(jnp.sum(jnp.exp(h)))


def _trajectory(lagrangian_h):
    network = TwoLayerNetwork(lagrangians.quadratic(), lagrangian_h, MEMORIES, tau_h=0.2)
    return network, network.integrate(V0, t1=2.0, dt=0.1)


def test_same_name_different_functions_give_their_own_trajectories():
    quadratic_net, quadratic_run = _trajectory(Lagrangian("custom", (), True, _half_square))
    softmax_net, softmax_run = _trajectory(Lagrangian("custom", (), True, _log_sum_exp))
    assert not np.allclose(quadratic_run.energy, softmax_run.energy)
    for network, run, reference in (
        (quadratic_net, quadratic_run, lagrangians.quadratic()),
        (softmax_net, softmax_run, lagrangians.softmax(1.0)),
    ):
        _, expected = _trajectory(reference)
        np.testing.assert_allclose(run.v, expected.v, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(run.energy, expected.energy, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(run.energy, network.energy(run.v, run.h), rtol=1e-10)


def test_networks_that_differ_only_in_gain_agree_with_their_own_energy():
    for beta in (0.5, 2.0, 8.0):
        network, run = _trajectory(lagrangians.softmax(beta))
        np.testing.assert_allclose(run.energy, network.energy(run.v, run.h), rtol=1e-10)
