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
from ebm_memory.plotting._style import LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["DEMO_MODELS", "DemoModel", "nearest_memory", "retrieval_rows", "steps_taken"]

N_TRACED = 8
"""Queries whose energy is traced in the energy figure."""


class DemoModel(NamedTuple):
    """A named, unfitted memory.

    Parameters
    ----------
    name : str
        The model's name in the report.
    estimator : DenseAssociativeMemory
        The unfitted memory.

    See Also
    --------
    ebm_memory.demo.DEMO_MODELS : The models the demo compares.
    ebm_memory.DenseAssociativeMemory : The estimator it names.
    ebm_memory.demo.run_demo : Retrieves the corrupted digits with each model.

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

    See Also
    --------
    ebm_memory.demo.run_demo : Reports it beside each model's retrieval.
    ebm_memory.DenseAssociativeMemory : The memories whose large-beta limit it is.

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


def steps_taken(info: dict) -> list[np.ndarray]:
    """Each query's energy trace cut to the updates it took.

    The dynamics keep a converged state fixed, so ``info["energy_trace"]`` repeats the final
    energy up to ``max_retrieval_iter``; only the first ``n_steps + 1`` values (the start and
    one per update) are the retrieval's.

    Parameters
    ----------
    info : dict
        A retrieval's info with ``energy_trace`` (``retrieve(..., return_info=True,
        trace_energy=True)``) and ``n_steps``.

    Returns
    -------
    traces : list of ndarray
        Per query, the energies of shape (n_steps + 1,).

    Examples
    --------
    >>> import numpy as np
    >>> info = {"energy_trace": np.array([[3.0, 1.0, 1.0, 1.0]]), "n_steps": np.array([1])}
    >>> steps_taken(info)
    [array([3., 1.])]
    """
    return [
        np.asarray(trace[: int(steps) + 1])
        for trace, steps in zip(info["energy_trace"], info["n_steps"], strict=True)
    ]


@styled
def _energy_figure(traces: dict, corruption: str):
    """One panel per model: the energy of each traced query at every update it took, with a
    filled marker where it converged and a cross where it stopped unconverged.

    ``traces`` maps a model's name to ``(steps_taken(info), info["converged"])``."""
    figure, axes = plt.subplots(
        1, len(traces), figsize=(2.8 * len(traces) + 0.6, 3.2), squeeze=False
    )
    longest = 1
    for axis, (name, (energies, converged)) in zip(axes[0], traces.items(), strict=True):
        for query, (energy, done) in enumerate(zip(energies, converged, strict=True)):
            style = query % len(PALETTE)
            steps = np.arange(len(energy))
            longest = max(longest, len(energy) - 1)
            axis.plot(steps, energy, color=PALETTE[style], ls=LINESTYLES[style], lw=1, alpha=0.8)
            axis.plot(
                steps[-1],
                energy[-1],
                marker=MARKERS[style] if done else "x",
                color=PALETTE[style],
                ms=6,
                ls="none",
            )
        axis.set_title(name, pad=14)
        axis.set_xlabel("update step")
    for axis in axes[0]:
        axis.set_xlim(-0.3, longest + 0.3)
        axis.xaxis.get_major_locator().set_params(integer=True)
    axes[0, 0].set_ylabel("energy (dimensionless)")
    figure.suptitle(
        f"Energy along retrieval of {len(next(iter(traces.values()))[0])} held-out digits, "
        f"{corruption}: the updates taken, a marker where each query converged "
        "(x: not converged)"
    )
    return figure


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
        Corruption name -> figure file name, and ``"energy along retrieval"`` -> the energy
        figure of the first corruption's first queries.
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
    corruption, (queries, mask) = next(iter(corruptions.items()))
    figures["energy along retrieval"] = _save_energy(fitted, queries, mask, corruption, out_dir)
    return rows, figures


def _save_energy(fitted, queries, mask, corruption, out_dir) -> str:
    """Trace the energy of the first queries under every model; save the figure."""
    traces = {}
    for name, model in fitted.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetastableRetrievalWarning)
            traced_mask = None if mask is None else mask[:N_TRACED]
            _, info = model.retrieve(
                queries[:N_TRACED], mask=traced_mask, return_info=True, trace_energy=True
            )
        traces[name] = (steps_taken(info), np.asarray(info["converged"]))
    figure = _energy_figure(traces, corruption)
    file = "retrieval_energy.png"
    save_figure(figure, out_dir / file, dpi=120)
    plt.close(figure)
    return file


def _save_grid(columns, corruption, out_dir) -> str:
    figure = plot_retrieval_grid(columns, (8, 8), title=f"Held-out digits, {corruption}")
    file = "retrieval_" + corruption.split()[0] + ".png"
    save_figure(figure, out_dir / file, dpi=120)
    plt.close(figure)
    return file
