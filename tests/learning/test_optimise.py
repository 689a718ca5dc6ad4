"""``minimise``: full-batch optimiser steps through the chunked training driver."""

import warnings

import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory.learning.optimise import Optimizer, _run_chunk, clip_unit, minimise

SGD = Optimizer("sgd", 0.25)


def quadratic(x, target):
    return jnp.sum((x - target) ** 2)


def flat_then_quadratic(x, step):
    """Zero (and flat) for the first two steps, then a slowly minimised quadratic."""
    return jnp.where(step < 2, 0.0, 1.0) * jnp.sum((x - 1.0) ** 2)


def test_minimise_reaches_the_minimum_and_records_the_objective():
    fit = minimise(quadratic, jnp.zeros(3), (jnp.ones(3),), optimizer=SGD, max_iter=40)
    np.testing.assert_allclose(fit.params, 1.0, atol=1e-6)
    assert fit.n_iter == 40 and fit.objective.shape == (40,) and not fit.converged
    assert fit.objective[0] == pytest.approx(3.0)


def test_convergence_is_judged_on_the_last_step_only():
    """An early flat stretch is not convergence: the loss must have settled at the end."""
    fit = minimise(
        flat_then_quadratic,
        jnp.zeros(3),
        optimizer=Optimizer("sgd", 0.01),
        max_iter=20,
        tol=1e-3,
        chunk_size=5,
        with_step=True,
    )
    assert fit.objective[0] == fit.objective[1] == 0.0
    assert fit.n_iter == 20 and not fit.converged


def test_a_settled_loss_stops_after_its_chunk():
    fit = minimise(
        quadratic,
        jnp.zeros(2),
        (jnp.full(2, 2.0),),
        optimizer=SGD,
        max_iter=500,
        tol=1e-8,
        chunk_size=10,
    )
    assert fit.converged and fit.n_iter < 500 and fit.n_iter % 10 == 0
    change = abs(fit.objective[-1] - fit.objective[-2])
    assert change <= 1e-8 * (1 + abs(fit.objective[-1]))


def test_chunks_do_not_change_the_result():
    whole = minimise(quadratic, jnp.zeros(3), (jnp.ones(3),), max_iter=17, chunk_size=50)
    pieces = minimise(quadratic, jnp.zeros(3), (jnp.ones(3),), max_iter=17, chunk_size=4)
    np.testing.assert_allclose(whole.params, pieces.params, rtol=1e-6)
    np.testing.assert_allclose(whole.objective, pieces.objective, rtol=1e-6)
    np.testing.assert_allclose(whole.path_integral, pieces.path_integral, rtol=1e-6)


def test_new_data_reuses_the_compiled_chunk():
    minimise(quadratic, jnp.zeros(3), (jnp.ones(3),), optimizer=SGD, max_iter=6, chunk_size=3)
    compiled = _run_chunk._cache_size()
    fit = minimise(
        quadratic, jnp.ones(3), (4 * jnp.ones(3),), optimizer=SGD, max_iter=6, chunk_size=3
    )
    assert _run_chunk._cache_size() == compiled
    assert fit.objective[0] == pytest.approx(27.0)


def test_a_non_finite_loss_raises_with_the_step():
    with pytest.raises(FloatingPointError, match="non-finite after 0 steps"):
        minimise(quadratic, jnp.zeros(2), (jnp.array([1.0, jnp.nan]),), max_iter=3)


def test_projection_and_step_index():
    fit = minimise(
        quadratic, jnp.zeros(2), (jnp.full(2, 3.0),), optimizer=SGD, max_iter=30, project=clip_unit
    )
    np.testing.assert_allclose(fit.params, 1.0)
    indices = minimise(
        lambda x, step: jnp.sum(x) * 0 + step,
        jnp.zeros(1),
        max_iter=7,
        chunk_size=3,
        with_step=True,
    ).objective
    np.testing.assert_array_equal(indices, np.arange(7))


def test_progress_bar_is_renamed_verbose(capsys):
    with pytest.warns(FutureWarning, match="`progress_bar` was renamed `verbose`"):
        old = minimise(quadratic, jnp.zeros(2), (jnp.ones(2),), max_iter=3, progress_bar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = minimise(quadratic, jnp.zeros(2), (jnp.ones(2),), max_iter=3, verbose=1)
    np.testing.assert_array_equal(old.objective, new.objective)
    assert "3/3" in capsys.readouterr().err
