"""Every sampler at a temperature other than 1, against exact second moments.

A sampler that ignores ``T`` (or applies it twice, or inverts it) still passes any test run at
``T = 1``; these run at ``T = 0.5`` and ``T = 2`` and check moments that depend on ``T``.

Binary (Model A, ``p(s) ∝ exp(-E(s) / T)``, ``E = -sum_mu F(xi_mu . s)``): the spin means
``E[s_i]`` and correlations ``E[s_i s_j]`` from Gibbs draws against exact enumeration of the
2^8 states. Continuous (:func:`ebm_memory.samplers.sample`): ``E[x_i^2]`` on a quadratic
energy, whose tempered density is ``N(0, T A^-1)``.

Error bound: each statistic's Monte Carlo standard error is ``sd / sqrt(ESS)``, ``sd`` the
exact standard deviation of the statistic, ``ESS`` numpyro's effective sample size of its
series over all chains; a test passes when every ``|z| < 4.5`` (fixed seeds, so the outcome
is deterministic; for an exact sampler the chance of a false alarm over the 36 binary
statistics is ~ 36 x 6.8e-6 = 2.5e-4 by Bonferroni). Each test also checks that it has the
power to see a wrong temperature: the same draws scored against the exact moments at the
wrong temperature (T = 1) give some ``|z| > 10``.
"""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from numpyro.diagnostics import effective_sample_size

from ebm_memory.energies import interactions
from ebm_memory.samplers import sample, sample_gibbs
from ebm_memory.samplers.gibbs import gibbs

DIM = 8
STATES = np.array(list(itertools.product([-1.0, 1.0], repeat=DIM)))
UPPER = np.triu_indices(DIM, 1)
TOLERANCE = 4.5
POWER = 10.0

# name -> (Interaction, -E(s) from the overlaps h (..., K))
BINARY = {
    "classical": (interactions.classical(), lambda h: np.sum(h**2, axis=-1)),
    "polynomial3": (interactions.polynomial(3), lambda h: np.sum(h**3, axis=-1)),
    "exponential_beta05": (
        interactions.exponential(0.5),
        lambda h: np.sum(np.exp(0.5 * h), axis=-1),
    ),
}


def _memories():
    """K = 3 Gaussian patterns with sd 0.3: |h| <~ 2, so -E/T spans a few units at T = 0.5
    and T = 2 (neither degenerate nor uniform)."""
    return 0.3 * np.random.default_rng(11).normal(size=(3, DIM))


def spin_statistics(spins):
    """(..., D) +-1 spins -> (..., D + D(D-1)/2): the spins and their pairwise products."""
    spins = np.asarray(spins)
    products = spins[..., :, None] * spins[..., None, :]
    return np.concatenate([spins, products[..., UPPER[0], UPPER[1]]], axis=-1)


def exact_spin_moments(memories, neg_energy, temperature):
    """E[s_i] and E[s_i s_j] under exp(-E/T), by enumeration of all 2^D states."""
    log_weights = neg_energy(STATES @ np.asarray(memories).T) / temperature
    weights = np.exp(log_weights - log_weights.max())
    return (weights / weights.sum()) @ spin_statistics(STATES)


def z_scores(series, exact_mean, exact_var):
    """(chains, draws, S) series -> (S,) z-scores of their means, MCSE from numpyro's ESS."""
    series = np.asarray(series, dtype=np.float64)
    ess = np.asarray(effective_sample_size(series))
    return (series.mean(axis=(0, 1)) - exact_mean) / np.sqrt(exact_var / ess)


def spin_z(draws, memories, neg_energy, temperature):
    exact = exact_spin_moments(memories, neg_energy, temperature)
    # +-1 statistics: the variance is 1 - mean^2 (floored: a near-deterministic statistic)
    return z_scores(spin_statistics(draws), exact, np.maximum(1.0 - exact**2, 1e-3))


def assert_binary_draws_match(draws, memories, neg_energy, temperature):
    draws = np.asarray(draws)
    assert set(np.unique(draws)) <= {-1.0, 1.0}
    z = spin_z(draws, memories, neg_energy, temperature)
    assert np.max(np.abs(z)) < TOLERANCE, np.round(z, 2)
    wrong = spin_z(draws, memories, neg_energy, 1.0)
    assert np.max(np.abs(wrong)) > POWER, np.round(wrong, 2)  # the test sees T = 1


@pytest.mark.parametrize("temperature", [0.5, 2.0])
@pytest.mark.parametrize("name", list(BINARY))
def test_sample_gibbs_moments_at_temperature(name, temperature):
    interaction, neg_energy = BINARY[name]
    init = jax.random.rademacher(jax.random.key(1), (32, DIM), jnp.float64)
    draws = sample_gibbs(
        jax.random.key(2), _memories(), interaction, temperature, init, 1000, num_warmup=100
    )
    assert_binary_draws_match(draws, _memories(), neg_energy, temperature)


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_gibbs_kernel_steps_target_the_tempered_density(temperature):
    """The blackjax-style kernel itself (init / step under vmap and scan), exponential F."""
    interaction, neg_energy = BINARY["exponential_beta05"]
    kernel = gibbs(jnp.asarray(_memories()), interaction, temperature)

    def chain(key, spins):
        def sweep(state, step_key):
            state, _ = kernel.step(step_key, state)
            return state, state.spins

        _, draws = jax.lax.scan(sweep, kernel.init(spins), jax.random.split(key, 1100))
        return draws[100:]

    init = jax.random.rademacher(jax.random.key(3), (32, DIM), jnp.float64)
    draws = jax.jit(jax.vmap(chain))(jax.random.split(jax.random.key(4), 32), init)
    assert_binary_draws_match(draws, _memories(), neg_energy, temperature)


# --------------------------------------------------------------------------- continuous
CURVATURES = np.array([1.0, 4.0])  # E(x) = sum_i a_i x_i^2 / 2 -> N(0, T / a_i)


def _quadratic(x):
    return 0.5 * jnp.sum(jnp.asarray(CURVATURES) * x**2)


def second_moment_z(draws, exact_variance):
    """z-scores of E[x_i^2]: Var(x^2) = 2 v^2 for x ~ N(0, v)."""
    return z_scores(np.asarray(draws) ** 2, exact_variance, 2.0 * exact_variance**2)


def ula_variance(temperature, step_size):
    """ULA's exact stationary variance on the Gaussian ``exp(-a x^2 / (2T))`` with unit mass:
    x' = (1 - h a / T) x + sqrt(2h) xi gives v = (T / a) / (1 - h a / (2T)) (the O(h) bias
    of the unadjusted chain, compared to in closed form rather than shrunk away)."""
    return (temperature / CURVATURES) / (1.0 - step_size * CURVATURES / (2.0 * temperature))


@pytest.mark.parametrize("temperature", [0.5, 2.0])
@pytest.mark.parametrize(
    "method", ["ula", "mala", "hmc", pytest.param("nuts", marks=pytest.mark.slow)]
)
def test_sample_second_moments_at_temperature(method, temperature):
    step_size = 0.05
    result = sample(
        _quadratic,
        jnp.array([[0.1, -0.1], [-0.2, 0.2], [0.3, 0.0], [0.0, -0.3]]),
        method=method,
        num_samples=2000,
        num_warmup=500,
        num_chains=4,
        temperature=temperature,
        step_size=step_size,
        key=jax.random.key(5),
        progress_bar=False,
    )

    def exact(t):
        return ula_variance(t, step_size) if method == "ula" else t / CURVATURES

    z = second_moment_z(result.draws, exact(temperature))
    assert np.max(np.abs(z)) < TOLERANCE, np.round(z, 2)
    wrong = second_moment_z(result.draws, exact(1.0))
    assert np.max(np.abs(wrong)) > POWER, np.round(wrong, 2)
