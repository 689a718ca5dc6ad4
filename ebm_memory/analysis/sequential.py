"""Sequential learning in the Dense Associative Memory (McAlister et al.): strategies
against forgetting, across the interaction vertex ``n``.

Krotov & Hopfield (2016) found that the vertex ``n`` moves the learned memories from
features (small ``n``: each memory helps many classes) to prototypes (large ``n``: each memory
is close to one digit). McAlister et al. ask how that regime changes forgetting when tasks
arrive one after another, and how the standard remedies compare. This experiment trains
:class:`~ebm_memory.DenseAssociativeClassifier` on two task sequences built from scikit-learn's
digits (:mod:`ebm_memory.datasets`):

- permuted digits (every task all ten classes, each task its own fixed pixel permutation;
  domain-incremental);
- split digits (classes in pairs, scored within the task's own pair: task-incremental),

with every strategy of :mod:`ebm_memory.learning.continual` at ``n`` in (2, 3, 5, 10), and
summarises the accuracy matrices
(:func:`~ebm_memory.analysis.forgetting.continual_metrics`); beside it, the classifier's test
accuracy on digits against logistic regression. ``ebm-memory reproduce sequential``
(:mod:`ebm_memory.experiments.sequential`) runs it all.

The strategies' settings (:data:`STRATEGY_SETTINGS`) come from a small sweep on three
permuted-digits tasks at ``n = 5`` (100 memories, 300 steps per task): EWC strengths 1, 10,
30 and 100 gave average accuracies 0.45, 0.70, 0.73 and 0.61 (at 100 the later tasks are no
longer learned), SI strengths 1 and 100 gave 0.71 and 0.41, rehearsal of 20% of each task
0.82 and naive training 0.42.

Examples
--------
>>> from ebm_memory.analysis.sequential import STRATEGY_SETTINGS
>>> sorted(STRATEGY_SETTINGS)
['agem', 'ewc', 'naive', 'pseudo-rehearsal', 'rehearsal', 'si']
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

from ebm_memory._renamed import renamed_parameters
from ebm_memory.analysis._common import KeyedResult
from ebm_memory.analysis.forgetting import SequenceResult, run_task_sequence
from ebm_memory.estimators.classifier import DenseAssociativeClassifier
from ebm_memory.learning.continual import STRATEGIES

__all__ = [
    "DEGREES",
    "STRATEGY_SETTINGS",
    "ClassifierScore",
    "classifier_baseline",
    "compare_strategies",
]

DEGREES = (2, 3, 5, 10)
STRATEGY_SETTINGS = {
    "naive": {},
    "rehearsal": {"memory_fraction": 0.2},
    "pseudo-rehearsal": {"memory_fraction": 0.2},
    "ewc": {"strength": 30.0},
    "si": {"strength": 1.0},
    "agem": {"memory_fraction": 0.2},
}


@dataclass(frozen=True)
class ClassifierScore(KeyedResult):
    """One model's test accuracy on digits (:func:`classifier_baseline`).

    Parameters
    ----------
    model : str
        The model's name.
    accuracy : float
        Test accuracy.
    seconds : float
        Fit time, JAX compilation included.

    Examples
    --------
    >>> from ebm_memory.analysis.sequential import ClassifierScore
    >>> ClassifierScore("LogisticRegression", 0.97, 0.1).accuracy
    0.97
    """

    model: str
    accuracy: float
    seconds: float


@renamed_parameters(progress_bar="verbose")
def compare_strategies(
    tasks,
    degrees=DEGREES,
    strategies=STRATEGIES,
    *,
    n_memories: int = 64,
    max_iter: int = 200,
    restrict_to_task_classes: bool = False,
    random_state=0,
    verbose: int = 0,
) -> dict[int, dict[str, SequenceResult]]:
    """Run the task sequence for every ``(degree, strategy)`` pair.

    Parameters
    ----------
    tasks : sequence of Task
        The task sequence (:mod:`ebm_memory.datasets`).
    degrees : sequence of int, default=(2, 3, 5, 10)
        The interaction vertices ``n``.
    strategies : sequence of str
        Strategies of :mod:`ebm_memory.learning.continual`, with the settings of
        :data:`STRATEGY_SETTINGS`.
    n_memories : int, default=64
        Memories of each classifier.
    max_iter : int, default=200
        Optimiser steps per task.
    restrict_to_task_classes : bool, default=False
        Score within each task's own classes (task-incremental).
    random_state : int, RandomState or None, default=0
        Seeds every classifier.
    verbose : int, default=0
        A tqdm bar over the pairs when > 0. Was ``progress_bar``.

    Returns
    -------
    results : dict
        ``degree -> strategy -> SequenceResult``.

    Examples
    --------
    >>> from ebm_memory.analysis.sequential import compare_strategies
    >>> from ebm_memory.datasets import split_digits
    >>> tasks = split_digits(((0, 1), (2, 3)), random_state=0)
    >>> results = compare_strategies(tasks, (3,), ("naive",), n_memories=8, max_iter=5)
    >>> results[3]["naive"].accuracy.shape
    (2, 2)
    """
    results: dict[int, dict[str, SequenceResult]] = {}
    pairs = [(degree, strategy) for degree in degrees for strategy in strategies]
    for degree, strategy in tqdm(pairs, "degree x strategy", disable=not verbose):
        estimator = DenseAssociativeClassifier(
            n_memories,
            degree=degree,
            max_iter=max_iter,
            strategy=strategy,
            random_state=random_state,
            **STRATEGY_SETTINGS[strategy],
        )
        results.setdefault(degree, {})[strategy] = run_task_sequence(
            estimator, tasks, restrict_to_task_classes=restrict_to_task_classes
        )
    return results


def classifier_baseline(
    degrees=DEGREES, *, n_memories: int = 100, max_iter: int = 300, random_state=0
) -> list[ClassifierScore]:
    """Test accuracy on digits of the classifier beside logistic regression.

    Pixels are scaled as ``x / 8 - 1`` and split 75/25, stratified; the classifier runs at
    each ``degree`` and with the exponential interaction, beside
    :class:`~sklearn.linear_model.LogisticRegression`.

    Parameters
    ----------
    degrees : sequence of int, default=(2, 3, 5, 10)
        The interaction vertices ``n``.
    n_memories : int, default=100
        Memories of each classifier.
    max_iter : int, default=300
        Optimiser steps.
    random_state : int, RandomState or None, default=0
        Seeds the split and the classifiers.

    Returns
    -------
    scores : list of ClassifierScore
        One per model: its name, test accuracy and fit seconds (JAX compilation included).

    Examples
    --------
    >>> from ebm_memory.analysis.sequential import classifier_baseline
    >>> scores = classifier_baseline((3,), n_memories=8, max_iter=5)
    >>> [score.model for score in scores]
    ['DAM, n = 3', 'DAM, exponential', 'LogisticRegression']
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 8 - 1, y, test_size=0.25, stratify=y, random_state=random_state
    )
    models = {
        f"DAM, n = {degree}": DenseAssociativeClassifier(
            n_memories, degree=degree, max_iter=max_iter, random_state=random_state
        )
        for degree in degrees
    }
    models["DAM, exponential"] = DenseAssociativeClassifier(
        n_memories, interaction="exponential", max_iter=max_iter, random_state=random_state
    )
    models["LogisticRegression"] = LogisticRegression(max_iter=2000)
    rows = []
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        rows.append(ClassifierScore(name, float(model.score(X_test, y_test)), seconds))
    return rows
