"""Closed-form densities of the continuous memories: Gaussian and von Mises-Fisher mixtures.

Model B at temperature ``T = 1 / beta`` is exactly a Gaussian mixture with covariance
``I / beta`` centred on the memories:

- dot similarity: ``exp(-beta E) = sum_mu exp(beta |xi_mu|^2 / 2) N(x; xi_mu, I / beta) Z_0``,
  so the mixing weights are ``softmax(beta |xi|^2 / 2)`` and
  ``log Z = logsumexp(beta |xi|^2 / 2) + D/2 log(2 pi / beta)``;
- euclidean similarity: equal weights, ``log Z = log K + D/2 log(2 pi / beta)``: a Gaussian
  KDE with bandwidth ``beta ** -0.5``.

Model C with unit memories and the log-sum-exp hidden Lagrangian,
``E(v) = -logsumexp(beta xi . v_hat) / beta``, is an equal-weight von Mises-Fisher mixture on
the unit sphere with concentration ``beta``; its density is taken with respect to the surface
measure of the sphere.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.density import gaussian
>>> memories = np.array([[0.0, 0.0], [3.0, 0.0]])
>>> round(float(gaussian.log_partition(memories, 2.0, "euclidean")), 4)
1.8379
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy.special import ive

from ebm_memory._numerics import scaled_logsumexp, scaled_softmax
from ebm_memory.energies.effective import attention_scores, softmax_energy

__all__ = [
    "gaussian_log_density",
    "log_mixing_weights",
    "log_partition",
    "responsibilities",
    "sample_gaussian_mixture",
    "sample_von_mises_fisher_mixture",
    "vmf_log_normaliser",
]


def log_mixing_weights(memories: Float[Array, "K D"], beta, similarity: str) -> Float[Array, " K"]:
    """Log mixing weights of the Gaussian mixture equivalent to Model B.

    See Also
    --------
    ebm_memory.density.gaussian.responsibilities : The posterior over the components at ``x``.
    ebm_memory.density.gaussian.sample_gaussian_mixture : Draws components by these weights.
    """
    if similarity == "dot":
        return jax.nn.log_softmax(beta * 0.5 * jnp.sum(memories**2, axis=1))
    return jnp.full(memories.shape[0], -jnp.log(memories.shape[0]), memories.dtype)


def log_partition(memories: Float[Array, "K D"], beta, similarity: str) -> Float[Array, ""]:
    """``log Z = log integral exp(-beta E(x)) dx`` of Model B, in closed form.

    See Also
    --------
    ebm_memory.density.gaussian.gaussian_log_density : The log density it normalises.
    ebm_memory.energies.softmax_energy : The Model B energy.
    ebm_memory.DenseAssociativeMemory.score_samples : The estimator's normalised log density.
    """
    memories = jnp.asarray(memories)
    n_memories, n_features = memories.shape
    gaussian = 0.5 * n_features * jnp.log(2 * jnp.pi / beta)
    if similarity == "dot":
        return scaled_logsumexp(0.5 * jnp.sum(memories**2, axis=1), beta) + gaussian
    return jnp.log(n_memories) + gaussian


def responsibilities(
    state: Float[Array, " D"], memories: Float[Array, "K D"], beta, similarity: str
) -> Float[Array, " K"]:
    """Posterior ``p(memory mu | x)`` of the mixture: the attention weights at ``x``.

    See Also
    --------
    ebm_memory.density.gaussian.log_mixing_weights : The prior weights of the components.
    ebm_memory.energies.attention_scores : The scores the attention is a softmax of.
    ebm_memory.DenseAssociativeMemory.transform : The responsibilities of each row.
    """
    return scaled_softmax(attention_scores(state, memories, similarity), beta)


def vmf_log_normaliser(n_features: int, beta: float) -> float:
    """``log C_D(beta)`` of the von Mises-Fisher density ``C_D exp(beta mu^T x)`` on S^(D-1).

    Uses the exponentially scaled Bessel function so large concentrations do not overflow.

    See Also
    --------
    ebm_memory.density.gaussian.sample_von_mises_fisher_mixture : Draws from the mixture.
    ebm_memory.AssociativeClustering : The hypersphere clustering it normalises.
    """
    order = n_features / 2 - 1
    return float(
        order * np.log(beta)
        - (n_features / 2) * np.log(2 * np.pi)
        - (np.log(ive(order, beta)) + beta)
    )


def sample_gaussian_mixture(
    key, memories: Float[Array, "K D"], beta, similarity: str, n_samples: int
) -> Float[Array, "n D"]:
    """Exact ancestral samples of Model B: a component by its weight, then Gaussian noise.

    See Also
    --------
    ebm_memory.samplers.MemoryMixture.sample : The same draws from a numpyro distribution.
    ebm_memory.density.gaussian.sample_von_mises_fisher_mixture : Exact draws on the sphere.
    ebm_memory.DenseAssociativeMemory.sample : Sampling a fitted memory.
    """
    pick_key, noise_key = jax.random.split(key)
    components = jax.random.categorical(
        pick_key, log_mixing_weights(memories, beta, similarity), shape=(n_samples,)
    )
    noise = jax.random.normal(noise_key, (n_samples, memories.shape[1]), memories.dtype)
    return memories[components] + noise / jnp.sqrt(beta)


def sample_von_mises_fisher_mixture(
    rng: np.random.RandomState, unit_memories: np.ndarray, beta: float, n_samples: int
) -> np.ndarray:
    """Exact samples of the equal-weight vMF mixture by Wood's (1994) rejection sampler.

    ``rng`` is a ``RandomState`` (as :func:`sklearn.utils.check_random_state` returns).

    See Also
    --------
    ebm_memory.density.gaussian.vmf_log_normaliser : The normaliser of each component.
    ebm_memory.density.gaussian.sample_gaussian_mixture : Exact draws of Model B.
    ebm_memory.learning.fit_spherical_memories : Learns the mean directions.
    """
    n_memories, n_features = unit_memories.shape
    means = unit_memories[rng.randint(0, n_memories, n_samples)]
    dimension = n_features - 1
    root = np.sqrt(4 * beta**2 + dimension**2)
    b = dimension / (2 * beta + root)
    x0 = (1 - b) / (1 + b)
    c = beta * x0 + dimension * np.log(1 - x0**2)
    cosines = np.empty(n_samples)
    pending = np.arange(n_samples)
    while pending.size:
        z = rng.beta(dimension / 2, dimension / 2, pending.size)
        w = (1 - (1 + b) * z) / (1 - (1 - b) * z)
        accept = beta * w + dimension * np.log(1 - x0 * w) - c >= np.log(
            rng.uniform(size=pending.size)
        )
        cosines[pending[accept]] = w[accept]
        pending = pending[~accept]
    tangent = rng.normal(size=(n_samples, n_features))
    tangent -= np.sum(tangent * means, axis=1, keepdims=True) * means
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    return cosines[:, None] * means + np.sqrt(1 - cosines**2)[:, None] * tangent


def gaussian_log_density(
    state: Float[Array, " D"], memories, beta, similarity: str, log_norm, *, chunk_size=None
) -> Float[Array, ""]:
    """``-beta E(x) - log Z`` for one state, with ``log Z`` precomputed.

    See Also
    --------
    ebm_memory.density.gaussian.log_partition : The precomputed ``log Z``.
    ebm_memory.energies.softmax_energy : The energy ``E(x)``.
    ebm_memory.samplers.MemoryMixture.log_prob : The same density as a numpyro distribution.
    """
    energy = softmax_energy(state, memories, beta, similarity=similarity, chunk_size=chunk_size)
    return -beta * energy - log_norm
