"""Jitted batch computations and density methods of
:class:`~ebm_memory.estimators.clustering.AssociativeClustering`."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._blocks import map_blocks
from ebm_memory._random import float64
from ebm_memory.dynamics.mixture import clam_retrieve, elbo_retrieve
from ebm_memory.energies.mixture import MixtureParams, clam_energy, log_joint
from ebm_memory.estimators._base import MeanScoreMixin

__all__ = ["MixtureDensityMixin", "batch_labels"]


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


@functools.partial(jax.jit, static_argnames=("similarity", "dynamics", "max_iter"))
def batch_labels(X, params, log_normaliser, similarity, dynamics, step_size, tol, max_iter):
    """The memory that dominates at each row's fixed point, (B,)."""
    settings = {"step_size": step_size, "max_iter": max_iter, "tol": tol}
    if dynamics == "clam":
        final = clam_retrieve(X, params, similarity, **settings).states
        final = _joint(final, params, log_normaliser, similarity)
    else:
        final = elbo_retrieve(X, params, log_normaliser, similarity, **settings).states
    return jnp.argmax(final, axis=1)


class MixtureDensityMixin(MeanScoreMixin):
    """``transform``, ``energy`` and ``score_samples`` of the clusterer (uses its
    ``_validate``, ``similarity`` and fitted ``memories_``, ``weights_``, ``beta_`` and
    ``log_partition_``)."""

    def _params(self) -> MixtureParams:
        return MixtureParams(
            jnp.asarray(self.memories_), jnp.log(jnp.asarray(self.weights_)), self.beta_
        )

    def _map(self, kernel, X: np.ndarray, **settings) -> np.ndarray:
        """``kernel`` over fixed-size row blocks (few compilations, bounded memory)."""
        return map_blocks(
            kernel, X, self._params(), -self.log_partition_, self.similarity, **settings
        )

    @float64
    def transform(self, X):
        """Posterior probabilities ``p(k | x)`` of the memories.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to assign (cosine: their directions).

        Returns
        -------
        posterior : ndarray of shape (n_samples, n_clusters)
            Rows summing to one, float64.

        See Also
        --------
        ebm_memory.AssociativeClustering.predict : The cluster of each row.
        ebm_memory.density.gaussian.responsibilities : The Gaussian posterior as a pure function.

        Examples
        --------
        >>> from sklearn.datasets import make_blobs
        >>> from ebm_memory import AssociativeClustering
        >>> X, _ = make_blobs(8, n_features=4, centers=2, random_state=0)
        >>> AssociativeClustering(2, random_state=0).fit(X).transform(X).sum(axis=1).round(6)
        array([1., 1., 1., 1., 1., 1., 1., 1.])
        """
        return self._posterior(self._validate(X))

    def _posterior(self, states: np.ndarray) -> np.ndarray:
        return self._map(_batch_posterior, states).astype(np.float64)

    @float64
    def energy(self, X):
        """ClAM energy ``-(1/beta) log sum_k pi_k exp(beta s_k(x))`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points of the data space.

        Returns
        -------
        energy : ndarray of shape (n_samples,)
            ``E(x)``, float64; ``score_samples(X) = -beta_ E(x) - log_partition_``.

        See Also
        --------
        ebm_memory.AssociativeClustering.score_samples : The normalised log density.
        ebm_memory.energies.mixture.clam_energy : The ClAM energy of one state.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import AssociativeClustering
        >>> X = np.random.default_rng(0).normal(size=(8, 16))
        >>> model = AssociativeClustering(2, random_state=0).fit(X)
        >>> log_p = -model.beta_ * model.energy(X) - model.log_partition_
        >>> bool(np.allclose(log_p, model.score_samples(X)))
        True
        """
        X = self._validate(X)
        return self._map(_batch_energy, X).astype(np.float64)

    @float64
    def score_samples(self, X):
        """Normalised log density of each row (cosine: of ``x / |x|`` on the unit sphere).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score; cosine reads only their directions.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            ``log p(x)``, float64.

        See Also
        --------
        ebm_memory.AssociativeClustering.energy : The unnormalised energy.
        ebm_memory.AssociativeClustering.score : The mean over the rows.

        Examples
        --------
        >>> from ebm_memory import AssociativeClustering
        >>> X = [[0.0, 0.1], [0.2, 0.0], [5.0, 5.1], [5.2, 4.9]]
        >>> AssociativeClustering(2, random_state=0).fit(X).score_samples(X).shape
        (4,)
        """
        X = self._validate(X)
        return self._map(_batch_log_evidence, X).astype(np.float64)
