"""``ebm-memory reproduce growth``: memories created by a nonparametric memory on streams from
its own prior (Schaeffer et al. 2024).

About ``alpha log n`` memories with a Chinese-restaurant prior, about ``n^d`` with
Pitman-Yor, and a plateau at the number of components on a finite mixture
(:mod:`ebm_memory.analysis.growth`). Each law is fitted on each of eight independent streams of
10^5 points per prior (four of 10^4 with ``quick``): the rate is the mean over the streams,
its error the standard error across them.

Examples
--------
>>> from ebm_memory.experiments import growth
>>> sorted(name for name in ("run", "figure", "table") if callable(getattr(growth, name)))
['figure', 'run', 'table']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ebm_memory.analysis.growth import (
    FiniteGrowth,
    MemoryGrowth,
    finite_mixture_growth,
    memory_growth,
)

__all__ = ["Result", "figure", "run", "table"]

CRP_ALPHA, PY_ALPHA, PY_DISCOUNT, FINITE_COMPONENTS = 5.0, 1.0, 0.5, 10


@dataclass(frozen=True, eq=False)
class Result:
    """The growth curves of the three streams' kinds.

    Parameters
    ----------
    n_points : int
        Stream length.
    n_streams : int
        Independent streams per prior.
    crp : MemoryGrowth
        The CRP prior's streams.
    pitman_yor : MemoryGrowth
        The Pitman-Yor prior's streams.
    finite : FiniteGrowth
        The finite mixture's stream.

    Examples
    --------
    >>> from ebm_memory.experiments.growth import run
    >>> result = run(quick=True)  # doctest: +SKIP
    >>> result.to_dict()["growth"][0]["prior"]  # doctest: +SKIP
    'CRP (alpha=5)'
    """

    n_points: int
    n_streams: int
    crp: MemoryGrowth
    pitman_yor: MemoryGrowth
    finite: FiniteGrowth

    def to_dict(self) -> dict:
        """The measured values as plain JSON types.

        Returns
        -------
        values : dict
            ``n_points``, ``n_streams``, ``growth`` (one row per prior: the fitted and the
            theoretical rate, their errors, the counts at the end) and ``finite_mixture``.

        Examples
        --------
        >>> from ebm_memory.experiments.growth import run
        >>> sorted(run(quick=True).to_dict())  # doctest: +SKIP
        ['figure', 'finite_mixture', 'growth', 'n_points', 'n_streams']
        """
        rows = [
            {
                "prior": f"CRP (alpha={CRP_ALPHA:g})",
                "law": "memories = alpha log n: slope on log n",
                **_fit(self.crp),
            },
            {
                "prior": f"Pitman-Yor (alpha={PY_ALPHA:g}, d={PY_DISCOUNT:g})",
                "law": "memories ~ n^d: exponent on log n",
                **_fit(self.pitman_yor),
            },
        ]
        counts = zip(map(int, self.finite.n), map(int, self.finite.memories), strict=True)
        return {
            "n_points": self.n_points,
            "n_streams": self.n_streams,
            "growth": rows,
            "finite_mixture": {
                "components": int(self.finite.n_components),
                "memories_at_n": dict(counts),
            },
            "figure": "growth.png",
        }


def _fit(result: MemoryGrowth) -> dict:
    return {
        "fitted": float(result.rate),
        "standard_error": float(result.rate_se),
        "stream_std": float(result.rate_std),
        "stream_rates": [float(rate) for rate in result.rates],
        "theory": float(result.theory_rate),
        "relative_error": float(result.relative_error),
        "mean_memories_at_end": float(result.memories[:, -1].mean()),
        "expected_at_end": float(result.expected[-1]),
        "memories_equal_components_in_stream": bool(np.array_equal(result.memories, result.tables)),
    }


def run(quick: bool = False, random_state=0) -> Result:
    """Grow memories on CRP, Pitman-Yor and finite-mixture streams.

    Parameters
    ----------
    quick : bool, default=False
        Four streams of 10^4 points per prior instead of eight of 10^5.
    random_state : int, RandomState or None, default=0
        The root seed of every stream.

    Returns
    -------
    result : Result
        The three kinds of growth curves.

    See Also
    --------
    ebm_memory.analysis.memory_growth : Grows the CRP and Pitman-Yor memories.
    ebm_memory.analysis.finite_mixture_growth : Grows the finite mixture's.
    ebm_memory.experiments.growth.figure : Draws the result.
    ebm_memory.experiments.growth.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.experiments.growth import run
    >>> result = run(quick=True)  # doctest: +SKIP
    >>> result.n_points, result.n_streams  # doctest: +SKIP
    (10000, 4)
    """
    n_points, n_streams = (10_000, 4) if quick else (100_000, 8)
    settings = {"n_points": n_points, "n_streams": n_streams, "random_state": random_state}
    crp = memory_growth("crp", alpha=CRP_ALPHA, **settings)
    pitman_yor = memory_growth("pitman-yor", alpha=PY_ALPHA, discount=PY_DISCOUNT, **settings)
    finite = finite_mixture_growth(FINITE_COMPONENTS, n_points=n_points, random_state=random_state)
    return Result(n_points, n_streams, crp, pitman_yor, finite)


def figure(result: Result):
    """The growth curves: CRP against ``log n``, Pitman-Yor on log-log, the finite plateau.

    Parameters
    ----------
    result : Result
        The output of :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two labelled panels.

    See Also
    --------
    ebm_memory.experiments.growth.run : Makes the result.
    ebm_memory.plotting.plot_memory_growth : Draws its panels.
    ebm_memory.experiments.growth.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.experiments.growth import figure, run
    >>> len(figure(run(quick=True)).axes)  # doctest: +SKIP
    2
    """
    from ebm_memory.plotting.growth import plot_memory_growth

    return plot_memory_growth(result.crp, result.pitman_yor, result.finite)


def table(result: Result) -> str:
    """The fitted growth laws beside theory, as Markdown.

    Parameters
    ----------
    result : Result
        The output of :func:`run`.

    Returns
    -------
    markdown : str
        One row per prior, then the finite mixture's counts.

    See Also
    --------
    ebm_memory.experiments.growth.run : Makes the result.
    ebm_memory.experiments.growth.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.experiments.growth import run, table
    >>> print(table(run(quick=True)))  # doctest: +SKIP
    Streams of 10,000 points (4 per prior, ...
    """
    values = result.to_dict()
    lines = [
        f"Streams of {values['n_points']:,} points ({values['n_streams']} per prior, "
        "independent seeds) from each prior's own generative process (well-separated "
        "components in 8-D). The law is fitted on each stream; fitted = mean over the "
        "streams ± standard error of that mean (the streams' standard deviation / "
        f"sqrt({values['n_streams']})).",
        "",
        "| prior | law | fitted (mean ± s.e.) | std across streams | theory | relative error "
        "| memories at the end (mean) | expected |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in values["growth"]:
        lines.append(
            f"| {row['prior']} | {row['law']} | {row['fitted']:.3f} ± "
            f"{row['standard_error']:.3f} | {row['stream_std']:.3f} | {row['theory']:g} "
            f"| {row['relative_error']:.1%} | {row['mean_memories_at_end']:.1f} "
            f"| {row['expected_at_end']:.1f} |"
        )
    finite = values["finite_mixture"]
    counts = ", ".join(f"{n:,}: {k}" for n, k in finite["memories_at_n"].items())
    lines += [
        "",
        f"Finite mixture of {finite['components']} components (CRP prior), memories after n "
        f"points: {counts}.",
    ]
    return "\n".join(lines)
