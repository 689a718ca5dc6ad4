"""``InContextEnergy``: an energy function fitted in context, with no gradient step at test time.

A small set transformer (:mod:`~ebm_memory.incontext.model`, in equinox) reads a context set
``D`` and a query ``x`` and returns ``E(x | D)``, trained across many tasks by contrastive
divergence with Langevin negatives (:mod:`~ebm_memory.incontext.training`; Schaeffer et al.
2024, "Bridging Associative Memory and Probabilistic Modeling").

Examples
--------
>>> import numpy as np
>>> from ebm_memory import InContextEnergy
>>> model = InContextEnergy.pretrained()  # trained on 2-D mixtures and shapes
>>> rng = np.random.default_rng(0)
>>> context = np.concatenate([rng.normal(-2, 0.3, (16, 2)), rng.normal(2, 0.3, (16, 2))])
>>> energies = model.energy(np.array([[-2.0, -2.0], [0.0, 0.0]]), context)
>>> bool(energies[0] < energies[1])  # a mode is lower than the gap between modes
True
>>> model.sample(context, n_samples=8, random_state=0, n_warmup=20, n_chains=4).shape
(8, 2)

Training a model of your own (the GPU recipe: ``width=128, context_layers=3,
max_iter=20_000, tasks_per_step=64``; defaults train in minutes on a laptop CPU):

>>> tiny = InContextEnergy(width=16, n_heads=2, context_layers=1, max_iter=2, chunk_size=1,
...                        tasks_per_step=2, queries_per_task=4, max_context=8,
...                        langevin_steps=2, random_state=0)
>>> tiny.fit("mixture_2d").n_iter_
2
"""

from __future__ import annotations

import numbers
from pathlib import Path

from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Hidden, Interval, StrOptions

from ebm_memory._io import check_output_file
from ebm_memory._renamed import DEPRECATED, warn_renamed
from ebm_memory.incontext._persistence import Persistence
from ebm_memory.incontext._queries import ContextQueries
from ebm_memory.incontext.settings import NEGATIVE_KERNEL_NAMES, OBJECTIVES, TrainingSettings

__all__ = ["InContextEnergy"]

RENAMED = {"n_steps": "max_iter", "progress_bar": "verbose"}
"""Renamed ``__init__`` parameters, old name to new (they go in the next release)."""


def _integers(low: int) -> list:
    return [Interval(numbers.Integral, low, None, closed="left")]


class InContextEnergy(ContextQueries, Persistence, BaseEstimator):
    """An energy ``E(x | context)`` that adapts to a new dataset given in context.

    Parameters
    ----------
    width, n_heads, context_layers, query_layers : int
        Architecture: token width, attention heads, self-attention blocks over the context,
        cross-attention blocks from the query.
    objective : {"cd", "dsm"}
        Contrastive divergence with Langevin negatives and a replay buffer, or denoising
        score matching (for comparison).
    max_iter : int
        Optimiser steps (Adam, gradients clipped to norm 1); was ``n_steps``.
    tasks_per_step, queries_per_task : int
        Tasks per step, and positives (and negatives) per task.
    min_context, max_context : int
        Context sizes drawn uniformly in this range during training.
    learning_rate : float
        Adam's step size.
    negative_kernel : {"mala", "ula"}
        Metropolis-adjusted or unadjusted Langevin chains for the negatives.
    langevin_steps, langevin_step_size : int, float
        Length and step (standardised units) of the negative chains.
    buffer_size, buffer_fraction : int, float
        Replay buffer of negatives, and the fraction of chains resumed from it (the others
        start at exact draws from the model's own memory read-out for the context).
    regularisation : float
        Weight of the squared bounded correction at positives and negatives.
    dsm_noise : float
        Noise scale of denoising score matching (standardised units).
    chunk_size : int
        Steps per compiled chunk; finiteness is checked and the bar advanced between chunks.
    checkpoint_path : str or path, optional
        Where to save the last good parameters, every ``checkpoint_every`` steps and at the end.
        ``fit`` checks that it can be written before the first step. A write that fails
        during training warns and training goes on; one that fails after the last step
        raises ``OSError``, with the fitted model kept on the estimator.
    checkpoint_every : int
        Steps between two checkpoints.
    warm_start : bool
        Continue from the fitted parameters instead of a new initialisation (the optimiser's
        moments and the replay buffer start afresh).
    random_state : int, RandomState or None
        Seeds the initialisation, the tasks and the negative chains.
    verbose : int
        Draw a progress bar over the steps when positive; was ``progress_bar``.
    n_steps : int, deprecated
        Use ``max_iter``.
    progress_bar : bool, deprecated
        Use ``verbose``.

    Attributes
    ----------
    config_ : ModelConfig
        The architecture.
    parameters_ : dict of str to ndarray
        The network's parameters by name (plain numpy: pickles, and is the checkpoint).
    n_features_in_ : int
        The tasks' dimension.
    n_iter_ : int
        Optimiser steps taken in all, over warm starts (was ``n_steps_``).
    history_ : dict of str to ndarray
        Per step: ``loss`` and ``positive_energy`` (mean standardised energy of the positives).

    See Also
    --------
    ebm_memory.InContextEnergy.pretrained : The shipped 2-D model, ready to use.
    ebm_memory.incontext.task_sampler : A stream of training tasks for ``fit``.
    ebm_memory.samplers.sample : The sampler behind ``sample``.
    ebm_memory.DenseAssociativeMemory : A memory fitted to one dataset.

    Notes
    -----
    The network computes in float32 (its parameters are float32, whatever JAX's default);
    every method returns numpy float64. Inputs are checked, and standardised by the
    context's mean and scale, in float64 before they reach the network, and the ``d log s``
    term is added in float64, so ``E(a x + b | a D + b) = E(x | D) + d log a`` holds to
    float32 precision for contexts far from the origin (shifts of 1e8 and more) and at any
    scale float64 holds; points too far from the context for a float32 energy raise
    ``ValueError`` (see :func:`~ebm_memory.incontext.inference.standardised`).

    The input of ``fit`` is a distribution of tasks, not one design matrix, so this is a
    scikit-learn style estimator (parameters, ``clone``, ``get_params``, fitted attributes)
    but not one that ``check_estimator`` can drive.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory import InContextEnergy
    >>> model = InContextEnergy.pretrained()
    >>> context = np.random.default_rng(0).normal(loc=[3.0, -1.0], size=(32, 2))
    >>> energies = model.energy(np.array([[3.0, -1.0], [-3.0, 1.0]]), context)
    >>> bool(energies[0] < energies[1])  # the context's centre is lower than far away
    True
    """

    _parameter_constraints: dict = {
        "width": _integers(2),
        "n_heads": _integers(1),
        "context_layers": _integers(0),
        "query_layers": _integers(0),
        "objective": [StrOptions(set(OBJECTIVES))],
        "max_iter": _integers(1),
        "tasks_per_step": _integers(1),
        "queries_per_task": _integers(1),
        "min_context": _integers(2),
        "max_context": _integers(2),
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "negative_kernel": [StrOptions(set(NEGATIVE_KERNEL_NAMES))],
        "langevin_steps": _integers(1),
        "langevin_step_size": [Interval(numbers.Real, 0, None, closed="neither")],
        "buffer_size": _integers(1),
        "buffer_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "regularisation": [Interval(numbers.Real, 0, None, closed="left")],
        "dsm_noise": [Interval(numbers.Real, 0, None, closed="neither")],
        "chunk_size": _integers(1),
        "checkpoint_path": [str, Path, None],
        "checkpoint_every": _integers(1),
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_steps": [*_integers(1), Hidden(StrOptions({DEPRECATED}))],
        "progress_bar": ["boolean", Hidden(StrOptions({DEPRECATED}))],
    }

    def __init__(
        self,
        *,
        width: int = 64,
        n_heads: int = 4,
        context_layers: int = 2,
        query_layers: int = 1,
        objective: str = "cd",
        max_iter: int = 3000,
        tasks_per_step: int = 16,
        queries_per_task: int = 32,
        min_context: int = 4,
        max_context: int = 64,
        learning_rate: float = 1e-3,
        negative_kernel: str = "mala",
        langevin_steps: int = 20,
        langevin_step_size: float = 0.003,
        buffer_size: int = 4096,
        buffer_fraction: float = 0.2,
        regularisation: float = 0.1,
        dsm_noise: float = 0.1,
        chunk_size: int = 50,
        checkpoint_path: str | Path | None = None,
        checkpoint_every: int = 500,
        warm_start: bool = False,
        random_state=None,
        verbose: int = 0,
        n_steps=DEPRECATED,
        progress_bar=DEPRECATED,
    ):
        self.width = width
        self.n_heads = n_heads
        self.context_layers = context_layers
        self.query_layers = query_layers
        self.objective = objective
        self.max_iter = max_iter
        self.tasks_per_step = tasks_per_step
        self.queries_per_task = queries_per_task
        self.min_context = min_context
        self.max_context = max_context
        self.learning_rate = learning_rate
        self.negative_kernel = negative_kernel
        self.langevin_steps = langevin_steps
        self.langevin_step_size = langevin_step_size
        self.buffer_size = buffer_size
        self.buffer_fraction = buffer_fraction
        self.regularisation = regularisation
        self.dsm_noise = dsm_noise
        self.chunk_size = chunk_size
        self.checkpoint_path = checkpoint_path
        self.checkpoint_every = checkpoint_every
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.n_steps = n_steps
        self.progress_bar = progress_bar

    def fit(self, tasks, y=None):
        """Train across tasks.

        Parameters
        ----------
        tasks : callable, str, TaskFamily, or sequence of them, or sequence of arrays
            A traceable ``sampler(key, n_points) -> (n_points, D)`` (see
            :func:`~ebm_memory.incontext.tasks.task_sampler`); family names or
            :class:`~ebm_memory.incontext.tasks.TaskFamily` objects; or a list of datasets,
            2-D arrays of shape (n_points, n_features) and one width, from which contexts and
            positives are drawn as random subsets.
        y : None
            Ignored.

        Returns
        -------
        self : InContextEnergy
            The fitted estimator.

        See Also
        --------
        ebm_memory.incontext.task_sampler : A stream of training tasks.
        ebm_memory.InContextEnergy.save : Writes the trained model.

        Examples
        --------
        >>> from ebm_memory import InContextEnergy
        >>> model = InContextEnergy(width=16, n_heads=2, context_layers=1, max_iter=2,
        ...                         chunk_size=1, tasks_per_step=2, queries_per_task=4,
        ...                         max_context=8, langevin_steps=2, random_state=1)
        >>> model.fit("mixture_2d").history_["loss"].shape
        (2,)
        """
        from ebm_memory.incontext.fitting import fit_estimator

        self._validate_params()
        if self.max_context < self.min_context:
            raise ValueError(
                f"max_context ({self.max_context}) must be >= min_context ({self.min_context})."
            )
        if self.width % self.n_heads:
            raise ValueError(
                f"width ({self.width}) must be a multiple of n_heads ({self.n_heads})."
            )
        if self.checkpoint_path is not None:
            check_output_file(self.checkpoint_path)
        renamed = self._renamed_settings(warn=True)
        fit_estimator(self, tasks, self._settings(), **renamed)
        return self

    def _renamed_settings(self, *, warn: bool = False) -> dict:
        """``max_iter`` and ``verbose``, or the values given under their former names."""
        settings = {"max_iter": self.max_iter, "verbose": self.verbose}
        for old, new in RENAMED.items():
            value = getattr(self, old)
            if isinstance(value, str) and value == DEPRECATED:
                continue
            if warn:
                warn_renamed(old, new, "InContextEnergy", stacklevel=3)
            settings[new] = int(value)
        return settings

    def _settings(self) -> TrainingSettings:
        return TrainingSettings(
            self.objective,
            self.tasks_per_step,
            self.queries_per_task,
            self.min_context,
            self.max_context,
            self.negative_kernel,
            self.langevin_steps,
            float(self.langevin_step_size),
            float(self.buffer_fraction),
            float(self.regularisation),
            float(self.dsm_noise),
        )

    @property
    def n_steps_(self) -> int:
        """Deprecated: the optimiser steps taken; use ``n_iter_``.

        Returns
        -------
        int
            ``n_iter_``.

        See Also
        --------
        ebm_memory.InContextEnergy.fit : Sets ``n_iter_``.

        Examples
        --------
        >>> import warnings
        >>> from ebm_memory import InContextEnergy
        >>> model = InContextEnergy.pretrained()
        >>> with warnings.catch_warnings(record=True):
        ...     warnings.simplefilter("always")
        ...     model.n_steps_ == model.n_iter_
        True
        """
        warn_renamed("n_steps_", "n_iter_", "InContextEnergy", stacklevel=2)
        return self.n_iter_
