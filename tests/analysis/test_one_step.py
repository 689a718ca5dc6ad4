"""One-step retrieval (Ramsauer et al. 2021): the theorem's threshold, bound and fixed points.

Data: unit-norm Gaussian patterns in d = 64 and the centred, unit-norm 8x8 digits (fixed
seeds). The issue's requirement: the one-step error is below 1e-3 once beta * Delta exceeds
the theorem's threshold, for queries at the pattern and at the edge of its sphere.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebm_memory.analysis.one_step import (
    KINDS,
    classify_fixed_points,
    digit_patterns,
    fixed_point_census,
    one_step_errors,
    random_unit_patterns,
)
from ebm_memory.dynamics import retrieve_softmax
from ebm_memory.dynamics.diagnostics import (
    retrieval_error_bound,
    separation_report,
    theorem_beta,
    theorem_threshold,
)
from ebm_memory.dynamics.separation import pattern_separation

PATTERNS = random_unit_patterns(12, 8, random_state=3)


def test_one_step_error_is_below_1e3_beyond_the_threshold():
    """The issue's criterion on 128 random patterns and 500 digits, both query kinds; the
    errors never exceed the theorem's bound, and they are large in the global regime."""
    for memories in (random_unit_patterns(128, 64), digit_patterns(500)):
        pattern_beta = theorem_beta(pattern_separation(memories), len(memories), 1.0)
        betas = np.geomspace(0.05 * pattern_beta.min(), 2 * pattern_beta.max(), 12)
        result = one_step_errors(memories, betas)
        beyond = result.beyond
        assert beyond[-1].all() and not beyond[0].any()
        for query in ("exact", "sphere"):
            error, bound = getattr(result, f"{query}_error"), getattr(result, f"{query}_bound")
            assert error[beyond].max() < 1e-3
            np.testing.assert_array_less(error, bound * (1 + 1e-9) + 1e-15)
        assert result.exact_error[0].min() > 0.1  # smallest beta: near the global average


@given(seed=st.integers(0, 10**6), beta=st.floats(0.1, 200.0), radius=st.floats(0.0, 0.5))
def test_retrieval_error_bound_holds_for_any_query(seed, beta, radius):
    """Lemma A4 / Theorem 5: ||f(xi) - x_i|| <= 2 (N - 1) M exp(-beta (Delta_i - 2 r M))."""
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 2.0, size=(len(PATTERNS), 1))
    memories = PATTERNS * scale
    directions = rng.normal(size=memories.shape)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    update = retrieve_softmax(memories + radius * directions, memories, beta, max_iter=1)
    error = np.linalg.norm(np.asarray(update.states) - memories, axis=1)
    separation = pattern_separation(memories)
    bound = retrieval_error_bound(separation, beta, len(memories), scale.max(), radius)
    np.testing.assert_array_less(error, bound * (1 + 1e-9) + 1e-12)


@given(
    separation=st.floats(1e-3, 2.0),
    n_memories=st.integers(2, 10**5),
    max_norm=st.floats(0.1, 10.0),
)
def test_theorem_beta_is_where_the_threshold_is_crossed(separation, n_memories, max_norm):
    separation *= max_norm**2  # Delta <= 2 M^2 always
    beta = float(theorem_beta(separation, n_memories, max_norm))
    assert beta * separation > 1
    np.testing.assert_allclose(theorem_threshold(beta, n_memories, max_norm), separation)
    assert theorem_threshold(1.01 * beta, n_memories, max_norm) < separation
    assert theorem_threshold(0.99 * beta, n_memories, max_norm) > separation


@given(seed=st.integers(0, 10**6), factor=st.floats(1.0, 3.0))
def test_update_maps_the_sphere_into_itself_beyond_the_threshold(seed, factor):
    """Lemma A5: from ||xi - x_i|| <= 1 / (beta N M), one update stays that close."""
    rng = np.random.default_rng(seed)
    n = len(PATTERNS)
    beta = factor * float(theorem_beta(pattern_separation(PATTERNS), n, 1.0).max())
    radius = rng.uniform(0, 1, size=(n, 1)) / (beta * n)
    directions = rng.normal(size=PATTERNS.shape)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    update = retrieve_softmax(PATTERNS + radius * directions, PATTERNS, beta, max_iter=1)
    error = np.linalg.norm(np.asarray(update.states) - PATTERNS, axis=1)
    assert np.all(error <= 1 / (beta * n))


def test_classification_of_the_three_kinds():
    close = np.array([[1.0, 0.0, 0.0], [0.995, 0.0998, 0.0]])
    memories = np.concatenate([close, [[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]]])
    midpoint = close.mean(axis=0)
    states = np.stack([np.zeros(3), midpoint, memories[2]])
    kinds, n_eff = classify_fixed_points(states, memories, beta=50.0)
    assert [KINDS[k] for k in kinds] == ["global", "metastable", "single"]
    np.testing.assert_allclose(n_eff[:2], [5.0, 2.0], atol=0.05)


def test_census_goes_from_global_through_metastable_to_single_on_digits():
    memories = digit_patterns(120, random_state=2)
    result = fixed_point_census(memories, [1.0, 12.0, 1000.0])
    fractions = result.fractions
    np.testing.assert_allclose(fractions.sum(axis=1), 1.0)
    assert fractions[0, 0] == 1.0 and result.distinct[0, 0] == 1
    assert fractions[1, 1] > 0.5 and 1 < result.median_n_eff[1] < 60
    assert fractions[2, 2] == 1.0 and result.distinct[2, 2] == len(memories)
    assert np.all(result.not_converged == 0)


def test_separation_report_and_its_summary():
    report = separation_report(PATTERNS, beta=5.0)
    assert report.n_memories == 12 and report.max_norm == pytest.approx(1.0)
    assert report.fraction_retrieved == np.mean(report.pattern_beta <= 5.0)
    assert report.quantiles[0.0] == report.separation.min()
    full = separation_report(PATTERNS, coverage=1.0)
    assert full.beta == full.theorem_beta == report.pattern_beta.max()
    assert full.fraction_retrieved == 1.0 and full.worst_error_bound < 1 / (full.beta * 12)
    assert "raise beta" in str(report) and "raise beta" not in str(full)
    duplicated = separation_report(np.concatenate([PATTERNS, PATTERNS[:1]]), "euclidean")
    assert duplicated.n_unseparated == 2 and np.isinf(duplicated.pattern_beta).sum() == 2
    with pytest.raises(ValueError, match="similarity"):
        separation_report(PATTERNS, "cosine")
    with pytest.raises(ValueError, match="coverage"):
        separation_report(PATTERNS, coverage=0.0)
    with pytest.raises(ValueError, match="K >= 2"):
        separation_report(PATTERNS[:1])


def test_the_former_parameter_names_warn_and_give_the_same_numbers():
    with pytest.warns(FutureWarning, match="random_state"):
        old = random_unit_patterns(4, 3, seed=5)
    np.testing.assert_array_equal(old, random_unit_patterns(4, 3, random_state=5))
    with pytest.warns(FutureWarning, match="random_state"):
        old = digit_patterns(5, seed=5)
    np.testing.assert_array_equal(old, digit_patterns(5, random_state=5))
    with pytest.warns(FutureWarning, match="random_state"):
        old = one_step_errors(PATTERNS, [2.0], seed=4)
    new = one_step_errors(PATTERNS, [2.0], random_state=4)
    np.testing.assert_array_equal(old.sphere_error, new.sphere_error)
    with pytest.warns(FutureWarning) as caught:
        old = fixed_point_census(PATTERNS, [2.0], seed=4, progress_bar=False)
    assert len(caught) == 2
    new = fixed_point_census(PATTERNS, [2.0], random_state=4)
    np.testing.assert_array_equal(old.fractions, new.fractions)


def test_plot_has_a_panel_per_data_set_and_experiment():
    import matplotlib.pyplot as plt
    from matplotlib.collections import PathCollection

    from ebm_memory.plotting import plot_one_step

    memories = random_unit_patterns(16, 8)
    one_step = one_step_errors(memories, [1.0, 30.0])
    census = fixed_point_census(memories, [1.0, 30.0])
    figure = plot_one_step({"a": one_step, "b": one_step}, {"a": census, "b": census})
    assert len(figure.axes) == 4
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in figure.axes)
    handles = figure.axes[0].get_legend().legend_handles
    markers = [handle.get_marker() for handle in handles[:2]]
    assert len(set(markers)) == 2 and "None" not in markers
    scatters = [c for c in figure.axes[0].collections if isinstance(c, PathCollection)]
    shapes = [scatter.get_paths()[0].vertices.tobytes() for scatter in scatters]
    assert len(shapes) == 4  # per query, the pairs below and beyond the threshold
    assert shapes[0] == shapes[1] and shapes[2] == shapes[3] and shapes[0] != shapes[2]
    plt.close(figure)


def test_the_plot_keeps_its_former_home_for_one_release():
    import ebm_memory.analysis
    from ebm_memory.plotting.one_step import plot_one_step

    with pytest.warns(FutureWarning, match="ebm_memory.plotting.plot_one_step"):
        assert ebm_memory.analysis.plot_one_step is plot_one_step
