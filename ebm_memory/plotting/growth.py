"""Figures of the growth of nonparametric memories (:mod:`ebm_memory.analysis.growth`)."""

from __future__ import annotations

from ebm_memory.plotting._style import LINESTYLES, PALETTE, styled

__all__ = ["plot_memory_growth"]


@styled
def plot_memory_growth(crp, pitman_yor, finite=None):
    """Memories against points seen: the CRP count against ``log n``, Pitman-Yor's on log-log.

    Each panel draws every stream, their mean and the closed-form expectation; the titles give
    the fitted rate as mean ± standard error across the streams.

    Parameters
    ----------
    crp : MemoryGrowth
        :func:`~ebm_memory.analysis.memory_growth` with the CRP prior.
    pitman_yor : MemoryGrowth
        :func:`~ebm_memory.analysis.memory_growth` with the Pitman-Yor prior.
    finite : FiniteGrowth, optional
        :func:`~ebm_memory.analysis.finite_mixture_growth`, drawn on the CRP panel.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Two labelled panels.

    See Also
    --------
    ebm_memory.analysis.memory_growth : Measures the CRP and Pitman-Yor growth.
    ebm_memory.analysis.finite_mixture_growth : Measures the finite mixture's growth.
    ebm_memory.experiments.growth.figure : The growth reproduction's figure.

    Examples
    --------
    >>> from ebm_memory.analysis import memory_growth
    >>> from ebm_memory.plotting import plot_memory_growth
    >>> crp = memory_growth("crp", n_points=1000, n_streams=2)
    >>> pitman_yor = memory_growth("pitman-yor", alpha=1.0, discount=0.5, n_points=1000)
    >>> len(plot_memory_growth(crp, pitman_yor).axes)
    2
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
    for ax, result, title in (
        (axes[0], crp, "CRP prior: about α log n"),
        (axes[1], pitman_yor, "Pitman-Yor prior: about n^d"),
    ):
        n = result.n
        ax.plot(n, result.memories.T, color=PALETTE[0], alpha=0.25, lw=1)
        ax.plot([], [], color=PALETTE[0], alpha=0.4, lw=1, label="memories (each stream)")
        ax.plot(n, result.memories.mean(axis=0), color=PALETTE[0], lw=2, label="memories (mean)")
        ax.plot(n, result.expected, "k", ls=LINESTYLES[1], label="expected tables (theory)")
        name = "slope" if result.prior == "crp" else "exponent"
        ax.set_title(
            f"{title}\n{name} {result.rate:.3f} ± {result.rate_se:.3f} "
            f"(mean ± s.e., {len(result.rates)} streams; theory {result.theory_rate:.3g})"
        )
        ax.set_xscale("log")
        ax.set_xlabel("points seen n")
        ax.set_ylabel("memories (mixture components)")
    axes[1].set_yscale("log")
    if finite is not None:
        axes[0].plot(
            finite.n,
            finite.memories,
            color=PALETTE[1],
            ls=LINESTYLES[2],
            lw=2,
            label=f"finite mixture ({finite.n_components} components)",
        )
    for ax in axes:
        ax.legend()
    figure.suptitle("A nonparametric memory grows with the data as its prior says")
    return figure
