"""Fixed points of two-layer dynamics by Newton's method, and states relaxed by integration.

:func:`find_fixed_point` finds unstable fixed points too, which integration cannot;
:func:`relax` integrates large batches keeping only their final states. Both use the vector
field of :mod:`ebm_memory.analysis.stability`.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory import TwoLayerNetwork, lagrangians
>>> from ebm_memory.analysis.relaxation import relax
>>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
...                       0.5 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
>>> v, h = relax(net, jnp.ones((1, 2)), jnp.ones((1, 2)))
>>> v.shape, h.shape
((1, 2), (1, 2))
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis.stability import _field, _settings, joint_state
from ebm_memory.dynamics.network import TwoLayerNetwork

__all__ = ["find_fixed_point", "relax"]


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

    Finds unstable fixed points too, which integration cannot. A start has converged where
    ``residual`` (the norm of the field) is close to zero.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics, with ``tau_h > 0``.
    v : array-like of shape (n_features,) or (n_starts, n_features)
        Feature states to start from.
    h : array-like of shape (n_hidden,) or (n_starts, n_hidden)
        Hidden states to start from.
    input : array-like of shape (n_features,), default=None
        The external current ``I``.
    n_iter : int, default=50
        Newton steps.

    Returns
    -------
    v : ndarray of shape (n_features,) or (n_starts, n_features)
        Feature states reached.
    h : ndarray of shape (n_hidden,) or (n_starts, n_hidden)
        Hidden states reached.
    residual : float or ndarray of shape (n_starts,)
        Norm of the vector field there.

    See Also
    --------
    ebm_memory.analysis.fixed_point_stability : Stability of the fixed point found.
    ebm_memory.analysis.jacobian : The Jacobian Newton's method uses.
    ebm_memory.TwoLayerNetwork.integrate : Relaxation by integrating the dynamics.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis import find_fixed_point
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
    >>> v, h, residual = find_fixed_point(net, jnp.ones(2), jnp.ones(2))
    >>> v.round(6).tolist(), bool(residual < 1e-6)
    ([0.0, 0.0], True)
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
    """Integrate a batch of states to time ``t1`` with the network's own scheme.

    Keeps only the final states, so large batches of long runs stay cheap.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics, with ``tau_h > 0``.
    v : array-like of shape (n_states, n_features)
        Initial feature states.
    h : array-like of shape (n_states, n_hidden)
        Initial hidden states.
    input : array-like of shape (n_features,), default=None
        The external current ``I``.
    t1 : float, default=50.0
        Final time.
    dt : float, default=0.05
        Time step, at most the smaller time constant.

    Returns
    -------
    v : ndarray of shape (n_states, n_features)
        Final feature states.
    h : ndarray of shape (n_states, n_hidden)
        Final hidden states.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis.relaxation import relax
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * jnp.eye(2), tau_f=1.0, tau_h=1.0)
    >>> v, h = relax(net, jnp.ones((1, 2)), jnp.ones((1, 2)))
    >>> v.round(6).tolist()
    [[0.0, 0.0]]
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
