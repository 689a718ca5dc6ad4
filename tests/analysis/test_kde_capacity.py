"""Memory capacity of Gaussian KDEs: closed forms, the fixed-point census, the sweeps."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebm_memory.analysis.kde_capacity import (
    _descend,
    kde_capacity,
    memory_fraction,
)
from ebm_memory.analysis.kde_capacity_theory import (
    capacity_from_curve,
    fit_exponential_rate,
    mean_field_ceiling,
    merge_distance,
    pair_distance_cdf,
    pairwise_fraction,
    predicted_capacity,
    regime_fits,
    separation_bound_fraction,
)


@given(st.floats(0.0, 2.0))
def test_pair_distance_law_in_two_and_three_dimensions(delta):
    """|xi_i - xi_j|^2 / 2 = 1 - cos(angle): the angle is uniform in D = 2, the cosine in D = 3."""
    np.testing.assert_allclose(pair_distance_cdf(delta, 3), delta / 2, atol=1e-12)
    np.testing.assert_allclose(pair_distance_cdf(delta, 2), np.arccos(1 - delta) / np.pi, atol=1e-9)


def test_pair_distance_law_matches_sampled_points():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 20_000, 7))
    x /= np.linalg.norm(x, axis=-1, keepdims=True)
    half_squared = np.sum((x[0] - x[1]) ** 2, axis=-1) / 2
    for delta in (0.3, 0.7, 1.0, 1.4):
        assert abs(np.mean(half_squared <= delta) - pair_distance_cdf(delta, 7)) < 0.015


@given(st.floats(0.02, 0.98))
def test_merge_distance_puts_the_two_kernel_mode_at_the_tolerance(tau):
    """Mean shift from one of two unit kernels d apart: x <- d / (1 + exp(d^2/2 - x d))."""
    d = merge_distance(tau)
    assert d > 2.0
    x = 0.0
    for _ in range(20_000):
        x = d / (1 + np.exp(d * d / 2 - x * d))
    assert x == pytest.approx(tau, abs=1e-3)
    assert merge_distance(min(tau + 0.01, 0.99)) < d
    assert merge_distance(1.0) == 2.0


@pytest.mark.parametrize("sigma_over_r", [0.25, 0.3, 0.5, 0.8])
def test_mean_field_ceiling_against_the_iterated_ray_map(sigma_over_r):
    """Iterating lambda <- 1 / (1 + (N-1) exp(-A lambda)) from 1: the point keeps within
    sigma / 2 of itself just below the ceiling and not just above it."""
    a, ceiling = 1 / sigma_over_r**2, float(mean_field_ceiling(sigma_over_r))
    for factor, kept in ((0.97, True), (1.03, False)):
        lam = 1.0
        for _ in range(50_000):
            lam = 1 / (1 + (factor * ceiling - 1) * np.exp(-a * lam))
        assert ((1 - lam) <= 0.5 * sigma_over_r) == kept
    assert np.all(np.diff(mean_field_ceiling([0.2, 0.3, 0.5, 1.0])) < 0)


@given(st.integers(2, 40), st.floats(0.1, 0.6))
def test_predictions_decrease_with_n_and_the_bound_stays_below_pairwise(dim, sigma):
    n = np.array([1, 2, 4, 16, 256, 4096])
    for fraction in (separation_bound_fraction(n, dim, sigma), pairwise_fraction(n, dim, sigma)):
        assert fraction[0] == 1.0 and np.all(np.diff(fraction) <= 1e-12)
        assert np.all((fraction >= 0) & (fraction <= 1))
    bound = predicted_capacity(separation_bound_fraction, dim, sigma)
    assert 1.0 <= bound <= predicted_capacity(pairwise_fraction, dim, sigma)


def test_capacity_from_curve_and_exponential_fit():
    n = np.array([2, 4, 8, 16])
    capacity, censored = capacity_from_curve(n, [1.0, 0.95, 0.85, 0.5], level=0.9)
    assert not censored and capacity == pytest.approx(np.exp(np.log(4) + 0.5 * np.log(2)))
    assert capacity_from_curve(n, [1.0, 1.0, 0.99, 0.95], level=0.9) == (16.0, True)
    assert capacity_from_curve(n, [0.5, 0.2, 0.1, 0.0], level=0.9)[0] < 2
    dims = np.arange(3, 11)
    fit = fit_exponential_rate(dims, np.exp(1.0 + 0.7 * dims))
    assert fit.rate == pytest.approx(0.7) and fit.intercept == pytest.approx(1.0)
    noisy = np.exp(0.5 * dims + np.random.default_rng(0).normal(0, 0.2, dims.size))
    low, high = fit_exponential_rate(dims, noisy).rate_ci
    assert low < 0.5 < high
    with pytest.raises(ValueError, match="level"):
        predicted_capacity(pairwise_fraction, 4, 0.3, level=1.0)


def test_far_padding_rows_leave_the_dynamics_unchanged():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(2, 5, 4))
    points /= np.linalg.norm(points, axis=-1, keepdims=True)
    far = np.zeros((2, 11, 4))
    far[..., 0] = 2.0 + 64 * 0.3
    args = (1 / 0.09, 1e-8, 50, None)
    plain, _ = _descend(points, points, *args)
    padded, _ = _descend(points, np.concatenate([points, far], axis=1), *args)
    np.testing.assert_allclose(padded, plain, atol=1e-12)


def test_memory_fraction_census():
    result = memory_fraction(6, 0.3, n_max=256, n_trials=4, n_probes=16)
    n = result.n
    assert n[0] == 2 and np.all(np.diff(n) > 0) and n[-1] <= 256
    assert set(2 ** np.arange(1, int(np.log2(n[-1])) + 1)) <= set(n.tolist())
    for key in ("fraction", "fraction_se", "undecided", "bound", "pairwise", "bound_sampled"):
        assert getattr(result, key).shape == n.shape
    assert np.all((result.fraction >= 0) & (result.fraction <= 1))
    # Ramsauer et al.'s condition is sufficient: no point meeting it is lost
    assert np.all(result.bound_violations == 0)
    assert np.all(result.bound_sampled <= result.fraction + 1e-12)
    # two stored points: the 1-D two-kernel problem exactly, kept iff d >= d_c sigma
    assert result.fraction[0] == result.pairwise_sampled[0]
    assert result.fraction[-1] < 0.5 or n[-1] == 256


def test_kde_capacity_sweep_and_its_fits():
    sweep = kde_capacity([3, 4, 5], 0.3, n_max=128, n_trials=2, n_probes=8)
    assert sweep.capacity.shape == sweep.censored.shape == (3,) and len(sweep.curves) == 3
    assert np.all(sweep.capacity >= 1) and np.all(np.isfinite(sweep.bound_capacity))
    fits = regime_fits(sweep)
    assert fits.fit_dims == [3, 4, 5] and fits.bound.rate > 0


def test_the_former_parameter_names_warn_and_give_the_same_numbers():
    settings = {"n_max": 32, "n_trials": 2, "n_probes": 8}
    with pytest.warns(FutureWarning, match="random_state"):
        old = memory_fraction(4, 0.3, seed=2, **settings)
    np.testing.assert_array_equal(
        old.fraction, memory_fraction(4, 0.3, random_state=2, **settings).fraction
    )
    with pytest.warns(FutureWarning, match="verbose"):
        kde_capacity(4, 0.3, progress_bar=False, **settings)


def test_the_plot_keeps_its_former_home_for_one_release():
    import ebm_memory.analysis
    from ebm_memory.plotting.kde_capacity import plot_kde_capacity

    with pytest.warns(FutureWarning, match="ebm_memory.plotting.plot_kde_capacity"):
        assert ebm_memory.analysis.plot_kde_capacity is plot_kde_capacity
