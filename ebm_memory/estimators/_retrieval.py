"""Retrieval methods of :class:`~ebm_memory.DenseAssociativeMemory` (a mixin: the estimator
keeps its parameters and fitted state; this holds the dynamics it runs on them)."""

from __future__ import annotations

import numpy as np

from ebm_memory._random import float64
from ebm_memory.dynamics.retrieval import retrieve_binary, retrieve_softmax, retrieve_spherical
from ebm_memory.energies import interactions
from ebm_memory.energies.streaming import memory_sharding
from ebm_memory.estimators._diagnostics import (
    largest_memory_weights,
    retrieval_info,
    warn_metastable,
    warn_unconverged,
)

__all__ = ["RetrievalMixin"]


class RetrievalMixin:
    """``predict`` / ``retrieve`` for the memory estimator (uses its ``_validate``,
    ``_kind``, ``_interaction``, ``_spec`` and ``_chunk_size``)."""

    def predict(self, X):
        """The fixed point reached from each row: same as :meth:`retrieve`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Starting states.

        Returns
        -------
        states : ndarray of shape (n_samples, n_features)
            Retrieved states, float64.

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.retrieve : The same, with a ``mask`` and diagnostics.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeMemory
        >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(8, 16))
        >>> bool(np.array_equal(np.sign(DenseAssociativeMemory().fit(X).predict(X)), X))
        True
        """
        return self.retrieve(X)

    def retrieve(self, X, *, mask=None, return_info=False, trace_energy=False):
        """Run the memory dynamics from each row of ``X`` to a fixed point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Starting states.
        mask : bool array of shape (n_features,) or (n_samples, n_features), default=None
            True marks known entries, clamped during the dynamics. The other entries are
            unknown and their values are ignored: binary models decide them from the known
            bits first, dot similarity starts them at 0, euclidean at the memories' mean; the
            spherical model clamps the known part's direction ``x_known / |x_known|``.
        return_info : bool, default=False
            Also return a dict with ``n_steps``, ``converged`` and ``energy`` (final).
        trace_energy : bool, default=False
            Add ``energy_trace`` of shape (n_samples, max_retrieval_iter + 1) to the info:
            the energy after every update. This runs all the updates (converged states stay
            fixed), so it costs more than stopping at convergence.

        Returns
        -------
        states : ndarray of shape (n_samples, n_features)
            Retrieved states, float64: +-1 for binary models, unit vectors for the
            spherical model.
        info : dict
            Only with ``return_info=True``: arrays of shape (n_samples,) ``n_steps``,
            ``converged`` and ``energy``.

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.energy : The energy the dynamics lower.
        ebm_memory.dynamics.retrieve_softmax : The Model B loop it runs.
        ebm_memory.dynamics.retrieve_binary : The Model A loop it runs.
        ebm_memory.MetastableRetrievalWarning : Warned when retrieval ends between memories.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeMemory
        >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(8, 16))
        >>> memory = DenseAssociativeMemory().fit(X)
        >>> known = np.arange(16) < 12
        >>> states, info = memory.retrieve(X, mask=known, return_info=True)
        >>> states.shape, bool(info["converged"].all())
        ((8, 16), True)
        """
        states = self._validate(X)
        if mask is not None:
            mask = np.broadcast_to(self._check_mask(mask, states), states.shape)
            states = np.where(mask, states, self._unknown_fill())
            if self._kind == "spherical":  # the known part's direction: unknown values ignored
                states = self._prepare(states)
        result = self._run_dynamics(states, mask, trace_energy)
        retrieved = np.asarray(result.states, dtype=np.float64)
        self._warn_if_unsettled(result, retrieved)
        if not return_info:
            return retrieved
        return retrieved, retrieval_info(result, trace_energy)

    def _retrieval_settings(self) -> tuple[int, float]:
        """``(max_retrieval_iter, retrieval_tol)`` in effect (None: the learning ones)."""
        max_iter = self.max_iter if self.max_retrieval_iter is None else self.max_retrieval_iter
        tol = self.tol if self.retrieval_tol is None else self.retrieval_tol
        return max_iter, tol

    def _check_mask(self, mask, states):
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"mask must be boolean, got dtype {mask.dtype}.")
        if mask.shape not in ((states.shape[1],), states.shape):
            raise ValueError(
                f"mask must have shape ({states.shape[1]},) or {states.shape}, got {mask.shape}."
            )
        return mask

    def _unknown_fill(self):
        if self._kind == "softmax" and self.similarity == "euclidean":
            return self.memories_.mean(axis=0)
        return 0.0

    @float64
    def _run_dynamics(self, states, mask, record):
        max_iter, tol = self._retrieval_settings()
        common = {
            "max_iter": max_iter,
            "mask": mask,
            "chunk_size": self._chunk_size(len(self.memories_)),
            "record_energy": record,
            "memory_sharding": memory_sharding(),
        }
        if self._kind == "binary":
            return retrieve_binary(
                states,
                self.memories_,
                self._interaction(self.beta_),
                update=self.update,
                **common,
            )
        if self._kind == "softmax":
            return retrieve_softmax(
                states,
                self.memories_,
                self.beta_,
                similarity=self.similarity,
                tol=tol,
                **common,
            )
        return retrieve_spherical(
            states,
            self.memories_,
            interactions.exponential(self.beta_),
            tol=tol,
            **common,
        )

    @float64
    def _warn_if_unsettled(self, result, retrieved):
        cycles = self.update == "sync" and self._kind == "binary"
        warn_unconverged(
            np.asarray(result.converged),
            self._retrieval_settings()[0],
            " (synchronous updates can cycle; try update='async')" if cycles else "",
        )
        if self._kind != "binary" and len(self.memories_) > 1:
            largest = largest_memory_weights(retrieved, self.memories_, self.beta_, self._spec())
            warn_metastable(largest, self.memories_, self.separation_, self.beta_)
