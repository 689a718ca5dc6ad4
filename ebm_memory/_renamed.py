"""Renamed parameters: the old name keeps working for one release, with a ``FutureWarning``.

Examples
--------
>>> import warnings
>>> from ebm_memory._renamed import renamed_parameters
>>> @renamed_parameters(seed="random_state")
... def draw(*, random_state=0):
...     return random_state
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     draw(seed=3), caught[0].category.__name__
(3, 'FutureWarning')
"""

from __future__ import annotations

import functools
import warnings

__all__ = ["renamed_parameters"]


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
                warnings.warn(
                    f"{function.__name__}: the parameter {old!r} is renamed {new!r}; "
                    f"{old!r} will be removed in the next release.",
                    FutureWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper

    return decorate
