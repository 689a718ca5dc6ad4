"""Case 3, scale: scoring queries against 10^6 memories of dimension 64 on the streaming
path, with the time and the peak resident memory against the size of the memory matrix.

The measurement runs in a fresh Python process so that its peak RSS (``ru_maxrss``) belongs
to this case alone: the baseline is the resident memory once the caller's data exist (Linux
``/proc/self/status``), the peak is read after fitting and scoring
``DenseAssociativeMemory(similarity="euclidean")`` in float64 (its default chunk size).
There is no peer: the dense alternative, a (queries x memories) matrix of logits, would need
``queries x memories x 8`` bytes (8 GB at full size), and the goal is a peak under twice the
memory matrix plus 500 MB. Our footprint holds the estimator's own copy of the memories
(scikit-learn estimators do not alias the caller's array) and JAX's device buffer (on CPU
JAX does not alias numpy memory either), so it cannot go below twice the matrix.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.harness import Timing, record
from ebm_memory.energies.streaming import default_chunk_size

__all__ = ["SHAPES", "scale_records"]

SHAPES = {
    "tiny": (20_000, 64, 100),
    "quick": (200_000, 64, 1000),
    "full": (1_000_000, 64, 1000),
}
"""(memories, features, queries) per benchmark size; the estimator picks its chunk size
(1,024 memories on CPU)."""

_CHILD = """
import json, resource, statistics, sys, time
import numpy as np
from ebm_memory.estimators import DenseAssociativeMemory

n_memories, n_features, n_queries, repeats = map(int, sys.argv[1:])
rng = np.random.default_rng(0)
memories = rng.normal(size=(n_memories, n_features))
queries = rng.normal(size=(n_queries, n_features))
with open("/proc/self/status") as status:
    baseline = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
memory = DenseAssociativeMemory(similarity="euclidean", beta=0.1)
start = time.perf_counter()
memory.fit(memories)
fit_seconds = time.perf_counter() - start
start = time.perf_counter()
scores = memory.score_samples(queries)
first_call = time.perf_counter() - start
times = []
for _ in range(repeats):
    start = time.perf_counter()
    memory.score_samples(queries)
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "fit_seconds": fit_seconds, "first_call": first_call, "seconds": statistics.median(times),
    "baseline_mb": baseline / 1e3, "peak_mb": peak / 1e3,
    "finite": bool(np.all(np.isfinite(scores))),
}))
"""


def scale_records(size: str, machine: dict, repeats: int = 3) -> list[dict]:
    """One record: time, peak RSS and the RSS goal for :data:`SHAPES` ``[size]``."""
    n_memories, n_features, n_queries = SHAPES[size]
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, (*SHAPES[size], repeats))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    child = json.loads(output.strip().splitlines()[-1])
    matrix_mb = n_memories * n_features * 8 / 1e6
    growth_mb = child["peak_mb"] - child["baseline_mb"]
    nan = float("nan")
    timing = Timing(child["seconds"], nan, child["first_call"], nan)
    return [
        record(
            "scale",
            f"{n_memories:.0e} x {n_features} memories, {n_queries} queries",
            {
                "memories": n_memories,
                "features": n_features,
                "queries": n_queries,
                "chunk_size": default_chunk_size(n_memories),
            },
            "DenseAssociativeMemory.score_samples, streamed (float64)",
            None,
            timing,
            "peak RSS beyond the caller's data / memory matrix",
            growth_mb / matrix_mb,
            memory_matrix_mb=matrix_mb,
            peak_rss_growth_mb=growth_mb,
            rss_goal_mb=2 * matrix_mb + 500,
            rss_goal_met=growth_mb <= 2 * matrix_mb + 500,
            dense_logits_mb_avoided=n_queries * n_memories * 8 / 1e6,
            fit_seconds=child["fit_seconds"],
            finite=child["finite"],
        )
    ]
