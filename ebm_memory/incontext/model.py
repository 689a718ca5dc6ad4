"""The in-context energy network: a set transformer that reads a context and scores a point.

Why equinox: its modules are pytrees, so the parameters pass straight through ``jax.grad``,
``vmap``, ``lax.scan`` and optax with no separate ``apply`` and no parameter dictionaries to
thread, and a model is rebuilt from its configuration plus a flat list of arrays, which is
the whole checkpoint format (:mod:`~ebm_memory.incontext.checkpoint`).

The energy of a query ``x`` given a context ``D`` (both standardised by the context's mean
``m`` and scale ``s``, ``z = (x - m) / s``) is

    E(x | D) = -log [ (1 - pi) sum_i w_i N(z; c_i + delta_i, sigma_i^2 I) + pi N(z; 0, b^2 I) ]
               + g(z, D) + d log s

- The first term is a memory read-out: the context points are the memories (Schaeffer et
  al.: a Gaussian KDE is a modern Hopfield energy), and the transformer, after self-attention
  over the context, sets each memory's weight ``w_i``, shift ``delta_i`` and width
  ``sigma_i``. How wide to make the memories, and which to trust, is what it learns in context.
  A broad background component (weight ``pi``, learned; width ``b =``
  :data:`BACKGROUND_SCALE`) is the "new table" of the memory: it keeps the energy of points
  far from every context point finite in scale, which matters when a small context misses a
  whole mode of its task.
- ``g`` is a correction read from the query token after it cross-attends to the context,
  bounded to ``(-G, G)`` with ``G =`` :data:`CORRECTION_BOUND`, so ``exp(-E)`` keeps the
  mixture's Gaussian tails and stays integrable whatever the weights are.
- ``d log s`` makes ``exp(-E)`` a density in ``x`` with the same normaliser as in ``z``: when
  ``g = 0`` it integrates to exactly one.

No positional encoding enters anywhere, and the context enters only through attention and
the masked sum, so the energy is invariant to permutations of the context; padded (masked)
context rows change nothing. Attention averages, so it cannot count: every context token
also carries ``log n``, the size of its context, which a bandwidth rule needs (a KDE's
bandwidth shrinks like ``n^(-1/(d+4))``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float

__all__ = [
    "CORRECTION_BOUND",
    "EncodedContext",
    "EnergyTransformer",
    "ModelConfig",
    "context_energy",
    "encode_context",
    "sample_readout",
]

CORRECTION_BOUND = 4.0
"""The correction ``g`` lies in (-4, 4) nats."""
LOG_WIDTH_RANGE = (-5.0, 0.0)
"""Memory widths ``sigma_i`` (standardised units) are kept within exp of this range."""
BACKGROUND_SCALE = 2.0
"""Width of the background component, in context scales."""
MIN_CONTEXT_SCALE = 1e-3
MASKED_LOGIT = -1e9
"""Log weight of padded context rows: finite, so no gradient meets an infinity."""


class ModelConfig(NamedTuple):
    """Architecture of an :class:`EnergyTransformer`.

    Attributes
    ----------
    dim : int
        Dimension of the points.
    width : int
        Token width.
    n_heads : int
        Attention heads (must divide ``width``).
    context_layers : int
        Self-attention blocks over the context.
    query_layers : int
        Cross-attention blocks from the query to the context.
    """

    dim: int = 2
    width: int = 64
    n_heads: int = 4
    context_layers: int = 2
    query_layers: int = 1


class _Block(eqx.Module):
    """Pre-norm attention then MLP, both residual; queries attend to keys."""

    query_norm: eqx.nn.LayerNorm
    key_norm: eqx.nn.LayerNorm
    attention: eqx.nn.MultiheadAttention
    mlp_norm: eqx.nn.LayerNorm
    mlp: eqx.nn.MLP

    def __init__(self, width: int, n_heads: int, *, key):
        attention_key, mlp_key = jax.random.split(key)
        self.query_norm = eqx.nn.LayerNorm(width)
        self.key_norm = eqx.nn.LayerNorm(width)
        self.attention = eqx.nn.MultiheadAttention(n_heads, width, key=attention_key)
        self.mlp_norm = eqx.nn.LayerNorm(width)
        self.mlp = eqx.nn.MLP(width, width, 2 * width, 1, activation=jax.nn.gelu, key=mlp_key)

    def __call__(self, queries, keys, key_mask):
        normed_keys = jax.vmap(self.key_norm)(keys)
        attention_mask = jnp.broadcast_to(key_mask, (queries.shape[0], keys.shape[0]))
        queries = queries + self.attention(
            jax.vmap(self.query_norm)(queries), normed_keys, normed_keys, mask=attention_mask
        )
        return queries + jax.vmap(lambda token: self.mlp(self.mlp_norm(token)))(queries)


class EnergyTransformer(eqx.Module):
    """Context encoder (self-attention), memory read-out head, and query decoder
    (cross-attention) with the bounded correction head. See the module docstring."""

    config: ModelConfig = eqx.field(static=True)
    embed: eqx.nn.MLP
    context_blocks: tuple[_Block, ...]
    memory_head: eqx.nn.Linear
    query_embed: eqx.nn.MLP
    query_blocks: tuple[_Block, ...]
    correction_norm: eqx.nn.LayerNorm
    correction_head: eqx.nn.Linear
    log_width_bias: Float[Array, ""]
    background_logit: Float[Array, ""]

    def __init__(self, config: ModelConfig, *, key):
        keys = jax.random.split(key, 6)
        width = config.width
        self.config = config
        self.embed = eqx.nn.MLP(
            config.dim + 1, width, width, 1, activation=jax.nn.gelu, key=keys[0]
        )
        self.context_blocks = tuple(
            _Block(width, config.n_heads, key=k)
            for k in jax.random.split(keys[1], config.context_layers)
        )
        head = eqx.nn.Linear(width, config.dim + 2, key=keys[2])
        self.memory_head = eqx.tree_at(lambda layer: layer.weight, head, head.weight * 0.1)
        self.query_embed = eqx.nn.MLP(
            config.dim, width, width, 1, activation=jax.nn.gelu, key=keys[3]
        )
        self.query_blocks = tuple(
            _Block(width, config.n_heads, key=k)
            for k in jax.random.split(keys[4], config.query_layers)
        )
        self.correction_norm = eqx.nn.LayerNorm(width)
        correction = eqx.nn.Linear(width, 1, key=keys[5])
        self.correction_head = eqx.tree_at(
            lambda layer: layer.weight, correction, correction.weight * 0.1
        )
        self.log_width_bias = jnp.asarray(math.log(0.5))
        self.background_logit = jnp.asarray(-3.0)


class EncodedContext(NamedTuple):
    """A context read once, for scoring many queries.

    Attributes
    ----------
    tokens : (N, W) array
        Context tokens after self-attention.
    mask : (N,) bool array
        Real (True) or padded context rows.
    log_weights, centres, log_widths : (N,), (N, D), (N,) arrays
        The memory read-out in standardised units.
    mean : (D,) array
    log_scale : scalar array
        The context's standardisation ``z = (x - mean) / exp(log_scale)``.
    """

    tokens: Float[Array, "N W"]
    mask: Bool[Array, " N"]
    log_weights: Float[Array, " N"]
    centres: Float[Array, "N D"]
    log_widths: Float[Array, " N"]
    mean: Float[Array, " D"]
    log_scale: Float[Array, ""]


def encode_context(
    model: EnergyTransformer, context: Float[Array, "N D"], mask: Bool[Array, " N"]
) -> EncodedContext:
    """Standardise ONE context and run the encoder over its real rows."""
    weights = mask / jnp.sum(mask)
    mean = weights @ context
    variance = weights @ jnp.sum((context - mean) ** 2, axis=1) / context.shape[1]
    log_scale = 0.5 * jnp.log(jnp.maximum(variance, MIN_CONTEXT_SCALE**2))
    points = jnp.where(mask[:, None], (context - mean) * jnp.exp(-log_scale), 0.0)
    log_size = jnp.broadcast_to(jnp.log(jnp.sum(mask)), (points.shape[0], 1))
    tokens = jax.vmap(model.embed)(jnp.concatenate([points, log_size], axis=1))
    for block in model.context_blocks:
        tokens = block(tokens, tokens, mask)
    head = jax.vmap(model.memory_head)(tokens)
    dim = context.shape[1]
    log_weights = jax.nn.log_softmax(jnp.where(mask, head[:, dim], MASKED_LOGIT))
    log_widths = jnp.clip(head[:, dim + 1] + model.log_width_bias, *LOG_WIDTH_RANGE)
    centres = points + head[:, :dim]
    return EncodedContext(tokens, mask, log_weights, centres, log_widths, mean, log_scale)


def standardised_energy(
    model: EnergyTransformer, encoded: EncodedContext, z: Float[Array, " D"]
) -> tuple[Float[Array, ""], Float[Array, ""]]:
    """The energy of ONE standardised query without the ``d log s`` term, and its bounded
    correction ``g`` (returned apart for the training regulariser)."""
    dim = z.shape[0]
    squared = jnp.sum((z - encoded.centres) ** 2, axis=1) * jnp.exp(-2 * encoded.log_widths)
    log_normal = -0.5 * squared - dim * (encoded.log_widths + 0.5 * math.log(2 * math.pi))
    background = -0.5 * jnp.sum(z**2) / BACKGROUND_SCALE**2 - dim * (
        math.log(BACKGROUND_SCALE) + 0.5 * math.log(2 * math.pi)
    )
    memory_energy = -jnp.logaddexp(
        jax.nn.log_sigmoid(-model.background_logit)
        + jax.nn.logsumexp(encoded.log_weights + log_normal),
        jax.nn.log_sigmoid(model.background_logit) + background,
    )
    token = model.query_embed(z)[None]
    for block in model.query_blocks:
        token = block(token, encoded.tokens, encoded.mask)
    raw = model.correction_head(model.correction_norm(token[0]))[0]
    correction = CORRECTION_BOUND * jnp.tanh(raw / CORRECTION_BOUND)
    return memory_energy + correction, correction


def context_energy(
    model: EnergyTransformer, encoded: EncodedContext, x: Float[Array, " D"]
) -> Float[Array, ""]:
    """``E(x | D)`` of ONE query in the original units (batch with ``vmap``)."""
    z = (x - encoded.mean) * jnp.exp(-encoded.log_scale)
    energy, _ = standardised_energy(model, encoded, z)
    return energy + x.shape[0] * encoded.log_scale


def sample_readout(
    model: EnergyTransformer, encoded: EncodedContext, key, n_points: int
) -> Float[Array, "n D"]:
    """Exact draws, in standardised units, from the memory read-out alone (the energy
    without its correction ``g``): the mixture of the memories and the background."""
    component_key, noise_key = jax.random.split(key)
    log_pi = jax.nn.log_sigmoid(model.background_logit)
    logits = jnp.append(jax.nn.log_sigmoid(-model.background_logit) + encoded.log_weights, log_pi)
    component = jax.random.categorical(component_key, logits, shape=(n_points,))
    centres = jnp.concatenate([encoded.centres, jnp.zeros((1, encoded.centres.shape[1]))])
    widths = jnp.append(jnp.exp(encoded.log_widths), BACKGROUND_SCALE)
    noise = jax.random.normal(noise_key, (n_points, centres.shape[1]), centres.dtype)
    return centres[component] + widths[component, None] * noise
