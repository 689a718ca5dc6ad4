"""Input checks shared by the public drivers.

Pure JAX functions cannot inspect traced values, so every check that needs concrete numbers
(finiteness, positivity) lives here and runs at the edges, before anything is traced.
"""

from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.utils._param_validation import Interval


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


def check_open_unit(name: str, value):
    """Raise unless ``value`` is a real number strictly between 0 and 1."""
    if isinstance(value, bool) or not (isinstance(value, numbers.Real) or np.ndim(value) == 0):
        raise TypeError(f"{name} must be a real number in (0, 1), got {type(value).__name__}.")
    if not 0 < float(value) < 1:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}.")
    return float(value)


def check_prng_key(key):
    """Raise unless ``key`` is a JAX PRNG key: ``jax.random.key(seed)`` or a legacy
    ``jax.random.PRNGKey(seed)`` (uint32 array of shape (2,))."""
    typed = isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
    legacy = isinstance(key, jax.Array) and key.dtype == jnp.uint32 and key.shape == (2,)
    if not (typed and key.shape == ()) and not legacy:
        described = (
            type(key).__name__
            if not isinstance(key, jax.Array)
            else (f"an array of dtype {key.dtype} and shape {tuple(key.shape)}")
        )
        raise TypeError(f"key must be one JAX PRNG key, e.g. jax.random.key(0); got {described}.")
    return key


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


def check_positions(init, num_chains: int) -> jax.Array:
    """Initial sampler positions as a finite, real, floating array.

    Parameters
    ----------
    init : array-like (D,) or (num_chains, D)
        A single position is shared by all chains.
    num_chains : int

    Returns
    -------
    jax.Array (num_chains, D), D >= 1
    """
    init = np.asarray(init) if not isinstance(init, jax.Array) else init
    if init.dtype.kind not in "biuf":
        raise TypeError(
            f"init must hold real numbers, got dtype {init.dtype}; pass the real part "
            "(or stack real and imaginary parts as separate coordinates)."
        )
    init = jnp.asarray(init)
    if not jnp.issubdtype(init.dtype, jnp.floating):
        init = init.astype(jnp.result_type(float))
    if init.ndim == 1:
        init = jnp.broadcast_to(init, (num_chains, init.shape[0]))
    if init.ndim != 2 or init.shape[0] != num_chains or init.shape[1] == 0:
        raise ValueError(
            f"init must have shape (D,) or (num_chains, D) = ({num_chains}, D) with D >= 1; "
            f"got {tuple(init.shape)}."
        )
    if not bool(jnp.all(jnp.isfinite(init))):
        raise ValueError("init contains NaN or infinite values; start the chains at finite points.")
    return init


def check_scalar_energy(energy_fn, position):
    """Evaluate ``energy_fn`` once at ``position`` and return the energy's dtype.

    Raises ``ValueError`` when the call fails (naming the position's shape, which is what a
    wrong dimension usually breaks) or returns something other than a scalar, ``TypeError``
    when the scalar is not real. Finiteness is left to the sampler's start check, which
    covers every chain and the gradient.

    Parameters
    ----------
    energy_fn : callable (D,) -> scalar
    position : jax.Array (D,)

    Returns
    -------
    numpy dtype of the energy
    """
    shape = tuple(position.shape)
    try:
        value = jnp.asarray(energy_fn(position))
    except Exception as error:
        raise ValueError(
            f"energy_fn failed on one position of shape {shape} (D = {shape[0]}, from init): "
            f"{type(error).__name__}: {str(error).rstrip('.')}. Check that init has as many "
            "coordinates as energy_fn expects."
        ) from error
    if value.shape != ():
        raise ValueError(
            f"energy_fn must return a scalar for one position of shape {shape}, got shape "
            f"{tuple(value.shape)}; a batch of energies means it is not written for one position."
        )
    if not jnp.issubdtype(value.dtype, jnp.floating) and not jnp.issubdtype(
        value.dtype, jnp.integer
    ):
        raise TypeError(f"energy_fn must return a real number, got dtype {value.dtype}.")
    return value.dtype


MAX_OVERLAP_ROUNDING = 1e-6
"""Largest float64 rounding error tolerated in an overlap ``xi . v``: the label neurons of
:class:`~ebm_memory.DenseAssociativeClassifier` shift overlaps by at most 2, and their effect
must stay far above the rounding."""


def check_overlap_range(X: np.ndarray, n_labels: int, degree: int | None) -> None:
    """Raise ``ValueError`` when rows of ``X`` (n, N) are too large for overlaps with
    memories in ``[-1, 1]`` to be computed in float64.

    An overlap with a memory of ``N + n_labels`` entries in ``[-1, 1]`` is at most ``H = sum
    |x| + n_labels``. Its rounding error ``H eps`` must stay below
    :data:`MAX_OVERLAP_ROUNDING` (else the label terms vanish and every drive is equal), and
    for a polynomial interaction of vertex order ``degree`` (None: log domain) ``H^degree``
    must be finite.
    """
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    bound = float(np.max(np.sum(np.abs(X), axis=1), initial=0.0)) + n_labels
    info = np.finfo(np.float64)
    problems = []
    if bound * info.eps > MAX_OVERLAP_ROUNDING:
        problems.append("float64 rounding there swamps the label neurons' contribution")
    if degree is not None and degree * np.log(bound) >= np.log(info.max):
        problems.append(f"F(h) = h^{degree} overflows float64 there")
    if not problems:
        return
    fix = " (or lower degree)" if len(problems) == 1 and degree is not None else ""
    raise ValueError(
        f"Features up to |x| = {largest:.3g} give overlaps up to {bound:.3g} with memories in "
        f"[-1, 1]; {' and '.join(problems)}. The feature neurons expect values in [-1, 1]: "
        f"scale the features first, e.g. with MinMaxScaler(feature_range=(-1, 1)){fix}."
    )


def check_feature_match(state_name: str, state, memories) -> None:
    """Raise when the last axis of a state does not match the memories' feature count."""
    if state.shape[-1] != memories.shape[-1]:
        raise ValueError(
            f"{state_name} has {state.shape[-1]} features but the memories have "
            f"{memories.shape[-1]} (memories shape {tuple(memories.shape)})."
        )


def as_states(name: str, states, memories) -> tuple[jax.Array, jax.Array]:
    """States (D,) or (B, D) and memories (K, D) as float arrays of one dtype, with the
    states' feature count checked against the memories'."""
    memories = as_float_array("memories", memories, ndim=(2,))
    states = as_float_array(name, states, ndim=(1, 2))
    check_feature_match(name, states, memories)
    dtype = jnp.result_type(states, memories)
    return states.astype(dtype), memories.astype(dtype)


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
    """Rows of ``X`` (n, D) scaled to unit length.

    All-zero rows have no direction and are refused, and so is ``D = 1``: the unit sphere
    in one dimension is the two points -1 and +1, so every row would collapse to its sign.
    """
    if X.shape[1] < 2:
        raise ValueError(
            f"{model} needs at least 2 features, got n_features={X.shape[1]}: it maps rows "
            "to the unit sphere, which in 1-D is just the two points -1 and +1 (each row "
            "would become its sign). Use a model that keeps magnitudes (e.g. "
            "model='softmax') or add features."
        )
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"{model} needs non-zero rows: it depends on x / |x|.")
    return X / norms


class RealNotBool(Interval):
    """scikit-learn's ``Interval(Real, ...)`` constraint without booleans (``True`` is an
    ``Integral`` and so a ``Real`` to Python, and would pass as 1)."""

    def __init__(self, left, right, *, closed):
        super().__init__(numbers.Real, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)

    def __str__(self):
        return f"{super().__str__()} (not a bool)"
