"""Analysis: experiments built on the whole stack (noise-benefit sweeps of noisy recall,
growth of nonparametric memories, forgetting over task sequences, capacity laws of Model A,
one-step retrieval and the kinds of fixed points of modern Hopfield networks, the memory
capacity of kernel density estimators) and the stability tools (Jacobians, basins, dead
neurons' flat regions)."""

from ebm_memory.analysis.basins import basin_size
from ebm_memory.analysis.capacity import capacity_curve, fit_growth, retrieval_errors
from ebm_memory.analysis.dead_neurons import (
    classify_flat_region,
    flat_directions,
    restricted_stability,
)
from ebm_memory.analysis.flat_regions import recover_state
from ebm_memory.analysis.forgetting import (
    ContinualMetrics,
    SequenceResult,
    continual_metrics,
    run_task_sequence,
)
from ebm_memory.analysis.growth import (
    FiniteGrowth,
    MemoryGrowth,
    finite_mixture_growth,
    memory_growth,
)
from ebm_memory.analysis.kde_capacity import kde_capacity, memory_fraction
from ebm_memory.analysis.noise import NoiseBenefit, noise_benefit
from ebm_memory.analysis.one_step import (
    classify_fixed_points,
    fixed_point_census,
    one_step_errors,
)
from ebm_memory.analysis.relaxation import find_fixed_point
from ebm_memory.analysis.stability import ModifiedNetwork, fixed_point_stability, jacobian

__all__ = [
    "ContinualMetrics",
    "FiniteGrowth",
    "MemoryGrowth",
    "ModifiedNetwork",
    "NoiseBenefit",
    "SequenceResult",
    "basin_size",
    "capacity_curve",
    "classify_fixed_points",
    "classify_flat_region",
    "continual_metrics",
    "find_fixed_point",
    "finite_mixture_growth",
    "fit_growth",
    "fixed_point_census",
    "fixed_point_stability",
    "flat_directions",
    "jacobian",
    "kde_capacity",
    "memory_fraction",
    "memory_growth",
    "noise_benefit",
    "one_step_errors",
    "recover_state",
    "restricted_stability",
    "retrieval_errors",
    "run_task_sequence",
]

_MOVED_TO_PLOTTING = {
    "plot_kde_capacity": "kde_capacity",
    "plot_one_step": "one_step",
    "plot_memory_growth": "growth",
    "plot_noise_benefit": "noise",
    "plot_task_accuracies": "sequential",
}
"""Plot functions that moved to :mod:`ebm_memory.plotting` -> their topic module there."""


def __getattr__(name: str):
    if name not in _MOVED_TO_PLOTTING:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import warnings

    warnings.warn(
        f"ebm_memory.analysis.{name} moved to ebm_memory.plotting.{name}; the old name will "
        "be removed in the next release.",
        FutureWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(f"ebm_memory.plotting.{_MOVED_TO_PLOTTING[name]}"), name)
