"""Brute force on the flat regions of dead neurons: sample them, and integrate from them.

A flat region through a fixed point ``x*`` is ``x* + Q_N z`` along the null space ``Q_N``
of the Hessian of the Lagrangians, where the activations do not move
(:mod:`ebm_memory.analysis.dead_neurons`). :func:`sample_flat_region` draws points of it and
:func:`flat_region_convergence` checks by integration that they flow into ``x*`` and, when
``x*`` is stable in the range, that perturbed points return too. :func:`recover_state` moves
a stationary point of the energy along its flat directions onto the fixed point.

Examples
--------
>>> from ebm_memory.analysis.flat_regions import flat_region_convergence
>>> from ebm_memory.analysis.dead_neuron_study import example_network
>>> from ebm_memory.analysis.relaxation import find_fixed_point
>>> net = example_network()
>>> v, h, _ = find_fixed_point(net, [0.0, 1.5], [2.0, -1.0, -1.0])  # a retrieval state
>>> result = flat_region_convergence(net, v, h, 0, n_samples=8)
>>> result.reached, result.stayed
(1.0, 1.0)
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._validation import check_integer
from ebm_memory.analysis._seeds import as_key
from ebm_memory.analysis.dead_neurons import _activations, _split, lagrangian_hessian
from ebm_memory.analysis.relaxation import relax
from ebm_memory.analysis.stability import field_function, joint_state
from ebm_memory.dynamics.network import TwoLayerNetwork

__all__ = [
    "FlatRegionConvergence",
    "Recovery",
    "flat_region_convergence",
    "recover_state",
    "sample_flat_region",
]


def _sample_flat_region(network, v, h, key, n_samples, *, scale=3.0, tol=1e-8):
    """:func:`sample_flat_region` with the candidates drawn from the JAX ``key``."""
    n_samples = check_integer("n_samples", n_samples, minimum=1)
    x = joint_state(network, v, h)
    basis = jnp.asarray(_split(lagrangian_hessian(network, v, h), tol)[1], x.dtype)
    z = scale * jax.random.normal(key, (4 * n_samples, basis.shape[1]), x.dtype)
    points = x + z @ basis.T
    moved = _activations(
        network.lagrangian_v, network.lagrangian_h, network.n_features, jnp.vstack([x, points])
    )
    moved = moved[1:] - moved[0]
    keep = np.asarray(jnp.max(jnp.abs(moved), axis=1, initial=0.0) <= 1e-9)
    points = np.asarray(points)[keep][:n_samples] if basis.shape[1] else np.empty((0, x.size))
    return points[:, : network.n_features], points[:, network.n_features :]


def sample_flat_region(network, v, h, random_state, n_samples: int, *, scale=3.0, tol=1e-8):
    """Up to ``n_samples`` points ``x* + Q_N z`` (z ~ N(0, scale^2)) with unchanged activations.

    Candidates whose activations move (e.g. a dead ReLU pushed above zero) are rejected; four
    times as many are drawn.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics.
    v : array-like of shape (n_features,)
        Feature state of the fixed point.
    h : array-like of shape (n_hidden,)
        Hidden state of the fixed point.
    random_state : int, RandomState instance or None
        Seeds the draw (a JAX key, its former type, is used as given with a
        ``FutureWarning``).
    n_samples : int
        Points wanted.
    scale : float, default=3.0
        Standard deviation of ``z``.
    tol : float, default=1e-8
        Relative size of a Hessian eigenvalue counted as zero.

    Returns
    -------
    v, h : ndarray of shape (n_points, n_features) and (n_points, n_hidden)
        The accepted points, ``n_points <= n_samples``; empty without flat directions.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.flat_regions import sample_flat_region
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> v, h = sample_flat_region(example_network(), [0.0, 2.195], [1.463, -0.732, -0.732], 0, 5)
    >>> v.shape, bool((h[:, 1:] <= 0).all())
    ((5, 2), True)
    """
    key = as_key(random_state, "sample_flat_region")
    return _sample_flat_region(network, v, h, key, n_samples, scale=scale, tol=tol)


class FlatRegionConvergence(NamedTuple):
    """Brute force on the flat region of a fixed point.

    Parameters
    ----------
    n : int
        Points of the region sampled.
    reached : float
        Fraction of them that relaxed to the fixed point (nan without a flat region).
    stayed : float
        Fraction of the perturbed points that ended at the fixed point (nan without one).

    Examples
    --------
    >>> from ebm_memory.analysis.flat_regions import FlatRegionConvergence
    >>> FlatRegionConvergence(10, 1.0, 1.0).reached
    1.0
    """

    n: int
    reached: float
    stayed: float


def _flat_region_convergence(
    network, v, h, key, *, n_samples=200, scale=3.0, perturbation=0.05, t1=60.0, dt=0.05
):
    """:func:`flat_region_convergence` with the draws from the JAX ``key``."""
    key_region, key_noise = jax.random.split(key)
    v_region, h_region = _sample_flat_region(network, v, h, key_region, n_samples, scale=scale)
    x_star, points = np.asarray(joint_state(network, v, h)), np.hstack([v_region, h_region])
    if not len(points):
        return FlatRegionConvergence(0, float("nan"), float("nan"))
    noise = np.array(jax.random.normal(key_noise, points.shape, x_star.dtype))
    noise *= perturbation / np.linalg.norm(noise, axis=1, keepdims=True)
    out = {}
    n_f = network.n_features
    moved = np.abs(points - x_star).max(axis=0)
    t_relax = 25 * max(
        network.tau_f if moved[:n_f].max() > 0 else 0.0,
        network.tau_h if moved[n_f:].max() > 0 else 0.0,
    )
    for name, starts, t in (("reached", points, t_relax), ("stayed", points + noise, t1)):
        padded = np.vstack([starts, np.repeat(x_star[None], n_samples - len(starts), axis=0)])
        ends = np.hstack(relax(network, padded[:, :n_f], padded[:, n_f:], t1=t, dt=dt))
        out[name] = float(np.mean(np.linalg.norm(ends - x_star, axis=1)[: len(starts)] < 1e-3))
    return FlatRegionConvergence(len(points), **out)


def flat_region_convergence(
    network,
    v,
    h,
    random_state=None,
    *,
    n_samples=200,
    scale=3.0,
    perturbation=0.05,
    t1=60.0,
    dt=0.05,
):
    """Brute force on the flat region of the fixed point ``x* = (v, h)``.

    Points of the region (:func:`sample_flat_region`) are integrated for 25 time constants
    of the layers with flat directions, long enough for those coordinates to relax
    (``reached``: the fraction then within ``1e-3`` of ``x*``, expected 1 for every fixed
    point: the region flows into ``x*``). The same points moved by ``perturbation`` in a
    random direction of the full space are integrated to ``t1`` (``stayed``: the fraction
    ending within ``1e-3`` of ``x*``, 1 when the region lies in the basin).

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics.
    v : array-like of shape (n_features,)
        Feature state of the fixed point.
    h : array-like of shape (n_hidden,)
        Hidden state of the fixed point.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws (a JAX key, its former type, is used as given with a
        ``FutureWarning``).
    n_samples : int, default=200
        Points of the region sampled.
    scale : float, default=3.0
        Spread of the samples along the flat directions.
    perturbation : float, default=0.05
        Norm of the perturbation of the ``stayed`` starts.
    t1 : float, default=60.0
        Integration time of the perturbed points.
    dt : float, default=0.05
        Time step.

    Returns
    -------
    result : FlatRegionConvergence
        ``n``, ``reached`` and ``stayed``.

    Examples
    --------
    >>> from ebm_memory.analysis.flat_regions import flat_region_convergence
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> from ebm_memory.analysis.relaxation import find_fixed_point
    >>> net = example_network()
    >>> v, h, _ = find_fixed_point(net, [0.0, 1.5], [2.0, -1.0, -1.0])  # a retrieval state
    >>> flat_region_convergence(net, v, h, 0, n_samples=4).reached
    1.0
    """
    key = as_key(random_state, "flat_region_convergence")
    settings = {"n_samples": n_samples, "scale": scale, "perturbation": perturbation}
    return _flat_region_convergence(network, v, h, key, t1=t1, dt=dt, **settings)


class Recovery(NamedTuple):
    """A state moved along its flat directions onto the fixed-point equation.

    Parameters
    ----------
    v : ndarray of shape (n_features,)
        The recovered feature state.
    h : ndarray of shape (n_hidden,)
        The recovered hidden state.
    energy_gradient : float
        ``|grad E|`` at the given state (~0 at a stationary point of the energy).
    residual : float
        ``|dx/dt|`` at the recovered state, ~0 iff a fixed point touches this flat region.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.flat_regions import Recovery
    >>> Recovery(np.zeros(2), np.zeros(3), 0.0, 0.0).residual
    0.0
    """

    v: np.ndarray
    h: np.ndarray
    energy_gradient: float
    residual: float


def recover_state(network: TwoLayerNetwork, v, h, input=None, *, tol: float = 1e-8) -> Recovery:
    """The fixed point touching the flat region of an energy-stationary state ``(v, h)``.

    ``grad E = -H r`` with ``r = T dx/dt``: at a stationary point of the energy ``r`` lies in
    the null space of ``H``, the flat directions, so ``x* = x + P_null r`` changes only
    coordinates the energy cannot see and solves ``x* = W g(x*) + I`` whenever the
    activations stay put (checked by ``residual``).

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics, with ``tau_h > 0``.
    v : array-like of shape (n_features,)
        The feature state.
    h : array-like of shape (n_hidden,)
        The hidden state.
    input : array-like of shape (n_features,), default=None
        The external current ``I``.
    tol : float, default=1e-8
        Hessian eigenvalues below ``tol`` times the largest count as zero.

    Returns
    -------
    recovery : Recovery
        The recovered state, the energy gradient at the given one and the residual.

    See Also
    --------
    ebm_memory.analysis.classify_flat_region : Finds and labels the flat region.
    ebm_memory.analysis.find_fixed_point : Newton's method to a fixed point.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> from ebm_memory.analysis.flat_regions import recover_state
    >>> net = example_network()
    >>> v, h = np.array([0.0, 2.195]), np.array([1.463, -0.732, -0.732])  # a retrieval state
    >>> recovered = recover_state(net, v, h + np.array([0.0, -1.0, -0.5]), tol=1e-6)
    >>> recovered.h.round(3).tolist()
    [1.463, -0.732, -0.732]
    """
    x = joint_state(network, v, h)
    field = field_function(network, input, x.dtype)
    scale = jnp.concatenate(
        [jnp.full(network.n_features, network.tau_f), jnp.full(network.n_hidden, network.tau_h)]
    )
    r = np.asarray(scale * field(x))
    hessian = lagrangian_hessian(network, v, h)
    null_basis = _split(hessian, tol)[1]
    recovered = np.asarray(x) + null_basis @ (null_basis.T @ r)
    residual = float(jnp.linalg.norm(field(jnp.asarray(recovered, x.dtype))))
    n_f = network.n_features
    return Recovery(recovered[:n_f], recovered[n_f:], float(np.linalg.norm(hessian @ r)), residual)
