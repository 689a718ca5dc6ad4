"""scikit-learn estimators over the memory models (numpy in, numpy float64 out)."""

from ebm_memory.estimators.memory import DenseAssociativeMemory, MetastableRetrievalWarning

__all__ = ["DenseAssociativeMemory", "MetastableRetrievalWarning"]
