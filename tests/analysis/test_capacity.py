"""Capacity measurements at fixed seeds: the batched retrieval errors, the crossing search
and the growth-law fits (shapes and sanity, not published numbers).

The published numbers themselves (0.138 N, exponents n - 1, the exponential rate) need the
full mode (minutes); the slow test checks the classical load at N = 200-300 with 8 trials.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebm_memory.analysis.capacity import (
    AGS_CAPACITY,
    EXPONENTIAL_BOUND_RATE,
    _crossings,
    _patterns,
    ags_load,
    capacity_curve,
    error_free_capacity,
    exponential_snr_rate,
    fit_growth,
    retrieval_errors,
)
from ebm_memory.analysis.capacity_fit import CapacityCurve
from ebm_memory.energies import interactions


def test_theory_values():
    assert ags_load(0.0165) == pytest.approx(AGS_CAPACITY, abs=1e-3)
    assert ags_load(0.01) == pytest.approx(0.135, abs=2e-3)
    assert error_free_capacity(500, interactions.classical()) == pytest.approx(
        500 / (2 * np.log(500))
    )
    assert error_free_capacity(64, interactions.polynomial(3)) == pytest.approx(
        64**2 / (2 * 3 * np.log(64))
    )
    assert exponential_snr_rate(1.0) == pytest.approx(2 - np.log(np.cosh(2)))
    assert exponential_snr_rate(50.0) == pytest.approx(np.log(2))
    pair = error_free_capacity([400, 401], interactions.exponential(1.0))
    assert np.diff(np.log(pair))[0] == pytest.approx(EXPONENTIAL_BOUND_RATE, abs=2e-3)


@pytest.mark.parametrize(
    "interaction",
    [interactions.classical(), interactions.polynomial(3), interactions.exponential(1.0)],
    ids=["classical", "cubic", "exponential"],
)
def test_zero_padding_rows_change_no_decision(interaction):
    """A batch of loads (padded to the largest) equals the smaller load run alone."""
    batch = retrieval_errors(24, [5, 20], interaction, n_trials=3)
    alone = retrieval_errors(24, [5], interaction, n_trials=3)
    assert batch.shape == (2, 3, 20) and alone.shape == (1, 3, 5)
    np.testing.assert_array_equal(batch[0, :, :5], alone[0])
    assert np.isnan(batch[0, :, 5:]).all() and not np.isnan(batch[1]).any()


def test_patterns_are_fixed_points_at_low_load_and_lost_far_above_capacity():
    errors = retrieval_errors(100, [2, 60], interactions.classical(), n_trials=2)
    assert errors[0, :, :2].max() == 0.0
    assert np.nanmean(errors[1]) > 0.05


def test_inexact_float32_polynomial_sums_are_refused():
    with pytest.raises(ValueError, match="float32"):
        retrieval_errors(64, [1], interactions.polynomial(4))


@given(
    st.lists(st.floats(0.0, 1.0), min_size=2, max_size=8, unique=True),
    st.floats(0.05, 0.95),
)
def test_crossing_is_interpolated_between_the_loads_that_bracket_it(values, threshold):
    curve = np.sort(values)
    loads = 3.0 * 1.2 ** np.arange(curve.size)
    crossing = _crossings(loads, curve[None], threshold)[0]
    above = curve > threshold
    if not above.any() or above[0]:
        assert np.isnan(crossing)
    else:
        first = int(np.argmax(above))
        assert loads[first - 1] * (1 - 1e-12) <= crossing <= loads[first] * (1 + 1e-12)


@pytest.mark.parametrize("law, truth", [("power", 2.0), ("exponential", 0.5)])
def test_fit_growth_recovers_the_law_and_covers_it(law, truth):
    n = np.array([10.0, 14.0, 20.0, 28.0])
    capacity = 3.0 * (n**truth if law == "power" else np.exp(truth * n))
    noise = np.random.default_rng(0).normal(0.0, 0.02, (200, n.size))
    boot = capacity * np.exp(noise)
    result = CapacityCurve(n, capacity, n, boot, n, n, boot, n, n, n, n, n, law, 0, 0.01)
    fit = fit_growth(result)
    assert fit.slope == pytest.approx(truth)
    assert fit.ci_low < truth < fit.ci_high and fit.slope_se > 0
    with pytest.raises(ValueError, match="criterion"):
        fit_growth(result, "median")


@pytest.fixture(scope="module")
def cubic():
    return capacity_curve(interactions.polynomial(3), [12, 16, 20], n_trials=4, n_bootstrap=200)


def test_capacity_curve_brackets_each_crossing_and_grows(cubic):
    assert cubic.capacity.shape == cubic.exact_capacity.shape == (3,)
    assert cubic.capacity_boot.shape == cubic.exact_capacity_boot.shape == (200, 3)
    assert np.all(np.diff(cubic.capacity) > 0)
    for i, n in enumerate(cubic.n):
        loads = cubic.grid_p[cubic.grid_n == n]
        errors = cubic.grid_error[cubic.grid_n == n]
        assert loads.min() < cubic.capacity[i] < loads.max()
        assert loads.min() <= cubic.exact_capacity[i] < loads.max()
        assert errors[loads < cubic.capacity[i]].max() <= 0.01 < errors.max()
    assert np.all(cubic.capacity_se > 0)
    assert (cubic.law, cubic.degree) == ("power", 3)
    fit = fit_growth(cubic)
    assert fit.ci_low <= fit.slope <= fit.ci_high
    with pytest.raises(ValueError, match="ratio"):
        capacity_curve(interactions.classical(), [50], ratio=1.0)


def test_the_former_parameter_names_warn_and_give_the_same_numbers():
    classical = interactions.classical()
    with pytest.warns(FutureWarning, match="random_state"):
        old = retrieval_errors(40, [4], classical, n_trials=2, seed=3)
    np.testing.assert_array_equal(
        old, retrieval_errors(40, [4], classical, n_trials=2, random_state=3)
    )
    cubic = interactions.polynomial(3)
    settings = {"n_trials": 2, "n_bootstrap": 20}
    with pytest.warns(FutureWarning) as caught:
        old = capacity_curve(cubic, [12], seed=1, progress_bar=False, **settings)
    messages = " ".join(str(warning.message) for warning in caught)
    assert "renamed `random_state`" in messages and "renamed `verbose`" in messages
    new = capacity_curve(cubic, [12], random_state=1, **settings)
    np.testing.assert_array_equal(old.capacity_boot, new.capacity_boot)


@pytest.mark.slow
def test_classical_load_is_within_fifteen_percent_of_amit_gutfreund_sompolinsky():
    result = capacity_curve(interactions.classical(), [200, 300], n_trials=8)
    np.testing.assert_allclose(result.capacity / result.n, AGS_CAPACITY, rtol=0.15)


def test_error_free_patterns_are_exactly_those_with_every_bit_stable():
    """Independent check of the classical measurement: with E = -sum_mu (xi_mu . s)^2, bit i
    of a stored pattern s survives a flip test iff s_i sum_mu xi_mu,i (xi_mu . s) > P (ties,
    = P, are left out). A pattern with an unstable bit must end with errors (the flip lowers
    the energy, so the dynamics never return), one with every bit stable with none."""
    n_features, load = 60, 12
    patterns = _patterns(0, n_features, load, 4).astype(np.float64)
    errors = retrieval_errors(n_features, [load], interactions.classical(), n_trials=4)[0]
    overlaps = np.einsum("tpn,tqn->tpq", patterns, patterns)  # (T, P, P): xi_q . s_p
    margins = patterns * np.einsum("tqn,tpq->tpn", patterns, overlaps)  # s_i h_i
    decided = np.all(margins != load, axis=2)
    stable = np.all(margins > load, axis=2)
    assert decided.sum() > 20 and 0 < stable[decided].mean() < 1
    np.testing.assert_array_equal(errors[decided] == 0, stable[decided])
