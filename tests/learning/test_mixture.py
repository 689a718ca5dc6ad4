import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from ebm_memory.learning import LearnedMemories, fit_gaussian_memories
from ebm_memory.learning.em import _advance, kmeans_plusplus_seeds
from ebm_memory.learning.mixture import dot_m_step, em_step, mean_log_likelihood

BETA = 4.0
ANGLES = np.deg2rad([90.0, 210.0, 330.0])
RADII = np.sqrt([4.0, 4.5, 5.0])  # dot weights ∝ exp(BETA r^2 / 2) = e^8, e^9, e^10
TRUE_MEANS = {
    "euclidean": np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]]),
    "dot": np.stack([RADII * np.cos(ANGLES), RADII * np.sin(ANGLES)], axis=1),
}


def mixture_weights(means, similarity):
    if similarity == "euclidean":
        return np.full(len(means), 1 / len(means))
    log_weights = 0.5 * BETA * np.sum(means**2, axis=1)
    return np.exp(log_weights - logsumexp(log_weights))


def sample_mixture(similarity, n_samples, seed):
    """Draws from the Model B density ``exp(-BETA E) / Z`` of the true memories."""
    rng = np.random.default_rng(seed)
    means = TRUE_MEANS[similarity]
    labels = rng.choice(len(means), size=n_samples, p=mixture_weights(means, similarity))
    return means[labels] + rng.normal(size=(n_samples, 2)) / np.sqrt(BETA), labels


def reference_log_likelihood(X, means, similarity):
    densities = [multivariate_normal(mean, np.eye(X.shape[1]) / BETA).logpdf(X) for mean in means]
    log_weights = np.log(mixture_weights(means, similarity))
    return np.mean(logsumexp(np.stack(densities, axis=1) + log_weights, axis=1))


@pytest.mark.parametrize("similarity", ["euclidean", "dot"])
def test_em_recovers_the_means_monotonically_and_stops_at_a_fixed_point(similarity):
    X, labels = sample_mixture(similarity, 3000, seed=0)
    fit = fit_gaussian_memories(X, 3, BETA, similarity=similarity, key=jax.random.key(0), tol=1e-10)
    assert isinstance(fit, LearnedMemories)
    assert bool(fit.converged) and 1 < int(fit.n_iter) < 200
    trace = np.asarray(fit.objective)
    steps = int(fit.n_iter)
    assert np.all(np.isfinite(trace[:steps])) and np.all(np.isnan(trace[steps:]))
    assert np.all(np.diff(trace[:steps]) >= -1e-10 * np.abs(trace[1:steps]))

    true = TRUE_MEANS[similarity]
    learned = np.asarray(fit.memories)
    nearest = np.argmin(np.sum((learned[:, None] - true[None]) ** 2, axis=-1), axis=0)
    assert sorted(nearest) == [0, 1, 2]
    counts = np.bincount(labels, minlength=3)
    standard_error = 1 / np.sqrt(BETA * counts)[:, None]
    assert np.all(np.abs(learned[nearest] - true) < 4 * standard_error)

    # one more EM step leaves the memories in place and the log-likelihood no lower
    after, log_likelihood = em_step(jnp.asarray(X), fit.memories, BETA, similarity)
    np.testing.assert_allclose(after, learned, atol=1e-6)
    assert log_likelihood >= trace[steps - 1] - 1e-12 * abs(trace[steps - 1])
    # a (local) maximum of the likelihood scores above the data-generating memories
    assert log_likelihood > mean_log_likelihood(jnp.asarray(X), jnp.asarray(true), BETA, similarity)


@pytest.mark.parametrize("similarity", ["euclidean", "dot"])
def test_log_likelihood_is_the_gaussian_mixture_density_and_streams_over_chunks(similarity):
    rng = np.random.default_rng(1)
    X, memories = rng.normal(size=(23, 2)), rng.normal(size=(3, 2))
    expected = reference_log_likelihood(X, memories, similarity)
    for chunk_size in (None, 5):
        got = mean_log_likelihood(
            jnp.asarray(X), jnp.asarray(memories), BETA, similarity, chunk_size
        )
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    whole = em_step(jnp.asarray(X), jnp.asarray(memories), BETA, similarity)
    chunked = em_step(jnp.asarray(X), jnp.asarray(memories), BETA, similarity, chunk_size=5)
    np.testing.assert_allclose(whole[0], chunked[0], rtol=1e-10)


@jax.jit
@jax.value_and_grad
def expected_complete_log_likelihood(memories, moment, n_samples, beta):
    """``Q(xi) = beta sum_mu xi_mu . S_mu - N logsumexp(beta |xi|^2 / 2)`` and its gradient."""
    log_weights = 0.5 * beta * jnp.sum(memories**2, axis=1)
    return beta * jnp.sum(memories * moment) - n_samples * jax.nn.logsumexp(log_weights)


@pytest.mark.parametrize("beta", [0.05, 1.0, 50.0])
def test_dot_m_step_maximises_the_expected_complete_log_likelihood(beta):
    rng = np.random.default_rng(2)
    memories = jnp.asarray(rng.normal(size=(4, 3)))
    moment = jnp.asarray(rng.normal(size=(4, 3)) * 5).at[3].set(0.0)
    mass = jnp.array([10.0, 20.0, 15.0, 0.0])  # the last component is empty and stays put
    new = jax.jit(dot_m_step)(memories, mass, moment, 45, beta)
    np.testing.assert_array_equal(new[3], memories[3])
    value, gradient = expected_complete_log_likelihood(new, moment, 45, beta)
    assert np.max(np.abs(gradient[:3])) < 1e-8 * beta * np.max(np.abs(moment))
    assert value > expected_complete_log_likelihood(memories, moment, 45, beta)[0]


def test_empty_euclidean_component_keeps_its_memory():
    X = jnp.asarray(np.random.default_rng(3).normal(size=(10, 2)))
    memories = jnp.array([[0.0, 0.0], [1e3, 1e3]])
    new, _ = em_step(X, memories, BETA, "euclidean")
    np.testing.assert_allclose(new[0], X.mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(new[1], memories[1])


def test_kmeans_plusplus_seeds_are_distinct_data_rows():
    X = np.random.default_rng(4).normal(size=(5, 2))
    seeds = np.asarray(kmeans_plusplus_seeds(X, 3, jax.random.key(5)))
    assert len({tuple(row) for row in seeds} & {tuple(row) for row in X}) == 3


def test_a_new_max_iter_does_not_compile_again():
    X = np.random.default_rng(6).normal(size=(40, 2))
    fit_gaussian_memories(X, 2, 1.0, key=jax.random.key(0), max_iter=3, tol=0.0)
    before = _advance._cache_size()
    fits = [
        fit_gaussian_memories(X, 2, 1.0, key=jax.random.key(0), max_iter=m, tol=0.0)
        for m in (5, 70)
    ]
    assert _advance._cache_size() == before
    assert [fit.n_iter for fit in fits] == [5, 70]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_memories": 6}, "exceeds the number of samples"),
        ({"beta": 0.0}, "beta"),
        ({"beta": -1.0}, "beta"),
        ({"similarity": "cosine"}, "similarity"),
        ({"max_iter": 0}, "max_iter"),
    ],
)
def test_bad_input_is_rejected(arguments, message):
    settings = {"n_memories": 2, "beta": 1.0, "similarity": "dot", "max_iter": 5}
    settings.update(arguments)
    with pytest.raises(ValueError, match=message):
        fit_gaussian_memories(
            np.zeros((5, 2)),
            settings.pop("n_memories"),
            settings.pop("beta"),
            key=jax.random.key(0),
            **settings,
        )
