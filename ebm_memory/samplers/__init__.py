"""Samplers: our Langevin (ULA, MALA) and HMC kernels with warm-up adaptation, numpyro's
NUTS, Gibbs sweeps for binary memories, and a numpyro distribution for memory densities."""

from ebm_memory.samplers.api import METHODS, sample
from ebm_memory.samplers.diagnostics import SamplingResult

__all__ = ["METHODS", "SamplingResult", "sample"]
