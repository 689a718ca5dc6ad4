"""Figures of the memory capacity of Gaussian kernel density estimators
(:mod:`ebm_memory.analysis.kde_capacity`)."""

from __future__ import annotations

import numpy as np

from ebm_memory.analysis.kde_capacity_fits import regime_fits
from ebm_memory.plotting._style import COLORMAP, LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_kde_capacity"]

PREDICTIONS = (
    ("pairwise_capacity", LINESTYLES[1], "pairwise merging estimate"),
    ("bound_capacity", LINESTYLES[2], "Ramsauer bound"),
    ("ceiling", LINESTYLES[3], "D -> ∞ ceiling"),
)


def _rate_label(fit) -> str:
    return f"{fit.rate:.2f} [{fit.rate_ci[0]:.2f}, {fit.rate_ci[1]:.2f}]"


def _capacity_panel(ax, x, sweep, index, top, labels=False):
    """Measured capacity (open markers: censored), pairwise (dashed), Ramsauer bound (dotted)
    and the ``D -> infinity`` ceiling (dash-dot) against ``x``, in style ``index``."""
    censored, colour, marker = sweep.censored, PALETTE[index], MARKERS[index]
    ax.plot(x[censored], sweep.capacity[censored], marker, color=colour, mfc="none")
    measured = "measured capacity" if labels else None
    ax.plot(x[~censored], sweep.capacity[~censored], marker, color=colour, label=measured)
    for key, style, name in PREDICTIONS:
        ax.plot(
            x, getattr(sweep, key), color=colour, ls=style, lw=1, label=name if labels else None
        )
    return max(top, 30 * sweep.capacity.max())


def _plain_log_labels(axis) -> None:
    """Log-axis labels as plain numbers, the minor ones at 2 and 5 times a power of ten."""
    from matplotlib.ticker import FuncFormatter

    from ebm_memory.plotting.capacity import _minor_label

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(FuncFormatter(_minor_label))


def _curves_panel(ax, sweep) -> None:
    """The fraction that remain memories against ``N``, one curve per ``D``."""
    import matplotlib.pyplot as plt

    colours = plt.get_cmap(COLORMAP)(np.linspace(0, 0.9, len(sweep.curves)))
    for d, curve, colour in zip(sweep.n_features, sweep.curves, colours, strict=True):
        n, style = curve.n, {"color": colour, "lw": 1}
        ax.errorbar(
            n, curve.fraction, curve.fraction_se, marker="o", ms=3, label=f"D = {d}", **style
        )
        ax.plot(n, curve.pairwise, ls=LINESTYLES[1], **style)
        ax.plot(n, curve.bound, ls=LINESTYLES[2], **style)
    ax.axhline(sweep.level, color="grey", lw=0.8, label=f"capacity level {sweep.level:g}")
    ax.set_title(f"points that remain memories, σ/r = {sweep.sigma_over_r[0]:g}")
    ax.set(xscale="log", xlabel="stored points N", ylabel="fraction that remain memories")
    _plain_log_labels(ax.xaxis)
    ax.legend(ncols=2)


def _dimension_panel(ax, dimension_sweeps) -> None:
    """Capacities against ``D`` with the exponential fits of each ``sigma / r``."""
    top = 1.0
    for index, sweep in enumerate(dimension_sweeps[:3]):
        dims, fit = sweep.n_features, regime_fits(sweep)
        top = _capacity_panel(ax, dims, sweep, index, top)
        if fit.measured is not None:
            x = np.asarray(fit.fit_dims)
            line = np.exp(fit.measured.intercept + fit.measured.rate * x)
            label = f"σ/r = {sweep.sigma_over_r[0]:g}: "
            label += f"rate {_rate_label(fit.measured)} per D"
            style = {"color": PALETTE[index], "marker": MARKERS[index], "markevery": []}
            ax.plot(x, line, label=label, **style)
    ax.set_title("capacity at fixed σ/r, fitted exponentials")
    ax.set(yscale="log", ylim=(0.8, top), xlabel="dimension D", ylabel="capacity N* (points)")
    ax.legend()


@styled
def plot_kde_capacity(dimension_sweeps: list, sigma_sweep, curves_from: int = 0):
    """The capacity of Gaussian KDEs against ``N``, ``D`` and the bandwidth, in three panels.

    The fraction of stored points that remain memories against ``N`` (one curve per ``D``
    of ``dimension_sweeps[curves_from]``); the capacity against ``D`` (log scale,
    exponential fits over ``D <= (r/sigma)^2``); and against ``sigma / r``. Dashed:
    pairwise estimate; dotted: Ramsauer bound; dash-dot: ``D -> infinity`` ceiling.

    Parameters
    ----------
    dimension_sweeps : list of KDECapacity
        :func:`~ebm_memory.analysis.kde_capacity` results over ``D``, each at one
        ``sigma / r`` (three at most are coloured apart).
    sigma_sweep : KDECapacity
        A result over ``sigma / r`` at one ``D``.
    curves_from : int, default=0
        The sweep whose curves the first panel draws.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The three panels.

    See Also
    --------
    ebm_memory.analysis.kde_capacity : Measures each sweep.
    ebm_memory.experiments.kde_capacity.figure : The KDE-capacity reproduction's figure.

    Examples
    --------
    >>> from ebm_memory.analysis import kde_capacity
    >>> from ebm_memory.plotting import plot_kde_capacity
    >>> settings = {"n_max": 64, "n_trials": 2, "n_probes": 8}
    >>> dims = kde_capacity([3, 4], 0.3, **settings)
    >>> figure = plot_kde_capacity([dims], kde_capacity(4, [0.3, 0.4], **settings))
    >>> [ax.get_xlabel() for ax in figure.axes]
    ['stored points N', 'dimension D', 'bandwidth σ / r']
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(16, 5.2), layout="constrained")
    _curves_panel(axes[0], dimension_sweeps[curves_from])
    _dimension_panel(axes[1], dimension_sweeps)
    top = _capacity_panel(axes[2], sigma_sweep.sigma_over_r, sigma_sweep, 7, 1.0, labels=True)
    axes[2].set_title(f"capacity against bandwidth, D = {sigma_sweep.n_features[0]}")
    axes[2].set(xscale="log", yscale="log", ylim=(0.8, top), xlabel="bandwidth σ / r")
    axes[2].set_ylabel("capacity N* (points)")
    _plain_log_labels(axes[2].xaxis)
    axes[2].legend()
    figure.suptitle(
        "Memory capacity of Gaussian KDEs (dashed: pairwise merging estimate; dotted: Ramsauer "
        "bound; dash-dot: D -> ∞ ceiling; open markers: censored)"
    )
    return figure
