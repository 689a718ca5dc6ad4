"""Argument types for the command line: each checks a value when it is parsed, so that a
bad argument ends the command with argparse's usage message and exit code 2 before any
work starts.

Examples
--------
>>> positive_int("3")
3
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a positive integer, got '0'
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ebm_memory._io import check_output_file, check_results_folder

__all__ = ["nonnegative_int", "output_file", "positive_int", "results_folder"]


def _integer(value: str, minimum: int, wanted: str) -> int:
    """``value`` as an int no smaller than ``minimum``, else an ``ArgumentTypeError``."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {wanted}, got {value!r}") from None
    if number < minimum:
        raise argparse.ArgumentTypeError(f"must be {wanted}, got {value!r}")
    return number


def positive_int(value: str) -> int:
    """An integer >= 1 (counts: queries, steps, layers)."""
    return _integer(value, 1, "a positive integer")


def nonnegative_int(value: str) -> int:
    """An integer >= 0 (random seeds).

    Examples
    --------
    >>> nonnegative_int("0")
    0
    """
    return _integer(value, 0, "a non-negative integer")


def results_folder(value: str) -> Path:
    """A results folder that a run can write and replace whole
    (:func:`~ebm_memory._io.check_results_folder`), made absolute."""
    try:
        return check_results_folder(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def output_file(value: str) -> Path:
    """A file that a run can create or replace (:func:`~ebm_memory._io.check_output_file`),
    made absolute."""
    try:
        return check_output_file(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
