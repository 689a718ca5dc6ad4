"""Online seating, sweeps and bookkeeping of the growing memory."""

import jax.numpy as jnp
import numpy as np

from ebm_memory.energies.crp import CRPPrior
from ebm_memory.learning.nonparametric import (
    compact,
    empty_tables,
    hard_assign,
    reseat,
    seat,
    tables_from_labels,
)

rng = np.random.default_rng(0)
PRIOR = CRPPrior(1.0, 0.0, 1e4, jnp.zeros(3), 1.0)


def separated(n_clusters, per_cluster):
    centres = rng.normal(size=(n_clusters, 3)) * 10
    labels = np.repeat(np.arange(n_clusters), per_cluster)
    return centres[labels] + 0.01 * rng.normal(size=(len(labels), 3)), labels


def test_seating_recovers_well_separated_clusters_and_grows_its_capacity():
    X, truth = separated(300, 2)  # 300 memories: beyond the first capacity of 64
    order = rng.permutation(len(X))
    tables, labels = seat(X[order], empty_tables(3), PRIOR)
    assert len(tables.counts) >= 300
    assert int(np.sum(tables.counts > 0)) == 300
    assert tables.counts.sum() == len(X)
    pairs = {(int(a), int(b)) for a, b in zip(labels, truth[order], strict=True)}
    assert len(pairs) == 300  # one memory per cluster, one cluster per memory


def test_counts_and_sums_are_those_of_the_assigned_rows():
    X, _ = separated(5, 20)
    tables, labels = seat(X, empty_tables(3), PRIOR)
    tables, labels = compact(*reseat(X, labels, tables, PRIOR))
    expected = tables_from_labels(X, labels, len(tables.counts))
    np.testing.assert_array_equal(tables.counts, expected.counts)
    np.testing.assert_allclose(tables.sums, expected.sums, atol=1e-9)
    np.testing.assert_array_equal(hard_assign(X, tables, PRIOR), labels)


def test_compact_drops_free_slots_and_renumbers_labels():
    counts = np.array([2.0, 0.0, 1.0, 0.0])
    sums = np.arange(8.0).reshape(4, 2)
    tables, labels = compact(type(empty_tables(2))(counts, sums), np.array([0, 2, 0]))
    np.testing.assert_array_equal(tables.counts, [2.0, 1.0])
    np.testing.assert_array_equal(tables.sums, [[0.0, 1.0], [4.0, 5.0]])
    np.testing.assert_array_equal(labels, [0, 1, 0])
