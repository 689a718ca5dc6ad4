"""Discrete dynamics of the continuous effective models (single state).

- Model B: the CCCP / attention update ``v <- xi^T softmax(beta (xi v + b))``
  (:func:`ebm_memory.energies.softmax_update`). One step retrieves a well-separated pattern
  with error exponentially small in ``beta * separation`` (Ramsauer et al.).
- Model C: ``v <- normalise(sum_mu F'(xi_mu . v_hat) xi_mu)``. For convex ``F`` the new
  direction maximises the linearised attraction over the sphere, so the energy never
  increases (the spherical analogue of CCCP).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._numerics import safe_norm
from ebm_memory.energies.interactions import Interaction
from ebm_memory.energies.streaming import reduce_memories, softmax_expectation

__all__ = ["normalise", "spherical_step"]


def normalise(v: Float[Array, " D"]) -> Float[Array, " D"]:
    """``v / |v|``, leaving the zero vector at zero."""
    norm = safe_norm(v)
    return v / jnp.where(norm > 0, norm, 1.0)


def spherical_step(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    interaction: Interaction,
    *,
    chunk_size: int | None = None,
) -> Float[Array, " D"]:
    """Model C update: the unit vector along the gradient of the attraction at ``v_hat``.

    Returns ``v_hat`` itself when that gradient vanishes.
    """
    direction = normalise(state)
    if interaction.log_domain:
        _, pull = softmax_expectation(
            lambda patterns: interaction.term(patterns @ direction),
            memories,
            interaction.log_scale,
            chunk_size=chunk_size,
        )
    else:
        slope = jax.vmap(jax.grad(interaction.term))
        pull = reduce_memories(
            lambda patterns: slope(patterns @ direction)[:, None] * patterns,
            memories,
            chunk_size=chunk_size,
        )
    new = normalise(pull)
    return jnp.where(safe_norm(pull) > 0, new, direction)
