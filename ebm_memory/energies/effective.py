"""Effective single-layer energies of Krotov & Hopfield's Models A, B and C.

All functions take ONE state vector and the memory matrix ``xi`` (K, D); batch with
``jax.vmap(..., in_axes=(0, None, ...))``. ``chunk_size`` streams the memories (see
:mod:`ebm_memory.energies.streaming`).

- Model A (binary neurons):   ``E(s) = -sum_mu F(xi_mu . s)``
- Model B (softmax):          ``E(v) = |v|^2 / 2 - logsumexp(beta (xi v + b)) / beta``,
  with ``b = 0`` for dot similarity and ``b_mu = -|xi_mu|^2 / 2`` for euclidean similarity,
  where it equals ``-logsumexp(-beta |v - xi_mu|^2 / 2) / beta`` (the ClAM / Gaussian KDE
  energy).
- Model C (spherical):        ``E(v) = -sum_mu F(xi_mu . v / |v|)``; with the exponential
  interaction ``-logsumexp(beta xi . v_hat) / beta``

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.energies import effective, interactions
>>> xi = jnp.array([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]])
>>> float(effective.binary_energy(xi[0], xi, interactions.classical()))
-10.0
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._numerics import safe_norm
from ebm_memory._validation import check_positive
from ebm_memory.energies.interactions import Interaction
from ebm_memory.energies.streaming import reduce_memories, softmax_expectation

__all__ = [
    "SIMILARITIES",
    "attention_scores",
    "attraction",
    "binary_energy",
    "softmax_energy",
    "softmax_update",
    "spherical_energy",
]

SIMILARITIES = ("dot", "euclidean")


def _check_state(state, memories, name="state"):
    if state.ndim != 1:
        raise ValueError(
            f"{name} must be one vector of shape (D,), got {state.shape}; batch with jax.vmap."
        )
    if memories.ndim != 2:
        raise ValueError(f"memories must have shape (K, D), got {memories.shape}.")
    if state.shape[0] != memories.shape[1]:
        raise ValueError(
            f"{name} has {state.shape[0]} features but the memories have {memories.shape[1]}."
        )


def attraction(
    overlap_fn, memories: Float[Array, "K D"], interaction: Interaction, chunk_size=None
) -> Array:
    """``sum_mu F(overlap_fn(xi)[mu])``, or its logarithm for log-domain interactions.

    The reduction over memories is streamed; larger is more attractive (lower energy).

    Parameters
    ----------
    overlap_fn : callable
        Maps a block of patterns of shape (S, D) to their overlaps of shape (S,).
    memories : array of shape (K, D)
        The patterns ``xi``.
    interaction : Interaction
        The interaction ``F``.
    chunk_size : int, optional
        Memories per streamed block; None reduces all at once.

    Returns
    -------
    array of shape ()
        The attraction (its logarithm when ``interaction.log_domain``).

    See Also
    --------
    ebm_memory.energies.binary_energy : Model A energy: minus the attraction of the overlaps.
    ebm_memory.energies.spherical_energy : Model C energy: minus the attraction of a unit vector.
    ebm_memory.energies.reduce_memories : The streamed sum over memories it uses.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> xi = jnp.array([[1.0, 0.0], [0.0, 2.0]])
    >>> float(attraction(lambda p: p @ jnp.ones(2), xi, interactions.classical()))
    5.0
    """
    return reduce_memories(
        lambda patterns: interaction.term(overlap_fn(patterns)),
        memories,
        log_scale=interaction.log_scale,
        chunk_size=chunk_size,
    )


def _energy_from_attraction(value, interaction):
    return -jnp.exp(value) if interaction.log_domain else -value


def binary_energy(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    interaction: Interaction,
    *,
    chunk_size: int | None = None,
) -> Float[Array, ""]:
    """Model A energy ``-sum_mu F(xi_mu^T s)`` of a +-1 state ``s``.

    For the exponential interaction the value is ``-exp(logsumexp(beta h))``: exact where it
    is representable and ``-inf`` beyond; retrieval never needs it (it compares attractions
    in the log domain).

    Parameters
    ----------
    state : array of shape (D,)
        One +-1 state ``s``.
    memories : array of shape (K, D)
        The patterns ``xi``.
    interaction : Interaction
        The interaction ``F``, e.g. :func:`~ebm_memory.energies.interactions.classical`.
    chunk_size : int, optional
        Memories per streamed block (memory cost O(chunk_size x D)).

    Returns
    -------
    array of shape ()
        The energy.

    See Also
    --------
    ebm_memory.dynamics.retrieve_binary : Model A retrieval that descends this energy.
    ebm_memory.samplers.sample_gibbs : Gibbs sampling of ``exp(-E / T)`` on +-1 states.
    ebm_memory.energies.interactions.polynomial : An interaction ``F`` to pass.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> xi = jnp.array([[1.0, -1.0], [1.0, 1.0]])
    >>> float(binary_energy(jnp.array([1.0, -1.0]), xi, interactions.polynomial(3)))
    -8.0
    """
    _check_state(state, memories)
    value = attraction(lambda patterns: patterns @ state, memories, interaction, chunk_size)
    return _energy_from_attraction(value, interaction)


def spherical_energy(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    interaction: Interaction,
    *,
    chunk_size: int | None = None,
) -> Float[Array, ""]:
    """Model C energy ``-sum_mu F(xi_mu^T v / |v|)``: invariant to the scale of ``v``.

    For the exponential interaction this is Model C with the log-sum-exp hidden Lagrangian,
    ``-logsumexp(beta xi . v_hat) / beta`` (the spherical counterpart of Model B, whose
    Boltzmann density at ``T = 1 / beta`` is a von Mises-Fisher mixture); it has the same
    minima and dynamics as ``-sum exp(beta xi . v_hat)``.

    Parameters
    ----------
    state : array of shape (D,)
        One state ``v``; only its direction matters (0 at the origin is allowed).
    memories : array of shape (K, D)
        The patterns ``xi``, usually of unit norm.
    interaction : Interaction
        The interaction ``F`` of the cosine overlaps.
    chunk_size : int, optional
        Memories per streamed block.

    Returns
    -------
    array of shape ()
        The energy, the same for ``v`` and ``c v`` with ``c > 0``.

    See Also
    --------
    ebm_memory.dynamics.spherical_step : The Model C update that lowers it.
    ebm_memory.dynamics.retrieve_spherical : Model C retrieval to a fixed point.
    ebm_memory.lagrangians.spherical : The feature Lagrangian ``|x|`` of Model C.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> xi = jnp.eye(2)
    >>> float(spherical_energy(jnp.array([3.0, 0.0]), xi, interactions.classical()))
    -1.0
    """
    _check_state(state, memories)
    norm = safe_norm(state)
    direction = state / jnp.where(norm > 0, norm, 1.0)
    value = attraction(lambda patterns: patterns @ direction, memories, interaction, chunk_size)
    if interaction.log_domain:
        return -value / interaction.log_scale
    return -value


def attention_scores(
    state: Float[Array, " D"], patterns: Float[Array, "S D"], similarity: str
) -> Float[Array, " S"]:
    """``xi v + b``: Model B similarities; the attention logits are ``beta`` times these.

    Parameters
    ----------
    state : array of shape (D,)
        One state ``v``.
    patterns : array of shape (S, D)
        The memories (or a block of them).
    similarity : {"dot", "euclidean"}
        ``b = 0`` for "dot"; ``b_mu = -|xi_mu|^2 / 2`` for "euclidean".

    Returns
    -------
    array of shape (S,)
        One score per pattern.

    See Also
    --------
    ebm_memory.energies.softmax_energy : The Model B energy built on these scores.
    ebm_memory.energies.softmax_update : The attention update they weight.
    ebm_memory.analysis.classify_fixed_points
        Reads the attention ``softmax(beta * scores)`` of a state.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> attention_scores(jnp.ones(2), jnp.array([[1.0, 1.0], [2.0, 0.0]]), "euclidean").tolist()
    [1.0, 0.0]
    """
    if similarity == "dot":
        return patterns @ state
    if similarity == "euclidean":
        return patterns @ state - 0.5 * jnp.sum(patterns**2, axis=-1)
    raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")


def softmax_update(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    beta,
    *,
    similarity: str = "dot",
    chunk_size: int | None = None,
) -> tuple[Float[Array, " D"], Float[Array, ""]]:
    """The CCCP / attention update ``xi^T softmax(beta (xi v + b))`` and the energy at ``v``.

    Both come from one streamed pass over the memories. The update minimises the convex
    upper bound of the energy at ``v``, so the energy never increases (Ramsauer et al.).

    Parameters
    ----------
    state : array of shape (D,)
        The current state ``v``.
    memories : array of shape (K, D)
        The patterns ``xi``.
    beta : float
        Inverse temperature ``> 0``; may be traced.
    similarity : {"dot", "euclidean"}, default "dot"
        Bias of the scores (see :func:`attention_scores`).
    chunk_size : int, optional
        Memories per streamed block.

    Returns
    -------
    update : array of shape (D,)
        The next state.
    energy : array of shape ()
        :func:`softmax_energy` at ``state``.

    See Also
    --------
    ebm_memory.energies.softmax_energy : The energy the update lowers.
    ebm_memory.dynamics.retrieve_softmax : Iterates the update to convergence.
    ebm_memory.energies.softmax_expectation : The streamed softmax average it computes.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> new, energy = softmax_update(jnp.array([0.9, 0.1]), jnp.eye(2), 20.0)
    >>> [round(v, 3) for v in new.tolist()]
    [1.0, 0.0]
    """
    _check_state(state, memories)
    check_positive("beta", beta)
    log_norm, expectation = softmax_expectation(
        lambda patterns: attention_scores(state, patterns, similarity),
        memories,
        beta,
        chunk_size=chunk_size,
    )
    energy = 0.5 * jnp.vdot(state, state) - log_norm / beta
    return expectation, energy


def softmax_energy(
    state: Float[Array, " D"],
    memories: Float[Array, "K D"],
    beta,
    *,
    similarity: str = "dot",
    chunk_size: int | None = None,
) -> Float[Array, ""]:
    """Model B energy ``|v|^2 / 2 - logsumexp(beta (xi v + b)) / beta`` (see module docs).

    ``exp(-beta E)`` is a Gaussian mixture with covariance ``I / beta`` centred on the
    memories: weights ``exp(beta |xi_mu|^2 / 2)`` for dot similarity, equal weights for
    euclidean similarity (a Gaussian KDE with bandwidth ``beta ** -0.5``).

    Parameters
    ----------
    state : array of shape (D,)
        One state ``v``.
    memories : array of shape (K, D)
        The patterns ``xi``.
    beta : float
        Inverse temperature ``> 0``; may be traced.
    similarity : {"dot", "euclidean"}, default "dot"
        Bias ``b`` of the scores (see :func:`attention_scores`).
    chunk_size : int, optional
        Memories per streamed block; None reduces them in one pass.

    Returns
    -------
    array of shape ()
        ``E(v)``, finite for finite inputs.

    See Also
    --------
    ebm_memory.energies.softmax_update : The attention update that descends it.
    ebm_memory.dynamics.retrieve_softmax : Model B retrieval to a fixed point.
    ebm_memory.density.gaussian.log_partition : Its log normaliser in closed form.
    ebm_memory.samplers.MemoryMixture : The normalised density as a numpyro distribution.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> round(float(softmax_energy(jnp.zeros(2), jnp.eye(2), 1.0)), 4)
    -0.6931
    """
    _check_state(state, memories)
    check_positive("beta", beta)
    log_norm = reduce_memories(
        lambda patterns: attention_scores(state, patterns, similarity),
        memories,
        log_scale=beta,
        chunk_size=chunk_size,
    )
    return 0.5 * jnp.vdot(state, state) - log_norm / beta
