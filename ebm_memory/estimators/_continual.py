"""Task-by-task training of
:class:`~ebm_memory.estimators.classifier.DenseAssociativeClassifier`: the starting memories,
each task's rows under the ``strategy`` against forgetting, and the consolidation after it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ebm_memory._random import float64, seed_from
from ebm_memory._validation import check_overlap_range
from ebm_memory.energies import interactions
from ebm_memory.learning.classifier import ClassifierObjective, one_hot_targets
from ebm_memory.learning.continual import (
    fisher_diagonal,
    pseudo_items,
    synaptic_importance,
    train_task,
)
from ebm_memory.learning.optimise import Optimizer

__all__ = ["ContinualTrainingMixin"]

INITIAL_SCALE = 0.1


class ContinualTrainingMixin:
    """The classifier's model description, input checks and training state (uses its
    parameters and ``_param``)."""

    def _interaction(self):
        if self.interaction == "exponential":
            return interactions.exponential(1.0)
        if self.interaction == "polynomial":
            return interactions.polynomial(self.degree)
        return interactions.rectified_polynomial(self.degree)

    def _objective(self) -> ClassifierObjective:
        active = None if self.seen_classes_.all() else tuple(map(bool, self.seen_classes_))
        return ClassifierObjective(self._interaction(), len(self.classes_), self.power, active)

    def _optimizer(self) -> Optimizer:
        momentum = self.momentum if self.optimizer == "sgd" else None
        return Optimizer(self.optimizer, float(self.learning_rate), momentum)

    def _validate(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self._check_range(X, len(self.classes_))
        return X

    def _check_range(self, X: np.ndarray, n_labels: int) -> None:
        """Refuse features too large for float64 overlaps (see ``check_overlap_range``)."""
        degree = None if self.interaction == "exponential" else self.degree
        check_overlap_range(X, n_labels, degree)

    @float64
    def _start(self, X: np.ndarray, classes: np.ndarray) -> None:
        if len(classes) < 2:
            raise ValueError(
                f"DenseAssociativeClassifier needs at least 2 classes; got {len(classes)} class."
            )
        self.classes_ = classes
        self._seed = seed_from(self.random_state)
        shape = (self.n_memories, X.shape[1] + len(classes))
        key = jax.random.fold_in(jax.random.key(self._seed), 0)
        rows_key, noise_key = jax.random.split(key)
        rows = jax.random.choice(
            rows_key, len(X), (self.n_memories,), replace=len(X) < self.n_memories
        )
        seeds = np.concatenate([X[np.asarray(rows)], np.zeros((len(rows), len(classes)))], 1)
        noise = INITIAL_SCALE * np.asarray(jax.random.normal(noise_key, shape, jnp.float64))
        self.memories_ = np.clip(seeds + noise, -1.0, 1.0)
        if self.sharpness == "auto":
            self.sharpness_ = self._auto_sharpness(X)
        else:
            self.sharpness_ = float(self.sharpness)
        self.n_tasks_ = self.n_rows_seen_ = 0
        self.seen_classes_ = np.zeros(len(classes), dtype=bool)
        self.anchor_ = self.memories_.copy()
        self.importance_ = np.zeros_like(self.memories_)
        self.buffer_X_ = np.empty((0, X.shape[1]))
        self.buffer_y_ = np.empty(0, dtype=classes.dtype)

    def _auto_sharpness(self, X: np.ndarray) -> float:
        """KH2016's ``1 / T^n`` with ``T`` the mean ``|x|^2`` of the rows: the overlap a
        memory aligned with a typical row reaches (the exponential's log-domain drive is
        already in overlap units: ``s = 1``)."""
        if self.interaction == "exponential":
            return 1.0
        scale = float(np.mean(np.sum(X**2, axis=1)))
        return scale ** -float(self.degree) if scale > 0 else 1.0

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(one_hot_targets(np.searchsorted(self.classes_, y), len(self.classes_)))

    def _learn_task(self, X: np.ndarray, y: np.ndarray):
        keys = jax.random.split(jax.random.fold_in(jax.random.key(self._seed), self.n_tasks_ + 1))
        self.seen_classes_ = self.seen_classes_ | np.isin(self.classes_, y)
        objective = self._objective()
        fit = self._train(X, y, self._targets(y), objective, keys)
        self.loss_curve_ = fit.objective
        self.n_iter_ = fit.n_iter
        self.n_tasks_ += 1
        return self

    @float64
    def _train(self, X, y, targets, objective, keys):
        """Train on the task's rows (with what the strategy adds), then consolidate."""
        pseudo_key, buffer_key = keys
        features, targets, strength, buffer = self._task_rows(X, targets, objective, pseudo_key)
        start = self.memories_
        fit = train_task(
            objective,
            start,
            features,
            targets,
            np.ones(len(features)),
            sharpness=self.sharpness_,
            anchor=self.anchor_,
            importance=self.importance_,
            strength=strength,
            buffer=buffer,
            optimizer=self._optimizer(),
            max_iter=self.max_iter,
            verbose=self._param("verbose"),
            description=f"task {self.n_tasks_ + 1} ({self.strategy})",
        )
        self.memories_ = np.asarray(fit.params, dtype=np.float64)
        self._consolidate(X, y, start, fit.path_integral, objective, buffer_key)
        return fit

    def _task_rows(self, X, targets, objective, pseudo_key):
        """The task's training rows and targets with what the strategy adds, the penalty
        strength and A-GEM's buffer."""
        if self.strategy == "rehearsal" and len(self.buffer_y_):
            features = np.concatenate([X, self.buffer_X_])
            return features, np.concatenate([targets, self._targets(self.buffer_y_)]), 0.0, None
        if self.strategy == "pseudo-rehearsal" and self.n_tasks_:
            n_items = max(1, round(self.memory_fraction * self.n_rows_seen_))
            pseudo_X, pseudo_targets = pseudo_items(
                jnp.asarray(self.memories_),
                X.shape[1],
                len(self.classes_),
                objective,
                self.sharpness_,
                n_items,
                pseudo_key,
            )
            return (
                np.concatenate([X, pseudo_X]),
                np.concatenate([targets, pseudo_targets]),
                0.0,
                None,
            )
        if self.strategy in ("ewc", "si"):
            return X, targets, float(self.strength), None
        if self.strategy == "agem" and len(self.buffer_y_):
            buffer = (self.buffer_X_, self._targets(self.buffer_y_), np.ones(len(self.buffer_y_)))
            return X, targets, 0.0, buffer
        return X, targets, 0.0, None

    def _consolidate(self, X, y, start, path_integral, objective, key) -> None:
        """After a task: update the anchor, the importance and the buffer."""
        if self.strategy == "ewc":
            self.importance_ = self.importance_ + np.asarray(
                fisher_diagonal(objective, self.memories_, X, self._targets(y), self.sharpness_)
            )
        elif self.strategy == "si":
            delta = jnp.asarray(self.memories_ - start)
            self.importance_ = self.importance_ + np.asarray(
                synaptic_importance(path_integral, delta, self.si_damping)
            )
        elif self.strategy in ("rehearsal", "agem"):
            n_keep = max(1, round(self.memory_fraction * len(y)))
            rows = np.asarray(jax.random.choice(key, len(y), (n_keep,), replace=False))
            self.buffer_X_ = np.concatenate([self.buffer_X_, X[rows]])
            self.buffer_y_ = np.concatenate([self.buffer_y_, y[rows]])
        self.n_rows_seen_ += len(y)
        self.anchor_ = self.memories_.copy()
