"""``ebm-memory reproduce kde_capacity``: the number of points a Gaussian KDE on a sphere
keeps as memories (fixed points of mean shift) against ``N``, ``D`` and the bandwidth,
beside Ramsauer et al.'s bound with ``beta = 1 / sigma^2`` (Schaeffer et al. 2024).

The measurements are :func:`~ebm_memory.analysis.kde_capacity`'s.

Examples
--------
>>> from ebm_memory.experiments import kde_capacity
>>> kde_capacity.QUICK["sigma_sweep"]
(6, (0.2, 0.3, 0.4))
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ebm_memory.analysis.kde_capacity import KDECapacity, kde_capacity
from ebm_memory.analysis.kde_capacity_fits import regime_fits
from ebm_memory.analysis.kde_capacity_theory import merge_distance
from ebm_memory.experiments._result import FIGURE_ONLY, JsonResult

__all__ = ["FULL", "QUICK", "Result", "figure", "run", "table"]

FULL = {
    "dimension_sweeps": {0.3: (4, 6, 8, 10, 12, 16, 24, 32), 0.2: (3, 4, 5, 6, 7, 8, 9, 10)},
    "sigma_sweep": (8, (0.15, 0.2, 0.25, 0.3, 0.4, 0.5)),
    "settings": {"n_trials": 16, "n_probes": 32, "n_max": 2**15},
}
"""The full run: sweeps over ``D`` by ``sigma / r``, the bandwidth sweep, the census sizes."""
QUICK = {
    "dimension_sweeps": {0.3: (4, 6, 8, 10)},
    "sigma_sweep": (6, (0.2, 0.3, 0.4)),
    "settings": {"n_trials": 8, "n_probes": 16, "n_max": 2**11},
}
"""The quick run."""


@dataclass(frozen=True)
class Result(JsonResult):
    """Capacities of Gaussian KDEs against ``D`` and against the bandwidth.

    Parameters
    ----------
    n_trials, n_probes, n_max : int
        The census sizes.
    level, tolerance, merge_distance : float
        The capacity's fraction, the tolerance of a memory and the pairwise distance.
    dimension_sweeps : list of dict
        Per ``sigma / r``: its rows (one per ``D``) and exponential fits.
    sigma_sweep : dict
        ``n_features`` and the rows of the bandwidth sweep.
    bound_violations : int
        Tested points that met Ramsauer et al.'s condition yet were lost.
    max_undecided : float
        Largest fraction of tested points still moving after the last update.
    sweeps : tuple of KDECapacity
        The dimension sweeps then the bandwidth sweep, drawn by :func:`figure` (not in
        :meth:`to_dict`).

    Examples
    --------
    >>> from ebm_memory.experiments.kde_capacity import Result
    >>> Result(8, 16, 64, 0.9, 0.5, 2.1, [], {}, 0, 0.0).to_dict()["n_max"]
    64
    """

    n_trials: int
    n_probes: int
    n_max: int
    level: float
    tolerance: float
    merge_distance: float
    dimension_sweeps: list
    sigma_sweep: dict
    bound_violations: int
    max_undecided: float
    sweeps: tuple = field(default=(), repr=False, metadata=FIGURE_ONLY)


def _rows(sweep: KDECapacity) -> list[dict]:
    names = ("capacity", "bound_capacity", "pairwise_capacity", "ceiling")
    return [
        {
            "n_features": int(sweep.n_features[i]),
            "sigma_over_r": float(sweep.sigma_over_r[i]),
            "censored": bool(sweep.censored[i]),
            **{name.removesuffix("_capacity"): float(getattr(sweep, name)[i]) for name in names},
            "n": curve.n.tolist(),
            "fraction": curve.fraction.tolist(),
        }
        for i, curve in enumerate(sweep.curves)
    ]


def _fits(sweep: KDECapacity) -> dict:
    fits = regime_fits(sweep)
    out = {"fit_dims": fits.fit_dims}
    for name in ("measured", "bound", "pairwise"):
        fit = getattr(fits, name)
        out[name] = None if fit is None else fit._asdict()
    return out


def run(quick: bool = False, random_state: int = 0, *, config=None) -> Result:
    """Capacity of Gaussian KDEs against ``D`` and against ``sigma / r``.

    The full run sweeps ``D`` at ``sigma / r`` = 0.3 and 0.2 and ``sigma / r`` at
    ``D = 8`` (:data:`FULL`); ``quick``: ``sigma / r = 0.3`` and ``D <= 10`` only, the
    bandwidth sweep at ``D = 6``, fewer trials (:data:`QUICK`).

    Parameters
    ----------
    quick : bool, default=False
        Run :data:`QUICK` instead of :data:`FULL`.
    random_state : int, default=0
        Seeds the points of every KDE (with its ``D``).
    config : dict, default=None
        A configuration shaped like :data:`FULL`, replacing it.

    Returns
    -------
    result : Result
        Rows beside the predictions, fits and checks.

    See Also
    --------
    ebm_memory.analysis.kde_capacity : Measures each sweep.
    ebm_memory.experiments.kde_capacity.figure : Draws the result.
    ebm_memory.experiments.kde_capacity.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.experiments import kde_capacity
    >>> config = {"dimension_sweeps": {0.3: (3, 4)}, "sigma_sweep": (4, (0.3, 0.4)),
    ...           "settings": {"n_trials": 2, "n_probes": 8, "n_max": 64}}
    >>> result = kde_capacity.run(config=config)
    >>> [row["n_features"] for row in result.dimension_sweeps[0]["rows"]]
    [3, 4]
    """
    config = config or (QUICK if quick else FULL)
    settings = config["settings"] | {"random_state": random_state}
    sweeps = [kde_capacity(list(d), s, **settings) for s, d in config["dimension_sweeps"].items()]
    dim, sigmas = config["sigma_sweep"]
    sigma_sweep = kde_capacity(dim, list(sigmas), **settings)
    curves = [c for sweep in (*sweeps, sigma_sweep) for c in sweep.curves]
    return Result(
        **config["settings"],
        level=sweeps[0].level,
        tolerance=sweeps[0].tolerance,
        merge_distance=merge_distance(sweeps[0].tolerance),
        dimension_sweeps=[
            {
                "sigma_over_r": float(sweep.sigma_over_r[0]),
                "rows": _rows(sweep),
                "fits": _fits(sweep),
            }
            for sweep in sweeps
        ],
        sigma_sweep={"n_features": dim, "rows": _rows(sigma_sweep)},
        bound_violations=int(sum(c.bound_violations.sum() for c in curves)),
        max_undecided=float(max(c.undecided.max() for c in curves)),
        sweeps=(*sweeps, sigma_sweep),
    )


def figure(result: Result):
    """The fraction that remain memories, and the capacity against ``D`` and ``sigma / r``.

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Three labelled panels (:func:`~ebm_memory.plotting.plot_kde_capacity`).

    See Also
    --------
    ebm_memory.experiments.kde_capacity.run : Makes the result.
    ebm_memory.plotting.plot_kde_capacity : Draws its panels.
    ebm_memory.experiments.kde_capacity.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.experiments import kde_capacity
    >>> config = {"dimension_sweeps": {0.3: (3, 4)}, "sigma_sweep": (4, (0.3, 0.4)),
    ...           "settings": {"n_trials": 2, "n_probes": 8, "n_max": 64}}
    >>> len(kde_capacity.figure(kde_capacity.run(config=config)).axes)
    3
    """
    from ebm_memory.plotting.kde_capacity import plot_kde_capacity

    return plot_kde_capacity(list(result.sweeps[:-1]), result.sweeps[-1])


def _rate_label(fit: dict) -> str:
    return f"{fit['rate']:.2f} [{fit['rate_ci'][0]:.2f}, {fit['rate_ci'][1]:.2f}]"


def _capacity_table(result: Result) -> list[str]:
    lines = [
        "Points uniform on a sphere of radius r in R^D stored in a Gaussian KDE of bandwidth "
        "sigma (beta = 1/sigma^2). A point remains a memory when mean shift from it converges "
        f"within {result.tolerance:g} sigma of it (and of no other point); capacity N*: the "
        f"number of stored points at which {result.level:.0%} remain "
        f"({result.n_trials} trials x {result.n_probes} tested points). Bound: Ramsauer "
        "et al.'s separation condition with the exact law of the nearest-neighbour distance "
        f"(a lower bound); pairwise: nearest neighbour beyond {result.merge_distance:.3f} "
        "sigma (an estimate).",
        "",
        "| sigma/r | D | measured N* | Ramsauer separation bound | pairwise merging | "
        "D -> inf ceiling | bound <= measured |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [row for sweep in result.dimension_sweeps for row in sweep["rows"]]
    rows = {(r["sigma_over_r"], r["n_features"]): r for r in rows + result.sigma_sweep["rows"]}
    for (sigma, dim), row in sorted(rows.items()):
        lines.append(
            f"| {sigma:g} | {dim} | {'>= ' if row['censored'] else ''}{row['capacity']:.3g} | "
            f"{row['bound']:.3g} | {row['pairwise']:.3g} | {row['ceiling']:.3g} | "
            f"{'yes' if row['bound'] <= row['capacity'] else 'NO'} |"
        )
    return lines


def table(result: Result) -> str:
    """The measured capacity beside the bound, the pairwise estimate and the ceiling.

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    markdown : str
        The capacities at every ``(sigma / r, D)``, the exponential rates and the checks.

    See Also
    --------
    ebm_memory.experiments.kde_capacity.run : Makes the result.
    ebm_memory.experiments.kde_capacity.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.experiments import kde_capacity
    >>> config = {"dimension_sweeps": {0.3: (3, 4)}, "sigma_sweep": (4, (0.3, 0.4)),
    ...           "settings": {"n_trials": 2, "n_probes": 8, "n_max": 64}}
    >>> print(kde_capacity.table(kde_capacity.run(config=config)))
    Points uniform on a sphere ...
    | 0.3 | 3 | ...
    """
    lines = _capacity_table(result) + [
        "",
        "Fits log N* = a + b D over D <= (r/sigma)^2, rate b per dimension [95% interval]:",
        "",
        "| sigma/r | D fitted | measured rate | bound rate | pairwise rate |",
        "|---|---|---|---|---|",
    ]
    for sweep in result.dimension_sweeps:
        fits = sweep["fits"]
        if fits["measured"] is not None:
            lines.append(
                f"| {sweep['sigma_over_r']:g} | {', '.join(map(str, fits['fit_dims']))} | "
                f"{_rate_label(fits['measured'])} | {fits['bound']['rate']:.2f} | "
                f"{fits['pairwise']['rate']:.2f} |"
            )
    lines += [
        "",
        f"Tested points that met Ramsauer et al.'s condition yet were lost: "
        f"{result.bound_violations}. Largest fraction of tested points still moving after "
        f"the last update (counted as lost): {result.max_undecided:.3f}.",
    ]
    return "\n".join(lines)
