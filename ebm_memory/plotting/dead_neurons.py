"""Figures of dead neurons' flat regions and of the altered dynamics' Lyapunov functions
(:mod:`ebm_memory.analysis.dead_neuron_study`)."""

from __future__ import annotations

import numpy as np

from ebm_memory.analysis.dead_neuron_study import fixed_point_kind
from ebm_memory.plotting._style import COLORMAP, LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_dead_neurons"]

KINDS = ("retrieval", "mixture", "origin (kink)")


def _plane_panel(figure, ax, plane) -> None:
    """The energy on the plane of two dead neurons, flat region shaded, with trajectories."""
    a, b = np.meshgrid(plane.grid, plane.grid)
    contour = ax.contourf(a, b, plane.energy, levels=30, cmap=COLORMAP)
    figure.colorbar(contour, ax=ax, label="energy E (dimensionless)")
    ax.fill_between([-3, 0], -3, 0, color="white", alpha=0.35, hatch="//", label="flat region")
    for path in plane.paths:
        ax.plot(path[:, 0], path[:, 1], color=PALETTE[1], lw=1.2)
    ax.plot(*plane.fixed_point, "w*", ms=14, mec="k", label="fixed point")
    ax.set(xlabel=f"h{plane.dead[0]} (dead)", ylabel=f"h{plane.dead[1]} (dead)")
    ax.plot([], [], color=PALETTE[1], label="trajectories")
    ax.set_title("energy on the plane of two dead neurons")
    ax.legend(loc="upper right")


def _spectra_panel(ax, rows, tau_h) -> None:
    """Real parts of the full Jacobian's spectrum and of its restriction to the range."""
    for k, kind in enumerate(KINDS):
        row = next(r for r in rows if fixed_point_kind(r) == kind)
        full, restricted = row["full_eigenvalues"], row["range_eigenvalues"]
        first = k == 0
        ax.plot(full, [k + 0.1] * len(full), MARKERS[0], mfc="none", color=PALETTE[0],
                label="full Jacobian" if first else None)  # fmt: skip
        ax.plot(restricted, [k - 0.1] * len(restricted), MARKERS[6], color=PALETTE[1],
                label="restricted to the Hessian's range" if first else None)  # fmt: skip
    ax.axvline(0, color="k", lw=0.8)
    ax.axvline(-1 / tau_h, color="gray", ls=LINESTYLES[2], label="-1/τ_h (flat directions)")
    ax.set_yticks(range(len(KINDS)), KINDS)
    ax.set(xlabel="real part of eigenvalue (1 / time)", ylabel="fixed point")
    ax.set_title("Jacobian spectra at the fixed points")
    ax.legend()


def _basin_panel(ax, rows, radii) -> None:
    for k, kind in enumerate(KINDS):
        row = next(r for r in rows if fixed_point_kind(r) == kind)
        style = {"color": PALETTE[k], "marker": MARKERS[k], "ls": LINESTYLES[k]}
        ax.plot(radii, row["basin_fraction"], label=f"{kind}: {row['label']}", **style)
    ax.set(xlabel="perturbation radius", ylabel="fraction returning", ylim=(-0.05, 1.05))
    ax.set_xscale("log")
    ax.set_title("basin size by sampled perturbations")
    ax.legend()


def _slice_panel(ax, traces) -> None:
    ax.plot(traces.shifts, traces.energy, "k", lw=2, label="energy E (original)")
    for k, (fraction, values) in enumerate(traces.slices.items()):
        style = {"color": PALETTE[k], "ls": LINESTYLES[k + 1]}
        ax.plot(traces.shifts, values, label=f"V_c, c = {fraction:g} c_max", **style)
    ax.axvspan(-3, 0, color="gray", alpha=0.15, label="neuron dead")
    ax.set(xlabel=f"h{traces.dead} through the fixed point", ylabel="function value")
    ax.set_title("altered dynamics: Lyapunov functions are not flat")
    ax.legend()


def _decrease_panel(ax, traces) -> None:
    for i, (fraction, values) in enumerate(traces.paths.items()):
        gap = values[:6] - traces.at_fixed_point[fraction] + 1e-16
        style = {"color": PALETTE[i], "ls": LINESTYLES[i + 1]}
        ax.semilogy(traces.times, gap.T, lw=1, alpha=0.7, **style)
        ax.plot([], [], label=f"c = {fraction:g} c_max", **style)
    ax.set(xlabel="time t (units of τ_f)", ylabel="V_c(t) - V_c(end)")
    ax.set_title("non-symmetric W_fb = S W^T: V_c decreases")
    ax.legend()


def _recovery_panel(ax, recovery) -> None:
    before = sorted(recovery["distance_before"])
    ax.semilogy(before, MARKERS[0], ms=3, color=PALETTE[0], label="end of energy descent")
    after = np.maximum(sorted(recovery["distance_after"]), 1e-17)
    ax.semilogy(after, MARKERS[1], ms=3, color=PALETTE[1], label="after recover_state")
    ax.set(xlabel="run (sorted by distance)", ylabel="distance to the fixed point (0 at 1e-17)")
    ax.set_title("state recovered from energy and Hessian")
    ax.legend()


@styled
def plot_dead_neurons(study):
    """Six panels of the dead-neuron study of the worked example.

    The energy on the plane of two dead neurons at a retrieval state (flat region shaded,
    trajectories), Jacobian spectra, basin size against radius, the altered dynamics'
    Lyapunov functions (slice along a dead neuron; decrease in time), and state recovery.

    Parameters
    ----------
    study : DeadNeuronStudy
        From :func:`~ebm_memory.analysis.dead_neuron_study.dead_neuron_study`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two rows of three labelled panels.

    See Also
    --------
    ebm_memory.analysis.dead_neuron_study.dead_neuron_study : Makes the study.
    ebm_memory.experiments.dead_neurons.figure : The dead-neuron reproduction's figure.

    Examples
    --------
    >>> from ebm_memory.analysis.dead_neuron_study import dead_neuron_study
    >>> from ebm_memory.plotting import plot_dead_neurons
    >>> figure = plot_dead_neurons(dead_neuron_study(n_samples=8, n_starts=16, n_networks=0))
    >>> figure.axes[2].get_xlabel()
    'perturbation radius'
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(15, 9), layout="constrained")
    figure.get_layout_engine().set(wspace=0.06)  # the colour bar's label apart from the next
    _plane_panel(figure, axes[0, 0], study.plane)
    _spectra_panel(axes[0, 1], study.fixed_points, study.tau_h)
    _basin_panel(axes[0, 2], study.fixed_points, study.radii)
    _slice_panel(axes[1, 0], study.traces)
    _decrease_panel(axes[1, 1], study.traces)
    _recovery_panel(axes[1, 2], study.recovery)
    figure.suptitle("Dead neurons: flat regions, stability of fixed points and state recovery")
    return figure
