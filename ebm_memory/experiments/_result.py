"""A base for experiment results whose arrays for the figure stay out of the JSON.

Examples
--------
>>> from dataclasses import dataclass, field
>>> from ebm_memory.experiments._result import FIGURE_ONLY, JsonResult
>>> @dataclass(frozen=True)
... class Result(JsonResult):
...     rate: float
...     curve: list = field(default=None, metadata=FIGURE_ONLY)
>>> Result(0.5, [1, 2]).to_dict()
{'rate': 0.5}
"""

from __future__ import annotations

from dataclasses import fields

__all__ = ["FIGURE_ONLY", "JsonResult"]

FIGURE_ONLY = {"json": False}
"""Field metadata of what :func:`figure` draws but ``to_dict`` leaves out."""


class JsonResult:
    """Base of a frozen dataclass result: :meth:`to_dict` gives its JSON fields."""

    def to_dict(self) -> dict:
        """The result as plain JSON types, without the fields marked :data:`FIGURE_ONLY`.

        Returns
        -------
        result : dict
            Field name -> value.

        Examples
        --------
        >>> from dataclasses import dataclass
        >>> from ebm_memory.experiments._result import JsonResult
        >>> @dataclass(frozen=True)
        ... class Result(JsonResult):
        ...     rate: float
        >>> Result(0.5).to_dict()
        {'rate': 0.5}
        """
        return {f.name: getattr(self, f.name) for f in fields(self) if f.metadata.get("json", 1)}
