"""Writing the benchmark results: ``results.json``, ``results.md`` and a figure per case."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from benchmarks.classification import classification_table
from benchmarks.clustering import clustering_table
from ebm_memory._io import save_figure, write_text

__all__ = ["CASE_TABLES", "markdown_table", "write_results"]

CASE_TABLES = {"clustering": clustering_table, "classification": classification_table}
"""Cases whose per-method figures do not fit the main table: case -> a function of the
case's records returning a Markdown section, written after the main table."""


def _finite_or_none(value):
    """JSON has no NaN: missing figures (no peer) are written as null."""
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(item) for item in value]
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _seconds(value) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4g}"


def markdown_table(report: dict) -> str:
    """The results as a Markdown table a reader can paste into the README, followed by the
    sections of :data:`CASE_TABLES` for the cases that ran."""
    machine = report["machine"]
    lines = [
        f"Machine: {machine['processor']}, {machine['cpu_count']} CPUs, JAX {machine['jax']} on "
        f"{machine['device']}; measured matmul peak {machine['matmul_gflops_float32']:.0f} "
        f"GFLOP/s (float32), {machine['matmul_gflops_float64']:.0f} GFLOP/s (float64). Size "
        f"`{report['size']}`, {report['seconds']:.0f} s in all. Times are medians of alternating "
        "repeats, first calls (compilation) excluded; ratio = peer time / our time (above 1: "
        "we are faster).",
        "",
        "| case | name | ours (s) | first call (s) | peer | peer (s) | ratio | accuracy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["records"]:
        accuracy = row["accuracy"]
        ratio = row["ratio"]
        lines.append(
            f"| {row['case']} | {row['name']} | {_seconds(row['ours_seconds'])} "
            f"| {_seconds(row['ours_first_call_seconds'])} | {row['peer'] or '–'} "
            f"| {_seconds(row['peer_seconds'])} "
            f"| {'–' if ratio is None or not math.isfinite(ratio) else f'{ratio:.3g}'} "
            f"| {accuracy['metric'].replace('|', '&#124;')}: {accuracy['value']:.3g} |"
        )
    for case, table in CASE_TABLES.items():
        rows = [row for row in report["records"] if row["case"] == case]
        if rows:
            lines += ["", table(rows)]
    return "\n".join(lines) + "\n"


def _case_figure(case: str, rows: list[dict]):
    """Ratio bars (log scale, 1 = parity) for a case with peers; otherwise our times."""
    figure, axis = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.5))
    names = [row["name"] for row in rows]
    with_peer = [row for row in rows if row["peer"] is not None]
    if with_peer:
        ratios = [row["ratio"] for row in rows]
        axis.barh(names, ratios, color=["tab:green" if r >= 1 else "tab:red" for r in ratios])
        axis.axvline(1.0, color="black", lw=0.8)
        axis.set_xscale("log")
        axis.set_xlabel("peer time / our time (above 1: we are faster)")
    else:
        axis.barh(names, [row["ours_seconds"] for row in rows], color="tab:blue")
        axis.set_xlabel("our time (s)")
    axis.set_title(case)
    figure.tight_layout()
    return figure


def write_results(out: str | Path, report: dict) -> Path:
    """Write ``results.json``, ``results.md`` and ``<case>.png`` into ``out``, each file
    atomically; return ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = _finite_or_none(report)
    write_text(out / "results.json", json.dumps(report, indent=2))
    write_text(out / "results.md", markdown_table(report))
    cases = dict.fromkeys(row["case"] for row in report["records"])
    for case in cases:
        figure = _case_figure(case, [row for row in report["records"] if row["case"] == case])
        save_figure(figure, out / f"{case}.png", dpi=110)
        plt.close(figure)
    return out
