"""Learning memories from data: maximum-likelihood Model B memories by EM (Gaussian
mixtures), Model C memories by EM on the von Mises-Fisher mixture, the Krotov & Hopfield
(2016) training rule for Model A, Hebbian storage and the delta rule for the classical
network, Model B memories trained by back-propagation through retrieval, mixture memories
with learned weights and beta (EM) or trained through the ClAM dynamics (back-propagation),
and memories grown under a CRP / Pitman-Yor prior. Gradient rules share one optax driver,
:func:`minimise` with an :class:`Optimizer`."""

from ebm_memory.learning import nonparametric
from ebm_memory.learning.backprop import Corruption, fit_softmax_backprop
from ebm_memory.learning.binary import fit_binary_memories
from ebm_memory.learning.clustering import MixtureFit, fit_clam_backprop, fit_mixture_memories
from ebm_memory.learning.hebbian import (
    fit_delta_memories,
    hebbian_weights,
    weights_to_memories,
)
from ebm_memory.learning.mixture import LearnedMemories, fit_gaussian_memories
from ebm_memory.learning.optimise import Minimised, Optimizer, minimise
from ebm_memory.learning.spherical import fit_spherical_memories

__all__ = [
    "Corruption",
    "LearnedMemories",
    "Minimised",
    "MixtureFit",
    "Optimizer",
    "fit_binary_memories",
    "fit_clam_backprop",
    "fit_delta_memories",
    "fit_gaussian_memories",
    "fit_mixture_memories",
    "fit_softmax_backprop",
    "fit_spherical_memories",
    "hebbian_weights",
    "minimise",
    "nonparametric",
    "weights_to_memories",
]
