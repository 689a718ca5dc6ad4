"""The mixture energies against an independent reading of the same mixture (SciPy)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal, vonmises_fisher

from ebm_memory.density.gaussian import vmf_log_normaliser
from ebm_memory.energies.mixture import (
    MixtureParams,
    clam_energy,
    clam_target,
    component_log_normaliser,
    elbo_energy,
    log_joint,
)

rng = np.random.default_rng(0)
MEMORIES = rng.normal(size=(4, 3))
WEIGHTS = np.array([0.1, 0.2, 0.3, 0.4])
BETA = 1.7
UNIT = MEMORIES / np.linalg.norm(MEMORIES, axis=1, keepdims=True)


def params(memories=MEMORIES):
    return MixtureParams(jnp.asarray(memories), jnp.log(jnp.asarray(WEIGHTS)), jnp.asarray(BETA))


def scipy_log_joint(x, similarity):
    """log pi_k + log density of component k, from SciPy."""
    if similarity == "cosine":
        direction = x / np.linalg.norm(x)
        densities = [vonmises_fisher(mu, BETA).logpdf(direction) for mu in UNIT]
    else:
        densities = [multivariate_normal(mu, np.eye(3) / BETA).logpdf(x) for mu in MEMORIES]
    return np.log(WEIGHTS) + np.asarray(densities)


def log_normaliser(similarity):
    if similarity == "cosine":
        return vmf_log_normaliser(3, BETA)
    return component_log_normaliser(3, BETA)


@pytest.mark.parametrize("similarity", ["euclidean", "cosine"])
def test_log_joint_is_the_mixture_of_gaussians_or_von_mises_fisher(similarity):
    memories = UNIT if similarity == "cosine" else MEMORIES
    for x in rng.normal(size=(5, 3)):
        got = log_joint(jnp.asarray(x), params(memories), similarity, log_normaliser(similarity))
        np.testing.assert_allclose(got, scipy_log_joint(x, similarity), rtol=1e-10)


@pytest.mark.parametrize("similarity", ["euclidean", "cosine"])
def test_clam_energy_is_the_negative_log_density_at_temperature_one_over_beta(similarity):
    memories = UNIT if similarity == "cosine" else MEMORIES
    for x in rng.normal(size=(5, 3)):
        energy = clam_energy(jnp.asarray(x), params(memories), similarity)
        log_density = logsumexp(scipy_log_joint(x, similarity))
        np.testing.assert_allclose(
            -BETA * energy + log_normaliser(similarity), log_density, rtol=1e-10
        )


def test_clam_target_is_the_posterior_weighted_mean_and_minus_the_energy_gradient():
    x = rng.normal(size=3)
    joint = scipy_log_joint(x, "euclidean")
    posterior = np.exp(joint - logsumexp(joint))
    target = clam_target(jnp.asarray(x), params(), "euclidean")
    np.testing.assert_allclose(target, posterior @ MEMORIES, rtol=1e-10)
    gradient = jax.grad(clam_energy)(jnp.asarray(x), params(), "euclidean")
    np.testing.assert_allclose(gradient, x - posterior @ MEMORIES, rtol=1e-10, atol=1e-12)


def test_elbo_energy_is_kl_minus_log_evidence_and_minimal_at_the_posterior():
    x = rng.normal(size=3)
    joint = scipy_log_joint(x, "euclidean")
    log_evidence = logsumexp(joint)
    posterior_logits = jnp.asarray(joint - log_evidence)
    at_posterior = elbo_energy(posterior_logits, jnp.asarray(joint))
    np.testing.assert_allclose(at_posterior, -log_evidence, rtol=1e-12)
    logits = rng.normal(size=4)
    q = np.exp(logits - logsumexp(logits))
    kl = np.sum(q * (np.log(q) - (joint - log_evidence)))
    np.testing.assert_allclose(
        elbo_energy(jnp.asarray(logits), jnp.asarray(joint)), kl - log_evidence, rtol=1e-12
    )
