"""Growing memories under a Chinese-restaurant / Pitman-Yor prior: online seating and sweeps.

Each point is seated where :func:`~ebm_memory.energies.crp.seating_log_weights` is largest: at
an existing memory, or at a new one when the new-table term wins (the MAP choice of the
sequential posterior). :func:`seat` does one online pass; :func:`reseat` is a sweep that takes
each point out of its memory and seats it again (iterated conditional modes on the
partition). Rows go through a jitted ``lax.scan`` in fixed-size blocks (one compilation per
capacity), and the table arrays grow by doubling so that a block always finds free slots.

Examples
--------
>>> import jax.numpy as jnp
>>> import numpy as np
>>> from ebm_memory.energies.crp import CRPPrior
>>> from ebm_memory.learning.nonparametric import empty_tables, seat
>>> rng = np.random.default_rng(0)
>>> X = np.concatenate([rng.normal(size=(50, 2)) * 0.1 + c for c in ([0, 0], [5, 0], [0, 5])])
>>> prior = CRPPrior(1.0, 0.0, 100.0, jnp.zeros(2), 10.0)
>>> tables, labels = seat(X, empty_tables(2), prior)
>>> int(jnp.sum(tables.counts > 0)), np.unique(labels).size
(3, 3)
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._blocks import bucket_size, map_blocks
from ebm_memory.energies.crp import CRPPrior, Tables, memory_log_weights, seating_log_weights

__all__ = [
    "BLOCK",
    "compact",
    "empty_tables",
    "hard_assign",
    "reseat",
    "seat",
    "tables_from_labels",
    "with_capacity",
]

BLOCK = 256  # rows per jitted scan
MIN_CAPACITY = 64


def empty_tables(n_features: int, capacity: int = MIN_CAPACITY) -> Tables:
    """Tables with ``capacity`` free slots.

    Parameters
    ----------
    n_features : int
        Dimension of the rows.
    capacity : int, default 64
        Number of slots.

    Returns
    -------
    Tables
        Zero ``counts`` of shape (capacity,) and zero ``sums`` of shape
        (capacity, n_features), as numpy arrays.

    See Also
    --------
    ebm_memory.learning.nonparametric.seat : Seats rows at the tables.
    ebm_memory.energies.crp.Tables : What it returns.

    Examples
    --------
    >>> tables = empty_tables(2)
    >>> tables.counts.shape, tables.sums.shape, int(tables.counts.sum())
    ((64,), (64, 2), 0)
    """
    return Tables(np.zeros(capacity), np.zeros((capacity, n_features)))


def with_capacity(tables: Tables, needed: int) -> Tables:
    """Pad the tables with free slots to a power of two (at least 64) holding ``needed``:
    jitted kernels then compile for a handful of capacities however many memories exist.

    Parameters
    ----------
    tables : Tables
        Counts of shape (capacity,) and sums of shape (capacity, n_features).
    needed : int
        Number of slots the result must have at least.

    Returns
    -------
    Tables
        ``tables`` itself when its capacity suffices; otherwise numpy copies with free slots
        appended at the end, so existing memories keep their indices.

    See Also
    --------
    ebm_memory.learning.nonparametric.compact : Drops free slots.
    ebm_memory.learning.nonparametric.empty_tables : Tables with only free slots.

    Examples
    --------
    >>> tables = empty_tables(2)
    >>> len(with_capacity(tables, 100).counts), with_capacity(tables, 10) is tables
    (128, True)
    """
    capacity = len(tables.counts)
    grown = bucket_size(needed, MIN_CAPACITY)
    if capacity >= grown:
        return tables
    extra = grown - capacity
    counts = np.concatenate([np.asarray(tables.counts), np.zeros(extra)])
    sums = np.concatenate([np.asarray(tables.sums), np.zeros((extra, tables.sums.shape[1]))])
    return Tables(counts, sums)


def _move(tables: Tables, x, index, sign):
    return Tables(tables.counts.at[index].add(sign), tables.sums.at[index].add(sign * x))


def _choose(x, tables, prior):
    """Index of the chosen memory; the new-table choice maps to the first free slot."""
    weights = seating_log_weights(x, tables, prior)
    choice = jnp.argmax(weights)
    free = jnp.argmin(tables.counts > 0)
    return jnp.where(choice == len(tables.counts), free, choice)


@functools.partial(jax.jit, static_argnames="remove_first")
def _seat_block(rows, labels, valid, tables, prior, remove_first):
    def body(tables, row):
        x, label, keep = row
        if remove_first:
            tables = _move(tables, x, label, -keep.astype(x.dtype))
        index = _choose(x, tables, prior)
        index = jnp.where(keep, index, label)
        return _move(tables, x, index, keep.astype(x.dtype)), index

    return jax.lax.scan(body, tables, (rows, labels, valid))


def _blocks(X, labels, tables, prior, remove_first):
    X = np.asarray(X)
    labels = np.asarray(labels, dtype=np.int64).copy()
    for start in range(0, len(X), BLOCK):
        stop = min(start + BLOCK, len(X))
        tables = with_capacity(tables, int(np.sum(np.asarray(tables.counts) > 0)) + BLOCK)
        pad = BLOCK - (stop - start)
        rows = np.pad(X[start:stop], ((0, pad), (0, 0)))
        block_labels = np.pad(labels[start:stop], (0, pad))
        valid = np.arange(BLOCK) < stop - start
        tables, chosen = _seat_block(rows, block_labels, valid, tables, prior, remove_first)
        labels[start:stop] = np.asarray(chosen)[: stop - start]
    return Tables(np.asarray(tables.counts), np.asarray(tables.sums)), labels


def seat(X, tables: Tables, prior: CRPPrior) -> tuple[Tables, np.ndarray]:
    """One online pass: seat the rows of ``X`` in order.

    The tables grow when a block of rows could fill them; existing memories keep their indices.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Rows, seated in order.
    tables : Tables
        Counts of shape (capacity,) and sums of shape (capacity, n_features) of the memories
        so far (:func:`empty_tables` to start).
    prior : CRPPrior
        Prior and component precision.

    Returns
    -------
    tables : Tables
        The statistics with the rows added, as numpy arrays.
    labels : ndarray of shape (n_samples,)
        Memory index (int64) of each row.

    See Also
    --------
    ebm_memory.energies.crp.seating_log_weights : The weights each row is seated by.
    ebm_memory.learning.nonparametric.reseat : A sweep that seats every row again.
    ebm_memory.NonparametricMemory.partial_fit : Seats rows from the estimator.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> from ebm_memory.energies.crp import CRPPrior
    >>> prior = CRPPrior(1.0, 0.0, 100.0, jnp.zeros(2), 10.0)
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    >>> tables, labels = seat(X, empty_tables(2), prior)
    >>> labels.tolist(), tables.counts[:3].tolist()  # the far row opens a second memory
    ([0, 0, 1], [2.0, 1.0, 0.0])
    """
    return _blocks(X, np.zeros(len(X), np.int64), tables, prior, remove_first=False)


def reseat(X, labels, tables: Tables, prior: CRPPrior) -> tuple[Tables, np.ndarray]:
    """One sweep: take each row out of its memory (``labels``) and seat it again.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        The rows already seated in ``tables``.
    labels : array_like of shape (n_samples,)
        Current memory index of each row.
    tables : Tables
        Counts of shape (capacity,) and sums of shape (capacity, n_features) that include
        every row of ``X`` at its label.
    prior : CRPPrior
        Prior and component precision.

    Returns
    -------
    tables : Tables
        The statistics after the sweep, as numpy arrays (emptied memories become free).
    labels : ndarray of shape (n_samples,)
        New memory index (int64) of each row.

    See Also
    --------
    ebm_memory.learning.nonparametric.seat : The online pass before the sweeps.
    ebm_memory.NonparametricMemory.fit : Seats, sweeps and prunes.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> from ebm_memory.energies.crp import CRPPrior
    >>> prior = CRPPrior(1.0, 0.0, 100.0, jnp.zeros(2), 10.0)
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    >>> tables, labels = seat(X, empty_tables(2), prior)
    >>> tables, labels = reseat(X, labels, tables, prior)
    >>> labels.tolist(), int(tables.counts.sum())
    ([0, 0, 1], 3)
    """
    return _blocks(X, labels, tables, prior, remove_first=True)


def compact(tables: Tables, labels: np.ndarray) -> tuple[Tables, np.ndarray]:
    """Drop free slots; memories keep their order and labels are renumbered to match.

    Parameters
    ----------
    tables : Tables
        Counts of shape (capacity,) and sums of shape (capacity, n_features).
    labels : ndarray of shape (n_samples,)
        Memory index of each row; every label must be a memory in use.

    Returns
    -------
    tables : Tables
        Counts of shape (n_memories,) and sums of shape (n_memories, n_features) of the
        memories in use, as numpy arrays.
    labels : ndarray of shape (n_samples,)
        The labels renumbered ``0, ..., n_memories - 1``.

    See Also
    --------
    ebm_memory.learning.nonparametric.with_capacity : Pads the tables with free slots.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.energies.crp import Tables
    >>> tables = Tables(np.array([2.0, 0.0, 1.0]), np.array([[0.1, 0.0], [0.0, 0.0], [5.0, 5.0]]))
    >>> compacted, labels = compact(tables, np.array([0, 0, 2]))
    >>> compacted.counts.tolist(), labels.tolist()
    ([2.0, 1.0], [0, 0, 1])
    """
    counts = np.asarray(tables.counts)
    active = np.flatnonzero(counts > 0)
    renumber = np.full(len(counts), -1)
    renumber[active] = np.arange(len(active))
    return Tables(counts[active], np.asarray(tables.sums)[active]), renumber[labels]


def tables_from_labels(X, labels: np.ndarray, n_memories: int) -> Tables:
    """Counts and sums of the rows of ``X`` grouped by ``labels``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows.
    labels : ndarray of shape (n_samples,)
        Memory index of each row, in ``0, ..., n_memories - 1``.
    n_memories : int
        Number of memories; those no row is labelled with are free slots.

    Returns
    -------
    Tables
        Counts of shape (n_memories,) and sums of shape (n_memories, n_features), as numpy
        arrays.

    See Also
    --------
    ebm_memory.learning.nonparametric.seat : Seats rows online instead.
    ebm_memory.energies.crp.Tables : What it returns.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    >>> tables = tables_from_labels(X, np.array([0, 0, 1]), 3)
    >>> tables.counts.tolist(), tables.sums.tolist()
    ([2.0, 1.0, 0.0], [[0.1, 0.0], [5.0, 5.0], [0.0, 0.0]])
    """
    counts = np.bincount(labels, minlength=n_memories).astype(float)
    sums = np.zeros((n_memories, X.shape[1]))
    np.add.at(sums, labels, X)
    return Tables(counts, sums)


@jax.jit
def _argmax_memory(X, tables, prior):
    return jax.vmap(lambda x: jnp.argmax(memory_log_weights(x, tables, prior)))(X)


def hard_assign(X, tables: Tables, prior: CRPPrior) -> np.ndarray:
    """The existing memory with the largest weight for each row (no new memories).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        The rows.
    tables : Tables
        Counts of shape (capacity,) and sums of shape (capacity, n_features), at least one
        memory in use.
    prior : CRPPrior
        Prior and component precision.

    Returns
    -------
    ndarray of shape (n_samples,)
        Index (int64) of the memory in use with the largest
        :func:`~ebm_memory.energies.crp.memory_log_weights` for each row.

    See Also
    --------
    ebm_memory.learning.nonparametric.seat : Seats rows, creating memories as needed.
    ebm_memory.NonparametricMemory.predict : The same assignment from the estimator.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> from ebm_memory.energies.crp import CRPPrior
    >>> prior = CRPPrior(1.0, 0.0, 100.0, jnp.zeros(2), 10.0)
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    >>> tables = tables_from_labels(X, np.array([0, 0, 1]), 2)
    >>> hard_assign(np.array([[4.0, 4.5], [0.2, -0.1]]), tables, prior).tolist()
    [1, 0]
    """
    padded = with_capacity(tables, len(tables.counts))
    return map_blocks(_argmax_memory, np.asarray(X), padded, prior).astype(np.int64)
