"""Figures of the capacity of Model A against ``N``
(:func:`~ebm_memory.analysis.capacity.capacity_curve`)."""

from __future__ import annotations

import math

import numpy as np

from ebm_memory.analysis.capacity_fit import fit_growth
from ebm_memory.analysis.capacity_theory import AGS_CAPACITY, error_free_law
from ebm_memory.plotting._style import LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_capacity"]


def _minor_label(value: float, _) -> str:
    """Minor ticks of log axes: label 2 and 5 times a power of ten (3 would crowd 2)."""
    mantissa = value / 10 ** math.floor(math.log10(value)) if value > 0 else 0.0
    return f"{value:g}" if min(abs(mantissa - k) for k in (2, 5)) < 1e-6 else ""


def _exact_label(degree: int) -> str:
    return {0: "sqrt(2 ln2 2^N / N)", 2: "N / (2 ln N)"}.get(
        degree, f"N^{degree - 1} / (2 ({2 * degree - 3})!! ln N)"
    )


def _panel(ax, title: str, curve) -> None:
    """Both capacities of one curve with their fitted laws and the theory lines."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    n = np.asarray(curve.n, dtype=np.float64)
    fine = np.linspace(n.min(), n.max(), 100)
    power = curve.law == "power"
    slope_name = "exponent" if power else "rate"
    for index, (key, criterion, label) in enumerate(
        (
            ("capacity", "error", f"<= {curve.error_threshold:.0%} errors"),
            ("exact_capacity", "exact", "error-free"),
        )
    ):
        fit = fit_growth(curve, criterion)
        values, errors = getattr(curve, key), getattr(curve, f"{key}_se")
        color, marker = PALETTE[index], MARKERS[index]
        ax.errorbar(n, values, yerr=errors, fmt=marker, color=color, capsize=3)
        x = np.log(fine) if power else fine
        ax.plot(
            fine,
            np.exp(fit.intercept + fit.slope * x),
            color=color,
            marker=marker,
            markevery=[],
            label=f"{label}: {slope_name} {fit.slope:.2f} [{fit.ci_low:.2f}, {fit.ci_high:.2f}]",
        )
    if curve.degree == 2:
        ax.plot(fine, AGS_CAPACITY * fine, "k", ls=LINESTYLES[1], label="0.138 N (AGS)")
    law = error_free_law(fine, curve.degree)
    ax.plot(
        fine,
        law,
        "k",
        ls=LINESTYLES[2],
        label=f"one pattern error-free: {_exact_label(curve.degree)}",
    )
    ax.set_yscale("log")
    ax.set_xscale("log" if power else "linear")
    ax.set_xticks(n, [f"{value:g}" for value in n], minor=False)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(_minor_label))
    ax.set_title(title)
    ax.set_xlabel("neurons N")
    ax.set_ylabel("stored patterns P")
    ax.legend(fontsize="x-small")


@styled
def plot_capacity(curves: dict):
    """One panel per capacity curve: both capacities, their growth laws and the theory.

    Each panel shows the two capacities with bootstrap standard errors, their fitted growth
    laws and the theory lines (``0.138 N`` for the classical network,
    :func:`~ebm_memory.analysis.capacity_theory.error_free_capacity`).

    Parameters
    ----------
    curves : dict of str to CapacityCurve
        Panel title -> :func:`~ebm_memory.analysis.capacity.capacity_curve` result.

    Returns
    -------
    figure : matplotlib.figure.Figure
        One panel per curve.

    See Also
    --------
    ebm_memory.analysis.capacity_curve : Measures each curve.
    ebm_memory.analysis.fit_growth : The growth laws drawn.
    ebm_memory.experiments.capacity.figure : The capacity reproduction's figure.

    Examples
    --------
    >>> from ebm_memory.analysis.capacity import capacity_curve
    >>> from ebm_memory.energies import interactions
    >>> from ebm_memory.plotting import plot_capacity
    >>> curve = capacity_curve(interactions.polynomial(3), [12, 16], n_trials=2, n_bootstrap=20)
    >>> len(plot_capacity({"cubic": curve}).axes)
    1
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        1, len(curves), figsize=(4.4 * len(curves), 4.4), squeeze=False, layout="constrained"
    )
    for ax, (title, curve) in zip(axes[0], curves.items(), strict=True):
        _panel(ax, title, curve)
    figure.suptitle(
        "Capacity against network size: measured (± bootstrap s.e.), fitted growth laws, theory"
    )
    return figure
