"""Retrieval throughput of the JAX core against a plain NumPy implementation.

Model B (attention) retrieval of random +-1 patterns with 10% flipped bits to convergence
(at most ``n_steps`` updates), NumPy running as many CCCP updates as ours needed, on the
same float32 data in one process, alternating, median of several repeats; JIT compile time
is measured separately. Also times streamed energies against a memory matrix too large to
materialise per batch.

    python benchmarks/retrieval.py [--quick] [--out DIR]

"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from common import write_report

from ebm_memory import DenseAssociativeMemory
from ebm_memory.dynamics import retrieve_softmax
from ebm_memory.energies import softmax_energy


def numpy_retrieve(queries, memories, beta, n_steps):
    """Reference: the same CCCP updates in NumPy (BLAS matmuls, stable softmax), and the
    final energies, as ours returns."""
    states = queries
    for _ in range(n_steps):
        logits = beta * states @ memories.T
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=1, keepdims=True)
        states = weights @ memories
    logits = beta * states @ memories.T
    peak = logits.max(axis=1)
    log_norm = peak + np.log(np.exp(logits - peak[:, None]).sum(axis=1))
    energies = 0.5 * np.sum(states**2, axis=1) - log_norm / beta
    return states, energies


def _median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def retrieval_case(n_memories, n_features, n_queries, beta, n_steps, chunk_size, repeats):
    rng = np.random.default_rng(0)
    memories = rng.choice([-1.0, 1.0], size=(n_memories, n_features)).astype(np.float32)
    picks = rng.integers(0, n_memories, n_queries)
    flips = rng.random((n_queries, n_features)) < 0.1
    queries = np.where(flips, -memories[picks], memories[picks]).astype(np.float32)
    device_memories, device_queries = jnp.asarray(memories), jnp.asarray(queries)

    def ours():
        result = retrieve_softmax(
            device_queries, device_memories, beta, max_iter=n_steps, tol=0.0, chunk_size=chunk_size
        )
        return jax.block_until_ready(result)

    start = time.perf_counter()
    result = ours()
    first_call = time.perf_counter() - start
    n_steps = int(np.asarray(result.n_steps).max())  # the batch loop runs until all converge
    ours_times, numpy_times = [], []
    for _ in range(repeats):  # alternate the two sides
        ours_times.append(_median_seconds(ours, 1))
        numpy_times.append(
            _median_seconds(lambda: numpy_retrieve(queries, memories, beta, n_steps), 1)
        )
    reference, reference_energies = numpy_retrieve(queries, memories, beta, n_steps)
    ours_seconds, numpy_seconds = statistics.median(ours_times), statistics.median(numpy_times)
    flops = (2 * n_steps + 1) * 2 * n_queries * n_memories * n_features
    return {
        "case": "model B retrieval",
        "sizes": {
            "memories": n_memories,
            "features": n_features,
            "queries": n_queries,
            "steps": n_steps,
            "chunk_size": chunk_size,
        },
        "ours_seconds": ours_seconds,
        "compile_seconds": first_call - ours_seconds,
        "peer": "numpy",
        "peer_seconds": numpy_seconds,
        "speedup": numpy_seconds / ours_seconds,
        "ours_gflops": flops / ours_seconds / 1e9,
        "max_abs_difference": float(np.abs(np.asarray(result.states) - reference).max()),
        "max_energy_relative_difference": float(
            np.max(
                np.abs(np.asarray(result.energies) - reference_energies)
                / np.abs(reference_energies)
            )
        ),
        "retrieved": float(
            np.mean(np.all(np.sign(np.asarray(result.states)) == memories[picks], axis=1))
        ),
    }


def streaming_case(n_memories, n_features, n_queries, chunk_size, repeats):
    rng = np.random.default_rng(1)
    memories = jnp.asarray(rng.normal(size=(n_memories, n_features)).astype(np.float32))
    queries = jnp.asarray(rng.normal(size=(n_queries, n_features)).astype(np.float32))
    energies = jax.jit(
        jax.vmap(
            lambda q: softmax_energy(
                q, memories, 0.1, similarity="euclidean", chunk_size=chunk_size
            )
        )
    )
    jax.block_until_ready(energies(queries))
    seconds = _median_seconds(lambda: jax.block_until_ready(energies(queries)), repeats)
    return {
        "case": "streamed euclidean energies",
        "sizes": {
            "memories": n_memories,
            "features": n_features,
            "queries": n_queries,
            "chunk_size": chunk_size,
        },
        "ours_seconds": seconds,
        "memory_matrix_mb": n_memories * n_features * 4 / 1e6,
        "dense_logits_mb_avoided": n_memories * n_queries * 4 / 1e6,
        "ours_gflops": 2 * n_queries * n_memories * n_features / seconds / 1e9,
    }


def estimator_scale_case(n_memories, n_features, n_queries, chunk_size):
    """``DenseAssociativeMemory.score_samples`` against a memory too large for dense logits;
    peak resident memory is read before and after (Linux ru_maxrss, kB)."""
    rng = np.random.default_rng(2)
    memories = rng.normal(size=(n_memories, n_features))
    queries = rng.normal(size=(n_queries, n_features))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    memory = DenseAssociativeMemory(similarity="euclidean", beta=0.1, chunk_size=chunk_size)
    memory.fit(memories)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    first = memory.score_samples(queries)
    first_seconds = time.perf_counter() - start
    seconds = _median_seconds(lambda: memory.score_samples(queries), 3)
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "case": "estimator score_samples, streamed (float64)",
        "sizes": {
            "memories": n_memories,
            "features": n_features,
            "queries": n_queries,
            "chunk_size": chunk_size,
        },
        "fit_seconds": fit_seconds,
        "ours_seconds": seconds,
        "compile_seconds": first_seconds - seconds,
        "memory_matrix_mb": memories.nbytes / 1e6,
        "dense_logits_mb_avoided": n_memories * n_queries * 8 / 1e6,
        "peak_rss_growth_mb": (peak_after - peak_before) / 1e3,
        "finite": bool(np.all(np.isfinite(first))),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--out", default="benchmarks/results", help="output folder")
    args = parser.parse_args()
    if args.quick:
        cases = [
            retrieval_case(2000, 784, 200, 0.05, 5, None, 3),
            streaming_case(100_000, 64, 200, 8192, 3),
            estimator_scale_case(100_000, 64, 1000, 8192),
        ]
    else:
        cases = [
            retrieval_case(10_000, 784, 1000, 0.05, 5, None, 5),
            retrieval_case(10_000, 784, 1000, 0.05, 5, 2048, 5),
            streaming_case(1_000_000, 64, 1000, 16384, 3),
            estimator_scale_case(1_000_000, 64, 1000, 16384),
        ]
    path = write_report(args.out, "retrieval.json", cases)
    print(path.read_text())


if __name__ == "__main__":
    main()
