"""Growth of the nonparametric memory on streams from its own prior (fixed seeds)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ebm_memory.analysis import FiniteGrowth, MemoryGrowth, finite_mixture_growth, memory_growth
from ebm_memory.plotting import plot_memory_growth


@pytest.mark.slow
def test_growth_laws_on_streams_of_ten_to_the_five_points():
    """CRP: slope of the count on log n within 20% of alpha; Pitman-Yor: exponent within 20%
    of d. Four streams each; their mean count is fitted from n = 100 to 100,000."""
    crp = memory_growth("crp", alpha=5.0, n_points=100_000, n_streams=4)
    pitman_yor = memory_growth("pitman-yor", alpha=1.0, discount=0.5, n_points=100_000)
    for result in (crp, pitman_yor):
        assert result.relative_error < 0.2
        # well-separated components: every component in the stream becomes one memory
        np.testing.assert_array_equal(result.memories, result.tables)
    finite = finite_mixture_growth(10, n_points=100_000)
    assert finite.memories[-1] == 10
    assert np.all(finite.memories[finite.n >= 1000] == 10)
    figure = plot_memory_growth(crp, pitman_yor, finite)
    assert len(figure.axes) == 2
    plt.close(figure)


def test_growth_result_shapes_and_validation():
    result = memory_growth("pitman-yor", alpha=1.0, discount=0.5, n_points=1000, n_streams=2)
    assert isinstance(result, MemoryGrowth) and result.prior == "pitman-yor"
    assert result.memories.shape == result.tables.shape == (2, len(result.n))
    assert np.all(np.diff(result.memories, axis=1) >= 0)
    assert np.all(np.diff(result.expected) > 0)
    with pytest.raises(ValueError, match="prior"):
        memory_growth("dirichlet")
    with pytest.raises(ValueError, match="n_points"):
        memory_growth(n_points=50)
    with pytest.raises(ValueError, match="n_streams"):
        memory_growth(n_streams=1)


def test_the_error_bar_is_the_spread_of_the_rate_across_independent_seeds():
    """The reported standard error of the slope matches how much the slope moves between
    independent runs (a regression's error on the cumulative count is about 2.5x too small)."""
    runs = [
        memory_growth("crp", alpha=5.0, n_points=1000, n_streams=4, random_state=s)
        for s in range(20)
    ]
    spread = np.std([run.rate for run in runs], ddof=1)
    reported = np.sqrt(np.mean([run.rate_se**2 for run in runs]))
    assert 0.6 < reported / spread < 1.6
    for run in runs:
        assert run.rate == pytest.approx(run.rates.mean())
        assert run.rate_se == pytest.approx(run.rate_std / 2)
        assert run.rate_std == pytest.approx(np.std(run.rates, ddof=1))


def test_old_names_warn_and_give_the_same_numbers():
    new = memory_growth("crp", n_points=1000, n_streams=2, random_state=3)
    with pytest.warns(FutureWarning, match="`random_state`"):
        old = memory_growth("crp", n_points=1000, n_streams=2, seed=3)
    np.testing.assert_array_equal(old.memories, new.memories)
    with pytest.warns(FutureWarning, match="result.rate"):
        assert new["rate"] == new.rate
    with pytest.warns(FutureWarning, match="`random_state`"):
        finite = finite_mixture_growth(3, n_points=1000, seed=1)
    assert isinstance(finite, FiniteGrowth) and finite.n_components == 3
    np.testing.assert_array_equal(
        finite.memories, finite_mixture_growth(3, n_points=1000, random_state=1).memories
    )
    with pytest.warns(FutureWarning, match="ebm_memory.plotting"):
        from ebm_memory.analysis import plot_memory_growth as moved
    assert moved is plot_memory_growth
