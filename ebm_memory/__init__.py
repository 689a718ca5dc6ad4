"""ebm_memory: associative memories as energy-based probabilistic models, on JAX.

Layers (each imports only from those above it): :mod:`~ebm_memory.lagrangians`,
:mod:`~ebm_memory.energies`, :mod:`~ebm_memory.dynamics`, then the edges
(:mod:`~ebm_memory.datasets`, :mod:`~ebm_memory.plotting`, :mod:`~ebm_memory.cli`).
"""

from ebm_memory import dynamics, energies, lagrangians
from ebm_memory.dynamics import Retrieval, Trajectory, TwoLayerNetwork
from ebm_memory.energies import interactions

__version__ = "0.1.0"

__all__ = [
    "Retrieval",
    "Trajectory",
    "TwoLayerNetwork",
    "__version__",
    "dynamics",
    "energies",
    "interactions",
    "lagrangians",
]
