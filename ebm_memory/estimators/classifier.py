"""``DenseAssociativeClassifier``: Krotov & Hopfield's (2016) supervised Dense Associative
Memory as a scikit-learn classifier, with sequential learning strategies in ``partial_fit``."""

from __future__ import annotations

from numbers import Integral

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ebm_memory._blocks import map_blocks
from ebm_memory._random import float64
from ebm_memory._validation import RealNotBool
from ebm_memory.estimators._base import OLD_DEFAULT, MemoryEstimator
from ebm_memory.estimators._continual import ContinualTrainingMixin
from ebm_memory.learning.classifier import label_drives
from ebm_memory.learning.continual import STRATEGIES

__all__ = ["DenseAssociativeClassifier"]

INTERACTIONS = ("rectified_polynomial", "polynomial", "exponential")


_drives = jax.jit(
    lambda X, memories, active, interaction, n_classes: jax.vmap(
        label_drives, in_axes=(0, None, None, None, None)
    )(X, memories, interaction, n_classes, active),
    static_argnums=(3, 4),
)


@float64
def _softmax(logits):
    return jax.nn.softmax(logits, axis=1)


class DenseAssociativeClassifier(ContinualTrainingMixin, ClassifierMixin, MemoryEstimator):
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
        Number of memories.
    degree : int >= 1, default=10
        Interaction vertex ``n`` of the polynomial interactions.
    interaction : {"rectified_polynomial", "polynomial", "exponential"}, \
            default="rectified_polynomial"
        The interaction function ``F``.
    power : int >= 1, default=1
        The loss exponent is ``2 * power``.
    sharpness : float > 0 or "auto", default="auto"
        The ``tanh`` gain ``s`` (KH2016's ``1 / T^n``). "auto": ``1 / std`` of the drives at
        the initial memories over the first training batch, fixed from then on.
    optimizer : {"adam", "sgd"}, default="adam"
        The optimiser of the memories.
    learning_rate : float > 0, default=0.05
        Its step size.
    momentum : float in [0, 1), default=0.9
        Heavy-ball momentum of ``optimizer="sgd"`` (ignored by Adam).
    max_iter : int, default=300
        Full-batch optimiser steps per ``fit`` / ``partial_fit`` call.
    strategy : {"naive", "rehearsal", "pseudo-rehearsal", "ewc", "si", "agem"}, default="naive"
        How ``partial_fit`` protects earlier tasks (see above).
    strength : float >= 0, default=1.0
        Penalty strength of "ewc" (``lambda``) and "si" (``c``).
    memory_fraction : float in (0, 1], default=0.2
        Share of every task's training rows kept for "rehearsal" and "agem"; "pseudo-rehearsal"
        replays as many pseudo-items as rehearsal would replay real ones.
    si_damping : float > 0, default=0.1
        SI's ``damping`` in ``omega / (delta^2 + damping)``.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial memories, the pseudo-items and the buffer.
    verbose : int, default=0
        > 0 draws a progress bar over the optimiser steps.
    progress_bar : bool, deprecated
        ``verbose`` before 0.2; works until 0.3 with a ``FutureWarning``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels.
    memories_ : ndarray of shape (n_memories, n_features + n_classes)
        The memories over the features and the label neurons.
    sharpness_ : float
        The ``tanh`` gain in use.
    n_tasks_ : int
        ``fit`` / ``partial_fit`` calls since the last ``fit``.
    n_rows_seen_ : int
        Training rows of those tasks.
    seen_classes_ : ndarray of shape (n_classes,)
        Labels some task has shown. The others are absent from the energy and the loss
        until their class arrives (see
        :class:`~ebm_memory.learning.classifier.ClassifierObjective`), and are never
        predicted (drive ``-inf``, probability 0); boolean.
    anchor_ : ndarray of shape (n_memories, n_features + n_classes)
        The memories after the previous task.
    importance_ : ndarray of shape (n_memories, n_features + n_classes)
        The accumulated importance of each memory entry ("ewc", "si").
    buffer_X_ : ndarray of shape (n_buffer, n_features)
        The episodic buffer's rows ("rehearsal", "agem").
    buffer_y_ : ndarray of shape (n_buffer,)
        Their labels.
    loss_curve_ : ndarray of shape (n_iter,)
        Training loss (with penalty) before each step of the last task.
    n_iter_ : int
        Optimiser steps of the last task.
    n_features_in_ : int
        Number of features seen at fit.

    See Also
    --------
    ebm_memory.learning.fit_binary_memories : The same KH2016 rule without labels.
    ebm_memory.analysis.run_task_sequence : Trains and tests it on a sequence of tasks.
    ebm_memory.DenseAssociativeMemory : The unsupervised memory.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory import DenseAssociativeClassifier
    >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(8, 16))
    >>> y = np.array([0, 1] * 4)
    >>> clf = DenseAssociativeClassifier(n_memories=8, degree=2, max_iter=50, random_state=0)
    >>> clf.fit(X, y).score(X, y)
    1.0
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
        "verbose": ["verbose"],
        "progress_bar": ["boolean", OLD_DEFAULT],
    }
    _renamed = {"progress_bar": "verbose"}

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
        verbose=0,
        progress_bar="deprecated",
    ):
        self._set_init_params(locals())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the memories from scratch on ``(X, y)`` (one task).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, features expected in [-1, 1].
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : DenseAssociativeClassifier
            The fitted estimator.

        See Also
        --------
        ebm_memory.DenseAssociativeClassifier.partial_fit : One more task, protecting the earlier.

        Examples
        --------
        >>> from ebm_memory import DenseAssociativeClassifier
        >>> X, y = [[1.0, -1.0], [-1.0, 1.0]], ["a", "b"]
        >>> DenseAssociativeClassifier(2, degree=2, max_iter=20).fit(X, y).memories_.shape
        (2, 4)
        """
        self._warn_renamed()
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
        X : array-like of shape (n_samples, n_features)
            This task's rows.
        y : array-like of shape (n_samples,)
            Labels of this task.
        classes : array-like of shape (n_classes,), default=None
            All labels of the whole sequence; required on the first call when ``y`` does not
            contain them all (later calls must not bring new labels).

        Returns
        -------
        self : DenseAssociativeClassifier
            The estimator, trained on one more task.

        See Also
        --------
        ebm_memory.DenseAssociativeClassifier.fit : Learns from scratch.
        ebm_memory.analysis.run_task_sequence : Calls it task after task.

        Examples
        --------
        >>> from ebm_memory import DenseAssociativeClassifier
        >>> clf = DenseAssociativeClassifier(4, degree=2, max_iter=20, strategy="rehearsal")
        >>> clf = clf.partial_fit([[1.0, -1.0]], [0], classes=[0, 1])
        >>> clf.partial_fit([[-1.0, 1.0]], [1]).n_tasks_
        2
        """
        first = not hasattr(self, "memories_")
        if first:
            self._warn_renamed()
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

    # -------------------------------------------------------------------------- predict
    @float64
    def _drives(self, X) -> np.ndarray:
        """Label drives (n, C) of validated rows; labels no task has shown get ``-inf``."""
        X = self._validate(X)
        drives = map_blocks(
            _drives,
            X,
            jnp.asarray(self.memories_),
            jnp.asarray(self.seen_classes_, jnp.float64),
            self._interaction(),
            len(self.classes_),
        )
        return np.where(self.seen_classes_, drives, -np.inf)

    def decision_function(self, X):
        """Label drives: the attraction gained by switching each label on.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        drives : ndarray of shape (n_samples, n_classes) or (n_samples,)
            The drives; for two classes the difference ``drive_1 - drive_0`` (positive
            favours ``classes_[1]``), as scikit-learn's binary classifiers.

        See Also
        --------
        ebm_memory.DenseAssociativeClassifier.predict : The label with the strongest drive.
        ebm_memory.DenseAssociativeClassifier.predict_proba : The drives as probabilities.

        Examples
        --------
        >>> from ebm_memory import DenseAssociativeClassifier
        >>> clf = DenseAssociativeClassifier(2, degree=2, max_iter=20, random_state=0)
        >>> clf = clf.fit([[1.0, -1.0], [-1.0, 1.0]], [0, 1])
        >>> bool(clf.decision_function([[1.0, -1.0]])[0] < 0)  # favours class 0
        True
        """
        drives = self._drives(X)
        return drives[:, 1] - drives[:, 0] if len(self.classes_) == 2 else drives

    def predict_proba(self, X):
        """One-hot label distribution ``softmax(2 sharpness drive)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows whose label distribution is wanted, features in [-1, 1].

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows summing to one, float64, columns in the order of ``classes_``.

        See Also
        --------
        ebm_memory.DenseAssociativeClassifier.decision_function : The drives.
        ebm_memory.DenseAssociativeClassifier.predict_log_proba : Their logarithm.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeClassifier
        >>> X = np.eye(3) * 2 - 1
        >>> clf = DenseAssociativeClassifier(3, degree=2, max_iter=50, random_state=0)
        >>> clf.fit(X, [0, 1, 2]).predict_proba(X).sum(axis=1).round(6)
        array([1., 1., 1.])
        """
        drives = self._drives(X)
        logits = 2 * self.sharpness_ * drives
        return np.asarray(_softmax(logits), dtype=np.float64)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba` (``-inf`` where a probability underflows).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify, with features in [-1, 1].

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log probabilities, float64.

        See Also
        --------
        ebm_memory.DenseAssociativeClassifier.predict_proba : The probabilities.

        Examples
        --------
        >>> from ebm_memory import DenseAssociativeClassifier
        >>> clf = DenseAssociativeClassifier(2, degree=2, max_iter=20).fit([[1.0], [-1.0]], [0, 1])
        >>> clf.predict_log_proba([[1.0], [-1.0], [0.5]]).shape
        (3, 2)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The label with the strongest drive.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label (features in [-1, 1], as in training).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Predicted labels, from ``classes_``.

        See Also
        --------
        ebm_memory.DenseAssociativeClassifier.decision_function : The drives compared.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeClassifier
        >>> X, y = np.eye(4) * 2 - 1, np.array(list("abcd"))
        >>> clf = DenseAssociativeClassifier(4, degree=2, max_iter=50, random_state=0).fit(X, y)
        >>> clf.predict(X).tolist()
        ['a', 'b', 'c', 'd']
        """
        drives = self._drives(X)
        return self.classes_[np.argmax(drives, axis=1)]
