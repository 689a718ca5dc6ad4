"""The demo's ``report.md``: one function per section, and one table writer.

Examples
--------
>>> from ebm_memory.demo._report import markdown_table
>>> print("\\n".join(markdown_table(["a", "b"], [["1", "2"]])))
| a | b |
|---|---|
| 1 | 2 |
"""

from __future__ import annotations

from ebm_memory.demo._mixtures import BLOB_MIN_WEIGHT

__all__ = ["markdown", "markdown_table"]


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a Markdown table.

    Parameters
    ----------
    header : list of str
        The column names.
    rows : list of list of str
        The cells, one list per row.

    Returns
    -------
    lines : list of str
        The header line, the rule and one line per row.
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _optional(value, spec: str) -> str:
    return "" if value is None else format(value, spec)


def _retrieval(report: dict) -> list[str]:
    header = ["corruption", "model", "beta", "pixel error before", "pixel error after"]
    header += ["label accuracy", "converged", "mean steps", "seconds"]
    rows = [
        [
            row["corruption"],
            row["model"],
            _optional(row["beta"], ".3g"),
            *(f"{row[key]:.3f}" for key in ("pixel_error_before", "pixel_error_after")),
            f"{row['label_accuracy']:.3f}",
            f"{row['converged']:.2f}",
            f"{row['mean_steps']:.1f}",
            f"{row['seconds']:.2f}",
        ]
        for row in report["results"]
    ]
    return [
        "# ebm-memory demo: retrieving corrupted held-out digits",
        "",
        f"{report['n_memories']} binarised training digits stored as memories "
        f"({report['n_features']} pixels); {report['n_queries']} held-out digits corrupted "
        "and retrieved (beta chosen automatically from the memories' separation). Pixel "
        "error is measured against the clean digit (unknown pixels count as errors before "
        "retrieval); label accuracy uses the label of the memory nearest to the retrieved "
        "state.",
        "",
        *markdown_table(header, rows),
    ]


def _beta_search(search: dict) -> list[str]:
    scores = [f"{v:.1f}" for v in search["cv_mean_log_likelihood"]]
    return [
        "",
        "## Choosing beta by held-out likelihood (grey-level digits)",
        "",
        "`GridSearchCV` over beta of `DenseAssociativeMemory(similarity='euclidean')` "
        "(a Gaussian KDE with bandwidth beta^-1/2), 3-fold, on 80% of the digits:",
        "",
        *markdown_table(
            ["beta", *(f"{b:g}" for b in search["grid"])], [["mean CV log-likelihood", *scores]]
        ),
        "",
        f"Chosen beta = {search['chosen_beta']:g}; test mean log-likelihood "
        f"{search['test_mean_log_likelihood']:.2f}. Against a direct float64 log-sum-exp over "
        f"all kernels our log densities differ by at most "
        f"{search['max_abs_difference_to_direct_logsumexp']:.1e}; scikit-learn's "
        f"KernelDensity at the same bandwidth scores "
        f"{search['kernel_density_test_mean_log_likelihood']:.2f} and is off by up to "
        f"{search['kernel_density_max_abs_error']:.1f} nats (its tree sums kernels in linear "
        "space, which underflows far from the data in 64 dimensions).",
        "",
    ]


def _sampling(sampling: dict) -> list[str]:
    header = ["beta", "method", "min ESS", "max R-hat", "acceptance", "divergences"]
    header += ["ESS / s", "KS"]
    rows = [
        [
            f"{row['beta']:g}",
            row["method"],
            f"{row['min_ess']:.0f}",
            f"{row['max_r_hat']:.3f}",
            f"{row['acceptance_rate']:.2f}",
            str(row["divergences"]),
            f"{row['ess_per_second']:.1f}",
            f"{row['max_ks_statistic']:.3f}",
        ]
        for row in sampling["results"]
    ]
    return [
        "## Sampling the digit density",
        "",
        "The density above (the chosen beta) and a ten times smoother one (beta / 10), "
        "sampled by each method: 4 chains x 250 draws after 300 warm-up steps, started at "
        "random memories. KS: the largest Kolmogorov-Smirnov statistic between the draws and "
        "4,000 exact mixture samples over 8 random 1-D projections (for 1,000 independent "
        "draws and one projection its 1% critical value is 0.058). A max R-hat far above "
        "1.01 means the chains stayed in the modes they started in: the digits' modes are "
        "separated by energy barriers at the chosen beta, where the exact sampler is the "
        "tool; compare the rows at the smoother beta.",
        "",
        *markdown_table(header, rows),
        "",
        f"![samples]({sampling['figure']})",
        "",
    ]


def _mixtures(section: dict) -> list[str]:
    digits, counting = section["digits"], section["nonparametric"]
    rows = [
        [
            row["model"],
            f"{row['ari']:.3f}",
            f"{row['nmi']:.3f}",
            _optional(row["beta"], ".3g"),
            f"{row['seconds']:.2f}",
        ]
        for row in digits["results"]
    ]
    return [
        "## Memories as mixture components",
        "",
        f"The {digits['n_samples']} grey-level digits clustered with K = "
        f"{digits['n_clusters']} memories read as mixture components (`AssociativeClustering`; "
        "beta learned by EM), against KMeans, each with the best of "
        f"{digits['n_init']} initialisations. ClAM labels a digit by the memory that dominates "
        "at its fixed point, ELBO by the argmax of the exact posterior; cosine clusters the "
        "rows' directions (von Mises-Fisher components). Scores against the digit classes: "
        "adjusted Rand index (ARI) and normalised mutual information (NMI).",
        "",
        *markdown_table(["model", "ARI", "NMI", "beta", "seconds"], rows),
        "",
        f"`NonparametricMemory` (CRP prior, alpha = {counting['alpha']:g}) told only the "
        f"blobs' precision beta = {counting['beta']:g}, not their number, created "
        f"**{counting['n_memories']} memories for {counting['true_blobs']} blobs** "
        f"({counting['n_samples']} points; ARI {counting['ari']:.3f}, "
        f"{counting['seconds']:.2f} s). `BayesianGaussianMixture` with 20 components and a "
        f"Dirichlet-process prior gives weight above {BLOB_MIN_WEIGHT:g} to "
        f"{counting['bgmm_components_used']} (ARI {counting['bgmm_ari']:.3f}, "
        f"{counting['bgmm_seconds']:.2f} s).",
        "",
        f"![mixtures]({section['figure']})",
        "",
    ]


def markdown(report: dict) -> str:
    """The demo's ``report.md``.

    Parameters
    ----------
    report : dict
        The report of :func:`ebm_memory.demo.run_demo`.

    Returns
    -------
    text : str
        The Markdown report, ending with a newline.
    """
    lines = _retrieval(report) + _beta_search(report["beta_search"])
    lines += _sampling(report["sampling"])
    lines += [f"![{name}]({file})" for name, file in report["figures"].items()]
    lines += ["", *_mixtures(report["mixtures"])]
    return "\n".join(lines) + "\n"
