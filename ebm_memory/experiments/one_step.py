"""``ebm-memory reproduce one_step``: one-step retrieval of modern Hopfield networks against
Ramsauer et al.'s bound, and the three kinds of fixed points as ``beta`` varies.

On random unit patterns and on the digits, :func:`~ebm_memory.analysis.one_step_errors`
measures the error of one update beyond the theorem's separation threshold (required below
1e-3) and :func:`~ebm_memory.analysis.fixed_point_census` counts the kinds of fixed points
reached.

Examples
--------
>>> from ebm_memory.experiments import one_step
>>> one_step.CRITERION
0.001
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ebm_memory.analysis.fixed_points import KINDS, fixed_point_census
from ebm_memory.analysis.one_step import (
    QUERIES,
    digit_patterns,
    one_step_errors,
    random_unit_patterns,
)
from ebm_memory.dynamics.diagnostics import separation_report, theorem_beta
from ebm_memory.dynamics.separation import pattern_separation
from ebm_memory.experiments._result import FIGURE_ONLY, JsonResult

__all__ = ["CRITERION", "Result", "figure", "run", "table"]

CRITERION = 1e-3
"""The bar for the one-step error beyond the theorem's threshold."""


@dataclass(frozen=True)
class Result(JsonResult):
    """One-step errors and fixed-point censuses of the random patterns and the digits.

    Parameters
    ----------
    criterion : float
        The bar for the one-step error beyond the threshold.
    one_step : dict
        Data set -> summary of its one-step errors (sizes, separation quantiles, and per
        query the largest error and bound beyond the threshold, bound violations).
    fixed_points : dict
        Data set -> its census against ``beta`` (fractions and distinct counts by kind).
    separation_reports : dict
        Data set -> :func:`~ebm_memory.dynamics.diagnostics.separation_report` text.
    passed : bool
        Every one-step error beyond the threshold is below ``criterion``.
    errors : dict of str to OneStepErrors
        The measurements drawn by :func:`figure` (not in :meth:`to_dict`).
    census : dict of str to FixedPointCensus
        The censuses drawn by :func:`figure` (not in :meth:`to_dict`).

    Examples
    --------
    >>> from ebm_memory.experiments.one_step import Result
    >>> Result(1e-3, {}, {}, {}, True).to_dict()["passed"]
    True
    """

    criterion: float
    one_step: dict
    fixed_points: dict
    separation_reports: dict
    passed: bool
    errors: dict = field(default_factory=dict, repr=False, metadata=FIGURE_ONLY)
    census: dict = field(default_factory=dict, repr=False, metadata=FIGURE_ONLY)


def _query_summary(result, query: str) -> dict:
    beyond, x = result.beyond, result.beta_delta
    error, bound = getattr(result, f"{query}_error"), getattr(result, f"{query}_bound")
    large = x[error >= CRITERION]
    return {
        "pairs_beyond": int(beyond.sum()),
        "pairs": int(beyond.size),
        "max_error_beyond": float(error[beyond].max()) if beyond.any() else None,
        "max_bound_beyond": float(bound[beyond].max()) if beyond.any() else None,
        "max_error_below": float(error[~beyond].max()) if (~beyond).any() else None,
        "bound_violations": int(np.sum(error > bound * (1 + 1e-9) + 1e-15)),
        "measured_beta_delta": float(large.max()) if large.size else 0.0,
    }


def _one_step_summary(result, n_features: int) -> dict:
    threshold = result.pattern_beta * result.separation
    quantiles = (0, 0.1, 0.5, 0.9, 1)
    return {
        "n_patterns": int(result.n_patterns),
        "n_features": n_features,
        "max_norm": float(result.max_norm),
        "separation_quantiles": {
            f"{q:g}": float(np.quantile(result.separation, q)) for q in quantiles
        },
        "betas": result.betas.tolist(),
        "theorem_beta_delta": [float(threshold.min()), float(threshold.max())],
        "queries": {query: _query_summary(result, query) for query in QUERIES},
    }


def _census_summary(census, n_patterns: int) -> dict:
    return {
        "n_patterns": n_patterns,
        "betas": census.betas.tolist(),
        "fractions": {kind: census.fractions[:, k].tolist() for k, kind in enumerate(KINDS)},
        "distinct": {kind: census.distinct[:, k].tolist() for k, kind in enumerate(KINDS)},
        "median_n_eff": [None if np.isnan(v) else float(v) for v in census.median_n_eff],
        "not_converged": census.not_converged.tolist(),
    }


def _betas(memories: np.ndarray, n_grid: int) -> np.ndarray:
    """A geometric grid from a tenth of the smallest to twice the largest threshold."""
    max_norm = np.linalg.norm(memories, axis=1).max()
    pattern_beta = theorem_beta(pattern_separation(memories), len(memories), max_norm)
    return np.geomspace(0.1 * pattern_beta.min(), 2 * pattern_beta.max(), n_grid)


def run(quick: bool = False, random_state: int = 0, *, sizes=None) -> Result:
    """One-step errors against ``beta Delta`` and the census of fixed points against ``beta``.

    Random unit patterns (N = 256, d = 64; N = 64 with ``quick``) and the digits (all
    1,797 for the one-step error, 500 for the census; 300 and 150 with ``quick``).

    Parameters
    ----------
    quick : bool, default=False
        The smaller sizes and grids.
    random_state : int, default=0
        Seeds the random patterns, the digit subsets (``random_state`` for the one-step
        subset, ``random_state + 1`` for the census), the sphere queries and the kicks.
    sizes : tuple of int, default=None
        ``(random patterns, digits, census digits, beta grid)``, replacing those of
        ``quick``; the digits may be None (all of them).

    Returns
    -------
    result : Result
        Summaries, the measurements and the censuses.

    See Also
    --------
    ebm_memory.analysis.one_step_errors : Measures the one-step errors.
    ebm_memory.analysis.fixed_point_census : Counts the kinds of fixed points.
    ebm_memory.experiments.one_step.figure : Draws the result.
    ebm_memory.experiments.one_step.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.experiments import one_step
    >>> result = one_step.run(quick=True, sizes=(16, 40, 30, 4))
    >>> result.one_step["random"]["n_patterns"], result.fixed_points["digits"]["n_patterns"]
    (16, 30)
    """
    default = (64, 300, 150, 10) if quick else (256, None, 500, 24)
    n_random, n_digits, n_census, n_grid = sizes or default
    data = {
        "random": random_unit_patterns(n_random, 64, random_state=random_state),
        "digits": digit_patterns(n_digits, random_state=random_state),
    }
    census_data = {
        "random": data["random"],
        "digits": digit_patterns(n_census, random_state=random_state + 1),
    }
    grids = {
        "random": np.logspace(0, 2, 9 if quick else 17),
        "digits": np.logspace(0, 3, 10 if quick else 19),
    }
    errors = {
        name: one_step_errors(memories, _betas(memories, n_grid), random_state=random_state)
        for name, memories in data.items()
    }
    census = {
        name: fixed_point_census(memories, grids[name], random_state=random_state)
        for name, memories in census_data.items()
    }
    summaries = {name: _one_step_summary(errors[name], m.shape[1]) for name, m in data.items()}
    counts = {name: _census_summary(census[name], len(m)) for name, m in census_data.items()}
    return Result(
        criterion=CRITERION,
        one_step=summaries,
        fixed_points=counts,
        separation_reports={name: str(separation_report(m)) for name, m in data.items()},
        passed=all(
            query["max_error_beyond"] is not None and query["max_error_beyond"] < CRITERION
            for summary in summaries.values()
            for query in summary["queries"].values()
        ),
        errors=errors,
        census=census,
    )


def figure(result: Result):
    """One-step errors beside the bound (top) and the kinds of fixed points (bottom).

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two rows, one column per data set (:func:`~ebm_memory.plotting.plot_one_step`).

    See Also
    --------
    ebm_memory.experiments.one_step.run : Makes the result.
    ebm_memory.plotting.plot_one_step : Draws its panels.
    ebm_memory.experiments.one_step.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.experiments import one_step
    >>> result = one_step.run(quick=True, sizes=(16, 40, 30, 4))
    >>> one_step.figure(result).axes[0].get_xlabel()
    'β Δ_i'
    """
    from ebm_memory.plotting.one_step import plot_one_step

    return plot_one_step(result.errors, result.census)


def _number(value) -> str:
    return "–" if value is None else f"{value:.2g}"


def _one_step_table(result: Result) -> list[str]:
    lines = [
        "One update of Model B, f(ξ) = Xᵀ softmax(β X ξ), from each pattern (ξ = x_i) and "
        "from the edge of its sphere (‖ξ − x_i‖ = 1/(βNM)), over a grid of β; a (pattern, β) "
        "pair is beyond the threshold when Δ_i ≥ 2/(βN) + ln(2(N−1)NβM²)/β (Ramsauer et "
        "al., Lemmas A5–A7 / Theorem 4). Bound: 2(N−1)M exp(−β(Δ_i − 2‖ξ − x_i‖M)) "
        "(Lemma A4 / Theorem 5).",
        "",
        "| data | query | pairs beyond threshold | max error there (measured) | theorem's "
        "bound there (max) | required | βΔ at the threshold (theorem) | largest βΔ with an "
        "error ≥ 1e-3 (measured) | bound violations |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in result.one_step.items():
        low, high = summary["theorem_beta_delta"]
        for query, row in summary["queries"].items():
            lines.append(
                f"| {name} (N={summary['n_patterns']}, d={summary['n_features']}) | {query} "
                f"| {row['pairs_beyond']} / {row['pairs']} | {_number(row['max_error_beyond'])} "
                f"| {_number(row['max_bound_beyond'])} | < {result.criterion:g} "
                f"| {low:.1f}–{high:.1f} | {row['measured_beta_delta']:.1f} "
                f"| {row['bound_violations']} |"
            )
    return lines


def _census_table(result: Result) -> list[str]:
    lines = [
        "Fixed points reached from every pattern and a noisy copy of each (noise 0.3 M), "
        "classified by n_eff = exp(entropy of the attention): single pattern n_eff < 1.5, "
        "global average n_eff ≥ N/2, metastable in between. Fractions of starts "
        "(distinct fixed points in brackets).",
        "",
        "| data | β | global average | metastable | single pattern | median n_eff "
        "(metastable) | not converged |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, census in result.fixed_points.items():
        for b, beta in enumerate(census["betas"]):
            cells = [
                f"{census['fractions'][kind][b]:.2f} ({census['distinct'][kind][b]})"
                for kind in KINDS
            ]
            lines.append(
                f"| {name} (N={census['n_patterns']}) | {beta:.3g} | {' | '.join(cells)} "
                f"| {_number(census['median_n_eff'][b])} | {census['not_converged'][b]:.2f} |"
            )
    return lines


def table(result: Result) -> str:
    """The one-step errors beside the bound and the 1e-3 requirement, and the census.

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    markdown : str
        Two tables and the separation reports.

    See Also
    --------
    ebm_memory.experiments.one_step.run : Makes the result.
    ebm_memory.experiments.one_step.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.experiments import one_step
    >>> print(one_step.table(one_step.run(quick=True, sizes=(16, 40, 30, 4))))
    One update of Model B, ...
    | random (N=16, d=64) | exact | ...
    """
    lines = [*_one_step_table(result), "", *_census_table(result)]
    for name, report in result.separation_reports.items():
        lines += ["", f"`separation_report` on {name}:", "", "```", report, "```"]
    return "\n".join(lines)
