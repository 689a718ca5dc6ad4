"""The settings of an in-context training run, in plain Python (no JAX, no equinox).

Examples
--------
>>> from ebm_memory.incontext.settings import OBJECTIVES, TrainingSettings
>>> OBJECTIVES
('cd', 'dsm')
>>> TrainingSettings("cd", 16, 32, 4, 64, "mala", 20, 0.003, 0.2, 0.1, 0.1).max_context
64
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["NEGATIVE_KERNEL_NAMES", "OBJECTIVES", "TrainingSettings"]

OBJECTIVES = ("cd", "dsm")
"""Contrastive divergence with Langevin negatives, or denoising score matching."""
NEGATIVE_KERNEL_NAMES = ("mala", "ula")
"""Metropolis-adjusted or unadjusted Langevin chains for the negatives."""


class TrainingSettings(NamedTuple):
    """Static settings of a training run (hashable: part of the compiled step)."""

    objective: str
    tasks_per_step: int
    queries_per_task: int
    min_context: int
    max_context: int
    negative_kernel: str
    langevin_steps: int
    langevin_step_size: float
    buffer_fraction: float
    regularisation: float
    dsm_noise: float
