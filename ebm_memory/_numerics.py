"""Scalar functions with closed-form derivatives that stay finite where autodiff would not."""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["log_cosh", "safe_norm", "scaled_logsumexp", "scaled_softmax", "softplus"]


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


def scaled_logsumexp(scores, scale, axis: int = 0):
    """``log sum exp(scale * scores)`` along ``axis``, never forming ``scale * scores``.

    Subtracting the peak before scaling keeps the largest term at exactly zero. The naive
    ``logsumexp(scale * scores)`` is unsafe under ``jit`` at large ``scale``: XLA fuses the
    product and the peak subtraction into a fused multiply-add, whose exact product differs
    from the rounded one by up to ``scale * ulp`` (``exp(2048)`` at ``scale = 1e8`` in
    float32). ``-inf`` scores contribute zero.
    """
    peak = jax.lax.stop_gradient(jnp.max(scores, axis=axis, keepdims=True))
    peak = jnp.where(jnp.isfinite(peak), peak, 0.0)
    total = jnp.sum(jnp.exp(scale * (scores - peak)), axis=axis)
    return scale * jnp.squeeze(peak, axis) + jnp.log(total)


def scaled_softmax(scores, scale):
    """``softmax(scale * scores)`` over a vector, with the same safety as above."""
    peak = jax.lax.stop_gradient(jnp.max(scores))
    weights = jnp.exp(scale * (scores - jnp.where(jnp.isfinite(peak), peak, 0.0)))
    return weights / jnp.sum(weights)
