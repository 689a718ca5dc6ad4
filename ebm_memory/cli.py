"""The ``ebm-memory`` command line.

Each command imports its code when it runs: ``ebm-memory --help``, ``ebm-memory COMMAND
--help`` and every argument error import no JAX and return at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ebm_memory import __version__
from ebm_memory._arguments import nonnegative_int, output_file, positive_int, results_folder
from ebm_memory.experiments import NAMES

__all__ = ["main"]

ATTENTION_HEADS = 4
"""``InContextEnergy``'s attention heads, which the token width must be a multiple of."""


def _demo(args: argparse.Namespace) -> int:
    from ebm_memory.demo import run_demo, summary

    report = run_demo(args.out, n_queries=args.n_queries, random_state=args.seed)
    print(summary(report))
    print(f"report and figures written to {args.out}")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    from ebm_memory import experiments

    out = args.out / args.name
    result = experiments.reproduce(args.name, out, quick=args.quick, random_state=args.seed)
    print(experiments.get(args.name).table(result))
    print(f"figure and tables written to {out}")
    return 0


def _train_in_context(args: argparse.Namespace) -> int:
    from ebm_memory.incontext import TRAINING_FAMILIES, InContextEnergy

    out = args.out
    model = InContextEnergy(
        width=args.width,
        context_layers=args.context_layers,
        objective=args.objective,
        max_iter=args.steps,
        tasks_per_step=args.tasks_per_step,
        checkpoint_path=out,
        random_state=args.seed,
        verbose=1,
    )
    try:
        model.fit(list(TRAINING_FAMILIES))
    except OSError as error:
        print(f"ebm-memory train-in-context: error: {error}", file=sys.stderr)
        return 1
    losses = model.history_["loss"]
    tail = losses[-min(len(losses), 100) :]
    print(f"{model.n_iter_} steps; mean loss over the last {len(tail)}: {tail.mean():.4f}")
    print(f"checkpoint written to {out} (load it with InContextEnergy.load)")
    return 0


def _checkout() -> Path | None:
    """The repository holding ``benchmarks/run.py``: the current folder or one above it, or
    the folder above the package (an editable install); None outside a checkout."""
    here = Path.cwd().resolve()
    package_parent = Path(__file__).resolve().parents[1]
    for folder in (here, *here.parents, package_parent):
        if (folder / "benchmarks" / "run.py").is_file():
            return folder
    return None


def _bench(arguments: list[str]) -> int:
    root = _checkout()
    if root is None:
        print(
            "ebm-memory bench: error: the benchmarks run from a checkout of the repository "
            "(benchmarks/run.py); none was found in the current folder, above it or beside "
            "the installed package",
            file=sys.stderr,
        )
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks.run import main as run_benchmarks

    return run_benchmarks(arguments, prog="ebm-memory bench", default_out="ebm_memory_output/bench")


def attention_width(value: str) -> int:
    """``--width`` of ``train-in-context``: a positive multiple of :data:`ATTENTION_HEADS`."""
    width = positive_int(value)
    if width % ATTENTION_HEADS:
        raise argparse.ArgumentTypeError(
            f"must be a multiple of the {ATTENTION_HEADS} attention heads, got {value!r}"
        )
    return width


def _add_demo(commands) -> None:
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


def _add_bench(commands) -> None:
    commands.add_parser(
        "bench",
        add_help=False,
        help="run the benchmarks from a checkout: ours against the peers, side by side",
        description="Run the benchmark harness of a checkout (benchmarks/run.py); "
        "ebm-memory bench --help lists its options.",
    )


def _add_reproduce(commands) -> None:
    reproduce = commands.add_parser(
        "reproduce",
        help="re-run a published result, writing a figure and a table",
        description="Re-run a published result with the measured values beside the "
        f"published ones (docs/reproductions.md); NAME is one of {', '.join(NAMES)}. "
        "Writes NAME.png, results.json and results.md into OUT/NAME.",
    )
    reproduce.add_argument("name", choices=NAMES, help="the experiment")
    reproduce.add_argument(
        "--quick",
        action="store_true",
        help="a smaller run: under a minute on 2 cores, a few minutes for in_context and "
        "sequential (docs/reproductions.md lists each)",
    )
    reproduce.add_argument(
        "--out",
        type=Path,
        default="ebm_memory_output",
        help="output folder; the experiment's folder OUT/NAME inside it is replaced whole "
        "when the run ends (checked before it starts)",
    )
    reproduce.add_argument("--seed", type=nonnegative_int, default=0, help="random seed")
    reproduce.set_defaults(run=_reproduce, command_parser=reproduce)


def _add_train_in_context(commands) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; building it imports no command's code."""
    parser = argparse.ArgumentParser(
        prog="ebm-memory",
        description="Associative memories as energy-based models on JAX.",
    )
    parser.add_argument("--version", action="version", version=f"ebm-memory {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_demo, _add_bench, _add_reproduce, _add_train_in_context):
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv``; return the exit code.

    Every argument is checked before the command starts: a bad one exits with code 2 and
    argparse's usage message. ``bench`` passes its arguments on to the benchmark harness
    of the checkout (``benchmarks/run.py``).

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments, without the program name (``sys.argv[1:]`` when None).

    Returns
    -------
    exit_code : int
        0 when the command succeeded.

    See Also
    --------
    ebm_memory.demo.run_demo : What ``ebm-memory demo`` runs.
    ebm_memory.experiments.reproduce : What ``ebm-memory reproduce NAME`` runs.
    ebm_memory.InContextEnergy : What ``ebm-memory train-in-context`` fits and saves.

    Examples
    --------
    >>> try:
    ...     main(["--version"])
    ... except SystemExit as exit:
    ...     print("exit code", exit.code)
    ebm-memory 0.1.0
    exit code 0
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        return _bench(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "reproduce":
        try:
            args.out = results_folder(str(args.out / args.name)).parent
        except argparse.ArgumentTypeError as error:
            args.command_parser.error(f"argument --out: {error}")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
