"""The dead-neuron experiment (``ebm-memory reproduce dead_neurons``): a small ReLU network
whose flat regions are found and classified by :mod:`ebm_memory.analysis.dead_neurons`,
checked by brute force, an ensemble of random networks, state recovery, and the modified
dynamics' Lyapunov functions; its figure and its table beside the paper's claims.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory import lagrangians
from ebm_memory._io import save_figure
from ebm_memory.analysis.dead_neurons import (
    classify_flat_region,
    flat_region_convergence,
    lagrangian_hessian,
    recover_state,
)
from ebm_memory.analysis.stability import (
    ModifiedNetwork,
    basin_size,
    find_fixed_point,
    fixed_point_stability,
    jacobian,
    relax,
)
from ebm_memory.dynamics.network import TwoLayerNetwork
from ebm_memory.energies.two_layer import two_layer_energy

__all__ = [
    "RADII",
    "dead_neurons_markdown",
    "example_network",
    "plot_dead_neurons",
    "reproduce_dead_neurons",
]


def example_network(scale: float = 1.5) -> TwoLayerNetwork:
    """The worked example: 2 ``tanh`` feature neurons and 3 ReLU memory neurons.

    Memories are unit vectors at 90, 210 and 330 degrees times ``scale``; ``tau_f = 1``,
    ``tau_h = 0.5``. Its fixed points: three retrieval states (one memory neuron alive, two
    dead: 2-D flat regions, stable), three mixtures of two memories (one dead, saddles), and
    the origin, where all memory neurons sit exactly on the ReLU kink.
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


@functools.partial(jax.jit, static_argnames="n_steps")
def _energy_descent(lagrangian_v, lagrangian_h, memories, x0, rate, n_steps):
    """Gradient descent on the energy itself; returns final states and gradient norms."""
    n_f = memories.shape[1]

    def energy(x):
        return two_layer_energy(x[:n_f], x[n_f:], memories, lagrangian_v, lagrangian_h)

    def one(x):
        x = jax.lax.fori_loop(0, n_steps, lambda _, x: x - rate * jax.grad(energy)(x), x)
        return x, jnp.linalg.norm(jax.grad(energy)(x))

    return jax.vmap(one)(x0)


def _fixed_point_row(network, x, key, n_samples, radii=None):
    """Classification of one fixed point's flat region beside the brute-force check."""
    n_f = network.n_features
    v, h = x[:n_f], x[n_f:]
    region = classify_flat_region(network, v, h)
    curvature = np.abs(np.linalg.eigvalsh(lagrangian_hessian(network, v, h)))
    full = np.linalg.eigvals(np.asarray(jacobian(network, v, h)))
    split = np.concatenate([region.stability.eigenvalues, region.stability.flat_eigenvalues])
    key_region, key_basin = jax.random.split(key)
    # long enough to come within 1e-3 from 0.05 at the slowest rate in the range (cap 600)
    rate = abs(region.stability.max_real) if region.stability.smooth else 1.0
    t1 = 60.0 * min(10, max(1, int(np.ceil(12 / (60 * max(rate, 1e-9))))))
    brute = flat_region_convergence(network, v, h, key_region, n_samples=n_samples, t1=t1)
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
        "flat_region_samples": brute["n"],
        "region_reached": brute["reached"],
        "perturbed_stayed": brute["stayed"],
        "t1": t1,
    }
    if radii is not None:
        basin = basin_size(network, v, h, radii, n_samples=n_samples, key=key_basin, t1=60.0)
        row["basin_fraction"] = basin["fraction"].tolist()
    return row


def _agrees(row) -> bool:
    """Brute force matches the label: every region point reaches x*, and perturbed points
    all stay (basin) or not all stay (unstable)."""
    basin = row["perturbed_stayed"] == 1.0
    return row["region_reached"] == 1.0 and basin == (row["label"] == "basin")


def _ensemble(key, n_networks, n_samples):
    """Random networks shaped like the example (3 ReLU memories of random direction and
    length 1.2-2 in 2-D): every fixed point's label against brute force."""
    out = {"networks": n_networks, "fixed_points": 0, "dimension_matches": 0, "saturated": 0}
    out |= {"with_flat_region": 0, "agree": 0}
    out |= {label: 0 for label in ("basin", "unstable", "kink")}
    disagreements = []
    for key_network in jax.random.split(key, n_networks):
        keys = jax.random.split(key_network, 4)
        directions = np.asarray(jax.random.normal(keys[0], (3, 2)))
        lengths = np.asarray(jax.random.uniform(keys[1], (3, 1), minval=1.2, maxval=2.0))
        memories = lengths * directions / np.linalg.norm(directions, axis=1, keepdims=True)
        network = TwoLayerNetwork(
            lagrangians.tanh(1.0), lagrangians.relu(), memories, tau_f=1.0, tau_h=0.5
        )
        fixed = _fixed_points(network, keys[2], 64)
        for x, key_row in zip(fixed, jax.random.split(keys[3], len(fixed)), strict=True):
            row = _fixed_point_row(network, x, key_row, n_samples)
            out["fixed_points"] += 1
            out[row["label"]] += 1
            dead = row["dead_neurons"] + row["on_kink"]
            out["dimension_matches"] += row["flat_dimension"] == dead
            saturated = row["saturated"] > 0
            out["saturated"] += saturated and row["flat_dimension"] == dead + row["saturated"]
            if row["label"] != "kink" and row["flat_dimension"]:
                out["with_flat_region"] += 1
                out["agree"] += _agrees(row)
                if not _agrees(row):
                    disagreements.append({"memories": memories.tolist(), **row})
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


def _recovery(network, key, n_starts, fixed):
    """Energy descent from random starts, then :func:`recover_state` on its end points."""
    x0 = 1.5 * jax.random.normal(key, (n_starts, fixed.shape[1]))
    lag_v, lag_h = network.lagrangian_v, network.lagrangian_h
    ends, gradient = _energy_descent(lag_v, lag_h, network.memories, x0, 0.2, 10_000)
    ends, before, after, residuals, norms = np.asarray(ends[gradient < 1e-9]), [], [], [], []
    n_f = network.n_features
    for x in ends:
        recovered = recover_state(network, x[:n_f], x[n_f:])
        x_new = np.concatenate([recovered.v, recovered.h])
        nearest = fixed[np.argmin(np.linalg.norm(fixed - x_new, axis=1))]
        residuals.append(recovered.residual)
        norms.append(float(np.linalg.norm(x_new)))
        before.append(float(np.linalg.norm(x - nearest)))
        after.append(float(np.linalg.norm(x_new - nearest)))
    return {
        "starts": n_starts,
        "stationary": len(ends),
        "recovered": int(np.sum(np.asarray(residuals) < 1e-9)),
        "at_origin": int(np.sum(np.isclose(norms, 0, atol=1e-9))),
        "distance_before": before,
        "distance_after": after,
    }


def _modified(n_starts, key):
    """The altered dynamics on a small ReLU network, symmetric and not."""
    angles = np.deg2rad([90.0, 210.0, 330.0])
    weights = 0.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    settings = {"tau_f": 1.0, "tau_h": 0.5, "input": np.array([0.3, 0.5])}
    skew = ModifiedNetwork(lagrangians.relu(), weights, feature_gain=[1.5, 0.6], **settings)
    fractions = (0.05, 0.3, 0.9)
    starts = 2.0 * np.asarray(jax.random.normal(key, (n_starts, 5)))
    times, v, h = skew.integrate(starts[:, :2], starts[:, 2:], t1=20.0, dt=0.01)
    lyapunov = jax.jit(jax.vmap(jax.vmap(skew.lyapunov, (0, 0, None)), (0, 0, None)))
    paths = {f: np.asarray(lyapunov(v, h, f * skew.max_weight)) for f in fractions}
    increases = np.stack([np.diff(p, axis=1) / (1 + np.abs(p[:, :-1])) for p in paths.values()])

    def field(x):
        return jnp.concatenate(skew.field(x[:2], x[2:]))

    def newton(_, x):
        return x - jnp.linalg.solve(jax.jacfwd(field)(x), field(x))

    # Newton polish of a converged end point
    x = jax.jit(lambda x: jax.lax.fori_loop(0, 20, newton, x))(jnp.append(v[0, -1], h[0, -1]))
    original = jnp.concatenate(skew.original_field(x[:2], x[2:]))
    symmetric = ModifiedNetwork(lagrangians.relu(), weights, **settings)
    _, v_sym, h_sym = symmetric.integrate(v[:1, -1], h[:1, -1], t1=40.0, dt=0.01)
    v_star, h_star = v_sym[0, -1], h_sym[0, -1]
    dead = int(np.argmin(h_star))
    shifts = np.linspace(-3.0, 1.0, 81)
    slice_h = h_star + np.outer(shifts - h_star[dead], np.eye(3)[dead])
    energy = jax.jit(
        jax.vmap(
            lambda h: two_layer_energy(
                v_star, h, weights, lagrangians.quadratic(), lagrangians.relu(), settings["input"]
            )
        )
    )(slice_h)
    on_slice = jax.jit(jax.vmap(symmetric.lyapunov, (None, 0, None)))
    slices = {f: np.asarray(on_slice(v_star, slice_h, f * symmetric.max_weight)) for f in fractions}
    flat = shifts <= 0
    return {
        "max_weight": skew.max_weight,
        "weight_fractions": list(fractions),
        "trajectories": n_starts,
        "monotone_fraction": float(np.mean(np.all(increases <= 1e-12, axis=2))),
        "max_relative_increase": float(increases.max()),
        "fixed_point_residual_original": float(np.abs(original).max()),
        "energy_range_on_flat": float(np.ptp(np.asarray(energy)[flat])),
        "lyapunov_range_on_flat": {str(f): float(np.ptp(s[flat])) for f, s in slices.items()},
        "_plot": {
            "times": times,
            "paths": paths,
            "shifts": shifts,
            "energy": np.asarray(energy),
            "slices": slices,
            "dead": dead,
            "at_fixed_point": {
                f: float(skew.lyapunov(x[:2], x[2:], f * skew.max_weight)) for f in fractions
            },
        },
    }


RADII = (0.05, 0.2, 0.5, 1.0, 2.0, 3.0, 4.0)


def reproduce_dead_neurons(out_dir: Path, quick: bool = False) -> dict:
    """Flat regions of the worked example (:func:`example_network`) found, classified and
    checked by brute force; recovery of states from energy descent; the altered dynamics'
    Lyapunov functions. Writes ``dead_neurons.png`` into ``out_dir``."""
    import matplotlib.pyplot as plt

    n_samples, n_starts, n_networks = (100, 64, 2) if quick else (400, 256, 60)
    with jax.enable_x64(True):
        network = example_network()
        keys = jax.random.split(jax.random.PRNGKey(0), 6)
        fixed = _fixed_points(network, keys[0], n_starts)
        rows = [
            _fixed_point_row(network, x, key, n_samples, RADII)
            for x, key in zip(fixed, jax.random.split(keys[1], len(fixed)), strict=True)
        ]
        rows.sort(key=lambda row: row["energy"])
        results = {
            "network": "2 tanh features, 3 ReLU memories at 90/210/330 deg (scale 1.5), "
            "tau_f = 1, tau_h = 0.5",
            "tau_h": network.tau_h,
            "radii": list(RADII),
            "fixed_points": rows,
            "ensemble": _ensemble(keys[4], n_networks, n_samples),
            "converged": _converged(network, keys[5], n_samples),
            "recovery": _recovery(network, keys[2], n_starts, fixed),
            "modified": _modified(n_starts // 4, keys[3]),
            "figure": "dead_neurons.png",
        }
        figure = plot_dead_neurons(results, network)
    save_figure(figure, Path(out_dir) / "dead_neurons.png", dpi=120)
    plt.close(figure)
    results["modified"].pop("_plot")
    return results


def _kind(row) -> str:
    if row["label"] == "kink":
        return "origin (kink)"
    return "retrieval" if len(row["alive"]) == 1 else "mixture"


def plot_dead_neurons(results: dict, network: TwoLayerNetwork):
    """Six panels: the energy on the plane of two dead neurons at a retrieval state (flat
    region shaded, trajectories), Jacobian spectra, basin size against radius, and the
    altered dynamics' Lyapunov functions (slice along a dead neuron; decrease in time).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    rows = results["fixed_points"]
    retrieval = next(r for r in rows if _kind(r) == "retrieval")
    v, h = np.asarray(retrieval["v"]), np.asarray(retrieval["h"])
    dead = [i for i in range(len(h)) if i not in retrieval["alive"]]
    grid = np.linspace(-3.0, 2.0, 61)
    a, b = np.meshgrid(grid, grid)
    planes = np.repeat(h[None], a.size, axis=0)
    planes[:, dead[0]], planes[:, dead[1]] = a.ravel(), b.ravel()
    energy = _energy(network, np.repeat(v[None], a.size, axis=0), planes)
    ax = axes[0, 0]
    contour = ax.contourf(a, b, np.asarray(energy).reshape(a.shape), levels=30, cmap="viridis")
    figure.colorbar(contour, ax=ax, label="energy")
    ax.fill_between([-3, 0], -3, 0, color="white", alpha=0.35, hatch="//", label="flat region")
    starts = np.array(
        [[-2.8, -1.0], [-1.0, -2.8], [-2.5, -2.5], [1.5, -2.0], [1.8, 1.5], [-2.0, 1.5]]
    )
    h0 = np.repeat(h[None], len(starts), axis=0)
    h0[:, dead[0]], h0[:, dead[1]] = starts[:, 0], starts[:, 1]
    path = network.integrate(np.repeat(v[None], len(starts), axis=0), h0, t1=15.0, dt=0.05)
    for hs in np.asarray(path.h):
        ax.plot(hs[:, dead[0]], hs[:, dead[1]], color="tab:red", lw=1.2)
    ax.plot(h[dead[0]], h[dead[1]], "w*", ms=14, mec="k", label="fixed point")
    ax.set(xlabel=f"h{dead[0]} (dead)", ylabel=f"h{dead[1]} (dead)")
    ax.set_title("energy on the plane of two dead neurons", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")

    ax = axes[0, 1]
    kinds = ["retrieval", "mixture", "origin (kink)"]
    for k, kind in enumerate(kinds):
        row = next(r for r in rows if _kind(r) == kind)
        full, restricted = row["full_eigenvalues"], row["range_eigenvalues"]
        ax.plot(
            full,
            [k + 0.1] * len(full),
            "o",
            mfc="none",
            color="tab:blue",
            label="full Jacobian" if k == 0 else None,
        )
        ax.plot(
            restricted,
            [k - 0.1] * len(restricted),
            "x",
            color="tab:red",
            label="range of the Hessian" if k == 0 else None,
        )
    ax.axvline(0, color="k", lw=0.8)
    ax.axvline(-1 / results["tau_h"], color="gray", ls=":", label="-1/tau_h (flat)")
    ax.set_yticks(range(len(kinds)), kinds)
    ax.set(xlabel="real part of eigenvalue")
    ax.set_title("Jacobian spectra (real parts)", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[0, 2]
    for kind, style in zip(kinds, ("o-", "s--", "^:"), strict=True):
        row = next(r for r in rows if _kind(r) == kind)
        ax.plot(results["radii"], row["basin_fraction"], style, label=f"{kind}: {row['label']}")
    ax.set(xlabel="perturbation radius", ylabel="fraction returning", ylim=(-0.05, 1.05))
    ax.set_xscale("log")
    ax.set_title("basin size by sampled perturbations", fontsize=10)
    ax.legend(fontsize=8)

    modified = results["modified"]["_plot"]
    ax = axes[1, 0]
    ax.plot(modified["shifts"], modified["energy"], "k", lw=2, label="energy E (original)")
    for fraction, values in modified["slices"].items():
        ax.plot(modified["shifts"], values, label=f"V_c, c = {fraction:g} c_max")
    ax.axvspan(-3, 0, color="gray", alpha=0.15, label="neuron dead")
    ax.set(xlabel=f"h{modified['dead']} through the fixed point", ylabel="value")
    ax.set_title("altered dynamics: Lyapunov functions are not flat", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    for i, (fraction, values) in enumerate(modified["paths"].items()):
        gap = values[:6] - modified["at_fixed_point"][fraction] + 1e-16
        ax.semilogy(modified["times"], gap.T, color=f"C{i}", lw=1, alpha=0.7)
        ax.plot([], [], color=f"C{i}", label=f"c = {fraction:g} c_max")
    ax.set(xlabel="time", ylabel="V_c(t) - V_c(end)")
    ax.set_title("non-symmetric W_fb = S W^T: V_c decreases", fontsize=10)
    ax.legend(fontsize=8)

    ax = axes[1, 2]
    recovery = results["recovery"]
    ax.semilogy(sorted(recovery["distance_before"]), "o", ms=3, label="energy descent end")
    ax.semilogy(
        np.maximum(sorted(recovery["distance_after"]), 1e-17),
        "o",
        ms=3,
        label="after recover_state",
    )
    ax.set(xlabel="run (sorted)", ylabel="distance to the fixed point (0 drawn at 1e-17)")
    ax.set_title("state recovered from energy and Hessian", fontsize=10)
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def dead_neurons_markdown(results: dict) -> list[str]:
    """Tables of :func:`reproduce_dead_neurons`: each fixed point, then the paper's claims."""
    lines = [
        f"Worked example: {results['network']}. The paper states its claims as theorems; the "
        "claimed value is in brackets beside each measurement.",
        "",
        "| fixed point | alive memories | flat dim (Hessian null space) | dead ReLUs h < 0 "
        "(+ on the kink) | max Re eig on the range | label | flat-region points reach x* | "
        "perturbed (0.05) points stay at x* |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results["fixed_points"]:
        stay = {"basin": "100%", "unstable": "< 100%", "kink": "undecided"}[row["label"]]
        lines.append(
            f"| {_kind(row)}, E = {row['energy']:.3f} | {row['alive']} | "
            f"{row['flat_dimension']} | {row['dead_neurons']} (+ {row['on_kink']}) | "
            f"{row['max_real_range']:+.3f} | {row['label']} | {row['region_reached']:.0%} "
            f"(100%) | {row['perturbed_stayed']:.0%} ({stay}); n = {row['flat_region_samples']} |"
        )
    ensemble = results["ensemble"]
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
    recovery, modified, converged = results["recovery"], results["modified"], results["converged"]
    smooth = [r for r in results["fixed_points"] if r["smooth"]]
    lines += [
        "",
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
    return lines
