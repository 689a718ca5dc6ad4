"""Deprecated home of the task sequences: use :mod:`ebm_memory.datasets`.

Importing this module warns ``FutureWarning``; it will be removed in the next release.
"""

import warnings

from ebm_memory.datasets.task_sequences import (
    Task,
    permuted_digits,
    random_pattern_tasks,
    split_digits,
)

__all__ = ["Task", "permuted_digits", "random_pattern_tasks", "split_digits"]

warnings.warn(
    "ebm_memory.task_sequences is deprecated; import from ebm_memory.datasets "
    "(it will be removed in the next release).",
    FutureWarning,
    stacklevel=2,
)
