"""Learning memories from data: maximum-likelihood Model B memories by EM (Gaussian
mixtures), Model C memories by EM on the von Mises-Fisher mixture, and the Krotov & Hopfield
(2016) training rule for Model A."""

from ebm_memory.learning.binary import fit_binary_memories
from ebm_memory.learning.mixture import LearnedMemories, fit_gaussian_memories
from ebm_memory.learning.spherical import fit_spherical_memories

__all__ = [
    "LearnedMemories",
    "fit_binary_memories",
    "fit_gaussian_memories",
    "fit_spherical_memories",
]
