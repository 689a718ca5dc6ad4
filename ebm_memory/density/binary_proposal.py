"""The importance proposal for binary states: product-Bernoulli flips around centres.

A component is a centre ``c`` (a +-1 state) and a flip probability ``eps_j``; it draws each
bit as ``c_i`` flipped with probability ``eps_j``, so its log probability depends on the
Hamming distance ``d`` alone: ``d log eps_j + (D - d) log(1 - eps_j)``. The mixture over
centres and flip probabilities has weights ``pi_cj = a_c b_j``, adapted to the posterior mass
of the draws with a defensive share (Hesterberg 1995) that keeps every component alive.

Examples
--------
>>> from ebm_memory.density.binary_proposal import flip_probabilities
>>> flip_probabilities(16).tolist()
[0.03125, 0.0625, 0.125, 0.25, 0.5]
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import logsumexp

from ebm_memory._blocks import bucket_size
from ebm_memory.density.binary_weights import overlaps_of, relative_log_weights

__all__ = ["BLOCK", "flip_probabilities", "mixture", "posterior_mass", "weighted_draws"]

DEFENSIVE_SHARE = 0.2
BLOCK = 256


def flip_probabilities(dim: int) -> np.ndarray:
    """The ladder ``eps_j``: ``1 / (2D)`` doubling up to ``1/2`` (the uniform distribution)."""
    ladder = 0.5 / dim * 2.0 ** np.arange(int(np.ceil(np.log2(dim))) + 1)
    return np.append(ladder[ladder < 0.5], 0.5)


def _component_log_probabilities(states, centres, log_flip, log_keep):
    """``log eps_j^d (1 - eps_j)^(D - d)`` for states (B, D) and centres (M, D): (J, B, M)."""
    dim = states.shape[1]
    distance = 0.5 * (dim - overlaps_of(centres, states))
    return (
        distance[None] * log_flip[:, None, None] + (dim - distance)[None] * log_keep[:, None, None]
    )


def _log_proposal(states, centres, log_mix, log_flip, log_keep):
    """``log q(s)`` of states (B, D) under the mixture with log weights ``log_mix`` (J, M)."""

    def add(total, component):
        log_mix_j, log_flip_j, log_keep_j = component
        terms = (
            log_mix_j[None]
            + _component_log_probabilities(states, centres, log_flip_j[None], log_keep_j[None])[0]
        )
        return jnp.logaddexp(total, jax.nn.logsumexp(terms, axis=1)), None

    start = jnp.full(states.shape[0], -jnp.inf, states.dtype)
    total, _ = jax.lax.scan(add, start, (log_mix, log_flip, log_keep))
    return total


def _draw(key, centres, log_mix, flips, n):
    """``n`` states from the mixture: a component by its weight, then independent flips."""
    pick_key, flip_key = jax.random.split(key)
    n_centres = centres.shape[0]
    component = jax.random.categorical(pick_key, log_mix.reshape(-1), shape=(n,))
    ladder, centre = component // n_centres, component % n_centres
    flip = jax.random.uniform(flip_key, (n, centres.shape[1])) < flips[ladder][:, None]
    return jnp.where(flip, -centres[centre], centres[centre])


@functools.partial(jax.jit, static_argnames="n_blocks")
def weighted_draws(
    key, centres, log_mix, flips, memories, reference, temperature, interaction, n_blocks
):
    """``n_blocks x BLOCK`` draws with their ``u(s) = (E(r) - E(s)) / T`` and ``log q(s)``."""
    log_flip, log_keep = jnp.log(flips), jnp.log1p(-flips)

    def block(block_key):
        states = _draw(block_key, centres, log_mix, flips, BLOCK).astype(memories.dtype)
        target = relative_log_weights(states, reference, memories, temperature, interaction)
        return states, target, _log_proposal(states, centres, log_mix, log_flip, log_keep)

    states, target, proposal = jax.lax.map(block, jax.random.split(key, n_blocks))
    return states.reshape(-1, centres.shape[1]), target.reshape(-1), proposal.reshape(-1)


def posterior_mass(states, log_weights, log_proposal, centres, log_mix, flips) -> np.ndarray:
    """``sum_i w_i P(component | s_i)`` for every component, (J, M), weights normalised."""
    normalised = np.exp(log_weights - logsumexp(log_weights))
    mass = _batch_posterior_mass(
        jnp.asarray(states),
        jnp.asarray(normalised, centres.dtype),
        log_proposal,
        centres,
        log_mix,
        flips,
    )
    return np.asarray(mass, np.float64)


@jax.jit
def _batch_posterior_mass(states, normalised_weights, log_proposal, centres, log_mix, flips):
    log_flip, log_keep = jnp.log(flips), jnp.log1p(-flips)

    def block(args):
        block_states, block_weights, block_proposal = args
        logs = log_mix[:, None, :] + _component_log_probabilities(
            block_states, centres, log_flip, log_keep
        )
        posterior = jnp.exp(logs - block_proposal[None, :, None])
        return jnp.einsum("b,jbm->jm", block_weights, posterior)

    blocks = (
        states.reshape(-1, BLOCK, states.shape[1]),
        normalised_weights.reshape(-1, BLOCK),
        log_proposal.reshape(-1, BLOCK),
    )
    return jnp.sum(jax.lax.map(block, blocks), axis=0)


def mixture(centres: np.ndarray, mass: np.ndarray | None, n_flips: int):
    """Centres padded to a bucket size and the log mixture weights (J, M_padded).

    The weights factor as ``pi_cj = a_c b_j``: each factor takes ``1 - DEFENSIVE_SHARE`` of
    its marginal posterior ``mass`` (uniform when None) and an equal part of the rest. The
    product form needs far fewer effective draws to adapt than one weight per component.
    Padding rows get weight zero.
    """
    n_centres = len(centres)
    if mass is None:
        mass = np.ones((n_flips, n_centres))

    def defended(marginal):
        return (1 - DEFENSIVE_SHARE) * marginal / marginal.sum() + DEFENSIVE_SHARE / marginal.size

    mixture = np.outer(defended(mass.sum(axis=1)), defended(mass.sum(axis=0)))
    size = bucket_size(n_centres, 64)
    padded = np.concatenate([centres, np.repeat(centres[:1], size - n_centres, axis=0)])
    with np.errstate(divide="ignore"):
        log_mix = np.log(np.pad(mixture, ((0, 0), (0, size - n_centres))))
    return padded, log_mix
