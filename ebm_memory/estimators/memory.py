"""``DenseAssociativeMemory``: a scikit-learn density estimator over the JAX memory models."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import (
    ClassNamePrefixFeaturesOutMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ebm_memory._random import float64, key_from, seed_from
from ebm_memory._validation import RealNotBool, unit_rows
from ebm_memory.dynamics.separation import beta_for_separation, pattern_separation
from ebm_memory.energies import interactions
from ebm_memory.energies.streaming import default_chunk_size, memory_sharding
from ebm_memory.estimators._base import MemoryEstimator
from ebm_memory.estimators._density import DensityMethodsMixin, fit_partition
from ebm_memory.estimators._diagnostics import MetastableRetrievalWarning, warn_unlearned
from ebm_memory.estimators._kernels import ModelSpec
from ebm_memory.estimators._learning import (
    BINARY_MODELS,
    LEARNING_RULES,
    learn_memories,
    resolve_learning_rule,
)
from ebm_memory.estimators._retrieval import RetrievalMixin
from ebm_memory.estimators._sampling import SamplingMixin

__all__ = ["DenseAssociativeMemory", "MetastableRetrievalWarning"]

SEPARATION_SAMPLE = 256


class DenseAssociativeMemory(
    RetrievalMixin,
    DensityMethodsMixin,
    SamplingMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    DensityMixin,
    MemoryEstimator,
):
    """Dense associative memory as a density estimator and pattern-completion model.

    The memories define an energy ``E(x)`` and a density ``exp(-E(x) / T) / Z``:

    - ``model="softmax"`` (Model B, modern Hopfield): ``T = 1 / beta``; the density is a
      Gaussian mixture with covariance ``I / beta``. With ``similarity="euclidean"`` it is
      exactly a Gaussian KDE with bandwidth ``beta ** -0.5``; with ``"dot"`` the mixing
      weights are ``softmax(beta |xi|^2 / 2)``.
    - ``model="spherical"`` (Model C): inputs and memories are normalised to unit length;
      ``E = -logsumexp(beta xi . x_hat) / beta``; the density (on the unit sphere) is an
      equal-weight von Mises-Fisher mixture with concentration ``beta``.
    - ``model`` in {"classical", "polynomial", "exponential"} (Model A, binary neurons):
      ``E(s) = -sum_mu F(xi_mu . s)`` with ``F = x^2``, ``x^degree`` or ``exp(beta x)``, over
      states ``s`` in {-1, +1}^D at temperature ``temperature``. Inputs are binarised: an entry
      is +1 when it exceeds ``threshold_``, the midpoint of the training data's range
      (0 for +-1 data, 8 for scikit-learn's 0-16 digits), else -1.

    Parameters
    ----------
    model : {"softmax", "spherical", "classical", "polynomial", "exponential"}, default="softmax"
        The memory model (see above).
    beta : float > 0 or "auto", default="auto"
        Inverse temperature / sharpness (softmax, spherical, exponential). "auto" picks the
        smallest beta that retrieves single patterns: ``(K - 1) exp(-beta Delta) <= 0.01``
        for the 10th percentile of the memories' separations ``Delta`` (Ramsauer et al.).
    degree : int >= 1, default=3
        Interaction degree of ``model="polynomial"``.
    similarity : {"dot", "euclidean"}, default="dot"
        Similarity of the softmax model.
    n_memories : int or None, default=None
        None: the training rows are the memories. An int K: K memories are learned with
        ``learning_rule``.
    learning_rule : {"auto", "em", "krotov-hopfield", "hebbian", "delta", "backprop"}, \
default="auto"
        How K memories are learned (needs ``n_memories``). "em": maximum likelihood by EM on
        the equivalent mixture (softmax, spherical). "krotov-hopfield": the Krotov-Hopfield
        (2016) rule (binary models). "hebbian": the best rank-K factor of the Hebbian
        weights ``X^T X`` (classical; K >= rank reproduces the stored rows' energy).
        "delta": the delta rule, making each training row a fixed point (classical).
        "backprop": back-propagation through one retrieval step from masked rows (softmax).
        "auto": "em" for softmax and spherical, "krotov-hopfield" for binary models.
    max_iter : int, default=100
        Maximum learning iterations when ``n_memories`` is an int.
    tol : float, default=1e-6
        Convergence tolerance of learning.
    max_retrieval_iter : int or None, default=None
        Maximum updates of ``retrieve`` / ``predict``. None: ``max_iter``, as before 0.2,
        when ``max_iter`` set both (so ``max_iter=500`` still means 500 updates).
    retrieval_tol : float or None, default=None
        Convergence tolerance of retrieval (softmax, spherical). None: ``tol``.
    update : {"async", "sync"}, default="async"
        Update order of the binary models.
    temperature : float > 0, default=1.0
        Temperature of the binary models' Boltzmann density.
    chunk_size : int or None, default=None
        Stream over the memories in chunks of this many (memory O(batch x chunk)). None
        chooses: on CPU chunks of 1,024 once there are more than 2,048 memories (cache-sized
        blocks, several times faster scoring), on accelerators one pass. When several JAX
        devices exist, the memories are also sharded across them.
    n_partition_samples : int, default=4096
        Importance draws of the binary models' ``log Z`` above 20 features (at most 20 it
        is enumerated exactly): its standard error falls as ``1 / sqrt`` of this.
    random_state : int, RandomState instance or None, default=None
        Seeds learning, sampling and the estimate of the binary normaliser.

    Attributes
    ----------
    memories_ : ndarray of shape (n_memories, n_features)
        The memories (stored rows or learned).
    beta_ : float
        The inverse temperature in use (resolved from "auto").
    separation_ : ndarray of shape (min(n_memories, 256),)
        Separation from all the others of each memory, or of 256 memories drawn at random
        when there are more (see ``beta``).
    threshold_ : float
        Binarisation threshold (binary models; NaN otherwise).
    n_iter_ : int
        Learning iterations (1 when the rows are stored: a single pass over the data).
    converged_ : bool
        Whether learning converged.
    log_partition_ : float
        ``log Z`` of the density, computed once at fit: closed form (softmax, spherical),
        exact enumeration (binary, at most 20 features) or importance sampling around the
        memories (binary, more features; ``inf`` if ``-E / T`` itself exceeds float64).
    log_partition_error_ : float
        Standard error of ``log_partition_`` (0 unless estimated).
    reference_state_ : ndarray of shape (n_features,)
        Binary models: the lowest-energy state found at fit; log densities are formed
        relative to it, ``log p(s) = (E(r) - E(s)) / T - log_relative_partition_``, which
        stays exact where ``-E / T`` is too large to subtract ``log Z`` from.
    log_relative_partition_ : float
        Binary models: ``log sum_s exp((E(r) - E(s)) / T)``.
    n_features_in_ : int
        Number of features seen at fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features, when X had string column names.

    See Also
    --------
    ebm_memory.dynamics.retrieve_softmax : The Model B retrieval it runs.
    ebm_memory.density.gaussian.log_partition : The closed-form ``log Z`` of the softmax models.
    ebm_memory.samplers.sample : The MCMC samplers behind ``sample``.
    ebm_memory.AssociativeClustering : Memories as the components of a fitted mixture.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory import DenseAssociativeMemory
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.choice([-1.0, 1.0], size=(20, 32))
    >>> noisy = patterns * np.where(rng.random(patterns.shape) < 0.1, -1, 1)
    >>> dam = DenseAssociativeMemory(model="softmax").fit(patterns)
    >>> bool(np.array_equal(np.sign(dam.predict(noisy)), patterns))
    True
    >>> dam.transform(noisy).shape
    (20, 20)
    """

    _parameter_constraints: dict = {
        "model": [StrOptions({"softmax", "spherical", *BINARY_MODELS})],
        "beta": [RealNotBool(0, None, closed="neither"), StrOptions({"auto"})],
        "degree": [Interval(Integral, 1, None, closed="left")],
        "similarity": [StrOptions({"dot", "euclidean"})],
        "n_memories": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rule": [StrOptions(set(LEARNING_RULES))],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [RealNotBool(0, None, closed="left")],
        "max_retrieval_iter": [Interval(Integral, 1, None, closed="left"), None],
        "retrieval_tol": [RealNotBool(0, None, closed="left"), None],
        "update": [StrOptions({"async", "sync"})],
        "temperature": [RealNotBool(0, None, closed="neither")],
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
        "n_partition_samples": [Interval(Integral, 256, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        model="softmax",
        *,
        beta="auto",
        degree=3,
        similarity="dot",
        n_memories=None,
        learning_rule="auto",
        max_iter=100,
        tol=1e-6,
        max_retrieval_iter=None,
        retrieval_tol=None,
        update="async",
        temperature=1.0,
        chunk_size=None,
        n_partition_samples=4096,
        random_state=None,
    ):
        self._set_init_params(locals())

    # ------------------------------------------------------------------ model description
    @property
    def _kind(self) -> str:
        return "binary" if self.model in BINARY_MODELS else self.model

    def _interaction(self, beta: float):
        if self.model == "classical":
            return interactions.classical()
        if self.model == "polynomial":
            return interactions.polynomial(self.degree)
        return interactions.exponential(beta)

    def _spec(self) -> ModelSpec:
        interaction = None if self._kind == "softmax" else self._interaction(self.beta_)
        return ModelSpec(
            self._kind,
            self.similarity,
            interaction,
            self._chunk_size(len(self.memories_)),
            memory_sharding(),
        )

    def _chunk_size(self, n_memories: int) -> int | None:
        if self.chunk_size is not None:
            return self.chunk_size
        return default_chunk_size(n_memories)

    def _separation_similarity(self) -> str:
        return self.similarity if self._kind == "softmax" else "dot"

    def _prepare(self, X: np.ndarray) -> np.ndarray:
        """Map validated inputs to model states: +-1 (binary) or unit rows (spherical)."""
        if self._kind == "binary":
            return np.where(X > self.threshold_, 1.0, -1.0)
        if self._kind == "spherical":
            return unit_rows(X, "The spherical model")
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Store (``n_memories=None``) or learn (``n_memories=K``) the memories.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows: the memories themselves (``n_memories=None``), or the data that
            ``n_memories`` memories are learned from.
        y : None
            Ignored.

        Returns
        -------
        self : DenseAssociativeMemory
            The estimator, with ``memories_``, ``beta_`` and ``log_partition_`` set.

        See Also
        --------
        ebm_memory.DenseAssociativeMemory.retrieve : Retrieval with the fitted memories.
        ebm_memory.learning.fit_gaussian_memories : EM that learns K softmax memories.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeMemory
        >>> data = np.random.default_rng(1).normal(size=(12, 3))
        >>> memory = DenseAssociativeMemory(n_memories=2, random_state=0).fit(data)
        >>> memory.memories_.shape, memory.n_iter_ >= 1
        ((2, 3), True)
        """
        rule = resolve_learning_rule(self.learning_rule, self.model, self.n_memories)
        X = validate_data(self, X, dtype=np.float64)
        self.threshold_ = float((X.min() + X.max()) / 2) if self._kind == "binary" else float("nan")
        data = self._prepare(X)
        rng = check_random_state(self.random_state)
        if self.n_memories is not None and self.n_memories > len(data):
            raise ValueError(
                f"n_memories={self.n_memories} exceeds n_samples={len(data)}: cannot "
                "initialise that many memories from the data."
            )
        self._fit_memories(rule, data, rng)
        self.separation_ = self._separation(self.memories_, rng)
        self._fit_partition(seed_from(rng))
        return self

    @float64
    def _fit_memories(self, rule: str | None, data: np.ndarray, rng) -> None:
        if self.n_memories is None:
            self.memories_ = data.copy()
            self.beta_ = self._resolve_beta(self.memories_, rng)
            self.n_iter_, self.converged_ = 1, True
        else:
            seeds = data[rng.choice(len(data), self.n_memories, replace=False)]
            self.beta_ = self._resolve_beta(seeds, rng)
            self._learn(rule, data, key_from(rng))

    @float64
    def _fit_partition(self, seed: int) -> None:
        fit = fit_partition(
            self._spec(),
            self.memories_,
            self.beta_,
            self.temperature,
            seed,
            self.n_partition_samples,
        )
        self.log_partition_ = float(fit.log_partition)
        self.log_partition_error_ = float(fit.standard_error)
        if self._kind == "binary":
            self.reference_state_ = fit.reference_state
            self.log_relative_partition_ = float(fit.log_relative_partition)

    def _separation(self, memories: np.ndarray, rng) -> np.ndarray:
        rows = None
        if len(memories) > SEPARATION_SAMPLE:
            rows = np.sort(rng.choice(len(memories), SEPARATION_SAMPLE, replace=False))
        return pattern_separation(memories, self._separation_similarity(), rows=rows)

    def _resolve_beta(self, memories: np.ndarray, rng) -> float:
        if self.beta != "auto":
            return float(self.beta)
        return beta_for_separation(self._separation(memories, rng), len(memories))

    def _learn(self, rule: str, data: np.ndarray, key) -> None:
        memories, n_iter, converged = learn_memories(
            rule,
            data,
            self.n_memories,
            model=self.model,
            interaction=self._interaction(self.beta_) if self._kind == "binary" else None,
            beta=self.beta_,
            similarity=self.similarity,
            chunk_size=self._chunk_size(self.n_memories),
            key=key,
            max_iter=self.max_iter,
            tol=self.tol,
        )
        self.memories_, self.n_iter_, self.converged_ = memories, n_iter, converged
        warn_unlearned(self.converged_, self.max_iter, stacklevel=7)
