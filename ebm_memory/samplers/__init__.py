"""Samplers: our Langevin (ULA, MALA) and HMC kernels with warm-up adaptation, numpyro's
NUTS and HMC, Gibbs sweeps for binary memories, noisy (annealed) recall, and a numpyro
distribution for memory densities."""

from ebm_memory.samplers.api import METHODS, sample
from ebm_memory.samplers.diagnostics import SamplingResult
from ebm_memory.samplers.gibbs import sample_gibbs
from ebm_memory.samplers.noisy_recall import (
    NoisyRecall,
    annealed_binary_recall,
    annealed_langevin_recall,
)

__all__ = [
    "METHODS",
    "MemoryMixture",
    "NoisyRecall",
    "SamplingResult",
    "annealed_binary_recall",
    "annealed_langevin_recall",
    "sample",
    "sample_gibbs",
]


def __getattr__(name):
    """:class:`MemoryMixture` on first use: it is a numpyro distribution, so importing it
    imports numpyro."""
    if name == "MemoryMixture":
        from ebm_memory.samplers.distribution import MemoryMixture

        return MemoryMixture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"MemoryMixture"})
