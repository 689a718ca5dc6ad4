"""Warnings that tell a user when learning or retrieval did not do what they expect, and the
retrieval summary the estimators return."""

from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ebm_memory._blocks import map_blocks
from ebm_memory.dynamics.separation import beta_for_separation
from ebm_memory.estimators._kernels import ModelSpec, batch_responsibilities

__all__ = [
    "METASTABLE_WEIGHT",
    "MetastableRetrievalWarning",
    "largest_memory_weights",
    "retrieval_info",
    "warn_metastable",
    "warn_unconverged",
    "warn_unlearned",
]

METASTABLE_WEIGHT = 0.5


class MetastableRetrievalWarning(UserWarning):
    """Retrieval ended in a mixture of memories rather than a single one.

    Raised by ``DenseAssociativeMemory.retrieve`` and ``predict`` when some states' largest
    attention weight on one memory is below one half; its message names the beta that would
    retrieve single memories.

    See Also
    --------
    ebm_memory.DenseAssociativeMemory.retrieve : Warns when retrieval ends between memories.
    ebm_memory.analysis.classify_fixed_points : Labels fixed points single, mixture or global.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from ebm_memory import DenseAssociativeMemory
    >>> from ebm_memory.estimators import MetastableRetrievalWarning
    >>> X = np.random.default_rng(0).normal(size=(8, 16))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = DenseAssociativeMemory(beta=0.01).fit(X).predict(X)
    >>> any(issubclass(w.category, MetastableRetrievalWarning) for w in caught)
    True
    """


def warn_unconverged(converged: np.ndarray, max_iter: int, hint: str = "") -> None:
    """``ConvergenceWarning`` naming how many retrievals did not reach a fixed point."""
    unconverged = int(np.sum(~converged))
    if unconverged:
        warnings.warn(
            f"{unconverged} of {len(converged)} retrievals did not reach a fixed point in "
            f"max_retrieval_iter={max_iter} updates{hint}.",
            ConvergenceWarning,
            stacklevel=4,
        )


def warn_unlearned(converged: bool, max_iter: int, stacklevel: int = 4) -> None:
    """``ConvergenceWarning`` when learning the memories stopped at ``max_iter``
    (``stacklevel`` points it at the user's call)."""
    if not converged:
        warnings.warn(
            f"Learning the memories did not converge in max_iter={max_iter} iterations; "
            "increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )


def retrieval_info(result, trace_energy: bool) -> dict:
    """``n_steps``, ``converged``, ``energy`` (and ``energy_trace``) of a retrieval, as numpy."""
    info = {
        "n_steps": np.asarray(result.n_steps),
        "converged": np.asarray(result.converged),
        "energy": np.asarray(result.energies, dtype=np.float64),
    }
    if trace_energy:
        info["energy_trace"] = np.asarray(result.energy_trace, dtype=np.float64)
    return info


@functools.partial(jax.jit, static_argnames="n_groups")
def _largest_group_weight(weights, group, n_groups: int):
    """Largest summed weight of one group of memories per row, (B,), from ``weights`` (B, K)
    and ``group`` (K,), the group index of each memory."""
    return jnp.max(jax.ops.segment_sum(weights.T, group, num_segments=n_groups), axis=0)


def largest_memory_weights(states, memories, beta, spec: ModelSpec) -> np.ndarray:
    """Each state's largest responsibility on one distinct memory, (n,).

    Identical memories share their weight: settling on either is not a mixture. Streamed
    over blocks of states, so memory is O(block x K), never (n, K).

    Parameters
    ----------
    states : ndarray (n, D)
    memories : ndarray (K, D)
    beta : float
    spec : ModelSpec

    Returns
    -------
    ndarray (n,)
    """
    _, group = np.unique(memories, axis=0, return_inverse=True)
    group, n_groups = jnp.asarray(group.ravel()), int(group.max()) + 1
    memories = jnp.asarray(memories)

    def largest(block):
        weights = batch_responsibilities(block, memories, beta, spec)
        return _largest_group_weight(weights, group, n_groups)

    return map_blocks(largest, states)


def warn_metastable(largest, memories, separation, beta) -> None:
    """``MetastableRetrievalWarning`` when some states' largest weight on one distinct memory
    (``largest`` (n,), from :func:`largest_memory_weights`) is below ``METASTABLE_WEIGHT``,
    with the separation and the beta that would suffice."""
    mixed = int(np.sum(np.asarray(largest) < METASTABLE_WEIGHT))
    if not mixed:
        return
    needed = beta_for_separation(separation, len(memories))
    positive = separation[separation > 0]
    typical = float(np.quantile(positive, 0.1)) if positive.size else 0.0
    warnings.warn(
        f"{mixed} of {len(largest)} retrievals ended in a metastable mixture of memories "
        f"(largest attention weight < {METASTABLE_WEIGHT}). The memories' separation (10th "
        f"percentile) is {typical:.3g}; with beta={beta:.3g} single-pattern retrieval needs "
        f"beta >= {needed:.3g} (beta='auto').",
        MetastableRetrievalWarning,
        stacklevel=4,
    )
