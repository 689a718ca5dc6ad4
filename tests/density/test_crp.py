"""The CRP / Pitman-Yor generative process against its closed-form table counts."""

import numpy as np
import pytest

from ebm_memory.density.crp import expected_tables, sample_crp_mixture, sample_crp_partition


@pytest.mark.parametrize(
    ("alpha", "discount", "n_samples"), [(3.0, 0.0, 200), (1.0, 0.5, 200), (0.0, 0.4, 100)]
)
def test_mean_number_of_tables_matches_the_closed_form(alpha, discount, n_samples):
    """2,000 partitions (fixed seed): the mean is within 4 standard errors of theory."""
    rng = np.random.default_rng(0)
    counts = [sample_crp_partition(n_samples, alpha, discount, rng).max() + 1 for _ in range(2000)]
    standard_error = np.std(counts) / np.sqrt(len(counts))
    assert abs(np.mean(counts) - expected_tables(n_samples, alpha, discount)) < 4 * standard_error


def test_tables_are_numbered_in_order_of_opening():
    labels = sample_crp_partition(500, 2.0, 0.3, np.random.default_rng(1))
    firsts = np.array([np.argmax(labels == k) for k in range(labels.max() + 1)])
    assert labels[0] == 0 and np.all(np.diff(firsts) > 0)


def test_points_scatter_around_their_table_with_the_component_variance():
    X, labels = sample_crp_mixture(4000, alpha=2.0, n_features=3, beta=100.0, random_state=0)
    big = np.bincount(labels).argmax()
    spread = X[labels == big] - X[labels == big].mean(axis=0)
    np.testing.assert_allclose(spread.var(axis=0), 0.01, rtol=0.15)


def test_invalid_prior_is_refused():
    with pytest.raises(ValueError, match="discount"):
        sample_crp_mixture(10, alpha=1.0, discount=1.0)
