"""Density: normalisers and exact samplers of the memory energies."""

from ebm_memory.density import crp, gaussian

__all__ = ["crp", "gaussian"]
