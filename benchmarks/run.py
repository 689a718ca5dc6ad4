"""Run every benchmark case, ours and the peer side by side, and write the results.

python benchmarks/run.py [--quick | --tiny] [--out DIR] [--cases NAME ...]

(``ebm-memory bench ...`` from a checkout runs the same.) Parsing the options imports no
JAX: the cases of :mod:`benchmarks.runner` are imported once the options are checked.

Examples
--------
>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser, default_out="results")
>>> parser.parse_args(["--tiny", "--cases", "scale"]).cases
['scale']
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ebm_memory._arguments import results_folder

__all__ = ["CASE_NAMES", "add_arguments", "main", "run_from_arguments"]

CASE_NAMES = (
    "kde_scoring",
    "retrieval",
    "scale",
    "likelihood",
    "sampling",
    "clustering",
    "classification",
)
"""The cases of :data:`benchmarks.runner.CASES`, in the order they run."""


def add_arguments(parser: argparse.ArgumentParser, default_out: str) -> None:
    """Add the harness's options to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser that receives ``--quick``, ``--tiny``, ``--out`` and ``--cases``.
    default_out : str
        The default output folder.
    """
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="small sizes, under 2 minutes")
    sizes.add_argument("--tiny", action="store_true", help="a few seconds (for tests)")
    parser.add_argument(
        "--out",
        type=results_folder,
        default=default_out,
        help="output folder (replaced whole when the run ends; checked before it starts)",
    )
    parser.add_argument("--cases", nargs="+", choices=CASE_NAMES, help="run only these")


def main(
    argv: list[str] | None = None,
    *,
    prog: str | None = None,
    default_out: str = "benchmarks/results",
) -> int:
    """Parse the options, run the cases, print the Markdown table and where the results are.

    Parameters
    ----------
    argv : list of str or None, default=None
        The options (``sys.argv[1:]`` when None).
    prog : str or None, default=None
        The program name in usage and error messages.
    default_out : str, default="benchmarks/results"
        The output folder when ``--out`` is not given.

    Returns
    -------
    exit_code : int
        0 once the results are written; a bad option exits with code 2 before any case runs.
    """
    parser = argparse.ArgumentParser(
        prog=prog, description="Benchmarks: ours against the peers, side by side."
    )
    add_arguments(parser, default_out)
    return run_from_arguments(parser.parse_args(argv))


def run_from_arguments(args: argparse.Namespace) -> int:
    """Run with the options of :func:`add_arguments`; print the table and the folder.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options: ``quick``, ``tiny``, ``out`` and ``cases``.

    Returns
    -------
    exit_code : int
        0 once the results are written.
    """
    from benchmarks import runner
    from benchmarks.report import markdown_table

    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    report = runner.run_benchmarks(size, args.out, args.cases)
    print(markdown_table(report))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
