"""The main job, ``ebm-memory demo``: store digits, corrupt held-out digits, retrieve them.

Training digits (binarised to +-1) are stored in a :class:`DenseAssociativeMemory` of each
model. Held-out digits are corrupted in two ways: 15 % of their pixels flipped, and the bottom
half unknown (pattern completion: the known top half is clamped by ``mask``). The report gives
the pixel error against the clean digit and the label accuracy (the label of the memory
closest to the retrieved state), next to the nearest-memory reference
(:mod:`~ebm_memory.demo._retrieval`). A ``GridSearchCV`` then chooses the softmax memory's beta
by held-out log-likelihood on the grey-level digits, compared with ``KernelDensity`` at the
same bandwidth, and the density is sampled (:mod:`~ebm_memory.demo._density`). Last, memories
read as mixture components (:mod:`~ebm_memory.demo._mixtures`): the grey-level digits
clustered with ten memories against ``KMeans``, and a nonparametric memory counting blobs.
:mod:`~ebm_memory.demo._report` writes ``report.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from ebm_memory._io import staged_folder, write_text
from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer
from ebm_memory.datasets import flip_pixels, load_binary_digits, occlude_rows
from ebm_memory.demo import _density, _mixtures, _retrieval
from ebm_memory.demo._report import markdown
from ebm_memory.demo._retrieval import DEMO_MODELS, DemoModel, nearest_memory

__all__ = ["DEMO_MODELS", "DemoModel", "nearest_memory", "run_demo", "summary"]


@renamed_parameters(seed="random_state")
def run_demo(out_dir: str | Path, *, n_queries: int | None = None, random_state: int = 0) -> dict:
    """Run the demo; write ``report.md``, ``report.json`` and the figures to ``out_dir``.

    The run writes into a fresh folder that replaces ``out_dir`` whole once the report is
    written (:func:`~ebm_memory._io.staged_folder`): an interrupted run keeps the previous
    results.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The output folder.
    n_queries : int or None, default=None
        Use only this many held-out digits (at least 1); None: all 360.
    random_state : int, default=0
        Seed of the split, the corruption, the samplers and the clusterings. ``seed``, its
        former name, works until the next release with a ``FutureWarning``.

    Returns
    -------
    report : dict
        The report written to ``report.json``.

    See Also
    --------
    ebm_memory.demo.summary : Its report in a few lines.
    ebm_memory.demo.DEMO_MODELS : The retrieval models it compares.
    ebm_memory.plotting.plot_retrieval_grid : Draws its retrievals and samples.
    ebm_memory.cli.main : ``ebm-memory demo`` runs it.

    Examples
    --------
    >>> import tempfile
    >>> report = run_demo(tempfile.mkdtemp(), n_queries=5)  # doctest: +SKIP
    >>> report["n_queries"]  # doctest: +SKIP
    5
    """
    if n_queries is not None:
        n_queries = check_integer("n_queries", n_queries, minimum=1)
    with staged_folder(out_dir) as staging:
        report = _run_demo(staging, n_queries, random_state)
        write_text(staging / "report.json", json.dumps(report, indent=2))
        write_text(staging / "report.md", markdown(report))
    return report


def _run_demo(out_dir: Path, n_queries: int | None, random_state: int) -> dict:
    """The demo's sections, their figures written to ``out_dir``; the report."""
    rng = np.random.default_rng(random_state)
    data = load_binary_digits()
    memories, held_out, memory_labels, held_out_labels = train_test_split(
        data.patterns, data.labels, test_size=0.2, random_state=random_state, stratify=data.labels
    )
    held_out, held_out_labels = held_out[:n_queries], held_out_labels[:n_queries]
    occluded, known = occlude_rows(held_out, data.image_shape, n_rows=4, fill=0.0)
    corruptions = {
        "flip 15%": (flip_pixels(held_out, 0.15, random_state=rng), None),
        "bottom half unknown": (occluded, known),
    }
    rows, figures = _retrieval.retrieval_rows(
        memories, memory_labels, held_out, held_out_labels, corruptions, out_dir
    )
    report = {
        "n_memories": int(len(memories)),
        "n_queries": int(len(held_out)),
        "n_features": int(memories.shape[1]),
        "seed": random_state,
        "results": rows,
        "figures": figures,
    }
    report["beta_search"], best = _density.beta_search(random_state)
    report["sampling"] = _density.sampling(best, out_dir, random_state)
    report["mixtures"] = _mixtures.run_mixtures(out_dir, random_state)
    return report


def summary(report: dict) -> str:
    """The demo's results in a few lines, as ``ebm-memory demo`` prints them.

    Parameters
    ----------
    report : dict
        The report of :func:`run_demo`.

    Returns
    -------
    text : str
        One line per retrieval, the chosen beta, one line per sampler, the clustering
        scores and the blob count.

    See Also
    --------
    ebm_memory.demo.run_demo : Makes the report.
    ebm_memory.cli.main : ``ebm-memory demo`` prints it.

    Examples
    --------
    >>> report = {"results": [{"corruption": "flip 15%", "model": "softmax",
    ...     "pixel_error_before": 0.15, "pixel_error_after": 0.02, "label_accuracy": 0.97}],
    ...     "beta_search": {"chosen_beta": 0.05, "test_mean_log_likelihood": -80.0},
    ...     "sampling": {"results": []},
    ...     "mixtures": {"digits": {"results": [{"model": "KMeans", "ari": 0.67}]},
    ...                  "nonparametric": {"n_memories": 8, "true_blobs": 8}}}
    >>> print(summary(report))
    flip 15% | softmax | pixel error 0.150 -> 0.020 | label accuracy 0.970
    GridSearchCV chose beta=0.05 for the digits' density: test mean log-likelihood -80.00
    clustering digits with 10 memories (ARI): KMeans 0.670
    nonparametric memory: 8 memories for 8 blobs (not told their number)
    """
    width = max(len(row["model"]) for row in report["results"])
    corruption_width = max(len(row["corruption"]) for row in report["results"])
    lines = [
        f"{row['corruption']:>{corruption_width}} | {row['model']:<{width}} | pixel error "
        f"{row['pixel_error_before']:.3f} -> {row['pixel_error_after']:.3f} | "
        f"label accuracy {row['label_accuracy']:.3f}"
        for row in report["results"]
    ]
    search = report["beta_search"]
    lines.append(
        f"GridSearchCV chose beta={search['chosen_beta']:g} for the digits' density: test mean "
        f"log-likelihood {search['test_mean_log_likelihood']:.2f}"
    )
    lines += [
        f"sampling beta={row['beta']:g} | {row['method']:<4} | min ESS {row['min_ess']:6.0f} "
        f"| max R-hat {row['max_r_hat']:.3f} | KS vs exact {row['max_ks_statistic']:.3f}"
        for row in report["sampling"]["results"]
    ]
    scores = ", ".join(
        f"{row['model']} {row['ari']:.3f}" for row in report["mixtures"]["digits"]["results"]
    )
    counting = report["mixtures"]["nonparametric"]
    lines += [
        f"clustering digits with 10 memories (ARI): {scores}",
        f"nonparametric memory: {counting['n_memories']} memories for "
        f"{counting['true_blobs']} blobs (not told their number)",
    ]
    return "\n".join(lines)
