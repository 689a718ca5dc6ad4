"""Continual-learning metrics: accuracy matrices, forgetting and transfer over task sequences.

:func:`run_task_sequence` trains a copy of a scikit-learn classifier with ``partial_fit`` on
tasks (:mod:`ebm_memory.datasets`) one after another and, after each stage, tests it on
every task, giving the accuracy matrix ``R[i, j]`` (accuracy on task ``j`` after training on
tasks ``0..i``). :func:`continual_metrics` summarises it:

- average accuracy ``mean_j R[T-1, j]``;
- average forgetting ``mean_{j<T-1} (max_{l<T-1} R[l, j] - R[T-1, j])`` (Chaudhry et al. 2018,
  "Riemannian Walk for Incremental Learning");
- backward transfer ``mean_{j<T-1} (R[T-1, j] - R[j, j])`` (Lopez-Paz & Ranzato 2017,
  "Gradient Episodic Memory for Continual Learning"); negative values are forgetting;
- forward transfer ``mean_{j>=1} (R[j-1, j] - b_j)`` (the same paper), ``b_j`` a baseline
  accuracy on task ``j`` for a model that has not seen it, chance level by default.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.forgetting import continual_metrics
>>> R = np.array([[0.9, 0.1], [0.6, 0.8]])
>>> metrics = continual_metrics(R, baseline=0.1)
>>> [round(float(value), 6) for value in metrics]
[0.7, 0.3, -0.3, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sklearn.base import clone
from tqdm.auto import tqdm

from ebm_memory._renamed import renamed_parameters

__all__ = [
    "ContinualMetrics",
    "SequenceResult",
    "continual_metrics",
    "run_task_sequence",
]


class ContinualMetrics(NamedTuple):
    """Summaries of an accuracy matrix (see :func:`continual_metrics`), NaN when undefined.

    Parameters
    ----------
    average_accuracy : float
        ``mean_j R[T-1, j]``.
    average_forgetting : float
        ``mean_{j<T-1} (max_{l<T-1} R[l, j] - R[T-1, j])``.
    backward_transfer : float
        ``mean_{j<T-1} (R[T-1, j] - R[j, j])``.
    forward_transfer : float
        ``mean_{j>=1} (R[j-1, j] - b_j)``.

    See Also
    --------
    ebm_memory.analysis.continual_metrics : Computes them.
    ebm_memory.analysis.SequenceResult : Holds them with the accuracy matrix.

    Examples
    --------
    >>> from ebm_memory.analysis import continual_metrics
    >>> continual_metrics([[0.5]]).average_accuracy
    0.5
    """

    average_accuracy: float
    average_forgetting: float
    backward_transfer: float
    forward_transfer: float


class SequenceResult(NamedTuple):
    """The outcome of :func:`run_task_sequence`.

    Parameters
    ----------
    accuracy : ndarray of shape (T, T)
        ``accuracy[i, j]``: accuracy on task ``j``'s test set after training stage ``i``.
    metrics : ContinualMetrics
        The summaries of ``accuracy``.
    baseline : ndarray of shape (T,)
        The baseline accuracy of each task used for forward transfer.
    task_names : tuple of str
        The tasks' names, in order.
    estimator : estimator
        The clone trained on the whole sequence.

    See Also
    --------
    ebm_memory.analysis.run_task_sequence : Produces it.
    ebm_memory.plotting.plot_task_accuracies : Draws its accuracy matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis import SequenceResult, continual_metrics
    >>> R = np.array([[0.9, 0.1], [0.6, 0.8]])
    >>> result = SequenceResult(R, continual_metrics(R, 0.1), np.full(2, 0.1), ("a", "b"), None)
    >>> round(result.metrics.average_forgetting, 2)
    0.3
    """

    accuracy: np.ndarray
    metrics: ContinualMetrics
    baseline: np.ndarray
    task_names: tuple[str, ...]
    estimator: object


def _check_accuracy(accuracy) -> np.ndarray:
    R = np.asarray(accuracy, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] != R.shape[1] or R.shape[0] == 0:
        raise ValueError(
            "accuracy must be a non-empty square (T, T) matrix (rows: training stages, "
            f"columns: tasks), got shape {R.shape}."
        )
    if not np.all(np.isfinite(R)):
        raise ValueError("accuracy contains NaN or infinite values.")
    return R


def _check_baseline(baseline, n_tasks: int) -> np.ndarray:
    b = np.asarray(baseline, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(n_tasks, float(b))
    if b.shape != (n_tasks,):
        raise ValueError(
            f"baseline must be a scalar or have one entry per task ({n_tasks},), got shape "
            f"{b.shape}."
        )
    if not np.all(np.isfinite(b)):
        raise ValueError("baseline contains NaN or infinite values.")
    return b


def continual_metrics(accuracy, baseline=None) -> ContinualMetrics:
    """Average accuracy, forgetting, backward and forward transfer of an accuracy matrix.

    Parameters
    ----------
    accuracy : array-like of shape (T, T)
        ``accuracy[i, j]``: accuracy on task ``j`` after training stage ``i`` (tasks ``0..i``
        trained). Entries above the diagonal (tasks not yet trained) are used only by forward
        transfer.
    baseline : float or array-like of shape (T,), optional
        ``b_j``, the accuracy on task ``j`` of a model that has not been trained on it; Lopez-Paz
        & Ranzato use a randomly initialised model, whose expected accuracy is chance level,
        ``1 / n_classes``. This function cannot know the classes, so the caller passes it
        (:func:`run_task_sequence` passes chance level). ``b_0`` is never used. When None,
        forward transfer is NaN.

    Returns
    -------
    metrics : ContinualMetrics
        ``average_accuracy = mean_j R[T-1, j]``;
        ``average_forgetting = mean_{j<T-1} (max_{l<T-1} R[l, j] - R[T-1, j])`` (negative
        when the last stage improves an old task beyond its best earlier accuracy);
        ``backward_transfer = mean_{j<T-1} (R[T-1, j] - R[j, j])``;
        ``forward_transfer = mean_{j>=1} (R[j-1, j] - b_j)``.
        With a single task (``T == 1``) only the average accuracy is defined; the other three
        are NaN.

    See Also
    --------
    ebm_memory.analysis.ContinualMetrics : What it returns.
    ebm_memory.analysis.run_task_sequence : Measures the accuracy matrix and its metrics.

    Examples
    --------
    >>> import numpy as np
    >>> perfect = np.triu(np.ones((3, 3))).T  # each task learned and kept, none seen early
    >>> continual_metrics(perfect, baseline=0.0)
    ContinualMetrics(average_accuracy=1.0, average_forgetting=0.0, backward_transfer=0.0, forward_transfer=0.0)
    >>> continual_metrics([[0.5]])
    ContinualMetrics(average_accuracy=0.5, average_forgetting=nan, backward_transfer=nan, forward_transfer=nan)
    """  # noqa: E501
    R = _check_accuracy(accuracy)
    n_tasks = R.shape[0]
    b = None if baseline is None else _check_baseline(baseline, n_tasks)
    average_accuracy = float(np.mean(R[-1]))
    if n_tasks == 1:
        return ContinualMetrics(average_accuracy, np.nan, np.nan, np.nan)
    old = np.arange(n_tasks - 1)
    forgetting = float(np.mean(np.max(R[:-1, old], axis=0) - R[-1, old]))
    backward = float(np.mean(R[-1, old] - R[old, old]))
    if b is None:
        forward = np.nan
    else:
        new = np.arange(1, n_tasks)
        forward = float(np.mean(R[new - 1, new] - b[new]))
    return ContinualMetrics(average_accuracy, forgetting, backward, forward)


def _task_accuracy(estimator, task, restrict: bool) -> float:
    """Accuracy on the task's test set; restricted: argmax over the task's own classes."""
    if not restrict:
        return float(np.mean(estimator.predict(task.X_test) == task.y_test))
    known = np.asarray(estimator.classes_)
    columns = np.flatnonzero(np.isin(known, task.classes))
    if columns.size != np.unique(task.classes).size:
        missing = np.setdiff1d(task.classes, known).tolist()
        raise ValueError(f"task {task.name!r} has classes {missing} the estimator lacks.")
    if hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(task.X_test))
        if scores.ndim == 1:  # scikit-learn's binary convention: the score of classes_[1]
            scores = np.stack([-scores, scores], axis=1)
    else:  # argmax over a subset is the same on probabilities as on logits
        scores = np.asarray(estimator.predict_proba(task.X_test))
    predicted = known[columns][np.argmax(scores[:, columns], axis=1)]
    return float(np.mean(predicted == task.y_test))


@renamed_parameters(progress_bar="verbose")
def run_task_sequence(
    estimator,
    tasks: Sequence,
    *,
    restrict_to_task_classes: bool = False,
    baseline=None,
    verbose: int = 0,
) -> SequenceResult:
    """Train a clone of ``estimator`` on ``tasks`` in order and test it on all after each stage.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Needs ``partial_fit(X, y, classes=None)``, ``predict`` and ``classes_`` (with
        ``restrict_to_task_classes``, also ``decision_function``, or ``predict_proba``). It is
        cloned, so the object passed is left untouched.
    tasks : sequence of Task
        From :mod:`ebm_memory.datasets` (anything with ``name``, ``X_train``,
        ``y_train``, ``X_test``, ``y_test`` and ``classes``).
    restrict_to_task_classes : bool, default False
        False (class- or domain-incremental): the prediction is ``predict``, over every class
        of the sequence. True (task-incremental, e.g. split digits with the task known at test
        time): the argmax of ``decision_function`` over the task's own classes.
    baseline : float or array-like of shape (T,), optional
        ``b_j`` for forward transfer (see :func:`continual_metrics`). Default: chance level,
        ``1 / len(task.classes)`` with ``restrict_to_task_classes``, otherwise one over the
        number of classes of the whole sequence (the classes a prediction chooses among; the
        same for permuted digits).
    verbose : int, default=0
        A tqdm bar over the training stages when > 0. Was ``progress_bar``.

    Returns
    -------
    result : SequenceResult
        The accuracy matrix, its summaries, the baselines and the trained clone.

    See Also
    --------
    ebm_memory.analysis.SequenceResult : What it returns.
    ebm_memory.DenseAssociativeClassifier.partial_fit : Learns one more task under a strategy.
    ebm_memory.datasets.split_digits : A task sequence to run.
    ebm_memory.analysis.continual_metrics : The summaries of the accuracy matrix.

    Notes
    -----
    Stage ``i`` is one call ``partial_fit(tasks[i].X_train, tasks[i].y_train)``; the first
    call also passes ``classes=``, the sorted union of every task's ``classes``. How many
    passes over the data that makes is the estimator's choice.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from ebm_memory.datasets import permuted_digits
    >>> tasks = permuted_digits(2, random_state=0)
    >>> result = run_task_sequence(SGDClassifier(random_state=0), tasks)
    >>> result.accuracy.shape, result.task_names, result.baseline.tolist()
    ((2, 2), ('original', 'permutation 1'), [0.1, 0.1])
    >>> bool(result.accuracy[0, 0] > 0.8)
    True
    """
    tasks = list(tasks)
    if not tasks:
        raise ValueError("tasks must hold at least one task.")
    fields = ("name", "X_train", "y_train", "X_test", "y_test", "classes")
    for position, task in enumerate(tasks):
        absent = [field for field in fields if not hasattr(task, field)]
        if absent:
            raise TypeError(f"tasks[{position}] lacks the Task fields {absent}.")
    all_classes = np.unique(np.concatenate([np.asarray(task.classes) for task in tasks]))
    n_tasks = len(tasks)
    if baseline is None:
        if restrict_to_task_classes:
            baseline = [1.0 / np.unique(task.classes).size for task in tasks]
        else:
            baseline = 1.0 / all_classes.size
    baseline = _check_baseline(baseline, n_tasks)

    model = clone(estimator)
    accuracy = np.empty((n_tasks, n_tasks))
    stages = tqdm(tasks, desc="tasks", unit="task", disable=not verbose)
    for stage, task in enumerate(stages):
        if stage == 0:
            model.partial_fit(task.X_train, task.y_train, classes=all_classes)
        else:
            model.partial_fit(task.X_train, task.y_train)
        for column, other in enumerate(tasks):
            accuracy[stage, column] = _task_accuracy(model, other, restrict_to_task_classes)
    return SequenceResult(
        accuracy,
        continual_metrics(accuracy, baseline),
        baseline,
        tuple(str(task.name) for task in tasks),
        model,
    )
