"""``ebm-memory reproduce NAME``: published results re-run, with a figure and a table.

Each experiment writes ``NAME.png``, ``results.json`` and ``results.md`` into its output
folder and returns its results; ``quick`` runs a smaller version (under a minute on 2
cores).

- ``capacity``: storage capacity of Model A against N for the classical, polynomial
  (n = 2, 3, 4) and exponential interactions, with fitted growth laws
  (:mod:`ebm_memory.analysis.capacity`).
- ``dead_neurons``: flat regions of ReLU memory networks found from the Lagrangian's
  Hessian and classified by the Jacobian restricted to its range, checked by brute force,
  and Lyapunov functions without flat regions (:mod:`ebm_memory.analysis.dead_neurons`).
- ``one_step``: one-step retrieval of modern Hopfield networks against Ramsauer et al.'s
  bound, and the three kinds of fixed points as beta varies
  (:mod:`ebm_memory.analysis.one_step`).
- ``kde_capacity``: the number of points a Gaussian KDE on a sphere keeps as memories
  (fixed points of mean shift) against N, D and the bandwidth, beside Ramsauer et al.'s
  bound with beta = 1 / sigma^2 (:mod:`ebm_memory.analysis.kde_capacity`).
- ``growth``: memories created by :class:`~ebm_memory.NonparametricMemory` on streams from
  its own prior (Schaeffer et al. 2024): about ``alpha log n`` with a Chinese-restaurant
  prior, about ``n^d`` with Pitman-Yor, and a plateau at the number of components on a finite
  mixture (:mod:`ebm_memory.analysis.growth`).
- ``sequential``: the supervised Dense Associative Memory learning a sequence of digit tasks
  under six strategies against forgetting, across the interaction vertex n = 2, 3, 5, 10
  (McAlister et al.), and its accuracy beside logistic regression
  (:mod:`ebm_memory.analysis.sequential`).
- ``in_context``: the shipped in-context energy (Schaeffer et al. 2024) on held-out 2-D
  contexts: its samples' true log-likelihood against a KDE on the same context, the energy
  sharpening as the context grows from 4 to 64 points, held-out families, contour figures
  (:mod:`ebm_memory.analysis.in_context_report`).

Examples
--------
>>> from ebm_memory.reproduce import EXPERIMENTS
>>> sorted(EXPERIMENTS)
['capacity', 'dead_neurons', 'growth', 'in_context', 'kde_capacity', 'one_step', 'sequential']
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ebm_memory._io import save_figure, staged_folder, write_text
from ebm_memory.analysis.capacity_report import capacity_markdown, reproduce_capacity
from ebm_memory.analysis.dead_neurons_report import dead_neurons_markdown, reproduce_dead_neurons
from ebm_memory.analysis.growth import finite_mixture_growth, memory_growth, plot_memory_growth
from ebm_memory.analysis.in_context_report import in_context_markdown, reproduce_in_context
from ebm_memory.analysis.kde_capacity import kde_capacity_markdown, reproduce_kde_capacity
from ebm_memory.analysis.one_step import one_step_markdown, reproduce_one_step
from ebm_memory.analysis.sequential import reproduce_sequential, sequential_markdown

__all__ = ["EXPERIMENTS", "reproduce", "reproduce_growth"]

CRP_ALPHA, PY_ALPHA, PY_DISCOUNT, FINITE_COMPONENTS = 5.0, 1.0, 0.5, 10


def reproduce_growth(out_dir: Path, quick: bool = False) -> dict:
    """The growth laws of the nonparametric memory, fitted on each of eight independent
    streams of 10^5 points per prior (four of 10^4 with ``quick``): the rate is the mean over
    the streams, its error the standard error across them."""
    n_points, n_streams = (10_000, 4) if quick else (100_000, 8)
    crp = memory_growth("crp", alpha=CRP_ALPHA, n_points=n_points, n_streams=n_streams)
    pitman_yor = memory_growth(
        "pitman-yor",
        alpha=PY_ALPHA,
        discount=PY_DISCOUNT,
        n_points=n_points,
        n_streams=n_streams,
    )
    finite = finite_mixture_growth(FINITE_COMPONENTS, n_points=n_points)
    figure = plot_memory_growth(crp, pitman_yor, finite)
    save_figure(figure, out_dir / "growth.png", dpi=120)
    plt.close(figure)
    rows = [
        {
            "prior": f"CRP (alpha={CRP_ALPHA:g})",
            "law": "memories = alpha log n: slope on log n",
            **_fit(crp),
        },
        {
            "prior": f"Pitman-Yor (alpha={PY_ALPHA:g}, d={PY_DISCOUNT:g})",
            "law": "memories ~ n^d: exponent on log n",
            **_fit(pitman_yor),
        },
    ]
    return {
        "n_points": n_points,
        "n_streams": n_streams,
        "growth": rows,
        "finite_mixture": {
            "components": FINITE_COMPONENTS,
            "memories_at_n": dict(
                zip(map(int, finite["n"]), map(int, finite["memories"]), strict=True)
            ),
        },
        "figure": "growth.png",
    }


def _fit(result: dict) -> dict:
    return {
        "fitted": float(result["rate"]),
        "standard_error": float(result["rate_se"]),
        "stream_std": float(result["rate_std"]),
        "stream_rates": [float(rate) for rate in result["rates"]],
        "theory": float(result["theory_rate"]),
        "relative_error": float(result["relative_error"]),
        "mean_memories_at_end": float(result["memories"][:, -1].mean()),
        "expected_at_end": float(result["expected"][-1]),
        "memories_equal_components_in_stream": bool(
            np.array_equal(result["memories"], result["tables"])
        ),
    }


def _growth_markdown(results: dict) -> list[str]:
    lines = [
        f"Streams of {results['n_points']:,} points ({results['n_streams']} per prior, "
        "independent seeds) from each prior's own generative process (well-separated "
        "components in 8-D). The law is fitted on each stream; fitted = mean over the "
        "streams ± standard error of that mean (the streams' standard deviation / "
        f"sqrt({results['n_streams']})).",
        "",
        "| prior | law | fitted (mean ± s.e.) | std across streams | theory | relative error "
        "| memories at the end (mean) | expected |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["growth"]:
        lines.append(
            f"| {row['prior']} | {row['law']} | {row['fitted']:.3f} ± "
            f"{row['standard_error']:.3f} | {row['stream_std']:.3f} | {row['theory']:g} "
            f"| {row['relative_error']:.1%} | {row['mean_memories_at_end']:.1f} "
            f"| {row['expected_at_end']:.1f} |"
        )
    finite = results["finite_mixture"]
    counts = ", ".join(f"{n:,}: {k}" for n, k in finite["memories_at_n"].items())
    lines += [
        "",
        f"Finite mixture of {finite['components']} components (CRP prior), memories after n "
        f"points: {counts}.",
    ]
    return lines


EXPERIMENTS: dict[str, tuple[Callable[[Path, bool], dict], Callable[[dict], list[str]]]] = {
    "growth": (reproduce_growth, _growth_markdown),
    "one_step": (reproduce_one_step, one_step_markdown),
    "kde_capacity": (reproduce_kde_capacity, kde_capacity_markdown),
    "capacity": (reproduce_capacity, capacity_markdown),
    "dead_neurons": (reproduce_dead_neurons, dead_neurons_markdown),
    "sequential": (reproduce_sequential, sequential_markdown),
    "in_context": (reproduce_in_context, in_context_markdown),
}
"""Name -> (run(out_dir, quick) -> results, results -> Markdown lines)."""


def reproduce(name: str, out_dir: str | Path, quick: bool = False) -> dict:
    """Run experiment ``name``; write its figure, ``results.json`` and ``results.md``.

    The run writes into a fresh folder that replaces ``out_dir`` whole when every file is
    written (:func:`~ebm_memory._io.staged_folder`): an interrupted run keeps the previous
    results, and no file of an earlier run is left beside the new ones.
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose from {sorted(EXPERIMENTS)}.")
    run, markdown = EXPERIMENTS[name]
    with staged_folder(out_dir) as staging:
        results = run(staging, quick)
        write_text(staging / "results.json", json.dumps(results, indent=2))
        lines = [f"# {name}{' (quick)' if quick else ''}", "", *markdown(results), ""]
        lines.append(f"![{name}]({results['figure']})")
        write_text(staging / "results.md", "\n".join(lines) + "\n")
    return results
