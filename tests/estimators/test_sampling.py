"""Markov chain sampling through the estimator, checked against its exact density."""

import itertools

import numpy as np
import pytest
from numpyro.diagnostics import effective_sample_size

from ebm_memory import DenseAssociativeMemory

CENTRES = np.array([[0.0, 0.0], [1.5, 1.0]])


@pytest.mark.parametrize("method", ["mala", "hmc", "nuts"])
def test_softmax_chains_have_the_mixture_mean(method):
    memory = DenseAssociativeMemory(similarity="euclidean", beta=2.0).fit(CENTRES)
    draws, result = memory.sample(
        2000, random_state=0, method=method, n_warmup=300, n_chains=4, return_info=True
    )
    assert draws.shape == (2000, 2) and draws.dtype == np.float64
    assert result.draws.shape == (4, 500, 2)
    np.testing.assert_array_equal(draws[:4], result.draws[:, 0])  # round-robin over chains
    # equal weights: the mean is the centres' average; 4 Monte Carlo standard errors
    assert np.all(np.abs(draws.mean(axis=0) - CENTRES.mean(axis=0)) < 4 * result.mcse())
    again = memory.sample(2000, random_state=0, method=method, n_warmup=300, n_chains=4)
    np.testing.assert_array_equal(draws, again)


def test_gibbs_spin_correlations_match_exact_enumeration():
    """E[s_i s_j] (the spin means vanish by the symmetry E(s) = E(-s)) within 4 MCSE, the
    MCSE from numpyro's ESS of each product series."""
    rng = np.random.default_rng(0)
    patterns = np.where(rng.random((3, 8)) < 0.5, -1.0, 1.0)
    memory = DenseAssociativeMemory("classical", temperature=4.0).fit(patterns)
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=8)))
    upper = np.triu_indices(8, 1)
    exact = (states.T * np.exp(memory.score_samples(states))) @ states
    draws, result = memory.sample(
        4000, random_state=1, method="gibbs", n_warmup=50, n_chains=4, return_info=True
    )
    assert set(np.unique(draws)) <= {-1.0, 1.0}
    assert result.method == "gibbs" and result.draws.shape == (4, 1000, 8)
    products = (result.draws[..., :, None] * result.draws[..., None, :])[..., upper[0], upper[1]]
    mcse = products.std(axis=(0, 1)) / np.sqrt(effective_sample_size(products))
    assert np.all(np.abs(products.mean(axis=(0, 1)) - exact[upper]) < 4 * mcse)
    assert np.abs(exact[upper]).max() > 0.3  # the memories correlate the spins


def test_methods_that_do_not_fit_the_model_are_refused():
    softmax = DenseAssociativeMemory(beta=2.0).fit(CENTRES)
    with pytest.raises(ValueError, match="binary"):
        softmax.sample(3, method="gibbs")
    with pytest.raises(ValueError, match="Markov chain"):
        softmax.sample(3, return_info=True)
    with pytest.raises(ValueError, match="n_chains"):
        softmax.sample(3, method="mala", n_chains=0)
    binary = DenseAssociativeMemory("classical").fit(np.sign(CENTRES - 0.5))
    with pytest.raises(ValueError, match="discrete"):
        binary.sample(3, method="hmc")
    spherical = DenseAssociativeMemory("spherical", beta=2.0).fit(CENTRES + 1.0)
    with pytest.raises(ValueError, match="sphere"):
        spherical.sample(3, method="nuts")


def test_sample_names_before_0_2_still_work_with_a_future_warning():
    memory = DenseAssociativeMemory(similarity="euclidean", beta=2.0).fit(CENTRES)
    new = memory.sample(
        8, random_state=0, method="mala", n_warmup=20, n_chains=2, verbose=0, return_info=True
    )
    with pytest.warns(FutureWarning) as caught:
        old = memory.sample(
            8,
            random_state=0,
            method="mala",
            num_warmup=20,
            num_chains=2,
            progress_bar=False,
            return_diagnostics=True,
        )
    messages = sorted(str(warning.message) for warning in caught)
    assert messages == [
        f"`{old}` was renamed `{name}` in 0.2 and will be removed in 0.3."
        for old, name in sorted(
            [
                ("num_chains", "n_chains"),
                ("num_warmup", "n_warmup"),
                ("progress_bar", "verbose"),
                ("return_diagnostics", "return_info"),
            ]
        )
    ]
    assert all(warning.filename == __file__ for warning in caught)
    np.testing.assert_array_equal(old[0], new[0])
    assert old[1].draws.shape == (2, 4, 2)


def test_sixteen_chains_by_default():
    memory = DenseAssociativeMemory(similarity="euclidean", beta=2.0).fit(CENTRES)
    draws, result = memory.sample(16, random_state=0, method="ula", n_warmup=10, return_info=True)
    assert draws.shape == (16, 2) and result.draws.shape[0] == 16


# ------------------------------------------------------- the estimator's temperature
# The softmax density is exp(-beta E(x)): temperature 1 / beta, never 1. Binary models sample
# at ``temperature``. Each check below is a set of z-scores, (sample mean - exact) / MCSE with
# MCSE = exact sd / sqrt(ESS) (numpyro's ESS over the chains), all |z| < 4.5 at fixed seeds;
# each also checks its power: the same draws against the exact values at the wrong
# temperature (T = 1) give some |z| > 10.
TOLERANCE = 4.5
POWER = 10.0
PAIR = np.array([[-0.5, 0.0], [0.5, 0.0]])  # equal norms: equal weights for dot and euclidean


def _z_scores(series, exact_mean, exact_var):
    series = np.asarray(series, dtype=np.float64)
    ess = np.asarray(effective_sample_size(series))
    return (series.mean(axis=(0, 1)) - exact_mean) / np.sqrt(exact_var / ess)


def _mixture_square_moments(centres, variance):
    """E[x_i^2] and Var[x_i^2] of the equal-weight mixture of N(c, variance I)."""
    second = np.mean(centres**2 + variance, axis=0)
    fourth = np.mean(centres**4 + 6 * centres**2 * variance + 3 * variance**2, axis=0)
    return second, fourth - second**2


@pytest.mark.parametrize("beta", [0.5, 4.0])
@pytest.mark.parametrize(
    "method, similarity",
    [
        ("mala", "euclidean"),
        ("hmc", "dot"),
        pytest.param("nuts", "euclidean", marks=pytest.mark.slow),
    ],
)
def test_softmax_chains_have_the_mixture_second_moments_at_temperature_one_over_beta(
    method, similarity, beta
):
    """E[x_i^2] = 1 / beta + mean_mu xi_mu,i^2 (covariance I / beta around each memory)."""
    memory = DenseAssociativeMemory(similarity=similarity, beta=beta).fit(PAIR)
    _, result = memory.sample(
        4000, random_state=2, method=method, n_warmup=300, n_chains=4, return_info=True
    )
    squares = result.draws**2
    z = _z_scores(squares, *_mixture_square_moments(PAIR, 1.0 / beta))
    assert np.max(np.abs(z)) < TOLERANCE, np.round(z, 2)
    wrong = _z_scores(squares, *_mixture_square_moments(PAIR, 1.0))
    assert np.max(np.abs(wrong)) > POWER, np.round(wrong, 2)


@pytest.mark.parametrize("beta", [0.5, 4.0])
def test_ula_chains_have_the_step_biased_variance_at_temperature_one_over_beta(beta):
    """One memory: the target is N(xi, I / beta). ULA (no accept step, the sampler's default
    step h = 0.1) has the exact stationary variance (1 / beta) / (1 - h beta / 2) on it; the
    test compares to that biased closed form."""
    centre = np.array([[0.3, -0.2]])
    memory = DenseAssociativeMemory(similarity="euclidean", beta=beta).fit(centre)
    _, result = memory.sample(
        8000, random_state=3, method="ula", n_warmup=300, n_chains=4, return_info=True
    )
    squares = (result.draws - centre) ** 2

    def variance(temperature, step=0.1):
        return temperature / (1.0 - step / (2.0 * temperature))

    exact = variance(1.0 / beta)
    z = _z_scores(squares, exact, 2 * exact**2)
    assert np.max(np.abs(z)) < TOLERANCE, np.round(z, 2)
    wrong = _z_scores(squares, variance(1.0), 2 * variance(1.0) ** 2)
    assert np.max(np.abs(wrong)) > POWER, np.round(wrong, 2)


@pytest.mark.parametrize("temperature", [0.5, 2.0])
def test_gibbs_spin_moments_of_the_exponential_model_at_temperature(temperature):
    """F = exp(beta h) with beta = 0.15, T in {0.5, 2}: E[s_i] and E[s_i s_j] against the
    enumeration of E(s) = -sum_mu exp(beta xi_mu . s) (the means do not vanish here)."""
    rng = np.random.default_rng(0)
    patterns = np.where(rng.random((3, 8)) < 0.5, -1.0, 1.0)
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=8)))
    upper = np.triu_indices(8, 1)

    def statistics(spins):
        products = spins[..., :, None] * spins[..., None, :]
        return np.concatenate([spins, products[..., upper[0], upper[1]]], axis=-1)

    def exact(t):
        log_weights = np.sum(np.exp(0.15 * states @ patterns.T), axis=1) / t
        weights = np.exp(log_weights - log_weights.max())
        moments = (weights / weights.sum()) @ statistics(states)
        return moments, 1.0 - moments**2

    memory = DenseAssociativeMemory("exponential", beta=0.15, temperature=temperature)
    _, result = memory.fit(patterns).sample(
        8000,
        random_state=4,
        method="gibbs",
        n_warmup=100,
        n_chains=8,
        return_info=True,
    )
    series = statistics(result.draws)
    z = _z_scores(series, *exact(temperature))
    assert np.max(np.abs(z)) < TOLERANCE, np.round(z, 2)
    wrong = _z_scores(series, *exact(1.0))
    assert np.max(np.abs(wrong)) > POWER, np.round(wrong, 2)
