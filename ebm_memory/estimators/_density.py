"""Normalisers, binary log densities and exact samplers for each kind of memory model."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import jax
import numpy as np
from sklearn.utils.validation import check_is_fitted

from ebm_memory._random import float64, key_from
from ebm_memory.density import gaussian
from ebm_memory.density.binary import (
    MAX_EXACT_DIM,
    PartitionEstimate,
    exact_partition,
    sample_binary_exact,
)
from ebm_memory.density.binary_importance import binary_log_partition_estimate
from ebm_memory.density.binary_weights import relative_log_weights
from ebm_memory.estimators._kernels import (
    ModelSpec,
    batch_energy,
    batch_log_density,
    batch_responsibilities,
    map_blocks,
)

__all__ = [
    "DensityMethodsMixin",
    "FittedModel",
    "NormaliserWarning",
    "binary_log_density",
    "fit_partition",
    "sample_exact",
]


class NormaliserWarning(UserWarning):
    """A state outweighs the fitted normaliser: ``log Z`` was underestimated at fit."""


def fit_partition(
    spec: ModelSpec,
    memories: np.ndarray,
    beta: float,
    temperature: float,
    seed: int,
    n_samples: int,
) -> PartitionEstimate:
    """``log Z`` of the fitted model: closed form for the softmax (Gaussian mixture) and
    spherical (vMF mixture) kinds; for binary models exact enumeration up to
    ``MAX_EXACT_DIM`` features, else importance sampling around the memories seeded by
    ``seed`` with ``n_samples`` draws."""
    n_memories, n_features = memories.shape
    if spec.kind == "softmax":
        value = float(gaussian.log_partition(memories, beta, spec.similarity))
        return _closed_form(value, n_features)
    if spec.kind == "spherical":
        value = float(np.log(n_memories) - gaussian.vmf_log_normaliser(n_features, beta))
        return _closed_form(value, n_features)
    if n_features <= MAX_EXACT_DIM:
        return exact_partition(memories, spec.interaction, temperature)
    return binary_log_partition_estimate(
        jax.random.key(seed), memories, spec.interaction, temperature, n_samples=n_samples
    )


def _closed_form(value: float, n_features: int) -> PartitionEstimate:
    return PartitionEstimate(value, 0.0, np.zeros(n_features), value, value, np.inf, "closed form")


@jax.jit
def _batch_relative_log_weight(states, memories, reference, temperature, spec: ModelSpec):
    return relative_log_weights(states, reference, memories, temperature, spec.interaction)


def binary_log_density(
    spec: ModelSpec,
    states: np.ndarray,
    memories: np.ndarray,
    temperature: float,
    reference: np.ndarray,
    log_relative_partition: float,
) -> np.ndarray:
    """``log p(s) = u(s) - log sum exp(u)`` of +-1 states (n, D), relative to ``reference``.

    A state whose own weight exceeds the fitted sum proves ``log Z`` was underestimated; its
    log probability is then computed with that weight as the normaliser (so it is 0, not
    above) and a :class:`NormaliserWarning` says by how much the fit fell short.
    """
    relative = map_blocks(
        _batch_relative_log_weight, states, memories, reference, temperature, spec=spec
    ).astype(np.float64)
    excess = relative - log_relative_partition
    if np.any(excess > 0):
        warnings.warn(
            f"{int(np.sum(excess > 0))} state(s) outweigh the fitted normaliser by up to "
            f"{excess.max():.3g} nats: log Z was underestimated at fit, so their log "
            "probabilities are capped at 0. Refit with more n_partition_samples.",
            NormaliserWarning,
            stacklevel=3,
        )
    return relative - np.maximum(log_relative_partition, relative)


class FittedModel(NamedTuple):
    """What a sampler needs of a fitted memory estimator."""

    spec: ModelSpec
    memories: np.ndarray
    beta: float
    temperature: float


def sample_exact(model: FittedModel, n_samples: int, rng: np.random.RandomState) -> np.ndarray:
    """Exact draws: ancestral sampling of the Gaussian or vMF mixture, or enumeration of the
    2^D binary states (``n_features <= MAX_EXACT_DIM``)."""
    spec, memories, beta, temperature = model
    if spec.kind == "spherical":
        return gaussian.sample_von_mises_fisher_mixture(rng, memories, beta, n_samples)
    key = key_from(rng)
    if spec.kind == "softmax":
        draws = gaussian.sample_gaussian_mixture(key, memories, beta, spec.similarity, n_samples)
    else:
        if memories.shape[1] > MAX_EXACT_DIM:
            raise ValueError(
                "Exact sampling of a binary model enumerates 2^D states and needs "
                f"n_features <= {MAX_EXACT_DIM}; got {memories.shape[1]}."
            )
        draws = sample_binary_exact(key, memories, spec.interaction, temperature, n_samples)
    return np.asarray(draws, dtype=np.float64)


class DensityMethodsMixin:
    """``energy``, ``score_samples``, ``score``, ``transform`` and the deprecated
    ``log_partition`` of the memory estimator (uses its ``_validate``, ``_kind``, ``_spec``
    and fitted state)."""

    @float64
    def energy(self, X):
        """Energy of each row (binary models: of the binarised row).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            States (binary models: binarised at ``threshold_``).

        Returns
        -------
        energy : ndarray of shape (n_samples,)
            ``E(x)``, float64.

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.score_samples : The normalised log density.
        ebm_memory.DenseAssociativeMemory.retrieve : Descends this energy.
        ebm_memory.energies.softmax_energy : The Model B energy of one state.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeMemory
        >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(8, 16))
        >>> DenseAssociativeMemory("classical").fit(X).energy(X).shape
        (8,)
        """
        states = self._validate(X)
        return map_blocks(batch_energy, states, self.memories_, self.beta_, self._spec())

    def log_partition(self):
        """``(log Z, standard error)`` of the density, as computed at fit (deprecated).

        Returns
        -------
        log_partition : float
            ``log_partition_``.
        standard_error : float
            ``log_partition_error_``.

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.score_samples : The log density normalised by it.
        ebm_memory.density.gaussian.log_partition : Closed form for the softmax models.

        Examples
        --------
        >>> import warnings
        >>> from ebm_memory import DenseAssociativeMemory
        >>> memory = DenseAssociativeMemory(beta=1.0).fit([[0.0, 1.0], [1.0, 0.0]])
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     memory.log_partition() == (memory.log_partition_, memory.log_partition_error_)
        True
        """
        warnings.warn(
            "`log_partition()` is deprecated since 0.2 and will be removed in 0.3: read the "
            "fitted attributes `log_partition_` and `log_partition_error_`.",
            FutureWarning,
            stacklevel=2,
        )
        check_is_fitted(self)
        return self.log_partition_, self.log_partition_error_

    @float64
    def score_samples(self, X):
        """Normalised log density of each row.

        Softmax: Gaussian-mixture density on R^D. Spherical: vMF-mixture density of
        ``x / |x|`` on the unit sphere. Binary: probability of the binarised row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Points: of R^D (softmax), directions (spherical) or binarised states.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Normalised log density ``log p(x)`` of each row, float64 (binary models: the log
            probability of the binarised row).

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.energy : The unnormalised energy.
        ebm_memory.density.gaussian.log_partition : The closed-form ``log Z`` (softmax models).
        ebm_memory.DenseAssociativeMemory.score : The total over the rows.

        Examples
        --------
        >>> from ebm_memory import DenseAssociativeMemory
        >>> memory = DenseAssociativeMemory("classical").fit([[1.0, -1.0, 1.0]])
        >>> log_p = memory.score_samples([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]])
        >>> bool(log_p[0] > log_p[1])  # the stored pattern is the more probable
        True
        """
        states = self._validate(X)
        if self._kind == "binary":
            return binary_log_density(
                self._spec(),
                states,
                self.memories_,
                self.temperature,
                self.reference_state_,
                self.log_relative_partition_,
            )
        return map_blocks(
            batch_log_density, states, self.memories_, self.beta_, self.log_partition_, self._spec()
        )

    def score(self, X, y=None):
        """Total log-likelihood of ``X`` (as :class:`sklearn.neighbors.KernelDensity`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows whose log-likelihoods are summed.
        y : None
            Not used.

        Returns
        -------
        score : float
            ``sum log p(x)`` over the rows.

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.score_samples : The log density of each row.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeMemory
        >>> train, test = np.random.default_rng(1).normal(size=(2, 10, 3))
        >>> memory = DenseAssociativeMemory(similarity="euclidean", beta=1.0).fit(train)
        >>> float(memory.score(test)) == float(memory.score_samples(test).sum())
        True
        """
        return float(np.sum(self.score_samples(X)))

    @float64
    def transform(self, X):
        """Responsibilities of the memories for each row.

        The mixture posterior / attention weights (binary polynomial models: each memory's
        share ``|F(xi . s)|`` of the attraction).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Queries.

        Returns
        -------
        responsibilities : ndarray of shape (n_samples, n_memories)
            Rows summing to one, float64.

        See Also
        --------
        ebm_memory.density.gaussian.responsibilities : The responsibilities as a pure function.
        ebm_memory.DenseAssociativeMemory.score_samples : The log density of each row.

        Examples
        --------
        >>> from ebm_memory import DenseAssociativeMemory
        >>> memories = [[1.0, 1.0, -1.0, -1.0], [-1.0, 1.0, 1.0, -1.0]]
        >>> memory = DenseAssociativeMemory(beta=4.0).fit(memories)
        >>> memory.transform([[1.0, 1.0, -1.0, 0.0]]).round(3)
        array([[1., 0.]])
        """
        states = self._validate(X)
        return map_blocks(batch_responsibilities, states, self.memories_, self.beta_, self._spec())
