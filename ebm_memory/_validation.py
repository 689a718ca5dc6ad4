"""Input checks shared by the public drivers.

Pure JAX functions cannot inspect traced values, so every check that needs concrete numbers
(finiteness, positivity) lives here and runs at the edges, before anything is traced.
"""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np


def is_concrete(value) -> bool:
    """True when ``value`` is a concrete number or array, not a JAX tracer."""
    return not isinstance(value, jax.core.Tracer)


def check_positive(name: str, value, *, allow_zero: bool = False):
    """Raise ``ValueError`` unless ``value`` is a finite positive real (or zero if allowed)."""
    if not is_concrete(value):
        return value
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or np.ndim(value) == 0):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}.")
    number = float(value)
    if not np.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}.")
    return value


def check_integer(name: str, value, *, minimum: int):
    """Raise unless ``value`` is an integer no smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def as_float_array(name: str, value, *, ndim: tuple[int, ...]) -> jax.Array:
    """Convert to a floating JAX array, checking its rank and that every entry is finite.

    Integer and boolean inputs become the default float dtype; float inputs keep theirs.
    """
    if not is_concrete(value):
        array = value
    else:
        if not isinstance(value, jax.Array):
            value = np.asarray(value)
            if value.dtype.kind not in "biuf":
                raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}.")
        array = jnp.asarray(value)
        if not jnp.issubdtype(array.dtype, jnp.floating):
            if not (jnp.issubdtype(array.dtype, jnp.integer) or array.dtype == jnp.bool_):
                raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}.")
            array = array.astype(jnp.result_type(float))
        if not bool(jnp.all(jnp.isfinite(array))):
            raise ValueError(f"{name} contains NaN or infinite values.")
    if array.ndim not in ndim:
        wanted = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"{name} must be {wanted}, got shape {tuple(array.shape)}.")
    return array


def check_feature_match(state_name: str, state, memories) -> None:
    """Raise when the last axis of a state does not match the memories' feature count."""
    if state.shape[-1] != memories.shape[-1]:
        raise ValueError(
            f"{state_name} has {state.shape[-1]} features but the memories have "
            f"{memories.shape[-1]} (memories shape {tuple(memories.shape)})."
        )


def as_mask(mask, state) -> jax.Array | None:
    """Boolean clamp mask broadcast to the state's shape (True = known, kept fixed)."""
    if mask is None:
        return None
    mask = jnp.asarray(mask)
    if mask.dtype != jnp.bool_:
        raise TypeError(f"mask must be boolean, got dtype {mask.dtype}.")
    try:
        return jnp.broadcast_to(mask, state.shape)
    except ValueError as error:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not match states of shape "
            f"{tuple(state.shape)}."
        ) from error


def unit_rows(X: np.ndarray, model: str) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows have no direction and are refused."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"{model} needs non-zero rows: it depends on x / |x|.")
    return X / norms
