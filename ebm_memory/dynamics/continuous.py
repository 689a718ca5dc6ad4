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
    """``v / |v|``, leaving the zero vector at zero.

    Parameters
    ----------
    v : jax.Array of shape (D,)
        A vector.

    Returns
    -------
    jax.Array of shape (D,)
        The unit vector along ``v`` (zero for zero).

    See Also
    --------
    ebm_memory.dynamics.spherical_step : The Model C update that returns unit vectors.
    ebm_memory.energies.spherical_energy : An energy invariant to the scale of ``v``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> normalise(jnp.array([3.0, 4.0])).tolist()
    [0.6, 0.8]
    """
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

    Parameters
    ----------
    state : jax.Array of shape (D,)
        One non-zero state.
    memories : jax.Array of shape (K, D)
        The memories ``xi``.
    interaction : Interaction
        ``F``, the interaction of the energy ``-sum_mu F(xi_mu . v_hat)``.
    chunk_size : int, optional
        Stream the memories, this many at a time (None: all at once).

    Returns
    -------
    jax.Array of shape (D,)
        The new unit state; ``v_hat`` itself when that gradient vanishes.

    See Also
    --------
    ebm_memory.dynamics.retrieve_spherical : Repeats the step to a fixed point.
    ebm_memory.energies.spherical_energy : The Model C energy of a state.
    ebm_memory.dynamics.normalise : Projection onto the unit sphere.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> memories = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    >>> step = spherical_step(jnp.array([2.0, 0.5]), memories, interactions.exponential(8.0))
    >>> jnp.round(step, 3).tolist()
    [1.0, 0.0]
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
