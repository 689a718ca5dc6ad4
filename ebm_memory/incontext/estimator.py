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
>>> model.sample(context, n_samples=8, random_state=0, progress_bar=False).shape
(8, 2)

Training a model of your own (the GPU recipe: ``width=128, context_layers=3,
n_steps=20_000, tasks_per_step=64``; defaults train in minutes on a laptop CPU):

>>> tiny = InContextEnergy(width=16, n_heads=2, context_layers=1, n_steps=2, chunk_size=1,
...                        tasks_per_step=2, queries_per_task=4, max_context=8,
...                        langevin_steps=2, random_state=0, progress_bar=False)
>>> tiny.fit("mixture_2d").n_steps_
2
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ebm_memory._blocks import pad_rows
from ebm_memory._io import check_output_file
from ebm_memory._validation import check_integer
from ebm_memory.incontext.checkpoint import (
    build_model,
    load_checkpoint,
    model_arrays,
    save_checkpoint,
)
from ebm_memory.incontext.inference import (
    context_energies,
    context_memories,
    density_grid,
    sample_context,
)
from ebm_memory.incontext.model import EnergyTransformer, ModelConfig
from ebm_memory.incontext.tasks import TaskFamily, task_sampler
from ebm_memory.incontext.training import (
    BUFFER_HALF_WIDTH,
    NEGATIVE_KERNELS,
    OBJECTIVES,
    ChunkCarry,
    TrainingSettings,
    dataset_batches,
    make_chunk_runner,
    sampler_batches,
)

__all__ = ["InContextEnergy"]

PRETRAINED = "default_2d.npz"
ARCHITECTURE = ("width", "n_heads", "context_layers", "query_layers")


class InContextEnergy(BaseEstimator):
    """An energy ``E(x | context)`` that adapts to a new dataset given in context.

    Parameters
    ----------
    width, n_heads, context_layers, query_layers : int
        Architecture: token width, attention heads, self-attention blocks over the context,
        cross-attention blocks from the query.
    objective : {"cd", "dsm"}
        Contrastive divergence with Langevin negatives and a replay buffer, or denoising
        score matching (for comparison).
    n_steps : int
        Optimiser steps (Adam, gradients clipped to norm 1).
    tasks_per_step, queries_per_task : int
        Tasks per step, and positives (and negatives) per task.
    min_context, max_context : int
        Context sizes drawn uniformly in this range during training.
    learning_rate : float
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
    warm_start : bool
        Continue from the fitted parameters instead of a new initialisation (the optimiser's
        moments and the replay buffer start afresh).
    random_state : int, RandomState or None
    progress_bar : bool

    Attributes
    ----------
    config_ : ModelConfig
    parameters_ : dict of str to ndarray
        The network's parameters by name (plain numpy: pickles, and is the checkpoint).
    n_features_in_ : int
    n_steps_ : int
        Optimiser steps taken in all, over warm starts.
    history_ : dict of str to ndarray
        Per step: ``loss`` and ``positive_energy`` (mean standardised energy of the positives).

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
    """

    _parameter_constraints: dict = {
        "width": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_heads": [Interval(numbers.Integral, 1, None, closed="left")],
        "context_layers": [Interval(numbers.Integral, 0, None, closed="left")],
        "query_layers": [Interval(numbers.Integral, 0, None, closed="left")],
        "objective": [StrOptions(set(OBJECTIVES))],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "tasks_per_step": [Interval(numbers.Integral, 1, None, closed="left")],
        "queries_per_task": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_context": [Interval(numbers.Integral, 2, None, closed="left")],
        "max_context": [Interval(numbers.Integral, 2, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "negative_kernel": [StrOptions(set(NEGATIVE_KERNELS))],
        "langevin_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "langevin_step_size": [Interval(numbers.Real, 0, None, closed="neither")],
        "buffer_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "buffer_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "regularisation": [Interval(numbers.Real, 0, None, closed="left")],
        "dsm_noise": [Interval(numbers.Real, 0, None, closed="neither")],
        "chunk_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "checkpoint_path": [str, Path, None],
        "checkpoint_every": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "progress_bar": ["boolean"],
    }

    def __init__(
        self,
        *,
        width: int = 64,
        n_heads: int = 4,
        context_layers: int = 2,
        query_layers: int = 1,
        objective: str = "cd",
        n_steps: int = 3000,
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
        progress_bar: bool = True,
    ):
        self.width = width
        self.n_heads = n_heads
        self.context_layers = context_layers
        self.query_layers = query_layers
        self.objective = objective
        self.n_steps = n_steps
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
        self.progress_bar = progress_bar

    # ------------------------------------------------------------------ training
    def fit(self, tasks, y=None):
        """Train across tasks.

        Parameters
        ----------
        tasks : callable, str, TaskFamily, or sequence of them, or sequence of arrays
            A traceable ``sampler(key, n_points) -> (n_points, D)`` (see
            :func:`~ebm_memory.incontext.tasks.task_sampler`); family names or
            :class:`~ebm_memory.incontext.tasks.TaskFamily` objects; or a list of datasets,
            2-D arrays of one width, from which contexts and positives are drawn as random
            subsets.
        y : ignored

        Returns
        -------
        self
        """
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
        settings = self._settings()
        batch_fn, data, dim = self._task_source(tasks, settings)
        config = ModelConfig(
            *(int(v) for v in (dim, self.width, self.n_heads, self.context_layers)),
            int(self.query_layers),
        )
        rng = check_random_state(self.random_state)
        key = jax.random.key(rng.randint(2**31 - 1))
        init_key, buffer_key, key = jax.random.split(key, 3)
        if self.warm_start and hasattr(self, "parameters_"):
            if self.config_ != config:
                raise ValueError(
                    f"warm_start needs the fitted architecture {self.config_}, got {config}."
                )
            model = build_model(config, self.parameters_)
        else:
            model = build_model(config, model_arrays(EnergyTransformer(config, key=init_key)))
            self.n_steps_ = 0
            self.history_ = {"loss": np.zeros(0), "positive_energy": np.zeros(0)}
        self.config_, self.n_features_in_ = config, dim
        self.parameters_ = model_arrays(model)
        params, static = eqx.partition(model, eqx.is_inexact_array)
        optimizer = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(self.learning_rate))
        buffer = jax.random.uniform(
            buffer_key,
            (self.buffer_size, dim),
            jnp.float32,
            minval=-BUFFER_HALF_WIDTH,
            maxval=BUFFER_HALF_WIDTH,
        )
        carry = ChunkCarry(params, optimizer.init(params), buffer)
        self._train(carry, static, optimizer, batch_fn, data, settings, key)
        return self

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

    def _task_source(self, tasks, settings: TrainingSettings):
        """The batch function, its data argument and the dimension, from any form of tasks."""
        if isinstance(tasks, str | TaskFamily):
            tasks = [tasks]
        if isinstance(tasks, Sequence) and all(isinstance(t, str | TaskFamily) for t in tasks):
            tasks = task_sampler(tasks)
        if callable(tasks):
            dim = getattr(tasks, "dim", None)
            if dim is None:
                dim = jax.eval_shape(lambda k: tasks(k, 2), jax.random.key(0)).shape[-1]
            return sampler_batches(tasks, settings), None, int(dim)
        return dataset_batches(settings), *self._datasets(tasks)

    def _datasets(self, tasks):
        if not isinstance(tasks, Sequence) or not tasks:
            raise TypeError(
                "tasks must be a task sampler, family names, or a non-empty list of 2-D arrays; "
                f"got {type(tasks).__name__}."
            )
        arrays = [np.asarray(t, dtype=np.float64) for t in tasks]
        dims = {a.shape[1] if a.ndim == 2 else None for a in arrays}
        if None in dims or len(dims) != 1:
            raise ValueError(
                "Every dataset must be a 2-D array (n_points, n_features) of one width."
            )
        for index, array in enumerate(arrays):
            if not np.all(np.isfinite(array)):
                raise ValueError(f"Dataset {index} contains NaN or infinity.")
            if len(array) <= self.min_context:
                raise ValueError(
                    f"Dataset {index} has {len(array)} points; each needs more than "
                    f"min_context={self.min_context} (a context and at least one positive)."
                )
        size = max(len(a) for a in arrays)
        points = np.stack(pad_rows(arrays, size)).astype(np.float32)
        counts = np.array([len(a) for a in arrays], np.int32)
        return (jnp.asarray(points), jnp.asarray(counts)), dims.pop()

    def _train(self, carry, static, optimizer, batch_fn, data, settings, key):
        """Compiled chunks of ``chunk_size`` steps (and one shorter for the remainder), with
        finiteness checks, the progress bar and checkpoints between chunks."""
        runners = {}
        done, since_checkpoint = 0, 0
        losses, energies = [self.history_["loss"]], [self.history_["positive_energy"]]
        with tqdm(
            total=self.n_steps, desc="in-context energy", unit="step", disable=not self.progress_bar
        ) as bar:
            while done < self.n_steps:
                length = min(self.chunk_size, self.n_steps - done)
                if length not in runners:
                    runners[length] = make_chunk_runner(
                        static, optimizer, batch_fn, settings, length
                    )
                key, chunk_key = jax.random.split(key)
                new_carry, (loss, energy) = runners[length](carry, chunk_key, data)
                loss, energy = np.asarray(loss), np.asarray(energy)
                if not (np.isfinite(loss).all() and _finite(new_carry.params)):
                    self._diverged(length)
                carry = new_carry
                done += length
                since_checkpoint += length
                losses.append(loss)
                energies.append(energy)
                self._record(carry.params, static, length, losses, energies)
                bar.update(length)
                bar.set_postfix(loss=f"{loss.mean():.3f}")
                if self.checkpoint_path is not None and (
                    since_checkpoint >= self.checkpoint_every or done >= self.n_steps
                ):
                    self._checkpoint(final=done >= self.n_steps)
                    since_checkpoint = 0

    def _checkpoint(self, *, final: bool) -> None:
        """Save to ``checkpoint_path``. A failed write before the last step warns and training
        goes on (the next checkpoint tries again); after the last step it raises. Either way
        the fitted attributes on the estimator are complete and current."""
        try:
            self.save(self.checkpoint_path)
        except OSError as error:
            message = (
                f"Could not write the checkpoint {self.checkpoint_path} at step "
                f"{self.n_steps_}: {error}. The fitted parameters stay on this estimator; "
                "write them elsewhere with save(path)."
            )
            if final:
                raise OSError(message) from error
            warnings.warn(message + " Training goes on.", RuntimeWarning, stacklevel=4)

    def _record(self, params, static, taken, losses, energies):
        self.parameters_ = model_arrays(eqx.combine(params, static))
        self.n_steps_ += taken
        self.history_ = {
            "loss": np.concatenate(losses),
            "positive_energy": np.concatenate(energies),
        }

    def _diverged(self, length: int):
        where = (
            f"; the last good checkpoint is {self.checkpoint_path}"
            if self.checkpoint_path is not None
            else ""
        )
        raise FloatingPointError(
            f"Training diverged: a non-finite loss or parameter appeared in steps "
            f"{self.n_steps_ + 1}..{self.n_steps_ + length}. The estimator keeps the "
            f"last good parameters (step {self.n_steps_}){where}. Check the tasks for NaN, or "
            "lower learning_rate or langevin_step_size."
        )

    # ------------------------------------------------------------------ inference
    def _model(self) -> EnergyTransformer:
        check_is_fitted(self, "parameters_")
        return build_model(self.config_, self.parameters_)

    def _points(self, name: str, X, minimum: int = 1) -> np.ndarray:
        """``X`` as a checked (n, n_features_in_) float64 array with at least ``minimum`` rows
        (in float64 throughout: the context's standardisation needs every digit)."""
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
        X = X.astype(np.float64)
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {X.shape}.")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or infinite values.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} must have shape (n, {self.n_features_in_}), got {X.shape}.")
        if len(X) < minimum:
            raise ValueError(f"{name} needs at least {minimum} rows, got {len(X)}.")
        return X

    def energy(self, X, context) -> np.ndarray:
        """``E(x | context)`` for each row of ``X``: (n,) float64, unnormalised (lower is
        more probable; ``exp(-E)`` is proportional to the density the context implies)."""
        check_is_fitted(self, "parameters_")
        X = self._points("X", X)
        context = self._points("context", context, minimum=2)
        return context_energies(self._model(), X, context)

    def log_normaliser(self, context, *, grid_size: int = 256) -> float:
        """``log integral exp(-E(x | context)) dx`` by quadrature on a grid (2-D only)."""
        return self.density_grid(context, grid_size=grid_size)[2]

    def density_grid(self, context, *, grid_size: int = 256):
        """``-E(x | context)`` on a ``grid_size``-square grid over the context's region, its
        axes, and ``log Z`` by the trapezoid rule (2-D only): for contour plots and entropies.
        See :func:`~ebm_memory.incontext.inference.density_grid`."""
        check_is_fitted(self, "parameters_")
        context = self._points("context", context, minimum=2)
        return density_grid(self._model(), context, grid_size)

    def memories(self, context) -> dict:
        """The memory read-out the model sets for ``context``: each context point's centre,
        width and weight, and the background component's weight and width (original units)."""
        check_is_fitted(self, "parameters_")
        return context_memories(self._model(), self._points("context", context, minimum=2))

    def score_samples(self, X, context, *, normalise: bool = False) -> np.ndarray:
        """Log density of each row of ``X`` given ``context``: ``-E(x | context)``, and with
        ``normalise=True`` minus the quadrature :meth:`log_normaliser` (2-D only)."""
        scores = -self.energy(X, context)
        if normalise:
            scores -= self.log_normaliser(context)
        return scores

    def sample(
        self,
        context,
        n_samples: int = 1,
        random_state=None,
        *,
        method: str = "mala",
        num_warmup: int = 500,
        num_chains: int = 16,
        progress_bar: bool = False,
        return_result: bool = False,
    ):
        """Draws from ``exp(-E(x | context))`` with our Langevin / MALA / HMC kernels or
        numpyro's NUTS (:func:`ebm_memory.samplers.sample`).

        The ``num_chains`` chains start at exact draws from the model's memory read-out, so
        separate wells are visited in the read-out's proportions (Langevin chains rarely cross
        between them); the draws interleave the chains.

        Returns (n_samples, n_features) float64, and with ``return_result=True`` also the
        :class:`~ebm_memory.samplers.SamplingResult` (ESS, R-hat, ``to_arviz()``).
        """
        check_is_fitted(self, "parameters_")
        context = self._points("context", context, minimum=2)
        n_samples = check_integer("n_samples", n_samples, minimum=1)
        seed = check_random_state(random_state).randint(2**31 - 1)
        draws, result = sample_context(
            self._model(),
            context,
            jax.random.key(seed),
            n_samples=n_samples,
            method=method,
            num_warmup=num_warmup,
            num_chains=num_chains,
            progress_bar=progress_bar,
        )
        return (draws, result) if return_result else draws

    # ------------------------------------------------------------------ checkpoints
    def save(self, path) -> None:
        """Write the fitted model to ``path`` (see :mod:`~ebm_memory.incontext.checkpoint`)."""
        check_is_fitted(self, "parameters_")
        settings = {
            k: v
            for k, v in self.get_params().items()
            if k not in ("checkpoint_path", "random_state")
        }
        meta = {
            "estimator": settings,
            "n_steps": int(self.n_steps_),
            "history": {k: v.tolist() for k, v in self.history_.items()},
        }
        save_checkpoint(path, self.config_, self.parameters_, meta)

    @classmethod
    def load(cls, path) -> InContextEnergy:
        """A fitted estimator read from a checkpoint written by :meth:`save`."""
        config, arrays, meta = load_checkpoint(path)
        estimator = cls(**meta["estimator"])
        estimator.config_, estimator.parameters_ = config, arrays
        estimator.n_features_in_ = config.dim
        estimator.n_steps_ = meta["n_steps"]
        estimator.history_ = {k: np.asarray(v) for k, v in meta["history"].items()}
        return estimator

    @classmethod
    def pretrained(cls) -> InContextEnergy:
        """The default 2-D model shipped with the package, trained on the ``mixture_2d`` and
        ``shapes_2d`` families (``ebm-memory in-context train`` re-trains it)."""
        with resources.as_file(resources.files("ebm_memory.incontext") / PRETRAINED) as path:
            return cls.load(path)


def _finite(tree) -> bool:
    """Whether every entry of every leaf is finite (one device-to-host transfer)."""
    return bool(jnp.all(jnp.stack([jnp.all(jnp.isfinite(leaf)) for leaf in jax.tree.leaves(tree)])))
