"""ebm_memory: associative memories as energy-based probabilistic models, on JAX.

Layers (each imports only from those above it): :mod:`~ebm_memory.lagrangians`,
:mod:`~ebm_memory.energies`, :mod:`~ebm_memory.dynamics`, :mod:`~ebm_memory.density`,
:mod:`~ebm_memory.learning`, :mod:`~ebm_memory.samplers`, :mod:`~ebm_memory.estimators`,
:mod:`~ebm_memory.incontext`, :mod:`~ebm_memory.analysis`, then the edges
(:mod:`~ebm_memory.datasets`, :mod:`~ebm_memory.plotting`, :mod:`~ebm_memory.cli`).
"""

from ebm_memory import (
    analysis,
    density,
    dynamics,
    energies,
    estimators,
    incontext,
    lagrangians,
    learning,
    samplers,
)
from ebm_memory.dynamics import Retrieval, Trajectory, TwoLayerNetwork
from ebm_memory.energies import interactions
from ebm_memory.estimators import (
    AssociativeClustering,
    DenseAssociativeClassifier,
    DenseAssociativeMemory,
    MetastableRetrievalWarning,
    NonparametricMemory,
)
from ebm_memory.incontext import InContextEnergy

__version__ = "0.1.0"

__all__ = [
    "AssociativeClustering",
    "DenseAssociativeClassifier",
    "DenseAssociativeMemory",
    "InContextEnergy",
    "MetastableRetrievalWarning",
    "NonparametricMemory",
    "Retrieval",
    "Trajectory",
    "TwoLayerNetwork",
    "__version__",
    "analysis",
    "density",
    "dynamics",
    "energies",
    "estimators",
    "incontext",
    "interactions",
    "lagrangians",
    "learning",
    "samplers",
]
