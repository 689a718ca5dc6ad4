"""Figures of sequential learning: accuracy over task sequences, and strategies against
forgetting across the interaction vertex (:mod:`ebm_memory.analysis.forgetting`,
:mod:`ebm_memory.analysis.sequential`)."""

from __future__ import annotations

import numpy as np

from ebm_memory.plotting._style import LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_strategies", "plot_task_accuracies"]


def _series(index: int) -> dict:
    """Colour, marker and line style of the ``index``-th series."""
    index %= len(PALETTE)
    return {"color": PALETTE[index], "marker": MARKERS[index], "ls": LINESTYLES[index]}


def _plot_seen_mean(results: dict, ax) -> None:
    """One line per strategy: the mean accuracy over the tasks seen so far, by stage."""
    for index, (label, result) in enumerate(results.items()):
        R = np.asarray(result.accuracy)
        stages = np.arange(1, R.shape[0] + 1)
        seen = [R[i, : i + 1].mean() for i in range(R.shape[0])]
        metrics = result.metrics
        detail = f"final {metrics.average_accuracy:.2f}"
        if np.isfinite(metrics.average_forgetting):
            detail += f", forgetting {metrics.average_forgetting:.2f}"
        ax.plot(stages, seen, label=f"{label} ({detail})", **_series(index))
    ax.set_xticks(stages)
    ax.set_xlabel("tasks trained")
    ax.set_ylabel("mean accuracy on the tasks seen")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()


def _plot_task_panel(panel, results: dict, j: int, stages: np.ndarray) -> None:
    """Task ``j``'s accuracy at every stage, its baselines and the stage that trains it."""
    baselines = {}
    for index, (label, result) in enumerate(results.items()):
        style = _series(index) | {"ms": 4}
        (line,) = panel.plot(stages, np.asarray(result.accuracy)[:, j], label=label, **style)
        baselines.setdefault(float(np.asarray(result.baseline)[j]), line.get_color())
    for value, color in baselines.items():  # gray when the strategies share it
        panel.axhline(value, color="gray" if len(baselines) == 1 else color, lw=0.8, ls="--")
    panel.axvline(j + 1, color="gray", lw=0.8, ls=":")
    panel.set_xticks(stages)
    panel.set_ylim(-0.02, 1.02)


def _plot_per_task(results: dict):
    import matplotlib.pyplot as plt

    names = {tuple(result.task_names) for result in results.values()}
    if len(names) != 1:
        raise ValueError("per_task=True needs results on the same tasks (task_names differ).")
    (task_names,) = names
    n_tasks = len(task_names)
    n_columns = min(n_tasks, 5)
    n_rows = -(-n_tasks // n_columns)
    figure, axes = plt.subplots(
        n_rows,
        n_columns,
        figsize=(2.6 * n_columns, 2.3 * n_rows + 0.6),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    stages = np.arange(1, n_tasks + 1)
    for j, panel in enumerate(axes.flat):
        if j >= n_tasks:
            panel.set_visible(False)
            continue
        _plot_task_panel(panel, results, j, stages)
        panel.set_title(task_names[j])
    for column in range(n_columns):  # the lowest visible panel of each column
        bottom = axes[(n_tasks - 1 - column) // n_columns, column]
        bottom.set_xlabel("tasks trained")
        bottom.tick_params(labelbottom=True)
    for panel in axes[:, 0]:
        panel.set_ylabel("accuracy")
    axes.flat[0].legend(fontsize="x-small")
    figure.suptitle("Accuracy on each task after each training stage")
    return figure


@styled
def plot_task_accuracies(results: dict, *, per_task: bool = False, ax=None):
    """Accuracy across training stages, one line per strategy.

    Parameters
    ----------
    results : dict of str to SequenceResult
        Strategy name -> its :func:`~ebm_memory.analysis.run_task_sequence` result.
    per_task : bool, default=False
        False: one panel, the mean accuracy over the tasks seen so far
        (``mean_{j<=i} R[i, j]``) against stage ``i``; the legend gives each strategy's final
        average accuracy and forgetting. True: one panel per task, its accuracy at every stage
        (a dotted line marks the stage that trains it, dashed ones the baselines, in each
        strategy's colour where they differ); all results must share their task names.
    ax : matplotlib.axes.Axes, optional
        Drawn into when given (only with ``per_task=False``); otherwise a new figure is made.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The labelled figure.

    See Also
    --------
    ebm_memory.analysis.run_task_sequence : Trains one strategy through the tasks.
    ebm_memory.analysis.continual_metrics : The average accuracy and forgetting of the legend.
    ebm_memory.plotting.plot_strategies : Draws it for every sequence and vertex.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis import SequenceResult, continual_metrics
    >>> from ebm_memory.plotting import plot_task_accuracies
    >>> R = np.array([[0.9, 0.1], [0.6, 0.8]])
    >>> result = SequenceResult(R, continual_metrics(R, 0.1), np.full(2, 0.1), ("a", "b"), None)
    >>> figure = plot_task_accuracies({"fine-tuning": result}, per_task=True)
    >>> len(figure.axes)
    2
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results must hold at least one strategy.")
    if per_task:
        if ax is not None:
            raise ValueError("per_task=True draws one panel per task; pass ax=None.")
        return _plot_per_task(results)
    if ax is None:
        figure, ax = plt.subplots(figsize=(5.0, 3.8), layout="constrained")
        ax.set_title("Mean accuracy on the tasks seen, by stage")
    else:
        figure = ax.figure
    _plot_seen_mean(results, ax)
    return figure


def _plot_metric_by_degree(axes, name: str, by_degree: dict) -> None:
    """Final average accuracy and forgetting of each strategy against the vertex ``n``."""
    degrees = sorted(by_degree)
    metrics = ("average_accuracy", "average_forgetting")
    for index, strategy in enumerate(by_degree[degrees[0]]):
        for ax, metric in zip(axes, metrics, strict=True):
            values = [getattr(by_degree[d][strategy].metrics, metric) for d in degrees]
            ax.plot(degrees, values, label=strategy, **_series(index))
    for ax, metric in zip(axes, ("average accuracy", "average forgetting"), strict=True):
        ax.set_xscale("log")
        ax.set_xticks(degrees, [str(d) for d in degrees])
        ax.minorticks_off()
        ax.set_xlabel("interaction vertex n")
        ax.set_ylabel(metric)
        ax.set_title(f"{name}: final {metric}")
    axes[-1].legend()


@styled
def plot_strategies(sequences: dict, representative: int):
    """Strategies against forgetting: one row per task sequence.

    Each row draws the accuracy over the tasks seen at vertex ``representative``, then each
    strategy's final average accuracy and forgetting against the vertex ``n``.

    Parameters
    ----------
    sequences : dict of str to dict
        Sequence name -> ``degree -> strategy -> SequenceResult`` (as
        :func:`~ebm_memory.analysis.sequential.compare_strategies` returns).
    representative : int
        The vertex whose stage-by-stage accuracy the first column draws.

    Returns
    -------
    figure : matplotlib.figure.Figure
        ``len(sequences)`` rows of three labelled panels.

    See Also
    --------
    ebm_memory.analysis.sequential.compare_strategies : Runs each sequence's strategies.
    ebm_memory.plotting.plot_task_accuracies : Draws the first column.
    ebm_memory.experiments.sequential.figure : The sequential reproduction's figure.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis import SequenceResult, continual_metrics
    >>> from ebm_memory.plotting import plot_strategies
    >>> R = np.array([[0.9, 0.1], [0.6, 0.8]])
    >>> result = SequenceResult(R, continual_metrics(R, 0.1), np.full(2, 0.1), ("a", "b"), None)
    >>> figure = plot_strategies({"toy": {2: {"naive": result}, 3: {"naive": result}}}, 3)
    >>> len(figure.axes)
    3
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        len(sequences), 3, figsize=(15, 4.4 * len(sequences) + 0.4), layout="constrained"
    )
    axes = np.atleast_2d(axes)
    for row, (name, by_degree) in zip(axes, sequences.items(), strict=True):
        plot_task_accuracies(by_degree[representative], ax=row[0])
        row[0].set_title(f"{name}: accuracy on the tasks seen, n = {representative}")
        _plot_metric_by_degree(row[1:], name, by_degree)
    figure.suptitle("Strategies against forgetting across the interaction vertex n")
    return figure
