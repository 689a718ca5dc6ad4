"""Exact samples of the Chinese-restaurant / Pitman-Yor Gaussian mixture's generative process.

Customer ``i`` (0-based) opens a new table with probability ``(alpha + d K) / (i + alpha)``
and otherwise joins table ``k`` with probability ``(n_k - d) / (i + alpha)``; table means are
drawn from ``N(m_0, tau^2 I)`` and points from ``N(mu_k, I / beta)`` (the model of
:mod:`ebm_memory.energies.crp`). The expected number of tables after ``n`` customers is
known in closed form (:func:`expected_tables`): ``alpha (psi(alpha + n) - psi(alpha))`` for
the CRP (about ``alpha log n``) and
``(alpha / d) (Gamma(alpha + d + n) Gamma(alpha) / (Gamma(alpha + d) Gamma(alpha + n)) - 1)``
for Pitman-Yor (about ``n^d``).

Examples
--------
>>> import numpy as np
>>> from ebm_memory.density.crp import expected_tables, sample_crp_mixture
>>> X, labels = sample_crp_mixture(2000, alpha=3.0, n_features=2, random_state=0)
>>> X.shape, np.unique(labels).size, round(float(expected_tables(2000, 3.0)), 1)
((2000, 2), 17, 20.0)
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

__all__ = ["expected_tables", "sample_crp_mixture", "sample_crp_partition"]


def sample_crp_partition(
    n_samples: int, alpha: float, discount: float, rng: np.random.Generator
) -> np.ndarray:
    """Table labels (0, 1, ... in order of opening) of ``n_samples`` sequential customers.

    An existing table is drawn by picking an earlier customer uniformly (probability
    proportional to ``n_k``) and keeping the choice with probability ``(n_k - d) / n_k``:
    exact, and O(1) expected work per customer.

    Parameters
    ----------
    n_samples : int
        Number of customers.
    alpha : float
        Concentration, ``> -discount``.
    discount : float
        Pitman-Yor discount ``d`` in ``[0, 1)``; 0 is the Chinese restaurant process.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray of shape (n_samples,)
        Table of each customer (int64), numbered in order of opening.

    See Also
    --------
    ebm_memory.density.crp.expected_tables : The expected number of tables.
    ebm_memory.density.crp.sample_crp_mixture : Rows drawn around the tables.

    Examples
    --------
    The mean number of tables over many partitions against :func:`expected_tables`:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> labels = sample_crp_partition(20, 1.0, 0.0, rng)
    >>> labels.shape, int(labels[0])
    ((20,), 0)
    >>> counts = [sample_crp_partition(20, 1.0, 0.0, rng).max() + 1 for _ in range(500)]
    >>> bool(abs(np.mean(counts) - expected_tables(20, 1.0)) < 0.2)
    True
    """
    labels = np.empty(n_samples, dtype=np.int64)
    counts: list[int] = []
    opens = rng.random(n_samples)
    for i in range(n_samples):
        n_tables = len(counts)
        if i == 0 or opens[i] * (i + alpha) < alpha + discount * n_tables:
            table = n_tables
            counts.append(0)
        else:
            while True:
                table = labels[rng.integers(i)]
                if discount == 0 or rng.random() * counts[table] < counts[table] - discount:
                    break
        labels[i] = table
        counts[table] += 1
    return labels


def sample_crp_mixture(
    n_samples: int,
    *,
    alpha: float,
    discount: float = 0.0,
    n_features: int = 2,
    beta: float = 1e4,
    prior_mean: float = 0.0,
    prior_variance: float = 1.0,
    random_state: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the CRP (``discount=0``) or Pitman-Yor Gaussian mixture and their tables.

    Parameters
    ----------
    n_samples : int
        Number of rows.
    alpha : float
        Concentration, ``> -discount``.
    discount : float, default 0.0
        Pitman-Yor discount ``d`` in ``[0, 1)``; 0 is the Chinese restaurant process.
    n_features : int, default 2
        Dimension of the rows.
    beta : float, default 1e4
        Precision of a component: rows are ``N(mu_k, I / beta)`` around their table's mean.
    prior_mean : float, default 0.0
        Mean ``m_0`` of the base measure, the same in every feature.
    prior_variance : float, default 1.0
        Variance ``tau^2`` of the base measure, per feature.
    random_state : int, numpy.random.Generator or None, default None
        Seed or generator (passed to :func:`numpy.random.default_rng`).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The rows.
    labels : ndarray of shape (n_samples,)
        Table of each row (int64), numbered in order of opening.

    Raises
    ------
    ValueError
        If ``discount`` is not in ``[0, 1)`` or ``alpha <= -discount``.

    See Also
    --------
    ebm_memory.density.crp.sample_crp_partition : The table labels alone.
    ebm_memory.NonparametricMemory : The estimator that learns such a mixture.

    Examples
    --------
    >>> X, labels = sample_crp_mixture(100, alpha=2.0, discount=0.5, n_features=3, random_state=0)
    >>> X.shape, labels.shape, int(labels[0])
    ((100, 3), (100,), 0)
    """
    if not 0 <= discount < 1 or alpha <= -discount:
        raise ValueError(f"need 0 <= discount < 1 and alpha > -discount; got {alpha}, {discount}.")
    rng = np.random.default_rng(random_state)
    labels = sample_crp_partition(n_samples, alpha, discount, rng)
    centres = prior_mean + np.sqrt(prior_variance) * rng.normal(size=(labels.max() + 1, n_features))
    noise = rng.normal(size=(n_samples, n_features)) / np.sqrt(beta)
    return centres[labels] + noise, labels


def expected_tables(n_samples, alpha: float, discount: float = 0.0) -> np.ndarray:
    """Expected number of tables after ``n_samples`` customers (closed form, module docs).

    Parameters
    ----------
    n_samples : int or array_like of int of any shape
        Number of customers ``n``; an array gives the expectation at each entry.
    alpha : float
        Concentration, ``> -discount``.
    discount : float, default 0.0
        Pitman-Yor discount ``d`` in ``[0, 1)``; 0 is the Chinese restaurant process.

    Returns
    -------
    ndarray of the shape of ``n_samples``
        ``E[K_n]`` in float64 (a 0-d array for an integer ``n_samples``).

    See Also
    --------
    ebm_memory.density.crp.sample_crp_partition : Draws the tables themselves.
    ebm_memory.analysis.memory_growth : Compares measured growth with it.

    Examples
    --------
    Customer ``i`` opens a table with probability ``(alpha + d K_i) / (i + alpha)``, so
    ``E[K_(i+1)] = E[K_i] + (alpha + d E[K_i]) / (i + alpha)``; the closed forms match this
    recursion:

    >>> expected = 0.0
    >>> for i in range(5):
    ...     expected += (1.0 + 0.5 * expected) / (i + 1.0)
    >>> round(float(expected_tables(5, 1.0, 0.5)), 6), round(expected, 6)
    (3.414062, 3.414062)
    >>> round(float(expected_tables(3, 1.0)), 6), round(1 + 1 / 2 + 1 / 3, 6)  # CRP: H_3
    (1.833333, 1.833333)
    >>> expected_tables([1, 10, 100], 2.0).shape
    (3,)
    """
    n = np.asarray(n_samples, dtype=np.float64)
    if discount == 0:
        return alpha * (digamma(alpha + n) - digamma(alpha))
    if alpha == 0:
        return np.exp(gammaln(discount + n) - np.log(discount) - gammaln(discount) - gammaln(n))
    log_ratio = (
        gammaln(alpha + discount + n)
        + gammaln(alpha)
        - gammaln(alpha + discount)
        - gammaln(alpha + n)
    )
    return alpha / discount * (np.exp(log_ratio) - 1)
