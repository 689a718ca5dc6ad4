"""What a fitted in-context energy answers about a context: energies, the normaliser, the
density on a grid, the memory read-out and samples (the query methods of
:class:`~ebm_memory.incontext.estimator.InContextEnergy`)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ebm_memory._random import key_from
from ebm_memory._renamed import renamed_parameters, warn_renamed
from ebm_memory._validation import check_integer

__all__ = ["ContextQueries"]


class ContextQueries:
    """The query methods of :class:`~ebm_memory.incontext.estimator.InContextEnergy`.

    Every method takes a ``context`` of shape (n_context, n_features), at least two rows,
    checked and standardised in float64, and returns numpy float64.

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.incontext._queries import ContextQueries
    >>> issubclass(InContextEnergy, ContextQueries)
    True
    """

    def _model(self):
        from ebm_memory.incontext.checkpoint import build_model

        check_is_fitted(self, "parameters_")
        return build_model(self.config_, self.parameters_)

    def _points(self, name: str, X, minimum: int = 1) -> np.ndarray:
        """``X`` as a checked (n, n_features_in_) float64 array with at least ``minimum`` rows
        (in float64 throughout: the context's standardisation needs every digit)."""
        check_is_fitted(self, "parameters_")
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
        X = X.astype(np.float64)
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {X.shape}.")
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or infinite values.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} must have shape (n, {self.n_features_in_}), got {X.shape}.")
        if len(X) < minimum:
            raise ValueError(f"{name} needs at least {minimum} rows, got {len(X)}.")
        return X

    def energy(self, X, context) -> np.ndarray:
        """The energy ``E(x | context)`` of each row of ``X``, unnormalised.

        Lower is more probable: ``exp(-E)`` is proportional to the density the context
        implies.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The query points.
        context : array-like of shape (n_context, n_features)
            The context set (at least two rows).

        Returns
        -------
        ndarray of shape (n_samples,)
            The energies, float64.

        See Also
        --------
        ebm_memory.InContextEnergy.score_samples : The log density of each row.
        ebm_memory.InContextEnergy.sample : Draws from ``exp(-E(x | context))``.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import InContextEnergy
        >>> rng = np.random.default_rng(0)
        >>> context = np.concatenate([rng.normal(-2, 0.3, (16, 2)), rng.normal(2, 0.3, (16, 2))])
        >>> energies = InContextEnergy.pretrained().energy([[-2.0, -2.0], [0.0, 0.0]], context)
        >>> bool(energies[0] < energies[1])  # a mode is lower than the gap between modes
        True
        """
        from ebm_memory.incontext.inference import context_energies

        X = self._points("X", X)
        context = self._points("context", context, minimum=2)
        return context_energies(self._model(), X, context)

    def log_partition(self, context, *, grid_size: int = 256) -> float:
        """The log normaliser ``log integral exp(-E(x | context)) dx``, by quadrature (2-D).

        Parameters
        ----------
        context : array-like of shape (n_context, 2)
            The context set (at least two rows).
        grid_size : int, default=256
            Grid points per axis (see :meth:`density_grid`).

        Returns
        -------
        float
            ``log Z`` by the trapezoid rule over the context's region.

        See Also
        --------
        ebm_memory.InContextEnergy.score_samples : Normalised with ``normalise=True``.
        ebm_memory.InContextEnergy.density_grid : The grid the quadrature sums.
        ebm_memory.DenseAssociativeMemory.score_samples : A memory's normalised density.

        Examples
        --------
        >>> from ebm_memory import InContextEnergy
        >>> import numpy as np
        >>> context = np.random.default_rng(0).normal(size=(16, 2))
        >>> log_z = InContextEnergy.pretrained().log_partition(context, grid_size=32)
        >>> bool(np.isfinite(log_z))
        True
        """
        return self.density_grid(context, grid_size=grid_size)[2]

    def log_normaliser(self, context, *, grid_size: int = 256) -> float:
        """Deprecated: the log normaliser; use :meth:`log_partition`.

        Parameters
        ----------
        context : array-like of shape (n_context, 2)
            As for :meth:`log_partition`.
        grid_size : int, default=256
            As for :meth:`log_partition`.

        Returns
        -------
        float
            :meth:`log_partition` of ``context``.

        See Also
        --------
        ebm_memory.InContextEnergy.log_partition : The current name.

        Examples
        --------
        >>> import warnings
        >>> from ebm_memory import InContextEnergy
        >>> model, context = InContextEnergy.pretrained(), [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
        >>> with warnings.catch_warnings(record=True):
        ...     warnings.simplefilter("always")
        ...     old = model.log_normaliser(context, grid_size=32)
        >>> old == model.log_partition(context, grid_size=32)
        True
        """
        warn_renamed("log_normaliser", "log_partition", "InContextEnergy", stacklevel=2)
        return self.log_partition(context, grid_size=grid_size)

    def density_grid(self, context, *, grid_size: int = 256):
        """``-E(x | context)`` on a square grid over the context's region (2-D only).

        For contour plots and entropies; see
        :func:`~ebm_memory.incontext.inference.density_grid`.

        Parameters
        ----------
        context : array-like of shape (n_context, 2)
            The context set (at least two rows); the grid spans its region.
        grid_size : int, default=256
            The grid has ``grid_size`` points along each of the two axes.

        Returns
        -------
        axes : tuple of two ndarray of shape (grid_size,)
            The grid's coordinates along each axis.
        log_density : ndarray of shape (grid_size, grid_size)
            ``-E`` at the grid points, unnormalised.
        log_z : float
            ``log Z`` by the trapezoid rule.

        See Also
        --------
        ebm_memory.InContextEnergy.log_partition : The normaliser of this grid's density.
        ebm_memory.plotting.plot_contours : Draws the grid.

        Examples
        --------
        >>> from ebm_memory import InContextEnergy
        >>> axes, log_density, log_z = InContextEnergy.pretrained().density_grid(
        ...     [[0.0, 0.0], [1.0, 2.0], [2.0, 0.5]], grid_size=32
        ... )
        >>> log_density.shape, axes[0].shape
        ((32, 32), (32,))
        """
        from ebm_memory.incontext.inference import density_grid

        context = self._points("context", context, minimum=2)
        return density_grid(self._model(), context, grid_size)

    def memories(self, context) -> dict:
        """The memory read-out the model sets for ``context``, in the context's units.

        Parameters
        ----------
        context : array-like of shape (n_context, n_features)
            The context set (at least two rows).

        Returns
        -------
        dict
            ``centres`` of shape (n_context, n_features), ``widths`` and ``weights`` of shape
            (n_context,): each context point's memory; ``background_weight`` and
            ``background_width`` (floats): the broad background component.

        See Also
        --------
        ebm_memory.InContextEnergy.energy : The energy the memories shape.

        Examples
        --------
        >>> from ebm_memory import InContextEnergy
        >>> memories = InContextEnergy.pretrained().memories([[0.0, 0.0], [3.0, 3.0], [3.0, 0.0]])
        >>> memories["centres"].shape, memories["weights"].shape
        ((3, 2), (3,))
        """
        from ebm_memory.incontext.inference import context_memories

        return context_memories(self._model(), self._points("context", context, minimum=2))

    def score_samples(self, X, context, *, normalise: bool = False) -> np.ndarray:
        """The log density of each row of ``X`` given ``context``: ``-E(x | context)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The query points.
        context : array-like of shape (n_context, n_features)
            The context set (at least two rows).
        normalise : bool, default=False
            Subtract the quadrature :meth:`log_partition` (2-D only).

        Returns
        -------
        ndarray of shape (n_samples,)
            The (normalised) log densities, float64.

        See Also
        --------
        ebm_memory.InContextEnergy.energy : The unnormalised energy.
        ebm_memory.InContextEnergy.log_partition
            The normaliser subtracted when ``normalise=True``.

        Examples
        --------
        >>> from ebm_memory import InContextEnergy
        >>> import numpy as np
        >>> points = np.random.default_rng(1).normal(size=(10, 2))
        >>> scores = InContextEnergy.pretrained().score_samples(points[:2], points[2:])
        >>> scores.shape, scores.dtype
        ((2,), dtype('float64'))
        """
        scores = -self.energy(X, context)
        if normalise:
            scores -= self.log_partition(context)
        return scores

    @renamed_parameters(
        num_warmup="n_warmup",
        num_chains="n_chains",
        progress_bar="verbose",
        return_result="return_info",
    )
    def sample(
        self,
        context,
        n_samples: int = 1,
        random_state=None,
        *,
        method: str = "mala",
        n_warmup: int = 500,
        n_chains: int = 16,
        verbose: int = 0,
        return_info: bool = False,
    ):
        """Draws from ``exp(-E(x | context))`` by :func:`ebm_memory.samplers.sample`.

        The ``n_chains`` chains start at exact draws from the model's memory read-out, so
        separate wells are visited in the read-out's proportions (Langevin chains rarely
        cross between them); the draws interleave the chains.

        Parameters
        ----------
        context : array-like of shape (n_context, n_features)
            The context set (at least two rows).
        n_samples : int, default=1
            Draws to return.
        random_state : int, RandomState instance or None, default=None
            Seeds the chains.
        method : {"mala", "ula", "hmc", "nuts"}, default="mala"
            The kernel: our Langevin, MALA or HMC kernels, or numpyro's NUTS.
        n_warmup : int, default=500
            Warm-up (adaptation) steps per chain (was ``num_warmup``).
        n_chains : int, default=16
            Chains run side by side (was ``num_chains``).
        verbose : int, default=0
            Draw a progress bar when positive (was ``progress_bar``).
        return_info : bool, default=False
            Also return the :class:`~ebm_memory.samplers.SamplingResult` (ESS, R-hat,
            ``to_arviz()``; was ``return_result``).

        Returns
        -------
        draws : ndarray of shape (n_samples, n_features)
            The draws, float64.
        info : SamplingResult
            The chains and their diagnostics, with ``return_info=True`` only.

        See Also
        --------
        ebm_memory.samplers.sample : The sampler used.
        ebm_memory.InContextEnergy.energy : The energy sampled.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import InContextEnergy
        >>> model = InContextEnergy.pretrained()
        >>> context = np.random.default_rng(0).normal(size=(16, 2))
        >>> model.sample(context, n_samples=8, random_state=0, n_warmup=20, n_chains=4).shape
        (8, 2)
        """
        from ebm_memory.incontext.inference import sample_context

        context = self._points("context", context, minimum=2)
        n_samples = check_integer("n_samples", n_samples, minimum=1)
        draws, info = sample_context(
            self._model(),
            context,
            key_from(random_state),
            n_samples=n_samples,
            method=method,
            num_warmup=n_warmup,
            num_chains=n_chains,
            progress_bar=int(verbose) > 0,
        )
        return (draws, info) if return_info else draws
