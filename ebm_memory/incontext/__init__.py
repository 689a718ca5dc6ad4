"""In-context energy fitting: a transformer maps a context set and a point to an energy.

- :mod:`~ebm_memory.incontext.tasks`: task families (random Gaussian mixtures, shapes,
  d = 8 mixtures, held-out families), each a traceable generator of a key.
- :mod:`~ebm_memory.incontext.model`: the equinox set transformer and its energy.
- :mod:`~ebm_memory.incontext.training`: contrastive divergence (Langevin negatives, replay
  buffer) and denoising score matching, in jitted chunks.
- :mod:`~ebm_memory.incontext.inference`: energies, the 2-D quadrature normaliser, sampling.
- :mod:`~ebm_memory.incontext.checkpoint`: the ``.npz`` checkpoint format.
- :class:`~ebm_memory.incontext.estimator.InContextEnergy`: the estimator over all of it.
"""

from ebm_memory.incontext.estimator import InContextEnergy
from ebm_memory.incontext.tasks import (
    FAMILIES,
    HELD_OUT_FAMILIES,
    TRAINING_FAMILIES,
    MixtureTask,
    TaskFamily,
    mixture_log_prob,
    sample_mixture,
    task_sampler,
)

__all__ = [
    "FAMILIES",
    "HELD_OUT_FAMILIES",
    "TRAINING_FAMILIES",
    "InContextEnergy",
    "MixtureTask",
    "TaskFamily",
    "mixture_log_prob",
    "sample_mixture",
    "task_sampler",
]
