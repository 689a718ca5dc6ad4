"""Noisy recall: retrieval with internal noise annealed to zero, then exact descent.

Deterministic retrieval stops at the first fixed point it meets, possibly a spurious mixture
state. Moderate internal noise during recall lowers the final error (Karbasi et al., "Noise-
enhanced associative memories", 2013); in the classical Hopfield net, symmetric mixtures lose
stability at ``T ~ 0.46`` while retrieval states survive to ``T ~ 1`` at low loading (Amit,
Gutfreund & Sompolinsky). Noise annealed from ``T0`` to zero escapes spurious minima while the
retrieval basin still holds the state; a final zero-temperature descent makes the result a true
fixed point of the deterministic dynamics.

- :func:`annealed_binary_recall` (Model A): heat-bath Gibbs sweeps at ``T_t = T0 (1 - t / S)``,
  ``t = 0, ..., S - 1``, then :func:`~ebm_memory.dynamics.retrieve_binary` to a fixed point.
- :func:`annealed_langevin_recall` (Model B): Langevin steps on the same schedule, then the
  CCCP / attention update to convergence (:func:`~ebm_memory.dynamics.retrieve_softmax`).

``T0 = 0`` leaves Model A probes unchanged (the result is that of ``retrieve_binary``, bit for
bit) and is plain gradient descent for Model B. Probes are batched with ``vmap``, each with its
own split of the key; the noisy phase is one jitted ``lax.scan`` with a traced temperature.

Examples
--------
Probes at the 3-mixtures of 5 patterns (loading 0.05): deterministic retrieval stays next to
the mixtures, annealing from ``T0 = 0.4`` reaches one of the mixed patterns.

>>> import itertools
>>> import jax
>>> import numpy as np
>>> from ebm_memory.energies import interactions
>>> patterns = np.random.default_rng(0).choice([-1.0, 1.0], size=(5, 100))
>>> memories = patterns / np.sqrt(200)  # temperature in the units of Amit et al.
>>> triples = np.array(list(itertools.combinations(range(5), 3)))
>>> probes = np.sign(patterns[triples].sum(axis=1))
>>> def error(result):  # bit error against the nearest of the three mixed patterns
...     wrong = np.asarray(result.states)[:, None] != patterns[triples]
...     return wrong.mean(axis=2).min(axis=1).mean()
>>> cold, warm = (annealed_binary_recall(jax.random.key(0), memories, interactions.classical(),
...     probes, temperature=t0, num_sweeps=30) for t0 in (0.0, 0.4))
>>> bool(error(warm) < error(cold) / 2)
True
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float

from ebm_memory._validation import as_mask, as_states, check_integer, check_positive, is_concrete
from ebm_memory.dynamics import retrieve_binary, retrieve_softmax
from ebm_memory.energies import softmax_energy
from ebm_memory.energies.effective import SIMILARITIES
from ebm_memory.energies.interactions import Interaction
from ebm_memory.samplers.gibbs import gibbs

__all__ = ["NoisyRecall", "annealed_binary_recall", "annealed_langevin_recall"]


class NoisyRecall(NamedTuple):
    """Result of a noisy recall (leading batch axis when a batch of probes was given).

    Parameters
    ----------
    states : array of shape (..., D)
        Fixed points reached by the final zero-temperature descent.
    energies : array of shape (...)
        Energy of ``states``.
    converged : bool array of shape (...)
        Whether the final descent converged within ``max_iter``.
    annealed : array of shape (..., D)
        States at the end of the noisy phase, before the final descent.

    See Also
    --------
    ebm_memory.samplers.annealed_binary_recall : Returns one for Model A.
    ebm_memory.samplers.annealed_langevin_recall : Returns one for Model B.

    Examples
    --------
    >>> from ebm_memory.energies import interactions
    >>> memories = np.array([[1.0, -1.0, 1.0, -1.0]]) / np.sqrt(8)
    >>> result = annealed_binary_recall(jax.random.key(0), memories, interactions.classical(),
    ...     np.ones(4), temperature=0.1, num_sweeps=5)
    >>> result.states.shape, result.annealed.shape, bool(result.converged)
    ((4,), (4,), True)
    """

    states: Float[Array, "... D"]
    energies: Float[Array, ...]
    converged: Bool[Array, ...]
    annealed: Float[Array, "... D"]


def _schedule(temperature, length: int, dtype) -> Float[Array, " S"]:
    """Linear annealing ``T0 (1 - t / length)``, ``t = 0, ..., length - 1``: > 0 if T0 > 0."""
    return temperature * (1.0 - jnp.arange(length, dtype=dtype) / length)


def _validate(probes, memories, temperature, num_steps_name, num_steps):
    probes, memories = as_states("probes", probes, memories)
    check_positive("temperature", temperature, allow_zero=True)
    check_integer(num_steps_name, num_steps, minimum=0)
    return probes, memories


def _batched(probes, mask):
    """(B, D) probes and mask plus whether the input was already a batch."""
    mask = jnp.zeros(probes.shape, bool) if mask is None else as_mask(mask, probes)
    if probes.ndim == 2:
        return probes, mask, True
    return probes[None], mask[None], False


def _finish(retrieval, annealed, batch: bool) -> NoisyRecall:
    result = NoisyRecall(retrieval.states, retrieval.energies, retrieval.converged, annealed)
    return result if batch else jax.tree.map(lambda leaf: leaf[0], result)


@functools.partial(jax.jit, static_argnames="num_sweeps")
def _anneal_binary(key, memories, probes, clamped, temperature, interaction, num_sweeps):
    schedule = _schedule(temperature, num_sweeps, memories.dtype)

    def one(probe_key, probe, clamp):
        def sweep(spins, inputs):
            sweep_key, current = inputs
            hot = current > 0
            # At T0 = 0 the kernel is built at a dummy temperature and its move discarded.
            kernel = gibbs(memories, interaction, jnp.where(hot, current, 1.0))
            state, _ = kernel.step(sweep_key, kernel.init(spins))
            return jnp.where(hot & ~clamp, state.spins, spins), None

        keys = jax.random.split(probe_key, num_sweeps)
        spins, _ = jax.lax.scan(sweep, probe, (keys, schedule))
        return spins

    return jax.vmap(one)(jax.random.split(key, probes.shape[0]), probes, clamped)


def annealed_binary_recall(
    key,
    memories: Float[Array, "K D"],
    interaction: Interaction,
    probes: Float[Array, "B D"],
    *,
    temperature: float,
    num_sweeps: int,
    mask=None,
    max_iter: int = 100,
) -> NoisyRecall:
    """Model A recall by annealed heat-bath Gibbs sweeps, then asynchronous descent.

    Parameters
    ----------
    key : PRNG key
        Each probe gets its own split, each sweep its own split of that.
    memories : array of shape (K, D)
        The patterns of ``E(s) = -sum_mu F(xi_mu . s)``; their scale sets that of ``T``. For
        ``F(x) = x^2`` and +-1 patterns divided by ``sqrt(2 D)``, ``p(s_i = 1) = sigmoid(2 h_i /
        T)`` with ``h_i = sum_mu xi_mu,i sum_{j != i} xi_mu,j s_j / D``: Amit et al.'s ``T``.
    interaction : Interaction
        The interaction ``F`` (static: one compilation per interaction and shapes).
    probes : array of shape (D,) or (B, D)
        Starting states, entries in ``{-1, +1}``.
    temperature : float
        Initial temperature ``T0 >= 0``; sweep ``t`` runs at ``T0 (1 - t / num_sweeps)``.
        ``T0 = 0`` skips the noise: the result equals :func:`retrieve_binary` exactly.
    num_sweeps : int
        Number of noisy sweeps (>= 0; static), each visiting every bit once in random order.
    mask : bool array of shape (D,) or (B, D), optional
        True marks known bits that keep their probe values: re-imposed after every noisy sweep
        (within a sweep they are visited, so this perturbs the clamped problem rather than
        sampling it exactly), never updated by the final descent.
    max_iter : int
        Sweep limit of the final descent (asynchronous sweeps always converge).

    Returns
    -------
    NoisyRecall
        ``states`` are fixed points of the asynchronous zero-temperature dynamics.

    Raises
    ------
    ValueError
        For a negative temperature, mismatched shapes, or a probe entry other than +-1.
    TypeError
        If ``interaction`` is not an :class:`Interaction`.

    See Also
    --------
    ebm_memory.dynamics.retrieve_binary : Noiseless Model A retrieval.
    ebm_memory.samplers.sample_gibbs : Gibbs sampling at a fixed temperature.
    ebm_memory.analysis.noise_benefit : Retrieval error against the initial temperature.

    Examples
    --------
    >>> from ebm_memory.dynamics import retrieve_binary
    >>> from ebm_memory.energies import interactions
    >>> rng = np.random.default_rng(0)
    >>> memories = rng.choice([-1.0, 1.0], size=(5, 100)) / np.sqrt(200)
    >>> probes = rng.choice([-1.0, 1.0], size=(10, 100))
    >>> result = annealed_binary_recall(jax.random.key(0), memories, interactions.classical(),
    ...     probes, temperature=0.0, num_sweeps=30)
    >>> expected = retrieve_binary(probes, memories, interactions.classical())
    >>> bool(np.array_equal(result.states, expected.states)), result.states.shape
    (True, (10, 100))
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(f"interaction must be an Interaction, got {type(interaction).__name__}.")
    probes, memories = _validate(probes, memories, temperature, "num_sweeps", num_sweeps)
    if is_concrete(probes) and not np.all(np.abs(np.asarray(probes)) == 1):
        raise ValueError("probes must contain only -1 and +1.")
    batched, clamped, batch = _batched(probes, mask)
    annealed = _anneal_binary(key, memories, batched, clamped, temperature, interaction, num_sweeps)
    retrieval = retrieve_binary(annealed, memories, interaction, max_iter=max_iter, mask=clamped)
    return _finish(retrieval, annealed, batch)


@functools.partial(jax.jit, static_argnames=("similarity", "num_steps"))
def _anneal_langevin(key, memories, beta, probes, temperature, step_size, similarity, num_steps):
    schedule = _schedule(temperature, num_steps, memories.dtype)
    energy_grad = jax.grad(functools.partial(softmax_energy, similarity=similarity))

    def one(probe_key, probe):
        def step(position, inputs):
            step_key, current = inputs
            noise = jax.random.normal(step_key, position.shape, position.dtype)
            drift = position - step_size * energy_grad(position, memories, beta)
            return drift + jnp.sqrt(2.0 * step_size * current) * noise, None

        keys = jax.random.split(probe_key, num_steps)
        position, _ = jax.lax.scan(step, probe, (keys, schedule))
        return position

    return jax.vmap(one)(jax.random.split(key, probes.shape[0]), probes)


def annealed_langevin_recall(
    key,
    memories: Float[Array, "K D"],
    beta: float,
    probes: Float[Array, "B D"],
    *,
    temperature: float,
    num_steps: int,
    step_size: float,
    similarity: str = "dot",
    max_iter: int = 100,
    tol: float = 1e-6,
) -> NoisyRecall:
    """Model B recall by annealed Langevin dynamics, then the CCCP update to convergence.

    Each step is ``x <- x - h grad E(x) + sqrt(2 h T_t) z`` with ``z ~ N(0, I)`` and
    ``T_t = T0 (1 - t / num_steps)``; at fixed ``T`` it is the unadjusted Langevin kernel for
    ``exp(-E / T)`` (:func:`~ebm_memory.samplers.kernels.ula` with potential ``E / T`` and
    inverse mass ``T``), written out so that ``T = 0`` is exact gradient descent.

    Parameters
    ----------
    key : PRNG key
        Split once per probe, then once per Langevin step.
    memories : array of shape (K, D)
        The patterns ``xi`` of the softmax energy.
    beta : float
        Inverse temperature of the softmax energy (> 0); at ``T = 1 / beta`` the Langevin
        target is the Gaussian mixture of :func:`~ebm_memory.energies.softmax_energy`.
    probes : array of shape (D,) or (B, D)
        Starting states (real-valued).
    temperature : float
        Initial noise temperature ``T0 >= 0``.
    num_steps : int
        Langevin steps (>= 0; static).
    step_size : float
        Step size ``h > 0``. The Hessian of ``E`` is ``I - beta Cov(xi)`` (covariance under
        the attention weights), with eigenvalues at most 1, so descent is stable for ``h < 2``;
        ``h = 1`` without noise is exactly the CCCP update ``xi^T softmax(beta (xi x + b))``.
    similarity : {"dot", "euclidean"}, default "dot"
        Bias of the scores, as in :func:`~ebm_memory.energies.softmax_energy`.
    max_iter : int, default 100
        Iteration limit of the final CCCP descent.
    tol : float, default 1e-6
        Convergence tolerance of the final CCCP descent (see :func:`retrieve_softmax`).

    Returns
    -------
    NoisyRecall
        ``states`` are fixed points of the CCCP / attention update (to ``tol``).

    Raises
    ------
    ValueError
        For a negative temperature, non-positive ``beta`` or ``step_size``, mismatched shapes.

    See Also
    --------
    ebm_memory.dynamics.retrieve_softmax : Noiseless Model B retrieval.
    ebm_memory.samplers.annealed_binary_recall : The Model A counterpart.
    ebm_memory.samplers.sample : Langevin sampling at a fixed temperature.

    Examples
    --------
    >>> patterns = np.random.default_rng(0).choice([-1.0, 1.0], size=(10, 32))
    >>> result = annealed_langevin_recall(jax.random.key(1), patterns, 0.5, patterns[:3],
    ...     temperature=0.5, num_steps=50, step_size=0.1)
    >>> bool(np.allclose(result.states, patterns[:3], atol=1e-3))
    True
    """
    check_positive("beta", beta)
    check_positive("step_size", step_size)
    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
    probes, memories = _validate(probes, memories, temperature, "num_steps", num_steps)
    batched, _, batch = _batched(probes, None)
    annealed = _anneal_langevin(
        key, memories, beta, batched, temperature, step_size, similarity, num_steps
    )
    retrieval = retrieve_softmax(
        annealed, memories, beta, similarity=similarity, max_iter=max_iter, tol=tol
    )
    return _finish(retrieval, annealed, batch)
