"""scikit-learn estimators over the memory models (numpy in, numpy float64 out)."""

from ebm_memory.estimators.classifier import DenseAssociativeClassifier
from ebm_memory.estimators.clustering import AssociativeClustering
from ebm_memory.estimators.memory import DenseAssociativeMemory, MetastableRetrievalWarning
from ebm_memory.estimators.nonparametric import NonparametricMemory

__all__ = [
    "AssociativeClustering",
    "DenseAssociativeClassifier",
    "DenseAssociativeMemory",
    "MetastableRetrievalWarning",
    "NonparametricMemory",
]
