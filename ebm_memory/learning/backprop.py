"""Model B memories trained by back-propagation through retrieval.

Each training row ``x`` is corrupted once into ``x~`` (a fraction of its entries set to 0,
the "unknown" value of centred or +-1 data, and/or Gaussian noise added), and retrieved by T
steps of the Model B update

    ``v <- xi^T softmax(beta (xi v + b))``,   ``v_0 = x~``

(``b = 0`` for dot similarity, ``b_mu = -|xi_mu|^2 / 2`` for euclidean). The memories
minimise the reconstruction loss ``mean_n |v_T(x~_n) - x_n|^2`` by full-batch optimiser
steps through the unrolled updates (:func:`~ebm_memory.learning.optimise.minimise`), so they
learn to complete the corruptions they were shown rather than to be the maximum-likelihood
mixture centres (EM, :mod:`ebm_memory.learning.mixture`). The corruption is drawn once,
before training: the loss is a fixed function of the memories, so its trace is monotone in
expectation and ``tol`` means what it says (a fresh corruption per step would make every
step's loss a different sample). The memories start at K data rows chosen by k-means++.

Examples
--------
>>> import jax
>>> import numpy as np
>>> from ebm_memory.learning import fit_softmax_backprop
>>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(30, 8))
>>> fit = fit_softmax_backprop(X, 4, beta=1.0, key=jax.random.key(0), max_iter=50)
>>> bool(fit.objective[fit.n_iter - 1] < fit.objective[0])
True
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.energies.effective import SIMILARITIES, softmax_update
from ebm_memory.learning._training import learn, schedule
from ebm_memory.learning.em import kmeans_plusplus_seeds
from ebm_memory.learning.mixture import LearnedMemories
from ebm_memory.learning.optimise import Optimizer

__all__ = ["Corruption", "corrupt", "fit_softmax_backprop", "reconstruct", "reconstruction_loss"]


class Corruption(NamedTuple):
    """How training rows are corrupted before retrieval.

    Parameters
    ----------
    mask : float
        Probability that an entry is set to 0 (independently per entry), in [0, 1).
    noise : float
        Standard deviation of the Gaussian noise added to every entry, >= 0.

    See Also
    --------
    ebm_memory.learning.fit_softmax_backprop : The training it configures.

    Examples
    --------
    >>> Corruption(mask=0.1)
    Corruption(mask=0.1, noise=0.0)
    """

    mask: float = 0.25
    noise: float = 0.0


ADAM = Optimizer("adam", 0.05)
MASK_QUARTER = Corruption()


@jax.jit
def corrupt(key, X: Float[Array, "N D"], corruption: Corruption) -> Float[Array, "N D"]:
    """``X`` with entries zeroed with probability ``corruption.mask`` and noise of standard
    deviation ``corruption.noise`` added."""
    mask_key, noise_key = jax.random.split(key)
    kept = jax.random.uniform(mask_key, X.shape, X.dtype) >= corruption.mask
    noise = corruption.noise * jax.random.normal(noise_key, X.shape, X.dtype)
    return jnp.where(kept, X, 0.0) + noise


def reconstruct(
    state: Float[Array, " D"], memories: Float[Array, "K D"], beta, similarity: str, n_steps: int
) -> Float[Array, " D"]:
    """``n_steps`` Model B updates ``v <- xi^T softmax(beta (xi v + b))`` from one state."""

    def step(v, _):
        return softmax_update(v, memories, beta, similarity=similarity)[0], None

    return jax.lax.scan(step, state, None, length=n_steps)[0]


def reconstruction_loss(
    memories: Float[Array, "K D"],
    corrupted: Float[Array, "N D"],
    X: Float[Array, "N D"],
    beta,
    similarity: str,
    n_steps: int,
) -> Float[Array, ""]:
    """``mean_n |v_T(corrupted_n) - x_n|^2``."""
    retrieved = jax.vmap(reconstruct, in_axes=(0, None, None, None, None))(
        corrupted, memories, beta, similarity, n_steps
    )
    return jnp.mean(jnp.sum((retrieved - X) ** 2, axis=1))


@dataclasses.dataclass(frozen=True)
class _Loss:
    """:func:`reconstruction_loss` with its static settings (a hashable ``minimise`` loss)."""

    similarity: str
    n_steps: int

    def __call__(self, memories, corrupted, X, beta):
        return reconstruction_loss(memories, corrupted, X, beta, self.similarity, self.n_steps)


def _initial_memories(X, memories, key):
    if isinstance(memories, (int, np.integer)) and not isinstance(memories, bool):
        n_memories = check_integer("memories", memories, minimum=1)
        if n_memories > X.shape[0]:
            raise ValueError(
                f"memories ({n_memories}) exceeds the number of samples ({X.shape[0]})."
            )
        return kmeans_plusplus_seeds(X, n_memories, key)
    memories = as_float_array("memories", memories, ndim=(2,)).astype(X.dtype)
    if memories.shape[1] != X.shape[1]:
        raise ValueError(f"memories must have shape (K, {X.shape[1]}), got {memories.shape}.")
    return memories


@renamed_parameters(progress_bar="verbose")
def fit_softmax_backprop(
    X,
    memories,
    beta: float,
    *,
    key,
    similarity: str = "dot",
    n_steps: int = 1,
    corruption: Corruption = MASK_QUARTER,
    max_iter: int = 200,
    tol: float = 1e-6,
    optimizer: Optimizer = ADAM,
    verbose: int = 0,
) -> LearnedMemories:
    """Model B memories trained by back-propagating through T retrieval steps (module docs).

    Parameters
    ----------
    X : array-like of shape (N, D)
        The data.
    memories : int or array-like of shape (K, D)
        K (start at K data rows by k-means++ seeding) or the initial memories.
    beta : float
        Inverse temperature of the retrieval.
    key : PRNG key
        PRNG key, split in two: the first for the seeding, the second for the corruption.
    similarity : {"dot", "euclidean"}, default="dot"
        The similarity of the retrieval update.
    n_steps : int, default=1
        T, the unrolled retrieval updates.
    corruption : Corruption, default=Corruption(mask=0.25, noise=0.0)
        How the training rows are corrupted (drawn once).
    max_iter : int, default=200
        Maximum number of optimiser steps.
    tol : float, default=1e-6
        Stop after the chunk of steps in which a step changed the loss ``l`` by at most
        ``tol * (1 + |l|)`` (:func:`~ebm_memory.learning.optimise.minimise`); 0 runs all.
    optimizer : Optimizer, default=Optimizer("adam", 0.05)
        The optax optimiser.
    verbose : int, default=0
        Draw a tqdm bar over the steps when positive (was ``progress_bar``).

    Returns
    -------
    LearnedMemories
        Memories of shape (K, D); ``objective`` of shape (max_iter,) is the reconstruction
        loss before each step, NaN after stopping.

    See Also
    --------
    ebm_memory.learning.fit_gaussian_memories : Maximum-likelihood Model B memories by EM.
    ebm_memory.learning.Corruption : How rows are corrupted before retrieval.
    ebm_memory.dynamics.retrieve_softmax : The retrieval trained through.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(20, 3))
    >>> fit = fit_softmax_backprop(X, 3, 2.0, key=jax.random.key(0), similarity="euclidean",
    ...                            n_steps=2, corruption=Corruption(mask=0.0, noise=0.5))
    >>> fit.memories.shape, fit.objective.shape
    ((3, 3), (200,))
    """
    plan = schedule(optimizer, max_iter, tol, verbose)
    if similarity not in SIMILARITIES:
        raise ValueError(f"similarity must be one of {SIMILARITIES}, got {similarity!r}.")
    if not isinstance(corruption, Corruption):
        raise TypeError(f"corruption must be a Corruption, got {type(corruption).__name__}.")
    if not 0 <= corruption.mask < 1:
        raise ValueError(f"corruption.mask must lie in [0, 1), got {corruption.mask!r}.")
    check_positive("corruption.noise", corruption.noise, allow_zero=True)
    X = as_float_array("X", X, ndim=(2,))
    check_positive("beta", beta)
    n_steps = check_integer("n_steps", n_steps, minimum=1)
    seed_key, corruption_key = jax.random.split(key)
    start = _initial_memories(X, memories, seed_key)
    data = (corrupt(corruption_key, X, corruption), X, jnp.asarray(beta, X.dtype))
    return learn(
        _Loss(similarity, n_steps), start, data, plan, "back-propagation through retrieval"
    )
