"""Renamed names: the old one keeps working for one release, with a ``FutureWarning``.

One message everywhere: "`old` was renamed `new` in 0.2 and will be removed in 0.3."

Examples
--------
>>> import warnings
>>> from ebm_memory._renamed import renamed_parameters
>>> @renamed_parameters(seed="random_state")
... def draw(*, random_state=0):
...     return random_state
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     draw(seed=3), str(caught[0].message)
(3, 'draw: `seed` was renamed `random_state` in 0.2 and will be removed in 0.3.')
"""

from __future__ import annotations

import functools
import warnings

__all__ = ["DEPRECATED", "renamed_parameters", "renamed_value", "warn_renamed"]

DEPRECATED = "deprecated"
"""Default of a renamed ``__init__`` parameter: set to anything else, its value is used."""


def warn_renamed(old: str, new: str, owner: str | None = None, stacklevel: int = 3) -> None:
    """Warn that ``old`` (a parameter, attribute or method of ``owner``) is now ``new``."""
    prefix = f"{owner}: " if owner else ""
    warnings.warn(
        f"{prefix}`{old}` was renamed `{new}` in 0.2 and will be removed in 0.3.",
        FutureWarning,
        stacklevel=stacklevel + 1,
    )


def renamed_value(old: str, new: str, old_value, new_value, owner=None, stacklevel: int = 3):
    """``new_value``, or ``old_value`` with the warning when the old name was set."""
    if isinstance(old_value, str) and old_value == DEPRECATED:
        return new_value
    warn_renamed(old, new, owner, stacklevel + 1)
    return old_value


def renamed_parameters(**renames: str):
    """Decorator accepting each old keyword (``old="new"``) with a ``FutureWarning``."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f"{function.__name__}() got both {old!r} and {new!r}.")
                warn_renamed(old, new, function.__name__, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper

    return decorate
