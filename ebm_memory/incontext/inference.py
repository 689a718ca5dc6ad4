"""Using a trained in-context energy: energies, a quadrature normaliser and samples.

Every function takes the model and ONE context (padded to a power-of-two size with a mask, so
contexts of any size share a handful of compilations) and encodes the context once.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial
from scipy.special import logsumexp

from ebm_memory._blocks import bucket_size, map_blocks, pad_rows
from ebm_memory.incontext.model import (
    BACKGROUND_SCALE,
    EnergyTransformer,
    context_energy,
    encode_context,
    sample_readout,
)
from ebm_memory.samplers.api import sample as sample_energy
from ebm_memory.samplers.diagnostics import SamplingResult

__all__ = [
    "MAX_STANDARDISED",
    "Standardisation",
    "context_energies",
    "context_memories",
    "context_scale",
    "density_grid",
    "log_partition",
    "padded_context",
    "sample_context",
    "standardisation",
    "standardised",
]

QUADRATURE_EXTENT = 6.0
"""The quadrature box reaches this many context scales beyond the context's extremes."""
MAX_STANDARDISED = 1e15
"""Points farther than this many context scales from the context's mean are refused: the
float32 network's energy grows like ``|z|^2 / 8`` and would leave float32's range."""


class Standardisation(NamedTuple):
    """A context's mean and scale in float64: ``z = (x - mean) / scale``.

    Attributes
    ----------
    mean : (D,) float64 array
    scale : float
    """

    mean: np.ndarray
    scale: float


def standardisation(context: np.ndarray) -> Standardisation:
    """The float64 mean and scale of ``context`` (N, D) (the scale is the root mean squared
    distance to the mean, per dimension, as in
    :func:`~ebm_memory.incontext.model.encode_context`).

    Computing them in float64 before the float32 network is what keeps the energy
    affine-equivariant for contexts far from the origin or at extreme scales.

    Raises
    ------
    ValueError
        When the context's points are all equal (no scale), or its mean or spread exceeds
        float64's range.

    Examples
    --------
    >>> standardisation(np.array([[1e8, 0.0], [1e8 + 2.0, 0.0]]))
    Standardisation(mean=array([1.00000001e+08, 0.00000000e+00]), scale=0.7071067811865476)
    """
    context = np.asarray(context, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = context.mean(0)
        centred = context - mean
    peak = float(np.max(np.abs(centred)))
    if not (np.all(np.isfinite(mean)) and math.isfinite(peak)):
        raise ValueError("The context's mean or spread exceeds float64's range.")
    if peak == 0:
        raise ValueError("The context's points are all equal: it has no scale to standardise by.")
    relative = np.mean(np.sum((centred / peak) ** 2, axis=1)) / context.shape[1]
    return Standardisation(mean, peak * math.sqrt(relative))


def standardised(points: np.ndarray, standard: Standardisation, name: str = "X") -> np.ndarray:
    """``(points - mean) / scale`` (n, D), computed in float64 and returned as float32.

    Raises
    ------
    ValueError
        When a row lies beyond :data:`MAX_STANDARDISED` context scales from the mean.
    """
    z = (np.asarray(points, np.float64) - standard.mean) / standard.scale
    distance = np.max(np.abs(z), axis=1, initial=0.0)
    far = np.flatnonzero(~(distance <= MAX_STANDARDISED))
    if far.size:
        raise ValueError(
            f"{name} row {far[0]} lies {distance[far[0]]:.3g} context scales from the "
            f"context's mean (the limit is {MAX_STANDARDISED:.0e}): its energy exceeds "
            "float32's range."
        )
    return z.astype(np.float32)


def context_scale(context: np.ndarray) -> float:
    """The context's scale as the model standardises by it (see :func:`standardisation`)."""
    return standardisation(context).scale


def padded_context(context: np.ndarray) -> tuple[jax.Array, jax.Array]:
    """The context padded with zero rows to a power of two (at least 8), and its mask."""
    size = bucket_size(len(context), 8)
    (padded,) = pad_rows([context], size)
    return jnp.asarray(padded, jnp.float32), jnp.arange(size) < len(context)


@eqx.filter_jit
def _encode(model, context, mask):
    return encode_context(model, context, mask)


@eqx.filter_jit
def _energy_block(X, model, encoded):
    return jax.vmap(lambda x: context_energy(model, encoded, x))(X)


def _encode_standardised(model: EnergyTransformer, context: np.ndarray):
    """The context's float64 standardisation and the encoding of its standardised points."""
    standard = standardisation(context)
    encoded = _encode(model, *padded_context(standardised(context, standard, "context")))
    return standard, encoded


def context_energies(model: EnergyTransformer, X: np.ndarray, context: np.ndarray) -> np.ndarray:
    """``E(x | context)`` of every row of ``X`` (n, D), as (n,) float64.

    The context is standardised in float64 and encoded once; the network scores the
    standardised queries in float32, and the ``d log s`` term is added in float64.

    Raises
    ------
    ValueError
        From :func:`standardisation` and :func:`standardised`.
    FloatingPointError
        When the network returns a non-finite energy.
    """
    standard, encoded = _encode_standardised(model, context)
    energies = map_blocks(_energy_block, standardised(X, standard), model, encoded)
    energies = np.asarray(energies, np.float64)
    if not np.all(np.isfinite(energies)):
        raise FloatingPointError(
            f"The network's energy is not finite at X rows "
            f"{np.flatnonzero(~np.isfinite(energies))[:5].tolist()}."
        )
    return energies + X.shape[1] * math.log(standard.scale)


def density_grid(
    model: EnergyTransformer, context: np.ndarray, grid_size: int = 256
) -> tuple[list[np.ndarray], np.ndarray, float]:
    """``-E(x | context)`` on a 2-D grid and ``log Z`` by the trapezoid rule.

    The grid spans the context's bounding box widened by :data:`QUADRATURE_EXTENT` context
    scales on every side, where the memory read-out's Gaussian tails have long vanished (the
    widths are bounded; see :mod:`~ebm_memory.incontext.model`). With the correction at zero
    the energy is a normalised mixture and ``log Z = 0``; the correction moves it by at most
    its bound.

    Returns
    -------
    axes : [(G,), (G,)] arrays
        Grid coordinates along each dimension.
    log_density : (G, G) array
        ``-E`` at the grid points (``indexing="ij"``), unnormalised.
    log_z : float
    """
    context = np.asarray(context, np.float64)
    if context.shape[1] != 2:
        raise ValueError(
            f"The quadrature normaliser is for 2-D points; these have {context.shape[1]} "
            "dimensions."
        )
    scale = context_scale(context)
    low = context.min(0) - QUADRATURE_EXTENT * scale
    high = context.max(0) + QUADRATURE_EXTENT * scale
    axes = [np.linspace(low[i], high[i], grid_size) for i in range(2)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    log_density = -context_energies(model, grid, context).reshape(grid_size, grid_size)
    edge = np.ones(grid_size)
    edge[[0, -1]] = 0.5
    log_weights = np.log(np.outer(edge, edge)) + sum(math.log(a[1] - a[0]) for a in axes)
    log_z = float(logsumexp(log_density + log_weights))
    return axes, log_density, log_z


def log_partition(model: EnergyTransformer, context: np.ndarray, grid_size: int = 256) -> float:
    """``log Z = log integral exp(-E(x | context)) dx`` in 2-D (see :func:`density_grid`)."""
    return density_grid(model, context, grid_size)[2]


def context_memories(model: EnergyTransformer, context: np.ndarray) -> dict[str, np.ndarray]:
    """The memory read-out the model sets for ``context`` (N, D), in the context's own units:
    ``centres`` (N, D), ``widths`` (N,), ``weights`` (N,), ``background_weight`` and
    ``background_width``."""
    standard, encoded = _encode_standardised(model, context)
    inner_scale = float(np.exp(np.float64(encoded.log_scale)))
    scale = standard.scale * inner_scale
    mean = standard.mean + standard.scale * np.asarray(encoded.mean, np.float64)
    rows = len(context)
    background = float(jax.nn.sigmoid(model.background_logit))
    return {
        "centres": (mean + scale * np.asarray(encoded.centres, np.float64))[:rows],
        "widths": scale * np.exp(np.asarray(encoded.log_widths, np.float64))[:rows],
        "weights": np.exp(np.asarray(encoded.log_weights, np.float64))[:rows] * (1 - background),
        "background_weight": background,
        "background_width": BACKGROUND_SCALE * scale,
    }


@dataclasses.dataclass(frozen=True)
class _QueryEnergy:
    """``z -> E(z | context)`` in the context's standardised coordinates, with the model's
    static part fixed: hashable and equal for
    equal architectures, so :func:`~ebm_memory.samplers.sample` reuses its compiled code
    across contexts and parameters (both travel as traced arguments of a ``Partial``)."""

    static: object

    def __call__(self, params, encoded, x):
        return context_energy(eqx.combine(params, self.static), encoded, x)


@eqx.filter_jit
def _readout_starts(model, encoded, key, n_points: int):
    return sample_readout(model, encoded, key, n_points)


def sample_context(
    model: EnergyTransformer,
    context: np.ndarray,
    key,
    *,
    n_samples: int,
    method: str,
    num_warmup: int,
    num_chains: int,
    progress_bar: bool,
) -> tuple[np.ndarray, SamplingResult]:
    """``n_samples`` draws from ``exp(-E(x | context))`` with :func:`ebm_memory.samplers.sample`.

    Langevin chains rarely cross between well-separated wells, so where the chains start
    decides how the wells are weighted: they start at exact draws from the model's memory
    read-out (the energy without its bounded correction), which visits the wells in nearly
    the model's own proportions. The chains run in the context's float64 standardised
    coordinates and the draws are mapped back in float64, so they move affinely with the
    context. The draws interleave the chains and are float64, shaped (n_samples, D); the
    result's draws (chains, draws, D) and step sizes are in the context's units.
    """
    standard, encoded = _encode_standardised(model, context)
    params, static = eqx.partition(model, eqx.is_inexact_array)
    energy_fn = Partial(_QueryEnergy(static), params, encoded)
    start_key, sample_key = jax.random.split(key)
    standard_starts = _readout_starts(model, encoded, start_key, num_chains)
    starts = encoded.mean + jnp.exp(encoded.log_scale) * standard_starts
    per_chain = max(4, -(-n_samples // num_chains))
    result = sample_energy(
        energy_fn,
        starts,
        method=method,
        num_samples=per_chain,
        num_warmup=num_warmup,
        num_chains=num_chains,
        key=sample_key,
        progress_bar=progress_bar,
    )
    result = dataclasses.replace(
        result,
        draws=standard.mean + standard.scale * np.asarray(result.draws, np.float64),
        step_size=standard.scale * np.asarray(result.step_size, np.float64),
    )
    draws = result.draws.transpose(1, 0, 2).reshape(-1, context.shape[1])
    return draws[:n_samples], result
