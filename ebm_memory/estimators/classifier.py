"""``DenseAssociativeClassifier``: Krotov & Hopfield's (2016) supervised Dense Associative
Memory as a scikit-learn classifier, with sequential learning strategies in ``partial_fit``."""

from __future__ import annotations

from numbers import Integral

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ebm_memory._blocks import map_blocks
from ebm_memory._validation import RealNotBool, check_overlap_range
from ebm_memory.energies import interactions
from ebm_memory.learning.classifier import ClassifierObjective, label_drives, one_hot_targets
from ebm_memory.learning.continual import (
    STRATEGIES,
    fisher_diagonal,
    pseudo_items,
    synaptic_importance,
    train_task,
)
from ebm_memory.learning.optimise import Optimizer

__all__ = ["DenseAssociativeClassifier"]

INITIAL_SCALE = 0.1
INTERACTIONS = ("rectified_polynomial", "polynomial", "exponential")


_drives = jax.jit(
    lambda X, memories, active, interaction, n_classes: jax.vmap(
        label_drives, in_axes=(0, None, None, None, None)
    )(X, memories, interaction, n_classes, active),
    static_argnums=(3, 4),
)


class DenseAssociativeClassifier(ClassifierMixin, BaseEstimator):
    """Dense Associative Memory classifier: labels are clamped one-hot neurons (KH2016).

    Each of the ``n_memories`` memories spans the features and one neuron per class; the
    energy is ``-sum_mu F(xi_mu . (v, t))`` with ``F`` the interaction of vertex order
    ``degree`` (rectified polynomial ``max(x, 0)^n`` by default: small ``n`` learns features,
    large ``n`` prototypes). A label's drive is the attraction gained by switching it on
    (:mod:`ebm_memory.learning.classifier`); ``predict`` takes the strongest,
    ``predict_proba`` is the one-hot label distribution ``softmax(2 s drive)`` and training
    minimises ``sum_a (t_a - tanh(s drive_a))^(2 power)`` with memories clipped to
    ``[-1, 1]``. Features are expected in ``[-1, 1]`` (e.g. ``MinMaxScaler((-1, 1))``);
    features so large that float64 overlaps overflow or round the label neurons away raise
    a ``ValueError`` that says so.

    ``partial_fit`` learns a sequence of tasks with a ``strategy`` against forgetting
    (:mod:`ebm_memory.learning.continual`): "naive" fine-tuning, "rehearsal" of a buffer of
    earlier items, "pseudo-rehearsal" on the network's own stable states, "ewc" and "si"
    (importance-weighted quadratic penalties on the memories) and "agem" (gradient
    projection against the buffer loss). Each ``partial_fit`` call is one task; ``fit``
    starts afresh. Label neurons of classes no task has shown yet stay out of the energy,
    the loss and the predictions until their class arrives.

    Parameters
    ----------
    n_memories : int, default=64
    degree : int >= 1, default=10
        Interaction vertex ``n`` of the polynomial interactions.
    interaction : {"rectified_polynomial", "polynomial", "exponential"}, \
            default="rectified_polynomial"
    power : int >= 1, default=1
        The loss exponent is ``2 * power``.
    sharpness : float > 0 or "auto", default="auto"
        The ``tanh`` gain ``s`` (KH2016's ``1 / T^n``). "auto": ``1 / std`` of the drives at
        the initial memories over the first training batch, fixed from then on.
    optimizer : {"adam", "sgd"}, default="adam"
    learning_rate : float > 0, default=0.05
    momentum : float in [0, 1), default=0.9
        Heavy-ball momentum of ``optimizer="sgd"`` (ignored by Adam).
    max_iter : int, default=300
        Full-batch optimiser steps per ``fit`` / ``partial_fit`` call.
    strategy : {"naive", "rehearsal", "pseudo-rehearsal", "ewc", "si", "agem"}, default="naive"
    strength : float >= 0, default=1.0
        Penalty strength of "ewc" (``lambda``) and "si" (``c``).
    memory_fraction : float in (0, 1], default=0.2
        Share of every task's training rows kept for "rehearsal" and "agem"; "pseudo-rehearsal"
        replays as many pseudo-items as rehearsal would replay real ones.
    si_damping : float > 0, default=0.1
        SI's ``damping`` in ``omega / (delta^2 + damping)``.
    random_state : int, RandomState instance or None, default=None
    progress_bar : bool, default=False

    Attributes
    ----------
    classes_ : ndarray (n_classes,)
    memories_ : ndarray (n_memories, n_features + n_classes)
    sharpness_ : float
    n_tasks_ : int
        ``fit`` / ``partial_fit`` calls since the last ``fit``.
    n_rows_seen_ : int
        Training rows of those tasks.
    seen_classes_ : ndarray of bool (n_classes,)
        Labels some task has shown. The others are absent from the energy and the loss
        until their class arrives (see
        :class:`~ebm_memory.learning.classifier.ClassifierObjective`), and are never
        predicted (drive ``-inf``, probability 0).
    anchor_, importance_ : ndarray like ``memories_``
        The memories after the previous task and the accumulated importance ("ewc", "si").
    buffer_X_, buffer_y_ : ndarray
        The episodic buffer ("rehearsal", "agem").
    loss_curve_ : ndarray
        Training loss (with penalty) before each step of the last task.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from ebm_memory import DenseAssociativeClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DenseAssociativeClassifier(n_memories=32, random_state=0)
    >>> clf = clf.fit(X[:500] / 8 - 1, y[:500])
    >>> bool(clf.score(X[500:700] / 8 - 1, y[500:700]) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        "n_memories": [Interval(Integral, 1, None, closed="left")],
        "degree": [Interval(Integral, 1, None, closed="left")],
        "interaction": [StrOptions(set(INTERACTIONS))],
        "power": [Interval(Integral, 1, None, closed="left")],
        "sharpness": [RealNotBool(0, None, closed="neither"), StrOptions({"auto"})],
        "optimizer": [StrOptions({"adam", "sgd"})],
        "learning_rate": [RealNotBool(0, None, closed="neither")],
        "momentum": [RealNotBool(0, 1, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions(set(STRATEGIES))],
        "strength": [RealNotBool(0, None, closed="left")],
        "memory_fraction": [RealNotBool(0, 1, closed="right")],
        "si_damping": [RealNotBool(0, None, closed="neither")],
        "random_state": ["random_state"],
        "progress_bar": ["boolean"],
    }

    def __init__(
        self,
        n_memories=64,
        *,
        degree=10,
        interaction="rectified_polynomial",
        power=1,
        sharpness="auto",
        optimizer="adam",
        learning_rate=0.05,
        momentum=0.9,
        max_iter=300,
        strategy="naive",
        strength=1.0,
        memory_fraction=0.2,
        si_damping=0.1,
        random_state=None,
        progress_bar=False,
    ):
        self.n_memories = n_memories
        self.degree = degree
        self.interaction = interaction
        self.power = power
        self.sharpness = sharpness
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.max_iter = max_iter
        self.strategy = strategy
        self.strength = strength
        self.memory_fraction = memory_fraction
        self.si_damping = si_damping
        self.random_state = random_state
        self.progress_bar = progress_bar

    # ------------------------------------------------------------------ model description
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

    # ------------------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the memories from scratch on ``(X, y)`` (one task).

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self._check_range(X, len(np.unique(y)))
        self._start(X, np.unique(y))
        return self._learn_task(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Learn one more task, with ``strategy`` protecting the earlier ones.

        Parameters
        ----------
        X : array-like (n_samples, n_features)
        y : array-like (n_samples,)
        classes : array-like, optional
            All labels of the whole sequence; required on the first call when ``y`` does not
            contain them all (later calls must not bring new labels).

        Returns
        -------
        self
        """
        first = not hasattr(self, "memories_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        check_classification_targets(y)
        labels = np.unique(y if classes is None else classes) if first else self.classes_
        self._check_range(X, len(labels))
        if first:
            self._start(X, labels)
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"classes {np.unique(classes)} differ from those of the first call {self.classes_}."
            )
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(
                f"labels {unseen} are not in classes_ {self.classes_}; pass all labels as "
                "`classes` on the first partial_fit call."
            )
        return self._learn_task(X, y)

    def _start(self, X: np.ndarray, classes: np.ndarray) -> None:
        if len(classes) < 2:
            raise ValueError(
                f"DenseAssociativeClassifier needs at least 2 classes; got {len(classes)} class."
            )
        self.classes_ = classes
        self._seed = check_random_state(self.random_state).randint(2**31 - 1)
        shape = (self.n_memories, X.shape[1] + len(classes))
        with jax.enable_x64(True):
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
        pseudo_key, buffer_key = jax.random.split(
            jax.random.fold_in(jax.random.key(self._seed), self.n_tasks_ + 1)
        )
        self.seen_classes_ = self.seen_classes_ | np.isin(self.classes_, y)
        objective = self._objective()
        features, targets = X, self._targets(y)
        strength, buffer = 0.0, None
        with jax.enable_x64(True):
            if self.strategy == "rehearsal" and len(self.buffer_y_):
                features = np.concatenate([X, self.buffer_X_])
                targets = np.concatenate([targets, self._targets(self.buffer_y_)])
            elif self.strategy == "pseudo-rehearsal" and self.n_tasks_:
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
                features = np.concatenate([X, pseudo_X])
                targets = np.concatenate([targets, pseudo_targets])
            elif self.strategy in ("ewc", "si"):
                strength = float(self.strength)
            elif self.strategy == "agem" and len(self.buffer_y_):
                buffer = (
                    self.buffer_X_,
                    self._targets(self.buffer_y_),
                    np.ones(len(self.buffer_y_)),
                )
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
                progress_bar=self.progress_bar,
                description=f"task {self.n_tasks_ + 1} ({self.strategy})",
            )
            self.memories_ = np.asarray(fit.params, dtype=np.float64)
            self._consolidate(X, y, start, fit.path_integral, objective, buffer_key)
        self.loss_curve_ = fit.objective
        self.n_iter_ = fit.n_iter
        self.n_tasks_ += 1
        return self

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

    # -------------------------------------------------------------------------- predict
    def _batch_drives(self, X: np.ndarray) -> np.ndarray:
        """Label drives (n, C); labels no task has shown get ``-inf``."""
        drives = map_blocks(
            _drives,
            X,
            jnp.asarray(self.memories_),
            jnp.asarray(self.seen_classes_, jnp.float64),
            self._interaction(),
            len(self.classes_),
        )
        return np.where(self.seen_classes_, drives, -np.inf)

    def _validate(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self._check_range(X, len(self.classes_))
        return X

    def _check_range(self, X: np.ndarray, n_labels: int) -> None:
        """Refuse features too large for float64 overlaps (see ``check_overlap_range``)."""
        degree = None if self.interaction == "exponential" else self.degree
        check_overlap_range(X, n_labels, degree)

    def decision_function(self, X):
        """Label drives, (n_samples, n_classes); for two classes the (n_samples,) difference
        ``drive_1 - drive_0`` (positive favours ``classes_[1]``)."""
        X = self._validate(X)
        with jax.enable_x64(True):
            drives = self._batch_drives(X)
        return drives[:, 1] - drives[:, 0] if len(self.classes_) == 2 else drives

    def predict_proba(self, X):
        """One-hot label distribution ``softmax(2 sharpness drive)``, (n_samples, n_classes)."""
        X = self._validate(X)
        with jax.enable_x64(True):
            logits = 2 * self.sharpness_ * self._batch_drives(X)
            return np.asarray(jax.nn.softmax(logits, axis=1), dtype=np.float64)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (``-inf`` where a probability underflows)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The label with the strongest drive."""
        X = self._validate(X)
        with jax.enable_x64(True):
            return self.classes_[np.argmax(self._batch_drives(X), axis=1)]
