"""``ebm-memory reproduce sequential``: the supervised Dense Associative Memory learning a
sequence of digit tasks under six strategies against forgetting (McAlister et al.).

Permuted and split digits under every strategy of :mod:`ebm_memory.learning.continual` at the
interaction vertex ``n`` in (2, 3, 5, 10), and the classifier against logistic regression
(:mod:`ebm_memory.analysis.sequential`). ``quick``: 2 tasks each, ``n`` in (3, 10), 32
memories, 100 steps per task.

Examples
--------
>>> from ebm_memory.experiments import sequential
>>> sorted(name for name in ("run", "figure", "table") if callable(getattr(sequential, name)))
['figure', 'run', 'table']
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from ebm_memory.analysis.sequential import (
    DEGREES,
    STRATEGY_SETTINGS,
    ClassifierScore,
    classifier_baseline,
    compare_strategies,
)
from ebm_memory.datasets import permuted_digits, split_digits

__all__ = ["Result", "figure", "run", "table"]

METRICS = ("average_accuracy", "average_forgetting", "backward_transfer", "forward_transfer")


@dataclass(frozen=True, eq=False)
class Result:
    """Strategies against forgetting on two task sequences, and the classifier's accuracy.

    Parameters
    ----------
    settings : dict
        ``n_tasks``, ``split_pairs``, ``degrees``, ``n_memories``, ``max_iter_per_task`` and
        ``strategy_settings``.
    sequences : dict of str to dict
        Sequence name -> ``degree -> strategy -> SequenceResult``.
    baseline : tuple of ClassifierScore
        The classifier against logistic regression on digits.
    seconds : float
        Run time.

    Examples
    --------
    >>> from ebm_memory.experiments.sequential import run
    >>> result = run(quick=True)  # doctest: +SKIP
    >>> list(result.sequences)  # doctest: +SKIP
    ['permuted digits', 'split digits']
    """

    settings: dict
    sequences: dict
    baseline: tuple[ClassifierScore, ...]
    seconds: float

    def to_dict(self) -> dict:
        """The measured values as plain JSON types.

        Returns
        -------
        values : dict
            ``settings``; ``sequences`` (per sequence, the metrics per degree and strategy
            and the trends read from them); ``classifier_vs_logistic_regression``;
            ``seconds``.

        Examples
        --------
        >>> from ebm_memory.experiments.sequential import run
        >>> sorted(run(quick=True).to_dict())  # doctest: +SKIP
        ['classifier_vs_logistic_regression', 'figure', 'seconds', 'sequences', 'settings']
        """
        sequences = {}
        for name, results in self.sequences.items():
            summary = _summary(results)
            sequences[name] = {"metrics": summary, "trend": _trend(summary)}
        return {
            "settings": self.settings,
            "sequences": sequences,
            "classifier_vs_logistic_regression": [
                dataclasses.asdict(score) for score in self.baseline
            ],
            "seconds": self.seconds,
            "figure": "sequential.png",
        }


def _summary(results: dict) -> dict:
    """``str(degree) -> strategy ->`` the four metrics and the rounded accuracy matrix."""
    return {
        str(degree): {
            strategy: {
                **{name: float(getattr(result.metrics, name)) for name in METRICS},
                "accuracy": np.round(result.accuracy, 4).tolist(),
            }
            for strategy, result in by_strategy.items()
        }
        for degree, by_strategy in results.items()
    }


def _trend(summary: dict, tolerance: float = 0.05) -> dict:
    """Which strategy is strongest and which forgets most (means over ``n``), and how each
    strategy's forgetting changes from the smallest to the largest ``n`` ("falls" or "rises"
    by more than ``tolerance``, else "flat")."""
    degrees = list(summary)
    strategies = list(summary[degrees[0]])

    def mean(strategy, metric):
        return float(np.mean([summary[d][strategy][metric] for d in degrees]))

    accuracy = {s: mean(s, "average_accuracy") for s in strategies}
    forgetting = {s: mean(s, "average_forgetting") for s in strategies}
    naive = {int(d): summary[d]["naive"]["average_forgetting"] for d in degrees}
    ends = {
        s: [
            summary[degrees[0]][s]["average_forgetting"],
            summary[degrees[-1]][s]["average_forgetting"],
        ]
        for s in strategies
    }
    direction = {
        s: "falls" if last < first - tolerance else "rises" if last > first + tolerance else "flat"
        for s, (first, last) in ends.items()
    }
    return {
        "strongest": max(accuracy, key=accuracy.get),
        "most_forgetting": max(forgetting, key=forgetting.get),
        "mean_accuracy": accuracy,
        "mean_forgetting": forgetting,
        "naive_forgetting_by_degree": naive,
        "forgetting_smallest_largest_n": ends,
        "forgetting_with_n": direction,
    }


def run(quick: bool = False, random_state=0) -> Result:
    """Permuted and split digits under every strategy and vertex; the classifier's accuracy.

    Parameters
    ----------
    quick : bool, default=False
        2 tasks per sequence, ``n`` in (3, 10), 32 memories, 100 steps per task (instead of 5
        tasks, ``n`` in (2, 3, 5, 10), 100 memories, 300 steps).
    random_state : int, RandomState or None, default=0
        Seeds the task sequences and the classifiers.

    Returns
    -------
    result : Result
        The accuracy matrices per sequence, degree and strategy, and the baseline.

    See Also
    --------
    ebm_memory.analysis.sequential.compare_strategies : Runs every strategy on a sequence.
    ebm_memory.analysis.sequential.classifier_baseline : Scores the classifier.
    ebm_memory.experiments.sequential.figure : Draws the result.
    ebm_memory.experiments.sequential.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.experiments.sequential import run
    >>> run(quick=True).settings["degrees"]  # doctest: +SKIP
    [3, 10]
    """
    if quick:
        n_tasks, pairs, degrees, n_memories, max_iter = 2, ((0, 1), (2, 3)), (3, 10), 32, 100
    else:
        n_tasks, pairs, degrees, n_memories, max_iter = 5, None, DEGREES, 100, 300
    split = (
        split_digits(random_state=random_state)
        if pairs is None
        else split_digits(pairs, random_state=random_state)
    )
    settings = {"n_memories": n_memories, "max_iter": max_iter, "random_state": random_state}
    start = time.perf_counter()
    sequences = {}
    for name, tasks, restrict in (
        ("permuted digits", permuted_digits(n_tasks, random_state=random_state), False),
        ("split digits", split, True),
    ):
        sequences[name] = compare_strategies(
            tasks, degrees, restrict_to_task_classes=restrict, **settings
        )
    baseline = classifier_baseline(
        degrees, n_memories=n_memories, max_iter=max_iter, random_state=random_state
    )
    return Result(
        settings={
            "n_tasks": n_tasks,
            "split_pairs": [task.classes.tolist() for task in split],
            "degrees": list(degrees),
            "n_memories": n_memories,
            "max_iter_per_task": max_iter,
            "strategy_settings": STRATEGY_SETTINGS,
        },
        sequences=sequences,
        baseline=tuple(baseline),
        seconds=time.perf_counter() - start,
    )


def figure(result: Result):
    """Accuracy over the tasks seen at the middle vertex, and final accuracy and forgetting
    against ``n``, one row per sequence.

    Parameters
    ----------
    result : Result
        The output of :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two rows of three labelled panels.

    See Also
    --------
    ebm_memory.experiments.sequential.run : Makes the result.
    ebm_memory.plotting.plot_strategies : Draws its rows.
    ebm_memory.experiments.sequential.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.experiments.sequential import figure, run
    >>> len(figure(run(quick=True)).axes)  # doctest: +SKIP
    6
    """
    from ebm_memory.plotting.sequential import plot_strategies

    degrees = result.settings["degrees"]
    return plot_strategies(result.sequences, degrees[len(degrees) // 2])


def _trend_sentence(name: str, trend: dict) -> str:
    naive = trend["naive_forgetting_by_degree"]
    change = ", ".join(f"n = {d}: {value:.2f}" for d, value in naive.items())
    line = (
        f"- {name}: strongest on average over n: **{trend['strongest']}** (mean final "
        f"accuracy {trend['mean_accuracy'][trend['strongest']]:.2f}); most forgetting: "
        f"**{trend['most_forgetting']}** (mean forgetting "
        f"{trend['mean_forgetting'][trend['most_forgetting']]:.2f}); naive forgetting by "
        f"vertex: {change}."
    )
    if len(naive) > 1:
        groups = []
        for verb in ("falls", "rises", "flat"):
            members = [
                f"{s} {ends[0]:.2f} -> {ends[1]:.2f}"
                for s, ends in trend["forgetting_smallest_largest_n"].items()
                if trend["forgetting_with_n"][s] == verb
            ]
            if members:
                label = "stays within 0.05" if verb == "flat" else verb
                groups.append(f"{label} for {len(members)} ({', '.join(members)})")
        line += f" From n = {min(naive)} to n = {max(naive)} forgetting " + "; ".join(groups)
        line += "."
    return line


def _metrics_table(name: str, metrics: dict) -> list[str]:
    degrees = list(metrics)
    lines = [
        "",
        f"## {name}",
        "",
        "Each cell: average accuracy / average forgetting / backward transfer / forward transfer.",
        "",
        "| strategy | " + " | ".join(f"n = {d}" for d in degrees) + " |",
        "|---" * (len(degrees) + 1) + "|",
    ]
    for strategy in metrics[degrees[0]]:
        cells = [" / ".join(f"{metrics[d][strategy][m]:.2f}" for m in METRICS) for d in degrees]
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    return lines


def table(result: Result) -> str:
    """Per sequence, strategy x ``n`` (accuracy / forgetting / BWT / FWT), the trends, and
    the classifier against logistic regression, as Markdown.

    Parameters
    ----------
    result : Result
        The output of :func:`run`.

    Returns
    -------
    markdown : str
        The settings, the trends and the tables.

    See Also
    --------
    ebm_memory.experiments.sequential.run : Makes the result.
    ebm_memory.experiments.sequential.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.experiments.sequential import run, table
    >>> print(table(run(quick=True)))  # doctest: +SKIP
    2 permuted-digits tasks and the split-digits pairs [[0, 1], [2, 3]] ...
    """
    values = result.to_dict()
    settings = values["settings"]
    lines = [
        f"{settings['n_tasks']} permuted-digits tasks and the split-digits pairs "
        f"{settings['split_pairs']} (task-incremental); {settings['n_memories']} memories, "
        f"{settings['max_iter_per_task']} full-batch Adam steps per task; run time "
        f"{values['seconds']:.0f} s.",
        "",
        "Trends:",
        "",
    ]
    for name, sequence in values["sequences"].items():
        lines.append(_trend_sentence(name, sequence["trend"]))
    for name, sequence in values["sequences"].items():
        lines += _metrics_table(name, sequence["metrics"])
    lines += [
        "",
        "## The classifier against logistic regression (digits, 25% test)",
        "",
        "| model | test accuracy | fit seconds |",
        "|---|---|---|",
    ]
    for row in values["classifier_vs_logistic_regression"]:
        lines.append(f"| {row['model']} | {row['accuracy']:.3f} | {row['seconds']:.1f} |")
    return "\n".join(lines)
