import numpy as np
import pytest

from ebm_memory.dynamics.separation import beta_for_separation, pattern_separation

rng = np.random.default_rng(0)
MEMORIES = rng.normal(size=(50, 4))


def test_separation_matches_the_definitions():
    dot = MEMORIES @ MEMORIES.T
    expected_dot = np.diag(dot) - np.where(np.eye(50, dtype=bool), -np.inf, dot).max(axis=1)
    np.testing.assert_allclose(
        pattern_separation(MEMORIES, "dot", block_elements=7 * 50), expected_dot
    )
    squared = np.sum((MEMORIES[:, None] - MEMORIES[None]) ** 2, axis=-1)
    expected_euclid = np.where(np.eye(50, dtype=bool), np.inf, squared).min(axis=1) / 2
    np.testing.assert_allclose(pattern_separation(MEMORIES, "euclidean"), expected_euclid)


def test_subset_of_rows_gives_the_same_values():
    rows = np.array([3, 17, 41])
    full = pattern_separation(MEMORIES, "euclidean")
    np.testing.assert_allclose(pattern_separation(MEMORIES, "euclidean", rows=rows), full[rows])


def test_beta_meets_the_error_target_and_handles_degenerate_cases():
    separation = np.array([0.0, 2.0, 4.0, 8.0])
    beta = beta_for_separation(separation, 11, error=0.01, quantile=0.0)
    assert 10 * np.exp(-beta * 2.0) == pytest.approx(0.01)
    assert beta_for_separation(np.array([np.inf]), 1) == 1.0
    assert beta_for_separation(np.zeros(3), 3) == 1.0
    assert np.all(np.isinf(pattern_separation(MEMORIES[:1])))
