"""The main job, ``ebm-memory demo``: store digits, corrupt held-out digits, retrieve them.

Training digits (binarised to +-1) are stored in a :class:`DenseAssociativeMemory` of each
model. Held-out digits are corrupted in two ways: 15 % of their pixels flipped, and the bottom
half unknown (pattern completion: the known top half is clamped by ``mask``). The report gives
the pixel error against the clean digit and the label accuracy (the label of the memory
closest to the retrieved state), next to the nearest-memory reference. A ``GridSearchCV``
then chooses the softmax memory's beta by held-out log-likelihood on the grey-level digits,
compared with ``KernelDensity`` at the same bandwidth, and the density is sampled. Last,
memories read as mixture components (:mod:`ebm_memory.demo_mixtures`): the grey-level digits
clustered with ten memories against ``KMeans``, and a nonparametric memory counting blobs.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp
from scipy.stats import ks_2samp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity
from tqdm.auto import tqdm

from ebm_memory._io import save_figure, staged_folder, write_text
from ebm_memory._validation import check_integer
from ebm_memory.datasets import flip_pixels, load_binary_digits, occlude_rows
from ebm_memory.demo_mixtures import mixture_markdown, run_mixtures
from ebm_memory.estimators import DenseAssociativeMemory, MetastableRetrievalWarning
from ebm_memory.plotting import plot_retrieval_grid

__all__ = ["DEMO_MODELS", "DemoModel", "nearest_memory", "run_demo"]


class DemoModel(NamedTuple):
    """A named, unfitted memory."""

    name: str
    estimator: DenseAssociativeMemory


DEMO_MODELS = (
    DemoModel("classical", DenseAssociativeMemory("classical")),
    DemoModel("polynomial n=6", DenseAssociativeMemory("polynomial", degree=6)),
    DemoModel("exponential", DenseAssociativeMemory("exponential")),
    DemoModel("softmax", DenseAssociativeMemory("softmax")),
)
BETA_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


def nearest_memory(queries, memories, mask=None) -> np.ndarray:
    """The beta -> infinity limit of every model: the memory of largest overlap with the
    query (over the known entries when ``mask`` is given). A reference, not a dynamics."""
    weights = np.ones(queries.shape[-1]) if mask is None else mask.astype(float)
    return memories[np.argmax((queries * weights) @ memories.T, axis=1)].copy()


def _nearest_labels(states, memories, labels):
    return labels[np.argmax(np.asarray(states) @ memories.T, axis=1)]


def _retrieval_rows(memories, memory_labels, held_out, held_out_labels, corruptions, out_dir):
    rows, figures = [], {}
    progress = tqdm(total=len(corruptions) * (len(DEMO_MODELS) + 1), desc="demo", unit="run")
    fitted = {model.name: clone(model.estimator).fit(memories) for model in DEMO_MODELS}
    for corruption, (queries, mask) in corruptions.items():
        columns = {"corrupted": queries}
        for name in (*fitted, "nearest memory"):
            progress.set_postfix_str(f"{name} / {corruption}")
            start = time.perf_counter()
            if name == "nearest memory":
                states, info = nearest_memory(queries, memories, mask), None
            else:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", MetastableRetrievalWarning)
                    states, info = fitted[name].retrieve(queries, mask=mask, return_info=True)
                metastable = sum(w.category is MetastableRetrievalWarning for w in caught)
            seconds = time.perf_counter() - start
            states = np.sign(states)
            columns[name] = states
            rows.append(
                {
                    "corruption": corruption,
                    "model": name,
                    "beta": fitted[name].beta_ if name in ("exponential", "softmax") else None,
                    "pixel_error_before": float(np.mean(queries != held_out)),
                    "pixel_error_after": float(np.mean(states != held_out)),
                    "label_accuracy": float(
                        np.mean(_nearest_labels(states, memories, memory_labels) == held_out_labels)
                    ),
                    "converged": 1.0 if info is None else float(np.mean(info["converged"])),
                    "mean_steps": 1.0 if info is None else float(np.mean(info["n_steps"])),
                    "metastable_warning": bool(info is not None and metastable),
                    "seconds": seconds,
                }
            )
            progress.update()
        columns["true"] = held_out
        figure = plot_retrieval_grid(columns, (8, 8), title=f"Held-out digits, {corruption}")
        file = "retrieval_" + corruption.split()[0] + ".png"
        save_figure(figure, out_dir / file, dpi=120)
        plt.close(figure)
        figures[corruption] = file
    progress.close()
    return rows, figures


def _beta_search(seed: int) -> tuple[dict, DenseAssociativeMemory]:
    """Choose beta of the euclidean softmax memory (a Gaussian KDE) by 3-fold held-out
    log-likelihood on the grey-level digits, then score a test split."""
    grey = load_digits().data
    train, test = train_test_split(grey, test_size=0.2, random_state=seed)
    search = GridSearchCV(
        DenseAssociativeMemory(similarity="euclidean"), {"beta": list(BETA_GRID)}, cv=3
    ).fit(train)
    beta = search.best_params_["beta"]
    ours = search.best_estimator_.score_samples(test)
    kde = KernelDensity(bandwidth=beta**-0.5).fit(train).score_samples(test)
    squared = np.sum((test[:, None, :] - train[None, :, :]) ** 2, axis=-1)
    direct = (
        logsumexp(-beta * squared / 2, axis=1)
        - np.log(len(train))
        - 0.5 * train.shape[1] * np.log(2 * np.pi / beta)
    )
    return {
        "grid": list(BETA_GRID),
        "cv_mean_log_likelihood": [float(v) for v in search.cv_results_["mean_test_score"]],
        "chosen_beta": beta,
        "test_mean_log_likelihood": float(ours.mean()),
        "kernel_density_test_mean_log_likelihood": float(kde.mean()),
        "max_abs_difference_to_kernel_density": float(np.abs(ours - kde).max()),
        "max_abs_difference_to_direct_logsumexp": float(np.abs(ours - direct).max()),
        "kernel_density_max_abs_error": float(np.abs(kde - direct).max()),
    }, search.best_estimator_


def _sampling(best: DenseAssociativeMemory, out_dir: Path, seed: int) -> dict:
    """Sample the grey-level digit density chosen by the grid search, and a ten times
    smoother one, with MALA, HMC and NUTS (4 chains each); compare every run with exact
    mixture samples. At the chosen beta the modes are separated by energy barriers that the
    chains do not cross, which R-hat flags; the smoother density mixes."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(8, best.n_features_in_))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    smoother = clone(best).set_params(beta=best.beta_ / 10).fit(best.memories_)
    rows, columns = [], {}
    for label, memory in (("chosen", best), ("smoother", smoother)):
        exact = memory.sample(4000, random_state=seed)
        columns[f"exact, {label}"] = exact[:8]
        for method in ("mala", "hmc", "nuts"):
            draws, result = memory.sample(
                1000, random_state=seed, method=method, num_warmup=300, return_diagnostics=True
            )
            ks = max(ks_2samp(draws @ d, exact @ d).statistic for d in directions)
            rows.append({**result.summary(), "beta": memory.beta_, "max_ks_statistic": ks})
            if label == "chosen":
                columns[method] = draws[-8:]
    scaled = {name: images / 8.0 - 1.0 for name, images in columns.items()}  # [0, 16] -> [-1, 1]
    figure = plot_retrieval_grid(scaled, (8, 8), title="Samples of the digit density")
    save_figure(figure, out_dir / "samples.png", dpi=120)
    plt.close(figure)
    return {"results": rows, "figure": "samples.png"}


def run_demo(out_dir: str | Path, *, n_queries: int | None = None, seed: int = 0) -> dict:
    """Run the demo, write ``report.md``, ``report.json`` and figures to ``out_dir``.

    The run writes into a fresh folder that replaces ``out_dir`` whole once the report is
    written (:func:`~ebm_memory._io.staged_folder`): an interrupted run keeps the previous
    results. ``n_queries`` (at least 1) limits the number of held-out digits (all 360 by
    default). Returns the report as a dictionary.
    """
    if n_queries is not None:
        n_queries = check_integer("n_queries", n_queries, minimum=1)
    with staged_folder(out_dir) as staging:
        report = _run_demo(staging, n_queries, seed)
        write_text(staging / "report.json", json.dumps(report, indent=2))
        write_text(staging / "report.md", _markdown(report))
    return report


def _run_demo(out_dir: Path, n_queries: int | None, seed: int) -> dict:
    """The demo's sections, their figures written to ``out_dir``; the report."""
    rng = np.random.default_rng(seed)
    data = load_binary_digits()
    memories, held_out, memory_labels, held_out_labels = train_test_split(
        data.patterns, data.labels, test_size=0.2, random_state=seed, stratify=data.labels
    )
    held_out, held_out_labels = held_out[:n_queries], held_out_labels[:n_queries]
    occluded, known = occlude_rows(held_out, data.image_shape, n_rows=4, fill=0.0)
    corruptions = {
        "flip 15%": (flip_pixels(held_out, 0.15, rng), None),
        "bottom half unknown": (occluded, known),
    }
    rows, figures = _retrieval_rows(
        memories, memory_labels, held_out, held_out_labels, corruptions, out_dir
    )
    report = {
        "n_memories": int(len(memories)),
        "n_queries": int(len(held_out)),
        "n_features": int(memories.shape[1]),
        "seed": seed,
        "results": rows,
        "figures": figures,
    }
    report["beta_search"], best = _beta_search(seed)
    report["sampling"] = _sampling(best, out_dir, seed)
    report["mixtures"] = run_mixtures(out_dir, seed)
    return report


def _markdown(report: dict) -> str:
    lines = [
        "# ebm-memory demo: retrieving corrupted held-out digits",
        "",
        f"{report['n_memories']} binarised training digits stored as memories "
        f"({report['n_features']} pixels); {report['n_queries']} held-out digits corrupted "
        "and retrieved (beta chosen automatically from the memories' separation). Pixel "
        "error is measured against the clean digit (unknown pixels count as errors before "
        "retrieval); label accuracy uses the label of the memory nearest to the retrieved "
        "state.",
        "",
        "| corruption | model | beta | pixel error before | pixel error after "
        "| label accuracy | converged | mean steps | seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["results"]:
        beta = "" if row["beta"] is None else f"{row['beta']:.3g}"
        lines.append(
            f"| {row['corruption']} | {row['model']} | {beta} | {row['pixel_error_before']:.3f} "
            f"| {row['pixel_error_after']:.3f} | {row['label_accuracy']:.3f} "
            f"| {row['converged']:.2f} | {row['mean_steps']:.1f} | {row['seconds']:.2f} |"
        )
    search = report["beta_search"]
    lines += [
        "",
        "## Choosing beta by held-out likelihood (grey-level digits)",
        "",
        "`GridSearchCV` over beta of `DenseAssociativeMemory(similarity='euclidean')` "
        "(a Gaussian KDE with bandwidth beta^-1/2), 3-fold, on 80% of the digits:",
        "",
        "| beta | " + " | ".join(f"{b:g}" for b in search["grid"]) + " |",
        "|---|" + "---|" * len(search["grid"]),
        "| mean CV log-likelihood | "
        + " | ".join(f"{v:.1f}" for v in search["cv_mean_log_likelihood"])
        + " |",
        "",
        f"Chosen beta = {search['chosen_beta']:g}; test mean log-likelihood "
        f"{search['test_mean_log_likelihood']:.2f}. Against a direct float64 log-sum-exp over "
        f"all kernels our log densities differ by at most "
        f"{search['max_abs_difference_to_direct_logsumexp']:.1e}; scikit-learn's "
        f"KernelDensity at the same bandwidth scores "
        f"{search['kernel_density_test_mean_log_likelihood']:.2f} and is off by up to "
        f"{search['kernel_density_max_abs_error']:.1f} nats (its tree sums kernels in linear "
        "space, which underflows far from the data in 64 dimensions).",
        "",
    ]
    sampling = report["sampling"]
    lines += [
        "## Sampling the digit density",
        "",
        "The density above (the chosen beta) and a ten times smoother one (beta / 10), "
        "sampled by each method: 4 chains x 250 draws after 300 warm-up steps, started at "
        "random memories. KS: the largest Kolmogorov-Smirnov statistic between the draws and "
        "4,000 exact mixture samples over 8 random 1-D projections (for 1,000 independent "
        "draws and one projection its 1% critical value is 0.058). A max R-hat far above "
        "1.01 means the chains stayed in the modes they started in: the digits' modes are "
        "separated by energy barriers at the chosen beta, where the exact sampler is the "
        "tool; compare the rows at the smoother beta.",
        "",
        "| beta | method | min ESS | max R-hat | acceptance | divergences | ESS / s | KS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in sampling["results"]:
        lines.append(
            f"| {row['beta']:g} | {row['method']} | {row['min_ess']:.0f} "
            f"| {row['max_r_hat']:.3f} | {row['acceptance_rate']:.2f} | {row['divergences']} "
            f"| {row['ess_per_second']:.1f} | {row['max_ks_statistic']:.3f} |"
        )
    lines += ["", f"![samples]({sampling['figure']})", ""]
    lines += [f"![{name}]({file})" for name, file in report["figures"].items()]
    lines += ["", *mixture_markdown(report["mixtures"])]
    return "\n".join(lines) + "\n"
