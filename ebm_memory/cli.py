"""The ``ebm-memory`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ebm_memory import __version__
from ebm_memory._arguments import nonnegative_int, output_file, positive_int, results_folder
from ebm_memory.bench.runner import add_arguments, run_from_arguments
from ebm_memory.reproduce import EXPERIMENTS, reproduce

__all__ = ["main"]


def _demo(args) -> int:
    from ebm_memory.demo import run_demo

    report = run_demo(args.out, n_queries=args.n_queries, seed=args.seed)
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
    digits = report["mixtures"]["digits"]["results"]
    print(
        "clustering digits with 10 memories (ARI): "
        + ", ".join(f"{row['model']} {row['ari']:.3f}" for row in digits)
    )
    counting = report["mixtures"]["nonparametric"]
    print(
        f"nonparametric memory: {counting['n_memories']} memories for "
        f"{counting['true_blobs']} blobs (not told their number)"
    )
    print(f"report and figures written to {args.out}")
    return 0


def _reproduce(args) -> int:
    out = args.out / args.name
    results = reproduce(args.name, out, quick=args.quick)
    print("\n".join(EXPERIMENTS[args.name][1](results)))
    print(f"figure and tables written to {out}")
    return 0


def _train_in_context(args) -> int:
    from ebm_memory.incontext import TRAINING_FAMILIES, InContextEnergy

    out = args.out
    model = InContextEnergy(
        width=args.width,
        context_layers=args.context_layers,
        objective=args.objective,
        n_steps=args.steps,
        tasks_per_step=args.tasks_per_step,
        checkpoint_path=out,
        random_state=args.seed,
    )
    try:
        model.fit(list(TRAINING_FAMILIES))
    except OSError as error:
        print(f"ebm-memory train-in-context: error: {error}", file=sys.stderr)
        return 1
    losses = model.history_["loss"]
    tail = losses[-min(len(losses), 100) :]
    print(f"{model.n_steps_} steps; mean loss over the last {len(tail)}: {tail.mean():.4f}")
    print(f"checkpoint written to {out} (load it with InContextEnergy.load)")
    return 0


ATTENTION_HEADS = 4
"""``InContextEnergy``'s attention heads, which the token width must be a multiple of."""


def attention_width(value: str) -> int:
    """``--width`` of ``train-in-context``: a positive multiple of :data:`ATTENTION_HEADS`."""
    width = positive_int(value)
    if width % ATTENTION_HEADS:
        raise argparse.ArgumentTypeError(
            f"must be a multiple of the {ATTENTION_HEADS} attention heads, got {value!r}"
        )
    return width


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
        "cluster the digits with memories as mixture components against KMeans and count "
        "blobs with a nonparametric memory; writes report.md, report.json and figures.",
    )
    demo.add_argument(
        "--out",
        type=results_folder,
        default="ebm_memory_output/demo",
        help="output folder (replaced whole when the run ends; checked before it starts)",
    )
    demo.add_argument(
        "--seed", type=nonnegative_int, default=0, help="random seed (split and noise)"
    )
    demo.add_argument(
        "--n-queries",
        type=positive_int,
        default=None,
        help="use only this many held-out digits (at least 1; all 360 by default)",
    )
    demo.set_defaults(run=_demo)
    bench = commands.add_parser(
        "bench",
        help="run the benchmarks: ours against the peers, side by side",
        description="Run every benchmark case (KDE scoring against KernelDensity, retrieval "
        "against NumPy and hamux, scale, held-out likelihood against KDE and Gaussian "
        "mixtures, sampling against numpyro's NUTS, clustering against KMeans and Gaussian "
        "mixtures, classification against an MLP and logistic regression); writes "
        "results.json, results.md and a "
        "figure per case. Peers that need extras: pip install 'ebm-memory[bench]'.",
    )
    add_arguments(bench, default_out="ebm_memory_output/bench")
    bench.set_defaults(run=run_from_arguments)
    reproduce_command = commands.add_parser(
        "reproduce",
        help="re-run a published result, writing a figure and a table",
        description="Re-run a published result with the measured values beside the "
        f"published ones (docs/reproductions.md); NAME is one of {', '.join(sorted(EXPERIMENTS))}. "
        "Writes NAME.png, results.json and results.md into OUT/NAME.",
    )
    reproduce_command.add_argument("name", choices=sorted(EXPERIMENTS), help="the experiment")
    reproduce_command.add_argument(
        "--quick", action="store_true", help="a smaller run, under a minute"
    )
    reproduce_command.add_argument(
        "--out",
        type=Path,
        default="ebm_memory_output",
        help="output folder; the experiment's folder OUT/NAME inside it is replaced whole "
        "when the run ends (checked before it starts)",
    )
    reproduce_command.set_defaults(run=_reproduce, command_parser=reproduce_command)
    train = commands.add_parser(
        "train-in-context",
        help="train the in-context energy on the 2-D task families, writing a checkpoint",
        description="Train InContextEnergy on the mixture_2d and shapes_2d task families "
        "(the defaults re-make the shipped model in a few minutes on a CPU). GPU recipe: "
        "--width 128 --context-layers 3 --tasks-per-step 64 --steps 20000.",
    )
    train.add_argument(
        "--out",
        type=output_file,
        default="ebm_memory_output/in_context.npz",
        help="checkpoint file (its folder is checked before training starts)",
    )
    train.add_argument("--steps", type=positive_int, default=3000, help="optimiser steps")
    train.add_argument("--objective", choices=("cd", "dsm"), default="cd")
    train.add_argument(
        "--width",
        type=attention_width,
        default=64,
        help=f"token width (a multiple of the {ATTENTION_HEADS} attention heads)",
    )
    train.add_argument(
        "--context-layers", type=nonnegative_int, default=2, help="self-attention blocks"
    )
    train.add_argument("--tasks-per-step", type=positive_int, default=16, help="tasks per step")
    train.add_argument("--seed", type=nonnegative_int, default=0, help="random seed")
    train.set_defaults(run=_train_in_context)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (``sys.argv[1:]`` by default); return the exit code.

    Every argument is checked before the command starts: a bad one exits with code 2 and
    argparse's usage message.
    """
    args = build_parser().parse_args(argv)
    if args.command == "reproduce":
        try:
            args.out = results_folder(str(args.out / args.name)).parent
        except argparse.ArgumentTypeError as error:
            args.command_parser.error(f"argument --out: {error}")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
