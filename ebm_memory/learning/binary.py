"""The Krotov & Hopfield (2016) training rule for Model A memories, used unsupervised.

For a +-1 pattern ``x`` and each bit ``i`` the network predicts the bit from all the others
by comparing the attractions ``A(s) = sum_mu F(xi_mu . s)`` of the two completions:

    ``c_i = tanh(sharpness * [A(x with x_i = +1) - A(x with x_i = -1)])``,

the soft version of the retrieval rule in :mod:`ebm_memory.dynamics.binary`. For the
exponential interaction the attractions are compared in the log domain,
``(log A(+) - log A(-)) / beta``: the same sign, a difference in units of overlap (at most
``2 max|xi|``), and no overflow. The memories minimise

    ``loss = mean_{n, i} (x_{n i} - c_{n i}) ** (2 * power)``

by full-batch steps of an optax optimiser (:func:`~ebm_memory.learning.optimise.minimise`;
Adam by default, ``Optimizer("sgd", lr, momentum=0.9)`` for KH2016's momentum), clipped to
``[-1, 1]`` after every step. They start at ``normal(0, 0.1)``, so no data row is favoured.
The default ``sharpness`` is ``1 / std`` of the initial differences over the data and bits,
which puts the initial ``tanh`` arguments at unit scale.

KH2016 write the gain as ``1 / T^n`` and anneal the temperature ``T``. Here
``annealing=(a_0, a_1)`` multiplies the sharpness of step ``t`` (``t = 0, ..., max_iter - 1``)
by ``a_0 (a_1 / a_0) ** (t / (max_iter - 1))``: geometric from ``a_0`` to ``a_1``, so
``a_1 > a_0`` cools (the temperature falls by the factor ``a_1 / a_0``). The default, None,
keeps the sharpness constant.

From small starts a rectified polynomial can stall (no positive overlap, no gradient) and
odd polynomials learn slowly; the exponential and even interactions learn well.

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

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.energies.effective import attraction
from ebm_memory.energies.interactions import Interaction
from ebm_memory.learning._training import learn, schedule
from ebm_memory.learning.mixture import LearnedMemories
from ebm_memory.learning.optimise import Optimizer, clip_unit

__all__ = [
    "annealing_rate",
    "bit_differences",
    "bit_predictions",
    "fit_binary_memories",
    "rule_loss",
]

INITIAL_SCALE = 0.1
ADAM = Optimizer("adam", 0.05)


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


def pm1_patterns(X) -> Float[Array, "N D"]:
    """``X`` as a 2-D float array of +-1 patterns, or ValueError."""
    X = as_float_array("X", X, ndim=(2,))
    if not bool(jnp.all(jnp.abs(X) == 1)):
        raise ValueError("X must hold +-1 patterns.")
    return X


def annealing_rate(annealing: tuple[float, float] | None, max_iter: int) -> tuple[float, float]:
    """``(log a_0, log(a_1 / a_0) / (max_iter - 1))``: the sharpness factor of step ``t`` is
    ``exp(log a_0 + t * rate)`` (``(0, 0)``, a constant 1, for ``annealing=None``)."""
    if annealing is None:
        return 0.0, 0.0
    if len(annealing) != 2:
        raise ValueError(f"annealing must be a pair (start, end), got {annealing!r}.")
    first, last = (float(check_positive("annealing", value)) for value in annealing)
    rate = 0.0 if max_iter == 1 else (np.log(last) - np.log(first)) / (max_iter - 1)
    return float(np.log(first)), float(rate)


@dataclasses.dataclass(frozen=True)
class _AnnealedRuleLoss:
    """``rule_loss`` at the sharpness of step ``step`` (a hashable ``minimise`` loss)."""

    interaction: Interaction
    power: int

    def __call__(self, memories, step, X, sharpness, log_gain, rate):
        gain = sharpness * jnp.exp(log_gain + step * rate)
        return rule_loss(memories, X, self.interaction, gain, self.power)


@functools.partial(jax.jit, static_argnames="n_memories")
def _start(X, key, n_memories, interaction):
    """``normal(0, 0.1)`` memories clipped to ``[-1, 1]`` and ``1 / std`` of their bit
    differences over the data (1 when they are all equal)."""
    memories = jnp.clip(
        INITIAL_SCALE * jax.random.normal(key, (n_memories, X.shape[1]), X.dtype), -1, 1
    )
    differences = jax.vmap(bit_differences, in_axes=(0, None, None))(X, memories, interaction)
    spread = jnp.std(differences)
    return memories, jnp.where(spread > 0, 1 / spread, 1.0)


@renamed_parameters(progress_bar="verbose")
def fit_binary_memories(
    X,
    n_memories: int,
    interaction: Interaction,
    *,
    key,
    max_iter: int = 200,
    tol: float = 1e-6,
    optimizer: Optimizer = ADAM,
    power: int = 2,
    sharpness: float | None = None,
    annealing: tuple[float, float] | None = None,
    verbose: int = 0,
) -> LearnedMemories:
    """Learn K Model A memories from +-1 data with the KH2016 rule (module docs).

    Parameters
    ----------
    X : array-like of shape (N, D)
        The +-1 training patterns.
    n_memories : int
        K.
    interaction : Interaction
        The interaction ``F`` of the energy ``-sum_mu F(xi_mu . s)``.
    key : PRNG key
        PRNG key for the ``normal(0, 0.1)`` initial memories.
    max_iter : int, default=200
        Maximum number of optimiser steps.
    tol : float, default=1e-6
        Stop after the chunk of steps (see :func:`~ebm_memory.learning.optimise.minimise`)
        in which a step changed the loss ``l`` by at most ``tol * (1 + |l|)``; 0 runs
        ``max_iter`` steps.
    optimizer : Optimizer, default=Optimizer("adam", 0.05)
        The optax optimiser; ``Optimizer("sgd", 0.1, momentum=0.9)`` for KH2016's momentum.
    power : int, default=2
        The loss exponent is ``2 * power``.
    sharpness : float, optional
        The ``tanh`` gain; None: ``1 / std`` of the initial bit differences.
    annealing : tuple of float, optional
        ``(a_0, a_1)``, both > 0: the gain of step ``t`` is ``sharpness`` times
        ``a_0 (a_1 / a_0) ** (t / (max_iter - 1))`` (``a_1 > a_0`` lowers the temperature);
        None: constant.
    verbose : int, default=0
        Draw a tqdm bar over the steps when positive (was ``progress_bar``).

    Returns
    -------
    LearnedMemories
        Memories of shape (K, D) in ``[-1, 1]``; ``objective`` of shape (max_iter,) is the
        loss before each step (at that step's gain when annealing), NaN after stopping.

    See Also
    --------
    ebm_memory.learning.fit_delta_memories : Classical-network memories by the delta rule.
    ebm_memory.dynamics.retrieve_binary : Model A retrieval with the learned memories.
    ebm_memory.DenseAssociativeMemory : ``learning_rule="krotov-hopfield"`` runs it.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> from ebm_memory.energies import interactions
    >>> from ebm_memory.learning.optimise import Optimizer
    >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(6, 5))
    >>> fit = fit_binary_memories(X, 3, interactions.exponential(), key=jax.random.key(1),
    ...                           optimizer=Optimizer("sgd", 0.1, momentum=0.9),
    ...                           annealing=(0.5, 2.0))
    >>> bool(np.abs(fit.memories).max() <= 1), fit.objective.shape
    (True, (200,))
    """
    if not isinstance(interaction, Interaction):
        raise TypeError(f"interaction must be an Interaction, got {type(interaction).__name__}.")
    plan = schedule(optimizer, max_iter, tol, verbose)
    X = pm1_patterns(X)
    n_memories = check_integer("n_memories", n_memories, minimum=1)
    power = check_integer("power", power, minimum=1)
    if sharpness is not None:
        check_positive("sharpness", sharpness)
    log_gain, rate = annealing_rate(annealing, plan.max_iter)
    memories, spread = _start(X, key, n_memories, interaction)
    gain = spread if sharpness is None else jnp.asarray(sharpness, X.dtype)
    data = (X, gain, jnp.asarray(log_gain, X.dtype), jnp.asarray(rate, X.dtype))
    loss = _AnnealedRuleLoss(interaction, power)
    options = {"project": clip_unit, "with_step": True}
    return learn(loss, memories, data, plan, "Krotov-Hopfield rule", **options)
