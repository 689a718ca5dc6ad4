"""Lagrangians of neuron layers: convex scalar functions whose gradients are activations.

Krotov & Hopfield (2021) specify a layer by a Lagrangian ``L(x)``; its activation is
``g = dL/dx`` and the layer contributes the Legendre term ``x . g - L`` to the energy. Each
factory here returns a :class:`Lagrangian`: a callable of ONE vector returning a scalar, with
``activation`` equal to its gradient. Batch with ``jax.vmap``.

All functions are safe at large gain ``beta`` and large inputs wherever the true value is
representable: log-cosh, softplus and log-sum-exp are evaluated in their stable forms and their
derivatives are supplied in closed form (``jax.custom_jvp``) so no intermediate overflows. The
exponential Lagrangian ``exp(beta x) / beta`` is genuinely larger than any float once
``beta x`` exceeds about 88 (float32) or 709 (float64); it overflows exactly where its value
does.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory import lagrangians
>>> lag = lagrangians.softmax(beta=2.0)
>>> x = jnp.array([0.0, 1.0, 3.0])
>>> bool(jnp.allclose(lag.activation(x).sum(), 1.0))
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._named import NamedBySettings
from ebm_memory._numerics import log_cosh, safe_norm, scaled_logsumexp, softplus
from ebm_memory._validation import check_integer, check_positive

__all__ = [
    "Lagrangian",
    "absolute",
    "exponential",
    "layernorm",
    "polynomial",
    "quadratic",
    "rectified_polynomial",
    "relu",
    "sigmoid",
    "softmax",
    "spherical",
    "tanh",
]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Lagrangian(NamedBySettings):
    """A named Lagrangian ``L: R^n -> R`` of one vector.

    Equality and hashing use ``name`` and ``params`` (not the function object), so two
    Lagrangians built with the same settings share compiled code when passed as static
    arguments to ``jax.jit``.

    Attributes
    ----------
    name : str
        Factory name, e.g. ``"softmax"``.
    params : tuple of (str, float)
        The settings the factory was called with.
    convex : bool
        Whether the Hessian is positive semi-definite everywhere, the condition under which
        the two-layer energy is a Lyapunov function.
    fn : callable
        The scalar function itself.
    """

    name: str
    params: tuple[tuple[str, float], ...]
    convex: bool
    fn: Callable[[Float[Array, " n"]], Float[Array, ""]]
    _namespace = "lagrangians"

    def __call__(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        if jnp.ndim(x) != 1:
            raise ValueError(
                f"Lagrangian {self.name!r} takes one vector; got shape {jnp.shape(x)}. "
                "Batch with jax.vmap."
            )
        return self.fn(x)

    def activation(self, x: Float[Array, " n"]) -> Float[Array, " n"]:
        """The activation ``g = dL/dx`` of one vector."""
        return jax.grad(self.__call__)(x)


def _make(name: str, fn, *, convex: bool, **params) -> Lagrangian:
    return Lagrangian(name, tuple(params.items()), convex, fn)


def quadratic() -> Lagrangian:
    """``L = |x|^2 / 2``; identity activation (Model B feature neurons)."""
    return _make("quadratic", lambda x: 0.5 * jnp.vdot(x, x), convex=True)


def absolute() -> Lagrangian:
    """``L = sum |x_i|``; activation ``sign(x)``: binary +-1 neurons (Model A)."""
    return _make("absolute", lambda x: jnp.sum(jnp.abs(x)), convex=True)


def softmax(beta: float = 1.0) -> Lagrangian:
    """``L = logsumexp(beta x) / beta``; activation ``softmax(beta x)`` (Model B hidden layer)."""
    check_positive("beta", beta)
    return _make(
        "softmax",
        lambda x: scaled_logsumexp(x, beta) / beta,
        convex=True,
        beta=beta,
    )


def polynomial(n: int) -> Lagrangian:
    """``L = sum x_i^n / n``; activation ``x^(n-1)``. Convex only for even ``n``."""
    n = check_integer("n", n, minimum=1)
    return _make("polynomial", lambda x: jnp.sum(x**n) / n, convex=n % 2 == 0 or n == 1, n=n)


def rectified_polynomial(n: int) -> Lagrangian:
    """``L = sum max(x_i, 0)^n / n``; activation ``relu(x)^(n-1)``; convex for ``n >= 1``."""
    n = check_integer("n", n, minimum=1)
    return _make(
        "rectified_polynomial",
        lambda x: jnp.sum(jax.nn.relu(x) ** n) / n,
        convex=True,
        n=n,
    )


def relu() -> Lagrangian:
    """``L = sum max(x_i, 0)^2 / 2``; activation ``relu(x)``: neurons that can die.

    Its Hessian vanishes on the negative orthant, which gives the flat energy regions studied
    by Fanaskov & Oseledets.
    """
    return _make("relu", lambda x: 0.5 * jnp.sum(jax.nn.relu(x) ** 2), convex=True)


def exponential(beta: float = 1.0) -> Lagrangian:
    """``L = sum exp(beta x_i) / beta``; activation ``exp(beta x)`` (exponential DAM)."""
    check_positive("beta", beta)
    return _make(
        "exponential",
        lambda x: jnp.sum(jnp.exp(beta * x)) / beta,
        convex=True,
        beta=beta,
    )


def tanh(beta: float = 1.0) -> Lagrangian:
    """``L = sum log cosh(beta x_i) / beta``; activation ``tanh(beta x)``."""
    check_positive("beta", beta)
    return _make("tanh", lambda x: jnp.sum(log_cosh(beta * x)) / beta, convex=True, beta=beta)


def sigmoid(beta: float = 1.0) -> Lagrangian:
    """``L = sum softplus(beta x_i) / beta``; activation ``sigmoid(beta x)``."""
    check_positive("beta", beta)
    return _make("sigmoid", lambda x: jnp.sum(softplus(beta * x)) / beta, convex=True, beta=beta)


def spherical() -> Lagrangian:
    """``L = |x|``; activation ``x / |x|`` (Model C), defined as 0 at the origin."""
    return _make("spherical", safe_norm, convex=True)


def layernorm(gamma: float = 1.0, delta: float = 0.0, eps: float = 1e-5) -> Lagrangian:
    """Layer-norm Lagrangian ``L = gamma sqrt(n) |x - mean(x)|_eps + delta sum x``.

    Its activation is the layer norm ``gamma (x - mean) / sqrt(var + eps) + delta``
    (the energy-transformer Lagrangian of Hoover et al.). Convex for ``gamma >= 0``.
    """
    check_positive("gamma", gamma, allow_zero=True)
    check_positive("eps", eps)

    def fn(x):
        centred = x - jnp.mean(x)
        n = x.shape[-1]
        return gamma * n * jnp.sqrt(jnp.mean(centred**2) + eps) + delta * jnp.sum(x)

    return _make("layernorm", fn, convex=True, gamma=gamma, delta=delta, eps=eps)
