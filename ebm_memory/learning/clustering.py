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

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float

from ebm_memory._blocks import bucket_size, pad_rows
from ebm_memory.density.gaussian import vmf_log_normaliser
from ebm_memory.energies.mixture import (
    MIXTURE_SIMILARITIES,
    MixtureParams,
    clam_step,
    log_joint,
)
from ebm_memory.learning.mixture import iterate_objective

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

    Attributes
    ----------
    params : the learned memories, log weights and beta
    n_iter : iterations (EM) or epochs (back-propagation) run
    converged : whether the objective settled before ``max_iter``
    objective : (n_iter,) mean log-likelihood before each EM step, or reconstruction loss
        before each gradient step
    """

    params: MixtureParams
    n_iter: int
    converged: bool
    objective: np.ndarray


def mixture_log_normaliser(similarity: str, n_features: int, beta) -> float:
    """Log normaliser of one component: Gaussian on R^D or von Mises-Fisher on S^(D-1).

    Computed on the host: the von Mises-Fisher normaliser needs a Bessel function of
    arbitrary order, which JAX lacks (SciPy has it).
    """
    if similarity == "cosine":
        return vmf_log_normaliser(n_features, float(beta))
    return 0.5 * n_features * float(np.log(float(beta) / (2 * np.pi)))


def _padded(X) -> tuple[np.ndarray, np.ndarray]:
    """Rows padded with zeros to the next power of two (at least 16), and their weights
    (1 for data, 0 for padding)."""
    X = np.asarray(X)
    return pad_rows((X, np.ones(len(X), X.dtype)), bucket_size(len(X), 16))


def mixture_statistics(X: Float[Array, "N D"], weights, params: MixtureParams, similarity: str):
    """E-step over weighted rows: ``(mean log-likelihood less the components' log
    normaliser, R, S)`` with ``R_k = sum_n w_n r_nk`` and ``S_k = sum_n w_n r_nk x_n``."""
    joint = jax.vmap(lambda x: log_joint(x, params, similarity, 0.0))(X)
    log_evidence = jax.nn.logsumexp(joint, axis=1)
    responsibilities = jnp.exp(joint - log_evidence[:, None]) * weights[:, None]
    mean = jnp.sum(weights * log_evidence) / jnp.sum(weights)
    return mean, jnp.sum(responsibilities, axis=0), responsibilities.T @ X


def _m_step(X, weights, params, mass, moment, similarity, learn_beta):
    n_samples, n_features = jnp.sum(weights), X.shape[1]
    tiny = 10 * jnp.finfo(X.dtype).eps
    empty = mass <= n_samples * jnp.finfo(X.dtype).eps
    log_weights = jnp.log(mass + tiny) - jnp.log(n_samples + tiny * mass.size)
    if similarity == "cosine":
        lengths = jnp.linalg.norm(moment, axis=1, keepdims=True)
        means = jnp.where(empty[:, None], params.memories, moment / jnp.maximum(lengths, tiny))
        beta = _banerjee(jnp.sum(lengths) / n_samples, n_features)
    else:
        safe_mass = jnp.where(empty, 1.0, mass)
        means = jnp.where(empty[:, None], params.memories, moment / safe_mass[:, None])
        explained = jnp.sum(jnp.where(empty, 0.0, jnp.sum(moment**2, axis=1) / safe_mass))
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


@functools.partial(jax.jit, static_argnames=("similarity", "learn_beta"))
def _em_step(X, weights, params, similarity, learn_beta):
    """One EM iteration: the unnormalised mean log-likelihood of ``params`` and the update."""
    value, mass, moment = mixture_statistics(X, weights, params, similarity)
    return value, _m_step(X, weights, params, mass, moment, similarity, learn_beta)


def _fit_result(params, n_iter, converged, trace) -> MixtureFit:
    n_iter = int(n_iter)
    return MixtureFit(params, n_iter, bool(converged), np.asarray(trace[:n_iter]))


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
    X : (N, D) data; unit rows for ``similarity="cosine"``.
    initial_memories : (K, D) starting memories (e.g. k-means++ seeds).
    similarity : "euclidean" (isotropic Gaussian mixture) or "cosine" (vMF mixture).
    beta : fixed precision / concentration, or None to learn it (starting from the data's
        spread around the initial memories).
    max_iter : maximum EM iterations.
    tol : stop after the first iteration that raised the mean log-likelihood ``l`` by less
        than ``tol * (1 + |l|)``.

    Returns
    -------
    MixtureFit
        ``objective`` holds the mean log-likelihood before each iteration: non-decreasing;
        the returned parameters are one M-step past its last entry.
    """
    X, weights, params = _start(X, initial_memories, similarity, beta)
    learn_beta = beta is None
    trace: list[float] = []
    for _ in range(max_iter):
        value, update = _em_step(X, weights, params, similarity, learn_beta)
        value = float(value) + mixture_log_normaliser(similarity, X.shape[1], params.beta)
        trace.append(value)
        params = update
        if len(trace) > 1 and value - trace[-2] < tol * (1 + abs(value)):
            return _fit_result(params, len(trace), True, trace)
    return _fit_result(params, max_iter, False, trace)


@functools.partial(jax.jit, static_argnames=("similarity", "n_steps", "max_iter", "learning_rate"))
def _backprop(X, weights, params, step_size, tol, similarity, n_steps, max_iter, learning_rate):
    optimizer = optax.adam(learning_rate)

    def loss(memories):
        if similarity == "cosine":
            memories = memories / jnp.linalg.norm(memories, axis=1, keepdims=True)
        current = params._replace(memories=memories)

        def reconstruct(x):
            def body(v, _):
                return clam_step(v, current, similarity, step_size), None

            return jax.lax.scan(body, x, None, length=n_steps)[0]

        errors = jnp.sum((X - jax.vmap(reconstruct)(X)) ** 2, axis=1)
        return jnp.sum(weights * errors) / jnp.sum(weights)

    def step(state):
        memories, opt_state = state
        value, gradient = jax.value_and_grad(loss)(memories)
        updates, opt_state = optimizer.update(gradient, opt_state)
        return -value, (optax.apply_updates(memories, updates), opt_state)

    def settled(previous, value):
        return jnp.abs(value - previous) < tol * (1 + jnp.abs(value))

    start = (params.memories, optimizer.init(params.memories))
    (memories, _), n_iter, converged, trace = iterate_objective(
        step, start, max_iter=max_iter, settled=settled
    )
    if similarity == "cosine":
        memories = memories / jnp.linalg.norm(memories, axis=1, keepdims=True)
    return params._replace(memories=memories), n_iter, converged, -trace


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
    X, initial_memories, similarity, max_iter, tol : as :func:`fit_mixture_memories`
        (``max_iter`` counts full-batch Adam steps; ``tol`` applies to the loss).
    beta : fixed precision / concentration; None takes it from the hard assignment of the
        data to the initial memories (kept fixed during training).
    n_steps : T, the unrolled dynamics steps.
    step_size : eta of each step.
    learning_rate : Adam's learning rate.

    Returns
    -------
    MixtureFit
        Equal weights; ``objective`` is the reconstruction loss before each step.
    """
    X, weights, params = _start(X, initial_memories, similarity, beta)
    settings = (similarity, n_steps, max_iter, learning_rate)
    return _fit_result(*_backprop(X, weights, params, step_size, tol, *settings))
