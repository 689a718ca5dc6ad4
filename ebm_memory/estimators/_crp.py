"""Jitted batch computations and density methods of
:class:`~ebm_memory.estimators.nonparametric.NonparametricMemory`."""

from __future__ import annotations

import jax
import numpy as np

from ebm_memory._blocks import map_blocks
from ebm_memory._random import float64
from ebm_memory.energies.crp import crp_energy, memory_log_weights, seating_log_weights
from ebm_memory.estimators._base import MeanScoreMixin
from ebm_memory.learning.nonparametric import with_capacity

__all__ = ["CRPDensityMixin"]


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


class CRPDensityMixin(MeanScoreMixin):
    """``transform``, ``score_samples`` and ``energy`` of the nonparametric memory
    (uses its ``_validate``, ``_tables``, ``_crp_prior`` and ``n_memories_``)."""

    @float64
    def _map(self, kernel, X) -> np.ndarray:
        """``kernel`` over row blocks, with the tables padded to a power-of-two capacity."""
        X = self._validate(X)
        tables = with_capacity(self._tables(), self.n_memories_)
        return map_blocks(kernel, X, tables, self._crp_prior())

    def transform(self, X):
        """Posterior probabilities of the existing memories.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to assign.

        Returns
        -------
        posterior : ndarray of shape (n_samples, n_memories)
            Probabilities of the existing memories (without the new-memory term), float64.

        See Also
        --------
        ebm_memory.NonparametricMemory.predict : The memory of largest weight.
        ebm_memory.energies.crp.memory_log_weights : The log weights as a pure function.

        Examples
        --------
        >>> from ebm_memory import NonparametricMemory
        >>> memory = NonparametricMemory(beta=4.0, shuffle=False).fit([[0.0], [0.1], [9.0]])
        >>> memory.transform([[0.0], [9.0]]).round(2)
        array([[1., 0.],
               [0., 1.]])
        """
        return self._map(_block_posterior, X)[:, : self.n_memories_].astype(np.float64)

    def score_samples(self, X):
        """Log posterior predictive density of each row.

        The Gaussian mixture with weights ``(n_k - d) / (n + alpha)`` plus the new-memory
        component of weight ``(alpha + d K) / (n + alpha)``; normalised.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points to score under the posterior predictive.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            ``log p(x) = -beta E(x) - log_partition_``, float64.

        See Also
        --------
        ebm_memory.NonparametricMemory.energy : The energy of each row.
        ebm_memory.NonparametricMemory.score : The mean over the rows.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import NonparametricMemory
        >>> X = np.repeat(np.eye(2, 16) * 10, 4, axis=0)
        >>> NonparametricMemory(beta=4.0, random_state=0).fit(X).score_samples(X).shape
        (8,)
        """
        return self._map(_block_log_density, X).astype(np.float64)

    def energy(self, X):
        """The energy of :mod:`ebm_memory.energies.crp` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.

        Returns
        -------
        energy : ndarray of shape (n_samples,)
            ``E(x) = -(1/beta) logsumexp`` of the seating log weights, float64.

        See Also
        --------
        ebm_memory.energies.crp.crp_energy : The same energy as a pure function.
        ebm_memory.NonparametricMemory.score_samples : The log posterior predictive density.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import NonparametricMemory
        >>> X = np.concatenate([np.zeros((3, 2)), np.full((3, 2), 8.0)])
        >>> memory = NonparametricMemory(beta=4.0, random_state=0).fit(X)
        >>> log_p = -memory.beta * memory.energy(X) - memory.log_partition_
        >>> bool(np.allclose(log_p, memory.score_samples(X)))
        True
        """
        return self._map(_block_energy, X).astype(np.float64)
