"""Analysis results that still answer ``result["name"]`` for one release, with a warning.

Examples
--------
>>> import warnings
>>> from dataclasses import dataclass
>>> from ebm_memory.analysis._common import KeyedResult
>>> @dataclass(frozen=True)
... class Rate(KeyedResult):
...     rate: float
>>> with warnings.catch_warnings(record=True):
...     warnings.simplefilter("always")
...     Rate(0.5)["rate"]
0.5
"""

from __future__ import annotations

import dataclasses
import warnings

__all__ = ["KeyedResult"]


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
