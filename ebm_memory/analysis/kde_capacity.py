"""Memory capacity of a Gaussian kernel density estimator (Schaeffer et al. 2024).

The euclidean Model B energy ``E(x) = -(1/beta) logsumexp(-beta |x - xi_j|^2 / 2)`` is a
Gaussian KDE of bandwidth ``sigma = beta^(-1/2)``; its CCCP update
``x <- sum_j softmax(-beta |x - xi_j|^2 / 2)_j xi_j`` is mean shift. ``N`` points are drawn
uniformly on the sphere of radius ``r`` in ``R^D`` (only ``sigma / r`` matters, so ``r = 1``
here). **A stored point ``xi_i`` remains a memory** when the dynamics started at ``xi_i``
converge (``max_iter`` updates, last change ``<= 1e-4 sigma``) to a fixed point within
``tolerance * sigma`` of ``xi_i`` and of no other stored point (default ``sigma / 2``); runs
that have not converged count as lost. **The capacity** ``N*`` is the number of stored points
at which the fraction that remain memories falls to ``level`` (default 0.9), interpolated in
``log N`` on a doubling grid refined by bisection.

Predictions from the separation ``Delta_i = min_j |xi_i - xi_j|^2 / 2``, whose law for random
points is exact: ``(1 + cos)/2`` of two random directions is ``Beta((D-1)/2, (D-1)/2)``, so
``P(Delta_i >= delta) = (1 - I_{delta / 2r^2}((D-1)/2, (D-1)/2))^(N-1)``.

- Ramsauer et al.'s storage condition with ``beta = 1/sigma^2``, ``M = r``:
  ``Delta_i >= 2/(beta N) + ln(2 (N-1) N beta M^2) / beta`` guarantees a fixed point within
  ``1/(beta N M)`` of ``xi_i``, reached from it: sufficient, so a **lower bound** on ``N*``
  (their closed-form capacity theorem is this condition plus a union bound).
- Pairwise merging: two equal kernels ``d`` apart have a mode within ``tau sigma`` of each
  centre iff ``d >= d_c(tau) sigma`` (``d_c(1/2) = 2.108``; the modes merge at ``2 sigma``).
  Keeping ``xi_i`` if its nearest neighbour lies beyond ``d_c sigma`` is an **estimate** that
  ignores all the other neighbours.

Both grow like ``(r / (c sigma))^(D-1)``: exponential in ``D`` at fixed ``sigma / r``, and so
does the measured capacity while ``D <~ (r/sigma)^2``, where the nearest neighbours decide.
For larger ``D`` the whole sample, at distance ``~ r sqrt(2)``, pulls every point toward the
centre at once (all are lost together) and the growth slows: the capacity stays finite,
tending as ``D -> infinity`` to the mean-field ceiling :func:`mean_field_ceiling` (about
``exp(A - 1) / A`` with ``A = (r/sigma)^2`` for large ``A``; approached from below, once
``D >> (r/sigma)^4``).
The predictions and fits live in :mod:`ebm_memory.analysis.kde_capacity_theory`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jax
import numpy as np
from tqdm.auto import tqdm

from ebm_memory._io import save_figure
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis.kde_capacity_theory import (
    capacity_from_curve,
    fit_exponential_rate,
    mean_field_ceiling,
    merge_distance,
    pairwise_fraction,
    predicted_capacity,
    separation_bound_fraction,
    storage_threshold,
)
from ebm_memory.dynamics import retrieve_softmax
from ebm_memory.dynamics.separation import pattern_separation
from ebm_memory.energies.streaming import default_chunk_size

__all__ = [
    "kde_capacity",
    "kde_capacity_markdown",
    "memory_fraction",
    "plot_kde_capacity",
    "regime_fits",
    "reproduce_kde_capacity",
]


@functools.partial(jax.jit, static_argnames=("max_iter", "chunk_size"))
def _descend(probes, memories, beta, tol, max_iter, chunk_size):
    """Mean shift of (T, P, D) probes on (T, K, D) memories, one KDE per trial."""
    settings = {"similarity": "euclidean", "max_iter": max_iter, "tol": tol}

    def one_trial(states, patterns):
        result = retrieve_softmax(states, patterns, beta, chunk_size=chunk_size, **settings)
        return result.states, result.converged

    return jax.vmap(one_trial)(probes, memories)


def _census(blocks, sigma, tolerance, max_iter, n_probes):
    """(T, B, N, D) stored sets of N <= n_probes points, or (T, 1, N, D) with N > n_probes:
    ``kept`` and ``undecided`` for the first ``min(N, n_probes)`` of each, (T, tested).

    Kept: mean shift converged to a fixed point within ``tolerance * sigma`` of the point
    and of no other stored point (two points merged into one mode are not both memories).
    """
    n_trials, _, n, n_features = blocks.shape
    tested = min(n, n_probes)
    far = np.zeros((n_trials, max(n_probes - n, 0), n_features))
    far[..., 0] = 2.0 + 64.0 * sigma  # kernel weight <= exp(-(1 + 64 s)^2 / 2s^2) = 0 exactly
    chunk = default_chunk_size(max(n, n_probes))
    kept, undecided = [], []
    radius = tolerance * sigma
    for block in np.moveaxis(blocks, 1, 0):
        probes = block[:, np.arange(n_probes) % n]
        states, converged = _descend(
            probes, np.concatenate([block, far], 1), 1 / sigma**2, 1e-4 * sigma, max_iter, chunk
        )
        states, converged = np.asarray(states)[:, :tested], np.asarray(converged)[:, :tested]
        inside = np.linalg.norm(states - probes[:, :tested], axis=-1) <= radius
        # stored points within the radius of each fixed point (|xi| = 1): 1 if it is its own
        near = [
            np.sum(x @ b.T >= (np.sum(x**2, 1)[:, None] + 1 - radius**2) / 2, 1)
            for x, b in zip(states, block, strict=True)
        ]
        kept.append(inside & converged & (np.array(near) == 1))
        undecided.append(inside & ~converged)
    return np.concatenate(kept, 1), np.concatenate(undecided, 1)


def memory_fraction(
    n_features: int,
    sigma_over_r: float,
    *,
    tolerance: float = 0.5,
    level: float = 0.9,
    n_max: int = 2**15,
    n_trials: int = 16,
    n_probes: int = 32,
    stop_below: float = 0.5,
    refine: int = 3,
    max_iter: int = 50,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Fraction of stored points that remain memories, against ``N = 2, 4, 8, ...``.

    Each trial draws ``n_max`` points once. For ``N >= n_probes`` the KDE stores the first
    ``N`` (nested sets: common random numbers along the curve) and its first ``n_probes``
    points are tested; for smaller ``N``, ``n_probes // N`` disjoint sets of ``N`` are each
    tested whole, so a doubling ``N`` tests ``n_trials * n_probes`` points and a bisection
    midpoint that does not divide ``n_probes`` somewhat fewer (the fraction stays unbiased;
    its standard error is larger there). (Small sets are padded
    with rows far outside the sphere, of kernel weight exactly 0: one compilation serves
    them all.) The doubling stops after the first fraction below ``stop_below`` (or at
    ``n_max``); then ``refine`` bisection steps in ``log N`` narrow the bracket where the
    fraction first falls below ``level``.

    Returns
    -------
    dict of numpy arrays, each (G,) over the sorted grid ``n``
        ``fraction``, ``fraction_se`` (between trials), ``undecided`` (tested points still
        moving, within ``tolerance * sigma``, after ``max_iter`` updates: counted as lost);
        ``bound``, ``pairwise``: the two predictions; ``bound_sampled``,
        ``pairwise_sampled``: their conditions on the sampled ``Delta_i``
        (:func:`~ebm_memory.dynamics.separation.pattern_separation`); ``bound_violations``:
        tested points that meet Ramsauer et al.'s condition yet were lost (0 by the theorem).
    """
    n_features = check_integer("n_features", n_features, minimum=2)
    n_probes = check_integer("n_probes", n_probes, minimum=1)
    n_max = check_integer("n_max", n_max, minimum=max(2, n_probes))
    check_positive("sigma_over_r", sigma_over_r)
    rng = np.random.default_rng([seed, n_features])
    shape = (check_integer("n_trials", n_trials, minimum=2), n_max, n_features)
    points = rng.normal(size=shape)
    points /= np.linalg.norm(points, axis=-1, keepdims=True)
    pair_threshold = (merge_distance(tolerance) * sigma_over_r) ** 2 / 2

    def census(n):
        n_blocks = max(1, n_probes // n)
        blocks = points[:, : n_blocks * n].reshape(n_trials, n_blocks, n, n_features)
        kept, undecided = _census(blocks, sigma_over_r, tolerance, max_iter, n_probes)
        tested = np.arange(min(n, n_probes))
        delta = np.array(
            [[pattern_separation(b, "euclidean", rows=tested) for b in trial] for trial in blocks]
        ).reshape(kept.shape)
        meets_bound = delta >= storage_threshold(n, sigma_over_r)
        return {
            "n": n,
            "fraction": kept.mean(),
            "fraction_se": kept.mean(axis=1).std(ddof=1) / np.sqrt(n_trials),
            "undecided": undecided.mean(),
            "bound_sampled": meets_bound.mean(),
            "pairwise_sampled": np.mean(delta >= pair_threshold),
            "bound_violations": int(np.sum(meets_bound & ~kept)),
        }

    rows = [census(2)]
    while rows[-1]["fraction"] >= stop_below and 2 * rows[-1]["n"] <= n_max:
        rows.append(census(2 * rows[-1]["n"]))
    below = [k for k, row in enumerate(rows) if row["fraction"] < level]
    if below and below[0] > 0:
        low, high = rows[below[0] - 1]["n"], rows[below[0]]["n"]
        for _ in range(refine):
            middle = int(round(np.sqrt(low * high)))
            if not low < middle < high:
                break
            rows.append(census(middle))
            low, high = (middle, high) if rows[-1]["fraction"] >= level else (low, middle)
    rows.sort(key=lambda row: row["n"])
    result = {key: np.array([row[key] for row in rows]) for key in rows[0]}
    result["bound"] = separation_bound_fraction(result["n"], n_features, sigma_over_r)
    result["pairwise"] = pairwise_fraction(result["n"], n_features, sigma_over_r, tolerance)
    return result


def kde_capacity(
    n_features, sigma_over_r, *, level=0.9, tolerance=0.5, progress_bar=False, **kwargs
) -> dict:
    """Measured and predicted capacities at each ``(D, sigma / r)`` (the two broadcast);
    ``kwargs`` go to :func:`memory_fraction`.

    Returns
    -------
    dict
        (C,) arrays ``n_features``, ``sigma_over_r``, ``capacity``, ``censored`` (the fraction
        never fell below ``level``: ``capacity`` is the largest ``N`` tried, a lower bound),
        ``bound_capacity``, ``pairwise_capacity``, ``ceiling`` (:func:`mean_field_ceiling`);
        ``curves``, the :func:`memory_fraction` results; ``level``, ``tolerance``.
    """
    dims, sigmas = np.broadcast_arrays(np.atleast_1d(n_features), np.atleast_1d(sigma_over_r))
    configs = [(int(d), float(s)) for d, s in zip(dims, sigmas, strict=True)]
    curves = [
        memory_fraction(d, s, tolerance=tolerance, level=level, **kwargs)
        for d, s in tqdm(configs, "KDEs", disable=not progress_bar)
    ]
    measured = np.array([capacity_from_curve(c["n"], c["fraction"], level) for c in curves])
    bound = [predicted_capacity(separation_bound_fraction, *c, level=level) for c in configs]
    pairwise = [
        predicted_capacity(pairwise_fraction, *c, level=level, tolerance=tolerance) for c in configs
    ]
    return {
        "n_features": dims.astype(int),
        "sigma_over_r": sigmas.astype(float),
        "capacity": measured[:, 0],
        "censored": measured[:, 1].astype(bool),
        "bound_capacity": np.array(bound),
        "pairwise_capacity": np.array(pairwise),
        "ceiling": mean_field_ceiling(sigmas, tolerance),
        "curves": curves,
        "level": level,
        "tolerance": tolerance,
    }


def regime_fits(sweep: dict) -> dict:
    """Exponential fits of a sweep over ``D`` at one ``sigma / r``, on the uncensored
    ``D <= (r / sigma)^2`` (the nearest-neighbour regime, ``fit_dims``): ``measured``,
    ``bound`` and ``pairwise`` (:func:`fit_exponential_rate`; None below 2 dimensions)."""
    dims = sweep["n_features"]
    used = (dims <= 1.0 / sweep["sigma_over_r"][0] ** 2) & ~sweep["censored"]
    fits = {"fit_dims": dims[used].tolist()}
    for name in ("measured", "bound", "pairwise"):
        values = sweep["capacity" if name == "measured" else f"{name}_capacity"][used]
        fits[name] = fit_exponential_rate(dims[used], values) if used.sum() > 1 else None
    return fits


def _rate_label(fit):
    return f"{fit['rate']:.2f} [{fit['rate_ci'][0]:.2f}, {fit['rate_ci'][1]:.2f}]"


PREDICTIONS = (
    ("pairwise_capacity", "--", "pairwise merging"),
    ("bound_capacity", ":", "Ramsauer bound"),
    ("ceiling", "-.", "D -> inf ceiling"),
)


def _capacity_panel(ax, x, sweep, colour, top, labels=""):
    """Measured capacity (open triangles: censored), pairwise (dashed), Ramsauer bound (dotted)
    and the ``D -> infinity`` ceiling (dash-dot) against ``x``."""
    censored = sweep["censored"]
    ax.plot(x[censored], sweep["capacity"][censored], "^", color=colour, mfc="none")
    ax.plot(x[~censored], sweep["capacity"][~censored], "o", color=colour, label=labels or None)
    for key, style, name in PREDICTIONS:
        ax.plot(x, sweep[key], style, color=colour, lw=1, label=name if labels else None)
    return max(top, 30 * sweep["capacity"].max())


def plot_kde_capacity(dimension_sweeps: list[dict], sigma_sweep: dict, curves_from: int = 0):
    """Three panels: the fraction of stored points that remain memories against ``N`` (one
    curve per ``D`` of ``dimension_sweeps[curves_from]``); the capacity against ``D`` (log
    scale, exponential fits over ``D <= (r/sigma)^2``); and against ``sigma / r``. Dashed:
    pairwise estimate; dotted: Ramsauer bound; dash-dot: ``D -> infinity`` ceiling.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    sweep = dimension_sweeps[curves_from]
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(sweep["curves"])))
    for d, curve, colour in zip(sweep["n_features"], sweep["curves"], colours, strict=True):
        n, style = curve["n"], {"color": colour, "lw": 1}
        axes[0].errorbar(
            n, curve["fraction"], curve["fraction_se"], marker="o", ms=3, label=f"D = {d}", **style
        )
        axes[0].plot(n, curve["pairwise"], "--", **style)
        axes[0].plot(n, curve["bound"], ":", **style)
    axes[0].axhline(sweep["level"], color="grey", lw=0.8)
    axes[0].set_title(f"remaining memories, sigma/r = {sweep['sigma_over_r'][0]:g}")
    axes[0].set(xscale="log", xlabel="stored points N", ylabel="fraction that remain memories")
    top = 1.0
    for sweep, colour in zip(dimension_sweeps, ("tab:blue", "tab:red", "tab:green"), strict=False):
        dims, fit = sweep["n_features"], regime_fits(sweep)
        top = _capacity_panel(axes[1], dims, sweep, colour, top)
        if fit["measured"] is not None:
            x, label = np.asarray(fit["fit_dims"]), f"sigma/r = {sweep['sigma_over_r'][0]:g}: "
            line = np.exp(fit["measured"]["intercept"] + fit["measured"]["rate"] * x)
            label += f"rate {_rate_label(fit['measured'])} per D"
            axes[1].plot(x, line, color=colour, label=label)
    axes[1].set_title("capacity at fixed sigma/r, fitted exponentials")
    axes[1].set(yscale="log", ylim=(0.8, top), xlabel="dimension D", ylabel="capacity N*")
    top = _capacity_panel(axes[2], sigma_sweep["sigma_over_r"], sigma_sweep, "k", 1.0, "measured")
    axes[2].set_title(f"capacity against bandwidth, D = {sigma_sweep['n_features'][0]}")
    axes[2].set(xscale="log", yscale="log", ylim=(0.8, top), xlabel="bandwidth sigma / r")
    for ax in axes:
        ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


FULL = {
    "dimension_sweeps": {0.3: (4, 6, 8, 10, 12, 16, 24, 32), 0.2: (3, 4, 5, 6, 7, 8, 9, 10)},
    "sigma_sweep": (8, (0.15, 0.2, 0.25, 0.3, 0.4, 0.5)),
    "settings": {"n_trials": 16, "n_probes": 32, "n_max": 2**15},
}
QUICK = {
    "dimension_sweeps": {0.3: (4, 6, 8, 10)},
    "sigma_sweep": (6, (0.2, 0.3, 0.4)),
    "settings": {"n_trials": 8, "n_probes": 16, "n_max": 2**11},
}


def _rows(sweep: dict) -> list[dict]:
    names = ("capacity", "bound_capacity", "pairwise_capacity", "ceiling")
    return [
        {
            "n_features": int(sweep["n_features"][i]),
            "sigma_over_r": float(sweep["sigma_over_r"][i]),
            "censored": bool(sweep["censored"][i]),
            **{name.removesuffix("_capacity"): float(sweep[name][i]) for name in names},
            "n": curve["n"].tolist(),
            "fraction": curve["fraction"].tolist(),
        }
        for i, curve in enumerate(sweep["curves"])
    ]


def reproduce_kde_capacity(out_dir, quick: bool = False) -> dict:
    """Capacity of Gaussian KDEs against ``D`` at ``sigma / r`` = 0.3 and 0.2, and against
    ``sigma / r`` at ``D = 8`` (``quick``: ``sigma / r = 0.3`` and ``D <= 10`` only, the
    bandwidth sweep at ``D = 6``, fewer trials); writes ``kde_capacity.png``."""
    import matplotlib.pyplot as plt

    config = QUICK if quick else FULL
    settings = config["settings"]
    sweeps = [kde_capacity(list(d), s, **settings) for s, d in config["dimension_sweeps"].items()]
    dim, sigmas = config["sigma_sweep"]
    sigma_sweep = kde_capacity(dim, list(sigmas), **settings)
    figure = plot_kde_capacity(sweeps, sigma_sweep)
    save_figure(figure, Path(out_dir) / "kde_capacity.png", dpi=120)
    plt.close(figure)
    curves = [c for sweep in (*sweeps, sigma_sweep) for c in sweep["curves"]]
    return {
        **settings,
        "level": sweeps[0]["level"],
        "tolerance": sweeps[0]["tolerance"],
        "merge_distance": merge_distance(sweeps[0]["tolerance"]),
        "dimension_sweeps": [
            {
                "sigma_over_r": float(sweep["sigma_over_r"][0]),
                "rows": _rows(sweep),
                "fits": regime_fits(sweep),
            }
            for sweep in sweeps
        ],
        "sigma_sweep": {"n_features": dim, "rows": _rows(sigma_sweep)},
        "bound_violations": int(sum(c["bound_violations"].sum() for c in curves)),
        "max_undecided": float(max(c["undecided"].max() for c in curves)),
        "figure": "kde_capacity.png",
    }


def kde_capacity_markdown(results: dict) -> list[str]:
    """Tables: the measured capacity beside the separation bound, the pairwise estimate and
    the ``D -> infinity`` ceiling at every ``(sigma / r, D)``; the exponential rates."""
    lines = [
        "Points uniform on a sphere of radius r in R^D stored in a Gaussian KDE of bandwidth "
        "sigma (beta = 1/sigma^2). A point remains a memory when mean shift from it converges "
        f"within {results['tolerance']:g} sigma of it (and of no other point); capacity N*: the "
        f"number of stored points at which {results['level']:.0%} remain "
        f"({results['n_trials']} trials x {results['n_probes']} tested points). Bound: Ramsauer "
        "et al.'s separation condition with the exact law of the nearest-neighbour distance "
        f"(a lower bound); pairwise: nearest neighbour beyond {results['merge_distance']:.3f} "
        "sigma (an estimate).",
        "",
        "| sigma/r | D | measured N* | Ramsauer separation bound | pairwise merging | "
        "D -> inf ceiling | bound <= measured |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [row for sweep in results["dimension_sweeps"] for row in sweep["rows"]]
    rows = {(r["sigma_over_r"], r["n_features"]): r for r in rows + results["sigma_sweep"]["rows"]}
    for (sigma, dim), row in sorted(rows.items()):
        lines.append(
            f"| {sigma:g} | {dim} | {'>= ' if row['censored'] else ''}{row['capacity']:.3g} | "
            f"{row['bound']:.3g} | {row['pairwise']:.3g} | {row['ceiling']:.3g} | "
            f"{'yes' if row['bound'] <= row['capacity'] else 'NO'} |"
        )
    lines += [
        "",
        "Fits log N* = a + b D over D <= (r/sigma)^2, rate b per dimension [95% interval]:",
        "",
        "| sigma/r | D fitted | measured rate | bound rate | pairwise rate |",
        "|---|---|---|---|---|",
    ]
    for sweep in results["dimension_sweeps"]:
        fits = sweep["fits"]
        if fits["measured"] is not None:
            lines.append(
                f"| {sweep['sigma_over_r']:g} | {', '.join(map(str, fits['fit_dims']))} | "
                f"{_rate_label(fits['measured'])} | {fits['bound']['rate']:.2f} | "
                f"{fits['pairwise']['rate']:.2f} |"
            )
    return lines + [
        "",
        f"Tested points that met Ramsauer et al.'s condition yet were lost: "
        f"{results['bound_violations']}. Largest fraction of tested points still moving after "
        f"the last update (counted as lost): {results['max_undecided']:.3f}.",
    ]
