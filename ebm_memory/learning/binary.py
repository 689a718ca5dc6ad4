"""The Krotov & Hopfield (2016) training rule for Model A memories, used unsupervised.

For a +-1 pattern ``x`` and each bit ``i`` the network predicts the bit from all the others
by comparing the attractions ``A(s) = sum_mu F(xi_mu . s)`` of the two completions:

    ``c_i = tanh(sharpness * [A(x with x_i = +1) - A(x with x_i = -1)])``,

the soft version of the retrieval rule in :mod:`ebm_memory.dynamics.binary`. For the
exponential interaction the attractions are compared in the log domain,
``(log A(+) - log A(-)) / beta``: the same sign, a difference in units of overlap (at most
``2 max|xi|``), and no overflow. The memories minimise

    ``loss = mean_{n, i} (x_{n i} - c_{n i}) ** (2 * power)``

by full-batch Adam, clipped to ``[-1, 1]`` after every step. They start at
``normal(0, 0.1)``, so no data row is favoured. The default ``sharpness`` is
``1 / std`` of the initial differences over the data and bits, which puts the initial
``tanh`` arguments at unit scale; KH2016's annealing of this temperature is not used.
From such small starts a rectified polynomial can stall (no positive overlap, no gradient)
and odd polynomials learn slowly; the exponential and even interactions learn well.

Examples
--------
>>> import jax
>>> import numpy as np
>>> from ebm_memory.energies import interactions
>>> from ebm_memory.learning import fit_binary_memories
>>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(10, 8))
>>> fit = fit_binary_memories(X, 2, interactions.polynomial(3), key=jax.random.key(0))
>>> bool(fit.objective[fit.n_iter - 1] < fit.objective[0])
True
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Float

from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.energies.effective import attraction
from ebm_memory.energies.interactions import Interaction
from ebm_memory.learning.mixture import LearnedMemories, iterate_objective

__all__ = ["bit_differences", "bit_predictions", "fit_binary_memories", "rule_loss"]

INITIAL_SCALE = 0.1


def bit_differences(
    state: Float[Array, " D"], memories: Float[Array, "K D"], interaction: Interaction
) -> Float[Array, " D"]:
    """``A(s with s_i = +1) - A(s with s_i = -1)`` for every bit ``i`` of one +-1 state.

    Log-domain interactions give ``(log A(+) - log A(-)) / log_scale`` instead.
    """

    def overlaps(patterns):
        others = (patterns @ state)[:, None] - patterns * state[None, :]
        return jnp.concatenate([others + patterns, others - patterns], axis=1)

    totals = attraction(overlaps, memories, interaction)
    difference = totals[: state.shape[0]] - totals[state.shape[0] :]
    return difference / interaction.log_scale if interaction.log_domain else difference


def bit_predictions(
    state: Float[Array, " D"], memories: Float[Array, "K D"], interaction: Interaction, sharpness
) -> Float[Array, " D"]:
    """``c_i = tanh(sharpness * difference_i)``: each bit predicted from all the others."""
    return jnp.tanh(sharpness * bit_differences(state, memories, interaction))


def rule_loss(
    memories: Float[Array, "K D"],
    X: Float[Array, "N D"],
    interaction: Interaction,
    sharpness,
    power: int,
) -> Float[Array, ""]:
    """``mean_{n, i} (x_{n i} - c_{n i}) ** (2 power)``, the KH2016 loss."""
    predictions = jax.vmap(bit_predictions, in_axes=(0, None, None, None))(
        X, memories, interaction, sharpness
    )
    return jnp.mean((X - predictions) ** (2 * power))


@functools.partial(jax.jit, static_argnames=("n_memories", "interaction", "max_iter", "power"))
def _fit(X, key, tol, learning_rate, sharpness, n_memories, interaction, max_iter, power):
    memories = jnp.clip(
        INITIAL_SCALE * jax.random.normal(key, (n_memories, X.shape[1]), X.dtype), -1, 1
    )
    if sharpness is None:
        differences = jax.vmap(bit_differences, in_axes=(0, None, None))(X, memories, interaction)
        spread = jnp.std(differences)
        sharpness = jnp.where(spread > 0, 1 / spread, 1.0)
    optimiser = optax.adam(learning_rate)
    value_and_grad = jax.value_and_grad(rule_loss)

    def step(state):
        memories, optimiser_state = state
        loss, gradient = value_and_grad(memories, X, interaction, sharpness, power)
        updates, optimiser_state = optimiser.update(gradient, optimiser_state)
        memories = jnp.clip(optax.apply_updates(memories, updates), -1, 1)
        return loss, (memories, optimiser_state)

    def settled(previous, value):
        return jnp.abs(value - previous) <= tol * jnp.abs(previous)

    (memories, _), n_iter, converged, trace = iterate_objective(
        step, (memories, optimiser.init(memories)), max_iter=max_iter, settled=settled
    )
    return LearnedMemories(memories, n_iter, converged, trace)


def fit_binary_memories(
    X,
    n_memories: int,
    interaction: Interaction,
    *,
    key,
    max_iter: int = 200,
    tol: float = 1e-6,
    learning_rate: float = 0.05,
    power: int = 2,
    sharpness: float | None = None,
) -> LearnedMemories:
    """Learn K Model A memories from +-1 data with the KH2016 rule (module docs).

    Parameters
    ----------
    X : (N, D) +-1 training patterns.
    n_memories : K.
    interaction : the interaction ``F`` of the energy ``-sum_mu F(xi_mu . s)``.
    key : PRNG key for the ``normal(0, 0.1)`` initial memories.
    max_iter : maximum number of Adam steps.
    tol : stop once a step changes the loss by at most ``tol`` times its previous value.
    learning_rate : Adam step size.
    power : the loss exponent is ``2 * power``.
    sharpness : the ``tanh`` gain; None: ``1 / std`` of the initial bit differences.

    Returns
    -------
    LearnedMemories
        Memories in ``[-1, 1]``; ``objective`` is the loss before each step.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(6, 5))
    >>> fit = fit_binary_memories(X, 3, interactions.exponential(), key=jax.random.key(1))
    >>> bool(np.abs(fit.memories).max() <= 1)
    True
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(f"interaction must be an Interaction, got {type(interaction).__name__}.")
    X = as_float_array("X", X, ndim=(2,))
    if not bool(jnp.all(jnp.abs(X) == 1)):
        raise ValueError("X must hold +-1 patterns.")
    n_memories = check_integer("n_memories", n_memories, minimum=1)
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    check_positive("tol", tol, allow_zero=True)
    check_positive("learning_rate", learning_rate)
    power = check_integer("power", power, minimum=1)
    if sharpness is not None:
        check_positive("sharpness", sharpness)
    return _fit(X, key, tol, learning_rate, sharpness, n_memories, interaction, max_iter, power)
