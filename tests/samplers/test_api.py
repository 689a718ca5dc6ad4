import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from jax.tree_util import Partial
from numpyro.diagnostics import effective_sample_size

from ebm_memory.density.gaussian import (
    log_mixing_weights,
    responsibilities,
    sample_gaussian_mixture,
)
from ebm_memory.energies import softmax_energy
from ebm_memory.samplers import sample

SCALES = jnp.array([0.5, 2.0])
MEAN = jnp.array([1.0, -1.0])


def gaussian_energy(x):
    return 0.5 * jnp.sum(((x - MEAN) / SCALES) ** 2)


@pytest.mark.parametrize("method", ["mala", "hmc", "nuts", "numpyro_hmc"])
def test_gaussian_mean_and_variance_within_mcse(method):
    result = sample(
        gaussian_energy,
        jnp.zeros(2),
        method=method,
        num_samples=1000,
        num_warmup=500,
        num_chains=2,
        key=jax.random.key(1),
        progress_bar=False,
    )
    assert result.draws.shape == (2, 1000, 2)
    mean = result.draws.mean(axis=(0, 1))
    assert np.all(np.abs(mean - np.asarray(MEAN)) < 4 * result.mcse())
    # variance: MCSE of x^2 - approximated as sqrt(2) sigma^2 / sqrt(ESS) for a Gaussian
    variance = result.draws.var(axis=(0, 1))
    error = np.sqrt(2) * np.asarray(SCALES) ** 2 / np.sqrt(result.effective_sample_size)
    assert np.all(np.abs(variance - np.asarray(SCALES) ** 2) < 4 * error)
    assert np.all(result.r_hat < 1.05)
    assert 0.3 < result.acceptance_rate <= 1.0 and result.divergences == 0


def test_temperature_scales_the_variance():
    hot = sample(
        gaussian_energy,
        jnp.zeros(2),
        method="hmc",
        num_samples=2000,
        num_warmup=500,
        temperature=4.0,
        key=jax.random.key(2),
        progress_bar=False,
    )
    variance = hot.draws.var(axis=(0, 1))
    expected = 4.0 * np.asarray(SCALES) ** 2
    error = np.sqrt(2) * expected / np.sqrt(hot.effective_sample_size)
    assert np.all(np.abs(variance - expected) < 4 * error)


def test_same_key_same_draws():
    kwargs = dict(
        method="mala", num_samples=50, num_warmup=20, key=jax.random.key(3), progress_bar=False
    )
    first = sample(gaussian_energy, jnp.zeros(2), **kwargs)
    second = sample(gaussian_energy, jnp.zeros(2), **kwargs)
    np.testing.assert_array_equal(first.draws, second.draws)
    other = sample(gaussian_energy, jnp.zeros(2), **{**kwargs, "key": jax.random.key(4)})
    assert not np.array_equal(first.draws, other.draws)


@pytest.mark.parametrize("method", ["hmc", "nuts"])
def test_same_shape_calls_do_not_recompile(method):
    """New starts, temperatures and Partial-bound parameters reuse the compiled sampler."""
    from ebm_memory.samplers import _numpyro, api

    def shifted(x, centre):
        return 0.5 * jnp.sum((x - centre) ** 2)

    drivers = (api._warmup, api._segment, _numpyro.numpyro_warmup, _numpyro.numpyro_segment)
    kwargs = dict(method=method, num_samples=20, num_warmup=10, progress_bar=False)
    sample(Partial(shifted, jnp.zeros(2)), jnp.zeros(2), key=jax.random.key(5), **kwargs)
    before = [driver._cache_size() for driver in drivers]
    sample(
        Partial(shifted, jnp.ones(2)),
        jnp.ones(2),
        key=jax.random.key(6),
        temperature=3.0,
        **kwargs,
    )
    assert [driver._cache_size() for driver in drivers] == before


@pytest.mark.parametrize("method", ["nuts", "numpyro_hmc"])
def test_numpyro_kernels_are_initialised_once_per_settings(method):
    """The sampling segments carry the warmed-up states through one kernel pair."""
    from ebm_memory.samplers import _numpyro

    kwargs = dict(method=method, num_warmup=10, progress_bar=False, key=jax.random.key(8))
    _numpyro._kernels.cache_clear()
    sample(gaussian_energy, jnp.zeros(2), num_samples=20, **kwargs)
    sample(gaussian_energy, jnp.zeros(2), num_samples=30, **kwargs)
    info = _numpyro._kernels.cache_info()
    assert (info.misses, info.currsize) == (1, 1)


def test_importing_the_samplers_leaves_numpyro_tqdm_and_arviz_unloaded():
    import subprocess
    import sys

    code = (
        "import sys, ebm_memory.samplers; "
        "print([m for m in ('numpyro', 'arviz', 'tqdm') if m in sys.modules])"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert output.stdout.strip() == "[]", output.stderr


def test_to_arviz_has_posterior_and_sample_stats():
    arviz = pytest.importorskip("arviz")
    result = sample(
        gaussian_energy,
        jnp.zeros((2, 2)),
        method="hmc",
        num_samples=30,
        num_warmup=10,
        num_chains=2,
        key=jax.random.key(7),
        progress_bar=False,
    )
    data = result.to_arviz()
    assert data["posterior"]["x"].shape == (2, 30, 2)
    assert "acceptance_rate" in data["sample_stats"]
    assert np.asarray(arviz.ess(data)["x"]).shape == (2,)


def test_missing_arviz_gives_a_clear_message(monkeypatch):
    import importlib

    result = sample(
        gaussian_energy,
        jnp.zeros(2),
        method="ula",
        num_samples=5,
        num_warmup=0,
        key=jax.random.key(8),
        progress_bar=False,
        step_size=0.01,
    )
    real = importlib.import_module

    def fake(name, *args):
        if name == "arviz":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match="pip install"):
        result.to_arviz()


def test_bad_input_is_caught_before_sampling():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="not finite"):
        sample(
            lambda x: jnp.sum(jnp.log(x)),
            jnp.array([1.0, -1.0]),
            method="nuts",
            num_samples=10,
            key=key,
        )
    with pytest.raises(ValueError, match="method"):
        sample(gaussian_energy, jnp.zeros(2), method="gibbs", num_samples=10, key=key)
    with pytest.raises(ValueError, match="num_chains"):
        sample(
            gaussian_energy, jnp.zeros((3, 2)), method="mala", num_samples=10, num_chains=2, key=key
        )
    with pytest.raises(ValueError, match="scalar"):
        sample(lambda x: x, jnp.zeros(2), method="mala", num_samples=10, key=key)
    with pytest.raises(ValueError, match="temperature"):
        sample(
            gaussian_energy, jnp.zeros(2), method="mala", num_samples=10, key=key, temperature=0.0
        )


MIXTURE_MEMORIES = jnp.array([[-1.0, 0.0], [1.5, 0.0]])
FALSE_ALARM = 1e-3


def mixture_energy(x):
    """Model B, dot similarity, beta = 1: at T = 1 the density is a two-component Gaussian
    mixture with unit covariance, centres 2.5 apart (overlapping) and weights
    softmax(|xi|^2 / 2) = (0.349, 0.651)."""
    return softmax_energy(x, MIXTURE_MEMORIES, 1.0)


def mixture_discrepancies(result):
    """(z-score of the component-2 fraction, KS p-value of the first coordinate).

    The fraction is estimated as the mean responsibility, whose expectation is exactly the
    mixing weight; its MCSE comes from the ESS of the responsibility series. The KS test
    compares draws thinned to about one per effective sample with 20,000 exact draws, so
    under a correct sampler it raises a false alarm with probability about FALSE_ALARM.
    """
    weight = float(jnp.exp(log_mixing_weights(MIXTURE_MEMORIES, 1.0, "dot"))[1])
    draws = jnp.asarray(result.draws)
    resp = jax.vmap(jax.vmap(lambda x: responsibilities(x, MIXTURE_MEMORIES, 1.0, "dot")[1]))(draws)
    resp = np.asarray(resp)
    mcse = resp.std() / np.sqrt(effective_sample_size(resp[..., None])[0])
    first = result.draws[..., 0]
    thin = int(np.ceil(first.size / effective_sample_size(first[..., None])[0]))
    exact = sample_gaussian_mixture(jax.random.key(99), MIXTURE_MEMORIES, 1.0, "dot", 20000)
    ks = scipy.stats.ks_2samp(first[:, ::thin].ravel(), np.asarray(exact[:, 0]))
    return (resp.mean() - weight) / mcse, ks.pvalue


def sample_mixture(method, **kwargs):
    return sample(
        mixture_energy,
        jnp.array([[-1.0, 0.0], [1.5, 0.0], [0.0, 1.0], [0.5, -1.0]]),
        method=method,
        num_samples=2000,
        num_warmup=500,
        num_chains=4,
        key=jax.random.key(11),
        progress_bar=False,
        **kwargs,
    )


@pytest.mark.slow
@pytest.mark.parametrize("method", ["mala", "hmc", "nuts"])
def test_overlapping_mixture_matches_exact_samples(method):
    z_score, p_value = mixture_discrepancies(sample_mixture(method))
    assert abs(z_score) < 4
    assert p_value > FALSE_ALARM


@pytest.mark.slow
def test_mixture_check_rejects_a_biased_sampler():
    """Power of the check above: ULA at step 1 inflates each component's variance by 4/3."""
    _, p_value = mixture_discrepancies(sample_mixture("ula", step_size=1.0))
    assert p_value < FALSE_ALARM


def test_float32_start_with_a_float64_energy_is_promoted():
    centre = jnp.asarray(np.array([0.5, -0.5]), jnp.float64)
    result = sample(
        lambda x: 0.5 * jnp.sum((x - centre) ** 2),
        jnp.zeros(2, jnp.float32),
        method="nuts",
        num_samples=10,
        num_warmup=10,
        key=jax.random.key(12),
        progress_bar=False,
    )
    assert result.draws.shape == (1, 10, 2)


def quadratic(x):
    return 0.5 * jnp.sum(x**2)


def small_run(energy=quadratic, init=None, **settings):
    options = {"method": "mala", "num_samples": 8, "num_warmup": 4, "key": jax.random.key(0)}
    options.update(progress_bar=False, **settings)
    return sample(energy, jnp.zeros(2) if init is None else init, **options)


def test_diverging_ula_warns_with_the_share_of_non_finite_draws():
    with pytest.warns(RuntimeWarning, match=r"of 40 draws \(.*%\) are not finite.*step_size"):
        result = small_run(method="ula", num_samples=40, num_warmup=0, step_size=1e20)
    assert not np.all(np.isfinite(result.draws))


def test_a_stable_run_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        small_run(method="ula", num_samples=40, num_warmup=0, step_size=0.1)


@pytest.mark.parametrize("target", [1.5, 1.0, 0, -0.2])
def test_target_acceptance_must_lie_in_the_open_unit_interval(target):
    with pytest.raises(ValueError, match="target_acceptance must lie strictly between 0 and 1"):
        small_run(target_acceptance=target)


@pytest.mark.parametrize(
    "init, error, message",
    [
        (jnp.array([1.0 + 1.0j, 0.0]), TypeError, "real numbers"),
        (jnp.zeros(0), ValueError, "D >= 1"),
        (jnp.array([np.nan, 0.0]), ValueError, "NaN or infinite"),
    ],
)
def test_init_must_be_real_finite_and_non_empty(init, error, message):
    with pytest.raises(error, match=message):
        small_run(init=init)


@pytest.mark.parametrize("key", [None, 0, jnp.zeros(3, jnp.uint32)])
def test_key_must_be_a_prng_key(key):
    with pytest.raises(TypeError, match=r"key must be one JAX PRNG key"):
        small_run(key=key)


def test_energy_of_another_dimension_names_the_shape():
    weights = jnp.ones(2)
    with pytest.raises(ValueError, match=r"shape \(3,\) \(D = 3, from init\)"):
        small_run(lambda x: x @ weights, init=jnp.zeros(3))


def test_complex_energy_is_refused():
    with pytest.raises(TypeError, match="real number"):
        small_run(lambda x: jnp.sum(x) * 1j)


@pytest.mark.parametrize(
    "setting, value",
    [
        ("num_samples", 2),
        ("num_warmup", -1),
        ("num_chains", 0),
        ("temperature", -1.0),
        ("step_size", 0.0),
        ("num_integration_steps", 0),
        ("temperature", True),
    ],
)
def test_counts_and_scales_are_checked(setting, value):
    with pytest.raises((TypeError, ValueError), match=setting):
        small_run(**{setting: value})


def test_a_draw_with_one_diverged_coordinate_counts_as_not_finite():
    """x1 has curvature 1e10: ULA at step 0.1 multiplies it by 1e9 a step until it overflows,
    while x0 (curvature 1) stays finite; such draws are still diverged."""

    def stiff(x):
        return 0.5 * (x[0] ** 2 + 1e10 * x[1] ** 2)

    with pytest.warns(RuntimeWarning, match=r"of 40 draws \(.*%\) are not finite"):
        result = small_run(stiff, method="ula", num_samples=40, num_warmup=0, step_size=0.1)
    draws = result.draws.reshape(-1, 2)
    assert np.all(np.isfinite(draws[:, 0])) and not np.all(np.isfinite(draws[:, 1]))
