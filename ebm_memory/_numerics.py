"""Scalar functions with closed-form derivatives that stay finite where autodiff would not."""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["log_cosh", "safe_norm", "softplus"]


@jax.custom_jvp
def log_cosh(y):
    """``log cosh(y)`` as ``|y| + softplus(-2|y|) - log 2``; derivative ``tanh(y)``."""
    magnitude = jnp.abs(y)
    return magnitude + jax.nn.softplus(-2.0 * magnitude) - jnp.log(2.0).astype(y.dtype)


@log_cosh.defjvp
def _log_cosh_jvp(primals, tangents):
    (y,), (dy,) = primals, tangents
    return log_cosh(y), jnp.tanh(y) * dy


@jax.custom_jvp
def softplus(y):
    """``log(1 + exp(y))``; derivative ``sigmoid(y)`` evaluated directly."""
    return jax.nn.softplus(y)


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (y,), (dy,) = primals, tangents
    return softplus(y), jax.nn.sigmoid(y) * dy


@jax.custom_jvp
def safe_norm(x):
    """Euclidean norm whose derivative is ``x / |x|``, and 0 (not NaN) at the origin."""
    return jnp.sqrt(jnp.vdot(x, x))


@safe_norm.defjvp
def _safe_norm_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    norm = safe_norm(x)
    direction = x / jnp.where(norm > 0, norm, 1.0)
    return norm, jnp.vdot(direction, dx)
