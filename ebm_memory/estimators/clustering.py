"""``AssociativeClustering``: memories as mixture components, a scikit-learn clusterer."""

from __future__ import annotations

import functools
from numbers import Integral

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.cluster import kmeans_plusplus
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ebm_memory._blocks import map_blocks
from ebm_memory._validation import RealNotBool, unit_rows
from ebm_memory.dynamics.mixture import clam_retrieve, elbo_retrieve
from ebm_memory.energies.mixture import (
    MixtureParams,
    clam_energy,
    log_joint,
)
from ebm_memory.estimators._diagnostics import retrieval_info, warn_unlearned
from ebm_memory.learning.clustering import (
    fit_clam_backprop,
    fit_mixture_memories,
    mixture_log_normaliser,
)

__all__ = ["AssociativeClustering"]


def _joint(X, params, log_normaliser, similarity):
    return jax.vmap(lambda x: log_joint(x, params, similarity, log_normaliser))(X)


@functools.partial(jax.jit, static_argnames="similarity")
def _batch_posterior(X, params, log_normaliser, similarity):
    """``p(k | x)`` of each row, (B, K)."""
    return jax.nn.softmax(_joint(X, params, log_normaliser, similarity), axis=1)


@functools.partial(jax.jit, static_argnames="similarity")
def _batch_log_evidence(X, params, log_normaliser, similarity):
    """``log p(x)`` of each row, (B,)."""
    return jax.nn.logsumexp(_joint(X, params, log_normaliser, similarity), axis=1)


@functools.partial(jax.jit, static_argnames="similarity")
def _batch_energy(X, params, log_normaliser, similarity):
    """ClAM energy of each row, (B,) (the normaliser is not part of the energy)."""
    del log_normaliser
    return jax.vmap(lambda x: clam_energy(x, params, similarity))(X)


@functools.partial(jax.jit, static_argnames=("similarity", "dynamics", "max_steps"))
def _batch_labels(X, params, log_normaliser, similarity, dynamics, step_size, tol, max_steps):
    """The memory that dominates at each row's fixed point, (B,)."""
    settings = {"step_size": step_size, "max_iter": max_steps, "tol": tol}
    if dynamics == "clam":
        final = clam_retrieve(X, params, similarity, **settings).states
        final = _joint(final, params, log_normaliser, similarity)
    else:
        final = elbo_retrieve(X, params, log_normaliser, similarity, **settings).states
    return jnp.argmax(final, axis=1)


class AssociativeClustering(
    ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, BaseEstimator
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
      than ClAM when K is much smaller than the dimension.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of memories K.
    dynamics : {"clam", "elbo"}, default="clam"
    similarity : {"euclidean", "cosine"}, default="euclidean"
    beta : float > 0 or "auto", default="auto"
        Precision (euclidean, ``T = 1 / beta``; ClAM's ``exp(-beta' |mu - v|^2)`` is
        ``beta = 2 beta'``) or concentration (cosine). "auto" learns it by EM (training="em")
        or takes it from the data's spread around the k-means++ seeds (training="backprop").
    training : {"em", "backprop"}, default="em"
        "em": maximum likelihood of the equivalent mixture (memories, weights, beta).
        "backprop" (ClAM only): equal weights, memories trained with Adam on the
        reconstruction loss after ``n_steps`` unrolled dynamics steps.
    n_init : int, default=1
        Initialisations (k-means++ seeds from :func:`sklearn.cluster.kmeans_plusplus`); the
        best log-likelihood (EM) or loss is kept.
    max_iter : int, default=200
        EM iterations or Adam steps.
    tol : float, default=1e-6
        Convergence tolerance of learning (relative change of the objective).
    step_size : float in (0, 1], default=1.0
        Step eta of the dynamics (1: one EM step of the state).
    max_steps : int, default=100
        Maximum dynamics steps when predicting.
    n_steps : int, default=5
        Unrolled steps of the back-propagation training.
    learning_rate : float, default=0.05
        Adam's learning rate (back-propagation training).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    memories_ : ndarray (n_clusters, n_features)
        Component means (unit rows for cosine).
    weights_ : ndarray (n_clusters,)
        Mixing weights.
    beta_ : float
    labels_ : ndarray (n_samples,)
        ``predict`` of the training rows.
    n_iter_ : int
    converged_ : bool
    lower_bound_ : float
        Mean log-likelihood (EM) or minus the reconstruction loss (back-propagation) of the
        kept initialisation.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X had string column names

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
        "max_steps": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [RealNotBool(0, None, closed="neither")],
        "random_state": ["random_state"],
    }

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
        max_steps=100,
        n_steps=5,
        learning_rate=0.05,
        random_state=None,
    ):
        self.n_clusters = n_clusters
        self.dynamics = dynamics
        self.similarity = similarity
        self.beta = beta
        self.training = training
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.step_size = step_size
        self.max_steps = max_steps
        self.n_steps = n_steps
        self.learning_rate = learning_rate
        self.random_state = random_state

    def _prepare(self, X: np.ndarray) -> np.ndarray:
        return unit_rows(X, "cosine similarity") if self.similarity == "cosine" else X

    def _validate(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._prepare(validate_data(self, X, dtype=np.float64, reset=False))

    @property
    def _n_features_out(self) -> int:
        return self.memories_.shape[0]

    def _params(self) -> MixtureParams:
        return MixtureParams(
            jnp.asarray(self.memories_), jnp.log(jnp.asarray(self.weights_)), self.beta_
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the memories, weights and beta, then label the training rows.

        Parameters
        ----------
        X : array-like (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = self._prepare(validate_data(self, X, dtype=np.float64))
        if self.n_clusters > len(X):
            raise ValueError(f"n_clusters={self.n_clusters} exceeds n_samples={len(X)}.")
        if self.training == "backprop" and self.dynamics != "clam":
            raise ValueError(
                "training='backprop' trains ClAM's reconstruction; the ELBO memory's dynamics "
                "are EM's E-step, so use training='em'."
            )
        rng = check_random_state(self.random_state)
        beta = None if self.beta == "auto" else float(self.beta)
        with jax.enable_x64(True):
            fits = [self._learn(X, beta, rng) for _ in range(self.n_init)]
            best = max(fits, key=lambda fit: fit.objective[-1] * self._sign())
            params = best.params
            self.memories_ = np.asarray(params.memories, dtype=np.float64)
            self.weights_ = np.exp(np.asarray(params.log_weights, dtype=np.float64))
            self.beta_ = float(params.beta)
            self.n_iter_, self.converged_ = best.n_iter, best.converged
            self.lower_bound_ = float(best.objective[-1] * self._sign())
            warn_unlearned(self.converged_, self.max_iter)
            self.labels_ = self._labels(X)
        return self

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
            n_steps=self.n_steps,
            step_size=self.step_size,
            learning_rate=self.learning_rate,
            **settings,
        )

    def _log_normaliser(self) -> float:
        return mixture_log_normaliser(self.similarity, self.memories_.shape[1], self.beta_)

    def _run_dynamics(self, X, record_energy=False):
        settings = {
            "step_size": self.step_size,
            "max_iter": self.max_steps,
            "tol": self.tol,
            "record_energy": record_energy,
        }
        if self.dynamics == "clam":
            return clam_retrieve(X, self._params(), self.similarity, **settings)
        return elbo_retrieve(X, self._params(), self._log_normaliser(), self.similarity, **settings)

    def _map(self, kernel, X: np.ndarray, **settings) -> np.ndarray:
        """``kernel`` over fixed-size row blocks (few compilations, bounded memory)."""
        return map_blocks(
            kernel, X, self._params(), self._log_normaliser(), self.similarity, **settings
        )

    def _labels(self, X: np.ndarray) -> np.ndarray:
        settings = {"dynamics": self.dynamics, "step_size": self.step_size, "tol": self.tol}
        labels = self._map(_batch_labels, X, max_steps=self.max_steps, **settings)
        return labels.astype(np.int64)

    def predict(self, X):
        """Cluster of each row, read at the fixed point of the dynamics, (n_samples,) int."""
        X = self._validate(X)
        with jax.enable_x64(True):
            return self._labels(X)

    def retrieve(self, X, *, return_info=False, trace_energy=False):
        """Run the dynamics from each row to its fixed point.

        Returns
        -------
        states : ndarray
            ClAM: the fixed points in the data space, (n_samples, n_features). ELBO: the
            assignment probabilities at the fixed point, (n_samples, n_clusters).
        info : dict, only with ``return_info=True``
            ``n_steps``, ``converged``, ``energy``, and ``energy_trace`` (n_samples,
            max_steps + 1) with ``trace_energy=True`` (the energy after every step; it stays
            at the final value once a row has converged).
        """
        X = self._validate(X)
        with jax.enable_x64(True):
            result = self._run_dynamics(X, trace_energy)
            states = result.states
            if self.dynamics == "elbo":
                states = jax.nn.softmax(states, axis=1)
            states = np.asarray(states, dtype=np.float64)
        if not return_info:
            return states
        return states, retrieval_info(result, trace_energy)

    def transform(self, X):
        """Posterior probabilities ``p(k | x)`` of the memories, (n_samples, n_clusters)."""
        X = self._validate(X)
        with jax.enable_x64(True):
            return self._map(_batch_posterior, X).astype(np.float64)

    def energy(self, X):
        """ClAM energy ``-(1/beta) log sum_k pi_k exp(beta s_k(x))`` of each row, (n_samples,)."""
        X = self._validate(X)
        with jax.enable_x64(True):
            return self._map(_batch_energy, X).astype(np.float64)

    def score_samples(self, X):
        """Normalised log density of each row, (n_samples,) float64 (cosine: of ``x / |x|``
        on the unit sphere)."""
        X = self._validate(X)
        with jax.enable_x64(True):
            return self._map(_batch_log_evidence, X).astype(np.float64)

    def score(self, X, y=None):
        """Mean log-likelihood per row (as :class:`sklearn.mixture.GaussianMixture`)."""
        return float(np.mean(self.score_samples(X)))
