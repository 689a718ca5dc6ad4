"""``random_state`` of the analysis functions turned into integer seeds and JAX keys.

An integer ``random_state`` is used as the seed itself, so a run with ``random_state=s``
draws what the earlier ``seed=s`` drew; a ``numpy.random.RandomState`` or None draws a seed
(:func:`ebm_memory._random.seed_from`).

Examples
--------
>>> from ebm_memory.analysis._seeds import as_seed
>>> as_seed(7), as_seed(None) >= 0
(7, True)
"""

from __future__ import annotations

import numbers
import warnings

from ebm_memory._random import seed_from

__all__ = ["as_key", "as_seed"]


def as_seed(random_state) -> int:
    """The integer itself for an int ``random_state``; else one seed drawn from it."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return seed_from(random_state)


def as_key(random_state, owner: str):
    """A JAX key from ``random_state``; a JAX key passed in its place is used as it is, with
    a ``FutureWarning`` (the parameter was ``key``)."""
    import jax

    if isinstance(random_state, jax.Array):
        warnings.warn(
            f"{owner}: pass random_state (None, an int or a RandomState) instead of a JAX key; "
            "keys will be refused in the next release.",
            FutureWarning,
            stacklevel=3,
        )
        return random_state
    return jax.random.key(as_seed(random_state))
