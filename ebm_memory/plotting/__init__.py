"""Figures, at the edge of the package: matplotlib is imported only when a figure is drawn.

Each topic module holds the plotting functions of one subject; this package lists them and
imports a topic module on first use of one of its names.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "COLORMAP": "_style",
    "DIVERGING_COLORMAP": "_style",
    "PALETTE": "_style",
    "rc_params": "_style",
    "save_figure": "_saving",
    "plot_capacity": "capacity",
    "plot_clusters": "_digits",
    "plot_dead_neurons": "dead_neurons",
    "plot_kde_capacity": "kde_capacity",
    "plot_one_step": "one_step",
    "plot_contours": "in_context",
    "plot_memory_growth": "growth",
    "plot_noise_benefit": "noise",
    "plot_sharpening": "in_context",
    "plot_task_accuracies": "sequential",
    "plot_strategies": "sequential",
    "plot_retrieval_grid": "_digits",
}
"""Public name -> topic module (inside this package) that defines it."""

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


def __dir__():
    return sorted(set(globals()) | set(_HOMES))
