"""Checks of :func:`~ebm_memory.analysis.dead_neuron_study.dead_neuron_study` that need
their own compiled loops: state recovery after energy descent, the altered dynamics'
Lyapunov functions, and the energy on the plane of two dead neurons."""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory import lagrangians
from ebm_memory.analysis.flat_regions import recover_state
from ebm_memory.analysis.modified_network import ModifiedNetwork, _lyapunov, _modified_field
from ebm_memory.energies.two_layer import two_layer_energy

__all__ = ["EnergyPlane", "LyapunovTraces"]

PLANE = np.linspace(-3.0, 2.0, 61)  # values of the two dead neurons on the plane
PLANE_STARTS = np.array(
    [[-2.8, -1.0], [-1.0, -2.8], [-2.5, -2.5], [1.5, -2.0], [1.8, 1.5], [-2.0, 1.5]]
)
WEIGHT_FRACTIONS = (0.05, 0.3, 0.9)  # c / c_max of the Lyapunov functions checked


_paths = jax.jit(
    jax.vmap(jax.vmap(_lyapunov, (None,) * 4 + (0, 0, None)), (None,) * 4 + (0, 0, None)),
    static_argnums=0,
)
_slice = jax.jit(jax.vmap(_lyapunov, (None,) * 4 + (None, 0, None)), static_argnums=0)


def _lyapunov_paths(network: ModifiedNetwork, v, h, weight) -> np.ndarray:
    """``V_c`` (P, T) along trajectories ``v`` (P, T, N_f), ``h`` (P, T, N_h)."""
    return np.asarray(_paths(network.lagrangian_h, *network._settings()[:3], v, h, weight))


def _lyapunov_slice(network: ModifiedNetwork, v, h, weight) -> np.ndarray:
    """``V_c`` (B,) at one feature state ``v`` (N_f,) and hidden states ``h`` (B, N_h)."""
    return np.asarray(_slice(network.lagrangian_h, *network._settings()[:3], v, h, weight))


@functools.partial(jax.jit, static_argnames=("lagrangian_h", "n_iter"))
def _newton(lagrangian_h, weights, gain, current, tau_f, tau_h, x, n_iter):
    field = functools.partial(_modified_field, lagrangian_h, weights, gain, current, tau_f, tau_h)

    def step(_, x):
        return x - jnp.linalg.solve(jax.jacfwd(field)(x), field(x))

    return jax.lax.fori_loop(0, n_iter, step, x)


def _polish_fixed_point(network: ModifiedNetwork, v, h, n_iter: int = 20):
    """Newton's method on the altered field from one nearly converged state ``(v, h)``."""
    x = _newton(network.lagrangian_h, *network._settings(), jnp.concatenate([v, h]), n_iter)
    n_f = network.feedforward.shape[1]
    return x[:n_f], x[n_f:]


@functools.partial(jax.jit, static_argnums=(0, 1))
def _energies(lagrangian_v, lagrangian_h, memories, current, v, h):
    """Energies of a batch of states (B, N_f), (B, N_h) with the current ``I``."""

    def one(v, h):
        return two_layer_energy(v, h, memories, lagrangian_v, lagrangian_h, current)

    return jax.vmap(one)(v, h)


@functools.partial(jax.jit, static_argnames=("lagrangian_v", "lagrangian_h", "n_steps"))
def _energy_descent(lagrangian_v, lagrangian_h, memories, x0, rate, n_steps):
    """Gradient descent on the energy itself; returns final states and gradient norms."""
    n_f = memories.shape[1]

    def energy(x):
        return two_layer_energy(x[:n_f], x[n_f:], memories, lagrangian_v, lagrangian_h)

    def one(x):
        x = jax.lax.fori_loop(0, n_steps, lambda _, x: x - rate * jax.grad(energy)(x), x)
        return x, jnp.linalg.norm(jax.grad(energy)(x))

    return jax.vmap(one)(x0)


def _recovery(network, key, n_starts, fixed) -> dict:
    """Energy descent from random starts, then
    :func:`~ebm_memory.analysis.flat_regions.recover_state` on its end points."""
    x0 = 1.5 * jax.random.normal(key, (n_starts, fixed.shape[1]))
    lag_v, lag_h = network.lagrangian_v, network.lagrangian_h
    ends, gradient = _energy_descent(lag_v, lag_h, network.memories, x0, 0.2, 10_000)
    ends, before, after, residuals, norms = np.asarray(ends[gradient < 1e-9]), [], [], [], []
    n_f = network.n_features
    for x in ends:
        recovered = recover_state(network, x[:n_f], x[n_f:])
        x_new = np.concatenate([recovered.v, recovered.h])
        nearest = fixed[np.argmin(np.linalg.norm(fixed - x_new, axis=1))]
        residuals.append(recovered.residual)
        norms.append(float(np.linalg.norm(x_new)))
        before.append(float(np.linalg.norm(x - nearest)))
        after.append(float(np.linalg.norm(x_new - nearest)))
    return {
        "starts": n_starts,
        "stationary": len(ends),
        "recovered": int(np.sum(np.asarray(residuals) < 1e-9)),
        "at_origin": int(np.sum(np.isclose(norms, 0, atol=1e-9))),
        "distance_before": before,
        "distance_after": after,
    }


class EnergyPlane(NamedTuple):
    """The energy on the plane of two dead neurons at a fixed point, with trajectories.

    Parameters
    ----------
    grid : ndarray of shape (n_grid,)
        Values of each dead neuron on the plane.
    energy : ndarray of shape (n_grid, n_grid)
        The energy, rows along the second dead neuron.
    paths : ndarray of shape (n_paths, n_times, 2)
        Trajectories from points of the plane, projected on it.
    fixed_point : ndarray of shape (2,)
        The fixed point on the plane.
    dead : tuple of int
        The two dead neurons.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neuron_study import EnergyPlane
    >>> EnergyPlane(np.zeros(2), np.zeros((2, 2)), np.zeros((1, 3, 2)), np.zeros(2), (0, 1)).dead
    (0, 1)
    """

    grid: np.ndarray
    energy: np.ndarray
    paths: np.ndarray
    fixed_point: np.ndarray
    dead: tuple


def _energy_plane(network, v, h) -> EnergyPlane:
    """The energy on the plane of the two dead neurons of the fixed point ``(v, h)`` and the
    trajectories from six points of it."""
    dead = tuple(i for i in range(len(h)) if h[i] <= 0)
    a, b = np.meshgrid(PLANE, PLANE)
    planes = np.repeat(h[None], a.size, axis=0)
    planes[:, dead[0]], planes[:, dead[1]] = a.ravel(), b.ravel()
    v_batch = np.repeat(v[None], a.size, axis=0)
    energy = _energies(
        network.lagrangian_v, network.lagrangian_h, network.memories, None, v_batch, planes
    )
    h0 = np.repeat(h[None], len(PLANE_STARTS), axis=0)
    h0[:, dead[0]], h0[:, dead[1]] = PLANE_STARTS[:, 0], PLANE_STARTS[:, 1]
    v0 = np.repeat(v[None], len(PLANE_STARTS), axis=0)
    path = np.asarray(network.integrate(v0, h0, t1=15.0, dt=0.05).h)
    fixed_point = np.array([h[dead[0]], h[dead[1]]])
    return EnergyPlane(
        PLANE, np.asarray(energy).reshape(a.shape), path[..., dead], fixed_point, dead
    )


class LyapunovTraces(NamedTuple):
    """The altered dynamics' Lyapunov functions ``V_c`` in time and along a dead neuron.

    Parameters
    ----------
    times : ndarray of shape (n_times,)
        Times of the trajectories.
    paths : dict of float to ndarray of shape (n_paths, n_times)
        ``c / c_max`` -> ``V_c`` along each trajectory.
    at_fixed_point : dict of float to float
        ``c / c_max`` -> ``V_c`` at the fixed point the trajectories reach.
    shifts : ndarray of shape (n_shifts,)
        Values of the dead neuron along the slice.
    energy : ndarray of shape (n_shifts,)
        The original energy along the slice.
    slices : dict of float to ndarray of shape (n_shifts,)
        ``c / c_max`` -> ``V_c`` along the slice.
    dead : int
        The dead neuron of the slice.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neuron_study import LyapunovTraces
    >>> LyapunovTraces(np.zeros(2), {}, {}, np.zeros(3), np.zeros(3), {}, 1).dead
    1
    """

    times: np.ndarray
    paths: dict
    at_fixed_point: dict
    shifts: np.ndarray
    energy: np.ndarray
    slices: dict
    dead: int


def _flat_slice(weights, settings, v, h):
    """Energy and ``V_c`` along the deadest hidden neuron of the symmetric network's fixed
    point reached from ``(v, h)``."""
    symmetric = ModifiedNetwork(lagrangians.relu(), weights, **settings)
    _, v_sym, h_sym = symmetric.integrate(v[None], h[None], t1=40.0, dt=0.01)
    v_star, h_star = v_sym[0, -1], h_sym[0, -1]
    dead = int(np.argmin(h_star))
    shifts = np.linspace(-3.0, 1.0, 81)
    slice_h = h_star + np.outer(shifts - h_star[dead], np.eye(3)[dead])
    energy = _energies(
        lagrangians.quadratic(),
        lagrangians.relu(),
        weights,
        settings["input"],
        np.repeat(v_star[None], len(shifts), axis=0),
        slice_h,
    )
    slices = {
        f: _lyapunov_slice(symmetric, v_star, slice_h, f * symmetric.max_weight)
        for f in WEIGHT_FRACTIONS
    }
    return shifts, np.asarray(energy), slices, dead


def _modified_dynamics(n_starts, key) -> tuple[dict, LyapunovTraces]:
    """The altered dynamics on a small ReLU network, symmetric and not: the checks, and the
    traces of the figure."""
    angles = np.deg2rad([90.0, 210.0, 330.0])
    weights = 0.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    settings = {"tau_f": 1.0, "tau_h": 0.5, "input": np.array([0.3, 0.5])}
    skew = ModifiedNetwork(lagrangians.relu(), weights, feature_gain=[1.5, 0.6], **settings)
    starts = 2.0 * np.asarray(jax.random.normal(key, (n_starts, 5)))
    times, v, h = skew.integrate(starts[:, :2], starts[:, 2:], t1=20.0, dt=0.01)
    paths = {f: _lyapunov_paths(skew, v, h, f * skew.max_weight) for f in WEIGHT_FRACTIONS}
    increases = np.stack([np.diff(p, axis=1) / (1 + np.abs(p[:, :-1])) for p in paths.values()])
    v_fixed, h_fixed = _polish_fixed_point(skew, v[0, -1], h[0, -1])
    original = jnp.concatenate(skew.original_field(v_fixed, h_fixed))
    shifts, energy, slices, dead = _flat_slice(weights, settings, v[0, -1], h[0, -1])
    flat = shifts <= 0
    checks = {
        "max_weight": skew.max_weight,
        "weight_fractions": list(WEIGHT_FRACTIONS),
        "trajectories": n_starts,
        "monotone_fraction": float(np.mean(np.all(increases <= 1e-12, axis=2))),
        "max_relative_increase": float(increases.max()),
        "fixed_point_residual_original": float(np.abs(original).max()),
        "energy_range_on_flat": float(np.ptp(energy[flat])),
        "lyapunov_range_on_flat": {str(f): float(np.ptp(s[flat])) for f, s in slices.items()},
    }
    at_fixed_point = {
        f: float(skew.lyapunov(v_fixed, h_fixed, f * skew.max_weight)) for f in WEIGHT_FRACTIONS
    }
    return checks, LyapunovTraces(times, paths, at_fixed_point, shifts, energy, slices, dead)
