"""``NonparametricMemory``: a memory that creates memories as the data require."""

from __future__ import annotations

import warnings
from numbers import Integral

import jax
import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ebm_memory._blocks import map_blocks
from ebm_memory._validation import RealNotBool
from ebm_memory.energies.crp import (
    CRPPrior,
    Tables,
    crp_energy,
    memory_log_weights,
    posterior_means,
    seating_log_weights,
)
from ebm_memory.learning.nonparametric import (
    compact,
    empty_tables,
    hard_assign,
    reseat,
    seat,
    tables_from_labels,
    with_capacity,
)

__all__ = ["NonparametricMemory"]


@jax.jit
def _block_log_density(X, tables, prior):
    total = prior.alpha + jax.numpy.sum(tables.counts)
    weights = jax.vmap(lambda x: seating_log_weights(x, tables, prior))(X)
    return jax.nn.logsumexp(weights, axis=1) - jax.numpy.log(total)


@jax.jit
def _block_posterior(X, tables, prior):
    return jax.vmap(lambda x: jax.nn.softmax(memory_log_weights(x, tables, prior)))(X)


@jax.jit
def _block_energy(X, tables, prior):
    return jax.vmap(lambda x: crp_energy(x, tables, prior))(X)


class NonparametricMemory(
    ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, DensityMixin, BaseEstimator
):
    """Gaussian memories created under a Chinese-restaurant or Pitman-Yor prior.

    The energy (:mod:`ebm_memory.energies.crp`) weighs each memory by its count and adds a
    "new table" term ``(alpha + d K) N(x; m_0, (1/beta + tau^2) I)``; a point opens a new
    memory when that term wins. With the CRP prior the number of memories grows like
    ``alpha log n``, with Pitman-Yor like ``n^d``; on data from a finite mixture it stops at
    the number of components.

    Parameters
    ----------
    prior : {"crp", "pitman-yor"}, default="crp"
    alpha : float, default=1.0
        Concentration (> 0 for the CRP, > -discount for Pitman-Yor).
    discount : float in [0, 1), default=0.0
        Pitman-Yor discount d (must be 0 for the CRP).
    beta : float > 0, default=1.0
        Precision of a memory's component ``N(mu, I / beta)``: the scale at which points
        count as the same memory (set it for your data's units).
    prior_mean : array-like (n_features,) or None, default=None
        Mean ``m_0`` of the base measure; None: the mean of the first data seen.
    prior_scale : float > 0 or None, default=None
        Variance ``tau^2`` of the base measure per feature; None: the mean per-feature
        variance of the first data seen.
    n_sweeps : int >= 0, default=3
        ``fit``: sweeps that take each point out of its memory and seat it again (memories
        left empty are pruned) after the first online pass.
    max_iter : int, default=20
        ``fit``: final rounds of assigning every point to its best existing memory and
        updating the memories, until no label changes.
    shuffle : bool, default=True
        ``fit``: visit the rows in a random order (``partial_fit`` keeps the stream's order).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    memories_ : ndarray (n_memories_, n_features)
        Posterior means of the memories.
    counts_ : ndarray (n_memories_,)
        Points seated at each memory.
    sums_ : ndarray (n_memories_, n_features)
        Sum of the points seated at each memory (the state ``partial_fit`` continues from).
    n_memories_ : int
    labels_ : ndarray (n_samples,)
        Memory of each row of the last ``fit`` (equal to ``predict`` once converged) or
        ``partial_fit`` batch.
    prior_mean_ : ndarray (n_features,)
    prior_scale_ : float
    n_iter_ : int
        Final assignment rounds run by ``fit``.
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from ebm_memory import NonparametricMemory
    >>> X, y = make_blobs(500, centers=4, cluster_std=0.5, random_state=0)
    >>> memory = NonparametricMemory(beta=4.0, random_state=0).fit(X)
    >>> memory.n_memories_, memory.score_samples(X[:3]).shape
    (4, (3,))
    """

    _parameter_constraints: dict = {
        "prior": [StrOptions({"crp", "pitman-yor"})],
        "alpha": [RealNotBool(None, None, closed="neither")],
        "discount": [RealNotBool(0, 1, closed="left")],
        "beta": [RealNotBool(0, None, closed="neither")],
        "prior_mean": ["array-like", None],
        "prior_scale": [RealNotBool(0, None, closed="neither"), None],
        "n_sweeps": [Interval(Integral, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        prior="crp",
        *,
        alpha=1.0,
        discount=0.0,
        beta=1.0,
        prior_mean=None,
        prior_scale=None,
        n_sweeps=3,
        max_iter=20,
        shuffle=True,
        random_state=None,
    ):
        self.prior = prior
        self.alpha = alpha
        self.discount = discount
        self.beta = beta
        self.prior_mean = prior_mean
        self.prior_scale = prior_scale
        self.n_sweeps = n_sweeps
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state

    # ------------------------------------------------------------------------ state
    def _check_prior(self) -> None:
        if self.prior == "crp" and self.discount != 0:
            raise ValueError(f"The CRP has no discount; got discount={self.discount}.")
        if self.alpha <= -self.discount or (self.prior == "crp" and self.alpha <= 0):
            raise ValueError(
                f"alpha must exceed -discount (and 0 for the CRP); got alpha={self.alpha}, "
                f"discount={self.discount}."
            )

    def _set_base_measure(self, X: np.ndarray) -> None:
        if self.prior_mean is None:
            self.prior_mean_ = X.mean(axis=0)
        else:
            self.prior_mean_ = np.asarray(self.prior_mean, dtype=np.float64).reshape(-1)
            if self.prior_mean_.shape != (X.shape[1],) or not np.all(np.isfinite(self.prior_mean_)):
                raise ValueError(
                    f"prior_mean must hold {X.shape[1]} finite values, got shape "
                    f"{np.shape(self.prior_mean)}."
                )
        if self.prior_scale is None:
            variance = float(np.mean(X.var(axis=0)))
            self.prior_scale_ = variance if variance > 0 else 1.0
        else:
            self.prior_scale_ = float(self.prior_scale)

    def _crp_prior(self) -> CRPPrior:
        return CRPPrior(
            float(self.alpha),
            float(self.discount),
            float(self.beta),
            self.prior_mean_,
            self.prior_scale_,
        )

    def _tables(self) -> Tables:
        return Tables(self.counts_, self.sums_)

    def _store(self, tables: Tables) -> None:
        self.counts_ = np.asarray(tables.counts, dtype=np.float64)
        self.sums_ = np.asarray(tables.sums, dtype=np.float64)
        self.n_memories_ = len(self.counts_)
        with jax.enable_x64(True):
            means = posterior_means(self._tables(), self._crp_prior())
        self.memories_ = np.asarray(means, dtype=np.float64)

    # -------------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Seat the rows online, sweep, prune, then settle the assignment.

        Parameters
        ----------
        X : array-like (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64)
        self._check_prior()
        self._set_base_measure(X)
        rng = check_random_state(self.random_state)
        order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
        rows = X[order]
        prior = self._crp_prior()
        with jax.enable_x64(True):
            tables, labels = seat(rows, empty_tables(X.shape[1]), prior)
            for _ in range(self.n_sweeps):
                tables, labels = compact(*reseat(rows, labels, tables, prior))
            tables, labels = compact(tables, labels)
            tables, labels, self.n_iter_ = self._settle(rows, tables, labels, prior)
        self._store(tables)
        self.labels_ = np.empty(len(X), dtype=np.int64)
        self.labels_[order] = labels
        return self

    def _settle(self, rows, tables, labels, prior):
        """Assign every row to its best existing memory and update, until stable."""
        for iteration in range(1, self.max_iter + 1):
            new = hard_assign(rows, tables, prior)
            tables, new = compact(tables_from_labels(rows, new, len(tables.counts)), new)
            if np.array_equal(new, labels):
                return tables, new, iteration
            labels = new
        warnings.warn(
            f"The assignment still changed after max_iter={self.max_iter} rounds; "
            "increase max_iter.",
            ConvergenceWarning,
            stacklevel=3,
        )
        return tables, labels, self.max_iter

    def partial_fit(self, X, y=None):
        """Seat the rows of ``X`` online, in order, growing the memory as needed.

        The first call fixes the base measure (``prior_mean_``, ``prior_scale_``) and the
        features; later calls continue the same restaurant. When the first batch is not
        representative of the stream (one cluster, a few points), pass ``prior_mean`` and
        ``prior_scale``: a base measure fitted to one cluster is too narrow, and new memories
        are then pulled towards it.

        Returns
        -------
        self
        """
        first = not hasattr(self, "counts_")
        if first:
            self._validate_params()
        X = validate_data(self, X, dtype=np.float64, reset=first)
        if first:
            self._check_prior()
            self._set_base_measure(X)
            tables = empty_tables(X.shape[1])
        else:
            tables = self._tables()
        with jax.enable_x64(True):
            tables, self.labels_ = seat(X, tables, self._crp_prior())
        self._store(compact(tables, self.labels_)[0])
        return self

    # ---------------------------------------------------------------------- inference
    @property
    def _n_features_out(self) -> int:
        return self.n_memories_

    def _validate(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    def _map(self, kernel, X) -> np.ndarray:
        """``kernel`` over row blocks, with the tables padded to a power-of-two capacity."""
        X = self._validate(X)
        tables = with_capacity(self._tables(), self.n_memories_)
        with jax.enable_x64(True):
            return map_blocks(kernel, X, tables, self._crp_prior())

    def predict(self, X):
        """The existing memory with the largest weight for each row, (n_samples,) int."""
        X = self._validate(X)
        with jax.enable_x64(True):
            return hard_assign(X, self._tables(), self._crp_prior())

    def transform(self, X):
        """Posterior probabilities of the existing memories, (n_samples, n_memories_)."""
        return self._map(_block_posterior, X)[:, : self.n_memories_].astype(np.float64)

    def score_samples(self, X):
        """Log posterior predictive density of each row, (n_samples,) float64: the Gaussian
        mixture with weights ``(n_k - d) / (n + alpha)`` plus the new-memory component of
        weight ``(alpha + d K) / (n + alpha)``; normalised."""
        return self._map(_block_log_density, X).astype(np.float64)

    def score(self, X, y=None):
        """Mean log-likelihood per row."""
        return float(np.mean(self.score_samples(X)))

    def energy(self, X):
        """The energy of :mod:`ebm_memory.energies.crp` of each row, (n_samples,)."""
        return self._map(_block_energy, X).astype(np.float64)
