"""Checkpoints: what is saved loads, and damaged or foreign files fail naming the file."""

import json
import pickle

import jax
import numpy as np
import pytest

from ebm_memory.incontext import InContextEnergy
from ebm_memory.incontext.checkpoint import (
    META_KEY,
    load_checkpoint,
    model_arrays,
    save_checkpoint,
)
from ebm_memory.incontext.model import EnergyTransformer, ModelConfig

CONFIG = ModelConfig(width=8, n_heads=2, context_layers=1, query_layers=0)


@pytest.fixture(scope="module")
def arrays():
    return model_arrays(EnergyTransformer(CONFIG, key=jax.random.key(0)))


def _rewrite(path, **changes):
    """The checkpoint at ``path`` written again by numpy alone, some arrays replaced."""
    with np.load(path) as file:
        payload = {name: file[name] for name in file.files}
    np.savez(path, **{**payload, **changes})


def test_parameters_built_in_x64_mode_save_and_load_as_float32(tmp_path):
    with jax.enable_x64(True):
        arrays = model_arrays(EnergyTransformer(CONFIG, key=jax.random.key(0)))
    save_checkpoint(tmp_path / "x64.npz", CONFIG, arrays, {})
    _, loaded, _ = load_checkpoint(tmp_path / "x64.npz")
    assert {value.dtype for value in loaded.values()} == {np.dtype(np.float32)}


def test_numpy_scalar_settings_save_and_load(tiny_energy, tmp_path):
    energy = pickle.loads(pickle.dumps(tiny_energy))
    energy.set_params(learning_rate=np.float32(0.002), max_iter=np.int64(2))
    energy.save(tmp_path / "model.npz")
    loaded = InContextEnergy.load(tmp_path / "model.npz")
    assert loaded.learning_rate == pytest.approx(0.002) and loaded.max_iter == 2


def test_save_refuses_non_finite_parameters_and_writes_nothing(arrays, tmp_path):
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match=f"Not saving {path}.*NaN"):
        save_checkpoint(path, CONFIG, {**arrays, ".background_logit": np.float32(np.nan)}, {})
    assert not path.exists()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({".background_logit": np.float32(np.inf)}, "NaN or infinite"),
        ({".background_logit": np.float64(-3.0)}, "dtype float64"),
        ({".background_logit": np.zeros(2, np.float32)}, "shape"),
    ],
)
def test_load_refuses_invalid_parameters_naming_the_file(arrays, tmp_path, change, match):
    path = tmp_path / "model.npz"
    save_checkpoint(path, CONFIG, arrays, {})
    _rewrite(path, **change)
    with pytest.raises(ValueError, match=f"{path} holds an invalid checkpoint.*{match}"):
        load_checkpoint(path)


def test_damaged_truncated_and_foreign_files_fail_naming_the_file(arrays, tmp_path):
    path = tmp_path / "model.npz"
    save_checkpoint(path, CONFIG, arrays, {})
    whole = path.read_bytes()
    cases = {
        "truncated.npz": whole[: len(whole) // 2],
        "damaged.npz": whole[:200] + bytes(64) + whole[264:],
        "text.npz": b"not a checkpoint",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    np.save(tmp_path / "array.npy", np.zeros(3))
    bad_meta = tmp_path / "meta.npz"
    np.savez(bad_meta, **{META_KEY: np.frombuffer(b"\xff{", np.uint8)})
    other = tmp_path / "other.npz"
    np.savez(other, **{META_KEY: np.frombuffer(json.dumps({"format": "x"}).encode(), np.uint8)})
    for bad in [*(tmp_path / name for name in cases), tmp_path / "array.npy", bad_meta, other]:
        with pytest.raises(ValueError, match=str(bad)):
            load_checkpoint(bad)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        load_checkpoint(tmp_path / "missing.npz")
