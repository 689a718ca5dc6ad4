"""Pieces shared by the analysis modules: seeds from ``random_state``, and results read by key
for one release.

Examples
--------
>>> from ebm_memory.analysis._common import root_seed
>>> root_seed(7), root_seed(None) >= 0
(7, True)
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings

from ebm_memory._random import seed_from

__all__ = ["KeyedResult", "root_seed"]


def root_seed(random_state) -> int:
    """An integer seed: ``random_state`` itself when it is an int, else one drawn from it."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return seed_from(random_state)


class KeyedResult:
    """A dataclass result that still answers ``result["name"]`` for one release, warning."""

    def __getitem__(self, name: str):
        if name not in {field.name for field in dataclasses.fields(self)}:
            raise KeyError(name)
        warnings.warn(
            f"{type(self).__name__} is a dataclass: read result.{name}, not "
            f"result[{name!r}] (key access will be removed in the next release).",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(self, name)
