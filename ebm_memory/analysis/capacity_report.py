"""The capacity experiment: every Model A interaction's capacity curve against ``N``, its
figure, and its table beside the published values (``ebm-memory reproduce capacity``).

The measurements are :mod:`ebm_memory.analysis.capacity`'s.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ebm_memory._io import save_figure
from ebm_memory.analysis.capacity import (
    AGS_CAPACITY,
    EXPONENTIAL_BOUND_RATE,
    ags_load,
    capacity_curve,
    error_free_law,
    exponential_snr_rate,
    fit_growth,
)
from ebm_memory.energies import interactions

__all__ = ["CAPACITY_MODELS", "capacity_markdown", "plot_capacity", "reproduce_capacity"]


def _minor_label(value: float, _) -> str:
    """Minor ticks of log axes: label 2, 3 and 5 times a power of ten."""
    mantissa = value / 10 ** math.floor(math.log10(value)) if value > 0 else 0.0
    return f"{value:g}" if min(abs(mantissa - k) for k in (2, 3, 5)) < 1e-6 else ""


def plot_capacity(curves: dict):
    """One panel per :func:`capacity_curve` result (keyed by its title): both capacities
    with bootstrap standard errors, their fitted growth laws and the theory lines
    (``0.138 N`` for the classical network, :func:`error_free_capacity`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    figure, axes = plt.subplots(1, len(curves), figsize=(4.3 * len(curves), 4.2), squeeze=False)
    for ax, (title, result) in zip(axes[0], curves.items(), strict=True):
        n = np.asarray(result["n"], dtype=np.float64)
        fine = np.linspace(n.min(), n.max(), 100)
        power = str(result["law"]) == "power"
        degree = int(result["degree"])
        slope_name = "exponent" if power else "rate"
        exact_label = {0: "sqrt(2 ln2 2^N / N)", 2: "N / (2 ln N)"}.get(
            degree, f"N^{degree - 1} / (2 ({2 * degree - 3})!! ln N)"
        )
        for key, criterion, label, color in (
            ("capacity", "error", f"<= {float(result['error_threshold']):.0%} errors", "C0"),
            ("exact_capacity", "exact", "error-free", "C3"),
        ):
            fit = fit_growth(result, criterion)
            ax.errorbar(n, result[key], yerr=result[f"{key}_se"], fmt="o", color=color, capsize=3)
            x = np.log(fine) if power else fine
            ax.plot(
                fine,
                np.exp(fit["intercept"] + fit["slope"] * x),
                color=color,
                label=f"{label}: {slope_name} {fit['slope']:.2f} "
                f"[{fit['ci_low']:.2f}, {fit['ci_high']:.2f}]",
            )
        if degree == 2:
            ax.plot(fine, AGS_CAPACITY * fine, "k--", label="0.138 N (AGS)")
        ax.plot(fine, error_free_law(fine, degree), "k:", label=exact_label)
        ax.set_yscale("log")
        ax.set_xscale("log" if power else "linear")
        ax.set_xticks(n, [f"{value:g}" for value in n], minor=False)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(_minor_label))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("neurons N")
        ax.set_ylabel("patterns P")
        ax.legend(fontsize=7)
    figure.tight_layout()
    return figure


CAPACITY_MODELS = (  # title, interaction, (full, quick) N, (full, quick) trials, sweeps
    ("classical, F = x^2", interactions.classical(), ((100, 200, 300, 400, 500), (100, 200)),
     (12, 6), 100),
    ("polynomial, F = x^3", interactions.polynomial(3), ((24, 32, 48, 64, 96), (24, 32)),
     (8, 4), 100),
    ("polynomial, F = x^4", interactions.polynomial(4), ((12, 16, 20, 26, 32), (12, 16)),
     (8, 4), 100),
    ("exponential, F = exp(x)", interactions.exponential(1.0), (tuple(range(10, 16)), (10, 12)),
     (24, 8), 1),
)  # fmt: skip


def _local_slope(result: dict) -> float:
    """Slope of the error-free formula itself over the measured ``N`` (its finite-N rate)."""
    n = np.asarray(result["n"], dtype=np.float64)
    x = np.log(n) if str(result["law"]) == "power" else n
    return float(np.polyfit(x, np.log(error_free_law(n, int(result["degree"]))), 1)[0])


def reproduce_capacity(out_dir, quick: bool = False) -> dict:
    """Capacities of the classical, polynomial (``n = 3, 4``) and exponential networks
    against ``N`` (:data:`CAPACITY_MODELS`); writes ``capacity.png`` into ``out_dir`` and
    returns JSON-ready results. ``quick``: the two smallest ``N`` per network, fewer trials."""
    import matplotlib.pyplot as plt

    curves, models = {}, []
    for title, interaction, sizes, trials, sweeps in CAPACITY_MODELS:
        n_trials = trials[quick]
        result = capacity_curve(interaction, sizes[quick], n_trials=n_trials, max_iter=sweeps)
        curves[title] = result
        degree = int(result["degree"])
        fits = {criterion: fit_growth(result, criterion) for criterion in ("error", "exact")}
        fits["error"] |= {
            "theory": degree - 1.0 if degree else exponential_snr_rate(1.0),
            "theory_local": None,
        }
        fits["exact"] |= {
            "theory": degree - 1.0 if degree else EXPONENTIAL_BOUND_RATE,
            "theory_local": _local_slope(result),
        }
        for fit in fits.values():
            fit["deviation"] = abs(fit["slope"] - fit["theory"])
            fit["within_0.3"] = None
        if degree:
            fits["error"]["within_0.3"] = bool(fits["error"]["deviation"] <= 0.3)
        keys = ("n", "capacity", "capacity_se", "exact_capacity", "exact_capacity_se")
        models.append(
            {"model": title, "degree": degree, "n_trials": n_trials, "sweeps": sweeps}
            | {key: result[key].tolist() for key in (*keys, "theory_exact")}
            | {"fit_error": fits["error"], "fit_exact": fits["exact"]}
        )
    classical = curves[CAPACITY_MODELS[0][0]]
    loads = classical["capacity"] / classical["n"]
    figure = plot_capacity(curves)
    save_figure(figure, Path(out_dir) / "capacity.png", dpi=120)
    plt.close(figure)
    return {
        "error_threshold": 0.01,
        "ags_load_at_threshold": ags_load(0.01),
        "classical_loads": {
            "n": classical["n"].tolist(),
            "load": loads.tolist(),
            "load_se": (classical["capacity_se"] / classical["n"]).tolist(),
            "deviation": (loads / AGS_CAPACITY - 1.0).tolist(),
            "within_15pct": (np.abs(loads / AGS_CAPACITY - 1.0) <= 0.15).tolist(),
        },
        "models": models,
        "figure": "capacity.png",
    }


def _cell(value, spec: str = ".3f") -> str:
    if value is None:
        return "-"
    return ("yes" if value else "no") if isinstance(value, bool) else format(value, spec)


def capacity_markdown(results: dict) -> list[str]:
    """Markdown lines: the classical loads beside 0.138, and the fitted growth laws beside
    their theoretical exponents and rates."""
    classical, loads = results["models"][0], results["classical_loads"]
    lines = [
        "Random +-1 patterns; retrieval (asynchronous sweeps to convergence; one sweep for "
        "the exponential network) starts at every stored pattern. Capacity: the load at which "
        f"the mean final bit error reaches {results['error_threshold']:.0%}; error-free: the "
        "load at which half of the trials keep every bit of every pattern. Both interpolated "
        "in log P, +- bootstrap standard error over trials.",
        "",
        f"Classical network, {classical['n_trials']} trials per load (AGS: 0.138 N; their "
        f"retrieval states have 1% errors at {results['ags_load_at_threshold']:.3f} N):",
        "",
        "| N | P at 1% errors | P / N | published | deviation | within 15% | error-free P "
        "| N / (2 ln N) | N / (4 ln N) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i, n in enumerate(loads["n"]):
        lines.append(
            f"| {n} | {classical['capacity'][i]:.1f} ± {classical['capacity_se'][i]:.1f} | "
            f"{loads['load'][i]:.4f} ± {loads['load_se'][i]:.4f} | {AGS_CAPACITY} | "
            f"{loads['deviation'][i]:+.1%} | {_cell(loads['within_15pct'][i])} | "
            f"{classical['exact_capacity'][i]:.1f} ± {classical['exact_capacity_se'][i]:.1f} "
            f"| {classical['theory_exact'][i]:.1f} | {n / (4 * math.log(n)):.1f} |"
        )
    lines += [
        "",
        "Growth laws: least squares of ln P on ln N (on N for the exponential network), 95% "
        "bootstrap interval. Theory: n - 1; for the exponential, 2 - ln cosh 2 (signal-to-"
        "noise estimate, 1% errors) and Demircigil et al.'s ln(2)/2 (error-free). Finite N: "
        "the slope of the error-free formula itself over the same N.",
        "",
        "| model | criterion | N | fitted | 95% CI | theory | finite-N theory | deviation "
        "| within 0.3 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for model in results["models"]:
        for key, name in (("fit_error", "1% errors"), ("fit_exact", "error-free")):
            fit = model[key]
            lines.append(
                f"| {model['model']} | {name} | {model['n'][0]}-{model['n'][-1]} | "
                f"{fit['slope']:.3f} | [{fit['ci_low']:.3f}, {fit['ci_high']:.3f}] | "
                f"{fit['theory']:.3f} | {_cell(fit['theory_local'])} | "
                f"{fit['deviation']:.3f} | {_cell(fit['within_0.3'])} |"
            )
    return lines
