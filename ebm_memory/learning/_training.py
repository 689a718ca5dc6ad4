"""The settings every gradient learning rule passes to
:func:`~ebm_memory.learning.optimise.minimise`, checked once."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ebm_memory._validation import check_integer
from ebm_memory.learning.mixture import LearnedMemories
from ebm_memory.learning.optimise import Minimised, Optimizer, check_optimizer, minimise

__all__ = ["Schedule", "learn", "schedule", "train"]


class Schedule(NamedTuple):
    """Optimiser, step budget, tolerance and progress bar of one training run."""

    optimizer: Optimizer
    max_iter: int
    tol: float = 0.0
    verbose: int = 0


def schedule(optimizer: Optimizer, max_iter: int, tol: float = 0.0, verbose: int = 0) -> Schedule:
    """A :class:`Schedule` with the optimiser and ``max_iter`` checked."""
    check_optimizer(optimizer)
    return Schedule(optimizer, check_integer("max_iter", max_iter, minimum=1), tol, verbose)


def train(
    loss: Callable, memories, data: tuple, plan: Schedule, description: str, **options
) -> Minimised:
    """:func:`~ebm_memory.learning.optimise.minimise` under ``plan``."""
    return minimise(
        loss,
        memories,
        data,
        optimizer=plan.optimizer,
        max_iter=plan.max_iter,
        tol=plan.tol,
        verbose=plan.verbose,
        description=description,
        **options,
    )


def learn(
    loss: Callable, memories, data: tuple, plan: Schedule, description: str, **options
) -> LearnedMemories:
    """:func:`train`, the result as :class:`~ebm_memory.learning.mixture.LearnedMemories`."""
    return train(loss, memories, data, plan, description, **options).as_learned(plan.max_iter)
