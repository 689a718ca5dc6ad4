"""Memories of the spherical model (Model C) by EM on the von Mises-Fisher mixture.

With equal weights and a fixed concentration ``beta`` the E-step responsibilities are the
attention weights ``softmax(beta xi . x)`` and the M-step mean direction of component ``mu`` is
``normalise(sum_n r_{n mu} x_n)``: clustering on the hypersphere, run by the EM engine of
:mod:`ebm_memory.learning.em`. Each step cannot lower the log-likelihood (it is exact EM).
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp

from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.learning.em import (
    direction_m_step,
    e_step,
    iterate_objective,
    kmeans_plusplus_seeds,
)
from ebm_memory.learning.mixture import LearnedMemories

__all__ = ["fit_spherical_memories"]


@dataclasses.dataclass(frozen=True)
class _DirectionStep:
    """One EM iteration: the mean of ``log sum_mu exp(beta xi_mu . x)`` and the update."""

    def __call__(self, memories, data):
        units, beta = data
        n_samples = units.shape[0]
        weights = jnp.ones(n_samples, units.dtype)
        statistics = e_step(lambda x: memories @ x, units, weights, beta)
        new = direction_m_step(memories, statistics.mass, statistics.moment, n_samples)
        return statistics.log_evidence / n_samples, new


def fit_spherical_memories(
    units, n_memories: int, beta: float, *, key, max_iter: int = 200, tol: float = 1e-6
) -> LearnedMemories:
    """EM for the mean directions of an equal-weight vMF mixture with concentration ``beta``.

    Parameters
    ----------
    units : array-like of shape (N, D)
        Unit-norm data rows.
    n_memories : int
        K, at most N.
    beta : float
        The concentration.
    key : PRNG key
        PRNG key for the k-means++ seeds (data rows).
    max_iter : int, default=200
        Maximum number of EM iterations.
    tol : float, default=1e-6
        Stop once an iteration raises the mean log-likelihood ``l`` by less than
        ``tol * (1 + |l|)``.

    Returns
    -------
    LearnedMemories
        Unit memories of shape (K, D); ``objective`` of shape (max_iter,) is the mean
        log-likelihood before each iteration, less the constant ``log C_D(beta) - log K``.

    See Also
    --------
    ebm_memory.learning.fit_gaussian_memories : EM for Gaussian memories.
    ebm_memory.density.gaussian.sample_von_mises_fisher_mixture : Draws from the vMF mixture.
    ebm_memory.DenseAssociativeMemory : ``model="spherical"`` with ``learning_rule="em"``.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> units = np.array([[1.0, 0.0], [0.99, 0.14], [0.0, 1.0], [0.14, 0.99]])
    >>> units = units / np.linalg.norm(units, axis=1, keepdims=True)
    >>> fit = fit_spherical_memories(units, 2, 20.0, key=jax.random.key(0))
    >>> fit.memories.shape, bool(fit.converged)
    ((2, 2), True)
    """
    units = as_float_array("units", units, ndim=(2,))
    n_memories = check_integer("n_memories", n_memories, minimum=1)
    check_positive("beta", beta)
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    memories = kmeans_plusplus_seeds(units, n_memories, key)
    data = (units, jnp.asarray(beta, units.dtype))
    fit = iterate_objective(_DirectionStep(), memories, data, max_iter=max_iter, tol=tol)
    return LearnedMemories(*fit)
