"""The demo's first section: corrupted held-out digits retrieved by each model.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.demo._retrieval import nearest_memory
>>> nearest_memory(np.array([[1.0, -1.0]]), np.array([[1.0, 1.0], [1.0, -1.0]]))
array([[ 1., -1.]])
"""

from __future__ import annotations

import time
import warnings
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from tqdm.auto import tqdm

from ebm_memory._io import save_figure
from ebm_memory.estimators import DenseAssociativeMemory, MetastableRetrievalWarning
from ebm_memory.plotting import plot_retrieval_grid

__all__ = ["DEMO_MODELS", "DemoModel", "nearest_memory", "retrieval_rows"]


class DemoModel(NamedTuple):
    """A named, unfitted memory.

    Parameters
    ----------
    name : str
        The model's name in the report.
    estimator : DenseAssociativeMemory
        The unfitted memory.

    Examples
    --------
    >>> from ebm_memory.demo import DEMO_MODELS
    >>> [model.name for model in DEMO_MODELS]
    ['classical', 'polynomial n=6', 'exponential', 'softmax']
    """

    name: str
    estimator: DenseAssociativeMemory


DEMO_MODELS = (
    DemoModel("classical", DenseAssociativeMemory("classical")),
    DemoModel("polynomial n=6", DenseAssociativeMemory("polynomial", degree=6)),
    DemoModel("exponential", DenseAssociativeMemory("exponential")),
    DemoModel("softmax", DenseAssociativeMemory("softmax")),
)
"""The models the demo compares, with the nearest memory as reference."""


def nearest_memory(queries, memories, mask=None) -> np.ndarray:
    """The memory of largest overlap with each query: every model's beta -> infinity limit.

    A reference, not a dynamics.

    Parameters
    ----------
    queries : ndarray of shape (n_queries, n_features)
        The corrupted patterns.
    memories : ndarray of shape (n_memories, n_features)
        The stored patterns.
    mask : ndarray of shape (n_queries, n_features) or None, default=None
        True at the known entries: the overlap counts only them. None: every entry.

    Returns
    -------
    nearest : ndarray of shape (n_queries, n_features)
        A copy of the memory nearest to each query.

    Examples
    --------
    >>> import numpy as np
    >>> memories = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0]])
    >>> nearest_memory(np.array([[1.0, -1.0, 1.0]]), memories, np.array([[1, 1, 0]]))
    array([[ 1., -1., -1.]])
    """
    weights = np.ones(queries.shape[-1]) if mask is None else mask.astype(float)
    return memories[np.argmax((queries * weights) @ memories.T, axis=1)].copy()


def _nearest_labels(states, memories, labels):
    return labels[np.argmax(np.asarray(states) @ memories.T, axis=1)]


def _retrieve(model, queries, mask, memories):
    """Retrieve ``queries``; the states, the retrieval info (None for the nearest memory),
    whether a metastable warning was raised, and the seconds taken."""
    start = time.perf_counter()
    if model is None:
        states, info, metastable = nearest_memory(queries, memories, mask), None, False
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MetastableRetrievalWarning)
            states, info = model.retrieve(queries, mask=mask, return_info=True)
        metastable = any(w.category is MetastableRetrievalWarning for w in caught)
    seconds = time.perf_counter() - start
    return np.sign(states), info, metastable, seconds


def retrieval_rows(memories, memory_labels, held_out, held_out_labels, corruptions, out_dir):
    """Retrieve every corruption of the held-out digits with each model; one figure each.

    Parameters
    ----------
    memories : ndarray of shape (n_memories, n_features)
        The stored +-1 digits.
    memory_labels : ndarray of shape (n_memories,)
        Their labels.
    held_out : ndarray of shape (n_queries, n_features)
        The clean held-out digits.
    held_out_labels : ndarray of shape (n_queries,)
        Their labels.
    corruptions : dict
        Corruption name -> (queries of shape (n_queries, n_features), mask or None).
    out_dir : pathlib.Path
        The folder that receives ``retrieval_<corruption>.png``.

    Returns
    -------
    rows : list of dict
        One row per corruption and model (pixel errors, label accuracy, steps, seconds).
    figures : dict
        Corruption name -> figure file name.
    """
    rows, figures = [], {}
    progress = tqdm(total=len(corruptions) * (len(DEMO_MODELS) + 1), desc="demo", unit="run")
    fitted = {model.name: clone(model.estimator).fit(memories) for model in DEMO_MODELS}
    for corruption, (queries, mask) in corruptions.items():
        columns = {"corrupted": queries}
        for name in (*fitted, "nearest memory"):
            progress.set_postfix_str(f"{name} / {corruption}")
            model = fitted.get(name)
            states, info, metastable, seconds = _retrieve(model, queries, mask, memories)
            columns[name] = states
            labels = _nearest_labels(states, memories, memory_labels)
            rows.append(
                {
                    "corruption": corruption,
                    "model": name,
                    "beta": model.beta_ if name in ("exponential", "softmax") else None,
                    "pixel_error_before": float(np.mean(queries != held_out)),
                    "pixel_error_after": float(np.mean(states != held_out)),
                    "label_accuracy": float(np.mean(labels == held_out_labels)),
                    "converged": 1.0 if info is None else float(np.mean(info["converged"])),
                    "mean_steps": 1.0 if info is None else float(np.mean(info["n_steps"])),
                    "metastable_warning": bool(info is not None and metastable),
                    "seconds": seconds,
                }
            )
            progress.update()
        columns["true"] = held_out
        figures[corruption] = _save_grid(columns, corruption, out_dir)
    progress.close()
    return rows, figures


def _save_grid(columns, corruption, out_dir) -> str:
    figure = plot_retrieval_grid(columns, (8, 8), title=f"Held-out digits, {corruption}")
    file = "retrieval_" + corruption.split()[0] + ".png"
    save_figure(figure, out_dir / file, dpi=120)
    plt.close(figure)
    return file
