"""Fitting :class:`~ebm_memory.incontext.estimator.InContextEnergy`: the tasks, the first
state and the training run, through the package's chunked training driver
(:func:`~ebm_memory.learning.driver.run_chunks`).

Between two compiled chunks of ``chunk_size`` steps (one jitted
:func:`~ebm_memory.incontext.training.train_chunk` per configuration) the driver checks that
the losses and parameters are finite, the estimator records the parameters and the history,
and every ``checkpoint_every`` steps (and after the last) a checkpoint is written.

Examples
--------
>>> from ebm_memory.incontext.fitting import task_source
>>> from ebm_memory.incontext.settings import TrainingSettings
>>> settings = TrainingSettings("cd", 2, 4, 4, 8, "mala", 2, 0.003, 0.2, 0.1, 0.1)
>>> batch_fn, data, dim = task_source(["mixture_2d", "shapes_2d"], settings)
>>> dim, data is None
(2, True)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._blocks import pad_rows
from ebm_memory._random import key_from
from ebm_memory.incontext.checkpoint import build_model, model_arrays
from ebm_memory.incontext.model import EnergyTransformer, ModelConfig
from ebm_memory.incontext.settings import TrainingSettings
from ebm_memory.incontext.tasks import TaskFamily, task_sampler
from ebm_memory.incontext.training import (
    DatasetBatches,
    SamplerBatches,
    initial_carry,
    train_chunk,
)
from ebm_memory.learning.driver import run_chunks

__all__ = ["fit_estimator", "stack_datasets", "task_source"]

STACKLEVEL = 6
"""From the checkpoint warning up to the caller of ``InContextEnergy.fit``."""


def task_source(tasks, settings: TrainingSettings):
    """The batch function, its data argument and the dimension, from any form of tasks.

    Parameters
    ----------
    tasks : callable, str, TaskFamily, or sequence of them, or sequence of arrays
        As :meth:`~ebm_memory.incontext.estimator.InContextEnergy.fit` takes them.
    settings : TrainingSettings
        The run's settings.

    Returns
    -------
    batch_fn : SamplerBatches or DatasetBatches
        ``batch_fn(key, data) -> Batch`` (hashable).
    data : tuple of arrays or None
        The padded datasets of shape (n_datasets, n_points, n_features) and their sizes,
        or None for a sampler.
    dim : int
        The tasks' dimension.
    """
    if isinstance(tasks, str | TaskFamily):
        tasks = [tasks]
    if isinstance(tasks, Sequence) and all(isinstance(t, str | TaskFamily) for t in tasks):
        tasks = task_sampler(tasks)
    if callable(tasks):
        dim = getattr(tasks, "dim", None)
        if dim is None:
            dim = jax.eval_shape(lambda k: tasks(k, 2), jax.random.key(0)).shape[-1]
        return SamplerBatches(tasks, settings), None, int(dim)
    return DatasetBatches(settings), *stack_datasets(tasks, settings.min_context)


def stack_datasets(tasks, min_context: int):
    """Datasets (2-D arrays of one width) padded into one array, with their sizes.

    Parameters
    ----------
    tasks : sequence of array-like of shape (n_points, n_features)
        The datasets; each needs more than ``min_context`` finite rows.
    min_context : int
        The smallest context drawn in training.

    Returns
    -------
    data : tuple of arrays
        The float32 datasets padded to shape (n_datasets, max_points, n_features) and their
        sizes of shape (n_datasets,).
    dim : int
        The datasets' width.
    """
    if not isinstance(tasks, Sequence) or not tasks:
        raise TypeError(
            "tasks must be a task sampler, family names, or a non-empty list of 2-D arrays; "
            f"got {type(tasks).__name__}."
        )
    arrays = [np.asarray(t, dtype=np.float64) for t in tasks]
    dims = {a.shape[1] if a.ndim == 2 else None for a in arrays}
    if None in dims or len(dims) != 1:
        raise ValueError("Every dataset must be a 2-D array (n_points, n_features) of one width.")
    for index, array in enumerate(arrays):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"Dataset {index} contains NaN or infinity.")
        if len(array) <= min_context:
            raise ValueError(
                f"Dataset {index} has {len(array)} points; each needs more than "
                f"min_context={min_context} (a context and at least one positive)."
            )
    size = max(len(a) for a in arrays)
    points = np.stack(pad_rows(arrays, size)).astype(np.float32)
    counts = np.array([len(a) for a in arrays], np.int32)
    return (jnp.asarray(points), jnp.asarray(counts)), dims.pop()


def _initial_model(estimator, config: ModelConfig, key) -> EnergyTransformer:
    """The fitted model for a warm start, else a new one (and an empty record)."""
    if estimator.warm_start and hasattr(estimator, "parameters_"):
        if estimator.config_ != config:
            raise ValueError(
                f"warm_start needs the fitted architecture {estimator.config_}, got {config}."
            )
        return build_model(config, estimator.parameters_)
    estimator.n_iter_ = 0
    estimator.history_ = {"loss": np.zeros(0), "positive_energy": np.zeros(0)}
    return build_model(config, model_arrays(EnergyTransformer(config, key=key)))


def fit_estimator(estimator, tasks, settings: TrainingSettings, *, max_iter: int, verbose: int):
    """Train ``estimator`` (an ``InContextEnergy``) on ``tasks`` for ``max_iter`` steps.

    Parameters
    ----------
    estimator : InContextEnergy
        Its parameters are validated; its fitted attributes are set here.
    tasks : callable, str, TaskFamily, or sequence of them, or sequence of arrays
        As :meth:`~ebm_memory.incontext.estimator.InContextEnergy.fit` takes them.
    settings : TrainingSettings
        The run's settings.
    max_iter : int
        Optimiser steps.
    verbose : int
        Draw a progress bar when positive.
    """
    batch_fn, data, dim = task_source(tasks, settings)
    architecture = (dim, estimator.width, estimator.n_heads, estimator.context_layers)
    config = ModelConfig(*(int(v) for v in architecture), int(estimator.query_layers))
    init_key, buffer_key, key = jax.random.split(key_from(estimator.random_state), 3)
    model = _initial_model(estimator, config, init_key)
    estimator.config_, estimator.n_features_in_ = config, dim
    estimator.parameters_ = model_arrays(model)
    params, static = eqx.partition(model, eqx.is_inexact_array)
    learning_rate = float(estimator.learning_rate)
    carry = initial_carry(params, buffer_key, estimator.buffer_size, dim, learning_rate)

    def run(carry, start, length):
        state, key = carry
        key, chunk_key = jax.random.split(key)
        state, outputs = train_chunk(
            state,
            chunk_key,
            data,
            static=static,
            learning_rate=learning_rate,
            batch_fn=batch_fn,
            settings=settings,
            length=length,
        )
        return (state, key), outputs

    run_chunks(
        run,
        (carry, key),
        max_iter,
        chunk_size=estimator.chunk_size,
        verbose=verbose,
        description="in-context energy",
        finite=lambda carry: carry[0].params,
        diverged=lambda start, length: _divergence(estimator, length),
        callback=_Recorder(estimator, static, max_iter),
    )


class _Recorder:
    """The driver's callback: the fitted attributes after every chunk, and checkpoints."""

    def __init__(self, estimator, static, max_iter: int):
        self.estimator, self.static, self.max_iter = estimator, static, max_iter
        history = estimator.history_
        self.losses, self.energies = [history["loss"]], [history["positive_energy"]]
        self.since_checkpoint = 0

    def __call__(self, carry, chunk) -> bool:
        estimator = self.estimator
        loss, energy = (np.asarray(output) for output in chunk.outputs)
        self.losses.append(loss)
        self.energies.append(energy)
        estimator.parameters_ = model_arrays(eqx.combine(carry[0].params, self.static))
        estimator.n_iter_ += chunk.length
        estimator.history_ = {
            "loss": np.concatenate(self.losses),
            "positive_energy": np.concatenate(self.energies),
        }
        self.since_checkpoint += chunk.length
        final = chunk.start + chunk.length >= self.max_iter
        if estimator.checkpoint_path is not None and (
            self.since_checkpoint >= estimator.checkpoint_every or final
        ):
            _checkpoint(estimator, final=final)
            self.since_checkpoint = 0
        return False


def _checkpoint(estimator, *, final: bool) -> None:
    """Save to ``checkpoint_path``. A failed write before the last step warns and training
    goes on (the next checkpoint tries again); after the last step it raises. Either way
    the fitted attributes on the estimator are complete and current."""
    try:
        estimator.save(estimator.checkpoint_path)
    except OSError as error:
        message = (
            f"Could not write the checkpoint {estimator.checkpoint_path} at step "
            f"{estimator.n_iter_}: {error}. The fitted parameters stay on this estimator; "
            "write them elsewhere with save(path)."
        )
        if final:
            raise OSError(message) from error
        warnings.warn(message + " Training goes on.", RuntimeWarning, stacklevel=STACKLEVEL)


def _divergence(estimator, length: int) -> str:
    where = (
        f"; the last good checkpoint is {estimator.checkpoint_path}"
        if estimator.checkpoint_path is not None
        else ""
    )
    done = estimator.n_iter_
    return (
        f"Training diverged: a non-finite loss or parameter appeared in steps "
        f"{done + 1}..{done + length}. The estimator keeps the last good parameters "
        f"(step {done}){where}. Check the tasks for NaN, or lower learning_rate or "
        "langevin_step_size."
    )
