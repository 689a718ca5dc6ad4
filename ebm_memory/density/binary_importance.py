"""``log Z`` of Model A above 20 features: importance sampling from the memories' landscape.

The proposal is a mixture of product-Bernoulli distributions, each centred on a +-1 state
``c`` that the energy favours (the memories' sign patterns and, for even ``F``, their
negatives; the fixed points reached from them and from random states) and flipping each bit
independently with probability ``eps_j`` on a ladder from ``1 / (2D)`` to ``1/2`` (the
uniform distribution). Its density is closed-form:

    q(s) = sum_{c, j} pi_{c j} eps_j^{d(s, c)} (1 - eps_j)^{D - d(s, c)},   d = Hamming distance,

so every draw carries an exact importance weight ``exp(-E(s) / T) / q(s)``. The mixture
weights ``pi`` are adapted in rounds to the weighted posterior mass of each component
(population Monte Carlo, Cappé et al. 2004), keeping a fixed share of the initial mixture
(defensive importance sampling, Hesterberg 1995) so weights stay bounded.

The states seen before the final round (centres and adaptation draws) form a set ``V`` whose
weights are summed exactly; fresh draws of the adapted proposal estimate the rest:

    Z = sum_{s in V} exp(-E(s) / T) + E_q[exp(-E(s) / T) / q(s) 1(s not in V)],

unbiased in ``Z`` (``V`` is independent of the final draws), with a delta-method standard
error from the second term alone. At low temperature ``V`` holds nearly all the mass and the
error vanishes with it; at high temperature the sum is the plain importance estimate.

- The log-sum-exp of ``-E / T`` over every distinct state evaluated is a deterministic lower
  bound: the returned ``log Z`` never undercuts it.
- With fewer than 100 effective draws (Kish) while the estimated part holds more than 1% of
  ``Z``, a :class:`PartitionEstimateWarning` gives the figures and what to change.

Examples
--------
>>> import jax
>>> import numpy as np
>>> from ebm_memory.energies import interactions
>>> rng = np.random.default_rng(0)
>>> memories = rng.choice([-1.0, 1.0], size=(3, 24))
>>> fit = binary_log_partition_estimate(
...     jax.random.key(0), memories, interactions.polynomial(3), 8.0, n_samples=2048
... )
>>> fit.method, fit.log_partition >= fit.lower_bound, fit.standard_error < 0.05
('importance', True, True)
"""

from __future__ import annotations

import functools
import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float
from scipy.special import logsumexp

from ebm_memory._blocks import bucket_size, map_blocks
from ebm_memory._validation import check_integer
from ebm_memory.density.binary import (
    PartitionEstimate,
    best_state,
    check_finite,
    memory_states,
    overlaps_of,
    prepare,
    reference_log_weight,
    relative_log_weight,
)
from ebm_memory.dynamics.binary import synchronous_step
from ebm_memory.dynamics.retrieval import retrieve_binary
from ebm_memory.energies.interactions import Interaction

__all__ = ["PartitionEstimateWarning", "binary_log_partition_estimate"]

DEFENSIVE_SHARE = 0.2
BLOCK = 256
MIN_EFFECTIVE_SAMPLES = 100
MIN_ESTIMATED_SHARE = 0.01
DESCENT_SWEEPS = 10
UNKNOWN_RESIDUAL_SAMPLES = 30
# relative rounding of a log-sum-exp over up to 2^24 states; log Z's own float64 spacing
# bounds its error below as well
ROUNDING = 1e-13
# overlaps computed for the exact sums near the minima: 2^17 states of 64 memories
MAX_BALL_OVERLAPS = 2**23


class PartitionEstimateWarning(UserWarning):
    """An estimate of ``log Z`` whose importance weights are too uneven to trust."""


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
        terms = log_mix_j[None] + _component_log_probabilities(
            states, centres, log_flip_j[None], log_keep_j[None]
        )[0]
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
def _weighted_draws(key, centres, log_mix, flips, memories, reference, temperature, interaction, n_blocks):
    """``n_blocks x BLOCK`` draws with their ``u(s) = (E(r) - E(s)) / T`` and ``log q(s)``."""
    log_flip, log_keep = jnp.log(flips), jnp.log1p(-flips)

    def block(block_key):
        states = _draw(block_key, centres, log_mix, flips, BLOCK).astype(memories.dtype)
        target = _weigh(states, memories, reference, temperature, interaction)
        return states, target, _log_proposal(states, centres, log_mix, log_flip, log_keep)

    states, target, proposal = jax.lax.map(block, jax.random.split(key, n_blocks))
    return states.reshape(-1, centres.shape[1]), target.reshape(-1), proposal.reshape(-1)


def _posterior_mass(states, log_weights, log_proposal, centres, log_mix, flips) -> np.ndarray:
    """``sum_i w_i P(component | s_i)`` for every component, (J, M), weights normalised."""
    normalised = np.exp(log_weights - logsumexp(log_weights))
    mass = _batch_posterior_mass(
        jnp.asarray(states), jnp.asarray(normalised, centres.dtype), log_proposal, centres,
        log_mix, flips,
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


def _minima(starts, memories, interaction) -> np.ndarray:
    """The states that ``DESCENT_SWEEPS`` sweeps of asynchronous descent reach from each of
    ``starts`` (N, D): fixed points, or low-energy states on the way to one. Starts that are
    fixed points already (often all the memories) are returned without a descent."""
    starts = np.array(starts, memories.dtype)
    moving = ~np.asarray(_is_fixed(jnp.asarray(starts), memories, interaction))
    if np.any(moving):
        moved = retrieve_binary(starts[moving], memories, interaction, max_iter=DESCENT_SWEEPS)
        starts[moving] = np.asarray(moved.states, memories.dtype)
    return starts


@jax.jit
def _is_fixed(states, memories, interaction):
    """Whether no single flip lowers the energy of each state (N, D)."""
    step = functools.partial(synchronous_step, memories=memories, interaction=interaction)
    return jnp.all(jax.vmap(step)(states) == states, axis=1)


def _initial_centres(key, memories, interaction, n_restarts) -> np.ndarray:
    """Distinct +-1 states the energy favours: memory signs (and negatives where ``F`` is
    even), and the fixed points of descent from them and from ``n_restarts`` random states."""
    signs = memory_states(memories)
    if not _is_even(interaction):
        signs = signs[: len(memories)]
    starts = jax.random.rademacher(key, (n_restarts, memories.shape[1]), memories.dtype)
    starts = np.concatenate([signs, np.asarray(starts)])
    return np.unique(np.concatenate([signs, _minima(starts, memories, interaction)]), axis=0)


def _flip_masks(dim: int, radius: int) -> np.ndarray:
    """Sign masks of every set of at most ``radius`` bits, (sum_k C(D, k), D)."""
    masks = [np.ones((1, dim))]
    for size in range(1, radius + 1):
        subsets = np.array(list(itertools.combinations(range(dim), size)))
        mask = np.ones((len(subsets), dim))
        np.put_along_axis(mask, subsets, -1.0, axis=1)
        masks.append(mask)
    return np.concatenate(masks)


def _balls(centres: np.ndarray, log_weights: np.ndarray, n_memories: int) -> np.ndarray:
    """Every state within Hamming distance 3 (2 above 32 features) of the heaviest centres,
    at most ``MAX_BALL_OVERLAPS / n_memories`` states in all.

    Near a minimum the weight falls by a factor per flipped bit, so at low temperature these
    states hold nearly all of ``Z``: they are summed exactly, not sampled.
    """
    dim = centres.shape[1]
    masks = _flip_masks(dim, 3 if dim <= 32 else 2).astype(centres.dtype)
    max_states = min(MAX_BALL_OVERLAPS // n_memories, 2**17)
    n_centres = max(1, min(len(centres), max_states // len(masks)))
    heaviest = centres[np.argsort(-log_weights)[:n_centres]]
    return (heaviest[:, None, :] * masks[None]).reshape(-1, dim)


def _mixture(centres: np.ndarray, mass: np.ndarray | None, n_flips: int):
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


def _is_even(interaction: Interaction) -> bool:
    probe = jnp.linspace(-3.0, 3.0, 13)
    terms = interaction.term(probe)
    return bool(jnp.allclose(terms, terms[::-1])) and not interaction.log_domain


def _state_keys(states: np.ndarray) -> np.ndarray:
    """One hashable byte string per +-1 row."""
    packed = np.packbits(np.asarray(states) > 0, axis=1)
    return packed.view(np.dtype((np.void, packed.shape[1]))).ravel()


def _distinct(states: np.ndarray, log_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows' keys and their log-weights."""
    keys, first = np.unique(_state_keys(states), return_index=True)
    return keys, log_weights[first]


def _residual_estimate(log_weights, unseen, log_known):
    """``log(Z_V + R)``, ``R = mean(w 1(unseen))``, its error, the residual's Kish ESS and
    ``R``'s share of the total.

    The error is the delta-method one; with fewer than ``UNKNOWN_RESIDUAL_SAMPLES`` effective
    draws outside ``V`` the residual is known to its order only (a few heavy draws set it),
    so the error is at least its share ``R / (Z_V + R)``, the change in ``log Z`` were it
    doubled.
    """
    n = len(log_weights)
    residual = np.where(unseen, log_weights, -np.inf)
    log_residual = logsumexp(residual) - np.log(n)
    log_total = np.logaddexp(log_known, log_residual)
    scaled = np.exp(residual - log_total)
    error = float(np.sqrt(np.var(scaled, ddof=1) / n))
    squares = np.sum(scaled**2)
    ess = float(np.sum(scaled) ** 2 / squares) if squares > 0 else np.inf
    share = float(np.exp(log_residual - log_total))
    if ess < UNKNOWN_RESIDUAL_SAMPLES:
        error = max(error, share)
    return float(log_total), error, ess, share


def binary_log_partition_estimate(
    key,
    memories: Float[Array, "K D"],
    interaction: Interaction,
    temperature: float = 1.0,
    *,
    n_samples: int = 4096,
    n_rounds: int = 3,
    n_restarts: int = 64,
) -> PartitionEstimate:
    """Estimate ``log Z`` of a binary model by importance sampling around its memories.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    memories : array of shape (n_memories, n_features)
        The patterns ``xi``.
    interaction : Interaction
        The interaction function ``F``.
    temperature : float
        ``T > 0``.
    n_samples : int
        Draws of the final estimate (rounded up to a multiple of 256); each adaptation
        round draws as many.
    n_rounds : int
        Adaptation rounds before the final draws (0: none). Each moves the mixture weights
        and adds as centres the fixed points of descent from ``8 n_restarts`` of its draws.
    n_restarts : int
        Random states whose descent fixed points join the initial centres; each
        adaptation round descends from eight times as many of its draws.

    Returns
    -------
    PartitionEstimate
        ``log Z`` (``max`` of the estimate and the lower bound), its standard error, the
        reference state (best centre), the lower bound and the effective sample size of the
        final draws outside ``V``. A :class:`PartitionEstimateWarning` is issued when those
        weights are too uneven to trust.

    Raises
    ------
    ValueError
        If ``temperature <= 0``, the memories are not (K, D), or a weight is not finite.
    """
    memories = prepare(memories, temperature)
    n_blocks = -(-check_integer("n_samples", n_samples, minimum=2) // BLOCK)
    n_rounds = check_integer("n_rounds", n_rounds, minimum=0)
    n_restarts = check_integer("n_restarts", n_restarts, minimum=0)
    centre_key, *draw_keys = jax.random.split(key, n_rounds + 2)
    centres = _initial_centres(centre_key, memories, interaction, n_restarts)
    reference = jnp.asarray(best_state(centres, memories, interaction, temperature))
    flips = jnp.asarray(flip_probabilities(memories.shape[1]), memories.dtype)
    weigh = functools.partial(
        _weigh, memories=memories, reference=reference, temperature=temperature,
        interaction=interaction,
    )
    centre_weights = map_blocks(weigh, centres).astype(np.float64)
    balls = _balls(centres, centre_weights, len(memories))
    seen_states = [centres, balls]
    seen_weights = [centre_weights, map_blocks(weigh, balls).astype(np.float64)]
    mass = None
    for round_key in draw_keys:
        padded, log_mix = _mixture(centres, mass, len(flips))
        padded, log_mix = jnp.asarray(padded), jnp.asarray(log_mix, memories.dtype)
        states, target, proposal = _weighted_draws(
            round_key, padded, log_mix, flips, memories, reference, temperature,
            interaction, n_blocks,
        )
        states, target = np.asarray(states), np.asarray(target, np.float64)
        log_weights = target - np.asarray(proposal, np.float64)
        check_finite(log_weights, "the importance log-weights")
        if round_key is draw_keys[-1]:
            break
        fresh = ~np.isin(_state_keys(states), _state_keys(np.concatenate(seen_states)))
        if np.any(fresh):
            residual = np.where(fresh, log_weights, -np.inf)
            mass = _posterior_mass(states, residual, proposal, padded, log_mix, flips)
        minima = _minima(states[: 8 * n_restarts], memories, interaction)
        new = np.unique(minima[~np.isin(_state_keys(minima), _state_keys(centres))], axis=0)
        centres = np.concatenate([centres, new])
        if mass is not None:
            mass = np.pad(mass[:, : len(centres) - len(new)], ((0, 0), (0, len(new))))
        seen_states.append(states)
        seen_weights.append(target)
        if len(new):
            new_weights = map_blocks(weigh, new).astype(np.float64)
            new_balls = _balls(new, new_weights, len(memories))
            seen_states += [new, new_balls]
            seen_weights += [new_weights, map_blocks(weigh, new_balls).astype(np.float64)]
    known_keys, known_weights = _distinct(np.concatenate(seen_states), np.concatenate(seen_weights))
    unseen = ~np.isin(_state_keys(states), known_keys)
    relative, error, ess, share = _residual_estimate(log_weights, unseen, logsumexp(known_weights))
    _, all_weights = _distinct(
        np.concatenate([*seen_states, states]), np.concatenate([*seen_weights, target])
    )
    lower = float(logsumexp(all_weights))
    offset = reference_log_weight(reference, memories, interaction, temperature)
    relative = max(relative, lower)
    error = max(error, ROUNDING * (abs(relative) + 1.0), 4 * float(np.spacing(abs(offset + relative))))
    if ess < MIN_EFFECTIVE_SAMPLES and share > MIN_ESTIMATED_SHARE:
        warnings.warn(
            f"log Z = {offset + relative:.6g} +- {error:.2g} rests on uneven importance "
            f"weights: {ess:.0f} effective draws of {n_blocks * BLOCK} carry {share:.0%} of Z "
            f"(trustworthy: >= {MIN_EFFECTIVE_SAMPLES}). Increase the number of draws "
            "(n_partition_samples), raise the temperature, or use at most 20 features for "
            "exact enumeration.",
            PartitionEstimateWarning,
            stacklevel=2,
        )
    return PartitionEstimate(
        offset + relative, error, np.asarray(reference, np.float64), relative,
        offset + lower, ess, "importance",
    )


@jax.jit
def _weigh(states, memories, reference, temperature, interaction):
    """``u(s) = (E(r) - E(s)) / T`` of states (N, D)."""
    reference_overlaps = overlaps_of(memories, reference[None])[0]
    return jax.vmap(
        lambda h: relative_log_weight(h, reference_overlaps, interaction, temperature)
    )(overlaps_of(memories, states))
