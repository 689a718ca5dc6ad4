"""The two-layer network of Krotov & Hopfield (2021) and its continuous-time dynamics.

``tau_f dv/dt = xi^T f(h) - v + I`` and ``tau_h dh/dt = xi g(v) - h``, with ``g``, ``f`` the
activations (gradients) of the Lagrangians ``L_v``, ``L_h``.

The integrator is a semi-implicit (Gauss-Seidel) Euler scheme: ``v`` moves a fraction
``dt / tau_f`` of the way to its target ``xi^T f(h) + I``, then ``h`` moves ``dt / tau_h`` of
the way to ``xi g(v_new)``. Along the segment from a layer's state to its target, the energy
has derivative ``-(1 - t) d^T Hess L(x_t) d <= 0``, so for convex Lagrangians and
``dt <= tau`` every step is exactly non-increasing in energy, not only up to O(dt^2). Hidden
neurons with ``tau_h <= dt`` (including ``tau_h = 0``) are treated as instantaneous:
``h = xi g(v)``, the adiabatic limit in which the network reduces to the effective models.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory import TwoLayerNetwork, lagrangians
>>> xi = jnp.array([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
>>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(4.0), xi,
...                       tau_f=1.0, tau_h=0.1)
>>> path = net.integrate(jnp.array([0.9, -0.7, 0.8, -1.2]), t1=5.0, dt=0.05)
>>> path.v.shape, bool(jnp.all(jnp.diff(path.energy) <= 1e-6))
((101, 4), True)
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._validation import (
    as_float_array,
    check_feature_match,
    check_positive,
)
from ebm_memory.energies.two_layer import two_layer_energy
from ebm_memory.lagrangians import Lagrangian

__all__ = ["Trajectory", "TwoLayerNetwork"]


class Trajectory(NamedTuple):
    """States and energies at ``times`` (leading batch axis when a batch was integrated).

    Parameters
    ----------
    times : array of shape (T,)
        The time points.
    v : array of shape (T, N_f) or (B, T, N_f)
        Feature states.
    h : array of shape (T, N_h) or (B, T, N_h)
        Hidden states.
    energy : array of shape (T,) or (B, T)
        The energy at each time point.

    See Also
    --------
    ebm_memory.TwoLayerNetwork.integrate : Produces the trajectory.
    ebm_memory.analysis.ModifiedNetwork.integrate : The same for the modified dynamics.

    Examples
    --------
    >>> from ebm_memory import TwoLayerNetwork
    >>> from ebm_memory.lagrangians import quadratic, relu
    >>> net = TwoLayerNetwork(quadratic(), relu(), [[1.0, -1.0, 1.0]], tau_h=0.5)
    >>> path = net.integrate([0.9, -0.7, 0.8], t1=1.0, dt=0.1)
    >>> path.times.shape, path.v.shape, path.h.shape, path.energy.shape
    ((11,), (11, 3), (11, 1), (11,))
    """

    times: Float[Array, " T"]
    v: Float[Array, "... T Nf"]
    h: Float[Array, "... T Nh"]
    energy: Float[Array, "... T"]


def _check_lagrangian(name: str, lagrangian, size: int) -> Lagrangian:
    if not isinstance(lagrangian, Lagrangian):
        raise TypeError(
            f"{name} must be an ebm_memory.lagrangians.Lagrangian (e.g. "
            f"lagrangians.softmax(1.0)), got {type(lagrangian).__name__}."
        )
    out = jax.eval_shape(lagrangian, jax.ShapeDtypeStruct((size,), jnp.float32))
    if out.shape != ():
        raise ValueError(f"{name} must return a scalar, got shape {out.shape}.")
    return lagrangian


def _relaxation(dt, tau):
    return jnp.where(tau > dt, dt / jnp.where(tau > 0, tau, 1.0), 1.0)


@functools.partial(jax.jit, static_argnames="n_steps")
def _integrate(lagrangian_v, lagrangian_h, memories, v0, h0, current, tau_f, tau_h, dt, n_steps):
    rate_v = _relaxation(dt, tau_f)
    rate_h = _relaxation(dt, tau_h)

    def energy(v, h):
        return two_layer_energy(v, h, memories, lagrangian_v, lagrangian_h, current)

    def step(carry, _):
        v, h = carry
        v = v + rate_v * (memories.T @ lagrangian_h.activation(h) + current - v)
        h = h + rate_h * (memories @ lagrangian_v.activation(v) - h)
        return (v, h), (v, h, energy(v, h))

    def one(v, h):
        _, (vs, hs, energies) = jax.lax.scan(step, (v, h), None, length=n_steps)
        return (
            jnp.concatenate([v[None], vs]),
            jnp.concatenate([h[None], hs]),
            jnp.concatenate([energy(v, h)[None], energies]),
        )

    return jax.vmap(one)(v0, h0)


class TwoLayerNetwork:
    """Feature neurons ``v`` (N_f) and hidden / memory neurons ``h`` (N_h) coupled by ``xi``.

    Parameters
    ----------
    lagrangian_v : Lagrangian
        Lagrangian of the feature layer (from :mod:`ebm_memory.lagrangians`).
    lagrangian_h : Lagrangian
        Lagrangian of the hidden layer.
    memories : array-like of shape (N_h, N_f)
        The memory matrix ``xi``.
    tau_f : float, default=1.0
        Time constant of the feature layer.
    tau_h : float, default=0.1
        Time constant of the hidden layer; 0 makes it instantaneous.

    See Also
    --------
    ebm_memory.energies.two_layer_energy : The energy of one state, as a pure function.
    ebm_memory.lagrangians.Lagrangian : The Lagrangians of the two layers.
    ebm_memory.analysis.fixed_point_stability : Stability of its fixed points.
    ebm_memory.analysis.ModifiedNetwork : Altered dynamics without flat regions.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> xi = jnp.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]])
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(4.0), xi)
    >>> net.n_features, net.n_hidden
    (3, 2)
    """

    def __init__(self, lagrangian_v, lagrangian_h, memories, *, tau_f=1.0, tau_h=0.1):
        self.memories = as_float_array("memories", memories, ndim=(2,))
        self.lagrangian_v = _check_lagrangian("lagrangian_v", lagrangian_v, self.n_features)
        self.lagrangian_h = _check_lagrangian("lagrangian_h", lagrangian_h, self.n_hidden)
        self.tau_f = float(check_positive("tau_f", tau_f))
        self.tau_h = float(check_positive("tau_h", tau_h, allow_zero=True))

    @property
    def n_features(self) -> int:
        """N_f, the number of feature neurons: the columns of ``memories``.

        Examples
        --------
        >>> from ebm_memory import TwoLayerNetwork, lagrangians
        >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(1.0), [[1.0, 0.0]])
        >>> net.n_features
        2
        """
        return self.memories.shape[1]

    @property
    def n_hidden(self) -> int:
        """N_h, the number of hidden (memory) neurons: the rows of ``memories``.

        Examples
        --------
        >>> from ebm_memory import TwoLayerNetwork as Network
        >>> from ebm_memory.lagrangians import quadratic, softmax
        >>> Network(quadratic(), softmax(2.0), [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]).n_hidden
        3
        """
        return self.memories.shape[0]

    def __repr__(self) -> str:
        return (
            f"TwoLayerNetwork({self.lagrangian_v!r}, {self.lagrangian_h!r}, "
            f"memories{tuple(self.memories.shape)}, tau_f={self.tau_f}, tau_h={self.tau_h})"
        )

    def _current(self, input, dtype):
        if input is None:
            return jnp.zeros(self.n_features, dtype)
        current = as_float_array("input", input, ndim=(1,))
        check_feature_match("input", current, self.memories)
        return current.astype(dtype)

    def hidden_equilibrium(self, v: Float[Array, "... Nf"]) -> Float[Array, "... Nh"]:
        """``h = xi g(v)``: the hidden state in which the hidden layer is at rest.

        Parameters
        ----------
        v : array-like of shape (N_f,) or (B, N_f)
            Feature states.

        Returns
        -------
        jax.Array of shape (N_h,) or (B, N_h)
            The hidden states at rest.

        See Also
        --------
        ebm_memory.TwoLayerNetwork.integrate : Its default hidden start ``h0``.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import TwoLayerNetwork, lagrangians
        >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(4.0), np.eye(3)[:2])
        >>> net.hidden_equilibrium([0.5, 2.0, 0.0]).tolist()
        [0.5, 2.0]
        """
        v = as_float_array("v", v, ndim=(1, 2))
        check_feature_match("v", v, self.memories)
        activation = self.lagrangian_v.activation
        g = activation(v) if v.ndim == 1 else jax.vmap(activation)(v)
        return g @ self.memories.T.astype(v.dtype)

    def energy(self, v, h, input=None) -> Array:
        """Energy of a state (or a batch: leading axes of ``v`` and ``h`` must match).

        Parameters
        ----------
        v : array-like of shape (N_f,) or (B, N_f)
            Feature states.
        h : array-like of shape (N_h,) or (B, N_h)
            Hidden states.
        input : array-like of shape (N_f,), optional
            External current ``I`` into the feature layer.

        Returns
        -------
        jax.Array of shape () or (B,)
            The energies.

        See Also
        --------
        ebm_memory.TwoLayerNetwork.integrate : Dynamics along which this energy decreases.
        ebm_memory.energies.two_layer_energy : The same energy as a pure function of one state.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> from ebm_memory import TwoLayerNetwork
        >>> from ebm_memory.lagrangians import quadratic, relu
        >>> net = TwoLayerNetwork(quadratic(), relu(), jnp.array([[1.0, -1.0, 1.0]]), tau_h=0.0)
        >>> v = jnp.array([[1.0, -1.0, 1.0], [0.0, 0.0, 0.0]])
        >>> net.energy(v, jnp.zeros((2, 1))).shape
        (2,)
        """
        v = as_float_array("v", v, ndim=(1, 2))
        h = as_float_array("h", h, ndim=(1, 2))
        check_feature_match("v", v, self.memories)
        if h.shape[-1] != self.n_hidden:
            raise ValueError(f"h must have {self.n_hidden} entries, got shape {h.shape}.")
        if v.shape[:-1] != h.shape[:-1]:
            raise ValueError(f"v and h batch shapes differ: {v.shape} and {h.shape}.")
        current = self._current(input, v.dtype)
        memories = self.memories.astype(v.dtype)

        def one(vi, hi):
            return two_layer_energy(vi, hi, memories, self.lagrangian_v, self.lagrangian_h, current)

        return one(v, h) if v.ndim == 1 else jax.vmap(one)(v, h)

    def integrate(self, v0, h0=None, *, t1: float, dt: float, input=None) -> Trajectory:
        """Integrate from ``v0`` (N_f,) or a batch (B, N_f) up to time ``t1`` in steps ``dt``.

        Parameters
        ----------
        v0 : array-like of shape (N_f,) or (B, N_f)
            Initial feature states.
        h0 : array-like of shape (N_h,) or (B, N_h), optional
            Initial hidden states; default: :meth:`hidden_equilibrium` of ``v0``.
        t1 : float
            The final time.
        dt : float
            The step, at most ``tau_f``.
        input : array-like of shape (N_f,), optional
            External current ``I`` into the feature layer.

        Returns
        -------
        Trajectory
            States and energies at ``T = round(t1 / dt) + 1`` time points: ``v`` of shape
            (T, N_f) or (B, T, N_f).

        See Also
        --------
        ebm_memory.Trajectory : What it returns.
        ebm_memory.TwoLayerNetwork.energy : The energy recorded along the way.
        ebm_memory.analysis.find_fixed_point : Newton's method straight to a fixed point.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> from ebm_memory import TwoLayerNetwork, lagrangians
        >>> xi = jnp.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]])
        >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.softmax(4.0), xi)
        >>> path = net.integrate(jnp.array([[0.9, -0.7, 0.8]]), t1=0.5, dt=0.1)
        >>> path.v.shape, bool(jnp.all(jnp.diff(path.energy) <= 1e-6))
        ((1, 6, 3), True)
        """
        check_positive("dt", dt)
        check_positive("t1", t1)
        if dt > self.tau_f:
            raise ValueError(
                f"dt={dt} exceeds tau_f={self.tau_f}: the energy-descent guarantee of the "
                "integrator needs dt <= tau_f."
            )
        n_steps = max(1, int(round(t1 / dt)))
        v0 = as_float_array("v0", v0, ndim=(1, 2))
        check_feature_match("v0", v0, self.memories)
        h0 = self.hidden_equilibrium(v0) if h0 is None else as_float_array("h0", h0, ndim=(1, 2))
        if h0.shape[-1] != self.n_hidden or h0.shape[:-1] != v0.shape[:-1]:
            raise ValueError(
                f"h0 must have shape {v0.shape[:-1] + (self.n_hidden,)}, got {h0.shape}."
            )
        batch = v0.ndim == 2
        dtype = jnp.result_type(v0, h0, self.memories)
        v0, h0 = jnp.atleast_2d(v0).astype(dtype), jnp.atleast_2d(h0).astype(dtype)
        vs, hs, energies = _integrate(
            self.lagrangian_v,
            self.lagrangian_h,
            self.memories.astype(dtype),
            v0,
            h0,
            self._current(input, dtype),
            jnp.asarray(self.tau_f, dtype),
            jnp.asarray(self.tau_h, dtype),
            jnp.asarray(dt, dtype),
            n_steps,
        )
        times = jnp.arange(n_steps + 1, dtype=dtype) * dt
        if not batch:
            vs, hs, energies = vs[0], hs[0], energies[0]
        return Trajectory(times, vs, hs, energies)
