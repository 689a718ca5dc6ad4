"""ClAM and ELBO dynamics: fixed points are the posterior mean / the exact posterior, and the
energy never rises along either (property tests)."""

import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from ebm_memory.dynamics.mixture import clam_retrieve, elbo_retrieve
from ebm_memory.energies.mixture import MixtureParams, component_log_normaliser

N_MEMORIES, N_FEATURES, N_QUERIES = 4, 3, 8
seeds = st.integers(0, 2**32 - 1)
step_sizes = st.floats(0.05, 1.0)


def random_mixture(seed):
    rng = np.random.default_rng(seed)
    memories = rng.normal(size=(N_MEMORIES, N_FEATURES)) * rng.uniform(0.5, 3.0)
    weights = rng.dirichlet(np.ones(N_MEMORIES))
    beta = rng.uniform(0.3, 5.0)
    queries = rng.normal(size=(N_QUERIES, N_FEATURES)) * 2
    params = MixtureParams(jnp.asarray(memories), jnp.log(jnp.asarray(weights)), jnp.asarray(beta))
    return params, memories, weights, beta, queries


def scipy_posterior(x, memories, weights, beta):
    """p(k | x) of the Gaussian mixture, computed independently."""
    joint = np.log(weights) + np.array(
        [multivariate_normal(mu, np.eye(len(x)) / beta).logpdf(x) for mu in memories]
    )
    return np.exp(joint - logsumexp(joint))


@given(seeds)
def test_clam_fixed_point_is_the_posterior_weighted_mean_of_the_gaussian_mixture(seed):
    params, memories, weights, beta, queries = random_mixture(seed)
    result = clam_retrieve(jnp.asarray(queries), params, max_iter=20_000, tol=1e-13)
    for state, converged in zip(
        np.asarray(result.states), np.asarray(result.converged), strict=True
    ):
        if converged:
            mean = scipy_posterior(state, memories, weights, beta) @ memories
            np.testing.assert_allclose(state, mean, atol=1e-6)
    assert np.mean(result.converged) >= 0.75


@given(seeds, step_sizes)
def test_elbo_fixed_point_is_the_exact_posterior(seed, step_size):
    params, memories, weights, beta, queries = random_mixture(seed)
    normaliser = component_log_normaliser(N_FEATURES, params.beta)
    result = elbo_retrieve(
        jnp.asarray(queries), params, normaliser, step_size=step_size, max_iter=5_000, tol=1e-12
    )
    assert np.all(result.converged)
    posterior = np.exp(result.states - logsumexp(result.states, axis=1, keepdims=True))
    for q, x in zip(posterior, queries, strict=True):
        np.testing.assert_allclose(q, scipy_posterior(x, memories, weights, beta), atol=1e-6)


def _assert_non_increasing(trace):
    increases = np.diff(trace, axis=1)
    assert np.all(increases <= 1e-12 * (1 + np.abs(trace[:, 1:]))), increases.max()


@given(seeds, step_sizes)
def test_clam_energy_never_rises(seed, step_size):
    params, *_, queries = random_mixture(seed)
    result = clam_retrieve(
        jnp.asarray(queries), params, step_size=step_size, max_iter=30, record_energy=True
    )
    _assert_non_increasing(np.asarray(result.energy_trace))


@given(seeds, step_sizes)
def test_clam_energy_never_rises_on_the_sphere(seed, step_size):
    params, *_, queries = random_mixture(seed)
    unit = params.memories / jnp.linalg.norm(params.memories, axis=1, keepdims=True)
    result = clam_retrieve(
        jnp.asarray(queries),
        params._replace(memories=unit),
        "cosine",
        step_size=step_size,
        max_iter=30,
        record_energy=True,
    )
    _assert_non_increasing(np.asarray(result.energy_trace))
    np.testing.assert_allclose(np.linalg.norm(result.states, axis=1), 1.0, rtol=1e-12)


@given(seeds, step_sizes)
def test_elbo_energy_never_rises(seed, step_size):
    params, *_, queries = random_mixture(seed)
    logits = np.random.default_rng(seed).normal(size=(N_QUERIES, N_MEMORIES)) * 3
    normaliser = component_log_normaliser(N_FEATURES, params.beta)
    result = elbo_retrieve(
        jnp.asarray(queries),
        params,
        normaliser,
        logits=jnp.asarray(logits),
        step_size=step_size,
        max_iter=30,
        record_energy=True,
    )
    _assert_non_increasing(np.asarray(result.energy_trace))
