"""``NonparametricMemory``: a memory that creates memories as the data require."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ebm_memory._random import float64
from ebm_memory._validation import RealNotBool
from ebm_memory.energies.crp import CRPPrior, Tables, posterior_means
from ebm_memory.estimators._base import MemoryEstimator
from ebm_memory.estimators._crp import CRPDensityMixin
from ebm_memory.learning.nonparametric import (
    compact,
    empty_tables,
    hard_assign,
    reseat,
    seat,
    tables_from_labels,
)

__all__ = ["NonparametricMemory"]


class NonparametricMemory(
    CRPDensityMixin,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    DensityMixin,
    MemoryEstimator,
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
        Chinese-restaurant process or Pitman-Yor process.
    alpha : float, default=1.0
        Concentration (> 0 for the CRP, > -discount for Pitman-Yor).
    discount : float in [0, 1), default=0.0
        Pitman-Yor discount d (must be 0 for the CRP).
    beta : float > 0, default=1.0
        Precision of a memory's component ``N(mu, I / beta)``: the scale at which points
        count as the same memory (set it for your data's units).
    prior_mean : array-like of shape (n_features,) or None, default=None
        Mean ``m_0`` of the base measure; None: the mean of the first data seen.
    prior_scale : float > 0 or None, default=None
        Variance ``tau^2`` of the base measure per feature; None: the mean per-feature
        variance of the first data seen.
    n_sweeps : int >= 0, default=3
        ``fit``: Gibbs sweeps that take each point out of its memory and seat it again
        (memories left empty are pruned) after the first online pass.
    max_iter : int, default=20
        ``fit``: learning iterations, the final rounds of assigning every point to its best
        existing memory and updating the memories, until no label changes.
    shuffle : bool, default=True
        ``fit``: visit the rows in a random order (``partial_fit`` keeps the stream's order).
    random_state : int, RandomState instance or None, default=None
        Seeds the order of the rows in ``fit``.

    Attributes
    ----------
    memories_ : ndarray of shape (n_memories, n_features)
        Posterior means of the memories.
    counts_ : ndarray of shape (n_memories,)
        Points seated at each memory.
    sums_ : ndarray of shape (n_memories, n_features)
        Sum of the points seated at each memory (the state ``partial_fit`` continues from).
    n_memories_ : int
        Number of memories created.
    log_partition_ : float
        ``log(n + alpha)`` with ``n`` the points seated: the normaliser of
        ``exp(-beta E(x))`` in ``score_samples``.
    labels_ : ndarray of shape (n_samples,)
        Memory of each row of the last ``fit`` (equal to ``predict`` once converged) or
        ``partial_fit`` batch.
    prior_mean_ : ndarray of shape (n_features,)
        Mean of the base measure in use.
    prior_scale_ : float
        Variance of the base measure in use.
    n_iter_ : int
        Final assignment rounds run by ``fit``.
    n_features_in_ : int
        Number of features, fixed by the first ``fit`` or ``partial_fit``.
    feature_names_in_ : ndarray of shape (n_features,)
        The column names of that first X, when they were all strings.

    See Also
    --------
    ebm_memory.energies.crp.crp_energy : The energy of one state.
    ebm_memory.density.crp.sample_crp_mixture : Draws from the prior's generative process.
    ebm_memory.analysis.memory_growth : How the number of memories grows.
    ebm_memory.AssociativeClustering : A fixed number of memories.

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
        self._set_init_params(locals())

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
        self.log_partition_ = float(np.log(self.alpha + np.sum(self.counts_)))
        self.memories_ = np.asarray(self._posterior_means(), dtype=np.float64)

    @float64
    def _posterior_means(self):
        return posterior_means(self._tables(), self._crp_prior())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Seat the rows online, sweep, prune, then settle the assignment.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, seated in a random order when ``shuffle`` is True.
        y : None
            Unused (the estimator API's place for targets).

        Returns
        -------
        self : NonparametricMemory
            Fitted, with as many memories (``n_memories_``) as the data required.

        See Also
        --------
        ebm_memory.NonparametricMemory.partial_fit : Online seating only.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import NonparametricMemory
        >>> X = np.repeat(np.eye(2, 16) * 10, 4, axis=0)
        >>> NonparametricMemory(beta=4.0, random_state=0).fit(X).n_memories_
        2
        """
        X = validate_data(self, X, dtype=np.float64)
        self._check_prior()
        self._set_base_measure(X)
        rng = check_random_state(self.random_state)
        order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
        tables, labels = self._fit_tables(X[order])
        self._store(tables)
        self.labels_ = np.empty(len(X), dtype=np.int64)
        self.labels_[order] = labels
        return self

    @float64
    def _fit_tables(self, rows: np.ndarray):
        prior = self._crp_prior()
        tables, labels = seat(rows, empty_tables(rows.shape[1]), prior)
        for _ in range(self.n_sweeps):
            tables, labels = compact(*reseat(rows, labels, tables, prior))
        tables, labels = compact(tables, labels)
        tables, labels, self.n_iter_ = self._settle(rows, tables, labels, prior)
        return tables, labels

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
            stacklevel=5,
        )
        return tables, labels, self.max_iter

    def partial_fit(self, X, y=None):
        """Seat the rows of ``X`` online, in order, growing the memory as needed.

        The first call fixes the base measure (``prior_mean_``, ``prior_scale_``) and the
        features; later calls continue the same restaurant. When the first batch is not
        representative of the stream (one cluster, a few points), pass ``prior_mean`` and
        ``prior_scale``: a base measure fitted to one cluster is too narrow, and new memories
        are then pulled towards it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The next rows of the stream.
        y : None
            Ignored.

        Returns
        -------
        self : NonparametricMemory
            The estimator, with the rows seated.

        See Also
        --------
        ebm_memory.NonparametricMemory.fit : Seating, sweeps and pruning from scratch.
        ebm_memory.learning.nonparametric.seat : Seats one row.
        ebm_memory.analysis.memory_growth : How the memory grows online.

        Examples
        --------
        >>> from ebm_memory import NonparametricMemory
        >>> memory = NonparametricMemory(beta=4.0, prior_mean=[0.0], prior_scale=25.0)
        >>> memory = memory.partial_fit([[0.0], [0.2]]).partial_fit([[9.0], [9.1]])
        >>> memory.n_memories_, memory.counts_.tolist()
        (2, [2.0, 2.0])
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
        tables, self.labels_ = self._seat(X, tables)
        self._store(compact(tables, self.labels_)[0])
        return self

    @float64
    def _seat(self, X, tables):
        return seat(X, tables, self._crp_prior())

    @float64
    def predict(self, X):
        """The existing memory with the largest weight for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to assign to a memory.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of each row's memory, int.

        See Also
        --------
        ebm_memory.NonparametricMemory.transform : The posterior over memories.

        Examples
        --------
        >>> from ebm_memory import NonparametricMemory
        >>> memory = NonparametricMemory(beta=4.0, shuffle=False)
        >>> memory.fit([[0.0, 0.0], [0.1, 0.0], [7.0, 7.0]]).predict([[6.9, 7.1]]).tolist()
        [1]
        """
        return hard_assign(self._validate(X), self._tables(), self._crp_prior())
