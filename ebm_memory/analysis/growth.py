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
>>> result.memories.shape, result.rates.shape, bool(result.rate > 0)
((2, 7), (2,), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._common import KeyedResult
from ebm_memory.analysis._seeds import as_seed
from ebm_memory.density.crp import expected_tables, sample_crp_mixture
from ebm_memory.estimators.nonparametric import NonparametricMemory

__all__ = ["FiniteGrowth", "MemoryGrowth", "finite_mixture_growth", "memory_growth"]

BETA = 1e4  # component precision: a spread of 0.01 around centres drawn with variance 1


@dataclass(frozen=True, eq=False)
class MemoryGrowth(KeyedResult):
    """Memories created online on streams from a prior (:func:`memory_growth`).

    Parameters
    ----------
    prior : str
        ``"crp"`` or ``"pitman-yor"``.
    n : ndarray of shape (n_checkpoints,)
        Points seen at each checkpoint.
    memories : ndarray of shape (n_streams, n_checkpoints)
        Memories created.
    tables : ndarray of shape (n_streams, n_checkpoints)
        Components present in the stream so far.
    expected : ndarray of shape (n_checkpoints,)
        The closed-form expected count.
    rates : ndarray of shape (n_streams,)
        The slope of each stream's count on ``log n`` (CRP) or of its log on ``log n``
        (Pitman-Yor).
    rate : float
        Their mean.
    rate_std : float
        Their standard deviation.
    rate_se : float
        The standard error of the mean, ``rate_std / sqrt(n_streams)``.
    theory_rate : float
        ``alpha`` (CRP) or ``d`` (Pitman-Yor).
    relative_error : float
        ``|rate - theory_rate| / theory_rate``.

    See Also
    --------
    ebm_memory.analysis.memory_growth : Produces it.
    ebm_memory.analysis.FiniteGrowth : Growth on a finite mixture.
    ebm_memory.plotting.plot_memory_growth : Draws it.

    Examples
    --------
    >>> from ebm_memory.analysis import memory_growth
    >>> result = memory_growth("crp", alpha=5.0, n_points=1000, n_streams=2)
    >>> result.prior, result.n[:3].tolist()
    ('crp', [10, 22, 46])
    """

    prior: str
    n: np.ndarray
    memories: np.ndarray
    tables: np.ndarray
    expected: np.ndarray
    rates: np.ndarray
    rate: float
    rate_std: float
    rate_se: float
    theory_rate: float
    relative_error: float


@dataclass(frozen=True, eq=False)
class FiniteGrowth(KeyedResult):
    """Memories created online on a finite mixture (:func:`finite_mixture_growth`).

    Parameters
    ----------
    n : ndarray of shape (n_checkpoints,)
        Points seen at each checkpoint.
    memories : ndarray of shape (n_checkpoints,)
        Memories created.
    n_components : int
        The mixture's true number of components.

    See Also
    --------
    ebm_memory.analysis.finite_mixture_growth : Produces it.
    ebm_memory.analysis.MemoryGrowth : Growth on streams from the prior itself.

    Examples
    --------
    >>> from ebm_memory.analysis import finite_mixture_growth
    >>> finite_mixture_growth(3, n_points=1000).n_components
    3
    """

    n: np.ndarray
    memories: np.ndarray
    n_components: int


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


@renamed_parameters(seed="random_state", progress_bar="verbose")
def memory_growth(
    prior: str = "crp",
    *,
    alpha: float = 5.0,
    discount: float = 0.0,
    n_points: int = 100_000,
    n_streams: int = 4,
    n_features: int = 8,
    fit_from: int = 100,
    random_state=0,
    verbose: int = 0,
) -> MemoryGrowth:
    """Memories created online on streams from the prior's own generative process.

    Parameters
    ----------
    prior : {"crp", "pitman-yor"}, default="crp"
        The prior of the memory and of the streams.
    alpha : float, default=5.0
        The prior's concentration.
    discount : float, default=0.0
        The prior's discount (0 for the CRP).
    n_points : int, default=100_000
        Stream length (at least ``10 * fit_from``).
    n_streams : int, default=4
        Independent streams, each with a seed of its own (at least 2: the error bar is their
        spread).
    n_features : int, default=8
        Dimension; centres ``N(0, I)``, points ``N(centre, I / 10^4)``.
    fit_from : int, default=100
        The growth law is fitted on checkpoints ``n >= fit_from``.
    random_state : int, RandomState or None, default=0
        The root seed (an int is used as it is); stream ``i`` uses the ``i``-th seed spawned
        from it. Was ``seed``.
    verbose : int, default=0
        A tqdm bar over the streams when > 0. Was ``progress_bar``.

    Returns
    -------
    result : MemoryGrowth
        The counts per stream and checkpoint, the fitted rates and the theory.

    See Also
    --------
    ebm_memory.analysis.finite_mixture_growth : Growth on a finite mixture.
    ebm_memory.density.crp.expected_tables : The expected number of memories under the prior.
    ebm_memory.NonparametricMemory.partial_fit : Creates memories online.

    Examples
    --------
    >>> from ebm_memory.analysis import memory_growth
    >>> result = memory_growth("pitman-yor", alpha=1.0, discount=0.5, n_points=1000)
    >>> result.memories.shape, result.theory_rate
    ((4, 7), 0.5)
    """
    if prior not in ("crp", "pitman-yor"):
        raise ValueError(f"prior must be 'crp' or 'pitman-yor', got {prior!r}.")
    n_points = check_integer("n_points", n_points, minimum=fit_from * 10)
    n_streams = check_integer("n_streams", n_streams, minimum=2)
    check_positive("alpha", alpha)
    checkpoints = _checkpoints(n_points)
    memories, tables = [], []
    streams = np.random.SeedSequence(as_seed(random_state)).spawn(n_streams)
    for stream_seed in tqdm(streams, "streams", disable=not verbose):
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
    return MemoryGrowth(
        prior=prior,
        n=checkpoints,
        memories=memories,
        tables=np.asarray(tables),
        expected=expected_tables(checkpoints, alpha, discount),
        rates=rates,
        rate=float(rate),
        rate_std=float(rate_std),
        rate_se=float(rate_std / np.sqrt(n_streams)),
        theory_rate=float(theory),
        relative_error=float(abs(rate - theory) / theory),
    )


@renamed_parameters(seed="random_state")
def finite_mixture_growth(
    n_components: int = 10,
    *,
    alpha: float = 5.0,
    n_points: int = 100_000,
    n_features: int = 8,
    random_state=0,
) -> FiniteGrowth:
    """Memories created online (CRP prior) on a stream from an equal-weight finite mixture.

    Parameters
    ----------
    n_components : int, default=10
        Components of the mixture.
    alpha : float, default=5.0
        Concentration of the memory's CRP prior.
    n_points : int, default=100_000
        Stream length.
    n_features : int, default=8
        Dimension; centres ``N(0, I)``, points ``N(centre, I / 10^4)``.
    random_state : int, RandomState or None, default=0
        Seeds the mixture and the stream (an int is used as it is). Was ``seed``.

    Returns
    -------
    result : FiniteGrowth
        The count at each checkpoint and the true number of components.

    See Also
    --------
    ebm_memory.analysis.memory_growth : Growth on streams from the prior's own process.
    ebm_memory.NonparametricMemory : The estimator that creates the memories.
    ebm_memory.analysis.FiniteGrowth : What it returns.

    Examples
    --------
    >>> from ebm_memory.analysis import finite_mixture_growth
    >>> result = finite_mixture_growth(3, n_points=1000)
    >>> int(result.memories[-1])
    3
    """
    n_components = check_integer("n_components", n_components, minimum=1)
    rng = np.random.default_rng(as_seed(random_state))
    centres = rng.normal(size=(n_components, n_features))
    labels = rng.integers(n_components, size=n_points)
    X = centres[labels] + rng.normal(size=(n_points, n_features)) / np.sqrt(BETA)
    memory = NonparametricMemory(
        alpha=alpha, beta=BETA, prior_mean=np.zeros(n_features), prior_scale=1.0
    )
    checkpoints = _checkpoints(n_points)
    return FiniteGrowth(checkpoints, _grow(memory, X, checkpoints), n_components)
