"""Sequences of tasks for sequential (continual) learning, built from shipped data.

McAlister et al. ("Sequential Learning in the Dense Associative Memory") train one memory on
tasks one after another and measure what the earlier tasks lose. Three kinds of sequence:

- :func:`permuted_digits`: domain-incremental. Every task is the whole 10-class digits problem
  (scikit-learn's bundled 8x8 digits) seen through its own fixed pixel permutation; task 0 is
  the unpermuted images.
- :func:`split_digits`: class-incremental (or task-incremental, when predictions are restricted
  to a task's own classes, see :func:`~ebm_memory.analysis.forgetting.run_task_sequence`).
  Each task holds a group of digits, by default the pairs 0/1, 2/3, ..., 8/9. Labels stay the
  original digits.
- :func:`random_pattern_tasks`: memorisation. Random +-1 patterns with random labels; the test
  rows are the stored patterns with an exact fraction of their bits flipped, so accuracy is
  retrieval from corrupted cues.

Pixels are scaled to ``[-1, 1]`` as ``x / 8 - 1`` (ink 0-16). The digits sequences share one
stratified train/test split, so a row is the same image in every task. Features are float64
and labels int64.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.datasets import permuted_digits, split_digits
>>> tasks = permuted_digits(3, random_state=0)
>>> [task.name for task in tasks]
['original', 'permutation 1', 'permutation 2']
>>> tasks[0].X_train.shape, tasks[0].X_test.shape, tasks[0].classes.tolist()
((1347, 64), (450, 64), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
>>> float(tasks[1].X_train.min()), float(tasks[1].X_train.max())
(-1.0, 1.0)
>>> [task.classes.tolist() for task in split_digits(random_state=0)]
[[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from ebm_memory._validation import check_integer, check_positive

__all__ = ["Task", "permuted_digits", "random_pattern_tasks", "split_digits"]

DEFAULT_PAIRS = ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9))
N_DIGITS = 10


class Task(NamedTuple):
    """One task of a sequence.

    Parameters
    ----------
    name : str
        The task's name.
    X_train : ndarray of shape (n_train, n_features), float64
        Training rows.
    y_train : ndarray of shape (n_train,), int64
        Training labels.
    X_test : ndarray of shape (n_test, n_features), float64
        Test rows.
    y_test : ndarray of shape (n_test,), int64
        Test labels.
    classes : ndarray of shape (n_task_classes,), int64
        The task's own label set, sorted. It may hold labels absent from ``y_train`` (random
        labels need not draw every class).

    See Also
    --------
    ebm_memory.analysis.run_task_sequence : Runs an estimator through a sequence of tasks.
    ebm_memory.datasets.split_digits : A sequence of tasks.

    Examples
    --------
    >>> from ebm_memory.datasets import split_digits
    >>> task = split_digits(((0, 1),), random_state=0)[0]
    >>> task.name, task.classes.tolist()
    ('digits 0/1', [0, 1])
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: np.ndarray


def _check_test_size(test_size):
    """A fraction in (0, 1) or a number of test rows >= 1 (as ``train_test_split``)."""
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        return check_integer("test_size", test_size, minimum=1)
    check_positive("test_size", test_size)
    if test_size >= 1:
        raise ValueError(
            f"test_size must be a fraction in (0, 1) or a number of rows, got {test_size!r}."
        )
    return float(test_size)


def _digits_split(test_size, rng):
    """The scaled digits, split once (stratified by digit): X_train, X_test, y_train, y_test."""
    digits = load_digits()
    X = digits.data.astype(np.float64) / 8.0 - 1.0
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=rng)


def permuted_digits(n_tasks: int, *, test_size=0.25, random_state=None) -> list[Task]:
    """Permuted digits: the 10-class digits problem under ``n_tasks`` fixed pixel permutations.

    Parameters
    ----------
    n_tasks : int
        Number of tasks (>= 1). Task 0 is the original images; task ``t >= 1`` applies its own
        random permutation of the 64 pixels to every image, train and test alike.
    test_size : float or int, default 0.25
        Fraction (or number) of the 1,797 images held out, stratified by digit. One split is
        shared by all tasks.
    random_state : int, RandomState or None
        Seeds the split and the permutations.

    Returns
    -------
    list of Task
        Every task has the classes 0-9; rows are the same images in the same order in every
        task, only their pixels are permuted.

    See Also
    --------
    ebm_memory.datasets.split_digits : Tasks by class instead of by permutation.
    ebm_memory.analysis.run_task_sequence : Runs an estimator through the tasks.

    Examples
    --------
    >>> import numpy as np
    >>> tasks = permuted_digits(2, random_state=0)
    >>> bool(np.array_equal(tasks[0].y_train, tasks[1].y_train))
    True
    >>> bool(np.array_equal(np.sort(tasks[0].X_test), np.sort(tasks[1].X_test)))
    True
    """
    n_tasks = check_integer("n_tasks", n_tasks, minimum=1)
    test_size = _check_test_size(test_size)
    rng = check_random_state(random_state)
    X_train, X_test, y_train, y_test = _digits_split(test_size, rng)
    n_features = X_train.shape[1]
    permutations = [np.arange(n_features)]
    permutations += [rng.permutation(n_features) for _ in range(1, n_tasks)]
    classes = np.arange(N_DIGITS, dtype=np.int64)
    return [
        Task(
            "original" if t == 0 else f"permutation {t}",
            X_train[:, order],
            y_train.copy(),
            X_test[:, order],
            y_test.copy(),
            classes.copy(),
        )
        for t, order in enumerate(permutations)
    ]


def _check_groups(pairs) -> list[np.ndarray]:
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence) or len(pairs) == 0:
        raise ValueError(f"pairs must be a non-empty sequence of digit groups, got {pairs!r}.")
    groups, seen = [], set()
    for group in pairs:
        if isinstance(group, (str, bytes)) or not isinstance(group, Sequence) or not group:
            raise ValueError(f"each task needs a non-empty sequence of digits, got {group!r}.")
        for digit in group:
            if isinstance(digit, bool) or not isinstance(digit, numbers.Integral):
                raise TypeError(f"digits must be integers, got {digit!r} in {group!r}.")
            if not 0 <= digit < N_DIGITS:
                raise ValueError(f"digits must lie in 0-9, got {digit} in {group!r}.")
            if digit in seen:
                raise ValueError(f"digit {digit} appears in more than one task: {pairs!r}.")
            seen.add(int(digit))
        groups.append(np.unique(np.asarray(group, dtype=np.int64)))
    return groups


def split_digits(
    pairs: Sequence[Sequence[int]] = DEFAULT_PAIRS, *, test_size=0.25, random_state=None
) -> list[Task]:
    """Split digits: one task per group of digits, in order.

    Parameters
    ----------
    pairs : sequence of sequences of int, default ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9))
        The digits of each task. Groups need not be pairs, but a digit may appear in one task
        only; digits left out of every group are dropped.
    test_size : float or int, default 0.25
        Fraction (or number) of the 1,797 images held out, stratified by digit, before the
        images are divided among the tasks.
    random_state : int, RandomState or None
        Seeds the split.

    Returns
    -------
    list of Task
        Task ``t`` holds the train and test images of the digits ``pairs[t]`` with their
        original labels; its ``classes`` are those digits, sorted.

    See Also
    --------
    ebm_memory.datasets.permuted_digits : Tasks by permutation instead of by class.
    ebm_memory.analysis.run_task_sequence : Runs an estimator through the tasks.
    ebm_memory.DenseAssociativeClassifier : A classifier that learns tasks in sequence.

    Examples
    --------
    >>> tasks = split_digits(((3, 1), (7,)), random_state=0)
    >>> [(task.name, task.classes.tolist()) for task in tasks]
    [('digits 1/3', [1, 3]), ('digits 7', [7])]
    """
    groups = _check_groups(pairs)
    test_size = _check_test_size(test_size)
    rng = check_random_state(random_state)
    X_train, X_test, y_train, y_test = _digits_split(test_size, rng)
    tasks = []
    for group in groups:
        train, test = np.isin(y_train, group), np.isin(y_test, group)
        name = "digits " + "/".join(str(digit) for digit in group)
        tasks.append(Task(name, X_train[train], y_train[train], X_test[test], y_test[test], group))
    return tasks


def random_pattern_tasks(
    n_tasks: int,
    n_patterns: int,
    n_features: int,
    *,
    n_classes: int = 10,
    flip_fraction: float = 0.1,
    random_state=None,
) -> list[Task]:
    """Memorisation tasks: random +-1 patterns with random labels, tested on corrupted cues.

    Parameters
    ----------
    n_tasks : int
        Number of tasks (>= 1).
    n_patterns : int
        Patterns per task (>= 1); each is a train row.
    n_features : int
        Bits per pattern (>= 1), each +1 or -1 with probability 1/2.
    n_classes : int, default 10
        Labels are drawn uniformly from ``0 .. n_classes - 1``; every task's ``classes`` is that
        whole range.
    flip_fraction : float, default 0.1
        In ``[0, 1]``. Test row ``i`` is train row ``i`` with exactly
        ``round(flip_fraction * n_features)`` of its bits flipped (positions drawn uniformly
        without replacement, anew for each row); its label is the pattern's.
    random_state : int, RandomState or None
        Seeds patterns, labels and flips.

    Returns
    -------
    list of Task
        Named ``"patterns 0"``, ``"patterns 1"``, ...

    See Also
    --------
    ebm_memory.datasets.split_digits : Tasks from the shipped digits.
    ebm_memory.analysis.run_task_sequence : Runs an estimator through the tasks.

    Examples
    --------
    >>> import numpy as np
    >>> tasks = random_pattern_tasks(2, 5, 20, n_classes=3, flip_fraction=0.25, random_state=0)
    >>> task = tasks[0]
    >>> task.X_train.shape, task.classes.tolist()
    ((5, 20), [0, 1, 2])
    >>> (task.X_test != task.X_train).sum(axis=1).tolist()
    [5, 5, 5, 5, 5]
    """
    n_tasks = check_integer("n_tasks", n_tasks, minimum=1)
    n_patterns = check_integer("n_patterns", n_patterns, minimum=1)
    n_features = check_integer("n_features", n_features, minimum=1)
    n_classes = check_integer("n_classes", n_classes, minimum=2)
    check_positive("flip_fraction", flip_fraction, allow_zero=True)
    if flip_fraction > 1:
        raise ValueError(f"flip_fraction must be in [0, 1], got {flip_fraction!r}.")
    n_flips = int(round(float(flip_fraction) * n_features))
    rng = check_random_state(random_state)
    classes = np.arange(n_classes, dtype=np.int64)
    tasks = []
    for t in range(n_tasks):
        patterns = np.where(rng.random_sample((n_patterns, n_features)) < 0.5, 1.0, -1.0)
        labels = rng.randint(n_classes, size=n_patterns).astype(np.int64)
        order = np.argsort(rng.random_sample((n_patterns, n_features)), axis=1)
        flips = np.zeros((n_patterns, n_features), dtype=bool)
        np.put_along_axis(flips, order[:, :n_flips], True, axis=1)
        cues = np.where(flips, -patterns, patterns)
        tasks.append(Task(f"patterns {t}", patterns, labels, cues, labels.copy(), classes.copy()))
    return tasks
