"""The metastable-retrieval check of ``DenseAssociativeMemory.predict``: it fires on
mixtures, not on single-memory retrievals, and reduces each query to one number per block."""

import warnings

import jax
import numpy as np
import pytest

from ebm_memory import DenseAssociativeMemory, MetastableRetrievalWarning
from ebm_memory.estimators import _diagnostics, _retrieval
from ebm_memory.estimators._diagnostics import largest_memory_weights
from ebm_memory.estimators._kernels import batch_responsibilities

N_MEMORIES, N_FEATURES = 40, 8


@pytest.fixture(scope="module")
def patterns():
    return np.random.default_rng(0).choice([-1.0, 1.0], size=(N_MEMORIES, N_FEATURES))


def test_largest_weight_is_the_row_maximum_of_the_grouped_responsibilities():
    distinct = np.random.default_rng(3).normal(size=(N_MEMORIES, N_FEATURES))
    memories = np.concatenate([distinct, distinct[:5]])  # five memories stored twice
    model = DenseAssociativeMemory(beta=0.7).fit(memories)
    queries = np.random.default_rng(1).normal(size=(70, N_FEATURES))
    with jax.enable_x64(True):
        largest = largest_memory_weights(queries, model.memories_, model.beta_, model._spec())
        weights = np.asarray(batch_responsibilities(queries, memories, model.beta_, model._spec()))
    assert largest.shape == (70,)
    grouped = weights[:, :N_MEMORIES].copy()
    grouped[:, :5] += weights[:, N_MEMORIES:]
    np.testing.assert_allclose(largest, grouped.max(axis=1), rtol=1e-10)


def test_weak_beta_warns_and_strong_beta_does_not(patterns):
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetastableRetrievalWarning)
        DenseAssociativeMemory(beta=5.0).fit(patterns).predict(patterns)
    with pytest.warns(MetastableRetrievalWarning, match=f"of {N_MEMORIES} retrievals"):
        DenseAssociativeMemory(beta=0.01).fit(patterns).predict(patterns)


def test_duplicated_memories_are_not_a_mixture(patterns):
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetastableRetrievalWarning)
        DenseAssociativeMemory(beta=5.0).fit(np.concatenate([patterns, patterns])).predict(patterns)


def test_the_check_never_builds_a_queries_by_memories_matrix(monkeypatch, patterns):
    shapes = []

    def recording(map_blocks):
        def run(kernel, states, *args, **kwargs):
            result = map_blocks(kernel, states, *args, **kwargs)
            shapes.append(result.shape)
            return result

        return run

    for module in (_diagnostics, _retrieval):
        if hasattr(module, "map_blocks"):
            monkeypatch.setattr(module, "map_blocks", recording(module.map_blocks))
    queries = np.random.default_rng(2).normal(size=(300, N_FEATURES))
    with pytest.warns(MetastableRetrievalWarning):
        DenseAssociativeMemory(beta=0.01).fit(patterns).predict(queries)
    assert shapes == [(300,)]
