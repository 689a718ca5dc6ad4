import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import logsumexp

from ebm_memory.incontext.tasks import (
    FAMILIES,
    HELD_OUT_FAMILIES,
    TRAINING_FAMILIES,
    mixture_log_prob,
    sample_mixture,
    task_sampler,
)

PLANE = [name for name, family in FAMILIES.items() if family.dim == 2]


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_tasks_are_normalised_mixtures_of_the_family_dimension(name):
    family = FAMILIES[name]
    for seed in range(3):
        task = family.draw(jax.random.key(seed))
        assert task.means.shape[1] == family.dim == task.scales.shape[1]
        assert float(jax.nn.logsumexp(task.log_weights)) == pytest.approx(0.0, abs=1e-5)
        assert bool(jnp.all(task.scales > 0))


@pytest.mark.parametrize("name", PLANE)
def test_log_prob_integrates_to_one_in_the_plane(name):
    task = FAMILIES[name].draw(jax.random.key(3))
    low = np.asarray(task.means.min(0) - 6 * task.scales.max())
    high = np.asarray(task.means.max(0) + 6 * task.scales.max())
    axes = [np.linspace(low[i], high[i], 400) for i in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    log_p = np.asarray(jax.vmap(mixture_log_prob, (None, 0))(task, grid), np.float64)
    cell = (axes[0][1] - axes[0][0]) * (axes[1][1] - axes[1][0])
    assert logsumexp(log_p) + np.log(cell) == pytest.approx(0.0, abs=2e-3)


def test_samples_have_the_mixture_mean_and_variance():
    """Exact draws: sample moments within 4 Monte Carlo standard errors of the closed form."""
    task = FAMILIES["mixture_2d"].draw(jax.random.key(5))
    n = 20_000
    draws = np.asarray(sample_mixture(task, jax.random.key(6), n), np.float64)
    weights = np.exp(np.asarray(task.log_weights, np.float64))
    means, scales = np.asarray(task.means, np.float64), np.asarray(task.scales, np.float64)
    mean = weights @ means
    variance = weights @ (scales**2 + means**2) - mean**2
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * np.sqrt(variance / n))
    fourth = weights @ ((means - mean) ** 4 + 6 * (means - mean) ** 2 * scales**2 + 3 * scales**4)
    variance_error = np.sqrt((fourth - variance**2) / n)
    assert np.all(np.abs(draws.var(0) - variance) < 4 * variance_error)


def test_draws_are_deterministic_in_the_key():
    sampler = task_sampler(TRAINING_FAMILIES)
    first = sampler(jax.random.key(1), 16)
    assert first.shape == (16, 2)
    np.testing.assert_array_equal(first, sampler(jax.random.key(1), 16))
    assert not np.array_equal(first, sampler(jax.random.key(2), 16))


def test_held_out_families_are_not_trained_on():
    assert not set(HELD_OUT_FAMILIES) & set(TRAINING_FAMILIES)
    assert all(FAMILIES[name].dim == 2 for name in HELD_OUT_FAMILIES)


def test_task_sampler_rejects_mixed_dimensions_and_nothing():
    with pytest.raises(ValueError, match="dimension"):
        task_sampler(["mixture_2d", "mixture_8d"])
    with pytest.raises(ValueError, match="at least one"):
        task_sampler([])
