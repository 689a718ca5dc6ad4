"""The noise-benefit experiment at fixed seeds.

Regime: classical Hopfield net, D = 100, P = 5 (loading 0.05), probes at symmetric
3-mixtures sign(xi_a + xi_b + xi_c), 2 pattern sets x 100 probes, 30 annealed sweeps.
Deterministic retrieval ends in a spurious state for every probe (bit error ~ 0.2 against
the nearest mixed pattern); annealing from T0 = 0.3 lowers the error to ~ 0.06, and from
T0 = 1.5 the probe is forgotten and the error rises to ~ 0.3. The standard errors are those
of the paired per-probe differences (same probes and keys at every T0), ~ 0.01 here; the
checks ask for 4 of them.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ebm_memory.analysis import NoiseBenefit, noise_benefit
from ebm_memory.plotting import plot_noise_benefit

SETTINGS = {"n_features": 100, "n_patterns": 5, "n_probes": 100, "n_trials": 2}


@pytest.fixture(scope="module")
def mixture():
    return noise_benefit(0, temperatures=[0.0, 0.3, 1.5], **SETTINGS)


def _paired_sem(first, second):
    difference = first - second
    return np.std(difference, ddof=1) / np.sqrt(difference.size)


def test_zero_temperature_row_is_the_deterministic_baseline(mixture):
    assert mixture.error[0] == mixture.baseline_error
    assert mixture.improvement[0] == 0.0
    assert mixture.baseline_spurious_fraction > 0.9


def test_moderate_noise_lowers_the_error_and_large_noise_raises_it_again(mixture):
    errors = mixture.probe_errors
    gain = mixture.improvement[1]
    assert gain > 4 * mixture.improvement_sem[1]
    assert mixture.best_temperature == 0.3
    assert mixture.spurious_fraction[1] < mixture.baseline_spurious_fraction
    rise = errors[2].mean() - errors[1].mean()
    assert rise > 4 * _paired_sem(errors[2], errors[1])


def test_noise_does_not_help_random_flip_probes():
    """Flip probes fail by starting outside their basin; noise only shrinks basins, so at
    T0 = 1 the error is higher than deterministic retrieval by more than 4 standard errors."""
    result = noise_benefit(1, temperatures=[1.0], probe="flip", flip_fraction=0.4, **SETTINGS)
    assert -result.improvement[0] > 4 * result.improvement_sem[0]


def test_plot_returns_the_figure_of_the_given_axes(mixture):
    figure = plot_noise_benefit(mixture)
    assert len(figure.axes) == 1 and len(figure.axes[0].lines) >= 2
    plt.close(figure)
    other, ax = plt.subplots()
    assert plot_noise_benefit(mixture, ax=ax) is other
    plt.close(other)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"temperatures": [-0.1]}, "temperature"),
        ({"probe": "random"}, "probe"),
        ({"n_patterns": 2}, "n_patterns"),
        ({"probe": "flip", "flip_fraction": 1.5}, "flip_fraction"),
        ({"model": "quartic"}, "model"),
    ],
)
def test_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        noise_benefit(0, **kwargs)


def test_result_is_typed_and_old_names_warn(mixture):
    assert isinstance(mixture, NoiseBenefit) and mixture.loading == 0.05
    settings = {**SETTINGS, "n_trials": 1, "n_probes": 10, "temperatures": [0.3]}
    new = noise_benefit(random_state=2, n_sweeps=5, **settings)
    with pytest.warns(FutureWarning) as caught:
        old = noise_benefit(seed=2, num_sweeps=5, progress_bar=False, **settings)
    messages = " ".join(str(record.message) for record in caught)
    assert all(f"renamed `{new}`" in messages for new in ("random_state", "n_sweeps", "verbose"))
    np.testing.assert_array_equal(old.probe_errors, new.probe_errors)
