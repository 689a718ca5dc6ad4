"""Memories as mixture components, learned by EM or by back-propagating through ClAM.

EM fits the mixture of :mod:`ebm_memory.energies.mixture` by maximum likelihood. The E-step
responsibilities ``r_{nk} = p(k | x_n)`` give the masses ``R_k = sum_n r_{nk}`` and first
moments ``S_k = sum_n r_{nk} x_n``; the M-step sets ``pi_k = R_k / N`` and

- euclidean: ``mu_k = S_k / R_k``, and (when ``beta`` is learned) the shared isotropic variance
  ``1 / beta = (sum_n |x_n|^2 - sum_k |S_k|^2 / R_k) / (N D)``: an isotropic Gaussian mixture;
- cosine: ``mu_k = S_k / |S_k|`` and (when learned) the shared concentration by Banerjee et
  al.'s (2005) approximation ``beta = r (D - r^2) / (1 - r^2)``, ``r = sum_k |S_k| / N``.

The back-propagation alternative is ClAM's (Saha et al. 2023): equal weights, fixed ``beta``,
and memories trained with Adam to minimise the reconstruction loss ``mean_n |x_n - v_T(x_n)|^2``
after T unrolled steps of the ClAM dynamics started at ``x_n`` (soft k-means through the
dynamics).

Both start from given memories (k-means++ seeds, e.g. :func:`sklearn.cluster.kmeans_plusplus`).
Rows are padded to a power of two with zero weight, so a fit compiles once per row bucket
rather than once per data size.

Examples
--------
>>> import numpy as np
>>> from sklearn.cluster import kmeans_plusplus
>>> from ebm_memory.learning.clustering import fit_mixture_memories
>>> rng = np.random.default_rng(0)
>>> X = np.concatenate([rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + [6.0, 0.0]])
>>> seeds, _ = kmeans_plusplus(X, 2, random_state=0)
>>> fit = fit_mixture_memories(X, seeds)
>>> bool(fit.converged), sorted(round(float(m)) for m in fit.params.memories[:, 0])
(True, [0, 6])
>>> round(float(fit.params.beta), 1)
1.0
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ebm_memory._blocks import bucket_size, pad_rows
from ebm_memory.density.gaussian import vmf_log_normaliser
from ebm_memory.energies.mixture import (
    MIXTURE_SIMILARITIES,
    MixtureParams,
    clam_step,
    mixture_scores,
)
from ebm_memory.learning.em import (
    direction_m_step,
    e_step,
    empty_components,
    iterate_objective,
    mean_m_step,
)

__all__ = [
    "MixtureFit",
    "fit_clam_backprop",
    "fit_mixture_memories",
    "mixture_log_normaliser",
    "mixture_statistics",
]

MIN_VARIANCE = 1e-6  # added to the learned variance, as scikit-learn's reg_covar
MAX_RESULTANT = 1 - 1e-9  # keeps the learned concentration finite


class MixtureFit(NamedTuple):
    """Result of learning a mixture of memories.

    Parameters
    ----------
    params : MixtureParams
        The learned memories of shape (K, D), log weights of shape (K,) and beta.
    n_iter : int
        Iterations (EM) or epochs (back-propagation) run.
    converged : bool
        Whether the objective settled before ``max_iter``.
    objective : ndarray of shape (n_iter,)
        Mean log-likelihood before each EM step, or reconstruction loss before each
        gradient step.

    See Also
    --------
    ebm_memory.learning.fit_mixture_memories : Returns it.
    ebm_memory.learning.fit_clam_backprop : Returns it.
    ebm_memory.energies.mixture.MixtureParams : The parameters it holds.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.5, 0.0], [5.0, 0.0], [5.5, 0.0]])
    >>> fit = fit_mixture_memories(X, X[[0, 2]], beta=1.0)
    >>> fit.params.memories.shape, fit.objective.shape == (fit.n_iter,)
    ((2, 2), True)
    """

    params: MixtureParams
    n_iter: int
    converged: bool
    objective: np.ndarray


def mixture_log_normaliser(similarity: str, n_features: int, beta) -> float:
    """Log normaliser of one component: Gaussian on R^D or von Mises-Fisher on S^(D-1).

    Parameters
    ----------
    similarity : {"euclidean", "cosine"}
        The component family.
    n_features : int
        D.
    beta : float
        The precision or concentration.

    Returns
    -------
    float
        ``(D/2) log(beta / (2 pi))`` or ``log C_D(beta)``, computed on the host (the von
        Mises-Fisher normaliser needs a Bessel function of arbitrary order, which JAX lacks).

    Examples
    --------
    >>> round(mixture_log_normaliser("euclidean", 2, 1.0), 4)
    -1.8379
    """
    if similarity == "cosine":
        return vmf_log_normaliser(n_features, float(beta))
    return 0.5 * n_features * float(np.log(float(beta) / (2 * np.pi)))


def _float32_pair(value: float) -> np.ndarray:
    """``value`` as two float32 whose float64 sum is ``value`` to about 1e-14 (relative)."""
    high = np.float32(value)
    return np.array([high, np.float32(value - np.float64(high))], dtype=np.float32)


def _traced_log_normaliser(similarity: str, n_features: int, beta):
    """:func:`mixture_log_normaliser` inside a jitted loop (SciPy's Bessel by callback).

    A callback's result is canonicalised in a thread where 64-bit mode may be off, so the
    value crosses as a float32 pair and is summed in ``beta``'s precision.
    """
    if similarity == "cosine":
        pair = jax.pure_callback(
            lambda b: _float32_pair(vmf_log_normaliser(n_features, float(b))),
            jax.ShapeDtypeStruct((2,), jnp.float32),
            beta,
        )
        return jnp.sum(pair.astype(beta.dtype))
    return 0.5 * n_features * jnp.log(beta / (2 * jnp.pi))


def _padded(X) -> tuple[np.ndarray, np.ndarray]:
    """Rows padded with zeros to the next power of two (at least 16), and their weights
    (1 for data, 0 for padding)."""
    X = np.asarray(X)
    return pad_rows((X, np.ones(len(X), X.dtype)), bucket_size(len(X), 16))


def mixture_statistics(X: Float[Array, "N D"], weights, params: MixtureParams, similarity: str):
    """E-step over weighted rows: ``(mean log-likelihood less the components' log
    normaliser, R, S)`` with ``R_k = sum_n w_n r_nk`` and ``S_k = sum_n w_n r_nk x_n``."""
    statistics = e_step(
        lambda x: mixture_scores(x, params.memories, similarity) + params.log_weights / params.beta,
        X,
        weights,
        params.beta,
    )
    mean = statistics.log_evidence / jnp.sum(weights)
    return mean, statistics.mass, statistics.moment


def _m_step(X, weights, params, mass, moment, similarity, learn_beta):
    n_samples, n_features = jnp.sum(weights), X.shape[1]
    tiny = 10 * jnp.finfo(X.dtype).eps
    log_weights = jnp.log(mass + tiny) - jnp.log(n_samples + tiny * mass.size)
    if similarity == "cosine":
        means = direction_m_step(params.memories, mass, moment, n_samples)
        beta = _banerjee(jnp.sum(jnp.linalg.norm(moment, axis=1)) / n_samples, n_features)
    else:
        empty = empty_components(mass, n_samples)
        means = mean_m_step(params.memories, mass, moment, n_samples)
        explained = jnp.sum(
            jnp.where(empty, 0.0, jnp.sum(moment**2, axis=1) / jnp.where(empty, 1.0, mass))
        )
        variance = (jnp.sum(weights[:, None] * X**2) - explained) / (n_samples * n_features)
        beta = 1 / (jnp.maximum(variance, 0.0) + MIN_VARIANCE)
    return MixtureParams(means, log_weights, beta if learn_beta else params.beta)


def _banerjee(resultant, n_features):
    """Concentration for a mean resultant length (Banerjee et al. 2005)."""
    resultant = jnp.minimum(resultant, MAX_RESULTANT)
    return resultant * (n_features - resultant**2) / (1 - resultant**2)


@functools.partial(jax.jit, static_argnames=("similarity", "estimate_beta"))
def _initial_params(X, weights, memories, beta, similarity, estimate_beta):
    """Equal weights and ``beta`` (estimated: from the hard assignment to the memories)."""
    if estimate_beta and similarity == "cosine":
        nearest = jnp.max(X @ memories.T, axis=1)
        beta = _banerjee(jnp.sum(weights * nearest) / jnp.sum(weights), X.shape[1])
    elif estimate_beta:
        squared = jnp.sum(X**2, axis=1)[:, None] - 2 * X @ memories.T
        squared = squared + jnp.sum(memories**2, axis=1)
        distances = jnp.maximum(jnp.min(squared, axis=1), 0.0)
        spread = jnp.sum(weights * distances) / (jnp.sum(weights) * X.shape[1])
        beta = 1 / (spread + MIN_VARIANCE)
    n_memories = memories.shape[0]
    log_weights = jnp.full(n_memories, -jnp.log(n_memories), X.dtype)
    return MixtureParams(memories, log_weights, jnp.asarray(beta, X.dtype))


def _start(X, initial_memories, similarity, beta):
    """Checked, padded rows and the initial parameters."""
    if similarity not in MIXTURE_SIMILARITIES:
        raise ValueError(f"similarity must be one of {MIXTURE_SIMILARITIES}, got {similarity!r}.")
    rows, weights = _padded(X)
    memories = np.asarray(initial_memories, dtype=rows.dtype)
    if memories.ndim != 2 or memories.shape[1] != rows.shape[1]:
        raise ValueError(
            f"initial_memories must have shape (K, {rows.shape[1]}), got {memories.shape}."
        )
    estimate = beta is None
    beta = jnp.asarray(1.0 if estimate else beta, rows.dtype)
    params = _initial_params(rows, weights, memories, beta, similarity, estimate)
    return jnp.asarray(rows), jnp.asarray(weights), params


@dataclasses.dataclass(frozen=True)
class _WeightedStep:
    """One EM iteration: the mean log-likelihood of ``params`` and the update."""

    similarity: str
    learn_beta: bool

    def __call__(self, params, data):
        X, weights = data
        value, mass, moment = mixture_statistics(X, weights, params, self.similarity)
        value = value + _traced_log_normaliser(self.similarity, X.shape[1], params.beta)
        new = _m_step(X, weights, params, mass, moment, self.similarity, self.learn_beta)
        return value, new


@dataclasses.dataclass(frozen=True)
class _ClamStep:
    """One Adam step on the ClAM reconstruction loss: ``(-loss, (memories, optimiser))``."""

    similarity: str
    n_steps: int
    learning_rate: float

    def loss(self, memories, data):
        X, weights, params, step_size = data
        if self.similarity == "cosine":
            memories = memories / jnp.linalg.norm(memories, axis=1, keepdims=True)
        current = params._replace(memories=memories)

        def reconstruct(x):
            def body(v, _):
                return clam_step(v, current, self.similarity, step_size), None

            return jax.lax.scan(body, x, None, length=self.n_steps)[0]

        errors = jnp.sum((X - jax.vmap(reconstruct)(X)) ** 2, axis=1)
        return jnp.sum(weights * errors) / jnp.sum(weights)

    def __call__(self, state, data):
        memories, opt_state = state
        import optax

        value, gradient = jax.value_and_grad(self.loss)(memories, data)
        updates, opt_state = optax.adam(self.learning_rate).update(gradient, opt_state)
        return -value, (optax.apply_updates(memories, updates), opt_state)


def _fit_result(params, fit) -> MixtureFit:
    objective = np.asarray(fit.objective[: fit.n_iter])
    return MixtureFit(params, fit.n_iter, fit.converged, objective)


def fit_mixture_memories(
    X,
    initial_memories,
    *,
    similarity: str = "euclidean",
    beta: float | None = None,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> MixtureFit:
    """Maximum-likelihood memories, weights and (when ``beta`` is None) beta by EM.

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data; unit rows for ``similarity="cosine"``.
    initial_memories : array-like of shape (K, D)
        Starting memories (e.g. k-means++ seeds).
    similarity : {"euclidean", "cosine"}, default="euclidean"
        Isotropic Gaussian mixture or von Mises-Fisher mixture.
    beta : float, optional
        Fixed precision / concentration, or None to learn it (starting from the data's
        spread around the initial memories).
    max_iter : int, default=200
        Maximum EM iterations.
    tol : float, default=1e-6
        Stop after the first iteration that raised the mean log-likelihood ``l`` by less
        than ``tol * (1 + |l|)``.

    Returns
    -------
    MixtureFit
        ``objective`` of shape (n_iter,) holds the mean log-likelihood before each
        iteration: non-decreasing; the returned parameters are one M-step past its last
        entry.

    See Also
    --------
    ebm_memory.learning.fit_clam_backprop : Training through the dynamics instead.
    ebm_memory.energies.mixture.clam_energy : The mixture energy whose likelihood is maximised.
    ebm_memory.AssociativeClustering : The estimator that runs it.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.5, 0.0], [5.0, 0.0], [5.5, 0.0]])
    >>> fit = fit_mixture_memories(X, X[[0, 2]], beta=1.0)
    >>> sorted(round(float(m), 2) for m in fit.params.memories[:, 0])
    [0.25, 5.25]
    """
    X, weights, params = _start(X, initial_memories, similarity, beta)
    step = _WeightedStep(similarity, beta is None)
    fit = iterate_objective(step, params, (X, weights), max_iter=max_iter, tol=tol)
    return _fit_result(fit.state, fit)


def fit_clam_backprop(
    X,
    initial_memories,
    *,
    similarity: str = "euclidean",
    beta: float | None = None,
    n_steps: int = 5,
    step_size: float = 1.0,
    learning_rate: float = 0.05,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> MixtureFit:
    """ClAM memories trained by back-propagating the reconstruction loss through the dynamics.

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data; unit rows for ``similarity="cosine"``.
    initial_memories : array-like of shape (K, D)
        Starting memories (e.g. k-means++ seeds).
    similarity : {"euclidean", "cosine"}, default="euclidean"
        The mixture's similarity.
    beta : float, optional
        Fixed precision / concentration; None takes it from the hard assignment of the
        data to the initial memories (kept fixed during training).
    n_steps : int, default=5
        T, the unrolled dynamics steps.
    step_size : float, default=1.0
        Eta of each step.
    learning_rate : float, default=0.05
        Adam's learning rate.
    max_iter : int, default=200
        Maximum number of full-batch Adam steps.
    tol : float, default=1e-6
        Stop after the first step that changed the loss ``l`` by less than
        ``tol * (1 + |l|)``.

    Returns
    -------
    MixtureFit
        Equal weights; ``objective`` of shape (n_iter,) is the reconstruction loss before
        each step.

    See Also
    --------
    ebm_memory.learning.fit_mixture_memories : Maximum-likelihood memories by EM.
    ebm_memory.dynamics.clam_retrieve : The dynamics trained through.
    ebm_memory.AssociativeClustering : ``training="backprop"`` runs it.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.5, 0.0], [5.0, 0.0], [5.5, 0.0]])
    >>> fit = fit_clam_backprop(X, X[[0, 2]], beta=2.0, max_iter=20)
    >>> bool(fit.objective[-1] < fit.objective[0])
    True
    """
    import optax

    X, weights, params = _start(X, initial_memories, similarity, beta)
    step = _ClamStep(similarity, n_steps, learning_rate)
    state = (params.memories, optax.adam(learning_rate).init(params.memories))
    data = (X, weights, params, jnp.asarray(step_size, X.dtype))
    fit = iterate_objective(step, state, data, max_iter=max_iter, tol=tol, two_sided=True)
    memories = fit.state[0]
    if similarity == "cosine":
        memories = memories / jnp.linalg.norm(memories, axis=1, keepdims=True)
    return _fit_result(params._replace(memories=memories), fit._replace(objective=-fit.objective))
