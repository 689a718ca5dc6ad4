"""Case 7, classification: the supervised Dense Associative Memory against scikit-learn.

:class:`~ebm_memory.DenseAssociativeClassifier` is Krotov & Hopfield's (2016) supervised
Dense Associative Memory: labels are clamped one-hot neurons, and a label's drive is the
attraction gained by switching it on. KH2016 show that this model is a neural network with
one hidden layer of ``n_memories`` units whose activation is ``F'``, the derivative of the
interaction (the rectified polynomial ``F(x) = max(x, 0)^n`` gives ``n max(x, 0)^(n-1)``:
``n = 2`` is a ReLU network, large ``n`` a prototype matcher). Its natural peer is therefore
:class:`~sklearn.neural_network.MLPClassifier` with as many hidden (ReLU) units as we have
memories; :class:`~sklearn.linear_model.LogisticRegression` is the linear baseline.

Datasets, bundled with scikit-learn (no downloads), one stratified train/test split each
(a quarter held out, ``random_state=0``), features mapped into ``[-1, 1]`` as the classifier
expects:

- digits (8x8 images, 10 classes): pixels ``x / 8 - 1`` (0..16 onto -1..1);
- wine (13 features, 3 classes) and breast_cancer (30 features, 2 classes):
  ``MinMaxScaler((-1, 1))`` fitted on the training split (held-out rows may fall slightly
  outside).

The methods (every iterative fit ``random_state=0``):

- ``DenseAssociativeClassifier`` with the rectified polynomial interaction of vertex
  ``n = 3`` (feature-like memories) and ``n = 10`` (prototype-like memories), and with the
  exponential interaction; ``n_memories`` 100 on digits, fewer on the small datasets
  (:data:`SETTINGS`), its default training (Adam, full batch, ``max_iter=300`` steps);
- ``MLPClassifier`` with one hidden layer of ``n_memories`` ReLU units, ``max_iter=300``
  (at the quick and tiny sizes both ours and the MLP get fewer steps);
- ``LogisticRegression(max_iter=2000)``.

Each record pairs one of ours with the MLP: fit seconds by
:func:`~benchmarks.harness.time_pair` (ratio = MLP seconds over ours; first calls, JAX
compilation included, apart), ``accuracy`` = our test accuracy, and ``extra["scores"]``
holding every method's test accuracy, fit seconds (median) and first-call seconds on the
dataset (LogisticRegression timed alone the same way).
"""

from __future__ import annotations

import statistics
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MinMaxScaler

from benchmarks.harness import check_size, per_dataset, record, time_pair
from benchmarks.tables import method_tables
from ebm_memory.estimators import DenseAssociativeClassifier

__all__ = [
    "DATASETS",
    "METHODS",
    "SETTINGS",
    "classification_records",
    "classification_table",
    "load_split",
]

CASE = "classification"
DATASETS = ("digits", "wine", "breast_cancer")
TEST_SIZE = 0.25
DAM_3 = "DenseAssociativeClassifier (n=3)"
DAM_10 = "DenseAssociativeClassifier (n=10)"
DAM_EXP = "DenseAssociativeClassifier (exponential)"
MLP = "MLPClassifier (hidden units = memories)"
LOGISTIC = "LogisticRegression"
OURS = (DAM_3, DAM_10, DAM_EXP)
METHODS = (*OURS, MLP, LOGISTIC)
SHORT_NAMES = dict(zip(METHODS, ("DAM n=3", "DAM n=10", "DAM exp", "MLP", "LogReg"), strict=True))
"""Column names of :func:`classification_table`."""
LOGISTIC_MAX_ITER = 2000


class Settings(NamedTuple):
    """Datasets, memories and training steps of one benchmark size."""

    n_memories: dict[str, int]  # dataset -> our memories = the MLP's hidden units
    max_iter: int  # our optimiser steps and the MLP's epochs


SETTINGS = {
    "tiny": Settings({"digits": 20}, 30),
    "quick": Settings({"digits": 50}, 100),
    # 300 steps: the DenseAssociativeClassifier default, and the MLP's budget
    "full": Settings({"digits": 100, "wine": 20, "breast_cancer": 40}, 300),
}
"""Benchmark sizes: tiny and quick run digits only, with fewer memories and steps; full runs
the three datasets (about a tenth of the training rows as memories, at most 100)."""


def load_split(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """A classification dataset's stratified split with features in ``[-1, 1]``:
    ``X_train, X_test, y_train, y_test`` (float64 rows) and the preprocessing.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test, how = load_split("wine")
    >>> X_train.shape, X_test.shape, round(float(X_train.min()), 9), round(float(X_train.max()), 9)
    ((133, 13), (45, 13), -1.0, 1.0)
    """
    loaders = {"digits": load_digits, "wine": load_wine, "breast_cancer": load_breast_cancer}
    if name not in loaders:
        raise ValueError(f"Unknown dataset {name!r}; expected one of {DATASETS}.")
    data = loaders[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data.astype(np.float64),
        data.target,
        test_size=TEST_SIZE,
        stratify=data.target,
        random_state=0,
    )
    if name == "digits":
        return X_train / 8 - 1, X_test / 8 - 1, y_train, y_test, "pixels x / 8 - 1"
    scaler = MinMaxScaler((-1, 1)).fit(X_train)
    how = "MinMaxScaler((-1, 1)) fitted on the training split"
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, how


def _models(n_memories: int, max_iter: int) -> dict:
    """Every method of the case, unfitted."""
    return {
        DAM_3: DenseAssociativeClassifier(n_memories, degree=3, max_iter=max_iter, random_state=0),
        DAM_10: DenseAssociativeClassifier(
            n_memories, degree=10, max_iter=max_iter, random_state=0
        ),
        DAM_EXP: DenseAssociativeClassifier(
            n_memories, interaction="exponential", max_iter=max_iter, random_state=0
        ),
        MLP: MLPClassifier((n_memories,), max_iter=max_iter, random_state=0),
        LOGISTIC: LogisticRegression(max_iter=LOGISTIC_MAX_ITER),
    }


def _dataset_records(name: str, settings: Settings, size: str, repeats: int) -> list[dict]:
    """The three records of one dataset: each of ours against the MLP."""
    X_train, X_test, y_train, y_test, preprocessing = load_split(name)
    n_memories = settings.n_memories[name]
    models = _models(n_memories, settings.max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as "converged"
        mlp = models[MLP]
        timings = {
            method: time_pair(
                lambda model=models[method]: model.fit(X_train, y_train),
                lambda: mlp.fit(X_train, y_train),
                repeats,
            )
            for method in OURS
        }
        logistic = time_pair(lambda: models[LOGISTIC].fit(X_train, y_train), None, repeats)
    seconds = {method: (t.ours_seconds, t.ours_first_call_seconds) for method, t in timings.items()}
    seconds[MLP] = (
        statistics.median(t.peer_seconds for t in timings.values()),
        timings[DAM_3].peer_first_call_seconds,
    )
    seconds[LOGISTIC] = (logistic.ours_seconds, logistic.ours_first_call_seconds)
    scores = {
        method: {
            "accuracy": float(models[method].score(X_test, y_test)),
            "fit_seconds": seconds[method][0],
            "first_call_seconds": seconds[method][1],
        }
        for method in METHODS
    }
    scores[MLP]["converged"] = bool(mlp.n_iter_ < settings.max_iter)
    scores[LOGISTIC]["converged"] = bool(np.max(models[LOGISTIC].n_iter_) < LOGISTIC_MAX_ITER)
    sizes = {
        "size": size,
        "dataset": name,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "n_features": X_train.shape[1],
        "n_classes": int(np.unique(y_train).size),
        "n_memories": n_memories,
        "max_iter": settings.max_iter,
    }
    return [
        record(
            CASE,
            f"{name}: {method} vs MLP",
            sizes,
            method,
            MLP,
            timings[method],
            "test accuracy",
            scores[method]["accuracy"],
            dataset=name,
            preprocessing=preprocessing,
            timed="fit on the training split",
            scores=scores,
        )
        for method in OURS
    ]


def classification_records(size: str, repeats: int = 1) -> list[dict]:
    """Run the classification case: three records per dataset (the DAM with ``n = 3``,
    ``n = 10`` and the exponential interaction, each against the MLP).

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        tiny: digits, 20 memories, 30 steps (seconds); quick: digits, 50 memories, 100
        steps; full: digits, wine and breast_cancer, 300 steps (:data:`SETTINGS`).
    repeats : int
        Alternating timing rounds of each fit (medians).

    Returns
    -------
    list of dict
        :func:`~benchmarks.harness.record` records; ``accuracy`` is our test
        accuracy, ``extra["scores"]`` holds every method's ``accuracy``, ``fit_seconds``
        and ``first_call_seconds`` on the dataset (the MLP and LogisticRegression also
        ``converged``).

    """
    check_size(size)
    settings = SETTINGS[size]
    return per_dataset(_dataset_records, settings.n_memories, settings, size, repeats)


def classification_table(records: list[dict]) -> str:
    """Markdown: every method's test accuracy on each dataset, then its fit seconds."""
    return method_tables(
        records,
        METHODS,
        SHORT_NAMES,
        "dataset (train, test, d, classes; memories)",
        lambda s: (
            f"{s['n_train']}, {s['n_test']}, {s['n_features']}, {s['n_classes']}; {s['n_memories']}"
        ),
        [
            (
                "Classification: test accuracy. DAM = DenseAssociativeClassifier (rectified "
                "polynomial n = 3, n = 10, exponential); MLP has one hidden ReLU layer as "
                "wide as our memories.",
                lambda s: f"{s['accuracy']:.3f}",
            ),
            (
                "Classification fit seconds (medians of alternating repeats; first calls, JAX "
                "compilation included, apart).",
                lambda s: f"{s['fit_seconds']:.3g}",
            ),
        ],
    )
