"""The demo's density sections: beta chosen by held-out likelihood, and the density sampled.

Examples
--------
>>> from ebm_memory.demo._density import BETA_GRID
>>> BETA_GRID
(0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.special import logsumexp
from scipy.stats import ks_2samp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity

from ebm_memory._io import save_figure
from ebm_memory.estimators import DenseAssociativeMemory
from ebm_memory.plotting import plot_retrieval_grid
from ebm_memory.plotting._style import PALETTE, styled

__all__ = ["BETA_GRID", "R_HAT_LIMIT", "beta_search", "column_title", "sampling", "samples_figure"]

BETA_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
"""The betas of the grid search."""
R_HAT_LIMIT = 1.01
"""Largest R-hat of chains taken as mixed; the samples figure flags those above it."""


def beta_search(random_state: int) -> tuple[dict, DenseAssociativeMemory]:
    """Choose beta of the euclidean softmax memory (a Gaussian KDE) by likelihood.

    3-fold held-out log-likelihood on 80 % of the grey-level digits; the chosen memory then
    scores the other 20 %, against ``KernelDensity`` at the same bandwidth and a direct
    float64 log-sum-exp.

    Parameters
    ----------
    random_state : int
        Seed of the train / test split.

    Returns
    -------
    section : dict
        The grid, the cross-validated scores, the chosen beta and the test scores.
    best : DenseAssociativeMemory
        The memory fitted with the chosen beta.
    """
    grey = load_digits().data
    train, test = train_test_split(grey, test_size=0.2, random_state=random_state)
    search = GridSearchCV(
        DenseAssociativeMemory(similarity="euclidean"), {"beta": list(BETA_GRID)}, cv=3
    ).fit(train)
    beta = search.best_params_["beta"]
    ours = search.best_estimator_.score_samples(test)
    kde = KernelDensity(bandwidth=beta**-0.5).fit(train).score_samples(test)
    squared = np.sum((test[:, None, :] - train[None, :, :]) ** 2, axis=-1)
    direct = (
        logsumexp(-beta * squared / 2, axis=1)
        - np.log(len(train))
        - 0.5 * train.shape[1] * np.log(2 * np.pi / beta)
    )
    return {
        "grid": list(BETA_GRID),
        "cv_mean_log_likelihood": [float(v) for v in search.cv_results_["mean_test_score"]],
        "chosen_beta": beta,
        "test_mean_log_likelihood": float(ours.mean()),
        "kernel_density_test_mean_log_likelihood": float(kde.mean()),
        "max_abs_difference_to_kernel_density": float(np.abs(ours - kde).max()),
        "max_abs_difference_to_direct_logsumexp": float(np.abs(ours - direct).max()),
        "kernel_density_max_abs_error": float(np.abs(kde - direct).max()),
    }, search.best_estimator_


def sampling(best: DenseAssociativeMemory, out_dir: Path, random_state: int) -> dict:
    """Sample the chosen digit density and a ten times smoother one; compare with exact draws.

    MALA, HMC and NUTS (4 chains each) against exact mixture samples. At the chosen beta the
    modes are separated by energy barriers that the chains do not cross, which R-hat flags;
    the smoother density mixes.

    Parameters
    ----------
    best : DenseAssociativeMemory
        The fitted memory of :func:`beta_search`.
    out_dir : pathlib.Path
        The folder that receives ``samples.png``.
    random_state : int
        Seed of the projections and of every sampler.

    Returns
    -------
    section : dict
        ``results`` (a row of diagnostics per beta and method) and ``figure``.
    """
    rng = np.random.default_rng(random_state)
    directions = rng.normal(size=(8, best.n_features_in_))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    smoother = clone(best).set_params(beta=best.beta_ / 10).fit(best.memories_)
    rows, columns = [], {}
    for label, memory in (("chosen", best), ("smoother", smoother)):
        exact = memory.sample(4000, random_state=random_state)
        columns[("exact", label)] = (exact[:8], memory.beta_, None)
        for method in ("mala", "hmc", "nuts"):
            draws, result = memory.sample(
                1000,
                random_state=random_state,
                method=method,
                n_warmup=300,
                n_chains=4,
                return_info=True,
            )
            ks = max(ks_2samp(draws @ d, exact @ d).statistic for d in directions)
            row = {**result.summary(), "beta": memory.beta_, "max_ks_statistic": ks}
            rows.append(row)
            if label == "chosen" or method == "nuts":
                columns[(method, label)] = (draws[-8:], memory.beta_, row["max_r_hat"])
    figure = samples_figure(columns)
    save_figure(figure, out_dir / "samples.png", dpi=120)
    plt.close(figure)
    return {"results": rows, "figure": "samples.png"}


def column_title(method: str, beta: float, r_hat: float | None) -> str:
    """A column's title: the sampler, its beta and temperature, and its R-hat (flagged above
    :data:`R_HAT_LIMIT`).

    Examples
    --------
    >>> print(column_title("nuts", 0.05, 4.2))
    nuts
    beta 0.05, T 20
    R-hat 4.2 (> 1.01!)
    >>> print(column_title("exact", 0.005, None))
    exact
    beta 0.005, T 200
    """
    lines = [method, f"beta {beta:.3g}, T {1 / beta:.3g}"]
    if r_hat is not None:
        lines.append(f"R-hat {r_hat:.4g}" + (f" (> {R_HAT_LIMIT}!)" if r_hat > R_HAT_LIMIT else ""))
    return "\n".join(lines)


@styled
def samples_figure(columns: dict):
    """The samples as digits, a column per ``(method, density)`` key of ``columns`` (values:
    the last 8 draws, the density's beta, the chains' largest R-hat or None for exact
    draws); columns with R-hat above :data:`R_HAT_LIMIT` get their titles in the warning
    colour and the figure's title says the chains did not mix."""
    titles = {
        column_title(method, beta, r_hat): images / 8.0 - 1.0  # [0, 16] -> [-1, 1]
        for (method, _), (images, beta, r_hat) in columns.items()
    }
    r_hats = [r_hat for _, _, r_hat in columns.values() if r_hat is not None]
    worst = max(r_hats)
    headline = "Samples of the digit density (T = 1/beta; last 8 draws of 4 chains)"
    if worst > R_HAT_LIMIT:
        headline += (
            f"\nWARNING: R-hat up to {worst:.4g} > {R_HAT_LIMIT}: the chains are stuck in"
            "\nseparate modes, and their draws do not represent the density"
        )
    figure = plot_retrieval_grid(titles, (8, 8))
    figure.set_size_inches(max(7.5, 1.45 * len(titles)), figure.get_size_inches()[1] + 0.6)
    for axis, (_, _, r_hat) in zip(figure.axes, columns.values(), strict=False):
        if r_hat is not None and r_hat > R_HAT_LIMIT:
            axis.title.set_color(PALETTE[1])
            axis.title.set_fontweight("bold")
    figure.suptitle(headline, color=PALETTE[1] if worst > R_HAT_LIMIT else PALETTE[7])
    return figure
