"""Pattern separation and the inverse temperature needed to retrieve single patterns.

Ramsauer et al. call pattern ``i`` separated by ``Delta_i`` when its own attention score at
``x = xi_i`` exceeds every other memory's by ``Delta_i``; the one-step retrieval error is then
of order ``(K - 1) exp(-beta Delta_i)``. With dot similarity
``Delta_i = xi_i . xi_i - max_j xi_i . xi_j``; with euclidean similarity the scores
``xi . x - |xi|^2 / 2`` give ``Delta_i = min_j |xi_i - xi_j|^2 / 2``.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.dynamics.separation import pattern_separation
>>> pattern_separation(np.array([[1.0, 1.0], [1.0, -1.0]]), "dot").tolist()
[2.0, 2.0]
"""

from __future__ import annotations

import numpy as np

__all__ = ["beta_for_separation", "pattern_separation"]


def pattern_separation(
    memories: np.ndarray,
    similarity: str = "dot",
    *,
    rows: np.ndarray | None = None,
    block_elements: int = 2**23,
) -> np.ndarray:
    """Separation ``Delta_i`` of memories ``i`` in ``rows`` (default: all) from all the others;
    ``inf`` when K = 1.

    Computed in blocks of rows holding at most ``block_elements`` similarities, so the
    (K, K) matrix is never held whole; pass a subset of ``rows`` to estimate the
    distribution of separations of a large memory in O(len(rows) x K) time.
    """
    memories = np.asarray(memories, dtype=np.float64)
    rows = np.arange(len(memories)) if rows is None else np.asarray(rows)
    squared = np.sum(memories**2, axis=1)
    separation = np.full(len(rows), np.inf)
    if len(memories) < 2:
        return separation
    block_size = max(1, block_elements // len(memories))
    for start in range(0, len(rows), block_size):
        block = rows[start : start + block_size]
        scores = memories[block] @ memories.T
        if similarity == "euclidean":
            scores = scores - 0.5 * squared[None, :]
        positions = np.arange(len(block))
        own = scores[positions, block]
        scores[positions, block] = -np.inf
        separation[start : start + len(block)] = own - scores.max(axis=1)
    return separation


def beta_for_separation(
    separation: np.ndarray, n_memories: int, *, error: float = 0.01, quantile: float = 0.1
) -> float:
    """Smallest ``beta`` with ``(K - 1) exp(-beta Delta) <= error`` for the given quantile of
    the positive separations (duplicates, with ``Delta = 0``, can never be told apart).

    Returns 1.0 when there is a single memory or no positive separation.
    """
    positive = separation[np.isfinite(separation) & (separation > 0)]
    if n_memories < 2 or positive.size == 0:
        return 1.0
    delta = float(np.quantile(positive, quantile))
    return float(np.log(max(n_memories - 1, 1) / error) / delta)
