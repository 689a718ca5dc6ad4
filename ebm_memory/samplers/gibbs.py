"""Heat-bath Gibbs sampling of Model A: ``p(s) = exp(-E(s) / T) / Z`` on ``{-1, +1}^D``.

The energy is ``E(s) = -sum_mu F(xi_mu . s)``. A sweep visits every bit once, in a fresh
uniformly random order (a random permutation per sweep), and draws it from its exact
conditional: ``s_i = +1`` with probability ``sigmoid((A(+1) - A(-1)) / T)``, where
``A(+-1) = sum_mu F(h_mu - s_i xi_mu,i +- xi_mu,i)`` is the attraction with bit ``i`` set to
``+-1``. Each single-bit update leaves ``p`` invariant, so any composition of them does;
averaged over the random order the sweep kernel is also reversible (a sweep and its reverse
order are equally likely).

The K overlaps ``h = xi s`` are carried in the state, so a bit costs O(K) and a sweep
O(K D); they are recomputed from the spins at the end of each sweep (also O(K D)), so
rounding cannot accumulate over sweeps. For the exponential interaction the attractions are
carried as ``log A = logsumexp(beta h)`` and the difference is formed as
``sign(d) exp(max(log A) + log(1 - exp(-|d|)) - log T)`` with ``d = log A(+1) - log A(-1)``:
no overflow or ``inf - inf`` at any scale (the log-odds may be ``+-inf``: a deterministic
bit).

Blackjax style: :func:`gibbs` returns a :class:`GibbsKernel` of pure ``init`` / ``step``
functions (settings by closure, nothing jitted inside); :func:`sample_gibbs` is the jitted
driver (chains by ``vmap``, sweeps by ``lax.scan``).

Examples
--------
>>> import jax
>>> import jax.numpy as jnp
>>> from ebm_memory.energies import interactions
>>> from ebm_memory.samplers.gibbs import sample_gibbs
>>> memories = 0.3 * jnp.array([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0]])
>>> draws = sample_gibbs(jax.random.key(0), memories, interactions.classical(), 1.0,
...                      jnp.ones((2, 4)), num_samples=5, num_warmup=3)
>>> draws.shape
(2, 5, 4)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from ebm_memory._numerics import scaled_logsumexp
from ebm_memory._validation import as_float_array, check_integer, check_positive, is_concrete
from ebm_memory.energies.interactions import Interaction

__all__ = ["GibbsInfo", "GibbsKernel", "GibbsState", "gibbs", "sample_gibbs"]


class GibbsState(NamedTuple):
    """State of one chain: the spins and their overlaps with the memories.

    Attributes
    ----------
    spins : (D,) array
        +-1 values in the memories' dtype.
    overlaps : (K,) array
        ``memories @ spins``.
    """

    spins: Float[Array, " D"]
    overlaps: Float[Array, " K"]


class GibbsInfo(NamedTuple):
    """Per-sweep information.

    Attributes
    ----------
    num_flips : int array, shape ()
        Bits whose value changed during the sweep.
    """

    num_flips: Int[Array, ""]


class GibbsKernel(NamedTuple):
    """``init(spins) -> GibbsState`` and ``step(key, state) -> (GibbsState, GibbsInfo)``."""

    init: Callable
    step: Callable


def _overlaps(memories, spins):
    return jnp.matmul(memories, spins, precision=jax.lax.Precision.HIGHEST)


def _log_odds(plus, minus, interaction: Interaction, temperature):
    """``(A(+1) - A(-1)) / T`` from the overlaps with the bit set to +1 and to -1."""
    if not interaction.log_domain:
        return jnp.sum(interaction.term(plus) - interaction.term(minus)) / temperature
    scale = interaction.log_scale
    log_plus = scaled_logsumexp(interaction.term(plus), scale)
    log_minus = scaled_logsumexp(interaction.term(minus), scale)
    gap = log_plus - log_minus
    # log |A+ - A-| = max(log A) + log(1 - exp(-|gap|)); -inf (log-odds 0) when gap == 0.
    log_size = jnp.maximum(log_plus, log_minus) + jnp.log(-jnp.expm1(-jnp.abs(gap)))
    return jnp.sign(gap) * jnp.exp(log_size - jnp.log(temperature))


def gibbs(memories: Float[Array, "K D"], interaction: Interaction, temperature=1.0) -> GibbsKernel:
    """Heat-bath Gibbs kernel for Model A at temperature ``T`` (one random-order sweep/step).

    Parameters
    ----------
    memories : (K, D) array
        The patterns ``xi``; the spins and draws take their dtype.
    interaction : Interaction
        The interaction function ``F``.
    temperature : float or traced scalar
        ``T > 0`` (checked when concrete).

    Returns
    -------
    GibbsKernel
        ``init(spins (D,)) -> GibbsState``; ``step(key, state) -> (GibbsState, GibbsInfo)``
        makes one sweep: every bit once, in a random permutation drawn from ``key``.

    Raises
    ------
    ValueError
        If ``temperature`` is not finite and positive or the memories are not 2-D.

    Examples
    --------
    >>> import jax
    >>> import jax.numpy as jnp
    >>> from ebm_memory.energies import interactions
    >>> memories = jnp.array([[1.0, -1.0, 1.0]])
    >>> kernel = gibbs(memories, interactions.classical(), temperature=0.5)
    >>> state, info = kernel.step(jax.random.key(0), kernel.init(jnp.ones(3)))
    >>> bool(jnp.allclose(state.overlaps, memories @ state.spins))
    True
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(f"interaction must be an Interaction, got {type(interaction).__name__}.")
    check_positive("temperature", temperature)
    if memories.ndim != 2:
        raise ValueError(f"memories must have shape (K, D), got {tuple(memories.shape)}.")
    columns = memories.T

    def init(spins: Float[Array, " D"]) -> GibbsState:
        spins = jnp.asarray(spins, memories.dtype)
        return GibbsState(spins, _overlaps(memories, spins))

    def step(key, state: GibbsState) -> tuple[GibbsState, GibbsInfo]:
        order_key, noise_key = jax.random.split(key)
        order = jax.random.permutation(order_key, memories.shape[1])
        # s_i = +1 iff logistic noise < log-odds: probability sigmoid(log-odds) exactly.
        noise = jax.random.logistic(noise_key, (memories.shape[1],), memories.dtype)

        def visit(carry, update):
            spins, overlaps = carry
            bit, threshold = update
            column = columns[bit]
            rest = overlaps - spins[bit] * column
            log_odds = _log_odds(rest + column, rest - column, interaction, temperature)
            value = jnp.where(threshold < log_odds, 1.0, -1.0).astype(spins.dtype)
            return (spins.at[bit].set(value), rest + value * column), None

        (spins, _), _ = jax.lax.scan(visit, tuple(state), (order, noise))
        flips = jnp.sum(spins != state.spins)
        return GibbsState(spins, _overlaps(memories, spins)), GibbsInfo(flips)

    return GibbsKernel(init, step)


@functools.partial(jax.jit, static_argnames=("num_samples", "num_warmup"))
def _run(key, memories, temperature, init_spins, interaction, num_samples, num_warmup):
    def one_chain(chain_key, spins):
        kernel = gibbs(memories, interaction, temperature)
        warm_key, sample_key = jax.random.split(chain_key)

        def sweep(state, step_key):
            state, _ = kernel.step(step_key, state)
            return state, state.spins

        state, _ = jax.lax.scan(sweep, kernel.init(spins), jax.random.split(warm_key, num_warmup))
        _, draws = jax.lax.scan(sweep, state, jax.random.split(sample_key, num_samples))
        return draws

    keys = jax.random.split(key, init_spins.shape[0])
    return jax.vmap(one_chain)(keys, init_spins)


def sample_gibbs(
    key,
    memories: Float[Array, "K D"],
    interaction: Interaction,
    temperature,
    init_spins: Float[Array, "C D"],
    num_samples: int,
    num_warmup: int = 100,
) -> Float[Array, "C N D"]:
    """Run ``C`` independent Gibbs chains on Model A; keep every sweep after the warm-up.

    Parameters
    ----------
    key : PRNG key
        Split once per chain, then once per sweep.
    memories : array of shape (K, D)
        The patterns ``xi``.
    interaction : Interaction
        ``F`` (static: one compilation per interaction and sizes).
    temperature : float
        ``T > 0``; traced, so changing it does not recompile.
    init_spins : array of shape (C, D)
        +-1 starting states, one per chain.
    num_samples : int
        Sweeps kept per chain (>= 1).
    num_warmup : int
        Sweeps discarded first (>= 0).

    Returns
    -------
    jax.Array, shape (C, num_samples, D)
        The spins after each kept sweep, in the memories' dtype.

    Raises
    ------
    ValueError
        If ``temperature`` is not finite and positive, the shapes do not match, or the
        initial spins are not all +-1.

    See Also
    --------
    ebm_memory.energies.binary_energy : The Model A energy sampled.
    ebm_memory.samplers.annealed_binary_recall : Annealed Gibbs sweeps for recall.
    ebm_memory.samplers.sample : Samplers for continuous energies.

    Examples
    --------
    >>> from ebm_memory.energies import interactions
    >>> memories = jnp.array([[1.0, 1.0, -1.0]]) / 2.0
    >>> draws = sample_gibbs(jax.random.key(1), memories, interactions.classical(), 0.5,
    ...                      jnp.ones((3, 3)), num_samples=4, num_warmup=2)
    >>> draws.shape, bool(jnp.all(jnp.abs(draws) == 1))
    ((3, 4, 3), True)
    """
    memories = as_float_array("memories", memories, ndim=(2,))
    check_positive("temperature", temperature)
    num_samples = check_integer("num_samples", num_samples, minimum=1)
    num_warmup = check_integer("num_warmup", num_warmup, minimum=0)
    init_spins = as_float_array("init_spins", init_spins, ndim=(2,))
    if init_spins.shape[1] != memories.shape[1]:
        raise ValueError(
            f"init_spins has {init_spins.shape[1]} features but the memories have "
            f"{memories.shape[1]}."
        )
    if is_concrete(init_spins) and not np.all(np.abs(np.asarray(init_spins)) == 1):
        raise ValueError("init_spins must contain only -1 and +1.")
    init_spins = init_spins.astype(memories.dtype)
    return _run(key, memories, temperature, init_spins, interaction, num_samples, num_warmup)
