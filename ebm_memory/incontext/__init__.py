"""In-context energy fitting: a transformer maps a context set and a point to an energy.

- :mod:`~ebm_memory.incontext.tasks`: task families (random Gaussian mixtures, shapes,
  d = 8 mixtures, held-out families), each a traceable generator of a key.
- :mod:`~ebm_memory.incontext.model`: the equinox set transformer and its energy.
- :mod:`~ebm_memory.incontext.settings`: the settings of a training run (plain Python).
- :mod:`~ebm_memory.incontext.training`: contrastive divergence (Langevin negatives, replay
  buffer) and denoising score matching, one jitted chunk of steps per configuration.
- :mod:`~ebm_memory.incontext.fitting`: a training run through the chunked training driver
  (:func:`~ebm_memory.learning.driver.run_chunks`), with records and checkpoints.
- :mod:`~ebm_memory.incontext.inference`: energies, the 2-D quadrature normaliser, sampling.
- :mod:`~ebm_memory.incontext.checkpoint`: the ``.npz`` checkpoint format.
- :class:`~ebm_memory.incontext.estimator.InContextEnergy`: the estimator over all of it
  (its query methods in ``_queries``, saving and loading in ``_persistence``). Importing it
  imports neither equinox nor optax: they load with the first fit or query.
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
