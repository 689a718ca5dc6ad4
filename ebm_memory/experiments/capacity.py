"""``ebm-memory reproduce capacity``: every Model A interaction's capacity against ``N``.

Random +-1 patterns are stored in the classical, polynomial (``n = 3, 4``) and exponential
networks (:data:`MODELS`); :func:`~ebm_memory.analysis.capacity.capacity_curve` measures
both capacities, and their growth laws are set beside the published ones (Amit, Gutfreund
& Sompolinsky's ``0.138 N``; Krotov & Hopfield's ``N^(n-1)``; Demircigil et al.'s
``exp(N ln(2) / 2)``).

Examples
--------
>>> from ebm_memory.experiments import capacity
>>> [title for title, *_ in capacity.MODELS][0]
'classical, F = x^2'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ebm_memory.analysis.capacity import capacity_curve
from ebm_memory.analysis.capacity_fit import CapacityCurve, fit_growth
from ebm_memory.analysis.capacity_theory import (
    AGS_CAPACITY,
    EXPONENTIAL_BOUND_RATE,
    ags_load,
    error_free_law,
    exponential_snr_rate,
)
from ebm_memory.energies import interactions
from ebm_memory.experiments._result import FIGURE_ONLY, JsonResult

__all__ = ["MODELS", "Result", "figure", "run", "table"]

ERROR_THRESHOLD = 0.01
MODELS = (  # title, interaction, (full, quick) N, (full, quick) trials, sweeps
    ("classical, F = x^2", interactions.classical(), ((100, 200, 300, 400, 500), (100, 200)),
     (12, 6), 100),
    ("polynomial, F = x^3", interactions.polynomial(3), ((24, 32, 48, 64, 96), (24, 32)),
     (8, 4), 100),
    ("polynomial, F = x^4", interactions.polynomial(4), ((12, 16, 20, 26, 32), (12, 16)),
     (8, 4), 100),
    ("exponential, F = exp(x)", interactions.exponential(1.0), (tuple(range(10, 16)), (10, 12)),
     (24, 8), 1),
)  # fmt: skip
"""Title, interaction, (full, quick) sizes ``N``, (full, quick) trials, sweeps."""


@dataclass(frozen=True)
class Result(JsonResult):
    """The capacities of every model of :data:`MODELS`.

    Parameters
    ----------
    error_threshold : float
        The bit error that defines the capacity.
    ags_load_at_threshold : float
        Amit, Gutfreund & Sompolinsky's load at that bit error.
    classical_loads : dict
        The classical network's ``P / N`` beside 0.138: ``n``, ``load``, ``load_se``,
        ``deviation``, ``within_15pct`` (lists).
    models : list of dict
        Per model: its sizes, both capacities and the fitted laws beside the theory.
    curves : dict of str to CapacityCurve
        The measured curves, by model title (drawn by :func:`figure`, not in
        :meth:`to_dict`).

    Examples
    --------
    >>> from ebm_memory.experiments.capacity import Result
    >>> Result(0.01, 0.135, {}, []).to_dict()["error_threshold"]
    0.01
    """

    error_threshold: float
    ags_load_at_threshold: float
    classical_loads: dict
    models: list
    curves: dict = field(default_factory=dict, repr=False, metadata=FIGURE_ONLY)


def _local_slope(curve: CapacityCurve) -> float:
    """Slope of the error-free formula itself over the measured ``N`` (its finite-N rate)."""
    n = np.asarray(curve.n, dtype=np.float64)
    x = np.log(n) if curve.law == "power" else n
    return float(np.polyfit(x, np.log(error_free_law(n, curve.degree)), 1)[0])


def _fits(curve: CapacityCurve) -> dict:
    """Both fitted laws beside their theoretical exponents or rates."""
    degree = curve.degree
    fits = {criterion: fit_growth(curve, criterion)._asdict() for criterion in ("error", "exact")}
    fits["error"] |= {
        "theory": degree - 1.0 if degree else exponential_snr_rate(1.0),
        "theory_local": None,
    }
    fits["exact"] |= {
        "theory": degree - 1.0 if degree else EXPONENTIAL_BOUND_RATE,
        "theory_local": _local_slope(curve),
    }
    for fit in fits.values():
        fit["deviation"] = abs(fit["slope"] - fit["theory"])
        fit["within_0.3"] = None
    if degree:
        fits["error"]["within_0.3"] = bool(fits["error"]["deviation"] <= 0.3)
    return fits


def _model_row(title: str, curve: CapacityCurve, n_trials: int, sweeps: int) -> dict:
    fits = _fits(curve)
    keys = ("n", "capacity", "capacity_se", "exact_capacity", "exact_capacity_se")
    return (
        {"model": title, "degree": curve.degree, "n_trials": n_trials, "sweeps": sweeps}
        | {key: getattr(curve, key).tolist() for key in (*keys, "theory_exact")}
        | {"fit_error": fits["error"], "fit_exact": fits["exact"]}
    )


def _classical_loads(curve: CapacityCurve) -> dict:
    loads = curve.capacity / curve.n
    return {
        "n": curve.n.tolist(),
        "load": loads.tolist(),
        "load_se": (curve.capacity_se / curve.n).tolist(),
        "deviation": (loads / AGS_CAPACITY - 1.0).tolist(),
        "within_15pct": (np.abs(loads / AGS_CAPACITY - 1.0) <= 0.15).tolist(),
    }


def run(quick: bool = False, random_state: int = 0, *, models=MODELS) -> Result:
    """Capacities of the classical, polynomial and exponential networks against ``N``.

    Parameters
    ----------
    quick : bool, default=False
        The two smallest ``N`` per network and fewer trials.
    random_state : int, default=0
        Seeds the patterns and the bootstrap of every curve.
    models : sequence of tuple, default=MODELS
        The networks, as in :data:`MODELS`; the first is the classical network (its loads
        are set beside 0.138).

    Returns
    -------
    result : Result
        The curves, their growth laws and the classical loads.

    See Also
    --------
    ebm_memory.analysis.capacity_curve : Measures each network's capacities.
    ebm_memory.analysis.fit_growth : Fits their growth laws.
    ebm_memory.experiments.capacity.figure : Draws the result.
    ebm_memory.experiments.capacity.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.energies import interactions
    >>> from ebm_memory.experiments import capacity
    >>> cubic = ("cubic", interactions.polynomial(3), ((12, 16), (12, 16)), (2, 2), 100)
    >>> result = capacity.run(quick=True, models=[cubic])
    >>> result.models[0]["n"]
    [12, 16]
    """
    curves, rows = {}, []
    for title, interaction, sizes, trials, sweeps in models:
        n_trials = trials[quick]
        curve = capacity_curve(
            interaction, sizes[quick], n_trials=n_trials, max_iter=sweeps, random_state=random_state
        )
        curves[title] = curve
        rows.append(_model_row(title, curve, n_trials, sweeps))
    return Result(
        error_threshold=ERROR_THRESHOLD,
        ags_load_at_threshold=ags_load(ERROR_THRESHOLD),
        classical_loads=_classical_loads(curves[models[0][0]]),
        models=rows,
        curves=curves,
    )


def figure(result: Result):
    """One panel per network: both capacities, their growth laws and the theory lines.

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The labelled panels (:func:`~ebm_memory.plotting.plot_capacity`).

    See Also
    --------
    ebm_memory.experiments.capacity.run : Makes the result.
    ebm_memory.plotting.plot_capacity : Draws its panels.
    ebm_memory.experiments.capacity.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.energies import interactions
    >>> from ebm_memory.experiments import capacity
    >>> cubic = ("cubic", interactions.polynomial(3), ((12, 16), (12, 16)), (2, 2), 100)
    >>> capacity.figure(capacity.run(quick=True, models=[cubic])).axes[0].get_xlabel()
    'neurons N'
    """
    from ebm_memory.plotting.capacity import plot_capacity

    return plot_capacity(result.curves)


def _cell(value, spec: str = ".3f") -> str:
    if value is None:
        return "-"
    return ("yes" if value else "no") if isinstance(value, bool) else format(value, spec)


def _classical_table(result: Result) -> list[str]:
    classical, loads = result.models[0], result.classical_loads
    lines = [
        f"Classical network, {classical['n_trials']} trials per load (AGS: 0.138 N; their "
        f"retrieval states have 1% errors at {result.ags_load_at_threshold:.3f} N):",
        "",
        "| N | P at 1% errors | P / N | published | deviation | within 15% | error-free P "
        "| N / (2 ln N) | N / (4 ln N) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, n in enumerate(loads["n"]):
        lines.append(
            f"| {n} | {classical['capacity'][i]:.1f} ± {classical['capacity_se'][i]:.1f} | "
            f"{loads['load'][i]:.4f} ± {loads['load_se'][i]:.4f} | {AGS_CAPACITY} | "
            f"{loads['deviation'][i]:+.1%} | {_cell(loads['within_15pct'][i])} | "
            f"{classical['exact_capacity'][i]:.1f} ± {classical['exact_capacity_se'][i]:.1f} "
            f"| {classical['theory_exact'][i]:.1f} | {n / (4 * math.log(n)):.1f} |"
        )
    return lines


def _growth_table(result: Result) -> list[str]:
    lines = [
        "Growth laws: least squares of ln P on ln N (on N for the exponential network), 95% "
        "bootstrap interval. Theory: n - 1; for the exponential, 2 - ln cosh 2 (signal-to-"
        "noise estimate, 1% errors) and Demircigil et al.'s ln(2)/2 (error-free). Finite N: "
        "the slope of the error-free formula itself over the same N.",
        "",
        "| model | criterion | N | fitted | 95% CI | theory | finite-N theory | deviation "
        "| within 0.3 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for model in result.models:
        for key, name in (("fit_error", "1% errors"), ("fit_exact", "error-free")):
            fit = model[key]
            lines.append(
                f"| {model['model']} | {name} | {model['n'][0]}-{model['n'][-1]} | "
                f"{fit['slope']:.3f} | [{fit['ci_low']:.3f}, {fit['ci_high']:.3f}] | "
                f"{fit['theory']:.3f} | {_cell(fit['theory_local'])} | "
                f"{fit['deviation']:.3f} | {_cell(fit['within_0.3'])} |"
            )
    return lines


def table(result: Result) -> str:
    """The classical loads beside 0.138, and the growth laws beside the theory (Markdown).

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    markdown : str
        An introduction and two tables.

    See Also
    --------
    ebm_memory.experiments.capacity.run : Makes the result.
    ebm_memory.experiments.capacity.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.energies import interactions
    >>> from ebm_memory.experiments import capacity
    >>> classical = ("classical", interactions.classical(), ((40, 60), (40, 60)), (2, 2), 100)
    >>> print(capacity.table(capacity.run(quick=True, models=[classical])))
    Random +-1 patterns; ...
    | classical | 1% errors | 40-60 | ...
    """
    intro = (
        "Random +-1 patterns; retrieval (asynchronous sweeps to convergence; one sweep for "
        "the exponential network) starts at every stored pattern. Capacity: the load at which "
        f"the mean final bit error reaches {result.error_threshold:.0%}; error-free: the "
        "load at which half of the trials keep every bit of every pattern. Both interpolated "
        "in log P, +- bootstrap standard error over trials."
    )
    return "\n".join([intro, "", *_classical_table(result), "", *_growth_table(result)])
