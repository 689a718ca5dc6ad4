"""Run every benchmark case side by side with its peer and write the results
(the options are parsed by :mod:`benchmarks.run`)."""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib.pyplot as plt
from tqdm.auto import tqdm

from benchmarks.classification import classification_records
from benchmarks.clustering import clustering_records
from benchmarks.digits_example import digits_kde_example, plot_digits_samples
from benchmarks.harness import check_size, machine_info
from benchmarks.kde import kde_records
from benchmarks.likelihood import likelihood_records, plot_likelihood
from benchmarks.report import write_results
from benchmarks.retrieval import retrieval_records
from benchmarks.sampling import sampling_records
from benchmarks.scale import scale_records
from ebm_memory._io import save_figure, staged_folder

__all__ = ["CASES", "run_benchmarks"]

CASES = {
    "kde_scoring": kde_records,
    "retrieval": retrieval_records,
    "scale": scale_records,
    # millisecond scoring times: the case keeps its own, larger repeat counts per size
    "likelihood": lambda size, machine, repeats: likelihood_records(size),
    "sampling": sampling_records,
    "clustering": lambda size, machine, repeats: clustering_records(size, repeats),
    "classification": lambda size, machine, repeats: classification_records(size, repeats),
}
"""Case name -> ``records(size, machine, repeats)``."""

REPEATS = {"tiny": 1, "quick": 2, "full": 3}


def run_benchmarks(
    size: str = "full",
    out: str | Path = "benchmarks/results",
    cases: list[str] | None = None,
    progress_bar: bool = True,
) -> dict:
    """Run ``cases`` (all by default) at ``size`` ("tiny", "quick" or "full"), write
    ``results.json``, ``results.md`` and the figures into ``out``, and return the report.

    ``out`` is checked before the first case runs, and the run writes into a fresh folder
    that replaces ``out`` whole at the end (:func:`~ebm_memory._io.staged_folder`): an
    interrupted run keeps the previous results."""
    check_size(size)
    unknown = set(cases or ()) - set(CASES)
    if unknown:
        raise ValueError(f"unknown cases {sorted(unknown)}; choose from {sorted(CASES)}.")
    with staged_folder(out) as staging:
        report = _run_cases(size, cases or list(CASES), staging, progress_bar)
        write_results(staging, report)
    return report


def _run_cases(size: str, names: list[str], out: Path, progress_bar: bool) -> dict:
    """Every case's records, the digits example's figures written into ``out``."""
    start = time.perf_counter()
    machine = machine_info()
    records = []
    for name in tqdm(names, desc="benchmarks", disable=not progress_bar):
        records.extend(CASES[name](size, machine, REPEATS[size]))
    report = {"size": size, "machine": machine, "records": records}
    if "likelihood" in names:
        report["digits_kde_example"] = _digits_example(size, records, out)
    report["seconds"] = time.perf_counter() - start
    return report


def _digits_example(size: str, records: list[dict], out: Path) -> dict:
    """The likelihood figure, and scikit-learn's digits KDE example reproduced: the chosen
    bandwidths (theirs 3.79) and digits sampled from our fitted density."""
    figures = {
        "likelihood_by_dataset.png": plot_likelihood(
            [row for row in records if row["case"] == "likelihood"]
        )
    }
    example = digits_kde_example(size)
    figures["digits_samples.png"] = plot_digits_samples(example)
    for name, figure in figures.items():
        save_figure(figure, out / name, dpi=110)
        plt.close(figure)
    keys = ("sklearn_bandwidth", "kernel_density", "ours", "ours_compressed")
    return {key: example[key] for key in keys} | {
        "ours_vs_kernel_density": example["ours_vs_kernel_density"]
    }
