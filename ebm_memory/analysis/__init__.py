"""Analysis: experiments built on the whole stack (noise-benefit sweeps of noisy recall,
growth of nonparametric memories, forgetting over task sequences, capacity laws of Model A,
one-step retrieval and the kinds of fixed points of modern Hopfield networks, the memory
capacity of kernel density estimators) and the stability tools (Jacobians, basins, dead
neurons' flat regions)."""

from ebm_memory.analysis.capacity import capacity_curve, fit_growth, retrieval_errors
from ebm_memory.analysis.dead_neurons import (
    classify_flat_region,
    flat_directions,
    recover_state,
    restricted_stability,
)
from ebm_memory.analysis.forgetting import (
    ContinualMetrics,
    SequenceResult,
    continual_metrics,
    plot_task_accuracies,
    run_task_sequence,
)
from ebm_memory.analysis.growth import finite_mixture_growth, memory_growth, plot_memory_growth
from ebm_memory.analysis.kde_capacity import kde_capacity, memory_fraction, plot_kde_capacity
from ebm_memory.analysis.noise import noise_benefit, plot_noise_benefit
from ebm_memory.analysis.one_step import (
    classify_fixed_points,
    fixed_point_census,
    one_step_errors,
    plot_one_step,
)
from ebm_memory.analysis.stability import (
    ModifiedNetwork,
    basin_size,
    find_fixed_point,
    fixed_point_stability,
    jacobian,
)

__all__ = [
    "ContinualMetrics",
    "ModifiedNetwork",
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
    "plot_kde_capacity",
    "plot_memory_growth",
    "plot_noise_benefit",
    "plot_one_step",
    "plot_task_accuracies",
    "recover_state",
    "restricted_stability",
    "retrieval_errors",
    "run_task_sequence",
]
