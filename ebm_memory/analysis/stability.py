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

:func:`basin_size` estimates how far the basin reaches: the fraction of random perturbations
of each radius from which the dynamics return to the fixed point.

:class:`ModifiedNetwork` is a two-layer system with non-symmetric feed-forward / feedback
weights and the same fixed points as the unaltered one, which carries a family of strict
Lyapunov functions (Fanaskov & Oseledets ask for such a family without the flat regions of
dead neurons; see :mod:`ebm_memory.analysis.dead_neurons`).

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

from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.analysis._seeds import as_key
from ebm_memory.analysis.modified_network import ModifiedNetwork
from ebm_memory.dynamics.network import TwoLayerNetwork

__all__ = [
    "BasinSize",
    "ModifiedNetwork",
    "Stability",
    "basin_size",
    "field_function",
    "joint_state",
    "find_fixed_point",
    "fixed_point_stability",
    "jacobian",
    "relax",
    "vector_field",
]


class Stability(NamedTuple):
    """Linear stability of one state.

    ``eigenvalues`` (N,) of the Jacobian (complex), their largest real part ``max_real``,
    ``stable`` (``max_real < 0``) and ``residual``, the norm of the vector field at the state
    (zero at a fixed point).
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
    """Concatenate ``v`` (..., N_f) and ``h`` (..., N_h) into (..., N_f + N_h)."""
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
    """``x -> F(x)`` with the network's settings closed over (compiled once per network kind)."""
    settings = _settings(network, input, dtype)
    return functools.partial(_jit_field, network.lagrangian_v, network.lagrangian_h, *settings)


def vector_field(network: TwoLayerNetwork, v, h, input=None) -> tuple[Array, Array]:
    """``(dv/dt, dh/dt)`` of one state, time constants included."""
    x = joint_state(network, v, h)
    if x.ndim != 1:
        raise ValueError("vector_field takes one state; batch with jax.vmap.")
    out = field_function(network, input, x.dtype)(x)
    return out[: network.n_features], out[network.n_features :]


def jacobian(network: TwoLayerNetwork, v, h, input=None) -> Float[Array, "N N"]:
    """Jacobian of the vector field with respect to the concatenated state ``(v, h)``.

    Forward-mode differentiation of :func:`vector_field`; ``N = N_f + N_h``.
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
    """
    x = joint_state(network, v, h)
    matrix = np.asarray(jacobian(network, v, h, input), dtype=np.float64)
    eigenvalues = np.linalg.eigvals(matrix)
    max_real = float(eigenvalues.real.max())
    residual = float(jnp.linalg.norm(field_function(network, input, x.dtype)(x)))
    return Stability(eigenvalues, max_real, bool(max_real < 0), residual)


@functools.partial(jax.jit, static_argnames="n_iter")
def _newton(lagrangian_v, lagrangian_h, memories, current, tau_f, tau_h, x, n_iter):
    field = functools.partial(_field, lagrangian_v, lagrangian_h, memories, current, tau_f, tau_h)

    def step(x, _):
        update = jnp.linalg.solve(jax.jacfwd(field)(x), field(x))
        return jnp.where(jnp.all(jnp.isfinite(update)), x - update, x), None

    def one(x):
        x, _ = jax.lax.scan(step, x, None, length=n_iter)
        return x, jnp.linalg.norm(field(x))

    return jax.vmap(one)(x)


def find_fixed_point(network: TwoLayerNetwork, v, h, input=None, *, n_iter: int = 50):
    """Newton's method on the vector field from ``(v, h)`` (one state or a batch).

    Finds unstable fixed points too, which integration cannot. Returns ``(v, h, residual)``
    as numpy arrays; a start has converged where ``residual`` (the norm of the field) is
    close to zero.
    """
    n_iter = check_integer("n_iter", n_iter, minimum=1)
    x = joint_state(network, v, h)
    batch = x.ndim == 2
    settings = _settings(network, input, x.dtype)
    x, residual = _newton(
        network.lagrangian_v, network.lagrangian_h, *settings, jnp.atleast_2d(x), n_iter
    )
    x, residual = np.asarray(x), np.asarray(residual)
    if not batch:
        x, residual = x[0], residual[0]
    return x[..., : network.n_features], x[..., network.n_features :], residual


@functools.partial(jax.jit, static_argnames="n_steps")
def _relax(lagrangian_v, lagrangian_h, memories, current, tau_f, tau_h, x, dt, n_steps):
    """The semi-implicit scheme of :class:`TwoLayerNetwork`, final states only."""
    n_f = memories.shape[1]
    rate_v, rate_h = jnp.minimum(dt / tau_f, 1.0), jnp.minimum(dt / tau_h, 1.0)

    def step(_, x):
        v, h = x[:n_f], x[n_f:]
        v = v + rate_v * (memories.T @ lagrangian_h.activation(h) + current - v)
        h = h + rate_h * (memories @ lagrangian_v.activation(v) - h)
        return jnp.concatenate([v, h])

    return jax.vmap(lambda x: jax.lax.fori_loop(0, n_steps, step, x))(x)


def relax(network: TwoLayerNetwork, v, h, input=None, *, t1: float = 50.0, dt: float = 0.05):
    """Integrate a batch (B, ·) of states to time ``t1`` with the network's own scheme.

    Keeps only the final states, so large batches of long runs stay cheap. Returns
    ``(v, h)`` as numpy arrays (B, N_f), (B, N_h).
    """
    check_positive("t1", t1)
    check_positive("dt", dt)
    if dt > min(network.tau_f, network.tau_h):
        raise ValueError(
            f"dt={dt} exceeds a time constant (tau_f={network.tau_f}, tau_h={network.tau_h}): "
            "the scheme would then change the dynamics."
        )
    x = joint_state(network, v, h)
    settings = _settings(network, input, x.dtype)
    n_steps = max(1, int(round(t1 / dt)))
    out = _relax(
        network.lagrangian_v,
        network.lagrangian_h,
        *settings,
        jnp.atleast_2d(x),
        jnp.asarray(dt, x.dtype),
        n_steps,
    )
    out = np.asarray(out).reshape(x.shape)
    return out[..., : network.n_features], out[..., network.n_features :]


class BasinSize(NamedTuple):
    """How far the basin of a fixed point reaches, by perturbation radius.

    Parameters
    ----------
    radii : ndarray of shape (n_radii,)
        The perturbation radii.
    fraction : ndarray of shape (n_radii,)
        Fraction of perturbed states that returned.
    standard_error : ndarray of shape (n_radii,)
        Its binomial standard error.
    final_distance : ndarray of shape (n_radii, n_samples)
        Distance of each end state to the fixed point.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.stability import BasinSize
    >>> BasinSize(np.ones(1), np.ones(1), np.zeros(1), np.zeros((1, 2))).fraction.tolist()
    [1.0]
    """

    radii: np.ndarray
    fraction: np.ndarray
    standard_error: np.ndarray
    final_distance: np.ndarray


def _basin_size(network, v_star, h_star, radii, key, *, n_samples, input, t1, dt, tol):
    """:func:`basin_size` with the perturbations drawn from the JAX ``key``."""
    n_samples = check_integer("n_samples", n_samples, minimum=1)
    check_positive("tol", tol)
    radii = np.asarray(radii, dtype=np.float64)
    if radii.ndim != 1 or np.any(radii < 0):
        raise ValueError(f"radii must be a 1-D array of non-negative numbers, got {radii}.")
    x_star = joint_state(network, v_star, h_star)
    if x_star.ndim != 1:
        raise ValueError("basin_size takes one fixed point.")
    directions = jax.random.normal(key, (radii.size, n_samples, x_star.size), x_star.dtype)
    directions = directions / jnp.linalg.norm(directions, axis=-1, keepdims=True)
    starts = (x_star + jnp.asarray(radii, x_star.dtype)[:, None, None] * directions).reshape(
        -1, x_star.size
    )
    n_f = network.n_features
    v, h = relax(network, starts[:, :n_f], starts[:, n_f:], input, t1=t1, dt=dt)
    distance = np.linalg.norm(np.concatenate([v, h], axis=1) - np.asarray(x_star), axis=1)
    distance = np.where(np.isfinite(distance), distance, np.inf).reshape(radii.size, n_samples)
    fraction = np.mean(distance < tol, axis=1)
    standard_error = np.sqrt(fraction * (1 - fraction) / n_samples)
    return BasinSize(radii, fraction, standard_error, distance)


def basin_size(
    network: TwoLayerNetwork,
    v_star,
    h_star,
    radii,
    *,
    n_samples: int = 200,
    random_state=None,
    key=None,
    input=None,
    t1: float = 50.0,
    dt: float = 0.05,
    tol: float = 1e-3,
) -> BasinSize:
    """Fraction of perturbations of each radius from which the dynamics return.

    For each radius ``r``, ``n_samples`` states ``x* + r u`` with ``u`` uniform on the unit
    sphere of the full ``(v, h)`` space are integrated to ``t1`` (:func:`relax`); a sample
    has returned when it ends within ``tol`` of ``x* = (v_star, h_star)``.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics.
    v_star : array-like of shape (n_features,)
        Feature state of the fixed point.
    h_star : array-like of shape (n_hidden,)
        Hidden state of the fixed point.
    radii : array-like of shape (n_radii,)
        Non-negative perturbation radii.
    n_samples : int, default=200
        Perturbations per radius.
    random_state : int, RandomState instance or None, default=None
        Seeds the perturbation directions.
    key : JAX PRNG key, default=None
        Former name of ``random_state``: a key is still used as given, with a
        ``FutureWarning``.
    input : array-like of shape (n_features,), default=None
        The external current ``I``.
    t1 : float, default=50.0
        Integration time.
    dt : float, default=0.05
        Time step.
    tol : float, default=1e-3
        A sample has returned when it ends this close to the fixed point.

    Returns
    -------
    basin : BasinSize
        The fraction returned per radius, its standard error and the final distances.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis import basin_size
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * np.eye(2), tau_f=1.0, tau_h=1.0)
    >>> basin_size(net, np.zeros(2), np.zeros(2), [0.5], n_samples=4, random_state=0).fraction
    array([1.])
    """
    rng_key = as_key(random_state if key is None else key, "basin_size")
    settings = {"n_samples": n_samples, "input": input, "t1": t1, "dt": dt, "tol": tol}
    return _basin_size(network, v_star, h_star, radii, rng_key, **settings)
