"""Figures of the noise-benefit sweeps (:mod:`ebm_memory.analysis.noise`)."""

from __future__ import annotations

from ebm_memory.plotting._style import LINESTYLES, MARKERS, PALETTE, styled

__all__ = ["plot_noise_benefit"]


@styled
def plot_noise_benefit(result, ax=None):
    """Error bars of the bit error rate against ``T0``, with the spurious-state fraction.

    Parameters
    ----------
    result : NoiseBenefit
        The output of :func:`~ebm_memory.analysis.noise_benefit`.
    ax : matplotlib.axes.Axes, optional
        Drawn into when given; otherwise a new figure is made.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure of ``ax``, labelled.

    See Also
    --------
    ebm_memory.analysis.noise_benefit : Measures the result.
    ebm_memory.analysis.NoiseBenefit : The result drawn.

    Examples
    --------
    >>> from ebm_memory.analysis import noise_benefit
    >>> from ebm_memory.plotting import plot_noise_benefit
    >>> result = noise_benefit(0, temperatures=[0.0, 0.3], n_probes=10, n_trials=1)
    >>> plot_noise_benefit(result).axes[0].get_xlabel()
    'initial temperature T0 (annealed to 0)'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(figsize=(5.0, 3.8), layout="constrained")
    else:
        figure = ax.figure
    temperatures = result.temperatures
    ax.errorbar(
        temperatures,
        result.error,
        yerr=result.error_sem,
        color=PALETTE[0],
        marker=MARKERS[0],
        capsize=3,
        label="bit error rate (± s.e.)",
    )
    ax.plot(
        temperatures,
        result.spurious_fraction,
        color=PALETTE[1],
        marker=MARKERS[1],
        ls=LINESTYLES[1],
        label="fraction ending in spurious states",
    )
    ax.axhline(
        result.baseline_error, color="gray", lw=0.8, ls=LINESTYLES[2], label="error at T0 = 0"
    )
    ax.set_xlabel("initial temperature T0 (annealed to 0)")
    ax.set_ylabel("fraction of bits or of probes")
    ax.set_title(f"Annealed noise in recall, load P/N = {result.loading:.3g}")
    ax.legend()
    return figure
