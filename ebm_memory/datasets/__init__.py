"""Datasets: shipped data, corruptions, and task sequences for sequential learning (no
downloads).

- :mod:`~ebm_memory.datasets.digits`: scikit-learn's 8x8 digits as +-1 patterns, bit flips
  and occlusions;
- :mod:`~ebm_memory.datasets.task_sequences`: permuted digits, split digits and random-pattern
  tasks.

Examples
--------
>>> from ebm_memory.datasets import load_binary_digits, permuted_digits
>>> load_binary_digits().patterns.shape, len(permuted_digits(2, random_state=0))
((1797, 64), 2)
"""

from ebm_memory.datasets.digits import BinaryDigits, flip_pixels, load_binary_digits, occlude_rows
from ebm_memory.datasets.task_sequences import (
    Task,
    permuted_digits,
    random_pattern_tasks,
    split_digits,
)

__all__ = [
    "BinaryDigits",
    "Task",
    "flip_pixels",
    "load_binary_digits",
    "occlude_rows",
    "permuted_digits",
    "random_pattern_tasks",
    "split_digits",
]
