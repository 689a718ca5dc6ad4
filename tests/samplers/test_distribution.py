"""MemoryMixture: the Model B density as a numpyro distribution.

Checks: ``log_prob`` against scipy's Gaussian-mixture log-density (1e-10), normalisation
on a 1-D grid (1e-4), moments of exact samples within 4 Monte Carlo standard errors, jit /
grad / vmap with traced arguments, and inference of ``beta`` with numpyro's NUTS.
"""

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import pytest
from numpyro.infer import MCMC, NUTS
from scipy import stats
from scipy.special import logsumexp

from ebm_memory.samplers.distribution import MemoryMixture

MEMORIES = np.array([[0.0, 1.0, -0.5], [2.0, -1.0, 0.5], [-1.5, 0.0, 1.0], [0.5, 0.5, 0.5]])
TRUE_MEMORIES = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])


def _scipy_log_pdf(x, memories, beta, similarity):
    if similarity == "dot":
        log_weights = 0.5 * beta * np.sum(memories**2, axis=1)
        log_weights -= logsumexp(log_weights)
    else:
        log_weights = np.full(len(memories), -np.log(len(memories)))
    covariance = np.eye(memories.shape[1]) / beta
    components = [stats.multivariate_normal(mean, covariance).logpdf(x) for mean in memories]
    return logsumexp(np.stack(components, axis=-1) + log_weights, axis=-1)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
@pytest.mark.parametrize("beta", [0.3, 1.7, 8.0])
def test_log_prob_matches_scipy_mixture(similarity, beta):
    x = np.random.default_rng(0).normal(scale=2.0, size=(5, 4, 3))
    d = MemoryMixture(jnp.asarray(MEMORIES), beta, similarity)
    log_prob = np.asarray(d.log_prob(jnp.asarray(x)))
    assert log_prob.shape == (5, 4)
    expected = _scipy_log_pdf(x, MEMORIES, beta, similarity)
    np.testing.assert_allclose(log_prob, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(d.log_prob(jnp.asarray(x[0, 0])), expected[0, 0], atol=1e-10)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_density_integrates_to_one_in_1d(similarity):
    memories = jnp.array([[-2.0], [0.5], [3.0]])
    grid = np.linspace(-12.0, 15.0, 20_001)
    log_prob = MemoryMixture(memories, 1.3, similarity).log_prob(jnp.asarray(grid)[:, None])
    total = np.trapezoid(np.exp(np.asarray(log_prob)), grid)
    assert abs(total - 1.0) < 1e-4


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_sample_moments_within_four_standard_errors(similarity):
    beta, n = 1.5, 20_000
    d = MemoryMixture(jnp.asarray(MEMORIES), beta, similarity)
    samples = np.asarray(d.sample(jax.random.key(0), (n // 4, 4)))
    assert samples.shape == (n // 4, 4, 3)
    samples = samples.reshape(n, 3)
    log_weights = 0.5 * beta * np.sum(MEMORIES**2, axis=1)
    if similarity == "euclidean":
        log_weights = np.zeros(len(MEMORIES))
    weights = np.exp(log_weights - logsumexp(log_weights))
    mean = weights @ MEMORIES
    second = weights @ (MEMORIES**2 + 1.0 / beta)
    np.testing.assert_allclose(d.mean, mean, atol=1e-12)
    np.testing.assert_allclose(d.variance, second - mean**2, atol=1e-12)
    mean_error = np.sqrt((second - mean**2) / n)
    assert np.all(np.abs(samples.mean(axis=0) - mean) < 4 * mean_error)
    second_error = np.std(samples**2, axis=0) / np.sqrt(n)
    assert np.all(np.abs(np.mean(samples**2, axis=0) - second) < 4 * second_error)


def test_shapes_pytree_and_validation():
    d = MemoryMixture(jnp.asarray(MEMORIES), 2.0, "euclidean")
    assert d.batch_shape == () and d.event_shape == (3,)
    assert d.sample(jax.random.key(1)).shape == (3,)
    leaves, tree = jax.tree_util.tree_flatten(d)
    rebuilt = jax.tree_util.tree_unflatten(tree, leaves)
    assert rebuilt.similarity == "euclidean"
    np.testing.assert_array_equal(rebuilt.log_prob(jnp.zeros(3)), d.log_prob(jnp.zeros(3)))
    assert d.expand((7,)).sample(jax.random.key(2)).shape == (7, 3)
    with pytest.raises(ValueError, match="similarity"):
        MemoryMixture(jnp.asarray(MEMORIES), 1.0, "cosine")
    with pytest.raises(ValueError, match="scalar"):
        MemoryMixture(jnp.asarray(MEMORIES), jnp.ones(2))
    with pytest.raises(ValueError, match="memories"):
        MemoryMixture(jnp.ones(3), 1.0)
    with pytest.raises(ValueError, match="beta"):
        MemoryMixture(jnp.asarray(MEMORIES), -1.0, validate_args=True)
    with pytest.raises(ValueError, match="shape"):
        d.log_prob(jnp.zeros((2, 4)))


def test_traced_arguments_jit_grad_and_vmap():
    x = jnp.asarray(np.random.default_rng(1).normal(size=(6, 3)))

    def total(memories, beta):
        return jnp.sum(MemoryMixture(memories, beta, "dot").log_prob(x))

    memories = jnp.asarray(MEMORIES)
    value, (grad_memories, grad_beta) = jax.jit(jax.value_and_grad(total, (0, 1)))(memories, 1.2)
    np.testing.assert_allclose(value, _scipy_log_pdf(np.asarray(x), MEMORIES, 1.2, "dot").sum())
    step = 1e-6
    numeric = (total(memories, 1.2 + step) - total(memories, 1.2 - step)) / (2 * step)
    np.testing.assert_allclose(grad_beta, numeric, rtol=1e-6)
    shifted = memories.at[1, 2].add(step)
    numeric = (total(shifted, 1.2) - total(memories.at[1, 2].add(-step), 1.2)) / (2 * step)
    np.testing.assert_allclose(grad_memories[1, 2], numeric, rtol=1e-6)
    batched = jax.vmap(lambda beta: total(memories, beta))(jnp.array([0.5, 1.2]))
    np.testing.assert_allclose(batched[1], value)


def _model(memories, data=None, n=None):
    beta = numpyro.sample("beta", dist.LogNormal(0.0, 1.0))
    with numpyro.plate("data", n if data is None else data.shape[0]):
        numpyro.sample("obs", MemoryMixture(memories, beta, "euclidean"), obs=data)


def test_nuts_recovers_beta():
    memories, beta_true = jnp.asarray(TRUE_MEMORIES), 4.0
    data = MemoryMixture(memories, beta_true, "euclidean").sample(jax.random.key(10), (400,))
    mcmc = MCMC(NUTS(_model), num_warmup=300, num_samples=500, num_chains=1, progress_bar=False)
    mcmc.run(jax.random.key(11), memories, data=data)
    beta = np.asarray(mcmc.get_samples()["beta"])
    low, high = np.quantile(beta, [0.03, 0.97])
    assert low < beta_true < high, (low, high)
    assert abs(beta.mean() - beta_true) < 3 * beta.std()
    # 800 residual degrees of freedom: posterior sd ~ beta sqrt(2 / 800) = 0.2
    assert 0.1 < beta.std() < 0.4


def test_prior_predictive_sample_site():
    predictive = numpyro.infer.Predictive(_model, num_samples=3)
    draws = predictive(jax.random.key(12), jnp.asarray(TRUE_MEMORIES), n=5)
    assert draws["obs"].shape == (3, 5, 2) and draws["beta"].shape == (3,)
