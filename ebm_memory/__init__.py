"""ebm_memory: associative memories as energy-based probabilistic models, on JAX.

Layers (each imports only from those above it): :mod:`~ebm_memory.lagrangians`,
:mod:`~ebm_memory.energies`, :mod:`~ebm_memory.dynamics`, :mod:`~ebm_memory.density`,
:mod:`~ebm_memory.learning`, :mod:`~ebm_memory.samplers`, :mod:`~ebm_memory.estimators`,
:mod:`~ebm_memory.incontext`, :mod:`~ebm_memory.analysis`, :mod:`~ebm_memory.experiments`,
then the edges (:mod:`~ebm_memory.datasets`, :mod:`~ebm_memory.plotting`,
:mod:`~ebm_memory.cli`).

Importing the package imports none of them: each subpackage and each name below is
imported on first use (PEP 562), so ``import ebm_memory`` is instant and a command that
needs no JAX loads none.

Examples
--------
>>> import ebm_memory
>>> ebm_memory.DenseAssociativeMemory.__name__
'DenseAssociativeMemory'
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBPACKAGES = (
    "analysis",
    "density",
    "dynamics",
    "energies",
    "estimators",
    "incontext",
    "lagrangians",
    "learning",
    "samplers",
)

_HOMES = {
    "AssociativeClustering": "estimators",
    "DenseAssociativeClassifier": "estimators",
    "DenseAssociativeMemory": "estimators",
    "InContextEnergy": "incontext",
    "MetastableRetrievalWarning": "estimators",
    "NonparametricMemory": "estimators",
    "Retrieval": "dynamics",
    "Trajectory": "dynamics",
    "TwoLayerNetwork": "dynamics",
    "interactions": "energies",
}
"""Public name -> the subpackage that defines it."""

__all__ = sorted([*_HOMES, *_SUBPACKAGES, "__version__"])


def __getattr__(name: str):
    if name in _HOMES:
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
