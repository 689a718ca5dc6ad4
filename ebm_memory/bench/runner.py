"""Run every benchmark case side by side with its peer and write the results.

python benchmarks/run.py [--quick] [--out DIR]      (or: ebm-memory bench ...)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
from tqdm.auto import tqdm

from ebm_memory.bench.classification import classification_records
from ebm_memory.bench.clustering import clustering_records
from ebm_memory.bench.digits_example import digits_kde_example, plot_digits_samples
from ebm_memory.bench.harness import SIZES, machine_info
from ebm_memory.bench.kde import kde_records
from ebm_memory.bench.likelihood import likelihood_records, plot_likelihood
from ebm_memory.bench.report import markdown_table, write_results
from ebm_memory.bench.retrieval import retrieval_records
from ebm_memory.bench.sampling import sampling_records
from ebm_memory.bench.scale import scale_records

__all__ = ["CASES", "add_arguments", "main", "run_benchmarks"]

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
    ``results.json``, ``results.md`` and the figures into ``out``, and return the report."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}.")
    unknown = set(cases or ()) - set(CASES)
    if unknown:
        raise ValueError(f"unknown cases {sorted(unknown)}; choose from {sorted(CASES)}.")
    start = time.perf_counter()
    machine = machine_info()
    records = []
    names = cases or list(CASES)
    for name in tqdm(names, desc="benchmarks", disable=not progress_bar):
        records.extend(CASES[name](size, machine, REPEATS[size]))
    report = {"size": size, "machine": machine, "records": records}
    if "likelihood" in names:
        report["digits_kde_example"] = _digits_example(size, records, Path(out))
    report["seconds"] = time.perf_counter() - start
    write_results(out, report)
    return report


def _digits_example(size: str, records: list[dict], out: Path) -> dict:
    """The likelihood figure, and scikit-learn's digits KDE example reproduced: the chosen
    bandwidths (theirs 3.79) and digits sampled from our fitted density."""
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "likelihood_by_dataset.png": plot_likelihood(
            [row for row in records if row["case"] == "likelihood"]
        )
    }
    example = digits_kde_example(size)
    figures["digits_samples.png"] = plot_digits_samples(example)
    for name, figure in figures.items():
        figure.savefig(out / name, dpi=110)
        plt.close(figure)
    keys = ("sklearn_bandwidth", "kernel_density", "ours", "ours_compressed")
    return {key: example[key] for key in keys} | {
        "ours_vs_kernel_density": example["ours_vs_kernel_density"]
    }


def add_arguments(parser: argparse.ArgumentParser, default_out: str) -> None:
    """The harness's command-line options (shared by ``benchmarks/run.py`` and the CLI)."""
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes")
    sizes.add_argument("--tiny", action="store_true", help="a few seconds (for tests)")
    parser.add_argument("--out", default=default_out, help="output folder")
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), help="run only these")


def main(argv: list[str] | None = None, default_out: str = "benchmarks/results") -> int:
    """Parse the options, run, print the Markdown table and where the results are."""
    parser = argparse.ArgumentParser(description="Benchmarks: ours against the peers.")
    add_arguments(parser, default_out)
    args = parser.parse_args(argv)
    return run_from_arguments(args)


def run_from_arguments(args: argparse.Namespace) -> int:
    """Run with parsed :func:`add_arguments` options; print the table and the folder."""
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    report = run_benchmarks(size, args.out, args.cases)
    print(markdown_table(report))
    print(f"results written to {Path(args.out).resolve()}")
    return 0
