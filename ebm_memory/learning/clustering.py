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

Examples
--------
>>> import jax
>>> import numpy as np
>>> from ebm_memory.learning.clustering import fit_mixture_memories
>>> rng = np.random.default_rng(0)
>>> X = np.concatenate([rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + [6.0, 0.0]])
>>> fit = fit_mixture_memories(X, 2, key=jax.random.key(0))
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

from ebm_memory.density.gaussian import vmf_log_normaliser
from ebm_memory.energies.mixture import (
    MIXTURE_SIMILARITIES,
    MixtureParams,
    clam_step,
    log_joint,
)
from ebm_memory.learning.mixture import iterate_objective, kmeans_plus_plus

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


def mixture_statistics(X: Float[Array, "N D"], params: MixtureParams, similarity: str):
    """E-step: ``(mean_n logsumexp_k [log pi_k + beta s_k(x_n)], R, S)``.

    The first entry is the mean log-likelihood less the components' log normaliser.
    """
    joint = jax.vmap(lambda x: log_joint(x, params, similarity, 0.0))(X)
    log_evidence = jax.nn.logsumexp(joint, axis=1)
    responsibilities = jnp.exp(joint - log_evidence[:, None])
    return jnp.mean(log_evidence), jnp.sum(responsibilities, axis=0), responsibilities.T @ X


def _m_step(X, params, mass, moment, similarity, learn_beta):
    n_samples, n_features = X.shape
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
        variance = (jnp.sum(X**2) - explained) / (n_samples * n_features)
        beta = 1 / (jnp.maximum(variance, 0.0) + MIN_VARIANCE)
    return MixtureParams(means, log_weights, beta if learn_beta else params.beta)


def _banerjee(resultant, n_features):
    """Concentration for a mean resultant length (Banerjee et al. 2005)."""
    resultant = jnp.minimum(resultant, MAX_RESULTANT)
    return resultant * (n_features - resultant**2) / (1 - resultant**2)


def _seed(X, n_memories, similarity, beta, key):
    """k-means++ memories, equal weights, and ``beta`` (when None, from the hard
    assignment of the data to the seeds)."""
    memories = kmeans_plus_plus(X, n_memories, key)
    if beta is None and similarity == "cosine":
        beta = _banerjee(jnp.mean(jnp.max(X @ memories.T, axis=1)), X.shape[1])
    elif beta is None:
        squared = jnp.sum(X**2, axis=1)[:, None] - 2 * X @ memories.T
        squared = squared + jnp.sum(memories**2, axis=1)
        distances = jnp.maximum(jnp.min(squared, axis=1), 0.0)
        beta = 1 / (jnp.mean(distances) / X.shape[1] + MIN_VARIANCE)
    log_weights = jnp.full(n_memories, -jnp.log(n_memories), X.dtype)
    return MixtureParams(memories, log_weights, jnp.asarray(beta, X.dtype))


@functools.partial(jax.jit, static_argnames=("n_memories", "similarity", "learn_beta"))
def _seed_jit(X, key, beta, n_memories, similarity, learn_beta):
    return _seed(X, n_memories, similarity, None if learn_beta else beta, key)


@functools.partial(jax.jit, static_argnames=("similarity", "learn_beta"))
def _em_step(X, params, similarity, learn_beta):
    """One EM iteration: the unnormalised mean log-likelihood of ``params`` and the update."""
    value, mass, moment = mixture_statistics(X, params, similarity)
    return value, _m_step(X, params, mass, moment, similarity, learn_beta)


def _fit_result(params, n_iter, converged, trace) -> MixtureFit:
    n_iter = int(n_iter)
    return MixtureFit(params, n_iter, bool(converged), np.asarray(trace[:n_iter]))


def fit_mixture_memories(
    X,
    n_memories: int,
    *,
    similarity: str = "euclidean",
    beta: float | None = None,
    key,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> MixtureFit:
    """Maximum-likelihood memories, weights and (when ``beta`` is None) beta by EM.

    Parameters
    ----------
    X : (N, D) data; unit rows for ``similarity="cosine"``.
    n_memories : K <= N.
    similarity : "euclidean" (isotropic Gaussian mixture) or "cosine" (vMF mixture).
    beta : fixed precision / concentration, or None to learn it.
    key : PRNG key for the k-means++ seeding.
    max_iter : maximum EM iterations.
    tol : stop after the first iteration that raised the mean log-likelihood ``l`` by less
        than ``tol * (1 + |l|)``.

    Returns
    -------
    MixtureFit
        ``objective`` holds the mean log-likelihood before each iteration: non-decreasing;
        the returned parameters are one M-step past its last entry.
    """
    if similarity not in MIXTURE_SIMILARITIES:
        raise ValueError(f"similarity must be one of {MIXTURE_SIMILARITIES}, got {similarity!r}.")
    X = jnp.asarray(X)
    learn_beta = beta is None
    beta = jnp.asarray(1.0 if learn_beta else beta, X.dtype)
    params = _seed_jit(X, key, beta, n_memories, similarity, learn_beta)
    trace: list[float] = []
    for _ in range(max_iter):
        value, update = _em_step(X, params, similarity, learn_beta)
        value = float(value) + mixture_log_normaliser(similarity, X.shape[1], params.beta)
        trace.append(value)
        params = update
        if len(trace) > 1 and value - trace[-2] < tol * (1 + abs(value)):
            return _fit_result(params, len(trace), True, trace)
    return _fit_result(params, max_iter, False, trace)


@functools.partial(
    jax.jit,
    static_argnames=(
        "n_memories",
        "similarity",
        "estimate_beta",
        "n_steps",
        "max_iter",
        "learning_rate",
    ),
)
def _backprop(
    X,
    key,
    beta,
    step_size,
    tol,
    n_memories,
    similarity,
    estimate_beta,
    n_steps,
    max_iter,
    learning_rate,
):
    params = _seed(X, n_memories, similarity, None if estimate_beta else beta, key)
    optimizer = optax.adam(learning_rate)

    def loss(memories):
        if similarity == "cosine":
            memories = memories / jnp.linalg.norm(memories, axis=1, keepdims=True)
        current = params._replace(memories=memories)

        def reconstruct(x):
            def body(v, _):
                return clam_step(v, current, similarity, step_size), None

            return jax.lax.scan(body, x, None, length=n_steps)[0]

        return jnp.mean(jnp.sum((X - jax.vmap(reconstruct)(X)) ** 2, axis=1))

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
    n_memories: int,
    *,
    similarity: str = "euclidean",
    beta: float | None = None,
    key,
    n_steps: int = 5,
    step_size: float = 1.0,
    learning_rate: float = 0.05,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> MixtureFit:
    """ClAM memories trained by back-propagating the reconstruction loss through the dynamics.

    Parameters
    ----------
    X, n_memories, similarity, key, max_iter, tol : as :func:`fit_mixture_memories`
        (``max_iter`` counts full-batch Adam steps; ``tol`` applies to the loss).
    beta : fixed precision / concentration; None takes it from the hard assignment of the
        data to the k-means++ seeds (kept fixed during training).
    n_steps : T, the unrolled dynamics steps.
    step_size : eta of each step.
    learning_rate : Adam's learning rate.

    Returns
    -------
    MixtureFit
        Equal weights; ``objective`` is the reconstruction loss before each step.
    """
    if similarity not in MIXTURE_SIMILARITIES:
        raise ValueError(f"similarity must be one of {MIXTURE_SIMILARITIES}, got {similarity!r}.")
    X = jnp.asarray(X)
    estimate_beta = beta is None
    beta = jnp.asarray(1.0 if estimate_beta else beta, X.dtype)
    return _fit_result(
        *_backprop(
            X,
            key,
            beta,
            step_size,
            tol,
            n_memories,
            similarity,
            estimate_beta,
            n_steps,
            max_iter,
            learning_rate,
        )
    )
