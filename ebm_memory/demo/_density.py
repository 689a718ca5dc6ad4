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

__all__ = ["BETA_GRID", "beta_search", "sampling"]

BETA_GRID = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
"""The betas of the grid search."""


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
        columns[f"exact, {label}"] = exact[:8]
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
            rows.append({**result.summary(), "beta": memory.beta_, "max_ks_statistic": ks})
            if label == "chosen":
                columns[method] = draws[-8:]
    scaled = {name: images / 8.0 - 1.0 for name, images in columns.items()}  # [0, 16] -> [-1, 1]
    figure = plot_retrieval_grid(scaled, (8, 8), title="Samples of the digit density")
    save_figure(figure, out_dir / "samples.png", dpi=120)
    plt.close(figure)
    return {"results": rows, "figure": "samples.png"}
