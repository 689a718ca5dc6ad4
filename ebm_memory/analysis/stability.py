"""Stability of two-layer dynamics: Jacobians, spectra, basin sizes, Lyapunov functions.

The state is ``x = (v, h)`` (length ``N_f + N_h``) and the vector field of
:class:`~ebm_memory.TwoLayerNetwork` is ``F(x) = ((xi^T f(h) - v + I) / tau_f,
(xi g(v) - h) / tau_h)``. Its Jacobian

``J = [[-1 / tau_f, xi^T Hess L_h(h) / tau_f], [xi Hess L_v(v) / tau_h, -1 / tau_h]]``

decides linear stability at a fixed point: stable when every eigenvalue has a negative real
part. With quadratic Lagrangians the dynamics are linear and ``J`` is constant; with
``tau_f = tau_h = tau`` its eigenvalues are ``(-1 +- s_k) / tau`` for the singular values
``s_k`` of ``xi`` (and ``-1 / tau`` for the remaining dimensions), so the origin is stable
iff ``|xi|_2 < 1``.

:func:`~ebm_memory.analysis.basins.basin_size` estimates how far the basin reaches: the
fraction of random perturbations of each radius from which the dynamics return to the fixed
point.

:class:`~ebm_memory.analysis.modified_network.ModifiedNetwork` is a two-layer system with
non-symmetric feed-forward / feedback weights and the same fixed points as the unaltered
one, which carries a family of strict Lyapunov functions (Fanaskov & Oseledets ask for such a
family without the flat regions of dead neurons; see :mod:`ebm_memory.analysis.dead_neurons`).

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory import TwoLayerNetwork, lagrangians
>>> from ebm_memory.analysis.stability import fixed_point_stability
>>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(), 0.5 * jnp.eye(2),
...                       tau_f=1.0, tau_h=1.0)
>>> result = fixed_point_stability(net, jnp.zeros(2), jnp.zeros(2))
>>> sorted(result.eigenvalues.real.round(3).tolist()), result.stable
([-1.5, -1.5, -0.5, -0.5], True)
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ebm_memory._validation import as_float_array
from ebm_memory.analysis.modified_network import ModifiedNetwork
from ebm_memory.dynamics.network import TwoLayerNetwork

__all__ = [
    "ModifiedNetwork",
    "Stability",
    "field_function",
    "joint_state",
    "fixed_point_stability",
    "jacobian",
    "vector_field",
]


class Stability(NamedTuple):
    """Linear stability of one state.

    Parameters
    ----------
    eigenvalues : ndarray of shape (n_states,)
        Eigenvalues of the Jacobian (complex), ``n_states = N_f + N_h``.
    max_real : float
        Their largest real part.
    stable : bool
        ``max_real < 0``.
    residual : float
        The norm of the vector field at the state (zero at a fixed point).

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.stability import Stability
    >>> Stability(np.array([-1.0 + 0j]), -1.0, True, 0.0).stable
    True
    """

    eigenvalues: np.ndarray
    max_real: float
    stable: bool
    residual: float


def _settings(network: TwoLayerNetwork, input, dtype):
    """(memories, current, tau_f, tau_h) as arrays of ``dtype``."""
    if network.tau_h == 0:
        raise ValueError(
            "the stability tools need tau_h > 0: with tau_h = 0 the hidden layer is slaved "
            "to the features and (v, h) is not a free state."
        )
    current = network._current(input, dtype)
    return (
        network.memories.astype(dtype),
        current,
        jnp.asarray(network.tau_f, dtype),
        jnp.asarray(network.tau_h, dtype),
    )


def joint_state(network: TwoLayerNetwork, v, h) -> Array:
    """Concatenate ``v`` and ``h`` into one state ``x = (v, h)``.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics, which fix ``N_f`` and ``N_h``.
    v : array-like of shape (n_features,) or (n_states, n_features)
        Feature states.
    h : array-like of shape (n_hidden,) or (n_states, n_hidden)
        Hidden states.

    Returns
    -------
    x : Array of shape (n_features + n_hidden,) or (n_states, n_features + n_hidden)
        The joint states, in their common floating type.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis.stability import joint_state
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
    >>> joint_state(net, jnp.zeros(2), jnp.ones(2)).tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    if not isinstance(network, TwoLayerNetwork):
        raise TypeError(f"network must be a TwoLayerNetwork, got {type(network).__name__}.")
    v = as_float_array("v", v, ndim=(1, 2))
    h = as_float_array("h", h, ndim=(1, 2))
    if v.shape[-1] != network.n_features or h.shape[-1] != network.n_hidden:
        raise ValueError(
            f"v and h must have {network.n_features} and {network.n_hidden} entries, got "
            f"shapes {v.shape} and {h.shape}."
        )
    if v.shape[:-1] != h.shape[:-1]:
        raise ValueError(f"v and h batch shapes differ: {v.shape} and {h.shape}.")
    dtype = jnp.result_type(v, h, network.memories)
    return jnp.concatenate([v.astype(dtype), h.astype(dtype)], axis=-1)


def _field(lagrangian_v, lagrangian_h, memories, current, tau_f, tau_h, x):
    """The vector field of one concatenated state."""
    n_f = memories.shape[1]
    v, h = x[:n_f], x[n_f:]
    dv = (memories.T @ lagrangian_h.activation(h) + current - v) / tau_f
    dh = (memories @ lagrangian_v.activation(v) - h) / tau_h
    return jnp.concatenate([dv, dh])


_jit_field = jax.jit(_field, static_argnums=(0, 1))


@functools.partial(jax.jit, static_argnums=(0, 1))
def _jacobian(lagrangian_v, lagrangian_h, memories, current, tau_f, tau_h, x):
    field = functools.partial(_field, lagrangian_v, lagrangian_h, memories, current, tau_f, tau_h)
    return jax.jacfwd(field)(x)


def field_function(network: TwoLayerNetwork, input, dtype):
    """``x -> F(x)`` with the network's settings bound (compiled once per network kind).

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics, with ``tau_h > 0``.
    input : array-like of shape (n_features,) or None
        The external current ``I``.
    dtype : dtype
        Floating type of the settings.

    Returns
    -------
    field : callable
        Maps one joint state of shape (n_features + n_hidden,) to its velocity.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis.stability import field_function
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
    >>> field_function(net, None, jnp.float32)(jnp.ones(4)).tolist()
    [-0.5, -0.5, -0.5, -0.5]
    """
    settings = _settings(network, input, dtype)
    return functools.partial(_jit_field, network.lagrangian_v, network.lagrangian_h, *settings)


def vector_field(network: TwoLayerNetwork, v, h, input=None) -> tuple[Array, Array]:
    """``(dv/dt, dh/dt)`` of one state, time constants included.

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

    Returns
    -------
    dv : Array of shape (n_features,)
        The feature velocity.
    dh : Array of shape (n_hidden,)
        The hidden velocity.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis.stability import vector_field
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
    >>> [d.tolist() for d in vector_field(net, jnp.ones(2), jnp.zeros(2))]
    [[-1.0, -1.0], [0.5, 0.5]]
    """
    x = joint_state(network, v, h)
    if x.ndim != 1:
        raise ValueError("vector_field takes one state; batch with jax.vmap.")
    out = field_function(network, input, x.dtype)(x)
    return out[: network.n_features], out[network.n_features :]


def jacobian(network: TwoLayerNetwork, v, h, input=None) -> Float[Array, "N N"]:
    """Jacobian of the vector field with respect to the concatenated state ``(v, h)``.

    Forward-mode differentiation of :func:`vector_field`; ``N = N_f + N_h``.

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

    Returns
    -------
    jacobian : Array of shape (n_features + n_hidden, n_features + n_hidden)
        ``dF / dx`` at ``x = (v, h)``.

    See Also
    --------
    ebm_memory.analysis.fixed_point_stability : Its eigenvalues at a fixed point.
    ebm_memory.analysis.find_fixed_point : Newton's method with this Jacobian.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis import jacobian
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(), jnp.eye(2),
    ...                       tau_f=1.0, tau_h=1.0)
    >>> jacobian(net, jnp.zeros(2), jnp.zeros(2)).shape
    (4, 4)
    """
    x = joint_state(network, v, h)
    if x.ndim != 1:
        raise ValueError("jacobian takes one state; batch with jax.vmap.")
    settings = _settings(network, input, x.dtype)
    return _jacobian(network.lagrangian_v, network.lagrangian_h, *settings, x)


def fixed_point_stability(network: TwoLayerNetwork, v, h, input=None) -> Stability:
    """Eigenvalues of the Jacobian at ``(v, h)`` and whether they all have negative real part.

    ``residual`` tells whether ``(v, h)`` is a fixed point at all; the verdict is only
    meaningful where it is close to zero and the activations are differentiable there.

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

    Returns
    -------
    stability : Stability
        The spectrum, its largest real part, the verdict and the residual.

    See Also
    --------
    ebm_memory.analysis.jacobian : The Jacobian whose eigenvalues are read.
    ebm_memory.analysis.restricted_stability : Eigenvalues split by the Lagrangian's Hessian.
    ebm_memory.analysis.find_fixed_point : Finds a fixed point to test.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis import fixed_point_stability
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       2.0 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
    >>> fixed_point_stability(net, jnp.zeros(2), jnp.zeros(2)).stable
    False
    """
    x = joint_state(network, v, h)
    matrix = np.asarray(jacobian(network, v, h, input), dtype=np.float64)
    eigenvalues = np.linalg.eigvals(matrix)
    max_real = float(eigenvalues.real.max())
    residual = float(jnp.linalg.norm(field_function(network, input, x.dtype)(x)))
    return Stability(eigenvalues, max_real, bool(max_real < 0), residual)


def __getattr__(name: str):
    if name in ("BasinSize", "basin_size"):
        from ebm_memory.analysis import basins

        return getattr(basins, name)
    if name in ("find_fixed_point", "relax"):
        from ebm_memory.analysis import relaxation

        return getattr(relaxation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
