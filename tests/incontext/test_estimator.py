import pickle
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from ebm_memory.incontext import InContextEnergy, checkpoint
from tests.incontext.conftest import TINY

CONTEXT = np.random.default_rng(0).normal(size=(10, 2)) * 0.5 + [1.0, -1.0]
X = np.random.default_rng(1).normal(size=(6, 2))


def test_fit_records_steps_history_and_architecture(tiny_energy):
    assert tiny_energy.n_iter_ == 2
    assert tiny_energy.history_["loss"].shape == (2,)
    assert np.all(np.isfinite(tiny_energy.history_["loss"]))
    assert tiny_energy.config_.width == 16 and tiny_energy.n_features_in_ == 2
    assert all(isinstance(v, np.ndarray) for v in tiny_energy.parameters_.values())


def test_energy_and_scores_are_float64_and_consistent(tiny_energy):
    energies = tiny_energy.energy(X, CONTEXT)
    assert energies.dtype == np.float64 and energies.shape == (6,)
    np.testing.assert_array_equal(tiny_energy.score_samples(X, CONTEXT), -energies)
    log_z = tiny_energy.log_partition(CONTEXT)
    np.testing.assert_allclose(
        tiny_energy.score_samples(X, CONTEXT, normalise=True), -energies - log_z
    )


def test_fit_is_deterministic_under_a_fixed_seed(tiny_energy):
    again = InContextEnergy(**TINY).fit("mixture_2d")
    for name, value in tiny_energy.parameters_.items():
        np.testing.assert_array_equal(again.parameters_[name], value)
    np.testing.assert_array_equal(again.history_["loss"], tiny_energy.history_["loss"])


def test_save_load_and_pickle_give_identical_energies(tiny_energy, tmp_path):
    path = tmp_path / "model.npz"
    tiny_energy.save(path)
    loaded = InContextEnergy.load(path)
    np.testing.assert_array_equal(loaded.energy(X, CONTEXT), tiny_energy.energy(X, CONTEXT))
    assert loaded.get_params() == {
        **tiny_energy.get_params(),
        "random_state": None,
        "checkpoint_path": None,
    }
    assert loaded.n_iter_ == 2
    restored = pickle.loads(pickle.dumps(tiny_energy))
    np.testing.assert_array_equal(restored.energy(X, CONTEXT), tiny_energy.energy(X, CONTEXT))


def test_load_rejects_foreign_files(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, weight=np.zeros(3))
    with pytest.raises(ValueError, match="not an"):
        InContextEnergy.load(plain)


def test_divergence_stops_with_a_message_and_keeps_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "good.npz"
    energy = InContextEnergy(**{**TINY, "checkpoint_path": str(path)}).fit("mixture_2d")
    saved, before = path.read_bytes(), dict(energy.parameters_)

    def poisoned(key, n_points):
        return jnp.full((n_points, 2), jnp.nan)

    energy.set_params(warm_start=True)
    with pytest.raises(FloatingPointError, match="diverged.*last good parameters \\(step 2\\)"):
        energy.fit(poisoned)
    assert path.read_bytes() == saved
    assert energy.n_iter_ == 2
    for name, value in before.items():
        np.testing.assert_array_equal(energy.parameters_[name], value)


def test_fit_on_a_list_of_datasets_and_by_score_matching():
    rng = np.random.default_rng(0)
    datasets = [rng.normal(size=(20, 2)) + shift for shift in (0.0, 5.0, -3.0)]
    energy = InContextEnergy(**{**TINY, "objective": "dsm"}).fit(datasets)
    assert energy.n_iter_ == 2 and np.all(np.isfinite(energy.history_["loss"]))
    assert np.all(np.isfinite(energy.energy(X, CONTEXT)))


@pytest.mark.parametrize(
    ("tasks", "error", "match"),
    [
        ([np.full((20, 2), np.nan)], ValueError, "NaN"),
        ([np.zeros((3, 2))], ValueError, "more than"),
        ([np.zeros((20, 2)), np.zeros((20, 3))], ValueError, "one width"),
        (42, TypeError, "task sampler"),
    ],
)
def test_fit_rejects_bad_tasks(tasks, error, match):
    with pytest.raises(error, match=match):
        InContextEnergy(**TINY).fit(tasks)


def test_fit_rejects_inconsistent_settings():
    with pytest.raises(ValueError, match="max_context"):
        InContextEnergy(**{**TINY, "min_context": 9}).fit("mixture_2d")
    with pytest.raises(ValueError, match="multiple of n_heads"):
        InContextEnergy(**{**TINY, "n_heads": 3}).fit("mixture_2d")


def test_inputs_are_checked(tiny_energy):
    with pytest.raises(NotFittedError):
        InContextEnergy().energy(X, CONTEXT)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        tiny_energy.energy(np.zeros((3, 3)), CONTEXT)
    with pytest.raises(ValueError, match="NaN"):
        tiny_energy.energy(X, np.full((4, 2), np.nan))
    with pytest.raises(ValueError, match="at least 2 rows"):
        tiny_energy.energy(X, CONTEXT[:1])
    with pytest.raises(TypeError, match="real numbers"):
        tiny_energy.energy(np.array([["a", "b"]]), CONTEXT)
    with pytest.raises(ValueError, match="n_samples"):
        tiny_energy.sample(CONTEXT, 0)


def test_clone_keeps_parameters_and_drops_the_fit(tiny_energy):
    copy = clone(tiny_energy)
    assert copy.get_params() == tiny_energy.get_params()
    assert not hasattr(copy, "parameters_")


def test_sampling_is_deterministic_and_shaped(tiny_energy):
    first = tiny_energy.sample(CONTEXT, 6, random_state=3, n_warmup=20)
    assert first.shape == (6, 2) and first.dtype == np.float64
    np.testing.assert_array_equal(
        first, tiny_energy.sample(CONTEXT, 6, random_state=3, n_warmup=20)
    )


@pytest.mark.slow
def test_mala_draws_have_the_mean_of_the_quadrature_density():
    """The sampler targets exp(-E): the draws' mean and variance are within 4 Monte Carlo
    standard errors (from the effective sample size) of those of the quadrature-normalised
    density (a sampler at the wrong temperature would miss the variance)."""
    model = InContextEnergy.pretrained()
    rng = np.random.default_rng(7)
    context = rng.normal(size=(24, 2)) * [1.0, 0.4] + [0.5, -1.0]
    draws, result = model.sample(context, 16_000, random_state=0, return_info=True)
    axes, log_density, log_z = model.density_grid(context)
    cell = (axes[0][1] - axes[0][0]) * (axes[1][1] - axes[1][0])
    density = np.exp(log_density - log_z) * cell
    marginals = [density.sum(1), density.sum(0)]
    grid_mean = np.array([m @ a for m, a in zip(marginals, axes, strict=True)])
    grid_variance = np.array(
        [m @ (a - mu) ** 2 for m, a, mu in zip(marginals, axes, grid_mean, strict=True)]
    )
    assert result.r_hat.max() < 1.05
    assert np.all(np.abs(draws.mean(0) - grid_mean) < 4 * result.mcse())
    fourth = np.mean((draws - draws.mean(0)) ** 4, axis=0)
    variance_error = np.sqrt((fourth - draws.var(0) ** 2) / result.effective_sample_size)
    assert np.all(np.abs(draws.var(0) - grid_variance) < 4 * variance_error)
    assert density.sum() == pytest.approx(1.0, abs=1e-6)


def test_an_unwritable_checkpoint_path_fails_before_the_first_step(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")

    def never_drawn(key, n_points):
        raise AssertionError("training started")

    energy = InContextEnergy(**{**TINY, "checkpoint_path": blocker / "model.npz"})
    with pytest.raises(ValueError, match=f"cannot create {blocker / 'model.npz'}"):
        energy.fit(never_drawn)
    assert not hasattr(energy, "parameters_")


def test_failed_checkpoint_writes_keep_training_and_the_fitted_model(tmp_path, monkeypatch):
    """A write that fails at step 1 warns and training goes on; one that fails after the
    last step raises, with the fitted model complete on the estimator."""

    def full_disk(path, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint, "save_checkpoint", full_disk)
    path = tmp_path / "model.npz"
    energy = InContextEnergy(**{**TINY, "checkpoint_path": path, "checkpoint_every": 1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(OSError, match="at step 2.*stay on this estimator"):
            energy.fit("mixture_2d")
    assert [str(w.message) for w in caught if w.category is RuntimeWarning] == [
        f"Could not write the checkpoint {path} at step 1: [Errno 28] No space left on device. "
        "The fitted parameters stay on this estimator; write them elsewhere with save(path). "
        "Training goes on."
    ]
    assert energy.n_iter_ == 2 and energy.history_["loss"].shape == (2,)
    monkeypatch.undo()
    energy.save(path)
    loaded = InContextEnergy.load(path)
    np.testing.assert_array_equal(loaded.energy(X, CONTEXT), energy.energy(X, CONTEXT))


@pytest.mark.parametrize(("a", "b"), [(1.0, 1e8), (1e-20, 0.0), (1e20, 1e20)])
def test_scores_are_equivariant_far_from_the_origin_and_at_extreme_scales(tiny_energy, a, b):
    """With JAX's default (x64 off), inputs stay float64 until standardised:
    ``score_samples(a x + b | a D + b)`` is ``score_samples(x | D) - d log a`` to float32
    precision, and ``log Z`` is unchanged."""
    with jax.enable_x64(False):
        moved = tiny_energy.score_samples(a * X + b, a * CONTEXT + b, normalise=True)
        expected = tiny_energy.score_samples(X, CONTEXT, normalise=True) - 2 * np.log(a)
    np.testing.assert_allclose(moved, expected, rtol=1e-5, atol=1e-5)


def test_a_second_fit_of_one_configuration_reuses_the_compiled_chunk(tiny_energy):
    from ebm_memory.incontext.training import train_chunk

    InContextEnergy(**{**TINY, "random_state": 1}).fit("mixture_2d")
    compiled = train_chunk._cache_size()
    energy = InContextEnergy(**{**TINY, "random_state": 2}).fit(["shapes_2d", "mixture_2d"])
    InContextEnergy(**{**TINY, "random_state": 3}).fit("mixture_2d")
    assert train_chunk._cache_size() == compiled + 1  # the new task families only
    assert energy.n_iter_ == 2
