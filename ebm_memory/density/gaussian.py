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

    Dot similarity weighs memory ``mu`` by ``exp(beta |xi_mu|^2 / 2)`` (normalised); euclidean
    similarity weighs the memories equally.

    Parameters
    ----------
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``, the means of the components.
    beta : float
        Inverse temperature ``beta = 1 / T > 0``.
    similarity : {"dot", "euclidean"}
        Similarity of the Model B energy.

    Returns
    -------
    array of shape (n_memories,)
        ``log pi_mu``, with log-sum-exp 0.

    See Also
    --------
    ebm_memory.density.gaussian.responsibilities : The posterior over the components at ``x``.
    ebm_memory.density.gaussian.sample_gaussian_mixture : Draws components by these weights.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> memories = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    >>> weights = np.exp(np.asarray(log_mixing_weights(memories, 2.0, "dot"), float))
    >>> weights.round(4).tolist()  # softmax([0, 1])
    [0.2689, 0.7311]
    >>> np.exp(np.asarray(log_mixing_weights(memories, 2.0, "euclidean"), float)).tolist()
    [0.5, 0.5]
    """
    if similarity == "dot":
        return jax.nn.log_softmax(beta * 0.5 * jnp.sum(memories**2, axis=1))
    return jnp.full(memories.shape[0], -jnp.log(memories.shape[0]), memories.dtype)


def log_partition(memories: Float[Array, "K D"], beta, similarity: str) -> Float[Array, ""]:
    """``log Z = log integral exp(-beta E(x)) dx`` of Model B, in closed form.

    ``logsumexp(beta |xi|^2 / 2) + D/2 log(2 pi / beta)`` for dot similarity and
    ``log K + D/2 log(2 pi / beta)`` for euclidean similarity (module docs), so that
    ``log p(x) = -beta E(x) - log Z``.

    Parameters
    ----------
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``.
    beta : float
        Inverse temperature ``beta = 1 / T > 0``.
    similarity : {"dot", "euclidean"}
        Similarity of the Model B energy.

    Returns
    -------
    array of shape ()
        ``log Z``.

    See Also
    --------
    ebm_memory.density.gaussian.gaussian_log_density : The log density it normalises.
    ebm_memory.energies.softmax_energy : The Model B energy.
    ebm_memory.DenseAssociativeMemory.score_samples : The estimator's normalised log density.

    Examples
    --------
    The closed form against a quadrature of ``exp(-beta E)`` in one dimension, where
    ``-E(x) = logsumexp(xi x) - x^2 / 2`` at ``beta = 1``:

    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> memories = jnp.array([[0.0], [2.0]])
    >>> x = np.linspace(-10.0, 12.0, 2201)
    >>> quadrature = np.log(np.sum(np.exp(np.logaddexp(0.0, 2.0 * x) - x**2 / 2)) * (x[1] - x[0]))
    >>> round(float(log_partition(memories, 1.0, "dot")), 4), round(float(quadrature), 4)
    (3.0459, 3.0459)
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

    Parameters
    ----------
    state : array of shape (n_features,)
        One state ``x``.
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``.
    beta : float
        Inverse temperature ``beta = 1 / T > 0``.
    similarity : {"dot", "euclidean"}
        Similarity of the Model B energy.

    Returns
    -------
    array of shape (n_memories,)
        ``softmax(beta s(x))`` of the attention scores ``s``; sums to one.

    See Also
    --------
    ebm_memory.density.gaussian.log_mixing_weights : The prior weights of the components.
    ebm_memory.energies.attention_scores : The scores the attention is a softmax of.
    ebm_memory.DenseAssociativeMemory.transform : The responsibilities of each row.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> memories = jnp.array([[0.0, 0.0], [1.0, 0.0]])
    >>> weights = responsibilities(jnp.array([0.9, 0.0]), memories, 4.0, "euclidean")
    >>> np.asarray(weights, float).round(3).tolist()  # softmax(4 * [-0.405, -0.005])
    [0.168, 0.832]
    """
    return scaled_softmax(attention_scores(state, memories, similarity), beta)


def vmf_log_normaliser(n_features: int, beta: float) -> float:
    """``log C_D(beta)`` of the von Mises-Fisher density ``C_D exp(beta mu^T x)`` on S^(D-1).

    ``C_D(beta) = beta^(D/2 - 1) / ((2 pi)^(D/2) I_(D/2 - 1)(beta))``; the exponentially
    scaled Bessel function keeps large concentrations from overflowing.

    Parameters
    ----------
    n_features : int
        Dimension ``D`` of the ambient space (the sphere is ``S^(D-1)``).
    beta : float
        Concentration ``> 0``.

    Returns
    -------
    float
        ``log C_D(beta)``, with respect to the surface measure of the sphere.

    See Also
    --------
    ebm_memory.density.gaussian.sample_von_mises_fisher_mixture : Draws from the mixture.
    ebm_memory.AssociativeClustering : The hypersphere clustering it normalises.

    Examples
    --------
    On ``S^2``, ``C_3(beta) = beta / (4 pi sinh(beta))``:

    >>> import numpy as np
    >>> bool(np.isclose(vmf_log_normaliser(3, 2.0), np.log(2.0 / (4 * np.pi * np.sinh(2.0)))))
    True
    >>> round(vmf_log_normaliser(3, 1e4), 2)  # log(beta / (2 pi)) - beta, no overflow
    -9992.63
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

    Parameters
    ----------
    key : PRNG key
        Split into the component draws and the noise.
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``, the means of the components.
    beta : float
        Inverse temperature: the noise has covariance ``I / beta``.
    similarity : {"dot", "euclidean"}
        Similarity of the Model B energy (sets the mixing weights).
    n_samples : int
        Number of independent samples.

    Returns
    -------
    array of shape (n_samples, n_features)
        Draws from ``exp(-beta E) / Z``.

    See Also
    --------
    ebm_memory.samplers.MemoryMixture.sample : The same draws from a numpyro distribution.
    ebm_memory.density.gaussian.sample_von_mises_fisher_mixture : Exact draws on the sphere.
    ebm_memory.DenseAssociativeMemory.sample : Sampling a fitted memory.

    Examples
    --------
    >>> import jax
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> memories = jnp.array([[0.0, 0.0], [3.0, 0.0]])
    >>> samples = sample_gaussian_mixture(jax.random.key(0), memories, 100.0, "euclidean", 1000)
    >>> samples.shape
    (1000, 2)
    >>> bool(abs(np.mean(np.asarray(samples)[:, 0] > 1.5) - 0.5) < 0.1)  # equal weights
    True
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

    Each sample picks a memory uniformly, draws its cosine ``w`` with the mean direction by
    rejection, and a uniform direction orthogonal to the mean.

    Parameters
    ----------
    rng : numpy.random.RandomState
        Source of randomness (as :func:`sklearn.utils.check_random_state` returns).
    unit_memories : ndarray of shape (n_memories, n_features)
        Mean directions, unit rows; ``n_features >= 2``.
    beta : float
        Concentration ``> 0`` of every component.
    n_samples : int
        Number of independent samples.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        Unit vectors drawn from the mixture.

    See Also
    --------
    ebm_memory.density.gaussian.vmf_log_normaliser : The normaliser of each component.
    ebm_memory.density.gaussian.sample_gaussian_mixture : Exact draws of Model B.
    ebm_memory.learning.fit_spherical_memories : Learns the mean directions.

    Examples
    --------
    On ``S^2`` the mean cosine with the mean direction is ``coth(beta) - 1 / beta``:

    >>> import numpy as np
    >>> memories = np.array([[0.0, 0.0, 1.0]])
    >>> samples = sample_von_mises_fisher_mixture(np.random.RandomState(0), memories, 10.0, 2000)
    >>> samples.shape, bool(np.allclose(np.linalg.norm(samples, axis=1), 1.0))
    ((2000, 3), True)
    >>> bool(abs(samples[:, 2].mean() - (1 / np.tanh(10.0) - 0.1)) < 0.01)
    True
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

    Parameters
    ----------
    state : array of shape (n_features,)
        One state ``x``.
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``.
    beta : float
        Inverse temperature ``beta = 1 / T > 0``.
    similarity : {"dot", "euclidean"}
        Similarity of the Model B energy.
    log_norm : float or array of shape ()
        ``log Z`` from :func:`log_partition` with the same memories, ``beta`` and similarity.
    chunk_size : int, optional
        Memories per streamed block of the energy; None reduces them in one pass.

    Returns
    -------
    array of shape ()
        The normalised log density ``log p(x)``.

    See Also
    --------
    ebm_memory.density.gaussian.log_partition : The precomputed ``log Z``.
    ebm_memory.energies.softmax_energy : The energy ``E(x)``.
    ebm_memory.samplers.MemoryMixture.log_prob : The same density as a numpyro distribution.

    Examples
    --------
    One memory with euclidean similarity is the Gaussian ``N(xi, I / beta)``:

    >>> import jax.numpy as jnp
    >>> from scipy.stats import multivariate_normal
    >>> memories = jnp.array([[0.0, 0.0]])
    >>> log_norm = log_partition(memories, 1.0, "euclidean")
    >>> value = gaussian_log_density(jnp.array([1.0, 0.0]), memories, 1.0, "euclidean", log_norm)
    >>> round(float(value), 4), round(float(multivariate_normal([0.0, 0.0]).logpdf([1.0, 0.0])), 4)
    (-2.3379, -2.3379)
    """
    energy = softmax_energy(state, memories, beta, similarity=similarity, chunk_size=chunk_size)
    return -beta * energy - log_norm
