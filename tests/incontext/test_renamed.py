"""The renamed parameters, attributes and methods keep working for one release, with a
``FutureWarning`` naming the new name, and give what the new names give."""

import numpy as np
import pytest
from sklearn.base import clone

from ebm_memory.incontext import InContextEnergy
from tests.incontext.conftest import TINY

CONTEXT = np.random.default_rng(0).normal(size=(10, 2)) * 0.5 + [1.0, -1.0]
NEW_TINY = {k: v for k, v in TINY.items() if k != "max_iter"}


@pytest.mark.parametrize(
    ("old", "new"), [({"n_steps": 2}, {"max_iter": 2}), ({"progress_bar": False}, {"verbose": 0})]
)
def test_renamed_init_parameters_warn_and_fit_as_the_new_ones(tiny_energy, old, new):
    settings = {"max_iter": 2, **NEW_TINY}
    with pytest.warns(FutureWarning, match=f"`{next(iter(old))}` was renamed `{next(iter(new))}`"):
        energy = InContextEnergy(**{**settings, **old}).fit("mixture_2d")
    assert energy.n_iter_ == tiny_energy.n_iter_ == 2
    np.testing.assert_array_equal(energy.history_["loss"], tiny_energy.history_["loss"])


def test_n_steps_sets_the_number_of_steps_and_is_saved_as_max_iter(tmp_path):
    energy = InContextEnergy(**{**NEW_TINY, "n_steps": 1})
    assert clone(energy).get_params()["n_steps"] == 1
    with pytest.warns(FutureWarning, match="`n_steps` was renamed `max_iter`"):
        energy.fit("mixture_2d")
    assert energy.n_iter_ == 1
    energy.save(tmp_path / "model.npz")
    loaded = InContextEnergy.load(tmp_path / "model.npz")
    assert loaded.max_iter == 1 and loaded.n_steps == "deprecated"


def test_default_parameters_do_not_warn(recwarn):
    InContextEnergy(**TINY).fit("mixture_2d")
    assert not [w for w in recwarn if w.category is FutureWarning]


def test_n_steps_attribute_warns_and_is_n_iter(tiny_energy):
    with pytest.warns(FutureWarning, match="`n_steps_` was renamed `n_iter_`"):
        assert tiny_energy.n_steps_ == tiny_energy.n_iter_


def test_log_normaliser_warns_and_is_log_partition(tiny_energy):
    with pytest.warns(FutureWarning, match="`log_normaliser` was renamed `log_partition`"):
        old = tiny_energy.log_normaliser(CONTEXT, grid_size=32)
    assert old == tiny_energy.log_partition(CONTEXT, grid_size=32)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ({"num_warmup": 20}, {"n_warmup": 20}),
        ({"num_chains": 4}, {"n_chains": 4}),
        ({"progress_bar": False}, {"verbose": 0}),
    ],
)
def test_renamed_sample_parameters_warn_and_draw_as_the_new_ones(tiny_energy, old, new):
    (new_name,) = new
    settings = {k: v for k, v in {"n_warmup": 20, "n_chains": 4}.items() if k != new_name}
    expected = tiny_energy.sample(CONTEXT, 4, random_state=0, **settings, **new)
    with pytest.warns(FutureWarning, match=f"`{next(iter(old))}` was renamed `{new_name}`"):
        draws = tiny_energy.sample(CONTEXT, 4, random_state=0, **settings, **old)
    np.testing.assert_array_equal(draws, expected)


def test_return_result_warns_and_returns_the_info(tiny_energy):
    with pytest.warns(FutureWarning, match="`return_result` was renamed `return_info`"):
        draws, info = tiny_energy.sample(
            CONTEXT, 4, random_state=0, n_warmup=20, n_chains=4, return_result=True
        )
    assert draws.shape == (4, 2) and info.draws.shape[0] == 4


def test_the_shipped_checkpoints_load_under_the_new_names():
    model = InContextEnergy.pretrained()
    assert model.max_iter == model.n_iter_ == 3000 and model.verbose == 0
    assert model.get_params()["n_steps"] == "deprecated"
