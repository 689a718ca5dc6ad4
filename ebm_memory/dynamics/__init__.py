"""Dynamics: continuous two-layer integration and discrete retrieval of the effective models."""

from ebm_memory.dynamics.binary import asynchronous_sweep, decide_unknown_bits, synchronous_step
from ebm_memory.dynamics.continuous import normalise, spherical_step
from ebm_memory.dynamics.diagnostics import (
    SeparationReport,
    retrieval_error_bound,
    separation_report,
    theorem_beta,
    theorem_threshold,
)
from ebm_memory.dynamics.loops import Retrieval, iterate
from ebm_memory.dynamics.mixture import clam_retrieve, elbo_retrieve
from ebm_memory.dynamics.network import Trajectory, TwoLayerNetwork
from ebm_memory.dynamics.retrieval import (
    UPDATES,
    retrieve_binary,
    retrieve_softmax,
    retrieve_spherical,
)

__all__ = [
    "UPDATES",
    "Retrieval",
    "SeparationReport",
    "Trajectory",
    "TwoLayerNetwork",
    "asynchronous_sweep",
    "clam_retrieve",
    "decide_unknown_bits",
    "elbo_retrieve",
    "iterate",
    "normalise",
    "retrieval_error_bound",
    "retrieve_binary",
    "retrieve_softmax",
    "retrieve_spherical",
    "separation_report",
    "spherical_step",
    "synchronous_step",
    "theorem_beta",
    "theorem_threshold",
]
