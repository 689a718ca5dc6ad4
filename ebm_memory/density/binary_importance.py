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

from ebm_memory._blocks import map_blocks
from ebm_memory._validation import check_integer
from ebm_memory.density.binary import PartitionEstimate, check_finite, prepare
from ebm_memory.density.binary_proposal import (
    BLOCK,
    flip_probabilities,
    mixture,
    posterior_mass,
    weighted_draws,
)
from ebm_memory.density.binary_weights import (
    best_state,
    memory_states,
    reference_log_weight,
    relative_log_weights,
)
from ebm_memory.dynamics.binary import synchronous_step
from ebm_memory.dynamics.retrieval import retrieve_binary
from ebm_memory.energies.interactions import Interaction

__all__ = ["PartitionEstimateWarning", "binary_log_partition_estimate"]

MIN_EFFECTIVE_SAMPLES = 100
MIN_ESTIMATED_SHARE = 0.01
DESCENT_SWEEPS = 10
UNKNOWN_RESIDUAL_SAMPLES = 30
MIN_UNKNOWN_SHARE = 1e-6
# relative rounding of a log-sum-exp over up to 2^24 states; log Z's own float64 spacing
# bounds its error below as well
ROUNDING = 1e-13
# overlaps computed for the exact sums near the minima: 2^17 states of 64 memories
MAX_BALL_OVERLAPS = 2**23


class PartitionEstimateWarning(UserWarning):
    """An estimate of ``log Z`` whose importance weights are too uneven to trust."""


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
    """States within a few flips of the centres, at most ``MAX_BALL_OVERLAPS / n_memories``.

    Every centre (heaviest first, while the budget lasts) brings its one-flip neighbours;
    the rest of the budget goes to the heaviest centres' balls of radius 3 (2 above 32
    features). Near a minimum the weight falls by a factor per flipped bit, so at low
    temperature these states hold nearly all of ``Z``: they are summed exactly, not sampled.
    """
    dim = centres.shape[1]
    max_states = min(MAX_BALL_OVERLAPS // n_memories, 2**17)
    heaviest = centres[np.argsort(-log_weights)]
    near = _flip_masks(dim, 1).astype(centres.dtype)
    n_near = max(1, min(len(centres), max_states // (2 * len(near))))
    wide = _flip_masks(dim, 3 if dim <= 32 else 2).astype(centres.dtype)
    n_wide = min(len(centres), (max_states - n_near * len(near)) // len(wide))
    balls = [heaviest[:n_near, None, :] * near[None], heaviest[:n_wide, None, :] * wide[None]]
    return np.concatenate([ball.reshape(-1, dim) for ball in balls])


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

    The error is the delta-method one. With ``n_eff < UNKNOWN_RESIDUAL_SAMPLES`` effective
    draws outside ``V`` a few heavy draws set the residual, which is then known to its order
    only (at 22 features its estimate falls 0.4 to 6.5 times from the truth): the error is
    at least ``share * sqrt(UNKNOWN_RESIDUAL_SAMPLES / n_eff)``, ``share = R / (Z_V + R)``.
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
        error = max(error, share * np.sqrt(UNKNOWN_RESIDUAL_SAMPLES / ess))
    return float(log_total), error, ess, share


class _Seen:
    """The distinct states evaluated so far and their weights ``u(s)``, grown in rounds."""

    def __init__(self, weigh, n_memories: int):
        self.weigh, self.n_memories = weigh, n_memories
        self.states, self.weights = [], []

    def add(self, states: np.ndarray, weights: np.ndarray | None = None) -> None:
        if weights is None:
            weights = map_blocks(self.weigh, states).astype(np.float64)
        self.states.append(states)
        self.weights.append(weights)

    def add_minima(self, minima: np.ndarray) -> None:
        """Add the states within a few flips of ``minima`` (heaviest first), minima included."""
        if len(minima):
            weights = map_blocks(self.weigh, minima).astype(np.float64)
            self.add(minima, weights)
            self.add(_balls(minima, weights, self.n_memories))

    def distinct(self) -> tuple[np.ndarray, np.ndarray]:
        """Keys and weights of the distinct states seen."""
        return _distinct(np.concatenate(self.states), np.concatenate(self.weights))


def _adaptation_round(draws, seen: _Seen, centres, components, n_descents, memories, interaction):
    """New centres and posterior mass after one round of draws; records the draws as seen.

    The mass is taken from the draws not seen before (the part of ``Z`` still to estimate),
    so the next proposal aims where the sum over seen states is missing mass.
    """
    states, target, log_weights, proposal = draws
    padded, log_mix, flips = components
    fresh = ~np.isin(_state_keys(states), _state_keys(np.concatenate(seen.states)))
    mass = None
    if np.any(fresh):
        residual = np.where(fresh, log_weights, -np.inf)
        mass = posterior_mass(states, residual, proposal, padded, log_mix, flips)
        mass = mass[:, : len(centres)]
    seen.add(states, target)
    minima = _minima(states[:n_descents], memories, interaction)
    new = np.unique(minima[~np.isin(_state_keys(minima), _state_keys(centres))], axis=0)
    seen.add_minima(new)
    if mass is not None:
        mass = np.pad(mass, ((0, 0), (0, len(new))))
    return np.concatenate([centres, new]), mass


def _draw_round(key, centres, mass, flips, memories, reference, temperature, interaction, n_blocks):
    """Draws of the mixture over ``centres`` weighted by ``mass``, with their weights."""
    padded, log_mix = mixture(centres, mass, len(flips))
    padded, log_mix = jnp.asarray(padded), jnp.asarray(log_mix, memories.dtype)
    states, target, proposal = weighted_draws(
        key, padded, log_mix, flips, memories, reference, temperature, interaction, n_blocks
    )
    target = np.asarray(target, np.float64)
    log_weights = target - np.asarray(proposal, np.float64)
    check_finite(log_weights, "the importance log-weights")
    return (np.asarray(states), target, log_weights, proposal), (padded, log_mix, flips)


def _warn_if_uneven(log_z, error, ess, share, n_draws) -> None:
    """Warn where the estimated part of ``Z`` rests on too few effective draws: fewer than
    ``MIN_EFFECTIVE_SAMPLES`` carrying over ``MIN_ESTIMATED_SHARE`` of ``Z``, or fewer than
    ``UNKNOWN_RESIDUAL_SAMPLES`` carrying over ``MIN_UNKNOWN_SHARE`` (the error is then an
    order-of-magnitude bound, and mass far from every minimum found may be missing)."""
    uneven = ess < MIN_EFFECTIVE_SAMPLES and share > MIN_ESTIMATED_SHARE
    unknown = ess < UNKNOWN_RESIDUAL_SAMPLES and share > MIN_UNKNOWN_SHARE
    if uneven or unknown:
        warnings.warn(
            f"log Z = {log_z:.6g} +- {error:.2g} rests on uneven importance weights: "
            f"{ess:.0f} effective draws of {n_draws} carry {share:.2g} of Z (trustworthy: "
            f">= {MIN_EFFECTIVE_SAMPLES}); states far from every minimum found may be missing. "
            "Increase the number of draws (n_partition_samples), raise the temperature, or "
            "use at most 20 features for exact enumeration.",
            PartitionEstimateWarning,
            stacklevel=3,
        )


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
        The interaction ``F`` of the energy.
    temperature : float
        Temperature, ``> 0``.
    n_samples : int
        Draws of the final estimate (rounded up to a multiple of 256); each adaptation
        round draws as many.
    n_rounds : int
        Adaptation rounds before the final draws (0: none). Each moves the mixture weights
        and adds as centres the fixed points of descent from ``8 n_restarts`` of its draws.
    n_restarts : int
        Random states whose descent fixed points join the initial centres.

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
    seen = _Seen(
        functools.partial(
            relative_log_weights,
            reference=reference,
            memories=memories,
            temperature=temperature,
            interaction=interaction,
        ),
        len(memories),
    )
    seen.add_minima(centres)
    settings = (memories, reference, temperature, interaction, n_blocks)
    mass = None
    for round_key in draw_keys[:-1]:
        draws, components = _draw_round(round_key, centres, mass, flips, *settings)
        centres, mass = _adaptation_round(
            draws, seen, centres, components, 8 * n_restarts, memories, interaction
        )
    (states, target, log_weights, _), _ = _draw_round(
        draw_keys[-1], centres, mass, flips, *settings
    )
    known_keys, known_weights = seen.distinct()
    unseen = ~np.isin(_state_keys(states), known_keys)
    relative, error, ess, share = _residual_estimate(log_weights, unseen, logsumexp(known_weights))
    seen.add(states, target)
    lower = float(logsumexp(seen.distinct()[1]))
    offset = reference_log_weight(reference, memories, interaction, temperature)
    relative = max(relative, lower)
    error = max(error, ROUNDING * (abs(relative) + 1.0), 4 * float(np.spacing(offset + relative)))
    _warn_if_uneven(offset + relative, error, ess, share, n_blocks * BLOCK)
    return PartitionEstimate(
        offset + relative,
        error,
        np.asarray(reference, np.float64),
        relative,
        offset + lower,
        ess,
        "importance",
    )
