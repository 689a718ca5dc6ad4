"""Batched retrieval drivers: validate once, ``vmap`` the single-state dynamics, jit once.

Each driver accepts one state (D,) or a batch (B, D) and returns a
:class:`~ebm_memory.dynamics.loops.Retrieval` with the same leading shape. ``mask`` marks
known entries (True) that stay clamped to their initial values during the dynamics (pattern
completion). ``chunk_size`` streams the memories so that memory use is O(batch x chunk);
``memory_sharding`` (see :func:`ebm_memory.energies.streaming.memory_sharding`) splits them
across devices.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.dynamics import retrieve_softmax
>>> rng = np.random.default_rng(0)
>>> memories = rng.choice([-1.0, 1.0], size=(20, 64))
>>> noisy = memories[3] * np.where(rng.random(64) < 0.1, -1, 1)
>>> result = retrieve_softmax(noisy, memories, beta=1.0)
>>> bool(np.array_equal(np.sign(result.states), memories[3]))
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array

from ebm_memory._validation import (
    as_float_array,
    as_mask,
    check_feature_match,
    check_integer,
    check_positive,
)
from ebm_memory.dynamics.binary import (
    asynchronous_sweep,
    decide_unknown_bits,
    synchronous_step,
)
from ebm_memory.dynamics.continuous import spherical_step
from ebm_memory.dynamics.loops import Retrieval, iterate, relative_change
from ebm_memory.energies.effective import (
    SIMILARITIES,
    binary_energy,
    softmax_energy,
    softmax_update,
    spherical_energy,
)
from ebm_memory.energies.interactions import Interaction
from ebm_memory.energies.streaming import constrain_memories

__all__ = ["UPDATES", "retrieve_binary", "retrieve_softmax", "retrieve_spherical"]

UPDATES = ("async", "sync")


def _prepare(states, memories, mask, max_iter, chunk_size):
    states = as_float_array("states", states, ndim=(1, 2))
    memories = as_float_array("memories", memories, ndim=(2,))
    check_feature_match("states", states, memories)
    if memories.shape[0] == 0:
        raise ValueError("memories must contain at least one pattern.")
    check_integer("max_iter", max_iter, minimum=1)
    if chunk_size is not None:
        check_integer("chunk_size", chunk_size, minimum=1)
    dtype = jnp.result_type(states, memories)
    states, memories = states.astype(dtype), memories.astype(dtype)
    mask = as_mask(mask, states)
    batch = states.ndim == 2
    if not batch:
        states = states[None]
        mask = None if mask is None else mask[None]
    if mask is None:
        mask = jnp.zeros(states.shape, bool)
    return states, memories, mask, batch


def _changed_bits(new, old):
    return jnp.sum(new != old).astype(new.dtype)


class _Dynamics(NamedTuple):
    """A model's update, energy, start and convergence measure for one state."""

    step: Callable
    energy: Callable
    start: Array
    change: Callable = relative_change


def _binary_dynamics(state, clamped, memories, interaction, update, chunk_size):
    fields = {"memories": memories, "interaction": interaction, "clamped": clamped}
    if update == "sync":
        step = functools.partial(synchronous_step, **fields, chunk_size=chunk_size)
    else:
        step = functools.partial(asynchronous_sweep, **fields)
    energy = functools.partial(
        binary_energy, memories=memories, interaction=interaction, chunk_size=chunk_size
    )
    start = decide_unknown_bits(jnp.sign(state), memories, interaction, chunk_size=chunk_size)
    return _Dynamics(step, energy, start, _changed_bits)


def _clamped(step, state, clamped):
    """``step`` with the ``clamped`` entries held at their values in ``state``."""
    return lambda current: jnp.where(clamped, state, step(current))


def _softmax_dynamics(state, clamped, memories, beta, similarity, chunk_size):
    settings = {"beta": beta, "similarity": similarity, "chunk_size": chunk_size}

    def update(v):
        return softmax_update(v, memories, **settings)[0]

    energy = functools.partial(softmax_energy, memories=memories, **settings)
    return _Dynamics(_clamped(update, state, clamped), energy, state)


def _spherical_dynamics(state, clamped, memories, interaction, option, chunk_size):
    del option
    settings = {"memories": memories, "interaction": interaction, "chunk_size": chunk_size}
    step = functools.partial(spherical_step, **settings)
    energy = functools.partial(spherical_energy, **settings)
    return _Dynamics(_clamped(step, state, clamped), energy, state)


@functools.partial(
    jax.jit, static_argnames=("dynamics", "option", "chunk_size", "trace_length", "sharding")
)
def _batch(dynamics, option, chunk_size, trace_length, sharding, arrays):
    """``vmap`` of one model's dynamics; ``trace_length`` records that many energies.

    ``arrays`` holds the states, memories, mask, model parameters, ``tol`` and ``max_iter``.
    """
    states, memories, mask, params, tol, max_iter = arrays
    memories = constrain_memories(memories, sharding)

    def one(state, clamped):
        model = dynamics(state, clamped, memories, params, option, chunk_size)
        return iterate(
            model.step,
            model.energy,
            model.start,
            max_iter=max_iter if trace_length is None else trace_length,
            tol=tol,
            change=model.change,
            record_energy=trace_length is not None,
        )

    return jax.vmap(one)(states, mask)


class _Options(NamedTuple):
    """The settings every driver shares."""

    mask: object
    max_iter: int
    chunk_size: int | None
    record_energy: bool
    sharding: object


def _retriever(dynamics):
    """The batched driver of one model's ``dynamics``: validate, run jitted, unbatch."""

    def retrieve(states, memories, params, tol, option, options: _Options) -> Retrieval:
        states, memories, mask, batch = _prepare(
            states, memories, options.mask, options.max_iter, options.chunk_size
        )
        trace_length = options.max_iter if options.record_energy else None
        arrays = (states, memories, mask, params, tol, options.max_iter)
        settings = (option, options.chunk_size, trace_length, options.sharding)
        result = _batch(dynamics, *settings, arrays)
        return result if batch else jax.tree.map(lambda leaf: leaf[0], result)

    return retrieve


_binary = _retriever(_binary_dynamics)
_softmax = _retriever(_softmax_dynamics)
_spherical = _retriever(_spherical_dynamics)


_STATES = """states : array-like of shape (D,) or (B, D)
        One starting state or a batch.
    memories : array-like of shape (K, D)
        The stored patterns."""
_RETURNS = """Returns
    -------
    Retrieval
        States of the shape of ``states``, with energies, step counts and convergence."""
_MAX_ITER = """max_iter : int, default=100
        The most iterations (traced: a new value does not compile again unless
        ``record_energy``)."""
_TOL = """tol : float, default=1e-6
        The convergence threshold."""
_OPTIONS = """mask : array-like of bool of shape (D,) or (B, D), optional
        True marks known entries that stay clamped to their initial values.
    chunk_size : int, optional
        Stream the memories in chunks of this many rows (memory O(batch x chunk)).
    record_energy : bool, default=False
        Run all ``max_iter`` iterations and return the energy after each one.
    memory_sharding : jax.sharding.Sharding, optional
        Split the memories across devices
        (:func:`~ebm_memory.energies.streaming.memory_sharding`)."""


_SECTIONS = {
    "{settings}": f"{_MAX_ITER}\n    {_TOL}\n    {_OPTIONS}",
    "{states}": _STATES,
    "{max_iter}": _MAX_ITER,
    "{options}": _OPTIONS,
    "{returns}": _RETURNS,
}


def _documented(function):
    """``function`` with the shared docstring sections filled in."""
    for field, text in _SECTIONS.items():
        function.__doc__ = function.__doc__.replace(field, text)
    return function


@_documented
def retrieve_binary(
    states,
    memories,
    interaction: Interaction,
    *,
    update: str = "async",
    max_iter: int = 100,
    mask=None,
    chunk_size: int | None = None,
    record_energy: bool = False,
    memory_sharding=None,
) -> Retrieval:
    """Model A retrieval of +-1 states.

    Inputs are reduced to their signs; entries equal to 0 count as unknown and are first set
    by :func:`~ebm_memory.dynamics.binary.decide_unknown_bits` from the known ones.
    ``update="async"`` sweeps the bits in order (energy strictly decreases; converges);
    ``"sync"`` updates all bits at once and may end in a 2-cycle (reported as not converged).
    One iteration is one full sweep; convergence means a sweep changed no bit.

    Parameters
    ----------
    {states}
    interaction : Interaction
        The interaction ``F`` of the energy ``-sum_mu F(xi_mu . s)``.
    update : {"async", "sync"}, default="async"
        Sequential sweeps or synchronous updates.
    {max_iter}
    {options}

    {returns}

    See Also
    --------
    ebm_memory.dynamics.synchronous_step : The synchronous update.
    ebm_memory.dynamics.asynchronous_sweep : The asynchronous update.
    ebm_memory.samplers.annealed_binary_recall : Noisy recall with annealed Gibbs sweeps.
    ebm_memory.DenseAssociativeMemory.retrieve : The estimator's retrieval (binary models).

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
    >>> result = retrieve_binary([1.0, 1.0, -1.0, 1.0], memories, interactions.polynomial(3))
    >>> result.states.tolist(), bool(result.converged)
    ([1.0, 1.0, -1.0, -1.0], True)
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(
            "interaction must be an ebm_memory.energies.interactions.Interaction, "
            f"got {type(interaction).__name__}."
        )
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}.")
    options = _Options(mask, max_iter, chunk_size, record_energy, memory_sharding)
    return _binary(states, memories, interaction, 0.0, update, options)


@_documented
def retrieve_softmax(
    states,
    memories,
    beta: float,
    *,
    similarity: str = "dot",
    max_iter: int = 100,
    tol: float = 1e-6,
    mask=None,
    chunk_size: int | None = None,
    record_energy: bool = False,
    memory_sharding=None,
) -> Retrieval:
    """Model B retrieval by the CCCP / attention update; ``max_iter=1`` is one-step retrieval.

    Converged when an update changes the state by at most ``tol`` relative to
    ``max(1, max|v|)``.

    Parameters
    ----------
    {states}
    beta : float
        The inverse temperature.
    similarity : {"dot", "euclidean"}, default="dot"
        The similarity of the attention scores.
    {settings}

    {returns}

    See Also
    --------
    ebm_memory.energies.softmax_update : One step of the update.
    ebm_memory.samplers.annealed_langevin_recall : Noisy recall by annealed Langevin dynamics.
    ebm_memory.dynamics.separation_report : Which ``beta`` retrieves single patterns.
    ebm_memory.DenseAssociativeMemory.retrieve : The estimator's retrieval (``model="softmax"``).

    Examples
    --------
    >>> import numpy as np
    >>> memories = np.array([[1.0, 1.0, -1.0, -1.0], [1.0, -1.0, 1.0, -1.0]])
    >>> result = retrieve_softmax([0.9, 0.6, -1.0, -0.8], memories, beta=4.0)
    >>> np.round(result.states, 2).tolist()
    [1.0, 1.0, -1.0, -1.0]
    """
    check_positive("beta", beta)
    check_positive("tol", tol, allow_zero=True)
    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
    options = _Options(mask, max_iter, chunk_size, record_energy, memory_sharding)
    return _softmax(states, memories, beta, tol, similarity, options)


@_documented
def retrieve_spherical(
    states,
    memories,
    interaction: Interaction,
    *,
    max_iter: int = 100,
    tol: float = 1e-6,
    mask=None,
    chunk_size: int | None = None,
    record_energy: bool = False,
    memory_sharding=None,
) -> Retrieval:
    """Model C retrieval on the unit sphere; returned states are unit vectors.

    With a mask the clamped entries keep their input values, so those states are not
    re-normalised and energy descent is no longer guaranteed.

    Parameters
    ----------
    {states}
    interaction : Interaction
        The interaction ``F`` of the energy ``-sum_mu F(xi_mu . v_hat)``.
    {settings}

    {returns}

    See Also
    --------
    ebm_memory.dynamics.spherical_step : One step of the update.
    ebm_memory.energies.spherical_energy : The Model C energy it descends.
    ebm_memory.DenseAssociativeMemory.retrieve : The estimator's retrieval (``model="spherical"``).

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> result = retrieve_spherical([0.9, 0.3], memories, interactions.exponential(8.0))
    >>> np.round(result.states, 3).tolist()
    [1.0, 0.0]
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(f"interaction must be an Interaction, got {type(interaction).__name__}.")
    check_positive("tol", tol, allow_zero=True)
    if not bool(jnp.all(jnp.any(as_float_array("states", states, ndim=(1, 2)) != 0, axis=-1))):
        raise ValueError("Model C states must be non-zero: the energy depends on v / |v|.")
    options = _Options(mask, max_iter, chunk_size, record_energy, memory_sharding)
    return _spherical(states, memories, interaction, tol, None, options)
