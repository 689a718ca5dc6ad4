"""The ``ebm-memory`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ebm_memory import __version__
from ebm_memory.bench.runner import add_arguments, run_from_arguments

__all__ = ["main"]


def _demo(args) -> int:
    from ebm_memory.demo import run_demo

    out = Path(args.out).resolve()
    report = run_demo(out, n_queries=args.n_queries, seed=args.seed)
    width = max(len(row["model"]) for row in report["results"])
    corruption_width = max(len(row["corruption"]) for row in report["results"])
    for row in report["results"]:
        print(
            f"{row['corruption']:>{corruption_width}} | {row['model']:<{width}} | pixel error "
            f"{row['pixel_error_before']:.3f} -> {row['pixel_error_after']:.3f} | "
            f"label accuracy {row['label_accuracy']:.3f}"
        )
    search = report["beta_search"]
    print(
        f"GridSearchCV chose beta={search['chosen_beta']:g} for the digits' density: test mean "
        f"log-likelihood {search['test_mean_log_likelihood']:.2f}"
    )
    for row in report["sampling"]["results"]:
        print(
            f"sampling beta={row['beta']:g} | {row['method']:<4} | min ESS {row['min_ess']:6.0f} "
            f"| max R-hat {row['max_r_hat']:.3f} | KS vs exact {row['max_ks_statistic']:.3f}"
        )
    print(f"report and figures written to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ebm-memory",
        description="Associative memories as energy-based models on JAX.",
    )
    parser.add_argument("--version", action="version", version=f"ebm-memory {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="store scikit-learn's digits, retrieve corrupted held-out digits, write a report",
        description="Store binarised training digits as memories, corrupt held-out digits "
        "(flipped pixels, unknown bottom half) and retrieve them with the classical, "
        "polynomial, exponential and softmax models; choose beta of the softmax density by "
        "GridSearchCV; sample that density with MALA, HMC and NUTS against exact samples; "
        "writes report.md, report.json and figures.",
    )
    demo.add_argument("--out", default="ebm_memory_output/demo", help="output folder")
    demo.add_argument("--seed", type=int, default=0, help="random seed (split and noise)")
    demo.add_argument(
        "--n-queries", type=int, default=None, help="use only this many held-out digits"
    )
    demo.set_defaults(run=_demo)
    bench = commands.add_parser(
        "bench",
        help="run the benchmarks: ours against the peers, side by side",
        description="Run every benchmark case (KDE scoring against KernelDensity, retrieval "
        "against NumPy and hamux, scale, held-out likelihood against KDE and Gaussian "
        "mixtures, sampling against numpyro's NUTS); writes results.json, results.md and a "
        "figure per case. Peers that need extras: pip install 'ebm-memory[bench]'.",
    )
    add_arguments(bench, default_out="ebm_memory_output/bench")
    bench.set_defaults(run=run_from_arguments)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
