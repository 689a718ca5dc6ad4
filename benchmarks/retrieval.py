"""Case 2, retrieval throughput: Model B (attention / CCCP) retrieval of random +-1
patterns with 10% of the bits flipped, to convergence, against plain NumPy and hamux.

Ours runs :func:`~ebm_memory.dynamics.retrieve_softmax` (float32, iterate to tolerance) and
reports the number of updates it needed; NumPy runs that many CCCP updates with BLAS
matmuls. hamux (the JAX associative-memory library, where it installs: ``pip install
'ebm-memory[bench]'``) relaxes the same energy written as its two-layer network (identity
feature neurons, softmax hidden neurons, ``W = memories^T``) with unit steps on all
neurons at once: a hidden state lags one step behind, so ``2 n - 1`` of its steps equal our
``n`` updates. Accuracy: the largest absolute difference of the final states from ours.
"""

from __future__ import annotations

import functools
import importlib

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.harness import record, time_call, time_pair
from ebm_memory.dynamics import retrieve_softmax

__all__ = ["SHAPES", "hamux_retrieve", "numpy_retrieve", "retrieval_records"]

SHAPES = {
    "tiny": [(200, 64, 20)],
    "quick": [(2000, 784, 200)],
    "full": [(10_000, 784, 1000)],
}
"""(memories, features, queries) per benchmark size."""

BETA = 0.05


def numpy_retrieve(queries, memories, beta, n_steps):
    """``n_steps`` CCCP updates ``x <- xi^T softmax(beta xi x)`` in NumPy (stable softmax)."""
    states = queries
    for _ in range(n_steps):
        logits = beta * states @ memories.T
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=1, keepdims=True)
        states = weights @ memories
    return states


def hamux_retrieve(hamux, memories, beta):
    """A jitted ``(queries, n_steps) -> states`` relaxing hamux's two-layer network."""
    ham = hamux.HAM(
        neurons={
            "feature": hamux.NeuronLayer(hamux.lagr_identity, (memories.shape[1],)),
            "hidden": hamux.NeuronLayer(
                functools.partial(hamux.lagr_softmax, beta=beta), (memories.shape[0],)
            ),
        },
        hypersynapses={"memories": hamux.LinearSynapse(W=jnp.asarray(memories.T))},
        connections=[(("feature", "hidden"), "memories")],
    ).vectorize()

    @functools.partial(jax.jit, static_argnames="n_steps")
    def run(queries, n_steps):
        states = {"feature": queries, "hidden": queries @ ham.hypersynapses["memories"].W}

        def step(_, xs):
            gradients = ham.dEdact(ham.activations(xs), xs)
            return jax.tree.map(lambda x, g: x - g, xs, gradients)

        return jax.lax.fori_loop(0, n_steps, step, states)["feature"]

    return run


def _patterns(n_memories, n_features, n_queries, seed=0):
    rng = np.random.default_rng(seed)
    memories = rng.choice([-1.0, 1.0], size=(n_memories, n_features)).astype(np.float32)
    picks = rng.integers(n_memories, size=n_queries)
    flips = rng.random((n_queries, n_features)) < 0.1
    targets = memories[picks]
    return memories, np.where(flips, -targets, targets).astype(np.float32), targets


def retrieval_records(size: str, machine: dict, repeats: int = 3) -> list[dict]:
    """Records against NumPy, and against hamux when it is installed."""
    return [
        record_
        for shape in SHAPES[size]
        for record_ in _retrieval_shape_records(*shape, machine, repeats)
    ]


def _retrieval_shape_records(n_memories, n_features, n_queries, machine, repeats):
    memories, queries, targets = _patterns(n_memories, n_features, n_queries)
    device_memories, device_queries = jnp.asarray(memories), jnp.asarray(queries)

    def ours():
        return retrieve_softmax(device_queries, device_memories, BETA, max_iter=20, tol=1e-6)

    first_call, result = time_call(ours)
    n_steps = int(np.asarray(result.n_steps).max())
    states = np.asarray(result.states)
    flops = (2 * n_steps + 1) * 2 * n_queries * n_memories * n_features
    sizes = {
        "memories": n_memories,
        "features": n_features,
        "queries": n_queries,
        "updates": n_steps,
    }
    peers = {"numpy (BLAS)": lambda: numpy_retrieve(queries, memories, BETA, n_steps)}
    try:
        run = hamux_retrieve(importlib.import_module("hamux"), memories, BETA)
        peers["hamux"] = lambda: run(device_queries, 2 * n_steps - 1)
    except ImportError:
        pass
    records = []
    for peer_name, peer in peers.items():
        timing = time_pair(ours, peer, repeats)._replace(ours_first_call_seconds=first_call)
        gflops = flops / timing.ours_seconds / 1e9
        records.append(
            record(
                "retrieval",
                f"{n_memories}x{n_features}, {n_queries} queries vs {peer_name}",
                sizes,
                "retrieve_softmax (float32)",
                peer_name,
                timing,
                "max abs state difference",
                np.abs(np.asarray(peer()) - states).max(),
                ours_gflops=gflops,
                fraction_of_float32_peak=gflops / machine["matmul_gflops_float32"],
                retrieved=float(np.mean(np.all(np.sign(states) == targets, axis=1))),
            )
        )
    return records
