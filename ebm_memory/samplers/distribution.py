"""numpyro distribution of the Model B (softmax) memory density.

At ``T = 1 / beta`` the Boltzmann density ``exp(-beta E(x)) / Z`` of Model B is exactly a
Gaussian mixture with covariance ``I / beta`` centred on the memories (see
:mod:`ebm_memory.density.gaussian`): mixing weights ``softmax(beta |xi|^2 / 2)`` for dot
similarity, equal weights for euclidean similarity. :class:`MemoryMixture` exposes it as a
``numpyro.distributions.Distribution``: an exact ``log_prob`` (the energy and the closed-form
``log Z``) and exact ancestral sampling, with ``memories`` and ``beta`` allowed to be traced
(latent) inside numpyro models, e.g. to infer ``beta`` with NUTS.

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.samplers.distribution import MemoryMixture
>>> memories = jnp.array([[0.0, 0.0], [3.0, 0.0]])
>>> d = MemoryMixture(memories, 2.0, "euclidean")
>>> d.sample(jax.random.key(0), (5,)).shape, d.log_prob(jnp.zeros((4, 2))).shape
((5, 2), (4,))
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpyro.distributions as dist
from jaxtyping import Array, Float
from numpyro.distributions import constraints
from numpyro.distributions.util import validate_sample

from ebm_memory.density.gaussian import (
    gaussian_log_density,
    log_mixing_weights,
    log_partition,
    sample_gaussian_mixture,
)
from ebm_memory.energies.effective import SIMILARITIES

__all__ = ["MemoryMixture"]


class MemoryMixture(dist.Distribution):
    """Model B memory density ``exp(-beta E(x)) / Z`` as a numpyro distribution.

    Parameters
    ----------
    memories : array of shape (K, D)
        The patterns ``xi``; may be a traced (latent) value.
    beta : scalar
        Inverse temperature ``> 0`` (also the precision of each Gaussian component); may be
        traced.
    similarity : {"dot", "euclidean"}
        Model B similarity: ``E(x) = |x|^2 / 2 - logsumexp(beta (xi x + b)) / beta``.
    validate_args : bool, optional
        numpyro argument validation (``beta`` positive, ``memories`` a real matrix).

    Attributes
    ----------
    batch_shape : ()
    event_shape : (D,)
    support : real_vector

    Raises
    ------
    ValueError
        If ``similarity`` is unknown, ``memories`` is not 2-D or ``beta`` is not a scalar.

    See Also
    --------
    ebm_memory.energies.softmax_energy : The Model B energy of one state.
    ebm_memory.density.gaussian.log_partition : The log normaliser ``log Z``.
    ebm_memory.samplers.sample : MCMC on the same energy.
    ebm_memory.DenseAssociativeMemory : The estimator with this density (``model="softmax"``).

    Notes
    -----
    ``log_prob(x) = -beta E(x) - log Z`` with ``E`` from
    :func:`~ebm_memory.energies.softmax_energy` and ``log Z`` in closed form
    (:func:`~ebm_memory.density.gaussian.log_partition`); ``sample`` picks a component by its
    weight, then adds ``N(0, I / beta)`` noise. Both are differentiable in ``x``, ``memories``
    and ``beta`` (sampling is not reparametrised through the component choice). Use
    ``numpyro.plate`` (or ``.expand``) for i.i.d. observations.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> d = MemoryMixture(jnp.array([[0.0], [2.0]]), 1.0)
    >>> d.batch_shape, d.event_shape
    ((), (1,))
    >>> round(float(d.mean[0]), 4)  # dot weights softmax(|xi|^2 / 2) = (1, e^2) / (1 + e^2)
    1.7616
    """

    arg_constraints = {"memories": constraints.real_matrix, "beta": constraints.positive}
    support = constraints.real_vector
    pytree_data_fields = ("memories", "beta")
    pytree_aux_fields = ("similarity",)

    def __init__(
        self,
        memories: Float[Array, "K D"],
        beta,
        similarity: str = "dot",
        *,
        validate_args: bool | None = None,
    ):
        if similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
        memories = jnp.asarray(memories)
        beta = jnp.asarray(beta)
        if memories.ndim != 2:
            raise ValueError(f"memories must have shape (K, D), got {tuple(memories.shape)}.")
        if beta.ndim != 0:
            raise ValueError(
                f"beta must be a scalar (batch_shape is ()), got shape {tuple(beta.shape)}; "
                "use one MemoryMixture per beta, or jax.vmap."
            )
        dtype = jnp.result_type(memories.dtype, beta.dtype, float)
        self.memories = memories.astype(dtype)
        self.beta = beta.astype(dtype)
        self.similarity = similarity
        super().__init__(
            batch_shape=(), event_shape=(memories.shape[1],), validate_args=validate_args
        )

    @validate_sample
    def log_prob(self, value: Float[Array, "*batch D"]) -> Float[Array, "*batch"]:
        """``-beta E(x) - log Z`` for ``x`` of shape (..., D).

        Parameters
        ----------
        value : array of shape (..., D)
            Points at which to evaluate the log density.

        Returns
        -------
        array of shape (...)
            The normalised log density.

        See Also
        --------
        ebm_memory.samplers.MemoryMixture.sample : Exact draws from the same density.
        ebm_memory.DenseAssociativeMemory.score_samples : The same log density from the estimator.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> d = MemoryMixture(jnp.zeros((1, 2)), 1.0)
        >>> round(float(d.log_prob(jnp.zeros(2))), 4)  # log N(0; 0, I) in 2-D
        -1.8379
        """
        value = jnp.asarray(value)
        dim = self.event_shape[0]
        if value.ndim == 0 or value.shape[-1] != dim:
            raise ValueError(f"value must have shape (..., {dim}), got {tuple(value.shape)}.")
        log_norm = log_partition(self.memories, self.beta, self.similarity)
        flat = value.reshape(-1, dim).astype(self.memories.dtype)
        log_density = jax.vmap(
            lambda x: gaussian_log_density(x, self.memories, self.beta, self.similarity, log_norm)
        )(flat)
        return log_density.reshape(value.shape[:-1])

    def sample(self, key, sample_shape: tuple[int, ...] = ()) -> Float[Array, "*batch D"]:
        """Exact ancestral samples: a component by its weight, then ``N(0, I / beta)`` noise.

        Parameters
        ----------
        key : PRNG key
            ``jax.random.key(seed)``.
        sample_shape : tuple of int, default ()
            Leading shape of the draws.

        Returns
        -------
        array of shape sample_shape + (D,)
            The draws.

        See Also
        --------
        ebm_memory.samplers.MemoryMixture.log_prob : The log density of the draws.
        ebm_memory.density.gaussian.sample_gaussian_mixture : The same draws as a pure function.

        Examples
        --------
        >>> import jax
        >>> import jax.numpy as jnp
        >>> MemoryMixture(jnp.eye(2), 4.0).sample(jax.random.key(0), (3, 5)).shape
        (3, 5, 2)
        """
        count = math.prod(sample_shape)
        draws = sample_gaussian_mixture(key, self.memories, self.beta, self.similarity, count)
        return draws.reshape(tuple(sample_shape) + self.event_shape)

    @property
    def weights(self) -> Float[Array, " K"]:
        """Mixing weights of the components (softmax of the log weights), shape (K,).

        See Also
        --------
        ebm_memory.density.gaussian.log_mixing_weights : The log weights as a pure function.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> MemoryMixture(jnp.eye(2), 1.0, "euclidean").weights.tolist()
        [0.5, 0.5]
        """
        return jnp.exp(log_mixing_weights(self.memories, self.beta, self.similarity))

    @property
    def mean(self) -> Float[Array, " D"]:
        """``sum_mu w_mu xi_mu``, shape (D,).

        See Also
        --------
        ebm_memory.samplers.MemoryMixture.variance : The per-coordinate variance.
        ebm_memory.samplers.MemoryMixture.weights : The mixing weights in the mean.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> MemoryMixture(jnp.eye(2), 1.0, "euclidean").mean.tolist()
        [0.5, 0.5]
        """
        return self.weights @ self.memories

    @property
    def variance(self) -> Float[Array, " D"]:
        """Per-coordinate variance, shape (D,): ``1 / beta`` plus the spread of the centres.

        See Also
        --------
        ebm_memory.samplers.MemoryMixture.mean : The mean.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> MemoryMixture(jnp.eye(2), 2.0, "euclidean").variance.tolist()
        [0.75, 0.75]
        """
        centred = self.memories - self.mean
        return self.weights @ centred**2 + 1.0 / self.beta
