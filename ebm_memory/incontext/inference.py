"""Using a trained in-context energy: energies, a quadrature normaliser and samples.

Every function takes the model and ONE context (padded to a power-of-two size with a mask, so
contexts of any size share a handful of compilations) and encodes the context once.
"""

from __future__ import annotations

import dataclasses
import math

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
    "context_energies",
    "context_memories",
    "context_scale",
    "density_grid",
    "log_normaliser",
    "padded_context",
    "sample_context",
]

QUADRATURE_EXTENT = 6.0
"""The quadrature box reaches this many context scales beyond the context's extremes."""


def context_scale(context: np.ndarray) -> float:
    """The context's scale as the model standardises by it: the root mean squared distance
    to the mean, per dimension (numpy twin of the one in
    :func:`~ebm_memory.incontext.model.encode_context`)."""
    squared = np.sum((context - context.mean(0)) ** 2, axis=1)
    return math.sqrt(np.mean(squared) / context.shape[1])


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


def context_energies(model: EnergyTransformer, X: np.ndarray, context: np.ndarray) -> np.ndarray:
    """``E(x | context)`` of every row of ``X``, as float64 (the context encoded once)."""
    encoded = _encode(model, *padded_context(context))
    energies = map_blocks(_energy_block, np.asarray(X, np.float32), model, encoded)
    return energies.astype(np.float64)


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


def log_normaliser(model: EnergyTransformer, context: np.ndarray, grid_size: int = 256) -> float:
    """``log Z = log integral exp(-E(x | context)) dx`` in 2-D (see :func:`density_grid`)."""
    return density_grid(model, context, grid_size)[2]


def context_memories(model: EnergyTransformer, context: np.ndarray) -> dict[str, np.ndarray]:
    """The memory read-out the model sets for ``context``, in the context's own units."""
    padded, mask = padded_context(context)
    encoded = _encode(model, padded, mask)
    scale = float(np.exp(encoded.log_scale))
    rows = len(context)
    return {
        "centres": np.asarray(encoded.mean + scale * encoded.centres, np.float64)[:rows],
        "widths": scale * np.exp(np.asarray(encoded.log_widths, np.float64))[:rows],
        "weights": np.exp(np.asarray(encoded.log_weights, np.float64))[:rows]
        * (1 - float(jax.nn.sigmoid(model.background_logit))),
        "background_weight": float(jax.nn.sigmoid(model.background_logit)),
        "background_width": BACKGROUND_SCALE * scale,
    }


@dataclasses.dataclass(frozen=True)
class _QueryEnergy:
    """``x -> E(x | context)`` with the model's static part fixed: hashable and equal for
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
    the model's own proportions. The draws interleave the chains and are float64.
    """
    padded, mask = padded_context(context)
    encoded = _encode(model, padded, mask)
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
    draws = np.asarray(result.draws, np.float64).transpose(1, 0, 2).reshape(-1, context.shape[1])
    return draws[:n_samples], result
