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
        2000, random_state=0, method=method, num_warmup=300, return_diagnostics=True
    )
    assert draws.shape == (2000, 2) and draws.dtype == np.float64
    assert result.draws.shape == (4, 500, 2)
    np.testing.assert_array_equal(draws[:4], result.draws[:, 0])  # round-robin over chains
    # equal weights: the mean is the centres' average; 4 Monte Carlo standard errors
    assert np.all(np.abs(draws.mean(axis=0) - CENTRES.mean(axis=0)) < 4 * result.mcse())
    again = memory.sample(2000, random_state=0, method=method, num_warmup=300)
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
        4000, random_state=1, method="gibbs", num_warmup=50, return_diagnostics=True
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
        softmax.sample(3, return_diagnostics=True)
    with pytest.raises(ValueError, match="num_chains"):
        softmax.sample(3, method="mala", num_chains=0)
    binary = DenseAssociativeMemory("classical").fit(np.sign(CENTRES - 0.5))
    with pytest.raises(ValueError, match="discrete"):
        binary.sample(3, method="hmc")
    spherical = DenseAssociativeMemory("spherical", beta=2.0).fit(CENTRES + 1.0)
    with pytest.raises(ValueError, match="sphere"):
        spherical.sample(3, method="nuts")
