"""Task sequences from shipped data: shapes, scaling, permutations, splits, exact corruption,
determinism and argument checks."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ebm_memory.datasets import (
    Task,
    permuted_digits,
    random_pattern_tasks,
    split_digits,
)

N_IMAGES, N_PIXELS = 1797, 64


def _digits():
    digits = load_digits()
    return digits.data / 8.0 - 1.0, digits.target


def _assert_dtypes(task: Task):
    assert task.X_train.dtype == np.float64 and task.X_test.dtype == np.float64
    assert task.y_train.dtype == np.int64 and task.y_test.dtype == np.int64
    assert task.classes.dtype == np.int64
    assert np.array_equal(task.classes, np.unique(task.classes))
    assert task.X_train.shape == (task.y_train.size, task.X_train.shape[1])
    assert task.X_test.shape == (task.y_test.size, task.X_train.shape[1])


def _rows(X):
    """The rows as a multiset (sorted list of their bytes)."""
    return sorted(row.tobytes() for row in np.ascontiguousarray(X))


def test_permuted_digits_shapes_scaling_and_split():
    tasks = permuted_digits(3, random_state=0)
    assert len(tasks) == 3 and all(isinstance(task, Task) for task in tasks)
    X, y = _digits()
    for task in tasks:
        _assert_dtypes(task)
        assert task.X_train.shape == (1347, N_PIXELS) and task.X_test.shape == (450, N_PIXELS)
        assert task.classes.tolist() == list(range(10))
        assert task.X_train.min() == -1.0 and task.X_train.max() == 1.0
        assert np.all(np.isin(task.X_train, np.arange(17) / 8.0 - 1.0))
        # one split shared by every task
        assert np.array_equal(task.y_train, tasks[0].y_train)
        assert np.array_equal(task.y_test, tasks[0].y_test)
    # stratified: each digit's share of the test set matches the data's within one image
    test_counts = np.bincount(tasks[0].y_test, minlength=10)
    assert np.all(np.abs(test_counts - np.bincount(y) * 450 / N_IMAGES) <= 1)
    # task 0 is the original images, every image once
    both = np.concatenate([tasks[0].X_train, tasks[0].X_test])
    assert _rows(both) == _rows(X)


def test_permuted_tasks_apply_one_fixed_permutation():
    tasks = permuted_digits(4, random_state=1)
    reference = np.concatenate([tasks[0].X_train, tasks[0].X_test])
    for task in tasks[1:]:
        permuted = np.concatenate([task.X_train, task.X_test])
        # each row is a rearrangement of its original row
        assert np.array_equal(np.sort(permuted, axis=1), np.sort(reference, axis=1))
        # and one rearrangement serves every row: each permuted column is an original column,
        # used once (identical columns, such as the always-blank pixels, are interchangeable)
        free = list(range(N_PIXELS))
        for k in range(N_PIXELS):
            match = next(c for c in free if np.array_equal(permuted[:, k], reference[:, c]))
            free.remove(match)
        assert not np.array_equal(permuted, reference)
    assert not np.array_equal(tasks[1].X_train, tasks[2].X_train)


def test_digits_sequences_are_deterministic_under_random_state():
    first, second = permuted_digits(3, random_state=7), permuted_digits(3, random_state=7)
    for a, b in zip(first, second, strict=True):
        for field_a, field_b in zip(a, b, strict=True):
            assert np.array_equal(field_a, field_b)
    other = permuted_digits(3, random_state=8)
    assert not np.array_equal(first[1].X_train, other[1].X_train)
    split_a, split_b = split_digits(random_state=3), split_digits(random_state=3)
    assert all(np.array_equal(a.X_test, b.X_test) for a, b in zip(split_a, split_b, strict=True))
    rng_tasks = permuted_digits(2, random_state=np.random.RandomState(7))
    assert np.array_equal(rng_tasks[1].X_train, first[1].X_train)


def test_split_digits_classes_and_rows():
    tasks = split_digits(random_state=0)
    assert [task.name for task in tasks] == [f"digits {a}/{a + 1}" for a in range(0, 10, 2)]
    for a, task in zip(range(0, 10, 2), tasks, strict=True):
        _assert_dtypes(task)
        assert task.classes.tolist() == [a, a + 1]
        assert set(task.y_train.tolist()) == {a, a + 1} == set(task.y_test.tolist())
    # together the tasks hold every image exactly once, split as permuted digits splits
    assert sum(task.y_train.size for task in tasks) == 1347
    assert sum(task.y_test.size for task in tasks) == 450
    whole = permuted_digits(1, random_state=0)[0]
    assert _rows(np.concatenate([t.X_test for t in tasks])) == _rows(whole.X_test)


def test_split_digits_custom_groups():
    tasks = split_digits([[5, 2, 9], (0,)], test_size=0.5, random_state=0)
    assert [task.classes.tolist() for task in tasks] == [[2, 5, 9], [0]]
    assert tasks[1].y_train.size + tasks[1].y_test.size == 178  # the zeros
    assert abs(tasks[1].y_train.size - tasks[1].y_test.size) <= 1


def test_random_pattern_tasks_shapes_and_exact_flips():
    tasks = random_pattern_tasks(3, 40, 50, n_classes=4, flip_fraction=0.1, random_state=0)
    assert [task.name for task in tasks] == ["patterns 0", "patterns 1", "patterns 2"]
    for task in tasks:
        _assert_dtypes(task)
        assert task.X_train.shape == task.X_test.shape == (40, 50)
        assert set(np.unique(task.X_train).tolist()) == {-1.0, 1.0}
        assert set(np.unique(task.X_test).tolist()) <= {-1.0, 1.0}
        assert task.classes.tolist() == [0, 1, 2, 3]
        assert np.all((task.y_train >= 0) & (task.y_train < 4))
        assert np.array_equal(task.y_train, task.y_test)
        flipped = (task.X_test != task.X_train).sum(axis=1)
        assert np.all(flipped == 5)
    assert not np.array_equal(tasks[0].X_train, tasks[1].X_train)
    # flip positions are drawn anew for each row
    positions = {(tasks[0].X_test[i] != tasks[0].X_train[i]).tobytes() for i in range(40)}
    assert len(positions) > 1


@pytest.mark.parametrize(("fraction", "expected"), [(0.0, 0), (0.25, 5), (1.0, 20), (0.33, 7)])
def test_flip_count_is_rounded_fraction(fraction, expected):
    (task,) = random_pattern_tasks(1, 6, 20, flip_fraction=fraction, random_state=2)
    assert np.all((task.X_test != task.X_train).sum(axis=1) == expected)


def test_random_pattern_tasks_deterministic():
    a = random_pattern_tasks(2, 10, 16, random_state=5)
    b = random_pattern_tasks(2, 10, 16, random_state=5)
    for task_a, task_b in zip(a, b, strict=True):
        assert all(np.array_equal(x, y) for x, y in zip(task_a, task_b, strict=True))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: permuted_digits(0), ValueError, "n_tasks"),
        (lambda: permuted_digits(2.0), TypeError, "n_tasks"),
        (lambda: permuted_digits(2, test_size=1.5), ValueError, "test_size"),
        (lambda: permuted_digits(2, test_size=0.0), ValueError, "test_size"),
        (lambda: permuted_digits(2, test_size=0), ValueError, "test_size"),
        (lambda: split_digits(()), ValueError, "non-empty"),
        (lambda: split_digits(((0, 1), ())), ValueError, "non-empty"),
        (lambda: split_digits(((0, 1), (1, 2))), ValueError, "more than one task"),
        (lambda: split_digits(((0, 10),)), ValueError, "0-9"),
        (lambda: split_digits(((0, 1.5),)), TypeError, "integers"),
        (lambda: split_digits("01"), ValueError, "sequence"),
        (lambda: random_pattern_tasks(0, 5, 5), ValueError, "n_tasks"),
        (lambda: random_pattern_tasks(1, 0, 5), ValueError, "n_patterns"),
        (lambda: random_pattern_tasks(1, 5, 0), ValueError, "n_features"),
        (lambda: random_pattern_tasks(1, 5, 5, n_classes=1), ValueError, "n_classes"),
        (lambda: random_pattern_tasks(1, 5, 5, flip_fraction=-0.1), ValueError, "flip"),
        (lambda: random_pattern_tasks(1, 5, 5, flip_fraction=10), ValueError, "flip"),
    ],
)
def test_bad_arguments_raise(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_old_module_warns_and_forwards():
    import importlib
    import sys

    sys.modules.pop("ebm_memory.task_sequences", None)
    with pytest.warns(FutureWarning, match="ebm_memory.datasets"):
        old = importlib.import_module("ebm_memory.task_sequences")
    assert old.permuted_digits is permuted_digits and old.Task is Task
