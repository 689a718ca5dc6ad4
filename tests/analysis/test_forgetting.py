"""Continual-learning metrics on hand-computed matrices, and task sequences run with
scikit-learn stand-ins for the Dense Associative Memory classifier."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.naive_bayes import GaussianNB

from ebm_memory.analysis import (
    ContinualMetrics,
    SequenceResult,
    continual_metrics,
    run_task_sequence,
)
from ebm_memory.datasets import Task, permuted_digits, split_digits
from ebm_memory.plotting import plot_task_accuracies


def test_metrics_on_a_hand_computed_matrix():
    R = np.array(
        [
            [0.9, 0.2, 0.1],
            [0.7, 0.8, 0.3],
            [0.8, 0.5, 0.6],
        ]
    )
    metrics = continual_metrics(R, baseline=[0.1, 0.1, 0.2])
    assert isinstance(metrics, ContinualMetrics)
    assert metrics.average_accuracy == pytest.approx((0.8 + 0.5 + 0.6) / 3)
    # task 0: best earlier 0.9, now 0.8; task 1: best earlier 0.8, now 0.5
    assert metrics.average_forgetting == pytest.approx(((0.9 - 0.8) + (0.8 - 0.5)) / 2)
    assert metrics.backward_transfer == pytest.approx(((0.8 - 0.9) + (0.5 - 0.8)) / 2)
    # R[0, 1] - b_1 and R[1, 2] - b_2
    assert metrics.forward_transfer == pytest.approx(((0.2 - 0.1) + (0.3 - 0.2)) / 2)
    assert all(isinstance(value, float) for value in metrics)


def test_forgetting_takes_the_best_earlier_stage_not_the_diagonal():
    # task 0 improves after stage 0 and then drops: forgetting counts from its peak
    R = np.array([[0.5, 0.0, 0.0], [0.9, 0.6, 0.0], [0.4, 0.6, 0.7]])
    metrics = continual_metrics(R)
    assert metrics.average_forgetting == pytest.approx(((0.9 - 0.4) + (0.6 - 0.6)) / 2)
    assert metrics.backward_transfer == pytest.approx(((0.4 - 0.5) + (0.6 - 0.6)) / 2)
    assert np.isnan(metrics.forward_transfer)  # no baseline given


def test_perfect_memory_has_zero_forgetting():
    R = np.tril(np.ones((4, 4)))
    metrics = continual_metrics(R, baseline=0.0)
    assert metrics == ContinualMetrics(1.0, 0.0, 0.0, 0.0)
    # improvement of old tasks gives negative forgetting, positive backward transfer
    better = continual_metrics([[0.5, 0.0], [0.7, 0.9]], baseline=0.0)
    assert better.average_forgetting == pytest.approx(-0.2)
    assert better.backward_transfer == pytest.approx(0.2)


def test_single_task_defines_only_average_accuracy():
    metrics = continual_metrics([[0.75]], baseline=0.1)
    assert metrics.average_accuracy == 0.75
    assert np.isnan(metrics.average_forgetting)
    assert np.isnan(metrics.backward_transfer)
    assert np.isnan(metrics.forward_transfer)


@pytest.mark.parametrize(
    ("accuracy", "baseline", "message"),
    [
        (np.ones((2, 3)), None, "square"),
        (np.ones(3), None, "square"),
        (np.ones((0, 0)), None, "square"),
        ([[1.0, np.nan], [1.0, 1.0]], None, "NaN"),
        (np.ones((2, 2)), [0.1, 0.1, 0.1], "baseline"),
        (np.ones((2, 2)), [0.1, np.inf], "baseline"),
    ],
)
def test_metric_arguments_are_checked(accuracy, baseline, message):
    with pytest.raises(ValueError, match=message):
        continual_metrics(accuracy, baseline)


def _accuracy(estimator, task):
    return float(np.mean(estimator.predict(task.X_test) == task.y_test))


def test_run_task_sequence_matches_direct_accuracies():
    tasks = [
        task._replace(X_train=task.X_train[:400], y_train=task.y_train[:400])
        for task in permuted_digits(2, random_state=0)
    ]
    estimator = SGDClassifier(loss="log_loss", random_state=0)
    result = run_task_sequence(estimator, tasks)
    assert isinstance(result, SequenceResult)
    assert not hasattr(estimator, "classes_")  # the estimator passed is cloned, not fitted

    direct = clone(estimator)
    expected = np.empty((2, 2))
    direct.partial_fit(tasks[0].X_train, tasks[0].y_train, classes=np.arange(10))
    expected[0] = [_accuracy(direct, task) for task in tasks]
    direct.partial_fit(tasks[1].X_train, tasks[1].y_train)
    expected[1] = [_accuracy(direct, task) for task in tasks]

    assert result.accuracy.shape == (2, 2)
    np.testing.assert_array_equal(result.accuracy, expected)
    assert result.task_names == ("original", "permutation 1")
    np.testing.assert_array_equal(result.baseline, [0.1, 0.1])
    assert result.metrics == continual_metrics(expected, 0.1)
    np.testing.assert_array_equal(result.estimator.coef_, direct.coef_)
    assert expected[0, 0] > 0.8  # a real classifier, so the comparison means something


def test_first_partial_fit_gets_the_union_of_classes():
    tasks = split_digits(((0, 1), (2, 3), (4,)), random_state=0)
    result = run_task_sequence(Perceptron(random_state=0), tasks, verbose=1)
    assert result.estimator.classes_.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(result.baseline, 0.2)  # predictions choose among 5 classes
    given = run_task_sequence(Perceptron(random_state=0), tasks, baseline=[0.0, 0.5, 0.25])
    np.testing.assert_array_equal(given.baseline, [0.0, 0.5, 0.25])
    # before a class is trained, a class-incremental model cannot predict it
    assert result.accuracy[0, 1] == 0.0 and result.accuracy[0, 2] == 0.0


class FavoursLastClass(ClassifierMixin, BaseEstimator):
    """A stand-in with fixed logits: the last class scores highest, then the first, and the
    true class of each row gets a bonus of ``bonus``."""

    def __init__(self, bonus=0.5):
        self.bonus = bonus

    def partial_fit(self, X, y, classes=None):
        if classes is not None:
            self.classes_ = np.asarray(classes)
        self.seen_ = np.concatenate([getattr(self, "seen_", np.empty(0, int)), y])
        return self

    def decision_function(self, X):
        n_classes = self.classes_.size
        scores = np.tile(np.linspace(0.0, 1.0, n_classes), (len(X), 1))
        scores[:, -1] = 2.0
        scores[np.arange(len(X)), X[:, 0].astype(int)] += self.bonus  # feature 0: true label
        return scores

    def predict(self, X):
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]


def _label_task(name, labels, classes):
    X = np.asarray(labels, dtype=np.float64)[:, None]
    y = np.asarray(labels)
    return Task(name, X, y, X, y, np.asarray(classes))


def test_restrict_to_task_classes_takes_the_argmax_over_the_task_classes():
    # classes 0..3, logits linspace(0, 1, 4) with class 3 at 2.0, true class + 0.5
    tasks = [_label_task("a", [0, 1, 1, 0], [0, 1]), _label_task("b", [2, 3, 2, 2], [2, 3])]
    free = run_task_sequence(FavoursLastClass(), tasks)
    # unrestricted, class 3 (2.0) wins every row
    np.testing.assert_array_equal(free.accuracy, [[0.0, 0.25], [0.0, 0.25]])
    np.testing.assert_array_equal(free.baseline, [0.25, 0.25])
    restricted = run_task_sequence(FavoursLastClass(), tasks, restrict_to_task_classes=True)
    # task a: scores (0 + 0.5, 1/3) for a true 0 and (0, 1/3 + 0.5) for a true 1: all right;
    # task b: class 3 (2.0) beats class 2 (2/3 + 0.5) for true 2s, right only on the 3
    np.testing.assert_array_equal(restricted.accuracy, [[1.0, 0.25], [1.0, 0.25]])
    np.testing.assert_array_equal(restricted.baseline, [0.5, 0.5])
    big_bonus = run_task_sequence(FavoursLastClass(2.0), tasks, restrict_to_task_classes=True)
    np.testing.assert_array_equal(big_bonus.accuracy, np.ones((2, 2)))


def test_restricted_split_digits_with_real_stand_ins():
    tasks = split_digits(((0, 1), (2, 3)), random_state=0)
    for estimator in (
        SGDClassifier(loss="log_loss", random_state=0),
        GaussianNB(priors=np.full(4, 0.25)),  # no decision_function: predict_proba
    ):
        free = run_task_sequence(estimator, tasks)
        restricted = run_task_sequence(estimator, tasks, restrict_to_task_classes=True)
        assert np.all(restricted.accuracy >= free.accuracy)
        model = restricted.estimator
        task = tasks[0]
        if hasattr(model, "decision_function"):
            scores = model.decision_function(task.X_test)
        else:
            scores = model.predict_proba(task.X_test)
        direct = np.array([0, 1])[np.argmax(scores[:, :2], axis=1)]  # classes_ = [0, 1, 2, 3]
        assert restricted.accuracy[1, 0] == np.mean(direct == task.y_test)


def test_binary_decision_function_is_handled():
    tasks = split_digits(((0, 1),), random_state=0)
    result = run_task_sequence(Perceptron(random_state=0), tasks, restrict_to_task_classes=True)
    plain = run_task_sequence(Perceptron(random_state=0), tasks)
    np.testing.assert_array_equal(result.accuracy, plain.accuracy)
    assert np.isnan(result.metrics.average_forgetting)


def test_run_task_sequence_checks_its_tasks():
    with pytest.raises(ValueError, match="at least one"):
        run_task_sequence(Perceptron(), [])
    with pytest.raises(TypeError, match="lacks"):
        run_task_sequence(Perceptron(), [object()])
    with pytest.raises(ValueError, match="baseline"):
        run_task_sequence(Perceptron(), split_digits(((0, 1),)), baseline=[0.1, 0.2])


def _result(R, names=("a", "b")):
    R = np.asarray(R)
    return SequenceResult(R, continual_metrics(R, 0.1), np.full(len(R), 0.1), names, None)


def test_plot_task_accuracies():
    results = {
        "fine-tuning": _result([[0.9, 0.1], [0.3, 0.9]]),
        "rehearsal": _result([[0.9, 0.1], [0.8, 0.85]]),
    }
    figure = plot_task_accuracies(results)
    (ax,) = figure.axes
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), [0.9, 0.6])  # mean over tasks seen
    assert "forgetting 0.60" in ax.get_legend().get_texts()[0].get_text()
    plt.close(figure)

    figure = plot_task_accuracies(results, per_task=True)
    assert len(figure.axes) == 2
    np.testing.assert_allclose(figure.axes[1].get_lines()[1].get_ydata(), [0.1, 0.85])
    plt.close(figure)

    six = {"x": _result(np.tril(np.ones((6, 6))), names=tuple("abcdef"))}
    figure = plot_task_accuracies(six, per_task=True)
    assert sum(panel.get_visible() for panel in figure.axes) == 6
    plt.close(figure)

    _, ax = plt.subplots()
    assert plot_task_accuracies(results, ax=ax) is ax.figure
    with pytest.raises(ValueError, match="ax=None"):
        plot_task_accuracies(results, per_task=True, ax=ax)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="same tasks"):
        plot_task_accuracies(
            {"a": _result(np.eye(2)), "b": _result(np.eye(2), ("c", "d"))}, per_task=True
        )
    with pytest.raises(ValueError, match="at least one"):
        plot_task_accuracies({})


def test_progress_bar_is_renamed_verbose_and_the_plot_moved_to_plotting():
    tasks = split_digits(((0, 1),), random_state=0)
    with pytest.warns(FutureWarning, match="`verbose`"):
        old = run_task_sequence(Perceptron(random_state=0), tasks, progress_bar=False)
    new = run_task_sequence(Perceptron(random_state=0), tasks)
    np.testing.assert_array_equal(old.accuracy, new.accuracy)
    import ebm_memory.analysis as analysis

    with pytest.warns(FutureWarning, match="ebm_memory.plotting"):
        assert analysis.plot_task_accuracies is plot_task_accuracies
