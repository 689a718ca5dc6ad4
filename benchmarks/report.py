"""Writing the benchmark results: ``results.json``, ``results.md`` and a figure per case."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from benchmarks.classification import classification_table
from benchmarks.clustering import clustering_table
from ebm_memory._io import save_figure, write_text
from ebm_memory.plotting._style import LINESTYLES, PALETTE, styled

__all__ = ["CASE_TABLES", "markdown_table", "write_results"]

CASE_TABLES = {"clustering": clustering_table, "classification": classification_table}
"""Cases whose per-method figures do not fit the main table: case -> a function of the
case's records returning a Markdown section, written after the main table."""
LABEL_WIDTH = 44
"""Characters per line of a bar's label in the case figures."""


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
            f"| {accuracy['metric']}: {accuracy['value']:.3g} |"
        )
    for case, table in CASE_TABLES.items():
        rows = [row for row in report["records"] if row["case"] == case]
        if rows:
            lines += ["", table(rows)]
    return "\n".join(lines) + "\n"


def _label(row: dict) -> str:
    """The comparison a bar shows, its peer named, wrapped to fit beside the axis."""
    name = row["name"]
    if row["peer"] is not None and " vs " not in name:
        name = f"{name} vs {row['peer']}"
    return textwrap.fill(name, LABEL_WIDTH)


def _ratio_text(ratio: float) -> str:
    return f"{ratio:.2g}×" if ratio < 10 else f"{ratio:.0f}×"


@styled
def _case_figure(case: str, rows: list[dict]):
    """Ratio bars (log scale, 1 = parity) for a case with peers; otherwise our times."""
    labels = [_label(row) for row in rows]
    n_lines = sum(label.count("\n") + 1 for label in labels)
    figure, axis = plt.subplots(figsize=(8, 0.28 * n_lines + 0.25 * len(rows) + 1.4))
    positions = np.arange(len(rows))[::-1]
    if any(row["peer"] is not None for row in rows):
        ratios = np.array([np.nan if row["ratio"] is None else row["ratio"] for row in rows])
        faster = ratios >= 1
        for chosen, colour, hatch, legend in (
            (faster, PALETTE[2], "", "ours faster"),
            (~faster & np.isfinite(ratios), PALETTE[1], "//", "peer faster"),
        ):
            if chosen.any():
                axis.barh(
                    positions[chosen],
                    ratios[chosen],
                    color=colour,
                    hatch=hatch,
                    edgecolor="white",
                    label=legend,
                )
        for position, ratio in zip(positions, ratios, strict=True):
            text = "no peer" if not np.isfinite(ratio) else _ratio_text(ratio)
            x = 1.0 if not np.isfinite(ratio) else ratio
            axis.annotate(
                text, (x, position), xytext=(3, 0), textcoords="offset points", va="center"
            )
        axis.axvline(1.0, color=PALETTE[7], lw=0.8, ls=LINESTYLES[1])
        axis.set_xscale("log")
        finite = ratios[np.isfinite(ratios)]
        low = min(float(finite.min()), 1.0) / 2 if finite.size else 0.5
        high = max(float(finite.max()), 1.0) * 3 if finite.size else 2.0
        axis.set_xlim(low, high)
        subs = (1.0, 2.0, 5.0) if math.log10(high / low) <= 3 else (1.0,)
        axis.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=subs, numticks=12))
        axis.xaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        axis.xaxis.set_minor_formatter(ticker.NullFormatter())
        axis.set_xlabel("speed ratio = peer time / our time\n(log scale; above 1: ours is faster)")
        axis.legend(loc="lower right")
        axis.set_title(f"{case}: speed against the peer, per comparison")
    else:
        axis.barh(positions, [row["ours_seconds"] for row in rows], color=PALETTE[0])
        axis.set_xlabel("our time (s)")
        axis.set_title(f"{case}: our time per configuration (no peer)")
    axis.set_yticks(positions, labels)
    axis.set_ylim(-0.6, len(rows) - 0.4)
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
