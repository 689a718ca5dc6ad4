"""Analysis: experiments built on the whole stack (noise-benefit sweeps of noisy recall)."""

from ebm_memory.analysis.noise import noise_benefit, plot_noise_benefit

__all__ = ["noise_benefit", "plot_noise_benefit"]
