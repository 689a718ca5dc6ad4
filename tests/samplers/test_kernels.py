"""Our kernels against closed forms: ULA's stationary variance, MALA's acceptance limits,
HMC energy conservation, and warm-up adaptation of the mass matrix.

Independent draws come from many chains (``vmap``) read at their last iteration, so the
standard errors below are those of i.i.d. samples: for the variance of n Gaussian draws,
``sqrt(2 / n) v``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory.samplers.adaptation import window_adaptation
from ebm_memory.samplers.kernels import hmc, mala, run_chain, ula

CHAINS = 4000


def standard_normal(x):
    return 0.5 * jnp.sum(x**2)


def final_positions(kernel, key, num_steps, dim=1):
    keys = jax.random.split(key, CHAINS)
    states = jax.vmap(kernel.init)(jnp.zeros((CHAINS, dim)))
    run = jax.jit(jax.vmap(lambda k, s: run_chain(k, kernel, s, num_steps)))
    state, _, info = run(keys, states)
    return np.asarray(state.position), info


@pytest.mark.parametrize("step_size", [0.05, 0.5])
def test_ula_variance_matches_its_biased_closed_form(step_size):
    positions, _ = final_positions(ula(standard_normal, step_size), jax.random.key(0), 200)
    biased = 1.0 / (1.0 - step_size / 2.0)
    variance = positions.var()
    error = np.sqrt(2.0 / CHAINS) * biased
    assert abs(variance - biased) < 4 * error


def test_ula_bias_shrinks_with_the_step_and_is_detectable():
    variances = {
        h: final_positions(ula(standard_normal, h), jax.random.key(1), 200)[0].var()
        for h in (0.05, 0.5)
    }
    error = np.sqrt(2.0 / CHAINS) * 1.4
    assert variances[0.5] - 1.0 > 4 * error  # bias h / 2 = 0.25 >> 4 x 0.03
    assert abs(variances[0.05] - 1.0) < abs(variances[0.5] - 1.0)


@pytest.mark.parametrize("factory", [mala, hmc], ids=["mala", "hmc"])
def test_exact_kernels_have_unit_variance_at_any_step(factory):
    positions, info = final_positions(factory(standard_normal, 0.8), jax.random.key(2), 200)
    error = np.sqrt(2.0 / CHAINS)
    assert abs(positions.mean()) < 4 * np.sqrt(1.0 / CHAINS)
    assert abs(positions.var() - 1.0) < 4 * error
    assert not bool(jnp.any(info.is_divergent))


def test_mala_acceptance_tiny_and_huge_steps():
    dim = 10
    tiny = final_positions(mala(standard_normal, 1e-3), jax.random.key(3), 20, dim)[1]
    huge = final_positions(mala(standard_normal, 10.0), jax.random.key(3), 20, dim)[1]
    assert float(tiny.acceptance_rate.mean()) > 0.9
    assert float(huge.acceptance_rate.mean()) < 0.5


def test_hmc_leapfrog_conserves_energy_at_small_steps_and_diverges_at_huge_ones():
    def stiff(x):
        return 0.5 * jnp.sum(x**2 * jnp.array([1.0, 100.0]))

    small = final_positions(hmc(stiff, 1e-3, jitter=0.0), jax.random.key(4), 5, 2)[1]
    assert float(small.acceptance_rate.min()) > 0.99
    huge = final_positions(hmc(stiff, 1.0, jitter=0.0), jax.random.key(4), 5, 2)[1]
    assert bool(jnp.all(huge.is_divergent | ~huge.is_accepted))


def test_divergent_proposals_are_rejected_and_flagged():
    def wall(x):
        return jnp.where(x[0] > 1.0, jnp.nan, 0.5 * jnp.sum(x**2))

    kernel = mala(wall, 4.0)
    _, _, info = jax.jit(lambda k: run_chain(k, kernel, kernel.init(jnp.zeros(1)), 300))(
        jax.random.key(5)
    )
    rejected_nan = ~info.is_accepted & info.is_divergent
    assert bool(jnp.any(rejected_nan))
    assert not bool(jnp.any(info.is_accepted & info.is_divergent))


@pytest.mark.parametrize("factory", [mala, hmc], ids=["mala", "hmc"])
def test_window_adaptation_learns_scales_and_tracks_the_target(factory):
    """The inverse mass approaches the variances (100-fold spread); the adapted step gives an
    acceptance near the target (dual averaging of log step sizes lands slightly on the safe,
    high-acceptance side, as in Stan), and a lower target gives a larger step."""
    scales = jnp.logspace(-1.0, 1.0, 10)

    def potential(x):
        return 0.5 * jnp.sum((x / scales) ** 2)

    def adapt(target):
        return jax.jit(
            lambda key: window_adaptation(
                key,
                factory,
                potential,
                jnp.ones(10),
                1000,
                target_acceptance=target,
                initial_step_size=0.1,
            )
        )(jax.random.key(6))

    result = adapt(0.7)
    ratio = np.asarray(result.inverse_mass) / np.asarray(scales) ** 2
    assert np.all((ratio > 0.5) & (ratio < 2.0))
    kernel = factory(potential, result.step_size, result.inverse_mass)
    _, _, info = jax.jit(lambda k: run_chain(k, kernel, result.state, 2000))(jax.random.key(7))
    assert 0.6 < float(info.acceptance_rate.mean()) < 0.92
    assert float(adapt(0.4).step_size) > float(result.step_size)


def test_short_warmup_adapts_the_step_only():
    result = window_adaptation(
        jax.random.key(8),
        mala,
        standard_normal,
        jnp.zeros(3),
        10,
        target_acceptance=0.5,
        initial_step_size=0.1,
    )
    np.testing.assert_array_equal(np.asarray(result.inverse_mass), np.ones(3))
    assert float(result.step_size) > 0.0
