"""EM and back-propagation training of mixture memories."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.cluster import kmeans_plusplus

from ebm_memory.density.gaussian import sample_von_mises_fisher_mixture
from ebm_memory.learning.clustering import fit_clam_backprop, fit_mixture_memories

rng = np.random.default_rng(0)
CENTRES = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
BLOBS = np.concatenate(
    [c + 0.7 * rng.normal(size=(n, 2)) for c, n in zip(CENTRES, (60, 90, 150), strict=True)]
)


@pytest.mark.parametrize("beta", [None, 0.8])
@pytest.mark.parametrize("similarity", ["euclidean", "cosine"])
def test_em_never_lowers_the_log_likelihood(similarity, beta):
    X = BLOBS + [1.0, 1.0]
    if similarity == "cosine":
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    fit = fit_mixture_memories(X, seeds(X, 3), similarity=similarity, beta=beta)
    assert fit.converged
    assert np.all(np.diff(fit.objective) >= -1e-12 * np.abs(fit.objective[1:]))


def test_em_fixed_point_satisfies_the_gaussian_mixture_m_step_equations():
    fit = fit_mixture_memories(BLOBS, seeds(BLOBS, 3), tol=1e-12, max_iter=2000)
    memories, weights = np.asarray(fit.params.memories), np.exp(fit.params.log_weights)
    variance = 1 / float(fit.params.beta)
    joint = np.log(weights) + np.column_stack(
        [multivariate_normal(mu, variance * np.eye(2)).logpdf(BLOBS) for mu in memories]
    )
    r = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
    np.testing.assert_allclose(memories, (r.T @ BLOBS) / r.sum(axis=0)[:, None], atol=1e-6)
    np.testing.assert_allclose(weights, r.mean(axis=0), atol=1e-6)
    spread = np.sum(r * ((BLOBS[:, None, :] - memories) ** 2).sum(axis=2)) / BLOBS.size
    np.testing.assert_allclose(variance, spread + 1e-6, rtol=1e-6)
    order = np.argsort(memories[:, 0] + 2 * memories[:, 1])
    np.testing.assert_allclose(weights[order], [0.2, 0.3, 0.5], atol=0.02)
    np.testing.assert_allclose(variance, 0.49, rtol=0.15)


def test_em_recovers_the_von_mises_fisher_concentration():
    """Banerjee et al.'s approximation on 6,000 draws with kappa = 20 in 3-D: the standard
    error of the estimate is about 0.3; 1.5 allows for that and the approximation's bias."""
    directions = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    X = sample_von_mises_fisher_mixture(np.random.RandomState(0), directions, 20.0, 6000)
    fit = fit_mixture_memories(X, seeds(X, 2), similarity="cosine")
    assert abs(float(fit.params.beta) - 20.0) < 1.5
    np.testing.assert_allclose(
        np.abs(np.asarray(fit.params.memories) @ directions.T).max(1), 1, atol=0.01
    )


@pytest.mark.parametrize("similarity", ["euclidean", "cosine"])
def test_backprop_lowers_the_reconstruction_loss(similarity):
    X = BLOBS + [1.0, 1.0]
    if similarity == "cosine":
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    fit = fit_clam_backprop(X, seeds(X, 3), similarity=similarity, beta=4.0, max_iter=150)
    assert fit.objective[-1] < 0.8 * fit.objective[0]
    assert float(fit.params.beta) == 4.0
    np.testing.assert_allclose(np.exp(fit.params.log_weights), 1 / 3)
    if similarity == "cosine":
        np.testing.assert_allclose(jnp.linalg.norm(fit.params.memories, axis=1), 1.0)


def test_rows_padded_to_a_power_of_two_do_not_change_the_fit():
    """300 rows run padded to 512 with zero weight, 600 to 1024: duplicating every row
    leaves the mean log-likelihood and the M-step unchanged, so both fits must agree."""
    twice = np.concatenate([BLOBS, BLOBS])
    once = fit_mixture_memories(BLOBS, BLOBS[:3], tol=1e-9)
    doubled = fit_mixture_memories(twice, BLOBS[:3], tol=1e-9)
    steps = min(once.n_iter, doubled.n_iter)
    np.testing.assert_allclose(once.objective[:steps], doubled.objective[:steps], rtol=1e-12)
    np.testing.assert_allclose(once.params.memories, doubled.params.memories, rtol=1e-10)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="similarity"):
        fit_mixture_memories(BLOBS, BLOBS[:3], similarity="dot")
    with pytest.raises(ValueError, match="initial_memories"):
        fit_mixture_memories(BLOBS, BLOBS[:3, :1])


def seeds(X, n_memories):
    return kmeans_plusplus(X, n_memories, random_state=0)[0]
