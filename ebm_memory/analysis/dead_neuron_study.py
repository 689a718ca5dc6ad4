"""Dead neurons on a worked example (Fanaskov & Oseledets, ICLR 2025), checked by brute force.

A small ReLU memory network (:func:`example_network`): every fixed point found by Newton's
method, its flat region found and classified (:mod:`ebm_memory.analysis.dead_neurons`)
and checked by integration (:mod:`ebm_memory.analysis.flat_regions`); an ensemble of random
networks like it; the states integration converges to; state recovery after energy
descent; and the altered dynamics' Lyapunov functions
(:mod:`ebm_memory.analysis.modified_network`). :func:`dead_neuron_study` runs all of it.

Examples
--------
>>> from ebm_memory.analysis.dead_neuron_study import example_network
>>> net = example_network()
>>> net.n_features, net.n_hidden
(2, 3)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import numpy as np

from ebm_memory import lagrangians
from ebm_memory._random import float64
from ebm_memory.analysis._dead_neuron_checks import (
    EnergyPlane,
    LyapunovTraces,
    _energy_plane,
    _modified_dynamics,
    _recovery,
)
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.analysis.basins import _basin_size
from ebm_memory.analysis.dead_neurons import classify_flat_region, lagrangian_hessian
from ebm_memory.analysis.flat_regions import _flat_region_convergence
from ebm_memory.analysis.relaxation import find_fixed_point, relax
from ebm_memory.analysis.stability import fixed_point_stability, jacobian
from ebm_memory.dynamics.network import TwoLayerNetwork
from ebm_memory.energies.two_layer import two_layer_energy

__all__ = [
    "RADII",
    "DeadNeuronStudy",
    "EnergyPlane",
    "LyapunovTraces",
    "dead_neuron_study",
    "example_network",
    "fixed_point_kind",
]

RADII = (0.05, 0.2, 0.5, 1.0, 2.0, 3.0, 4.0)
"""Perturbation radii of the basin sizes."""


def example_network(scale: float = 1.5) -> TwoLayerNetwork:
    """The worked example: 2 ``tanh`` feature neurons and 3 ReLU memory neurons.

    Memories are unit vectors at 90, 210 and 330 degrees times ``scale``; ``tau_f = 1``,
    ``tau_h = 0.5``. Its fixed points: three retrieval states (one memory neuron alive, two
    dead: 2-D flat regions, stable), three mixtures of two memories (one dead, saddles), and
    the origin, where all memory neurons sit exactly on the ReLU kink.

    Parameters
    ----------
    scale : float, default=1.5
        Length of the memories.

    Returns
    -------
    network : TwoLayerNetwork
        The example network.

    Examples
    --------
    >>> from ebm_memory.analysis.dead_neuron_study import example_network
    >>> example_network().memories.shape
    (3, 2)
    """
    angles = np.deg2rad([90.0, 210.0, 330.0])
    memories = scale * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return TwoLayerNetwork(
        lagrangians.tanh(1.0), lagrangians.relu(), memories, tau_f=1.0, tau_h=0.5
    )


def _fixed_points(network, key, n_starts):
    """Distinct fixed points found by Newton's method from random starts (P, N)."""
    starts = 2.0 * np.asarray(
        jax.random.normal(key, (n_starts, network.n_features + network.n_hidden))
    )
    v, h, residual = find_fixed_point(
        network, starts[:, : network.n_features], starts[:, network.n_features :]
    )
    points = np.hstack([v, h])[residual < 1e-10]
    index = np.unique(np.round(points, 6) + 0.0, axis=0, return_index=True)[1]
    return points[np.sort(index)]


@functools.partial(jax.jit, static_argnums=(0, 1))
def _energies(lagrangian_v, lagrangian_h, memories, v, h):
    """Energies of a batch of states (B, N_f), (B, N_h)."""
    return jax.vmap(lambda v, h: two_layer_energy(v, h, memories, lagrangian_v, lagrangian_h))(v, h)


def _energy(network, v, h):
    return _energies(network.lagrangian_v, network.lagrangian_h, network.memories, v, h)


def _brute_force_time(stability) -> float:
    """Long enough to come within 1e-3 from 0.05 at the slowest rate in the range (cap 600)."""
    rate = abs(stability.max_real) if stability.smooth else 1.0
    return 60.0 * min(10, max(1, int(np.ceil(12 / (60 * max(rate, 1e-9))))))


def _fixed_point_row(network, x, key, n_samples, radii=None):
    """Classification of one fixed point's flat region beside the brute-force check."""
    n_f = network.n_features
    v, h = x[:n_f], x[n_f:]
    region = classify_flat_region(network, v, h)
    curvature = np.abs(np.linalg.eigvalsh(lagrangian_hessian(network, v, h)))
    full = np.linalg.eigvals(np.asarray(jacobian(network, v, h)))
    split = np.concatenate([region.stability.eigenvalues, region.stability.flat_eigenvalues])
    key_region, key_basin = jax.random.split(key)
    t1 = _brute_force_time(region.stability)
    brute = _flat_region_convergence(network, v, h, key_region, n_samples=n_samples, t1=t1)
    row = {
        "v": v.tolist(),
        "h": h.tolist(),
        "energy": float(_energy(network, v[None], h[None])[0]),
        "alive": [int(i) for i in np.flatnonzero(h > 0)],
        "dead_neurons": int(np.sum(h < -1e-9)),  # those within 1e-9 count as on the kink
        "on_kink": int(np.sum(np.abs(h) < 1e-9)),
        "saturated": int(np.sum((curvature > 0) & (curvature <= 1e-8 * curvature.max()))),
        "flat_dimension": region.dimension,
        "smooth": region.stability.smooth,
        "full_eigenvalues": np.sort(full.real).tolist(),
        "range_eigenvalues": np.sort(region.stability.eigenvalues.real).tolist(),
        "max_real_full": float(full.real.max()),
        "max_real_range": region.stability.max_real,
        "split_error": float(np.max(np.abs(np.sort_complex(full) - np.sort_complex(split)))),
        "label": region.label,
        "flat_region_samples": brute.n,
        "region_reached": brute.reached,
        "perturbed_stayed": brute.stayed,
        "t1": t1,
    }
    if radii is not None:
        settings = {"n_samples": n_samples, "input": None, "t1": 60.0, "dt": 0.05, "tol": 1e-3}
        row["basin_fraction"] = _basin_size(network, v, h, radii, key_basin, **settings)
        row["basin_fraction"] = row["basin_fraction"].fraction.tolist()
    return row


def _agrees(row) -> bool:
    """Brute force matches the label: every region point reaches x*, and perturbed points
    all stay (basin) or not all stay (unstable)."""
    basin = row["perturbed_stayed"] == 1.0
    return row["region_reached"] == 1.0 and basin == (row["label"] == "basin")


def _random_network(key_direction, key_length) -> TwoLayerNetwork:
    """3 ReLU memories of random direction and length 1.2-2 in 2-D, like the example."""
    directions = np.asarray(jax.random.normal(key_direction, (3, 2)))
    lengths = np.asarray(jax.random.uniform(key_length, (3, 1), minval=1.2, maxval=2.0))
    memories = lengths * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    return TwoLayerNetwork(
        lagrangians.tanh(1.0), lagrangians.relu(), memories, tau_f=1.0, tau_h=0.5
    )


def _tally(out: dict, row: dict) -> bool:
    """Count one fixed point's label and checks into ``out``; whether it disagrees."""
    out["fixed_points"] += 1
    out[row["label"]] += 1
    dead = row["dead_neurons"] + row["on_kink"]
    out["dimension_matches"] += row["flat_dimension"] == dead
    saturated = row["saturated"] > 0
    out["saturated"] += saturated and row["flat_dimension"] == dead + row["saturated"]
    if row["label"] == "kink" or not row["flat_dimension"]:
        return False
    out["with_flat_region"] += 1
    out["agree"] += _agrees(row)
    return not _agrees(row)


def _ensemble(key, n_networks, n_samples):
    """Random networks shaped like the example: every fixed point's label against brute
    force."""
    out = {"networks": n_networks, "fixed_points": 0, "dimension_matches": 0, "saturated": 0}
    out |= {"with_flat_region": 0, "agree": 0}
    out |= {label: 0 for label in ("basin", "unstable", "kink")}
    disagreements = []
    for key_network in jax.random.split(key, n_networks):
        keys = jax.random.split(key_network, 4)
        network = _random_network(keys[0], keys[1])
        fixed = _fixed_points(network, keys[2], 64)
        for x, key_row in zip(fixed, jax.random.split(keys[3], len(fixed)), strict=True):
            row = _fixed_point_row(network, x, key_row, n_samples)
            if _tally(out, row):
                disagreements.append({"memories": np.asarray(network.memories).tolist(), **row})
    return out | {"disagreements": disagreements}


def _converged(network, key, n_starts):
    """Integrate random starts to t = 60 and take the Jacobian spectrum where they end."""
    n_f = network.n_features
    starts = 2.0 * np.asarray(jax.random.normal(key, (n_starts, n_f + network.n_hidden)))
    ends = np.hstack(relax(network, starts[:, :n_f], starts[:, n_f:], t1=60.0))
    ends = ends[np.sort(np.unique(np.round(ends, 6) + 0.0, axis=0, return_index=True)[1])]
    verdicts = [fixed_point_stability(network, x[:n_f], x[n_f:]) for x in ends]
    return {
        "starts": n_starts,
        "distinct_end_states": len(ends),
        "max_residual": max(verdict.residual for verdict in verdicts),
        "stable": sum(verdict.stable for verdict in verdicts),
    }


def fixed_point_kind(row: dict) -> str:
    """ "retrieval", "mixture" or "origin (kink)": the kind of a fixed point of the example.

    Parameters
    ----------
    row : dict
        A row of :attr:`DeadNeuronStudy.fixed_points` (its ``label`` and ``alive``).

    Returns
    -------
    kind : str
        The kind.

    Examples
    --------
    >>> from ebm_memory.analysis.dead_neuron_study import fixed_point_kind
    >>> fixed_point_kind({"label": "basin", "alive": [1]})
    'retrieval'
    """
    if row["label"] == "kink":
        return "origin (kink)"
    return "retrieval" if len(row["alive"]) == 1 else "mixture"


@dataclass(frozen=True)
class DeadNeuronStudy:
    """Everything :func:`dead_neuron_study` measures on the worked example.

    Parameters
    ----------
    network : str
        A description of the example network.
    tau_h : float
        Its hidden time constant.
    radii : list of float
        The perturbation radii of the basin sizes.
    fixed_points : list of dict
        One row per fixed point, by energy: its state, flat region, label, spectra and the
        brute-force checks.
    ensemble : dict
        Counts over random networks like the example: labels, flat dimensions that match
        the dead neurons, labels that agree with brute force, and any disagreements.
    converged : dict
        States random starts converge to, and how many are stable by the Jacobian.
    recovery : dict
        Energy descent from random starts, then recovery of the fixed point.
    modified : dict
        Checks of the altered dynamics' Lyapunov functions.
    plane : EnergyPlane
        The energy on the plane of two dead neurons at a retrieval state, with trajectories.
    traces : LyapunovTraces
        The Lyapunov functions along trajectories and along a dead neuron.

    Examples
    --------
    >>> from ebm_memory.analysis.dead_neuron_study import dead_neuron_study
    >>> study = dead_neuron_study(n_samples=8, n_starts=16, n_networks=0)
    >>> len(study.fixed_points), study.converged["distinct_end_states"]
    (7, 3)
    """

    network: str
    tau_h: float
    radii: list
    fixed_points: list
    ensemble: dict
    converged: dict
    recovery: dict
    modified: dict
    plane: EnergyPlane
    traces: LyapunovTraces


@float64
def dead_neuron_study(
    *, n_samples: int = 400, n_starts: int = 256, n_networks: int = 60, random_state=0
) -> DeadNeuronStudy:
    """Flat regions of the worked example found, classified and checked by brute force.

    Runs in float64: the fixed points of :func:`example_network` by Newton's method, each
    classified and checked by brute force with its basin size; ``n_networks`` random
    networks like it; the states integration converges to; recovery of states after
    energy descent; the altered dynamics' Lyapunov functions.

    Parameters
    ----------
    n_samples : int, default=400
        Points per brute-force check and per basin radius; integration starts.
    n_starts : int, default=256
        Newton starts and energy-descent runs (a quarter of them: trajectories of the
        altered dynamics).
    n_networks : int, default=60
        Random networks of the ensemble.
    random_state : int, RandomState instance or None, default=0
        Seeds every draw (an int is the seed itself).

    Returns
    -------
    study : DeadNeuronStudy
        The rows, the checks and the arrays of the figure.

    Examples
    --------
    >>> from ebm_memory.analysis.dead_neuron_study import dead_neuron_study
    >>> study = dead_neuron_study(n_samples=8, n_starts=16, n_networks=0)
    >>> sorted({row["label"] for row in study.fixed_points})
    ['basin', 'kink', 'unstable']
    """
    network = example_network()
    keys = jax.random.split(jax.random.PRNGKey(as_seed(random_state)), 6)
    fixed = _fixed_points(network, keys[0], n_starts)
    rows = [
        _fixed_point_row(network, x, key, n_samples, RADII)
        for x, key in zip(fixed, jax.random.split(keys[1], len(fixed)), strict=True)
    ]
    rows.sort(key=lambda row: row["energy"])
    retrieval = next(row for row in rows if fixed_point_kind(row) == "retrieval")
    modified, traces = _modified_dynamics(n_starts // 4, keys[3])
    return DeadNeuronStudy(
        network="2 tanh features, 3 ReLU memories at 90/210/330 deg (scale 1.5), "
        "tau_f = 1, tau_h = 0.5",
        tau_h=network.tau_h,
        radii=list(RADII),
        fixed_points=rows,
        ensemble=_ensemble(keys[4], n_networks, n_samples),
        converged=_converged(network, keys[5], n_samples),
        recovery=_recovery(network, keys[2], n_starts, fixed),
        modified=modified,
        plane=_energy_plane(network, np.asarray(retrieval["v"]), np.asarray(retrieval["h"])),
        traces=traces,
    )
