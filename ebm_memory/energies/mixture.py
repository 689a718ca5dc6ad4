"""Energies of memories read as mixture components (Schaeffer et al. 2024).

A set of K memories ``mu_k`` with log mixing weights ``log pi_k`` and a sharpness ``beta`` is
a mixture model, and the associative-memory energies are its negative log-likelihoods:

- ``similarity="euclidean"``: components ``N(x; mu_k, I / beta)`` (the package's temperature
  convention ``T = 1 / beta``; ClAM's ``exp(-beta' |mu - v|^2)`` is ``beta = 2 beta'``).
- ``similarity="cosine"``: inputs and memories on the unit sphere, components von Mises-Fisher
  ``C_D(beta) exp(beta mu_k . x_hat)``: pre-norm + attention, with the concentration ``beta``
  and the weights ``pi`` as separate parameters.

Two memory dynamics share these components:

- ClAM: the state ``v`` lives in the data space,
  ``E(v) = -(1/beta) log sum_k pi_k exp(beta s_k(v))`` with ``s_k = -|v - mu_k|^2 / 2`` or
  ``mu_k . v_hat``, so ``exp(-beta E)`` is the mixture density up to its normaliser. Its step
  moves ``v`` towards the posterior-weighted mean of the memories,
  ``m(v) = sum_k p(k | v) mu_k`` (normalised for cosine): a concave-convex step, so the energy
  never rises for step sizes in (0, 1].
- ELBO: the state is a vector of assignment logits, ``q = softmax(logits)``, and
  ``E(q) = -sum_k q_k log p(x, z=k) + sum_k q_k log q_k = KL(q || p(z | x)) - log p(x)``.
  Its fixed point is the exact posterior; the step
  ``logits <- (1 - eta) logits + eta log p(x, z)`` is mirror descent on the simplex and never
  raises the energy. The state has K entries whatever the dimension.

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.energies.mixture import (MixtureParams, clam_energy,
...     component_log_normaliser, log_joint)
>>> params = MixtureParams(jnp.array([[0.0, 0.0], [4.0, 0.0]]), jnp.log(jnp.array([0.5, 0.5])),
...                        jnp.array(1.0))
>>> x = jnp.array([0.5, 0.0])
>>> joint = log_joint(x, params, "euclidean", component_log_normaliser(2, params.beta))
>>> bool(jnp.allclose(-params.beta * clam_energy(x, params, "euclidean")
...      + component_log_normaliser(2, params.beta), jax.nn.logsumexp(joint)))
True
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._numerics import safe_norm, scaled_logsumexp, scaled_softmax

__all__ = [
    "MIXTURE_SIMILARITIES",
    "MixtureParams",
    "clam_energy",
    "clam_step",
    "clam_target",
    "component_log_normaliser",
    "elbo_energy",
    "elbo_step",
    "log_joint",
    "mixture_scores",
]

MIXTURE_SIMILARITIES = ("euclidean", "cosine")
"""Similarities of mixture memories: Gaussian (euclidean) and von Mises-Fisher (cosine)."""


class MixtureParams(NamedTuple):
    """Memories as mixture components.

    Parameters
    ----------
    memories : array of shape (n_memories, n_features)
        Component means ``mu_k`` (unit rows for cosine).
    log_weights : array of shape (n_memories,)
        Log mixing weights ``log pi_k``, with log-sum-exp 0.
    beta : float or array of shape ()
        Precision (euclidean) or concentration (cosine) of every component; the temperature
        is ``T = 1 / beta``.

    See Also
    --------
    ebm_memory.energies.mixture.clam_energy : The ClAM energy of these parameters.
    ebm_memory.learning.fit_mixture_memories : Learns them by EM.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> params = MixtureParams(jnp.array([[0.0, 0.0], [4.0, 0.0]]),
    ...                        jnp.log(jnp.array([0.25, 0.75])), jnp.array(2.0))
    >>> params.memories.shape, params.log_weights.shape, float(params.beta)
    ((2, 2), (2,), 2.0)
    """

    memories: Float[Array, "K D"]
    log_weights: Float[Array, " K"]
    beta: Float[Array, ""]


def _direction(v: Float[Array, " D"]) -> Float[Array, " D"]:
    norm = safe_norm(v)
    return v / jnp.where(norm > 0, norm, 1.0)


def mixture_scores(
    v: Float[Array, " D"], memories: Float[Array, "K D"], similarity: str
) -> Float[Array, " K"]:
    """Similarities ``s_k(v)``: ``-|v - mu_k|^2 / 2`` or ``mu_k^T v_hat``.

    Parameters
    ----------
    v : array of shape (n_features,)
        One state.
    memories : array of shape (n_memories, n_features)
        Component means ``mu_k`` (unit rows for cosine).
    similarity : {"euclidean", "cosine"}
        Gaussian or von Mises-Fisher components.

    Returns
    -------
    array of shape (n_memories,)
        ``s_k(v)`` for every memory; ``v = 0`` has cosine scores 0.

    See Also
    --------
    ebm_memory.energies.mixture.clam_energy : The ClAM energy of these scores.
    ebm_memory.energies.attention_scores : The Model B scores.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> memories = jnp.array([[0.0, 0.0], [4.0, 0.0]])
    >>> mixture_scores(jnp.array([1.0, 0.0]), memories, "euclidean").tolist()
    [-0.5, -4.5]
    >>> unit = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    >>> mixture_scores(jnp.array([2.0, 0.0]), unit, "cosine").tolist()  # direction only
    [1.0, 0.0]
    """
    if similarity == "cosine":
        return memories @ _direction(v)
    return -0.5 * jnp.sum((memories - v) ** 2, axis=1)


def component_log_normaliser(n_features: int, beta) -> Float[Array, ""]:
    """Log normaliser of a euclidean component, ``(D/2) log(beta / (2 pi))``.

    The cosine components' ``log C_D(beta)`` needs a Bessel function of arbitrary order,
    which JAX lacks: take it from :func:`ebm_memory.density.gaussian.vmf_log_normaliser`.

    Parameters
    ----------
    n_features : int
        Dimension ``D``.
    beta : float or array of shape ()
        Precision of the component ``N(mu, I / beta)``.

    Returns
    -------
    array of shape ()
        ``log`` of the Gaussian normaliser, the log density at the mean.

    See Also
    --------
    ebm_memory.energies.mixture.log_joint : Adds it to each component's log joint.
    ebm_memory.density.gaussian.vmf_log_normaliser : The normaliser of a cosine component.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import multivariate_normal
    >>> peak = multivariate_normal(np.zeros(2), np.eye(2) / 4.0).logpdf(np.zeros(2))
    >>> round(float(component_log_normaliser(2, 4.0)), 5), round(float(peak), 5)
    (-0.45158, -0.45158)
    """
    return 0.5 * n_features * jnp.log(beta / (2 * jnp.pi))


def log_joint(
    x: Float[Array, " D"], params: MixtureParams, similarity: str, log_normaliser
) -> Float[Array, " K"]:
    """``log p(x, z=k) = log pi_k + beta s_k(x) + log normaliser`` for every component.

    Parameters
    ----------
    x : array of shape (n_features,)
        One data point.
    params : MixtureParams
        Memories, log weights and ``beta``.
    similarity : {"euclidean", "cosine"}
        Gaussian or von Mises-Fisher components.
    log_normaliser : float or array of shape ()
        Log normaliser of a component: :func:`component_log_normaliser` (euclidean) or
        :func:`~ebm_memory.density.gaussian.vmf_log_normaliser` (cosine).

    Returns
    -------
    array of shape (n_memories,)
        ``log p(x, z=k)``; its log-sum-exp is ``log p(x)``.

    See Also
    --------
    ebm_memory.energies.mixture.mixture_scores : The similarities ``s_k(x)``.
    ebm_memory.energies.mixture.elbo_energy : The ELBO built on it.

    Examples
    --------
    Against ``log(pi_k N(x; mu_k, I / beta))`` from scipy:

    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> from scipy.stats import multivariate_normal
    >>> params = MixtureParams(jnp.array([[0.0, 0.0], [4.0, 0.0]]),
    ...                        jnp.log(jnp.array([0.25, 0.75])), jnp.array(1.0))
    >>> x = jnp.array([1.0, 0.0])
    >>> joint = log_joint(x, params, "euclidean", component_log_normaliser(2, params.beta))
    >>> expected = [np.log(w * multivariate_normal(m).pdf([1.0, 0.0]))
    ...             for w, m in ((0.25, [0.0, 0.0]), (0.75, [4.0, 0.0]))]
    >>> bool(np.allclose(joint, expected, atol=1e-5))
    True
    """
    return (
        params.log_weights
        + params.beta * mixture_scores(x, params.memories, similarity)
        + (log_normaliser)
    )


def _logits(v, params: MixtureParams, similarity: str) -> Float[Array, " K"]:
    """``s_k(v) + log pi_k / beta``: the scores that ``beta`` scales inside the softmax."""
    return mixture_scores(v, params.memories, similarity) + params.log_weights / params.beta


def clam_energy(v: Float[Array, " D"], params: MixtureParams, similarity: str) -> Float[Array, ""]:
    """ClAM energy ``-(1/beta) log sum_k pi_k exp(beta s_k(v))``.

    ``exp(-beta E(v))`` is the mixture density at ``v`` up to the component normaliser.

    Parameters
    ----------
    v : array of shape (n_features,)
        One state in the data space.
    params : MixtureParams
        Memories, log weights and ``beta``.
    similarity : {"euclidean", "cosine"}
        Gaussian or von Mises-Fisher components.

    Returns
    -------
    array of shape ()
        ``E(v)``.

    See Also
    --------
    ebm_memory.energies.mixture.clam_step : The update that lowers it.
    ebm_memory.dynamics.clam_retrieve : Descends it to a fixed point.
    ebm_memory.energies.mixture.elbo_energy : The ELBO energy over assignments.

    Examples
    --------
    One euclidean memory with weight 1 gives ``E(v) = |v - mu|^2 / 2``:

    >>> import jax.numpy as jnp
    >>> params = MixtureParams(jnp.array([[0.0, 0.0]]), jnp.array([0.0]), jnp.array(2.0))
    >>> round(float(clam_energy(jnp.array([1.0, 1.0]), params, "euclidean")), 5)
    1.0
    """
    return -scaled_logsumexp(_logits(v, params, similarity), params.beta) / params.beta


def clam_target(
    v: Float[Array, " D"], params: MixtureParams, similarity: str
) -> Float[Array, " D"]:
    """Posterior-weighted mean of the memories, ``sum_k p(k | v) mu_k`` (unit for cosine).

    Parameters
    ----------
    v : array of shape (n_features,)
        One state in the data space.
    params : MixtureParams
        Memories, log weights and ``beta``.
    similarity : {"euclidean", "cosine"}
        Gaussian or von Mises-Fisher components.

    Returns
    -------
    array of shape (n_features,)
        ``m(v)``, normalised to unit length for cosine.

    See Also
    --------
    ebm_memory.energies.mixture.clam_step : The step towards it.
    ebm_memory.energies.mixture.mixture_scores : The similarities the posterior is built from.

    Examples
    --------
    Two equal-weight memories at 0 and 4 with ``beta = 1``: at ``v = 1`` the posterior of
    the second is ``1 / (1 + e^4)``:

    >>> import math
    >>> import jax.numpy as jnp
    >>> params = MixtureParams(jnp.array([[0.0, 0.0], [4.0, 0.0]]),
    ...                        jnp.log(jnp.array([0.5, 0.5])), jnp.array(1.0))
    >>> target = clam_target(jnp.array([1.0, 0.0]), params, "euclidean")
    >>> round(float(target[0]), 5), round(4 / (1 + math.e**4), 5)
    (0.07194, 0.07194)
    """
    target = scaled_softmax(_logits(v, params, similarity), params.beta) @ params.memories
    return _direction(target) if similarity == "cosine" else target


def clam_step(
    v: Float[Array, " D"], params: MixtureParams, similarity: str, step_size
) -> Float[Array, " D"]:
    """``v <- (1 - eta) v + eta m(v)`` (renormalised for cosine); eta = 1 is one EM step.

    Parameters
    ----------
    v : array of shape (n_features,)
        One state in the data space.
    params : MixtureParams
        Memories, log weights and ``beta``.
    similarity : {"euclidean", "cosine"}
        Gaussian or von Mises-Fisher components.
    step_size : float
        ``eta`` in ``(0, 1]``; the energy never rises.

    Returns
    -------
    array of shape (n_features,)
        The next state.

    See Also
    --------
    ebm_memory.energies.mixture.clam_target : The posterior mean it moves towards.
    ebm_memory.dynamics.clam_retrieve : Repeats the step to a fixed point.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> params = MixtureParams(jnp.array([[0.0, 0.0], [4.0, 0.0]]),
    ...                        jnp.log(jnp.array([0.5, 0.5])), jnp.array(1.0))
    >>> v = jnp.array([1.0, 0.0])
    >>> new = clam_step(v, params, "euclidean", 0.5)
    >>> round(float(new[0]), 4), bool(clam_energy(new, params, "euclidean")
    ...                               < clam_energy(v, params, "euclidean"))
    (0.536, True)
    """
    new = (1 - step_size) * v + step_size * clam_target(v, params, similarity)
    return _direction(new) if similarity == "cosine" else new


def elbo_energy(logits: Float[Array, " K"], joint: Float[Array, " K"]) -> Float[Array, ""]:
    """``sum_k q_k (log q_k - log p(x, z=k))`` with ``q = softmax(logits)`` and ``joint`` from
    :func:`log_joint`; its minimum, at the posterior, is ``-log p(x)``.

    Parameters
    ----------
    logits : array of shape (n_memories,)
        Assignment logits, the state; ``q = softmax(logits)``.
    joint : array of shape (n_memories,)
        ``log p(x, z=k)`` from :func:`log_joint`.

    Returns
    -------
    array of shape ()
        ``E(q) = KL(q || p(z | x)) - log p(x)``.

    See Also
    --------
    ebm_memory.energies.mixture.log_joint : The joint it is built from.
    ebm_memory.energies.mixture.elbo_step : The update that lowers it.
    ebm_memory.dynamics.elbo_retrieve : Descends it to the posterior.

    Examples
    --------
    At ``logits = joint`` (the posterior) the energy is ``-log p(x)``:

    >>> import jax
    >>> import jax.numpy as jnp
    >>> params = MixtureParams(jnp.array([[0.0, 0.0], [4.0, 0.0]]),
    ...                        jnp.log(jnp.array([0.5, 0.5])), jnp.array(1.0))
    >>> joint = log_joint(jnp.array([1.0, 0.0]), params, "euclidean",
    ...                   component_log_normaliser(2, params.beta))
    >>> round(float(elbo_energy(joint, joint)), 4), round(float(-jax.nn.logsumexp(joint)), 4)
    (3.0129, 3.0129)
    >>> round(float(elbo_energy(jnp.zeros(2), joint)), 4)  # uniform q: KL > 0
    4.3379
    """
    log_q = jax.nn.log_softmax(logits)
    return jnp.sum(jnp.exp(log_q) * (log_q - joint))


def elbo_step(
    logits: Float[Array, " K"], joint: Float[Array, " K"], step_size
) -> Float[Array, " K"]:
    """Mirror-descent step ``logits <- (1 - eta) logits + eta log p(x, z)``, centred.

    ``q_t`` is proportional to ``p(z | x) exp(c_t delta)`` with ``c_t = (1 - eta)^t``, and
    ``KL(q || p(z | x))`` grows with ``c``, so every step with eta in (0, 1] lowers it.

    Parameters
    ----------
    logits : array of shape (n_memories,)
        Assignment logits, the state.
    joint : array of shape (n_memories,)
        ``log p(x, z=k)`` from :func:`log_joint`.
    step_size : float
        ``eta`` in ``(0, 1]``; 1 jumps to the posterior.

    Returns
    -------
    array of shape (n_memories,)
        The next logits, shifted so that their maximum is 0.

    See Also
    --------
    ebm_memory.energies.mixture.elbo_energy : The energy it lowers.
    ebm_memory.dynamics.elbo_retrieve : Repeats the step to convergence.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> joint = jnp.array([-3.0, -7.0])
    >>> elbo_step(jnp.zeros(2), joint, 1.0).tolist()  # the posterior, centred
    [0.0, -4.0]
    >>> half = elbo_step(jnp.zeros(2), joint, 0.5)
    >>> bool(elbo_energy(half, joint) < elbo_energy(jnp.zeros(2), joint))
    True
    """
    new = (1 - step_size) * logits + step_size * joint
    return new - jax.lax.stop_gradient(jnp.max(new))
