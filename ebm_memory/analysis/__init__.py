"""Analysis: experiments built on the whole stack (noise-benefit sweeps of noisy recall,
growth of nonparametric memories)."""

from ebm_memory.analysis.growth import finite_mixture_growth, memory_growth, plot_memory_growth
from ebm_memory.analysis.noise import noise_benefit, plot_noise_benefit

__all__ = [
    "finite_mixture_growth",
    "memory_growth",
    "noise_benefit",
    "plot_memory_growth",
    "plot_noise_benefit",
]
