"""Case 1, KDE scoring: the euclidean softmax memory's ``score_samples`` against
:class:`sklearn.neighbors.KernelDensity` run exactly (``atol=rtol=0``) at the same bandwidth.

The memory with ``beta = 1 / h^2`` is exactly a Gaussian KDE of bandwidth ``h``; both sides
score the same queries in float64. Accuracy is the largest absolute difference of the log
densities. Our throughput counts the ``2 n q d`` flops of the distance products and is
reported as a fraction of the measured float64 (and float32) matmul peak.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import KernelDensity

from benchmarks.harness import record, time_pair
from ebm_memory.estimators import DenseAssociativeMemory

__all__ = ["SHAPES", "kde_records"]

SHAPES = {
    "tiny": [(500, 2, 100)],
    "quick": [(5000, 2, 500), (5000, 64, 500)],
    "full": [(5000, 2, 2000), (20000, 16, 2000), (20000, 64, 2000)],
}
"""(n memories, dimension, queries) per benchmark size."""


def _data(n, dimension, n_queries, seed=0):
    """Points from a 10-component Gaussian mixture, queries from the same law, and a
    Scott's-rule bandwidth."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(10, dimension))
    points = centres[rng.integers(10, size=n + n_queries)] + rng.normal(
        size=(n + n_queries, dimension)
    )
    bandwidth = float(n ** (-1.0 / (dimension + 4)) * points.std())
    return points[:n], points[n:], bandwidth


def kde_records(size: str, machine: dict, repeats: int = 3) -> list[dict]:
    """One record per shape of :data:`SHAPES` ``[size]``."""
    return [_kde_record(*shape, machine, repeats) for shape in SHAPES[size]]


def _kde_record(n, dimension, n_queries, machine, repeats):
    points, queries, bandwidth = _data(n, dimension, n_queries)
    ours = DenseAssociativeMemory(similarity="euclidean", beta=bandwidth**-2.0).fit(points)
    peer = KernelDensity(bandwidth=bandwidth, atol=0, rtol=0).fit(points)
    timing = time_pair(
        lambda: ours.score_samples(queries), lambda: peer.score_samples(queries), repeats
    )
    difference = np.abs(ours.score_samples(queries) - peer.score_samples(queries)).max()
    gflops = 2 * n * n_queries * dimension / timing.ours_seconds / 1e9
    return record(
        "kde_scoring",
        f"n={n} d={dimension}",
        {"memories": n, "features": dimension, "queries": n_queries},
        "DenseAssociativeMemory.score_samples (float64)",
        "KernelDensity(atol=0, rtol=0)",
        timing,
        "max abs log density difference",
        difference,
        bandwidth=bandwidth,
        ours_gflops=gflops,
        fraction_of_float64_peak=gflops / machine["matmul_gflops_float64"],
        fraction_of_float32_peak=gflops / machine["matmul_gflops_float32"],
    )
