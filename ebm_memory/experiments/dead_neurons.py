"""``ebm-memory reproduce dead_neurons``: flat regions of ReLU memory networks found from the
Lagrangian's Hessian and classified by the Jacobian restricted to its range, checked by
brute force, and Lyapunov functions without flat regions (Fanaskov & Oseledets, ICLR 2025).

The measurements are :func:`~ebm_memory.analysis.dead_neuron_study.dead_neuron_study`'s.

Examples
--------
>>> from ebm_memory.experiments import dead_neurons
>>> dead_neurons.SIZES[True]
(100, 64, 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ebm_memory.analysis.dead_neuron_study import dead_neuron_study, fixed_point_kind
from ebm_memory.experiments._result import FIGURE_ONLY, JsonResult

__all__ = ["SIZES", "Result", "figure", "run", "table"]

SIZES = {False: (400, 256, 60), True: (100, 64, 2)}
"""``quick`` -> (brute-force samples, starts, random networks)."""


@dataclass(frozen=True)
class Result(JsonResult):
    """The dead-neuron study of the worked example, beside the paper's claims.

    Parameters
    ----------
    network : str
        A description of the example network.
    tau_h : float
        Its hidden time constant.
    radii : list of float
        The perturbation radii of the basin sizes.
    fixed_points : list of dict
        One row per fixed point (:class:`~ebm_memory.analysis.dead_neuron_study.DeadNeuronStudy`).
    ensemble, converged, recovery, modified : dict
        The checks over random networks, of integration, of recovery and of the altered
        dynamics.
    study : DeadNeuronStudy
        The whole study, drawn by :func:`figure` (not in :meth:`to_dict`).

    Examples
    --------
    >>> from ebm_memory.experiments.dead_neurons import Result
    >>> Result("net", 0.5, [], [], {}, {}, {}, {}).to_dict()["tau_h"]
    0.5
    """

    network: str
    tau_h: float
    radii: list
    fixed_points: list
    ensemble: dict
    converged: dict
    recovery: dict
    modified: dict
    study: object = field(default=None, repr=False, metadata=FIGURE_ONLY)


def run(quick: bool = False, random_state: int = 0, *, sizes=None) -> Result:
    """Flat regions of the worked example found, classified and checked by brute force.

    Parameters
    ----------
    quick : bool, default=False
        Fewer samples and starts, and 2 random networks instead of 60 (:data:`SIZES`).
    random_state : int, default=0
        Seeds every draw.
    sizes : tuple of int, default=None
        ``(brute-force samples, starts, random networks)``, replacing :data:`SIZES`.

    Returns
    -------
    result : Result
        Each fixed point and the checks.

    See Also
    --------
    ebm_memory.analysis.dead_neuron_study.dead_neuron_study : Makes the study.
    ebm_memory.experiments.dead_neurons.figure : Draws the result.
    ebm_memory.experiments.dead_neurons.table : Its Markdown tables.

    Examples
    --------
    >>> from ebm_memory.experiments import dead_neurons
    >>> result = dead_neurons.run(sizes=(8, 16, 0))
    >>> [row["label"] for row in result.fixed_points][:3]
    ['basin', 'basin', 'basin']
    """
    n_samples, n_starts, n_networks = sizes or SIZES[bool(quick)]
    study = dead_neuron_study(
        n_samples=n_samples, n_starts=n_starts, n_networks=n_networks, random_state=random_state
    )
    return Result(
        network=study.network,
        tau_h=study.tau_h,
        radii=study.radii,
        fixed_points=study.fixed_points,
        ensemble=study.ensemble,
        converged=study.converged,
        recovery=study.recovery,
        modified=study.modified,
        study=study,
    )


def figure(result: Result):
    """Energy plane, spectra, basins, Lyapunov functions and state recovery.

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Six labelled panels (:func:`~ebm_memory.plotting.plot_dead_neurons`).

    See Also
    --------
    ebm_memory.experiments.dead_neurons.run : Makes the result.
    ebm_memory.plotting.plot_dead_neurons : Draws its panels.
    ebm_memory.experiments.dead_neurons.table : The same result as Markdown.

    Examples
    --------
    >>> from ebm_memory.experiments import dead_neurons
    >>> figure = dead_neurons.figure(dead_neurons.run(sizes=(8, 16, 0)))
    >>> figure.axes[1].get_title()
    'Jacobian spectra at the fixed points'
    """
    from ebm_memory.plotting.dead_neurons import plot_dead_neurons

    return plot_dead_neurons(result.study)


def _fixed_point_table(result: Result) -> list[str]:
    lines = [
        f"Worked example: {result.network}. The paper states its claims as theorems; the "
        "claimed value is in brackets beside each measurement.",
        "",
        "| fixed point | alive memories | flat dim (Hessian null space) | dead ReLUs h < 0 "
        "(+ on the kink) | max Re eig on the range | label | flat-region points reach x* | "
        "perturbed (0.05) points stay at x* |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result.fixed_points:
        stay = {"basin": "100%", "unstable": "< 100%", "kink": "undecided"}[row["label"]]
        lines.append(
            f"| {fixed_point_kind(row)}, E = {row['energy']:.3f} | {row['alive']} | "
            f"{row['flat_dimension']} | {row['dead_neurons']} (+ {row['on_kink']}) | "
            f"{row['max_real_range']:+.3f} | {row['label']} | {row['region_reached']:.0%} "
            f"(100%) | {row['perturbed_stayed']:.0%} ({stay}); n = {row['flat_region_samples']} |"
        )
    ensemble = result.ensemble
    lines += [
        "",
        f"Random networks like the example ({ensemble['networks']} networks, "
        f"{ensemble['fixed_points']} fixed points: {ensemble['basin']} basin, "
        f"{ensemble['unstable']} unstable, {ensemble['kink']} on a kink): flat dimension = dead "
        f"+ kinked ReLUs at {ensemble['dimension_matches']} / {ensemble['fixed_points']} "
        f"(theory: all; {ensemble['saturated']} more where a saturated tanh feature's Hessian, "
        "nonzero but below the tolerance 1e-8, is counted as flat); away from kinks "
        f"{ensemble['with_flat_region']} have a flat region, "
        f"and its label agrees with brute force at {ensemble['agree']} / "
        f"{ensemble['with_flat_region']} (theory: all).",
    ]
    return lines


def _claims_table(result: Result) -> list[str]:
    recovery, modified, converged = result.recovery, result.modified, result.converged
    smooth = [r for r in result.fixed_points if r["smooth"]]
    return [
        "| claim | measured | theory |",
        "|---|---|---|",
        "| (ii) eig J = eig(J on range of Hessian) + {-1/tau_h} x flat dim: max deviation | "
        f"{max(r['split_error'] for r in smooth):.1e} | 0 |",
        f"| states converged by integration ({converged['starts']} starts, t = 60): distinct "
        f"/ stable by the Jacobian | {converged['distinct_end_states']} / "
        f"{converged['stable']} (max residual {converged['max_residual']:.0e}) | 3 / 3 "
        "(the retrieval states) |",
        f"| (i) energy descent: stationary points reached / runs | {recovery['stationary']} / "
        f"{recovery['starts']} | - |",
        f"| (i) ... distance to the fixed point, before recovery (median) | "
        f"{np.median(recovery['distance_before']):.3f} | - |",
        f"| (i) ... after recover_state (max) | {max(recovery['distance_after']):.1e} | 0 |",
        f"| (i) ... recovered states that are fixed points | {recovery['recovered']} / "
        f"{recovery['stationary']} ({recovery['at_origin']} the kinked origin: descent stalls "
        "where every memory neuron is dead) | all |",
        f"| altered dynamics: V_c non-increasing along trajectories ({modified['trajectories']} "
        f"starts x 3 weights c < c_max = {modified['max_weight']:.2f}) | "
        f"{modified['monotone_fraction']:.0%} | 100% |",
        "| altered dynamics: original field at its fixed points | "
        f"{modified['fixed_point_residual_original']:.1e} | 0 (same fixed points) |",
        "| range of E / of V_c (c = 0.3 c_max) along a dead neuron | "
        f"{modified['energy_range_on_flat']:.1e} / "
        f"{modified['lyapunov_range_on_flat']['0.3']:.2f} | 0 (flat) / > 0 (not flat) |",
    ]


def table(result: Result) -> str:
    """Each fixed point, then the paper's claims beside the measurements (Markdown).

    Parameters
    ----------
    result : Result
        From :func:`run`.

    Returns
    -------
    markdown : str
        Two tables and the ensemble's summary.

    See Also
    --------
    ebm_memory.experiments.dead_neurons.run : Makes the result.
    ebm_memory.experiments.dead_neurons.figure : The same result drawn.
    ebm_memory.experiments.reproduce : Writes it to ``results.md``.

    Examples
    --------
    >>> from ebm_memory.experiments import dead_neurons
    >>> print(dead_neurons.table(dead_neurons.run(sizes=(8, 16, 0))))
    Worked example: ...
    | retrieval, E = ...
    """
    return "\n".join([*_fixed_point_table(result), "", *_claims_table(result)])
