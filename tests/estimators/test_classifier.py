import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks

from ebm_memory import DenseAssociativeClassifier
from ebm_memory.datasets import permuted_digits

SMALL = {"n_memories": 16, "max_iter": 100, "random_state": 0}


@parametrize_with_checks([DenseAssociativeClassifier(**SMALL)])
def test_scikit_learn_compatible(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 8 - 1, y, test_size=0.25, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def two_tasks():
    return permuted_digits(2, random_state=0)


@pytest.mark.slow
def test_digits_accuracy_is_comparable_to_logistic_regression(digits):
    X_train, X_test, y_train, y_test = digits
    baseline = LogisticRegression(max_iter=2000).fit(X_train, y_train).score(X_test, y_test)
    memory = DenseAssociativeClassifier(n_memories=100, random_state=0).fit(X_train, y_train)
    accuracy = memory.score(X_test, y_test)
    # 450 test digits: a binomial standard error of about 0.008 at 97 %
    assert accuracy > baseline - 0.025, (accuracy, baseline)


def test_probabilities_agree_with_the_decision(digits):
    X_train, X_test, y_train, _ = digits
    memory = DenseAssociativeClassifier(**SMALL).fit(X_train[:300], y_train[:300])
    proba = memory.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.log(proba), memory.predict_log_proba(X_test), atol=1e-10)
    decision = memory.decision_function(X_test)
    np.testing.assert_array_equal(np.argmax(proba, axis=1), np.argmax(decision, axis=1))
    np.testing.assert_array_equal(memory.predict(X_test), memory.classes_[decision.argmax(1)])


def test_training_lowers_the_loss_and_is_deterministic(digits):
    X_train, _, y_train, _ = digits
    first = DenseAssociativeClassifier(**SMALL).fit(X_train[:300], y_train[:300])
    second = DenseAssociativeClassifier(**SMALL).fit(X_train[:300], y_train[:300])
    assert first.loss_curve_[-1] < 0.7 * first.loss_curve_[0]
    np.testing.assert_array_equal(first.memories_, second.memories_)
    assert np.abs(first.memories_).max() <= 1


def test_progress_bar_was_renamed_verbose(digits):
    X_train, _, y_train, _ = digits
    settings = {**SMALL, "max_iter": 5}
    new = DenseAssociativeClassifier(**settings, verbose=0).fit(X_train[:50], y_train[:50])
    old = DenseAssociativeClassifier(**settings, progress_bar=False)
    with pytest.warns(FutureWarning, match="`progress_bar` was renamed `verbose` in 0.2") as caught:
        old.fit(X_train[:50], y_train[:50])
    assert [warning.filename for warning in caught] == [__file__]
    np.testing.assert_array_equal(old.memories_, new.memories_)


def _sequence(strategy, tasks, **settings):
    memory = DenseAssociativeClassifier(strategy=strategy, **{**SMALL, **settings})
    memory.partial_fit(tasks[0].X_train, tasks[0].y_train, classes=np.arange(10))
    return memory.partial_fit(tasks[1].X_train, tasks[1].y_train)


@pytest.mark.parametrize("strategy", ["ewc", "si"])
def test_zero_strength_penalties_equal_naive_training(strategy, two_tasks):
    naive = _sequence("naive", two_tasks)
    penalised = _sequence(strategy, two_tasks, strength=0.0)
    assert np.abs(penalised.importance_).max() > 0
    np.testing.assert_array_equal(penalised.memories_, naive.memories_)


@pytest.mark.slow
def test_rehearsing_the_whole_past_matches_joint_training(two_tasks):
    """Rehearsal of every earlier row trains the second task on the union of both tasks,
    so it ends where joint training does, up to optimisation noise. Test accuracies of
    joint training vary from seed to seed with a standard deviation of about 0.01 (0.009
    and 0.007 on the two tasks over five seeds), so a difference of two means over three
    seeds has a standard error of about 0.008: the bound, 0.03, is over 3.5 of them."""
    settings = {"n_memories": 64, "max_iter": 300}
    X = np.concatenate([task.X_train for task in two_tasks])
    y = np.concatenate([task.y_train for task in two_tasks])
    rehearsal, joint = [], []
    for seed in range(3):
        seeded = {**settings, "random_state": seed}
        rehearsal.append(_sequence("rehearsal", two_tasks, memory_fraction=1.0, **seeded))
        joint.append(DenseAssociativeClassifier(**{**SMALL, **seeded}).fit(X, y))
    for task in two_tasks:
        rehearsal_scores = [model.score(task.X_test, task.y_test) for model in rehearsal]
        joint_scores = [model.score(task.X_test, task.y_test) for model in joint]
        difference = np.mean(rehearsal_scores) - np.mean(joint_scores)
        assert abs(difference) < 0.03, (rehearsal_scores, joint_scores)
    first = two_tasks[0]
    naive = _sequence("naive", two_tasks, **settings).score(first.X_test, first.y_test)
    assert naive < np.mean([model.score(first.X_test, first.y_test) for model in joint]) - 0.2


@pytest.mark.parametrize("strategy", ["rehearsal", "pseudo-rehearsal"])
def test_replay_strategies_keep_more_of_the_first_task_than_naive(strategy, two_tasks):
    first = two_tasks[0]
    naive = _sequence("naive", two_tasks).score(first.X_test, first.y_test)
    kept = _sequence(strategy, two_tasks).score(first.X_test, first.y_test)
    assert kept > naive + 0.05, (kept, naive)


def test_agem_ends_with_a_lower_buffer_loss_than_naive(two_tasks):
    naive = _sequence("naive", two_tasks, memory_fraction=0.3)
    agem = _sequence("agem", two_tasks, memory_fraction=0.3)
    first = two_tasks[0]
    buffer = np.isin(first.X_train, agem.buffer_X_).all(axis=1)
    naive_loss, agem_loss = (
        log_loss(
            first.y_train[buffer], model.predict_proba(first.X_train[buffer]), labels=range(10)
        )
        for model in (naive, agem)
    )
    assert agem_loss < naive_loss


def test_labels_no_task_has_shown_are_neither_trained_nor_predicted(two_tasks):
    task = two_tasks[0]
    first = task.y_train < 5
    memory = DenseAssociativeClassifier(**SMALL)
    memory.partial_fit(task.X_train[first], task.y_train[first], classes=np.arange(10))
    untouched = DenseAssociativeClassifier(**{**SMALL, "max_iter": 1})
    untouched.partial_fit(task.X_train[first], task.y_train[first], classes=np.arange(10))
    n_features = task.X_train.shape[1]
    unseen = n_features + np.arange(5, 10)
    np.testing.assert_array_equal(memory.seen_classes_, np.arange(10) < 5)
    assert np.abs(memory.memories_[:, unseen] - untouched.memories_[:, unseen]).max() == 0
    proba = memory.predict_proba(task.X_test)
    assert np.all(proba[:, 5:] == 0) and np.all(memory.predict(task.X_test) < 5)
    memory.partial_fit(task.X_train[~first], task.y_train[~first])
    assert memory.seen_classes_.all()
    assert memory.score(task.X_test[task.y_test >= 5], task.y_test[task.y_test >= 5]) > 0.8


def test_buffer_holds_the_configured_fraction(two_tasks):
    memory = _sequence("rehearsal", two_tasks, memory_fraction=0.1)
    expected = sum(round(0.1 * len(task.y_train)) for task in two_tasks)
    assert len(memory.buffer_y_) == len(memory.buffer_X_) == expected
    assert memory.n_tasks_ == 2


def test_partial_fit_rejects_new_labels_and_unfitted_use(two_tasks):
    task = two_tasks[0]
    memory = DenseAssociativeClassifier(**SMALL)
    with pytest.raises(NotFittedError):
        memory.predict(task.X_test)
    memory.partial_fit(task.X_train[task.y_train < 5], task.y_train[task.y_train < 5])
    with pytest.raises(ValueError, match="classes_"):
        memory.partial_fit(task.X_train, task.y_train)
    with pytest.raises(ValueError, match="differ"):
        memory.partial_fit(task.X_train, task.y_train, classes=np.arange(10))
    with pytest.raises(ValueError, match="at least 2 classes"):
        DenseAssociativeClassifier(**SMALL).fit(task.X_train[:5], np.zeros(5))


def test_pickle_round_trip_continues_the_sequence(two_tasks):
    memory = DenseAssociativeClassifier(strategy="ewc", **SMALL)
    memory.partial_fit(two_tasks[0].X_train, two_tasks[0].y_train)
    clone = pickle.loads(pickle.dumps(memory))
    for model in (memory, clone):
        model.partial_fit(two_tasks[1].X_train, two_tasks[1].y_train)
    np.testing.assert_array_equal(clone.memories_, memory.memories_)


@pytest.mark.parametrize(
    "factor, problem",
    [(1e30, "rounding there swamps the label neurons"), (1e200, "and F.* overflows float64")],
)
def test_huge_features_get_a_clear_error_instead_of_flat_or_nan_output(digits, factor, problem):
    X_train, X_test, y_train, _ = digits
    memory = DenseAssociativeClassifier(**SMALL).fit(X_train[:300], y_train[:300])
    for method in (memory.predict, memory.predict_proba, memory.decision_function):
        with pytest.raises(ValueError, match=f"{problem}.*MinMaxScaler"):
            method(factor * X_test)


@pytest.mark.parametrize("factor", [1e30, 1e200])
def test_training_on_huge_features_is_refused_before_learning(digits, factor):
    X_train, _, y_train, _ = digits
    for train in ("fit", "partial_fit"):
        memory = DenseAssociativeClassifier(**SMALL)
        with pytest.raises(ValueError, match=r"expect values in \[-1, 1\]"):
            getattr(memory, train)(factor * X_train[:300], y_train[:300])
        assert not hasattr(memory, "memories_")


def test_a_degree_whose_power_overflows_says_to_lower_it(digits):
    X_train, _, y_train, _ = digits
    with pytest.raises(ValueError, match=r"h\^400 overflows float64.*\(or lower degree\)"):
        DenseAssociativeClassifier(**SMALL, degree=400).fit(X_train[:300], y_train[:300])


def test_features_in_the_neurons_range_are_accepted_at_any_degree_that_fits(digits):
    X_train, X_test, y_train, _ = digits
    memory = DenseAssociativeClassifier(**SMALL, degree=100).fit(X_train[:300], y_train[:300])
    assert np.all(np.isfinite(memory.predict_proba(X_test)))
