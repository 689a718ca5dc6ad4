"""Sequential learning in the Dense Associative Memory (McAlister et al.): strategies
against forgetting, across the interaction vertex ``n``.

Krotov & Hopfield (2016) found that the vertex ``n`` moves the learned memories from
features (small ``n``: each memory helps many classes) to prototypes (large ``n``: each memory
is close to one digit). McAlister et al. ask how that regime changes forgetting when tasks
arrive one after another, and how the standard remedies compare. This experiment trains
:class:`~ebm_memory.DenseAssociativeClassifier` on two task sequences built from scikit-learn's
digits (:mod:`ebm_memory.task_sequences`):

- permuted digits (every task all ten classes, each task its own fixed pixel permutation;
  domain-incremental);
- split digits (classes in pairs, scored within the task's own pair: task-incremental),

with every strategy of :mod:`ebm_memory.learning.continual` at ``n`` in (2, 3, 5, 10), and
reports the accuracy matrices' summaries
(:func:`~ebm_memory.analysis.forgetting.continual_metrics`).
Beside it, the classifier's test accuracy on digits against logistic regression.

The strategies' settings (:data:`STRATEGY_SETTINGS`) come from a small sweep on three
permuted-digits tasks at ``n = 5`` (100 memories, 300 steps per task): EWC strengths 1, 10,
30 and 100 gave average accuracies 0.45, 0.70, 0.73 and 0.61 (at 100 the later tasks are no
longer learned), SI strengths 1 and 100 gave 0.71 and 0.41, rehearsal of 20% of each task
0.82 and naive training 0.42.

Examples
--------
>>> from ebm_memory.analysis.sequential import STRATEGY_SETTINGS
>>> sorted(STRATEGY_SETTINGS)
['agem', 'ewc', 'naive', 'pseudo-rehearsal', 'rehearsal', 'si']
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from tqdm.auto import tqdm

from ebm_memory._io import save_figure
from ebm_memory.analysis.forgetting import SequenceResult, plot_task_accuracies, run_task_sequence
from ebm_memory.estimators.classifier import DenseAssociativeClassifier
from ebm_memory.learning.continual import STRATEGIES
from ebm_memory.task_sequences import permuted_digits, split_digits

__all__ = [
    "DEGREES",
    "STRATEGY_SETTINGS",
    "classifier_baseline",
    "compare_strategies",
    "reproduce_sequential",
    "sequential_markdown",
]

DEGREES = (2, 3, 5, 10)
STRATEGY_SETTINGS = {
    "naive": {},
    "rehearsal": {"memory_fraction": 0.2},
    "pseudo-rehearsal": {"memory_fraction": 0.2},
    "ewc": {"strength": 30.0},
    "si": {"strength": 1.0},
    "agem": {"memory_fraction": 0.2},
}
METRICS = ("average_accuracy", "average_forgetting", "backward_transfer", "forward_transfer")


def compare_strategies(
    tasks,
    degrees=DEGREES,
    strategies=STRATEGIES,
    *,
    n_memories: int = 64,
    max_iter: int = 200,
    restrict_to_task_classes: bool = False,
    random_state: int = 0,
    progress_bar: bool = False,
) -> dict[int, dict[str, SequenceResult]]:
    """Run the task sequence for every ``(degree, strategy)`` pair.

    Returns
    -------
    dict
        ``degree -> strategy -> SequenceResult``.
    """
    results: dict[int, dict[str, SequenceResult]] = {}
    pairs = [(degree, strategy) for degree in degrees for strategy in strategies]
    for degree, strategy in tqdm(pairs, "degree x strategy", disable=not progress_bar):
        estimator = DenseAssociativeClassifier(
            n_memories,
            degree=degree,
            max_iter=max_iter,
            strategy=strategy,
            random_state=random_state,
            **STRATEGY_SETTINGS[strategy],
        )
        results.setdefault(degree, {})[strategy] = run_task_sequence(
            estimator, tasks, restrict_to_task_classes=restrict_to_task_classes
        )
    return results


def classifier_baseline(
    degrees=DEGREES, *, n_memories: int = 100, max_iter: int = 300, random_state: int = 0
) -> list[dict]:
    """Test accuracy on digits (pixels ``x / 8 - 1``, a stratified 75/25 split) of the
    classifier at each ``degree`` and with the exponential interaction, beside
    :class:`~sklearn.linear_model.LogisticRegression`, with fit seconds (JAX compilation
    included)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 8 - 1, y, test_size=0.25, stratify=y, random_state=random_state
    )
    models = {
        f"DAM, n = {degree}": DenseAssociativeClassifier(
            n_memories, degree=degree, max_iter=max_iter, random_state=random_state
        )
        for degree in degrees
    }
    models["DAM, exponential"] = DenseAssociativeClassifier(
        n_memories, interaction="exponential", max_iter=max_iter, random_state=random_state
    )
    models["LogisticRegression"] = LogisticRegression(max_iter=2000)
    rows = []
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        rows.append(
            {"model": name, "accuracy": float(model.score(X_test, y_test)), "seconds": seconds}
        )
    return rows


def _summary(results: dict[int, dict[str, SequenceResult]]) -> dict:
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


def _plot(sequences: dict, representative: int, out_path: Path) -> None:
    figure, axes = plt.subplots(len(sequences), 3, figsize=(15, 4.2 * len(sequences)))
    axes = np.atleast_2d(axes)
    for row, (name, (results, summary)) in zip(axes, sequences.items(), strict=True):
        plot_task_accuracies(results[representative], ax=row[0])
        row[0].set_title(f"{name}: n = {representative}")
        degrees = [int(d) for d in summary]
        for strategy in summary[str(degrees[0])]:
            for ax, metric in zip(row[1:], ("average_accuracy", "average_forgetting"), strict=True):
                values = [summary[str(d)][strategy][metric] for d in degrees]
                ax.plot(degrees, values, marker="o", label=strategy)
        for ax, metric in zip(row[1:], ("average accuracy", "average forgetting"), strict=True):
            ax.set_xscale("log")
            ax.set_xticks(degrees, [str(d) for d in degrees])
            ax.minorticks_off()
            ax.set_xlabel("interaction vertex n")
            ax.set_ylabel(metric)
            ax.set_title(f"{name}: final {metric}")
        row[2].legend(fontsize=8)
    figure.tight_layout()
    save_figure(figure, out_path, dpi=110)
    plt.close(figure)


def reproduce_sequential(out_dir: Path, quick: bool = False, progress_bar: bool = False) -> dict:
    """Permuted and split digits under every strategy at ``n`` in (2, 3, 5, 10) (quick: 2
    tasks each, ``n`` in (3, 10), 32 memories, 100 steps per task), and the classifier
    against logistic regression; writes ``sequential.png``."""
    if quick:
        n_tasks, pairs, degrees, n_memories, max_iter = 2, ((0, 1), (2, 3)), (3, 10), 32, 100
    else:
        n_tasks, pairs, degrees, n_memories, max_iter = 5, None, DEGREES, 100, 300
    split = split_digits(random_state=0) if pairs is None else split_digits(pairs, random_state=0)
    settings = {"n_memories": n_memories, "max_iter": max_iter, "progress_bar": progress_bar}
    start = time.perf_counter()
    sequences = {}
    for name, tasks, restrict in (
        ("permuted digits", permuted_digits(n_tasks, random_state=0), False),
        ("split digits", split, True),
    ):
        results = compare_strategies(tasks, degrees, restrict_to_task_classes=restrict, **settings)
        sequences[name] = (results, _summary(results))
    representative = degrees[len(degrees) // 2]
    _plot(sequences, representative, out_dir / "sequential.png")
    baseline = classifier_baseline(
        degrees, n_memories=n_memories if quick else 100, max_iter=max_iter if quick else 300
    )
    return {
        "settings": {
            "n_tasks": n_tasks,
            "split_pairs": [task.classes.tolist() for task in split],
            "degrees": list(degrees),
            "n_memories": n_memories,
            "max_iter_per_task": max_iter,
            "strategy_settings": STRATEGY_SETTINGS,
        },
        "sequences": {
            name: {"metrics": summary, "trend": _trend(summary)}
            for name, (_, summary) in sequences.items()
        },
        "classifier_vs_logistic_regression": baseline,
        "seconds": time.perf_counter() - start,
        "figure": "sequential.png",
    }


def _trend_sentences(name: str, trend: dict) -> list[str]:
    naive = trend["naive_forgetting_by_degree"]
    change = ", ".join(f"n = {d}: {value:.2f}" for d, value in naive.items())
    lines = [
        f"- {name}: strongest on average over n: **{trend['strongest']}** (mean final "
        f"accuracy {trend['mean_accuracy'][trend['strongest']]:.2f}); most forgetting: "
        f"**{trend['most_forgetting']}** (mean forgetting "
        f"{trend['mean_forgetting'][trend['most_forgetting']]:.2f}); naive forgetting by "
        f"vertex: {change}."
    ]
    if len(naive) > 1:
        low, high = min(naive), max(naive)
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
        lines[0] += f" From n = {low} to n = {high} forgetting " + "; ".join(groups) + "."
    return lines


def sequential_markdown(results: dict) -> list[str]:
    """Tables: per sequence, strategy x n (average accuracy / forgetting / BWT / FWT), the
    trends read from them, and the classifier against logistic regression."""
    settings = results["settings"]
    lines = [
        f"{settings['n_tasks']} permuted-digits tasks and the split-digits pairs "
        f"{settings['split_pairs']} (task-incremental); {settings['n_memories']} memories, "
        f"{settings['max_iter_per_task']} full-batch Adam steps per task; run time "
        f"{results['seconds']:.0f} s.",
        "",
        "Trends:",
        "",
    ]
    for name, sequence in results["sequences"].items():
        lines += _trend_sentences(name, _trend(sequence["metrics"]))
    for name, sequence in results["sequences"].items():
        metrics = sequence["metrics"]
        degrees = list(metrics)
        lines += [
            "",
            f"### {name}",
            "",
            "Each cell: average accuracy / average forgetting / backward transfer / forward "
            "transfer.",
            "",
            "| strategy | " + " | ".join(f"n = {d}" for d in degrees) + " |",
            "|---" * (len(degrees) + 1) + "|",
        ]
        for strategy in metrics[degrees[0]]:
            cells = [" / ".join(f"{metrics[d][strategy][m]:.2f}" for m in METRICS) for d in degrees]
            lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### The classifier against logistic regression (digits, 25% test)",
        "",
        "| model | test accuracy | fit seconds |",
        "|---|---|---|",
    ]
    for row in results["classifier_vs_logistic_regression"]:
        lines.append(f"| {row['model']} | {row['accuracy']:.3f} | {row['seconds']:.1f} |")
    return lines
