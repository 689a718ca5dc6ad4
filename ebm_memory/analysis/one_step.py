"""One-step retrieval and the three kinds of fixed points of modern Hopfield networks.

Ramsauer et al., "Hopfield Networks is All You Need" (ICLR 2021), for Model B's update
``f(xi) = X^T softmax(beta X xi)``:

- the one-step error ``||f(xi) - x_i||`` is at most ``2 (N - 1) M exp(-beta (Delta_i -
  2 ||xi - x_i|| M))`` (Lemma A4, Theorem 5), and a pattern whose separation ``Delta_i``
  exceeds ``2 / (beta N) + ln(2 (N - 1) N beta M^2) / beta`` is a stored fixed point reached
  in one update from the sphere of radius ``1 / (beta N M)`` around it (Lemmas A5-A7,
  Theorem 4); see :mod:`ebm_memory.dynamics.diagnostics`.
- the fixed points are of three kinds: a global average of all patterns (small ``beta``),
  metastable averages of subsets of similar patterns, and single patterns (large ``beta``).

:func:`one_step_errors` measures the one-step error against ``beta Delta_i`` from each
pattern (``xi = x_i``) and from a point on the surface of its sphere;
:func:`fixed_point_census` runs retrieval to convergence from the patterns and noisy copies
and classifies each fixed point by the effective number of patterns it attends to,
``n_eff = exp(entropy(softmax(beta X x*)))``: a single pattern when ``n_eff < 1.5``, the
global average when ``n_eff >= N / 2``, metastable in between.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.analysis.one_step import one_step_errors, random_unit_patterns
>>> result = one_step_errors(random_unit_patterns(32, 16), [1.0, 100.0])
>>> result["exact_error"].shape, bool(result["exact_error"][1].max() < 1e-3)
((2, 32), True)
"""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
from scipy.special import log_softmax
from sklearn.datasets import load_digits
from tqdm.auto import tqdm

from ebm_memory._io import save_figure
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.dynamics.diagnostics import (
    retrieval_error_bound,
    separation_report,
    theorem_beta,
)
from ebm_memory.dynamics.retrieval import retrieve_softmax
from ebm_memory.dynamics.separation import pattern_separation

__all__ = [
    "KINDS",
    "QUERIES",
    "classify_fixed_points",
    "digit_patterns",
    "fixed_point_census",
    "one_step_errors",
    "one_step_markdown",
    "plot_one_step",
    "random_unit_patterns",
    "reproduce_one_step",
]

KINDS = ("global", "metastable", "single")
QUERIES = ("exact", "sphere")
SINGLE_BELOW = 1.5  # n_eff below this: one pattern dominates the attention
GLOBAL_FRACTION = 0.5  # n_eff at least this fraction of N: the global average


def random_unit_patterns(n_patterns: int, n_features: int = 64, seed: int = 0) -> np.ndarray:
    """``n_patterns`` Gaussian patterns scaled to unit norm, (n_patterns, n_features)."""
    rng = np.random.default_rng(seed)
    patterns = rng.normal(size=(n_patterns, n_features))
    return patterns / np.linalg.norm(patterns, axis=1, keepdims=True)


def digit_patterns(n_patterns: int | None = None, seed: int = 0) -> np.ndarray:
    """scikit-learn's 8x8 digits, centred on the mean digit and scaled to unit norm; a random
    subset of ``n_patterns`` rows (all 1,797 when None)."""
    digits = load_digits().data
    patterns = digits - digits.mean(axis=0)
    patterns /= np.linalg.norm(patterns, axis=1, keepdims=True)
    if n_patterns is None:
        return patterns
    n_patterns = check_integer("n_patterns", n_patterns, minimum=2)
    rows = np.random.default_rng(seed).permutation(len(patterns))[:n_patterns]
    return patterns[np.sort(rows)]


def _scores(states, memories, similarity):
    scores = states @ memories.T
    if similarity == "euclidean":
        scores = scores - 0.5 * np.sum(memories**2, axis=1)
    return scores


def one_step_errors(memories, betas, *, similarity: str = "dot", seed: int = 0) -> dict:
    """One update from each pattern and from the surface of its sphere, over ``betas``.

    Parameters
    ----------
    memories : (N, D) array, N >= 2.
    betas : sequence of inverse temperatures (B,).
    similarity : {"dot", "euclidean"}
    seed : seeds the direction of each pattern's sphere query (the same at every ``beta``).

    Returns
    -------
    dict of numpy arrays
        ``betas`` (B,); ``separation`` (N,); ``pattern_beta`` (N,): the ``beta`` from which
        each pattern meets the theorem's condition; ``beta_delta`` (B, N); ``beyond`` (B, N):
        ``beta >= pattern_beta``; for each query kind ``q`` in :data:`QUERIES`
        (``"exact"``: ``xi = x_i``; ``"sphere"``: ``||xi - x_i|| = 1 / (beta N M)``, the
        edge of the theorem's sphere) ``q_error`` and ``q_bound`` (B, N): the measured
        one-step error and the theorem's bound; ``max_norm``, ``n_patterns``.
    """
    memories = np.asarray(memories, dtype=np.float64)
    n_patterns = check_integer("number of memories", len(memories), minimum=2)
    betas = np.asarray(betas, dtype=np.float64)
    for beta in betas:
        check_positive("beta", beta)
    max_norm = float(np.linalg.norm(memories, axis=1).max())
    separation = pattern_separation(memories, similarity)
    directions = np.random.default_rng(seed).normal(size=memories.shape)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    result = {name: [] for name in ("exact_error", "sphere_error", "exact_bound", "sphere_bound")}
    with jax.enable_x64(True):
        for beta in betas:
            radius = 1.0 / (beta * n_patterns * max_norm)
            for query, distance in (("exact", 0.0), ("sphere", radius)):
                start = memories + distance * directions
                update = retrieve_softmax(start, memories, beta, similarity=similarity, max_iter=1)
                error = np.linalg.norm(np.asarray(update.states) - memories, axis=1)
                bound = retrieval_error_bound(separation, beta, n_patterns, max_norm, distance)
                result[f"{query}_error"].append(error)
                result[f"{query}_bound"].append(bound)
    pattern_beta = theorem_beta(separation, n_patterns, max_norm)
    return {
        "betas": betas,
        "separation": separation,
        "pattern_beta": pattern_beta,
        "beta_delta": betas[:, None] * separation[None, :],
        "beyond": betas[:, None] >= pattern_beta[None, :],
        **{name: np.stack(values) for name, values in result.items()},
        "max_norm": np.float64(max_norm),
        "n_patterns": np.int64(n_patterns),
    }


def classify_fixed_points(states, memories, beta: float, similarity: str = "dot"):
    """Kind of each state by its attention ``p = softmax(beta * scores)``.

    Returns
    -------
    kinds : (S,) int array, indices into :data:`KINDS` (0 global, 1 metastable, 2 single).
    n_eff : (S,) ``exp(entropy(p))``, the effective number of attended patterns.
    """
    states = np.asarray(states, dtype=np.float64)
    memories = np.asarray(memories, dtype=np.float64)
    log_p = log_softmax(beta * _scores(states, memories, similarity), axis=1)
    n_eff = np.exp(-np.sum(np.exp(log_p) * log_p, axis=1))
    kinds = np.where(
        n_eff < SINGLE_BELOW, 2, np.where(n_eff >= GLOBAL_FRACTION * len(memories), 0, 1)
    )
    return kinds, n_eff


def _count_distinct(states: np.ndarray, tol: float) -> int:
    """Number of groups of states closer than ``tol`` to a group's first member."""
    representatives: list[np.ndarray] = []
    for state in states:
        if not any(np.linalg.norm(state - rep) < tol for rep in representatives):
            representatives.append(state)
    return len(representatives)


def fixed_point_census(
    memories,
    betas,
    *,
    similarity: str = "dot",
    noise: float = 0.3,
    max_iter: int = 2000,
    tol: float = 1e-9,
    seed: int = 0,
    progress_bar: bool = False,
) -> dict:
    """Fixed points reached from every pattern and from one noisy copy of each, by kind.

    Parameters
    ----------
    memories : (N, D) array.
    betas : sequence of inverse temperatures (B,).
    similarity : {"dot", "euclidean"}
    noise : norm of the perturbation of the noisy starts, as a fraction of ``M``.
    max_iter, tol : passed to :func:`~ebm_memory.dynamics.retrieve_softmax`.
    seed : seeds the perturbations (the same at every ``beta``).
    progress_bar : a tqdm bar over ``betas``.

    Returns
    -------
    dict of numpy arrays
        ``betas`` (B,); ``fractions`` (B, 3): fraction of the ``2 N`` starts ending at each
        kind of :data:`KINDS`; ``distinct`` (B, 3): distinct fixed points of each kind (states
        closer than ``1e-4 M`` are one); ``median_n_eff`` (B,) over metastable states (nan
        when none); ``not_converged`` (B,) fraction of starts.
    """
    memories = np.asarray(memories, dtype=np.float64)
    check_integer("number of memories", len(memories), minimum=2)
    check_positive("noise", noise, allow_zero=True)
    betas = np.asarray(betas, dtype=np.float64)
    max_norm = float(np.linalg.norm(memories, axis=1).max())
    rng = np.random.default_rng(seed)
    kicks = rng.normal(size=memories.shape)
    kicks *= noise * max_norm / np.linalg.norm(kicks, axis=1, keepdims=True)
    starts = np.concatenate([memories, memories + kicks])
    fractions, distinct, median_n_eff, not_converged = [], [], [], []
    with jax.enable_x64(True):
        for beta in tqdm(betas, "beta", disable=not progress_bar):
            result = retrieve_softmax(
                starts, memories, beta, similarity=similarity, max_iter=max_iter, tol=tol
            )
            states = np.asarray(result.states)
            kinds, n_eff = classify_fixed_points(states, memories, beta, similarity)
            fractions.append([np.mean(kinds == kind) for kind in range(len(KINDS))])
            distinct.append(
                [_count_distinct(states[kinds == kind], 1e-4 * max_norm) for kind in range(3)]
            )
            metastable = n_eff[kinds == 1]
            median_n_eff.append(np.median(metastable) if metastable.size else np.nan)
            not_converged.append(1.0 - np.mean(np.asarray(result.converged)))
    return {
        "betas": betas,
        "fractions": np.asarray(fractions),
        "distinct": np.asarray(distinct, dtype=np.int64),
        "median_n_eff": np.asarray(median_n_eff),
        "not_converged": np.asarray(not_converged),
    }


def plot_one_step(one_step: dict[str, dict], census: dict[str, dict], floor: float = 1e-17):
    """Top row: one-step error against ``beta Delta_i`` per data set, with the theorem's
    bound for queries at the pattern, pairs beyond the theorem's threshold highlighted (the
    shaded band spans the patterns' thresholds in ``beta Delta``), and the 1e-3 line; errors
    under ``floor`` are drawn at it. Bottom row: stacked fractions of the
    three kinds of fixed points against ``beta``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    names = list(one_step)
    figure, axes = plt.subplots(2, len(names), figsize=(5.5 * len(names), 8), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        result = one_step[name]
        n, m = int(result["n_patterns"]), float(result["max_norm"])
        x_max = np.log(2 * (n - 1) * m / floor) + 5
        beyond = result["beyond"]
        for query, marker in zip(QUERIES, ("o", "x"), strict=True):
            error = np.maximum(result[f"{query}_error"], floor)
            x = result["beta_delta"]
            ax.scatter(x[~beyond], error[~beyond], s=6, marker=marker, color="0.6", alpha=0.4)
            ax.scatter(x[beyond], error[beyond], s=6, marker=marker, color="tab:blue", alpha=0.4)
        threshold = result["pattern_beta"] * result["separation"]
        ax.axvspan(threshold.min(), threshold.max(), color="tab:blue", alpha=0.15, lw=0)
        grid = np.linspace(0, x_max, 200)
        ax.plot(grid, 2 * (n - 1) * m * np.exp(-grid), "k--", label="bound 2(N-1)M exp(-βΔ)")
        ax.axhline(1e-3, color="tab:red", lw=1, label="1e-3")
        ax.scatter([], [], color="tab:blue", label="beyond the theorem's threshold")
        ax.scatter([], [], color="0.6", label="below it (o: x_i, x: sphere edge)")
        ax.set(yscale="log", xlim=(0, x_max), ylim=(floor / 3, 10 * m), xlabel="β Δ_i")
        ax.set(ylabel="one-step error ||f(ξ) - x_i||", title=f"{name}: one update (N = {n})")
        ax.legend(fontsize=7, loc="upper right")
    colours = ("tab:gray", "tab:orange", "tab:green")
    for ax, name in zip(axes[1], names, strict=True):
        result = census[name]
        ax.stackplot(
            result["betas"], result["fractions"].T, labels=KINDS, colors=colours, alpha=0.8
        )
        ax.set(xscale="log", ylim=(0, 1), xlabel="β", ylabel="fraction of starts")
        ax.set_title(f"{name}: fixed points reached", fontsize=10)
        ax.legend(fontsize=8, loc="center right")
    figure.tight_layout()
    return figure


CRITERION = 1e-3  # the issue's bar for the one-step error beyond the theorem's threshold


def _one_step_summary(result: dict, n_features: int) -> dict:
    beyond, x = result["beyond"], result["beta_delta"]
    queries = {}
    for query in QUERIES:
        error, bound = result[f"{query}_error"], result[f"{query}_bound"]
        large = x[error >= CRITERION]
        queries[query] = {
            "pairs_beyond": int(beyond.sum()),
            "pairs": int(beyond.size),
            "max_error_beyond": float(error[beyond].max()) if beyond.any() else None,
            "max_bound_beyond": float(bound[beyond].max()) if beyond.any() else None,
            "max_error_below": float(error[~beyond].max()) if (~beyond).any() else None,
            "bound_violations": int(np.sum(error > bound * (1 + 1e-9) + 1e-15)),
            "measured_beta_delta": float(large.max()) if large.size else 0.0,
        }
    threshold = result["pattern_beta"] * result["separation"]
    return {
        "n_patterns": int(result["n_patterns"]),
        "n_features": n_features,
        "max_norm": float(result["max_norm"]),
        "separation_quantiles": {
            f"{q:g}": float(np.quantile(result["separation"], q)) for q in (0, 0.1, 0.5, 0.9, 1)
        },
        "betas": result["betas"].tolist(),
        "theorem_beta_delta": [float(threshold.min()), float(threshold.max())],
        "queries": queries,
    }


def _census_summary(result: dict, n_patterns: int) -> dict:
    return {
        "n_patterns": n_patterns,
        "betas": result["betas"].tolist(),
        "fractions": {kind: result["fractions"][:, k].tolist() for k, kind in enumerate(KINDS)},
        "distinct": {kind: result["distinct"][:, k].tolist() for k, kind in enumerate(KINDS)},
        "median_n_eff": [None if np.isnan(v) else float(v) for v in result["median_n_eff"]],
        "not_converged": result["not_converged"].tolist(),
    }


def reproduce_one_step(out_dir, quick: bool = False) -> dict:
    """One-step error against ``beta Delta`` and the census of fixed points against ``beta``,
    on random unit patterns (N = 256, d = 64; N = 64 with ``quick``) and on the digits (all
    1,797 for the one-step error, 500 for the census; 300 and 150 with ``quick``)."""
    import matplotlib.pyplot as plt

    n_random, n_digits, n_census, n_grid = (64, 300, 150, 10) if quick else (256, None, 500, 24)
    data = {"random": random_unit_patterns(n_random, 64), "digits": digit_patterns(n_digits)}
    census_data = {"random": data["random"], "digits": digit_patterns(n_census, seed=1)}
    census_grids = {
        "random": np.logspace(0, 2, 9 if quick else 17),
        "digits": np.logspace(0, 3, 10 if quick else 19),
    }
    one_step, census, results = {}, {}, {"criterion": CRITERION, "one_step": {}}
    for name, memories in data.items():
        max_norm = np.linalg.norm(memories, axis=1).max()
        pattern_beta = theorem_beta(pattern_separation(memories), len(memories), max_norm)
        betas = np.geomspace(0.1 * pattern_beta.min(), 2 * pattern_beta.max(), n_grid)
        one_step[name] = one_step_errors(memories, betas)
        results["one_step"][name] = _one_step_summary(one_step[name], memories.shape[1])
    results["fixed_points"] = {}
    for name, memories in census_data.items():
        census[name] = fixed_point_census(memories, census_grids[name])
        results["fixed_points"][name] = _census_summary(census[name], len(memories))
    results["separation_reports"] = {
        name: str(separation_report(memories)) for name, memories in data.items()
    }
    results["passed"] = all(
        query["max_error_beyond"] is not None and query["max_error_beyond"] < CRITERION
        for summary in results["one_step"].values()
        for query in summary["queries"].values()
    )
    figure = plot_one_step(one_step, census)
    save_figure(figure, Path(out_dir) / "one_step.png", dpi=120)
    plt.close(figure)
    results["figure"] = "one_step.png"
    return results


def _number(value) -> str:
    return "–" if value is None else f"{value:.2g}"


def one_step_markdown(results: dict) -> list[str]:
    """Markdown tables: the one-step error beyond the theorem's threshold beside the bound
    and the 1e-3 requirement; the census of fixed points against ``beta``."""
    lines = [
        "One update of Model B, f(ξ) = Xᵀ softmax(β X ξ), from each pattern (ξ = x_i) and "
        "from the edge of its sphere (‖ξ − x_i‖ = 1/(βNM)), over a grid of β; a (pattern, β) "
        "pair is beyond the threshold when Δ_i ≥ 2/(βN) + ln(2(N−1)NβM²)/β (Ramsauer et "
        "al., Lemmas A5–A7 / Theorem 4). Bound: 2(N−1)M exp(−β(Δ_i − 2‖ξ − x_i‖M)) "
        "(Lemma A4 / Theorem 5).",
        "",
        "| data | query | pairs beyond threshold | max error there (measured) | theorem's "
        "bound there (max) | required | βΔ at the threshold (theorem) | largest βΔ with an "
        "error ≥ 1e-3 (measured) | bound violations |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in results["one_step"].items():
        low, high = summary["theorem_beta_delta"]
        for query, row in summary["queries"].items():
            lines.append(
                f"| {name} (N={summary['n_patterns']}, d={summary['n_features']}) | {query} "
                f"| {row['pairs_beyond']} / {row['pairs']} | {_number(row['max_error_beyond'])} "
                f"| {_number(row['max_bound_beyond'])} | < {results['criterion']:g} "
                f"| {low:.1f}–{high:.1f} | {row['measured_beta_delta']:.1f} "
                f"| {row['bound_violations']} |"
            )
    lines += [
        "",
        "Fixed points reached from every pattern and a noisy copy of each (noise 0.3 M), "
        "classified by n_eff = exp(entropy of the attention): single pattern n_eff < 1.5, "
        "global average n_eff ≥ N/2, metastable in between. Fractions of starts "
        "(distinct fixed points in brackets).",
        "",
        "| data | β | global average | metastable | single pattern | median n_eff "
        "(metastable) | not converged |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, census in results["fixed_points"].items():
        for b, beta in enumerate(census["betas"]):
            cells = [
                f"{census['fractions'][kind][b]:.2f} ({census['distinct'][kind][b]})"
                for kind in KINDS
            ]
            lines.append(
                f"| {name} (N={census['n_patterns']}) | {beta:.3g} | {' | '.join(cells)} "
                f"| {_number(census['median_n_eff'][b])} | {census['not_converged'][b]:.2f} |"
            )
    for name, report in results["separation_reports"].items():
        lines += ["", f"`separation_report` on {name}:", "", "```", report, "```"]
    return lines
