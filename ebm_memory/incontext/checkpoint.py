"""Checkpoints of the in-context energy: one ``.npz`` file, readable with numpy alone.

The file holds every parameter array under its pytree path in the model (for example
``.context_blocks[0].attention.query_proj.weight``) and one UTF-8 JSON entry (a byte
array), ``__meta__``, with
the format name and version, the architecture (:class:`~ebm_memory.incontext.model.ModelConfig`),
the estimator's settings and the training record. Loading rebuilds the model from the
architecture and checks every name, shape and dtype, so a file from another architecture
fails with a message rather than loading wrongly. Writes go to a temporary file that then
replaces the target, so an interrupted save never leaves half a checkpoint.

Examples
--------
>>> import jax, tempfile, os
>>> from ebm_memory.incontext.model import EnergyTransformer, ModelConfig
>>> from ebm_memory.incontext.checkpoint import load_checkpoint, model_arrays, save_checkpoint
>>> config = ModelConfig(width=16, n_heads=2, context_layers=1)
>>> arrays = model_arrays(EnergyTransformer(config, key=jax.random.key(0)))
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> save_checkpoint(path, config, arrays, {"steps": 0})
>>> loaded_config, loaded, meta = load_checkpoint(path)
>>> loaded_config == config and all((loaded[k] == arrays[k]).all() for k in arrays)
True
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory.incontext.model import EnergyTransformer, ModelConfig

__all__ = ["FORMAT", "VERSION", "build_model", "load_checkpoint", "model_arrays", "save_checkpoint"]

FORMAT = "ebm_memory.InContextEnergy"
VERSION = 1
META_KEY = "__meta__"


def _named_leaves(tree) -> list[tuple[str, object]]:
    leaves, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(jax.tree_util.keystr(path), leaf) for path, leaf in leaves]


def model_arrays(model: EnergyTransformer) -> dict[str, np.ndarray]:
    """Every parameter of ``model`` as a numpy array, keyed by its pytree path."""
    params = eqx.filter(model, eqx.is_inexact_array)
    return {name: np.asarray(leaf) for name, leaf in _named_leaves(params)}


def build_model(config: ModelConfig, arrays: dict[str, np.ndarray]) -> EnergyTransformer:
    """The model of architecture ``config`` holding ``arrays`` (checked name by name)."""
    skeleton = eqx.filter_eval_shape(EnergyTransformer, config, key=jax.random.key(0))
    is_shape = lambda leaf: isinstance(leaf, jax.ShapeDtypeStruct)  # noqa: E731
    shapes, rest = eqx.partition(skeleton, is_shape)
    expected = _named_leaves(shapes)
    names = [name for name, _ in expected]
    if sorted(names) != sorted(arrays):
        missing = sorted(set(names) - set(arrays))
        extra = sorted(set(arrays) - set(names))
        raise ValueError(
            f"The parameters do not fit the architecture {config}: missing {missing[:3]}, "
            f"unexpected {extra[:3]}."
        )
    leaves = []
    for name, shape in expected:
        value = np.asarray(arrays[name])
        if value.shape != shape.shape:
            raise ValueError(
                f"Parameter {name} has shape {value.shape}; the architecture needs {shape.shape}."
            )
        leaves.append(jnp.asarray(value, dtype=shape.dtype))
    params = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shapes), leaves)
    return eqx.combine(params, rest)


def _umask() -> int:
    """The process umask (read by setting it, then restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_checkpoint(path, config: ModelConfig, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write ``arrays`` and ``meta`` (JSON-serialisable) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "version": VERSION, "config": config._asdict(), **meta}
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    payload[META_KEY] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **payload)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_checkpoint(path) -> tuple[ModelConfig, dict[str, np.ndarray], dict]:
    """Read a checkpoint: its architecture, its arrays and its metadata."""
    with np.load(path, allow_pickle=False) as file:
        if META_KEY not in file.files:
            raise ValueError(f"{path} is not an {FORMAT} checkpoint (no {META_KEY} entry).")
        meta = json.loads(file[META_KEY].tobytes().decode())
        arrays = {name: file[name] for name in file.files if name != META_KEY}
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path} holds format {meta.get('format')!r}, not {FORMAT!r}.")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"{path} is checkpoint version {meta.get('version')}; this ebm_memory reads "
            f"version {VERSION}."
        )
    config = ModelConfig(**meta.pop("config"))
    build_model(config, arrays)
    return config, arrays, meta
