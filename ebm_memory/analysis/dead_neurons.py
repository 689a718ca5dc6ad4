"""Dead neurons and flat energy regions (Fanaskov & Oseledets, "Associative memory and dead
neurons", ICLR 2025).

With convex Lagrangians the two-layer energy depends on the state ``x = (v, h)`` only through
the activations (the Legendre term ``x . g - L`` is the convex conjugate ``L*(g)``). Where the
Hessian ``H`` of the Lagrangians is singular (ReLU-like neurons with ``h_mu <= 0``, the
direction ``(1, ..., 1)`` of a softmax) the activations do not move, so the energy is constant
on the whole set ``{x : g(x) = g(x*)}``: a flat, non-compact region where the energy alone can
neither locate the state nor decide stability. The dynamics resolve it; with ``r = W g + I - x``
the unscaled field (``W`` the block coupling, ``T`` the time constants, ``dx/dt = T^-1 r``):

- (i) ``grad E = -H r``: a stationary point of the energy fixes the range part of ``r``, the
  fixed-point equation fixes the rest, ``x* = x + P_null r``
  (:func:`~ebm_memory.analysis.flat_regions.recover_state`).
- (ii) ``J = T^-1 (W H - 1)`` sends every null direction ``n`` of ``H`` to ``-T^-1 n``, again
  in the null space, so ``J`` is block triangular in a (range, null) basis: its eigenvalues are
  those of ``Q_R^T J Q_R`` and ``-1 / tau`` on the null space. Stability is decided in the
  range (:func:`restricted_stability`).
- (iii) From any point of the flat region the activations keep their fixed-point values and
  the state relaxes straight to ``x*``. If ``x*`` is stable in the range, a neighbourhood of
  the whole region lies in its basin (:func:`classify_flat_region`); if not, the region is
  only part of the stable set of a saddle.

:class:`~ebm_memory.analysis.stability.ModifiedNetwork` alters the dynamics without moving
the fixed points and carries a family of Lyapunov functions without flat regions, for
non-symmetric weights and Lagrangians that need not be convex.
:func:`~ebm_memory.analysis.dead_neuron_study.dead_neuron_study` runs all of it on a worked
example.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.dead_neurons import flat_directions
>>> from ebm_memory import lagrangians
>>> basis = flat_directions(lagrangians.relu(), np.array([1.0, -2.0, 0.5]))
>>> np.abs(basis).round(3).tolist()  # one dead neuron, the second
[[0.0], [1.0], [0.0]]
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ebm_memory._validation import as_float_array
from ebm_memory.analysis.stability import (
    field_function,
    jacobian,
    joint_state,
)
from ebm_memory.dynamics.network import TwoLayerNetwork

__all__ = [
    "FlatRegion",
    "RestrictedStability",
    "classify_flat_region",
    "flat_directions",
    "lagrangian_hessian",
    "restricted_stability",
]


def _split(hessian, tol):
    """Orthonormal bases (range, null) of a symmetric matrix; null: |eigenvalue| <= tol scale."""
    values, vectors = np.linalg.eigh(np.asarray(hessian, dtype=np.float64))
    null = np.abs(values) <= tol * max(1.0, float(np.abs(values).max(initial=0.0)))
    return vectors[:, ~null], vectors[:, null]


@functools.partial(jax.jit, static_argnums=0)
def _hessian(lagrangian, x):
    return jax.hessian(lagrangian)(x)


def flat_directions(lagrangian, x: Float[Array, " n"], *, tol: float = 1e-8) -> np.ndarray:
    """Orthonormal basis of the null space of ``Hess L(x)``: the dead directions.

    Parameters
    ----------
    lagrangian : Lagrangian
        A Lagrangian of one layer.
    x : array-like of shape (n,)
        The state of the layer.
    tol : float, default=1e-8
        Hessian eigenvalues below ``tol`` times the largest count as zero.

    Returns
    -------
    basis : ndarray of shape (n, k)
        Orthonormal columns spanning the ``k`` flat directions.

    See Also
    --------
    ebm_memory.analysis.classify_flat_region : The flat region these directions span.
    ebm_memory.lagrangians.relu : A Lagrangian with dead neurons.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory import lagrangians
    >>> from ebm_memory.analysis import flat_directions
    >>> flat_directions(lagrangians.relu(), np.array([1.0, -2.0])).shape
    (2, 1)
    """
    x = as_float_array("x", x, ndim=(1,))
    return _split(_hessian(lagrangian, x), tol)[1]


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _total_hessian(lagrangian_v, lagrangian_h, n_f, x):
    """Hessian (N, N) of ``L_v(v) + L_h(h)`` at one state."""
    return jax.hessian(lambda x: lagrangian_v(x[:n_f]) + lagrangian_h(x[n_f:]))(x)


def _network_hessian(network: TwoLayerNetwork, x):
    return _total_hessian(network.lagrangian_v, network.lagrangian_h, network.n_features, x)


@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _activations(lagrangian_v, lagrangian_h, n_f, points):
    """Activations of a batch of states (B, N)."""
    return jax.vmap(
        lambda x: jnp.concatenate(
            [lagrangian_v.activation(x[:n_f]), lagrangian_h.activation(x[n_f:])]
        )
    )(points)


def lagrangian_hessian(network: TwoLayerNetwork, v, h) -> np.ndarray:
    """Block-diagonal Hessian of ``L_v(v) + L_h(h)`` at the state ``(v, h)``.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics.
    v : array-like of shape (n_features,)
        The feature state.
    h : array-like of shape (n_hidden,)
        The hidden state.

    Returns
    -------
    hessian : ndarray of shape (n_features + n_hidden, n_features + n_hidden)
        Zero rows and columns along dead neurons.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> from ebm_memory.analysis.dead_neurons import lagrangian_hessian
    >>> np.diag(lagrangian_hessian(example_network(), np.zeros(2), [1.0, -1.0, -1.0])).tolist()
    [1.0, 1.0, 1.0, 0.0, 0.0]
    """
    return np.asarray(_network_hessian(network, joint_state(network, v, h)))


def _smooth(network: TwoLayerNetwork, x) -> bool:
    """False when a Lagrangian's Hessian jumps at ``x`` (a neuron exactly at a ReLU kink)."""
    step = float(jnp.finfo(x.dtype).eps) ** 0.5 * (1.0 + float(jnp.max(jnp.abs(x))))
    hessian = _network_hessian(network, x)
    jump = _network_hessian(network, x + step) - _network_hessian(network, x - step)
    return bool(jnp.max(jnp.abs(jump)) <= 1e-2 * (1.0 + jnp.max(jnp.abs(hessian))))


class RestrictedStability(NamedTuple):
    """Stability decided in the range of the Hessian of the Lagrangians.

    Parameters
    ----------
    eigenvalues : ndarray of shape (n_range,)
        Of the Jacobian restricted to the range (``Q_R^T J Q_R``).
    flat_eigenvalues : ndarray of shape (n_flat,)
        On the null space (``-1 / tau`` of the layer).
    max_real : float
        The largest real part of ``eigenvalues``.
    stable : bool
        Smooth, and every restricted eigenvalue has a negative real part.
    flat_dimension : int
        ``n_flat``, the dimension of the null space.
    coupling : float
        ``|Q_R^T J Q_N|``, zero when the null space is invariant (the block-triangular form).
    smooth : bool
        No neuron sits on a kink of its activation, so the linearisation is valid.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neurons import RestrictedStability
    >>> RestrictedStability(np.array([-1.0]), np.array([]), -1.0, True, 0, 0.0, True).stable
    True
    """

    eigenvalues: np.ndarray
    flat_eigenvalues: np.ndarray
    max_real: float
    stable: bool
    flat_dimension: int
    coupling: float
    smooth: bool


def restricted_stability(network: TwoLayerNetwork, v, h, input=None, *, tol: float = 1e-8):
    """Eigenvalues of the Jacobian at ``(v, h)`` in the range and null space of the Hessian.

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
    stability : RestrictedStability
        The restricted spectra, the coupling between the blocks and the verdict.

    See Also
    --------
    ebm_memory.analysis.fixed_point_stability : The unrestricted eigenvalues.
    ebm_memory.analysis.flat_directions : The null space the Jacobian is restricted to.
    ebm_memory.analysis.ModifiedNetwork : Dynamics whose fixed points have no flat directions.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> from ebm_memory.analysis.dead_neurons import restricted_stability
    >>> net = example_network()
    >>> v, h = np.array([0.0, 2.195]), np.array([1.463, -0.732, -0.732])  # a retrieval state
    >>> result = restricted_stability(net, v, h, tol=1e-6)
    >>> result.flat_dimension, result.stable
    (2, True)
    """
    x = joint_state(network, v, h)
    range_basis, null_basis = _split(lagrangian_hessian(network, v, h), tol)
    matrix = np.asarray(jacobian(network, v, h, input), dtype=np.float64)
    eigenvalues = np.linalg.eigvals(range_basis.T @ matrix @ range_basis)
    max_real = float(eigenvalues.real.max(initial=-np.inf))
    smooth = _smooth(network, x)
    return RestrictedStability(
        eigenvalues,
        np.linalg.eigvals(null_basis.T @ matrix @ null_basis),
        max_real,
        bool(smooth and max_real < 0),
        null_basis.shape[1],
        float(np.linalg.norm(range_basis.T @ matrix @ null_basis)),
        smooth,
    )


class FlatRegion(NamedTuple):
    """The flat region through a fixed point.

    Parameters
    ----------
    basis : ndarray of shape (n_states, n_flat)
        Orthonormal directions of the region.
    dimension : int
        ``n_flat``.
    stability : RestrictedStability
        The stability there.
    label : str
        ``"basin"`` (stable: the whole region lies in the basin), ``"unstable"`` (the
        region flows into a saddle: stable set only) or ``"kink"`` (a neuron on a kink:
        linearisation undecided).

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neurons import FlatRegion
    >>> FlatRegion(np.zeros((5, 0)), 0, None, "kink").label
    'kink'
    """

    basis: np.ndarray
    dimension: int
    stability: RestrictedStability
    label: str


def classify_flat_region(network: TwoLayerNetwork, v, h, input=None, *, tol: float = 1e-8):
    """Find and label the flat region touching the fixed point ``(v, h)``.

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
    region : FlatRegion
        Its basis, dimension, restricted stability and label.

    Raises
    ------
    ValueError
        When ``(v, h)`` is not a fixed point.

    See Also
    --------
    ebm_memory.analysis.flat_directions : The dead directions of one Lagrangian.
    ebm_memory.analysis.restricted_stability : Stability within and across the flat region.
    ebm_memory.analysis.recover_state : The fixed point touching a flat region.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> from ebm_memory.analysis.dead_neurons import classify_flat_region
    >>> from ebm_memory.analysis.relaxation import find_fixed_point
    >>> net = example_network()
    >>> v, h, _ = find_fixed_point(net, [0.0, 1.5], [2.0, -1.0, -1.0])  # a retrieval state
    >>> region = classify_flat_region(net, v, h, tol=1e-6)
    >>> region.dimension, region.label
    (2, 'basin')
    """
    x = joint_state(network, v, h)
    residual = float(jnp.linalg.norm(field_function(network, input, x.dtype)(x)))
    if residual > 1e-6 * (1.0 + float(jnp.linalg.norm(x))):
        raise ValueError(f"(v, h) is not a fixed point: |dx/dt| = {residual:.3g}.")
    stability = restricted_stability(network, v, h, input, tol=tol)
    basis = _split(lagrangian_hessian(network, v, h), tol)[1]
    label = "basin" if stability.stable else ("unstable" if stability.smooth else "kink")
    return FlatRegion(basis, basis.shape[1], stability, label)


def __getattr__(name: str):
    moved = ("FlatRegionConvergence", "Recovery", "flat_region_convergence", "recover_state")
    if name in (*moved, "sample_flat_region"):
        from ebm_memory.analysis import flat_regions

        return getattr(flat_regions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
