"""Energy of a memory that grows: Gaussian memories under a Chinese-restaurant or Pitman-Yor
prior (Schaeffer et al. 2024).

Memory ``k`` (a "table") holds ``n_k`` points with sum ``s_k``. Components are
``N(mu, I / beta)`` and memories are drawn from the base measure ``N(m_0, tau^2 I)``, so given
its points a memory's mean has precision ``lam_k = 1 / tau^2 + n_k beta`` and mean
``mu_k = (m_0 / tau^2 + beta s_k) / lam_k``, and the next point's predictive density is
``N(x; mu_k, v_k I)`` with ``v_k = 1 / beta + 1 / lam_k``. The Pitman-Yor prior (discount d,
concentration alpha; d = 0 is the Chinese restaurant process) seats the next point at memory
``k`` with weight ``n_k - d`` and at a new memory with weight ``alpha + d K``. The energy at
temperature ``1 / beta``, ::

    E(x) = -(1/beta) log [ sum_k (n_k - d) N(x; mu_k, v_k I)
                           + (alpha + d K) N(x; m_0, (1 / beta + tau^2) I) ]

is a memory energy with one extra "new table" term
(``(alpha + d K) exp(-|v|^2 / (1/beta + prior scale))`` in Schaeffer et al., with the Gaussian
normalisers kept):
a point opens a new memory when that term is the largest. ``exp(-beta E) / (n + alpha)`` is
the posterior predictive density: normalised.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.energies.crp import CRPPrior, Tables, seating_log_weights
>>> prior = CRPPrior(alpha=1.0, discount=0.0, beta=4.0, prior_mean=jnp.zeros(2),
...                  prior_variance=25.0)
>>> tables = Tables(jnp.array([10.0, 0.0]), jnp.array([[30.0, 0.0], [0.0, 0.0]]))
>>> weights = seating_log_weights(jnp.array([3.1, 0.0]), tables, prior)
>>> int(jnp.argmax(weights)), bool(jnp.isneginf(weights[1]))
(0, True)
>>> int(jnp.argmax(seating_log_weights(jnp.array([-8.0, 5.0]), tables, prior)))  # new table
2
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = [
    "CRPPrior",
    "Tables",
    "crp_energy",
    "memory_log_weights",
    "posterior_means",
    "seating_log_weights",
]


class CRPPrior(NamedTuple):
    """Prior and likelihood settings (all traced: changing them does not recompile).

    Parameters
    ----------
    alpha : float or array of shape ()
        Concentration, ``> -discount``.
    discount : float or array of shape ()
        Pitman-Yor discount ``d`` in ``[0, 1)``; 0 is the Chinese restaurant process.
    beta : float or array of shape ()
        Precision of a component ``N(mu, I / beta)``; the temperature is ``T = 1 / beta``.
    prior_mean : array of shape (n_features,)
        Mean ``m_0`` of the base measure.
    prior_variance : float or array of shape ()
        Variance ``tau^2`` of the base measure, per feature.

    See Also
    --------
    ebm_memory.energies.crp.crp_energy : The energy under this prior.
    ebm_memory.NonparametricMemory : The estimator that holds it.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> prior = CRPPrior(alpha=1.0, discount=0.5, beta=4.0, prior_mean=jnp.zeros(2),
    ...                  prior_variance=25.0)
    >>> prior.prior_mean.shape, 1 / prior.beta + prior.prior_variance  # new-table variance
    ((2,), 25.25)
    """

    alpha: Float[Array, ""] | float
    discount: Float[Array, ""] | float
    beta: Float[Array, ""] | float
    prior_mean: Float[Array, " D"]
    prior_variance: Float[Array, ""] | float


class Tables(NamedTuple):
    """Sufficient statistics of the memories; slots with ``counts == 0`` are free.

    Parameters
    ----------
    counts : array of shape (capacity,)
        Points ``n_k`` per memory.
    sums : array of shape (capacity, n_features)
        Sum ``s_k`` of the points of each memory.

    See Also
    --------
    ebm_memory.learning.nonparametric.seat : Seats rows and grows the tables.
    ebm_memory.learning.nonparametric.empty_tables : Tables with only free slots.
    ebm_memory.energies.crp.posterior_means : The memories the statistics give.

    Examples
    --------
    Two points, ``(1, 2)`` and ``(3, 2)``, at the first of two slots:

    >>> import jax.numpy as jnp
    >>> tables = Tables(jnp.array([2.0, 0.0]), jnp.array([[4.0, 4.0], [0.0, 0.0]]))
    >>> int(jnp.sum(tables.counts > 0)), tables.sums.shape
    (1, (2, 2))
    """

    counts: Float[Array, " C"]
    sums: Float[Array, "C D"]


def _posterior(tables: Tables, prior: CRPPrior):
    """Posterior means (C, D) and predictive variances (C,) of the memories."""
    precision = 1 / prior.prior_variance + tables.counts * prior.beta
    means = (prior.prior_mean / prior.prior_variance + prior.beta * tables.sums) / precision[
        :, None
    ]
    return means, 1 / prior.beta + 1 / precision


def posterior_means(tables: Tables, prior: CRPPrior) -> Float[Array, "C D"]:
    """Posterior mean of every memory (the prior mean for free slots).

    ``mu_k = (m_0 / tau^2 + beta s_k) / (1 / tau^2 + n_k beta)``.

    Parameters
    ----------
    tables : Tables
        Counts and sums of the memories.
    prior : CRPPrior
        Base measure and component precision.

    Returns
    -------
    array of shape (capacity, n_features)
        ``mu_k`` of every slot.

    See Also
    --------
    ebm_memory.energies.crp.Tables : The statistics they are computed from.
    ebm_memory.energies.crp.memory_log_weights : The weights of each memory at ``x``.

    Examples
    --------
    With ``tau^2 = 1`` and ``beta = 1`` one point at 2 pulls the mean halfway from 0:

    >>> import jax.numpy as jnp
    >>> prior = CRPPrior(alpha=1.0, discount=0.0, beta=1.0, prior_mean=jnp.zeros(1),
    ...                  prior_variance=1.0)
    >>> tables = Tables(jnp.array([1.0, 0.0]), jnp.array([[2.0], [0.0]]))  # one point, x = 2
    >>> posterior_means(tables, prior).tolist()
    [[1.0], [0.0]]
    """
    return _posterior(tables, prior)[0]


def _log_gaussian(x, mean, variance):
    dimension = x.shape[-1]
    return (
        -0.5 * dimension * jnp.log(2 * jnp.pi * variance)
        - 0.5 * jnp.sum((x - mean) ** 2, axis=-1) / variance
    )


def memory_log_weights(
    x: Float[Array, " D"], tables: Tables, prior: CRPPrior
) -> Float[Array, " C"]:
    """``log[(n_k - d) N(x; mu_k, v_k I)]`` for each memory; ``-inf`` for free slots.

    ``v_k = 1 / beta + 1 / (1 / tau^2 + n_k beta)`` is the posterior predictive variance.

    Parameters
    ----------
    x : array of shape (n_features,)
        One point.
    tables : Tables
        Counts and sums of the memories.
    prior : CRPPrior
        Prior and component precision.

    Returns
    -------
    array of shape (capacity,)
        Log seating weight of ``x`` at each memory.

    See Also
    --------
    ebm_memory.energies.crp.seating_log_weights : The same with the new-table term.
    ebm_memory.NonparametricMemory.transform : The normalised weights of each row.

    Examples
    --------
    The memory has ``mu = 1`` and ``v = 1 + 1 / 2``:

    >>> import jax.numpy as jnp
    >>> prior = CRPPrior(alpha=1.0, discount=0.0, beta=1.0, prior_mean=jnp.zeros(1),
    ...                  prior_variance=1.0)
    >>> tables = Tables(jnp.array([1.0, 0.0]), jnp.array([[2.0], [0.0]]))  # one point, x = 2
    >>> from scipy.stats import norm
    >>> weights = memory_log_weights(jnp.array([1.0]), tables, prior)
    >>> round(float(weights[0]), 5), round(float(norm(1.0, 1.5**0.5).logpdf(1.0)), 5)
    (-1.12167, -1.12167)
    >>> bool(jnp.isneginf(weights[1]))
    True
    """
    means, variances = _posterior(tables, prior)
    active = tables.counts > 0
    log_mass = jnp.log(jnp.where(active, tables.counts - prior.discount, 1.0))
    return jnp.where(active, log_mass + _log_gaussian(x, means, variances), -jnp.inf)


def seating_log_weights(
    x: Float[Array, " D"], tables: Tables, prior: CRPPrior
) -> Float[Array, " C+1"]:
    """The memories' log weights followed by the new-table term's, ``(C + 1,)``.

    The new-table term is ``log[(alpha + d K) N(x; m_0, (1 / beta + tau^2) I)]`` with ``K``
    the number of memories in use.

    Parameters
    ----------
    x : array of shape (n_features,)
        One point.
    tables : Tables
        Counts and sums of the memories.
    prior : CRPPrior
        Prior and component precision.

    Returns
    -------
    array of shape (capacity + 1,)
        :func:`memory_log_weights`, then the new-table term.

    See Also
    --------
    ebm_memory.energies.crp.memory_log_weights : The memories' weights alone.
    ebm_memory.learning.nonparametric.seat : Seats each row by these weights.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> prior = CRPPrior(alpha=1.0, discount=0.0, beta=1.0, prior_mean=jnp.zeros(1),
    ...                  prior_variance=1.0)
    >>> tables = Tables(jnp.array([1.0, 0.0]), jnp.array([[2.0], [0.0]]))  # one point, x = 2
    >>> from scipy.stats import norm
    >>> weights = seating_log_weights(jnp.array([1.0]), tables, prior)
    >>> weights.shape, round(float(weights[-1]), 5), round(float(norm(0.0, 2**0.5).logpdf(1.0)), 5)
    ((3,), -1.51551, -1.51551)
    """
    n_active = jnp.sum(tables.counts > 0)
    new = jnp.log(prior.alpha + prior.discount * n_active) + _log_gaussian(
        x, prior.prior_mean, 1 / prior.beta + prior.prior_variance
    )
    return jnp.append(memory_log_weights(x, tables, prior), new)


def crp_energy(x: Float[Array, " D"], tables: Tables, prior: CRPPrior) -> Float[Array, ""]:
    """``E(x) = -(1/beta) logsumexp(seating_log_weights(x))`` (module docs).

    ``exp(-beta E(x)) / (n + alpha)``, with ``n`` the number of seated points, is the
    posterior predictive density of the next point.

    Parameters
    ----------
    x : array of shape (n_features,)
        One point.
    tables : Tables
        Counts and sums of the memories.
    prior : CRPPrior
        Prior and component precision.

    Returns
    -------
    array of shape ()
        ``E(x)``.

    See Also
    --------
    ebm_memory.energies.crp.seating_log_weights : The weights it is a logsumexp of.
    ebm_memory.NonparametricMemory.energy : The same energy from the estimator.

    Examples
    --------
    Against the predictive mixture ``N(x; 1, 1.5) + alpha N(x; 0, 2)`` from scipy:

    >>> import jax.numpy as jnp
    >>> prior = CRPPrior(alpha=1.0, discount=0.0, beta=1.0, prior_mean=jnp.zeros(1),
    ...                  prior_variance=1.0)
    >>> tables = Tables(jnp.array([1.0, 0.0]), jnp.array([[2.0], [0.0]]))  # one point, x = 2
    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> mixture = norm(1.0, 1.5**0.5).pdf(1.0) + norm(0.0, 2**0.5).pdf(1.0)
    >>> energy = crp_energy(jnp.array([1.0]), tables, prior)
    >>> round(float(-prior.beta * energy), 5), round(float(np.log(mixture)), 5)
    (-0.60618, -0.60618)
    """
    return -jax.nn.logsumexp(seating_log_weights(x, tables, prior)) / prior.beta
