"""Checkpoints of the in-context energy: one ``.npz`` file, readable with numpy alone.

The file holds every parameter array under its pytree path in the model (for example
``.context_blocks[0].attention.query_proj.weight``) and one UTF-8 JSON entry (a byte
array), ``__meta__``, with
the format name and version, the architecture (:class:`~ebm_memory.incontext.model.ModelConfig`),
the estimator's settings and the training record. Loading rebuilds the model from the
architecture and checks every name, shape, dtype (float32) and that every entry is finite,
so a file from another architecture, or a damaged one, fails with a message naming the file
rather than loading wrongly; saving checks the same, so what is saved loads. Writes go to a
temporary file that then replaces the target, so an interrupted save never leaves half a
checkpoint.

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
import zipfile
import zlib
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory.incontext.model import EnergyTransformer, ModelConfig

__all__ = [
    "DTYPE",
    "FORMAT",
    "VERSION",
    "build_model",
    "check_arrays",
    "load_checkpoint",
    "model_arrays",
    "save_checkpoint",
]

FORMAT = "ebm_memory.InContextEnergy"
VERSION = 1
META_KEY = "__meta__"
DTYPE = np.dtype(np.float32)
"""Every parameter is float32, in memory and on disk, whatever JAX's default."""
_READ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)


def _named_leaves(tree) -> list[tuple[str, object]]:
    leaves, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(jax.tree_util.keystr(path), leaf) for path, leaf in leaves]


def model_arrays(model: EnergyTransformer) -> dict[str, np.ndarray]:
    """Every parameter of ``model`` as a float32 numpy array, keyed by its pytree path."""
    params = eqx.filter(model, eqx.is_inexact_array)
    return {name: np.asarray(leaf, DTYPE) for name, leaf in _named_leaves(params)}


def _skeleton(config: ModelConfig):
    """The parameter shapes of architecture ``config`` by name, and the non-array rest."""
    skeleton = eqx.filter_eval_shape(EnergyTransformer, config, key=jax.random.key(0))
    is_shape = lambda leaf: isinstance(leaf, jax.ShapeDtypeStruct)  # noqa: E731
    shapes, rest = eqx.partition(skeleton, is_shape)
    return shapes, rest


def check_arrays(config: ModelConfig, arrays: dict[str, np.ndarray]) -> None:
    """Raise ``ValueError`` unless ``arrays`` are exactly the parameters of ``config``: every
    name, its shape, dtype :data:`DTYPE` and finite entries.

    Examples
    --------
    >>> import jax
    >>> config = ModelConfig(width=8, n_heads=2, context_layers=0, query_layers=0)
    >>> arrays = model_arrays(EnergyTransformer(config, key=jax.random.key(0)))
    >>> check_arrays(config, {**arrays, ".background_logit": np.float32(np.nan)})
    Traceback (most recent call last):
    ...
    ValueError: Parameter .background_logit holds NaN or infinite values.
    """
    expected = _named_leaves(_skeleton(config)[0])
    names = {name for name, _ in expected}
    if names != set(arrays):
        raise ValueError(
            f"The parameters do not fit the architecture {config}: missing "
            f"{sorted(names - set(arrays))[:3]}, unexpected {sorted(set(arrays) - names)[:3]}."
        )
    for name, shape in expected:
        value = np.asarray(arrays[name])
        if value.shape != shape.shape:
            raise ValueError(
                f"Parameter {name} has shape {value.shape}; the architecture needs {shape.shape}."
            )
        if value.dtype != DTYPE:
            raise ValueError(f"Parameter {name} has dtype {value.dtype}; it must be {DTYPE}.")
        if not np.all(np.isfinite(value)):
            raise ValueError(f"Parameter {name} holds NaN or infinite values.")


def build_model(config: ModelConfig, arrays: dict[str, np.ndarray]) -> EnergyTransformer:
    """The float32 model of architecture ``config`` holding ``arrays`` (see
    :func:`check_arrays`)."""
    check_arrays(config, arrays)
    shapes, rest = _skeleton(config)
    leaves = [jnp.asarray(arrays[name], DTYPE) for name, _ in _named_leaves(shapes)]
    params = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(shapes), leaves)
    return eqx.combine(params, rest)


def _umask() -> int:
    """The process umask (read by setting it, then restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _plain(value):
    """A numpy scalar as the Python number JSON can hold."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable.")


def save_checkpoint(path, config: ModelConfig, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write ``arrays`` and ``meta`` (JSON-serialisable) to ``path`` atomically, after
    checking them as :func:`load_checkpoint` will (``ValueError`` naming ``path``)."""
    path = Path(path)
    try:
        check_arrays(config, arrays)
    except ValueError as error:
        raise ValueError(f"Not saving {path}: {error}") from None
    header = {"format": FORMAT, "version": VERSION, "config": config._asdict(), **meta}
    payload = dict(arrays)
    payload[META_KEY] = np.frombuffer(json.dumps(header, default=_plain).encode(), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **payload)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_entries(path) -> tuple[dict, dict[str, np.ndarray]]:
    """The decoded header and the arrays of the archive at ``path``."""
    file = np.load(path, allow_pickle=False)
    if not isinstance(file, np.lib.npyio.NpzFile):
        raise ValueError(f"not an {FORMAT} checkpoint (a single array, not an .npz archive)")
    with file:
        if META_KEY not in file.files:
            raise ValueError(f"not an {FORMAT} checkpoint (no {META_KEY} entry)")
        meta = json.loads(file[META_KEY].tobytes().decode())
        arrays = {name: file[name] for name in file.files if name != META_KEY}
    return meta, arrays


def load_checkpoint(path) -> tuple[ModelConfig, dict[str, np.ndarray], dict]:
    """Read a checkpoint: its architecture, its arrays and its metadata.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        Naming ``path``, when the file is damaged, truncated, of another format or version,
        or holds parameters that do not pass :func:`check_arrays`.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"No checkpoint file at {path}.")
    try:
        meta, arrays = _read_entries(path)
    except _READ_ERRORS as error:
        raise ValueError(f"{path} is not a readable {FORMAT} checkpoint: {error}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(f"{path} holds format {found!r}, not {FORMAT!r}.")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"{path} is checkpoint version {meta.get('version')}; this ebm_memory reads "
            f"version {VERSION}."
        )
    try:
        config = ModelConfig(**meta.pop("config"))
        check_arrays(config, arrays)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path} holds an invalid checkpoint: {error}") from None
    return config, arrays, meta
