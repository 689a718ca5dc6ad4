"""Density: normalisers and exact samplers of the memory energies."""

from ebm_memory.density import gaussian

__all__ = ["gaussian"]
