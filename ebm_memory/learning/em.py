"""One expectation-maximisation engine for mixtures of memories.

Every mixture the package learns has components ``k`` whose log joint with a row ``x`` is
``beta s_k(x)`` up to terms that do not depend on ``k`` (the log weights enter ``s_k`` as
``log pi_k / beta``). The E-step (:func:`e_step`) streams weighted rows and returns the
sums that every M-step needs: ``sum_n w_n log sum_k exp(beta s_k(x_n))``, the masses
``R_k = sum_n w_n r_{nk}`` and the first moments ``S_k = sum_n w_n r_{nk} x_n`` with the
responsibilities ``r_{nk} = softmax_k(beta s_k(x_n))``. The M-steps differ by model:

- Gaussian means ``S_k / R_k`` (:func:`mean_m_step`; Model B with euclidean similarity and
  the isotropic mixture of :mod:`ebm_memory.learning.clustering`);
- Gaussian means tied to their weights (``dot_m_step`` in :mod:`ebm_memory.learning.mixture`);
- von Mises-Fisher mean directions ``S_k / |S_k|`` (:func:`direction_m_step`; Model C and
  the cosine mixture).

Components with no mass (``R_k <= N eps``) keep their memory. :func:`iterate_objective`
runs any ``step(state, data) -> (objective, state)`` to convergence in chunks of a fixed
number of jitted iterations, so ``max_iter`` and ``tol`` are traced: changing them does not
compile again. The memories start at k-means++ seeds drawn by
:func:`sklearn.cluster.kmeans_plusplus` (:func:`kmeans_plusplus_seeds`).

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.learning.em import e_step, kmeans_plusplus_seeds, mean_m_step
>>> X = jnp.array([[0.0, 0.0], [0.2, 0.0], [4.0, 0.0], [4.2, 0.0]])
>>> memories = kmeans_plusplus_seeds(X, 2, jax.random.key(0))
>>> statistics = e_step(lambda x: -0.5 * jnp.sum((memories - x) ** 2, axis=1), X,
...                     jnp.ones(4), 4.0)
>>> new = mean_m_step(memories, statistics.mass, statistics.moment, 4)
>>> sorted(round(float(value), 1) for value in new[:, 0])
[0.1, 4.1]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int
from sklearn.cluster import kmeans_plusplus

from ebm_memory._numerics import scaled_logsumexp, scaled_softmax

__all__ = [
    "EMResult",
    "Statistics",
    "direction_m_step",
    "e_step",
    "empty_components",
    "iterate_objective",
    "kmeans_plusplus_seeds",
    "mean_m_step",
]

CHUNK = 64  # jitted iterations between two checks on the host


class Statistics(NamedTuple):
    """Sufficient statistics of one E-step.

    Parameters
    ----------
    log_evidence : float
        ``sum_n w_n log sum_k exp(beta s_k(x_n))``.
    mass : array of shape (K,)
        ``R_k = sum_n w_n r_{nk}``.
    moment : array of shape (K, D)
        ``S_k = sum_n w_n r_{nk} x_n``.
    """

    log_evidence: Float[Array, ""]
    mass: Float[Array, " K"]
    moment: Float[Array, "K D"]


class EMResult(NamedTuple):
    """Result of :func:`iterate_objective`.

    Parameters
    ----------
    state : pytree
        The state after the last update.
    n_iter : int
        The number of updates applied.
    converged : bool
        Whether the objective settled before ``max_iter`` updates.
    objective : array of shape (max_iter,)
        The objective before each update (entry 0 at the initial state), NaN after stopping.
    """

    state: Any
    n_iter: int
    converged: bool
    objective: Float[Array, " T"]


class _Progress(NamedTuple):
    state: Any
    n_iter: Int[Array, ""]
    previous: Float[Array, ""]
    done: Bool[Array, ""]


def kmeans_plusplus_seeds(X: Float[Array, "N D"], n_memories: int, key) -> Float[Array, "K D"]:
    """``n_memories`` data rows chosen by scikit-learn's greedy k-means++ seeding.

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data rows.
    n_memories : int
        K, at most N.
    key : PRNG key
        PRNG key; it draws the integer seed of :func:`sklearn.cluster.kmeans_plusplus`.

    Returns
    -------
    jax.Array of shape (K, D)
        The seeds, rows of ``X``, in the dtype of ``X``.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    >>> kmeans_plusplus_seeds(X, 2, jax.random.key(0)).shape
    (2, 2)
    """
    seed = int(jax.random.randint(key, (), 0, np.iinfo(np.int32).max))
    rows = np.asarray(X)
    seeds, _ = kmeans_plusplus(rows, n_memories, random_state=seed)
    return jnp.asarray(seeds)


def e_step(
    scores: Callable[[Array], Array],
    X: Float[Array, "N D"],
    weights: Float[Array, " N"],
    beta,
    chunk_size: int | None = None,
) -> Statistics:
    """Weighted E-step sums, streamed over chunks of rows (module docs).

    Parameters
    ----------
    scores : callable
        ``scores(x)`` of one row of shape (D,), the component scores ``s_k(x)`` of shape (K,).
    X : jax.Array of shape (N, D)
        The rows.
    weights : jax.Array of shape (N,)
        Row weights (0 for padding rows).
    beta : float
        The inverse temperature that scales the scores.
    chunk_size : int, optional
        Rows per chunk (None: all at once).

    Returns
    -------
    Statistics
        The log evidence, masses of shape (K,) and first moments of shape (K, D).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> X = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    >>> statistics = e_step(lambda x: jnp.eye(2) @ x, X, jnp.ones(2), 50.0)
    >>> statistics.mass.round(3).tolist()
    [1.0, 1.0]
    """
    n_rows, n_features = X.shape
    size = n_rows if chunk_size is None else min(int(chunk_size), n_rows)
    n_chunks = -(-n_rows // size)
    padding = n_chunks * size - n_rows
    rows = jnp.pad(X, ((0, padding), (0, 0))).reshape(n_chunks, size, n_features)
    row_weights = jnp.pad(weights, (0, padding)).reshape(n_chunks, size)

    def chunk_sums(rows, weight):
        def one(x):
            values = scores(x)
            return scaled_logsumexp(values, beta), scaled_softmax(values, beta)

        log_norms, responsibilities = jax.vmap(one)(rows)
        responsibilities = responsibilities * weight[:, None]
        return Statistics(
            jnp.sum(weight * log_norms),
            jnp.sum(responsibilities, axis=0),
            responsibilities.T @ rows,
        )

    def body(total, chunk):
        return jax.tree.map(jnp.add, total, chunk_sums(*chunk)), None

    first = chunk_sums(rows[0], row_weights[0])
    total, _ = jax.lax.scan(body, first, (rows[1:], row_weights[1:]))
    return total


def empty_components(mass: Float[Array, " K"], n_samples) -> Bool[Array, " K"]:
    """Components whose mass is at most ``n_samples`` times the machine epsilon.

    Parameters
    ----------
    mass : jax.Array of shape (K,)
        The E-step masses ``R_k``.
    n_samples : float
        The total weight of the rows.

    Returns
    -------
    jax.Array of shape (K,)
        True where a component is empty.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> empty_components(jnp.array([3.0, 0.0]), 3).tolist()
    [False, True]
    """
    return mass <= n_samples * jnp.finfo(mass.dtype).eps


def mean_m_step(
    memories: Float[Array, "K D"], mass: Float[Array, " K"], moment: Float[Array, "K D"], n_samples
) -> Float[Array, "K D"]:
    """Gaussian M-step ``xi_k = S_k / R_k``; empty components keep their memory.

    Parameters
    ----------
    memories : jax.Array of shape (K, D)
        The current memories.
    mass : jax.Array of shape (K,)
        The masses ``R_k``.
    moment : jax.Array of shape (K, D)
        The first moments ``S_k``.
    n_samples : float
        The total weight of the rows.

    Returns
    -------
    jax.Array of shape (K, D)
        The updated memories.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> mean_m_step(jnp.zeros((1, 2)), jnp.array([2.0]), jnp.array([[2.0, 4.0]]), 2).tolist()
    [[1.0, 2.0]]
    """
    empty = empty_components(mass, n_samples)
    means = moment / jnp.where(empty, 1.0, mass)[:, None]
    return jnp.where(empty[:, None], memories, means)


def direction_m_step(
    memories: Float[Array, "K D"], mass: Float[Array, " K"], moment: Float[Array, "K D"], n_samples
) -> Float[Array, "K D"]:
    """von Mises-Fisher M-step ``xi_k = S_k / |S_k|``; empty components keep their memory.

    Parameters
    ----------
    memories : jax.Array of shape (K, D)
        The current unit memories.
    mass, moment : jax.Array of shape (K,) and (K, D)
        The E-step sums ``R_k`` and ``S_k``.
    n_samples : float
        ``N``, the total weight of the rows (defines an empty component).

    Returns
    -------
    jax.Array of shape (K, D)
        The updated unit memories.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> direction_m_step(jnp.zeros((1, 2)), jnp.ones(1), jnp.array([[3.0, 4.0]]), 1).tolist()
    [[0.6, 0.8]]
    """
    tiny = 10 * jnp.finfo(moment.dtype).eps
    lengths = jnp.linalg.norm(moment, axis=1, keepdims=True)
    empty = empty_components(mass, n_samples)
    return jnp.where(empty[:, None], memories, moment / jnp.maximum(lengths, tiny))


@functools.partial(jax.jit, static_argnames=("step", "two_sided"))
def _advance(step, two_sided, progress, data, max_iter, tol):
    """At most :data:`CHUNK` further iterations, and the objective before each of them."""

    def settled(previous, value):
        change = jnp.abs(value - previous) if two_sided else value - previous
        return change < tol * (1 + jnp.abs(value))

    def body(carry):
        (state, k, previous, _), i, trace = carry
        value, state = step(state, data)
        done = (k > 0) & settled(previous, value)
        return _Progress(state, k + 1, value, done), i + 1, trace.at[i].set(value)

    def more(carry):
        progress, i, _ = carry
        return ~progress.done & (progress.n_iter < max_iter) & (i < CHUNK)

    trace = jnp.full(CHUNK, jnp.nan, progress.previous.dtype)
    progress, _, trace = jax.lax.while_loop(more, body, (progress, 0, trace))
    return progress, trace


def iterate_objective(
    step: Callable, state, data, *, max_iter: int, tol: float, two_sided: bool = False
) -> EMResult:
    """Run ``objective, state = step(state, data)`` until the objective settles.

    Parameters
    ----------
    step : callable
        A hashable function of ``(state, data)``, jitted once per ``step`` and shapes.
    state : pytree
        The initial state; its first leaf's dtype is the objective's.
    data : pytree
        Arrays the step reads (traced).
    max_iter : int
        The most updates.
    tol : float
        Stop after the first update whose objective ``l`` rose over the previous one by
        less than ``tol * (1 + |l|)`` (``two_sided``: changed by less, in either direction).
    two_sided : bool, default=False
        Compare the absolute change (for losses that need not rise monotonically).

    Returns
    -------
    EMResult
        The last state, the number of updates, convergence and the objective of shape
        (max_iter,).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> def halve(x, data):
    ...     return -x, x / 2
    >>> result = iterate_objective(halve, jnp.array(1.0), (), max_iter=100, tol=1e-3)
    >>> int(result.n_iter), bool(result.converged)
    (11, True)
    """
    dtype = jax.tree.leaves(state)[0].dtype
    progress = _Progress(
        state, jnp.zeros((), jnp.int32), jnp.full((), jnp.nan, dtype), jnp.zeros((), bool)
    )
    bound, tol = jnp.asarray(max_iter, jnp.int32), jnp.asarray(tol, dtype)
    traces = []
    while True:
        progress, trace = _advance(step, two_sided, progress, data, bound, tol)
        traces.append(trace)
        n_iter = int(progress.n_iter)
        if bool(progress.done) or n_iter >= max_iter:
            break
    objective = jnp.full(max_iter, jnp.nan, dtype).at[:n_iter].set(jnp.concatenate(traces)[:n_iter])
    return EMResult(progress.state, n_iter, bool(progress.done), objective)
