"""Two-layer dynamics altered so that Lyapunov functions without flat regions exist.

:class:`ModifiedNetwork` has non-symmetric feed-forward / feedback weights and the same
fixed points as the unaltered network, and carries a family of strict Lyapunov functions
``V_c`` (Fanaskov & Oseledets ask for such a family without the flat regions of dead
neurons; see :mod:`ebm_memory.analysis.dead_neurons`).

Examples
--------
>>> from ebm_memory import lagrangians
>>> from ebm_memory.analysis.modified_network import ModifiedNetwork
>>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0], [0.0, -1.0]], tau_h=0.5)
>>> round(net.max_weight, 3)
8.0
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from ebm_memory._validation import as_float_array, check_positive

__all__ = ["ModifiedNetwork"]


def _lyapunov(lagrangian_h, weights, gain, current, v, h, weight):
    """``V_c(v, h)`` of :class:`ModifiedNetwork` for ``c = weight``, one state."""
    shifted = v - current
    error = h - weights @ v
    return (
        0.5 * shifted @ jnp.linalg.solve(gain, shifted)
        - lagrangian_h(weights @ v)
        + 0.5 * weight * error @ error
    )


def _modified_field(lagrangian_h, weights, gain, current, tau_f, tau_h, x):
    """The field of :class:`ModifiedNetwork` at one concatenated state."""
    v, h = x[: weights.shape[1]], x[weights.shape[1] :]
    dv = (gain @ weights.T @ lagrangian_h.activation(weights @ v) + current - v) / tau_f
    return jnp.concatenate([dv, (weights @ v - h) / tau_h])


@functools.partial(jax.jit, static_argnames="n_steps")
def _rk4(lagrangian_h, weights, gain, current, tau_f, tau_h, x0, dt, n_steps):
    field = functools.partial(_modified_field, lagrangian_h, weights, gain, current, tau_f, tau_h)

    def step(x, _):
        k1 = field(x)
        k2 = field(x + 0.5 * dt * k1)
        k3 = field(x + 0.5 * dt * k2)
        k4 = field(x + dt * k3)
        x = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return x, x

    def one(x):
        return jnp.concatenate([x[None], jax.lax.scan(step, x, None, length=n_steps)[1]])

    return jax.vmap(one)(x0)


class ModifiedNetwork:
    """Two-layer dynamics altered so that Lyapunov functions without flat regions exist.

    ``tau_f dv/dt = S W^T f(W v) + I - v`` and ``tau_h dh/dt = W v - h``: linear feature
    neurons, feed-forward weights ``W`` (N_h, N_f), feedback ``S W^T`` with ``S`` symmetric
    positive definite (non-symmetric feed-forward / feedback unless ``S = 1``). The features
    see the hidden layer's equilibrium ``f(W v)`` instead of ``f(h)``. Fixed points are those
    of the unaltered network ``tau_f dv/dt = S W^T f(h) + I - v``, ``tau_h dh/dt = W v - h``
    (:meth:`original_field`): both say ``h = W v`` and ``v = S W^T f(h) + I``.

    Lyapunov family, ``0 < c < c_max = 4 tau_f / (tau_h lambda_max(S) |W|_2^2)``
    (:attr:`max_weight`): ``V_c = (v - I)^T S^-1 (v - I) / 2 - L_h(W v) + c |h - W v|^2 / 2``.
    With ``e = h - W v``, ``dV_c/dt = -tau_f |dv/dt|^2_(S^-1) - c |e|^2 / tau_h - c e . W dv/dt``,
    a negative definite form in ``(dv/dt, e)``: ``V_c`` decreases strictly away from fixed
    points. Nothing needs ``L_h`` convex; ``V_c`` is strictly convex along ``h``, so dead
    hidden neurons leave no flat directions. (This is this package's construction with the
    properties the paper asks for; the paper's own altered system may differ in form.)

    Parameters
    ----------
    lagrangian_h : Lagrangian
        Lagrangian of the hidden layer.
    feedforward : array-like of shape (n_hidden, n_features)
        The weights ``W``.
    feature_gain : array-like of shape (n_features,) or (n_features, n_features), default=None
        ``S``: positive entries of a diagonal, or symmetric positive definite; None is 1.
    tau_f : float, default=1.0
        Time constant of the features.
    tau_h : float, default=0.1
        Time constant of the hidden layer.
    input : array-like of shape (n_features,), default=None
        The current ``I``; None is 0.

    See Also
    --------
    ebm_memory.TwoLayerNetwork : The unaltered two-layer network.
    ebm_memory.analysis.restricted_stability : Stability of the original network's fixed points.
    ebm_memory.analysis.classify_flat_region : The flat regions the modification removes.

    Examples
    --------
    >>> import jax
    >>> from ebm_memory import lagrangians
    >>> from ebm_memory.analysis.stability import ModifiedNetwork
    >>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0], [0.0, -1.0]],
    ...                       feature_gain=[0.5, 1.0], tau_h=0.5)
    >>> times, v, h = net.integrate([[1.0, 1.0]], [[-2.0, 0.0]], t1=2.0, dt=0.01)
    >>> values = jax.vmap(net.lyapunov, (0, 0, None))(v[0], h[0], 0.5 * net.max_weight)
    >>> bool(jax.numpy.all(jax.numpy.diff(values) <= 1e-6))
    True
    """

    def __init__(
        self, lagrangian_h, feedforward, *, feature_gain=None, tau_f=1.0, tau_h=0.1, input=None
    ):
        self.lagrangian_h = lagrangian_h
        self.feedforward = as_float_array("feedforward", feedforward, ndim=(2,))
        n_f = self.feedforward.shape[1]
        gain = jnp.ones(n_f) if feature_gain is None else feature_gain
        gain = as_float_array("feature_gain", gain, ndim=(1, 2))
        gain = jnp.diag(gain) if gain.ndim == 1 else gain
        if gain.shape != (n_f, n_f) or not bool(jnp.allclose(gain, gain.T)):
            raise ValueError(f"feature_gain must be symmetric with shape {(n_f, n_f)}.")
        if float(jnp.linalg.eigvalsh(gain).min()) <= 0:
            raise ValueError("feature_gain must be positive definite.")
        self.feature_gain = gain
        self.tau_f = float(check_positive("tau_f", tau_f))
        self.tau_h = float(check_positive("tau_h", tau_h))
        current = jnp.zeros(n_f) if input is None else input
        self.input = as_float_array("input", current, ndim=(1,))

    @property
    def feedback(self) -> Array:
        """The feedback weights ``S W^T``, an array of shape (n_features, n_hidden).

        See Also
        --------
        ebm_memory.analysis.ModifiedNetwork.field : The vector field it enters.

        Examples
        --------
        >>> from ebm_memory import lagrangians
        >>> from ebm_memory.analysis import ModifiedNetwork
        >>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 2.0]], feature_gain=[2.0, 1.0])
        >>> net.feedback.tolist()
        [[2.0], [2.0]]
        """
        return self.feature_gain @ self.feedforward.T

    @property
    def max_weight(self) -> float:
        """``c_max``: every ``V_c`` with ``0 < c < c_max`` is a strict Lyapunov function.

        See Also
        --------
        ebm_memory.analysis.ModifiedNetwork.lyapunov : The Lyapunov function ``V_c``.

        Examples
        --------
        >>> from ebm_memory import lagrangians
        >>> from ebm_memory.analysis import ModifiedNetwork
        >>> ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0]], tau_h=0.5).max_weight
        8.0
        """
        gain = float(jnp.linalg.eigvalsh(self.feature_gain).max())
        norm = float(jnp.linalg.norm(self.feedforward, 2))
        bound = self.tau_h * gain * norm**2
        return 4 * self.tau_f / bound if bound > 0 else np.inf

    def _settings(self):
        return self.feedforward, self.feature_gain, self.input, self.tau_f, self.tau_h

    def field(self, v, h) -> tuple[Array, Array]:
        """``(dv/dt, dh/dt)`` of the modified dynamics at one state.

        Parameters
        ----------
        v : array-like of shape (n_features,)
            The feature state.
        h : array-like of shape (n_hidden,)
            The hidden state.

        Returns
        -------
        dv : Array of shape (n_features,)
            The feature velocity.
        dh : Array of shape (n_hidden,)
            The hidden velocity.

        See Also
        --------
        ebm_memory.analysis.ModifiedNetwork.original_field : The field of the unaltered network.
        ebm_memory.analysis.ModifiedNetwork.lyapunov : A strict Lyapunov function of this field.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> from ebm_memory import lagrangians
        >>> from ebm_memory.analysis import ModifiedNetwork
        >>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0]], input=[0.5, 0.0])
        >>> [d.tolist() for d in net.field(jnp.zeros(2), jnp.zeros(1))]
        [[0.5, 0.0], [0.0]]
        """
        out = _modified_field(self.lagrangian_h, *self._settings(), jnp.concatenate([v, h]))
        return out[: self.feedforward.shape[1]], out[self.feedforward.shape[1] :]

    def original_field(self, v, h) -> tuple[Array, Array]:
        """``(dv/dt, dh/dt)`` of the unaltered two-layer network with the same weights.

        Parameters
        ----------
        v : array-like of shape (n_features,)
            The feature state.
        h : array-like of shape (n_hidden,)
            The hidden state.

        Returns
        -------
        dv : Array of shape (n_features,)
            The feature velocity.
        dh : Array of shape (n_hidden,)
            The hidden velocity.

        See Also
        --------
        ebm_memory.analysis.ModifiedNetwork.field : The modified field.
        ebm_memory.TwoLayerNetwork : The unaltered network.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> from ebm_memory import lagrangians
        >>> from ebm_memory.analysis import ModifiedNetwork
        >>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0]], tau_h=0.5)
        >>> [d.tolist() for d in net.original_field(jnp.zeros(2), jnp.ones(1))]
        [[1.0, 0.0], [-2.0]]
        """
        target = self.feedback @ self.lagrangian_h.activation(h)
        return (target + self.input - v) / self.tau_f, (self.feedforward @ v - h) / self.tau_h

    def lyapunov(self, v, h, weight) -> Array:
        """``V_c(v, h)`` for ``c = weight``, one state.

        Parameters
        ----------
        v : array-like of shape (n_features,)
            The feature state.
        h : array-like of shape (n_hidden,)
            The hidden state.
        weight : float
            ``c``, in ``(0, max_weight)`` for a strict Lyapunov function.

        Returns
        -------
        value : Array of shape ()
            ``V_c(v, h)``.

        See Also
        --------
        ebm_memory.analysis.ModifiedNetwork.max_weight : The largest ``c`` for which it is strict.
        ebm_memory.analysis.ModifiedNetwork.field : The dynamics it decreases along.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> from ebm_memory import lagrangians
        >>> from ebm_memory.analysis import ModifiedNetwork
        >>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0]])
        >>> float(net.lyapunov(jnp.zeros(2), jnp.ones(1), 2.0))
        1.0
        """
        return _lyapunov(self.lagrangian_h, *self._settings()[:3], v, h, weight)

    def integrate(self, v0, h0, *, t1: float, dt: float):
        """Classical Runge-Kutta from a batch of states.

        Parameters
        ----------
        v0 : array-like of shape (n_paths, n_features)
            Initial feature states.
        h0 : array-like of shape (n_paths, n_hidden)
            Initial hidden states.
        t1 : float
            Final time.
        dt : float
            Time step.

        Returns
        -------
        times : ndarray of shape (n_times,)
            ``n_times = round(t1 / dt) + 1``.
        v : ndarray of shape (n_paths, n_times, n_features)
            Feature states along each path.
        h : ndarray of shape (n_paths, n_times, n_hidden)
            Hidden states along each path.

        See Also
        --------
        ebm_memory.analysis.ModifiedNetwork.field : The field integrated.
        ebm_memory.TwoLayerNetwork.integrate : The unaltered network's integration.

        Examples
        --------
        >>> from ebm_memory import lagrangians
        >>> from ebm_memory.analysis import ModifiedNetwork
        >>> net = ModifiedNetwork(lagrangians.relu(), [[1.0, 0.0]])
        >>> times, v, h = net.integrate([[1.0, 1.0]], [[0.0]], t1=1.0, dt=0.1)
        >>> times.shape, v.shape, h.shape
        ((11,), (1, 11, 2), (1, 11, 1))
        """
        check_positive("t1", t1)
        check_positive("dt", dt)
        n_steps = max(1, int(round(t1 / dt)))
        v0 = jnp.atleast_2d(as_float_array("v0", v0, ndim=(1, 2)))
        h0 = jnp.atleast_2d(as_float_array("h0", h0, ndim=(1, 2)))
        n_h, n_f = self.feedforward.shape
        if v0.shape[1] != n_f or h0.shape != (v0.shape[0], n_h):
            raise ValueError(
                f"v0 and h0 must be (B, {n_f}) and (B, {n_h}), got {v0.shape} and {h0.shape}."
            )
        x0 = jnp.concatenate([v0, h0], axis=-1).astype(self.feedforward.dtype)
        path = _rk4(self.lagrangian_h, *self._settings(), x0, dt, n_steps)
        return np.arange(n_steps + 1) * dt, np.asarray(path[..., :n_f]), np.asarray(path[..., n_f:])
