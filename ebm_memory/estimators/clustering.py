"""``AssociativeClustering``: memories as mixture components, a scikit-learn clusterer."""

from __future__ import annotations

from numbers import Integral

import jax
import numpy as np
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.cluster import kmeans_plusplus
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ebm_memory._random import float64
from ebm_memory._validation import RealNotBool, unit_rows
from ebm_memory.dynamics.mixture import clam_retrieve, elbo_retrieve
from ebm_memory.estimators._base import OLD_DEFAULT, MemoryEstimator
from ebm_memory.estimators._diagnostics import retrieval_info, warn_unlearned
from ebm_memory.estimators._mixture import MixtureDensityMixin, batch_labels
from ebm_memory.learning.clustering import (
    fit_clam_backprop,
    fit_mixture_memories,
    mixture_log_normaliser,
)

__all__ = ["AssociativeClustering"]


class AssociativeClustering(
    MixtureDensityMixin,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    MemoryEstimator,
):
    """Clustering with K memories read as the components of a mixture (Schaeffer et al. 2024).

    The memories ``mu_k``, weights ``pi_k`` and sharpness ``beta`` define a mixture density
    (see :mod:`ebm_memory.energies.mixture`): isotropic Gaussians ``N(mu_k, I / beta)``
    (``similarity="euclidean"``) or von Mises-Fisher components of concentration ``beta`` on the
    unit sphere (``"cosine"``: rows are normalised, the pre-norm + attention reading).
    A row's cluster is read from the memory dynamics:

    - ``dynamics="clam"``: energy descent of the state ``v`` from the row,
      ``v <- (1 - eta) v + eta sum_k p(k | v) mu_k``, to a fixed point (a mode of the
      density); the label is the memory that dominates there (mode-seeking clustering).
    - ``dynamics="elbo"``: descent of the assignment logits on
      ``sum_k q_k (log q_k - log p(x, z=k))``, whose fixed point is the exact posterior; the
      label is its argmax (the mixture's MAP assignment). Its state has K entries: cheaper
      than ClAM when K is much smaller than the dimension. ``retrieve`` returns the
      responsibility-weighted memory ``q @ memories_``.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of memories K.
    dynamics : {"clam", "elbo"}, default="clam"
        The retrieval dynamics that read a row's cluster (see above).
    similarity : {"euclidean", "cosine"}, default="euclidean"
        Gaussian components on R^D or von Mises-Fisher components on the unit sphere.
    beta : float > 0 or "auto", default="auto"
        Precision (euclidean, ``T = 1 / beta``; ClAM's ``exp(-beta' |mu - v|^2)`` is
        ``beta = 2 beta'``) or concentration (cosine). "auto" learns it by EM (training="em")
        or takes it from the data's spread around the k-means++ seeds (training="backprop").
    training : {"em", "backprop"}, default="em"
        "em": maximum likelihood of the equivalent mixture (memories, weights, beta).
        "backprop" (ClAM only): equal weights, memories trained with Adam on the
        reconstruction loss after ``n_unrolled_steps`` unrolled dynamics steps.
    n_init : int, default=1
        Initialisations (k-means++ seeds from :func:`sklearn.cluster.kmeans_plusplus`); the
        best log-likelihood (EM) or loss is kept.
    max_iter : int, default=200
        EM iterations or Adam steps.
    tol : float, default=1e-6
        Convergence tolerance of learning (relative change of the objective).
    step_size : float in (0, 1], default=1.0
        Step eta of the dynamics (1: one EM step of the state).
    max_retrieval_iter : int, default=100
        Maximum dynamics steps of ``predict`` and ``retrieve``.
    retrieval_tol : float or None, default=None
        Convergence tolerance of the dynamics. None: ``tol``, as before 0.2.
    n_unrolled_steps : int, default=5
        Unrolled dynamics steps of the back-propagation training.
    learning_rate : float, default=0.05
        Adam's learning rate (back-propagation training).
    random_state : int, RandomState instance or None, default=None
        Seeds the k-means++ initialisations.
    max_steps : int, deprecated
        ``max_retrieval_iter`` before 0.2; works until 0.3 with a ``FutureWarning``.
    n_steps : int, deprecated
        ``n_unrolled_steps`` before 0.2; works until 0.3 with a ``FutureWarning``.

    Attributes
    ----------
    memories_ : ndarray of shape (n_clusters, n_features)
        Component means (unit rows for cosine).
    weights_ : ndarray of shape (n_clusters,)
        Mixing weights.
    beta_ : float
        The precision or concentration in use.
    log_partition_ : float
        ``log Z`` of the density ``exp(-beta_ E(x)) / Z`` (see :meth:`energy`).
    labels_ : ndarray of shape (n_samples,)
        ``predict`` of the training rows.
    n_iter_ : int
        Learning iterations of the kept initialisation.
    converged_ : bool
        Whether it converged.
    lower_bound_ : float
        Mean log-likelihood (EM) or minus the reconstruction loss (back-propagation) of the
        kept initialisation.
    n_features_in_ : int
        Features of the training rows.
    feature_names_in_ : ndarray of shape (n_features,)
        Their names; defined only when X had string column names.

    See Also
    --------
    ebm_memory.learning.fit_mixture_memories : The EM it runs.
    ebm_memory.dynamics.clam_retrieve : The ClAM dynamics.
    ebm_memory.dynamics.elbo_retrieve : The ELBO dynamics.
    ebm_memory.NonparametricMemory : A mixture whose number of memories grows with the data.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from sklearn.metrics import adjusted_rand_score
    >>> from ebm_memory import AssociativeClustering
    >>> X, y = make_blobs(300, centers=3, random_state=0)
    >>> model = AssociativeClustering(n_clusters=3, random_state=0).fit(X)
    >>> round(adjusted_rand_score(y, model.labels_), 2), model.transform(X).shape
    (0.77, (300, 3))
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "dynamics": [StrOptions({"clam", "elbo"})],
        "similarity": [StrOptions({"euclidean", "cosine"})],
        "beta": [RealNotBool(0, None, closed="neither"), StrOptions({"auto"})],
        "training": [StrOptions({"em", "backprop"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [RealNotBool(0, None, closed="left")],
        "step_size": [RealNotBool(0, 1, closed="right")],
        "max_retrieval_iter": [Interval(Integral, 1, None, closed="left")],
        "retrieval_tol": [RealNotBool(0, None, closed="left"), None],
        "n_unrolled_steps": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [RealNotBool(0, None, closed="neither")],
        "random_state": ["random_state"],
        "max_steps": [Interval(Integral, 1, None, closed="left"), OLD_DEFAULT],
        "n_steps": [Interval(Integral, 1, None, closed="left"), OLD_DEFAULT],
    }
    _renamed = {"max_steps": "max_retrieval_iter", "n_steps": "n_unrolled_steps"}

    def __init__(
        self,
        n_clusters=8,
        *,
        dynamics="clam",
        similarity="euclidean",
        beta="auto",
        training="em",
        n_init=1,
        max_iter=200,
        tol=1e-6,
        step_size=1.0,
        max_retrieval_iter=100,
        retrieval_tol=None,
        n_unrolled_steps=5,
        learning_rate=0.05,
        random_state=None,
        max_steps="deprecated",
        n_steps="deprecated",
    ):
        self._set_init_params(locals())

    def _prepare(self, X: np.ndarray) -> np.ndarray:
        return unit_rows(X, "cosine similarity") if self.similarity == "cosine" else X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the memories, weights and beta, then label the training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to cluster (cosine: only their directions count).
        y : None
            Not used, present for API consistency.

        Returns
        -------
        self : AssociativeClustering
            Fitted, with ``labels_`` of the training rows.

        See Also
        --------
        ebm_memory.learning.fit_mixture_memories : The EM fit.
        ebm_memory.learning.fit_clam_backprop : The ``training="backprop"`` fit.

        Examples
        --------
        >>> from ebm_memory import AssociativeClustering
        >>> X = [[0.0, 0.0], [0.1, 0.0], [4.0, 4.0], [4.1, 4.0]]
        >>> labels = AssociativeClustering(2, random_state=0).fit(X).labels_
        >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
        True
        """
        self._warn_renamed()
        X = self._prepare(validate_data(self, X, dtype=np.float64))
        if self.n_clusters > len(X):
            raise ValueError(f"n_clusters={self.n_clusters} exceeds n_samples={len(X)}.")
        if self.training == "backprop" and self.dynamics != "clam":
            raise ValueError(
                "training='backprop' trains ClAM's reconstruction; the ELBO memory's dynamics "
                "are EM's E-step, so use training='em'."
            )
        self._fit(X, check_random_state(self.random_state))
        warn_unlearned(self.converged_, self.max_iter)
        self.labels_ = self._labels(X)
        return self

    @float64
    def _fit(self, X, rng) -> None:
        beta = None if self.beta == "auto" else float(self.beta)
        fits = [self._learn(X, beta, rng) for _ in range(self.n_init)]
        best = max(fits, key=lambda fit: fit.objective[-1] * self._sign())
        params = best.params
        self.memories_ = np.asarray(params.memories, dtype=np.float64)
        self.weights_ = np.exp(np.asarray(params.log_weights, dtype=np.float64))
        self.beta_ = float(params.beta)
        self.log_partition_ = -mixture_log_normaliser(
            self.similarity, self.memories_.shape[1], self.beta_
        )
        self.n_iter_, self.converged_ = best.n_iter, best.converged
        self.lower_bound_ = float(best.objective[-1] * self._sign())

    def _sign(self) -> float:
        """+1 where the objective is a log-likelihood (EM), -1 where it is a loss."""
        return 1.0 if self.training == "em" else -1.0

    def _learn(self, X, beta, rng):
        """One fit from k-means++ seeds (scikit-learn's greedy seeding)."""
        seeds, _ = kmeans_plusplus(X, self.n_clusters, random_state=rng)
        settings = {
            "similarity": self.similarity,
            "beta": beta,
            "max_iter": self.max_iter,
            "tol": self.tol,
        }
        if self.training == "em":
            return fit_mixture_memories(X, seeds, **settings)
        return fit_clam_backprop(
            X,
            seeds,
            n_steps=self._param("n_unrolled_steps"),
            step_size=self.step_size,
            learning_rate=self.learning_rate,
            **settings,
        )

    def _dynamics_settings(self) -> dict:
        tol = self.tol if self.retrieval_tol is None else self.retrieval_tol
        max_iter = self._param("max_retrieval_iter")
        return {"step_size": self.step_size, "max_iter": max_iter, "tol": tol}

    def _run_dynamics(self, X, record_energy=False):
        settings = {**self._dynamics_settings(), "record_energy": record_energy}
        if self.dynamics == "clam":
            return clam_retrieve(X, self._params(), self.similarity, **settings)
        log_normaliser = -self.log_partition_
        return elbo_retrieve(X, self._params(), log_normaliser, self.similarity, **settings)

    @float64
    def _labels(self, X: np.ndarray) -> np.ndarray:
        labels = self._map(batch_labels, X, dynamics=self.dynamics, **self._dynamics_settings())
        return labels.astype(np.int64)

    def predict(self, X):
        """Cluster of each row, read at the fixed point of the dynamics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the memory that dominates at each row's fixed point.

        See Also
        --------
        ebm_memory.AssociativeClustering.retrieve : The fixed points the labels are read at.
        ebm_memory.AssociativeClustering.transform : The posterior the labels maximise.

        Examples
        --------
        >>> from sklearn.datasets import make_blobs
        >>> from ebm_memory import AssociativeClustering
        >>> X, _ = make_blobs(30, centers=3, random_state=0)
        >>> model = AssociativeClustering(3, random_state=0).fit(X)
        >>> bool((model.predict(X) == model.labels_).all())
        True
        """
        return self._labels(self._validate(X))

    def retrieve(self, X, *, return_info=False, trace_energy=False):
        """Run the dynamics from each row to its fixed point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Starting rows.
        return_info : bool, default=False
            Also return a dict of diagnostics.
        trace_energy : bool, default=False
            Add ``energy_trace`` of shape (n_samples, max_retrieval_iter + 1) to the info:
            the energy after every step (it stays at the final value once a row has
            converged).

        Returns
        -------
        states : ndarray of shape (n_samples, n_features)
            The retrieved points, whatever the dynamics: ClAM's fixed points; with
            ``dynamics="elbo"`` the responsibility-weighted memory ``q @ memories_``.
        info : dict
            Only with ``return_info=True``: ``n_steps``, ``converged`` and ``energy``, of
            shape (n_samples,), and ``responsibilities`` of shape (n_samples, n_clusters),
            the assignment ``q`` at the fixed point (ELBO: the posterior, ``transform(X)``;
            ClAM: ``p(k | v)`` at the fixed point ``v``).

        See Also
        --------
        ebm_memory.AssociativeClustering.energy : The energy the dynamics lower.
        ebm_memory.dynamics.clam_retrieve : The ClAM loop.
        ebm_memory.dynamics.elbo_retrieve : The ELBO loop.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import AssociativeClustering
        >>> X = np.random.default_rng(0).normal(size=(8, 16))
        >>> model = AssociativeClustering(2, dynamics="elbo", random_state=0).fit(X)
        >>> states, info = model.retrieve(X, return_info=True)
        >>> states.shape, info["responsibilities"].shape
        ((8, 16), (8, 2))
        """
        X = self._validate(X)
        result, states, responsibilities = self._retrieve(X, trace_energy)
        if not return_info:
            return states
        return states, {
            **retrieval_info(result, trace_energy),
            "responsibilities": responsibilities,
        }

    @float64
    def _retrieve(self, X, trace_energy):
        """The dynamics' result, the retrieved points and the assignment at the end."""
        result = self._run_dynamics(X, trace_energy)
        if self.dynamics == "elbo":
            responsibilities = np.asarray(jax.nn.softmax(result.states, axis=1), np.float64)
            return result, responsibilities @ self.memories_, responsibilities
        states = np.asarray(result.states, dtype=np.float64)
        return result, states, self._posterior(states)
