"""``ebm-memory reproduce in_context``: the shipped in-context energy on held-out contexts.

Schaeffer et al. (2024) train a transformer to output an energy for a dataset given in
context. This experiment takes the model shipped with the package
(:meth:`~ebm_memory.InContextEnergy.pretrained`, trained by contrastive divergence on the
``mixture_2d`` and ``shapes_2d`` families) and, when present, its denoising-score-matching
twin, and measures on contexts it never saw (:mod:`ebm_memory.analysis.in_context`):

- samples' mean log-likelihood under the true mixture, against a KDE fitted on the same
  context, for context sizes 4 to 64 (:data:`SAMPLE_MARGIN` is the margin we state);
- sharpening: the held-out excess NLL and the width of the wells as the context grows;
- the same on the held-out families (``crowded_mixture_2d``, ``spiral_2d``), and for 8-D
  mixtures with a model trained on them here;
- energy contours for one task as its context grows, and for held-out contexts.

Examples
--------
>>> from ebm_memory.experiments import in_context
>>> in_context.SAMPLE_MARGIN
0.25
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources

from ebm_memory.analysis._seeds import as_seed
from ebm_memory.analysis.in_context import (
    CONTEXT_SIZES,
    draw_context,
    evaluate_contexts,
    mean_and_error,
    sharpening,
    summarise,
)
from ebm_memory.experiments._in_context_table import markdown
from ebm_memory.incontext.estimator import InContextEnergy
from ebm_memory.incontext.tasks import HELD_OUT_FAMILIES

__all__ = ["SAMPLE_MARGIN", "Result", "figure", "run", "table"]

SAMPLE_MARGIN = 0.25
"""The stated margin (nats): the in-context energy's samples score a mean true
log-likelihood no more than this below the KDE's, at every context size."""
DSM_CHECKPOINT = "default_2d_dsm.npz"
HIGH_DIM_STEPS, HIGH_DIM_STEPS_QUICK = 1500, 30
"""Training steps of the 8-D model (it is trained here: only the 2-D model ships)."""
SEED = 10_000
"""Evaluation tasks are drawn from seeds far from any used in the tests or examples (added to
``random_state``)."""


@dataclass(frozen=True, eq=False)
class Result:
    """The shipped model's measures on held-out contexts, and the contexts drawn.

    Parameters
    ----------
    model : dict
        ``n_steps`` (training steps) and ``architecture`` of the shipped model.
    settings : dict
        ``sizes``, ``n_contexts`` and ``n_samples``.
    context_sizes : dict of int to list of ContextMeasures
        The mixture_2d contexts at each size.
    held_out_families : dict of str to list of ContextMeasures
        The held-out families at 64 points.
    objectives : dict of str to list of ContextMeasures
        The contrastive-divergence model and, when shipped, its DSM twin, at the largest size.
    mixture_8d : list of ContextMeasures
        A model trained here on 8-D mixtures.
    mixture_8d_training : dict
        ``n_steps`` and ``training_seconds`` of that model.
    contours : tuple of (str, tuple of (str, ndarray of shape (n_samples, 2)))
        The contour figure's rows: a row title and its titled contexts.
    seconds : float
        Run time.

    Examples
    --------
    >>> from ebm_memory.experiments.in_context import run
    >>> result = run(quick=True)  # doctest: +SKIP
    >>> sorted(result.context_sizes)  # doctest: +SKIP
    [4, 16, 64]
    """

    model: dict
    settings: dict
    context_sizes: dict
    held_out_families: dict
    objectives: dict
    mixture_8d: list
    mixture_8d_training: dict
    contours: tuple
    seconds: float

    def to_dict(self) -> dict:
        """The measured values as plain JSON types: means and standard errors over contexts.

        Returns
        -------
        values : dict
            Per context size, held-out family, objective and the 8-D model: each measure's
            mean and standard error, and the paired margins; the stated and the worst sample
            margin.

        Examples
        --------
        >>> from ebm_memory.experiments.in_context import run
        >>> run(quick=True).to_dict()["stated_sample_margin"]  # doctest: +SKIP
        0.25
        """
        sizes = {int(n): _table(rows) for n, rows in self.context_sizes.items()}
        margins = [table["sample_margin"] for table in sizes.values()]
        return {
            "model": self.model,
            "settings": self.settings,
            "context_sizes": sizes,
            "held_out_families": {f: _table(rows) for f, rows in self.held_out_families.items()},
            "objectives": {name: _table(rows) for name, rows in self.objectives.items()},
            "mixture_8d": {**self.mixture_8d_training, **_table(self.mixture_8d)},
            "stated_sample_margin": SAMPLE_MARGIN,
            "worst_sample_margin": min(margin["mean"] for margin in margins),
            "not_significantly_below_margin": all(
                margin["mean"] + 2 * margin["standard_error"] >= -SAMPLE_MARGIN
                for margin in margins
            ),
            "seconds": self.seconds,
            "figure": "in_context.png",
        }


def _paired(rows: list, left: str, right: str) -> dict:
    mean, error = mean_and_error([getattr(row, left) - getattr(row, right) for row in rows])
    return {"mean": mean, "standard_error": error}


def _table(rows: list) -> dict:
    summary = {
        key: dict(zip(("mean", "standard_error"), summarise(rows, key), strict=True))
        for key in rows[0].measured()
    }
    summary["sample_margin"] = _paired(rows, "sample_log_lik_model", "sample_log_lik_kde")
    if rows[0].heldout_log_lik_model is not None:
        summary["heldout_margin"] = _paired(rows, "heldout_log_lik_model", "heldout_log_lik_kde")
    summary["n_contexts"] = len(rows)
    return summary


def _contour_contexts(seed: int) -> tuple:
    _, context, _ = draw_context("mixture_2d", 64, seed + 7)
    growing = tuple((f"{n} context points", context[:n]) for n in (4, 8, 16, 64))
    held_out = tuple(
        (f"{family} (n=48)", draw_context(family, 48, seed + 11 + i)[1])
        for i, family in enumerate(("mixture_2d", "shapes_2d", *HELD_OUT_FAMILIES))
    )
    return (
        ("One task, a growing context: the wells sharpen", growing),
        ("Held-out contexts", held_out),
    )


def run(quick: bool = False, random_state=0) -> Result:
    """Measure the shipped model(s) on held-out contexts.

    Parameters
    ----------
    quick : bool, default=False
        Context sizes (4, 16, 64), 4 contexts each, 64 samples, 30 training steps of the 8-D
        model (instead of sizes 4 to 64, 16 contexts, 256 samples, 1500 steps).
    random_state : int, RandomState or None, default=0
        Offsets the seeds of the evaluation tasks (drawn from ``SEED + random_state``) and
        seeds the 8-D model.

    Returns
    -------
    result : Result
        The measures of every context, and the contexts of the contour figure.

    See Also
    --------
    ebm_memory.analysis.in_context.sharpening : Measures the contexts at each size.
    ebm_memory.analysis.in_context.evaluate_contexts : Measures held-out families and the 8-D model.
    ebm_memory.experiments.in_context.figure : Draws the result.
    ebm_memory.experiments.in_context.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.experiments.in_context import run
    >>> run(quick=True).settings  # doctest: +SKIP
    {'sizes': [4, 16, 64], 'n_contexts': 4, 'n_samples': 64}
    """
    sizes, n_contexts, n_samples = ((4, 16, 64), 4, 64) if quick else (CONTEXT_SIZES, 16, 256)
    offset = as_seed(random_state)
    settings = {"n_contexts": n_contexts, "n_samples": n_samples, "random_state": SEED + offset}
    start = time.perf_counter()
    model = InContextEnergy.pretrained()
    by_size = sharpening(model, "mixture_2d", sizes=sizes, **settings)
    families = {
        family: evaluate_contexts(model, family, context_size=64, **settings)
        for family in HELD_OUT_FAMILIES
    }
    objectives = {"cd": by_size[max(sizes)], **_objectives_beyond_cd(model, sizes, settings)}
    steps = HIGH_DIM_STEPS_QUICK if quick else HIGH_DIM_STEPS
    training = time.perf_counter()
    high = InContextEnergy(max_iter=steps, random_state=offset).fit("mixture_8d")
    training = time.perf_counter() - training
    return Result(
        model={"n_steps": int(model.n_iter_), "architecture": model.config_._asdict()},
        settings={"sizes": list(sizes), "n_contexts": n_contexts, "n_samples": n_samples},
        context_sizes=by_size,
        held_out_families=families,
        objectives=objectives,
        mixture_8d=evaluate_contexts(high, "mixture_8d", context_size=64, **settings),
        mixture_8d_training={"n_steps": steps, "training_seconds": training},
        contours=_contour_contexts(SEED + offset),
        seconds=time.perf_counter() - start,
    )


def _objectives_beyond_cd(model, sizes, settings: dict) -> dict:
    """The DSM twin's rows, when it ships (the CD model's are the largest size's)."""
    dsm_path = resources.files("ebm_memory.incontext") / DSM_CHECKPOINT
    if not dsm_path.is_file():
        return {}
    with resources.as_file(dsm_path) as path:
        dsm = InContextEnergy.load(path)
    return {"dsm": evaluate_contexts(dsm, "mixture_2d", context_size=max(sizes), **settings)}


def figure(result: Result):
    """Sharpening against the context size, and energy contours of the shipped model.

    Parameters
    ----------
    result : Result
        The output of :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three rows: excess NLL and well widths against the context size; one task's contours
        as its context grows; contours of held-out contexts (each row of contours with its
        colour bar).

    See Also
    --------
    ebm_memory.experiments.in_context.run : Makes the result.
    ebm_memory.plotting.plot_sharpening : Draws its top row.
    ebm_memory.plotting.plot_contours : Draws each row of contours.
    ebm_memory.experiments.in_context.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.experiments.in_context import figure, run
    >>> len(figure(run(quick=True)).axes)  # doctest: +SKIP
    12
    """
    import matplotlib.pyplot as plt

    from ebm_memory.plotting.in_context import plot_contours, plot_sharpening

    model = InContextEnergy.pretrained()
    whole = plt.figure(figsize=(14, 13), layout="constrained")
    top, *rows = whole.subfigures(1 + len(result.contours), 1, height_ratios=(1.2, 1, 1))
    plot_sharpening(result.context_sizes, figure=top)
    for row, (title, contexts) in zip(rows, result.contours, strict=True):
        plot_contours(model, list(contexts), figure=row)
        row.suptitle(title)
    return whole


def table(result: Result) -> str:
    """The measures as Markdown: per context size, per held-out family, per objective, 8-D.

    Parameters
    ----------
    result : Result
        The output of :func:`run`.

    Returns
    -------
    markdown : str
        The tables, mean ± standard error over contexts, and the stated margin's verdict.

    See Also
    --------
    ebm_memory.experiments.in_context.run : Makes the result.
    ebm_memory.experiments.in_context.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.experiments.in_context import run, table
    >>> print(table(run(quick=True)))  # doctest: +SKIP
    The shipped model (... steps of contrastive divergence) on 4 held-out contexts per row, ...
    """
    return markdown(result.to_dict())
