"""Deprecated: use :mod:`ebm_memory.experiments` (``experiments.reproduce``, ``NAMES``,
``get``).

Importing this module warns ``FutureWarning``; it will be removed in the next release.
"""

from __future__ import annotations

import warnings

from ebm_memory import experiments

__all__ = ["EXPERIMENTS", "reproduce"]

warnings.warn(
    "ebm_memory.reproduce is deprecated; use ebm_memory.experiments (reproduce, NAMES, get); "
    "it will be removed in the next release.",
    FutureWarning,
    stacklevel=2,
)


def _markdown(name: str):
    def lines(result) -> list[str]:
        return experiments.get(name).table(result).splitlines()

    return lines


def reproduce(name: str, out_dir, quick: bool = False):
    """Run experiment ``name`` through :func:`ebm_memory.experiments.reproduce`."""
    return experiments.reproduce(name, out_dir, quick=quick)


EXPERIMENTS = {name: (reproduce, _markdown(name)) for name in experiments.NAMES}
"""Name -> (``reproduce``, result -> Markdown lines)."""
