import numpy as np
import pytest

from ebm_memory.analysis.sequential import (
    STRATEGY_SETTINGS,
    ClassifierScore,
    classifier_baseline,
    compare_strategies,
)
from ebm_memory.datasets import permuted_digits
from ebm_memory.learning.continual import STRATEGIES

TINY = {"n_memories": 32, "max_iter": 100}


@pytest.fixture(scope="module")
def tiny_comparison():
    tasks = permuted_digits(2, random_state=0)
    return compare_strategies(tasks, (10,), ("naive", "rehearsal"), **TINY)


def test_every_strategy_has_settings():
    assert set(STRATEGY_SETTINGS) == set(STRATEGIES)


def test_comparison_holds_a_result_per_degree_and_strategy(tiny_comparison):
    assert list(tiny_comparison) == [10]
    naive, rehearsal = tiny_comparison[10]["naive"], tiny_comparison[10]["rehearsal"]
    for result in (naive, rehearsal):
        assert result.accuracy.shape == (2, 2)
        assert np.all((result.accuracy >= 0) & (result.accuracy <= 1))
    # measured, seeds 0-2: forgetting 0.69-0.76 naive, 0.01-0.27 with 20% rehearsal (first
    # task learned to 0.92-0.95); at n = 3 this budget learns the first task only to 0.6
    assert naive.metrics.average_forgetting > 0.5  # a new permutation overwrites the first
    assert rehearsal.metrics.average_forgetting < naive.metrics.average_forgetting - 0.2


def test_progress_bar_is_renamed_verbose():
    tasks = permuted_digits(2, random_state=0)
    with pytest.warns(FutureWarning, match="`verbose`"):
        compare_strategies(tasks, (3,), ("naive",), n_memories=8, max_iter=2, progress_bar=False)


def test_baseline_reports_ours_beside_logistic_regression():
    rows = classifier_baseline((10,), **TINY)
    assert all(isinstance(row, ClassifierScore) for row in rows)
    assert [row.model for row in rows] == [
        "DAM, n = 10",
        "DAM, exponential",
        "LogisticRegression",
    ]
    accuracies = {row.model: row.accuracy for row in rows}
    assert accuracies["LogisticRegression"] > 0.9
    assert accuracies["DAM, n = 10"] > 0.8  # ten classes: chance is 0.1
