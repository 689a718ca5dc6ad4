"""Randomness at the boundary: ``random_state`` in, JAX keys and integer seeds inside.

Public signatures take scikit-learn's ``random_state`` (None, an int or a
``numpy.random.RandomState``); the JAX core takes explicit keys. These two functions are the
only crossing, so a seed is drawn the same way everywhere.

Examples
--------
>>> import jax
>>> from ebm_memory._random import key_from, seed_from
>>> seed_from(0) == seed_from(0)
True
>>> bool((jax.random.key_data(key_from(0)) == jax.random.key_data(key_from(0))).all())
True
"""

from __future__ import annotations

import functools

from sklearn.utils import check_random_state

__all__ = ["float64", "key_from", "seed_from"]

_MAX_SEED = 2**31 - 1


def seed_from(random_state) -> int:
    """One integer seed in [0, 2**31 - 1) drawn from ``random_state``."""
    return int(check_random_state(random_state).randint(_MAX_SEED))


def key_from(random_state):
    """A JAX PRNG key drawn from ``random_state`` (advances it when it is a RandomState)."""
    import jax

    return jax.random.key(seed_from(random_state))


def float64(function):
    """Run ``function`` with JAX's 64-bit mode on: the estimators' numbers are float64."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        import jax

        with jax.enable_x64(True):
            return function(*args, **kwargs)

    return wrapper
