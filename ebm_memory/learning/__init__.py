"""Learning memories from data: maximum-likelihood Model B memories by EM (Gaussian
mixtures), Model C memories by EM on the von Mises-Fisher mixture, the Krotov & Hopfield
(2016) training rule for Model A, mixture memories with learned weights and beta (EM) or
trained through the ClAM dynamics (back-propagation), and memories grown under a CRP /
Pitman-Yor prior."""

from ebm_memory.learning import nonparametric
from ebm_memory.learning.binary import fit_binary_memories
from ebm_memory.learning.clustering import MixtureFit, fit_clam_backprop, fit_mixture_memories
from ebm_memory.learning.mixture import LearnedMemories, fit_gaussian_memories
from ebm_memory.learning.spherical import fit_spherical_memories

__all__ = [
    "LearnedMemories",
    "MixtureFit",
    "fit_binary_memories",
    "fit_clam_backprop",
    "fit_gaussian_memories",
    "fit_mixture_memories",
    "fit_spherical_memories",
    "nonparametric",
]
