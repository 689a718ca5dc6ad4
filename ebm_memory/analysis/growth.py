"""Growth of a nonparametric memory: memories against the number of points seen.

Streams are drawn from the generative process the prior describes
(:func:`~ebm_memory.density.crp.sample_crp_mixture`, well-separated components) and fed to
:meth:`NonparametricMemory.partial_fit <ebm_memory.NonparametricMemory.partial_fit>` in
pieces; after each piece the number of memories is recorded. Theory: with the CRP prior the
expected count is ``alpha (psi(alpha + n) - psi(alpha))``, a slope of ``alpha`` against
``log n``; with Pitman-Yor it grows like ``n^d``, an exponent ``d`` on log-log axes. Data from
a finite mixture of ``K0`` components saturate at ``K0`` memories.

The growth law is fitted on each stream separately; the rate is the mean over streams and
its error bar the standard error across them (streams are independent, with seeds of their
own). A regression's own standard error would not do: a cumulative count is strongly
autocorrelated along a stream, so that error is several times too small.

Examples
--------
>>> from ebm_memory.analysis import memory_growth
>>> result = memory_growth("crp", alpha=5.0, n_points=1000, n_streams=2)
>>> result["memories"].shape, result["rates"].shape, bool(result["rate"] > 0)
((2, 7), (2,), True)
"""

from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.density.crp import expected_tables, sample_crp_mixture
from ebm_memory.estimators.nonparametric import NonparametricMemory

__all__ = ["finite_mixture_growth", "memory_growth", "plot_memory_growth"]

BETA = 1e4  # component precision: a spread of 0.01 around centres drawn with variance 1


def _checkpoints(n_points: int, per_decade: int = 3) -> np.ndarray:
    """Logarithmically spaced counts from 10 to ``n_points``, ``per_decade`` per decade."""
    n_decades = np.log10(n_points) - 1
    points = np.logspace(1, np.log10(n_points), int(round(n_decades * per_decade)) + 1)
    return np.unique(np.round(points).astype(int))


def _grow(memory: NonparametricMemory, X: np.ndarray, checkpoints: np.ndarray) -> np.ndarray:
    counts, start = [], 0
    for stop in checkpoints:
        memory.partial_fit(X[start:stop])
        counts.append(memory.n_memories_)
        start = stop
    return np.asarray(counts)


def _stream_rates(
    memories: np.ndarray, checkpoints: np.ndarray, fit_from: int, log_count: bool
) -> np.ndarray:
    """Least-squares slope of each stream's count (or its log) on ``log n``, ``n >= fit_from``.

    Returns
    -------
    numpy.ndarray
        (streams,) slopes.
    """
    fitted = checkpoints >= fit_from
    log_n = np.log(checkpoints[fitted])
    counts = memories[:, fitted].astype(np.float64)
    response = np.log(counts) if log_count else counts
    centred = log_n - log_n.mean()
    return (response - response.mean(axis=1, keepdims=True)) @ centred / (centred @ centred)


def memory_growth(
    prior: str = "crp",
    *,
    alpha: float = 5.0,
    discount: float = 0.0,
    n_points: int = 100_000,
    n_streams: int = 4,
    n_features: int = 8,
    fit_from: int = 100,
    seed: int = 0,
    progress_bar: bool = False,
) -> dict[str, np.ndarray]:
    """Memories created online on streams from the prior's own generative process.

    Parameters
    ----------
    prior : {"crp", "pitman-yor"}
    alpha, discount : the prior's concentration and discount (0 for the CRP).
    n_points : stream length.
    n_streams : independent streams, each with a seed of its own (at least 2: the error
        bar is their spread).
    n_features : dimension; centres ``N(0, I)``, points ``N(centre, I / 10^4)``.
    fit_from : the growth law is fitted on checkpoints ``n >= fit_from``.
    seed : the root seed; stream ``i`` uses the ``i``-th seed spawned from it.
    progress_bar : a tqdm bar over the streams.

    Returns
    -------
    dict of numpy arrays
        ``n`` (C,) checkpoints; ``memories`` (streams, C) memories created;
        ``tables`` (streams, C) components actually present in the stream so far;
        ``expected`` (C,) the closed-form expected count; ``rates`` (streams,) the slope of
        each stream's count on ``log n`` (CRP) or of its log on ``log n`` (Pitman-Yor);
        ``rate`` their mean, ``rate_std`` their standard deviation and ``rate_se`` the
        standard error of the mean (``rate_std / sqrt(streams)``); ``theory_rate``:
        ``alpha`` or ``d``; ``relative_error`` of the rate.
    """
    if prior not in ("crp", "pitman-yor"):
        raise ValueError(f"prior must be 'crp' or 'pitman-yor', got {prior!r}.")
    n_points = check_integer("n_points", n_points, minimum=fit_from * 10)
    n_streams = check_integer("n_streams", n_streams, minimum=2)
    check_positive("alpha", alpha)
    checkpoints = _checkpoints(n_points)
    memories, tables = [], []
    streams = np.random.SeedSequence(seed).spawn(n_streams)
    for stream_seed in tqdm(streams, "streams", disable=not progress_bar):
        rng = np.random.default_rng(stream_seed)
        X, labels = sample_crp_mixture(
            n_points,
            alpha=alpha,
            discount=discount,
            n_features=n_features,
            beta=BETA,
            random_state=rng,
        )
        memory = NonparametricMemory(
            prior,
            alpha=alpha,
            discount=discount,
            beta=BETA,
            prior_mean=np.zeros(n_features),
            prior_scale=1.0,
        )
        memories.append(_grow(memory, X, checkpoints))
        tables.append([np.unique(labels[:stop]).size for stop in checkpoints])
    memories = np.asarray(memories)
    rates = _stream_rates(memories, checkpoints, fit_from, log_count=prior != "crp")
    rate, rate_std = rates.mean(), rates.std(ddof=1)
    theory = alpha if prior == "crp" else discount
    return {
        "prior": np.asarray(prior),
        "n": checkpoints,
        "memories": memories,
        "tables": np.asarray(tables),
        "expected": expected_tables(checkpoints, alpha, discount),
        "rates": rates,
        "rate": np.float64(rate),
        "rate_std": np.float64(rate_std),
        "rate_se": np.float64(rate_std / np.sqrt(n_streams)),
        "theory_rate": np.float64(theory),
        "relative_error": np.float64(abs(rate - theory) / theory),
    }


def finite_mixture_growth(
    n_components: int = 10,
    *,
    alpha: float = 5.0,
    n_points: int = 100_000,
    n_features: int = 8,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Memories created online (CRP prior) on a stream from an equal-weight finite mixture.

    Returns
    -------
    dict of numpy arrays
        ``n`` (C,), ``memories`` (C,), ``n_components`` (the true number).
    """
    n_components = check_integer("n_components", n_components, minimum=1)
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_components, n_features))
    labels = rng.integers(n_components, size=n_points)
    X = centres[labels] + rng.normal(size=(n_points, n_features)) / np.sqrt(BETA)
    memory = NonparametricMemory(
        alpha=alpha, beta=BETA, prior_mean=np.zeros(n_features), prior_scale=1.0
    )
    checkpoints = _checkpoints(n_points)
    return {
        "n": checkpoints,
        "memories": _grow(memory, X, checkpoints),
        "n_components": np.int64(n_components),
    }


def plot_memory_growth(crp: dict, pitman_yor: dict, finite: dict | None = None):
    """Two panels: the CRP count against ``log n`` and the Pitman-Yor count on log-log axes,
    each stream, the mean, the closed-form expectation, and the finite mixture's plateau;
    the titles give the fitted rate as mean ± standard error across the streams.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, result, title in (
        (axes[0], crp, "CRP prior: about alpha log n"),
        (axes[1], pitman_yor, "Pitman-Yor prior: about n^d"),
    ):
        n = result["n"]
        ax.plot(n, result["memories"].T, color="tab:blue", alpha=0.25, lw=1)
        ax.plot(n, result["memories"].mean(axis=0), color="tab:blue", lw=2, label="memories (mean)")
        ax.plot(n, result["expected"], "k--", label="expected tables (theory)")
        name = "slope" if result["prior"] == "crp" else "exponent"
        ax.set_title(
            f"{title}\n{name} {float(result['rate']):.3f} ± {float(result['rate_se']):.3f} "
            f"(mean ± s.e., {len(result['rates'])} streams; theory "
            f"{float(result['theory_rate']):.3g})",
            fontsize=10,
        )
        ax.set_xscale("log")
        ax.set_xlabel("points seen n")
        ax.set_ylabel("memories")
    axes[1].set_yscale("log")
    if finite is not None:
        axes[0].plot(
            finite["n"],
            finite["memories"],
            color="tab:red",
            lw=2,
            label=f"finite mixture ({int(finite['n_components'])} components)",
        )
    for ax in axes:
        ax.legend(fontsize=8)
    figure.tight_layout()
    return figure
