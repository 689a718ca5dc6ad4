"""Analysis: experiments built on the whole stack (noise-benefit sweeps of noisy recall,
growth of nonparametric memories, one-step retrieval and the kinds of fixed points of modern
Hopfield networks, the memory capacity of kernel density estimators)."""

from ebm_memory.analysis.growth import finite_mixture_growth, memory_growth, plot_memory_growth
from ebm_memory.analysis.kde_capacity import kde_capacity, memory_fraction, plot_kde_capacity
from ebm_memory.analysis.noise import noise_benefit, plot_noise_benefit
from ebm_memory.analysis.one_step import (
    classify_fixed_points,
    fixed_point_census,
    one_step_errors,
    plot_one_step,
)

__all__ = [
    "classify_fixed_points",
    "finite_mixture_growth",
    "fixed_point_census",
    "kde_capacity",
    "memory_fraction",
    "memory_growth",
    "noise_benefit",
    "one_step_errors",
    "plot_kde_capacity",
    "plot_memory_growth",
    "plot_noise_benefit",
    "plot_one_step",
]
