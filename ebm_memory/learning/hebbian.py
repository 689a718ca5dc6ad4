"""The classical Hopfield network's memories: Hebbian storage and the delta rule.

With ``F(x) = x^2`` the Model A energy is a quadratic form,
``E(s) = -sum_mu (xi_mu . s)^2 = -s^T W s`` with ``W = xi^T xi`` (D, D): the memories are a
low-rank positive semi-definite factor of the weights, and any such ``W`` of rank at most K
is the energy of K memories.

- :func:`hebbian_weights`: Hebb's rule, ``W = X^T X / N`` (the mean outer product of the
  patterns; ``normalise=False`` gives the sum ``X^T X``, the energy of storing the rows as
  memories). On +-1 states the diagonal only adds the constant ``trace W`` to ``s^T W s``;
  ``zero_diagonal=True`` removes it, the usual convention for the weights themselves.
- :func:`weights_to_memories`: the best rank-K PSD factor (Eckart-Young): ``xi`` (K, D) with
  ``xi^T xi`` the part of ``W`` on its top K eigenvalues (negative ones dropped); exact when
  ``W`` is PSD of rank at most K.
- :func:`fit_delta_memories`: memories trained so that each pattern is a fixed point. Bit
  ``i`` of pattern ``x`` feels the local field (self-coupling excluded)
  ``h_i = sum_mu xi_mu,i (xi_mu . x - xi_mu,i x_i) = (W x)_i - W_ii x_i``, and the memories
  minimise ``mean_{n, i} (x_{n i} - tanh(sharpness * h_{n i})) ** 2``. Its gradient in ``W``
  is the Widrow-Hoff / delta rule, ``dW_ij ∝ sum_n delta_ni x_nj`` (``j != i``) with error
  ``delta_ni = (x_ni - c_ni)(1 - c_ni^2)``, carried to the factor by ``W = xi^T xi``. It is the
  Krotov-Hopfield (2016) rule of :mod:`ebm_memory.learning.binary` with ``F(x) = x^2`` and
  ``power=1``: there the attraction difference of bit ``i`` is
  ``sum_mu (o_mu + xi_mu,i)^2 - (o_mu - xi_mu,i)^2 = 4 h_i`` (``o`` the overlaps without
  bit ``i``), so the losses agree at a quarter of the sharpness. Unlike Hebb's rule the
  delta rule stores correlated patterns and more than ``0.14 D`` of them. Training starts
  from the Hebbian factor plus ``normal(0, 0.1)`` jitter (which lets the memories past the
  rank of ``X^T X``, zero in the factor, learn): the fields are quadratic in the memories,
  and from small random starts the ``tanh`` saturates on wrong bits as the memories grow,
  stalling the descent.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.learning import hebbian_weights, weights_to_memories
>>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(3, 8))
>>> memories = weights_to_memories(hebbian_weights(X), 3)
>>> bool(np.allclose(memories.T @ memories, X.T @ X / 3))
True
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import as_float_array, check_integer, check_positive
from ebm_memory.learning._training import learn, schedule
from ebm_memory.learning.binary import pm1_patterns
from ebm_memory.learning.mixture import LearnedMemories
from ebm_memory.learning.optimise import Optimizer

__all__ = [
    "delta_loss",
    "fit_delta_memories",
    "hebbian_weights",
    "local_fields",
    "weights_to_memories",
]

JITTER = 0.1
ADAM = Optimizer("adam", 0.05)


def hebbian_weights(
    X, *, normalise: bool = True, zero_diagonal: bool = False
) -> Float[Array, "D D"]:
    """Hebb's rule: ``W = X^T X / N`` for N patterns (module docs).

    Parameters
    ----------
    X : array-like of shape (N, D)
        Patterns (+-1 for the classical network; any reals are accepted).
    normalise : bool, default=True
        Divide by N (the mean outer product); False gives ``X^T X``, the weights of the
        network that stores the N rows as memories.
    zero_diagonal : bool, default=False
        Set ``W_ii = 0`` (no self-coupling; the result is then not PSD, and
        :func:`weights_to_memories` keeps only its positive part).

    Returns
    -------
    jax.Array of shape (D, D)
        The symmetric weights.

    See Also
    --------
    ebm_memory.learning.weights_to_memories : Memories that reproduce the weights.
    ebm_memory.learning.fit_delta_memories : Memories trained by the delta rule.
    ebm_memory.energies.interactions.classical : The classical network these weights define.

    Examples
    --------
    >>> import numpy as np
    >>> W = hebbian_weights(np.array([[1.0, -1.0], [1.0, 1.0]]), zero_diagonal=True)
    >>> np.asarray(W).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    X = as_float_array("X", X, ndim=(2,))
    weights = X.T @ X
    if normalise:
        weights = weights / X.shape[0]
    if zero_diagonal:
        weights = weights - jnp.diag(jnp.diag(weights))
    return weights


def weights_to_memories(W, n_memories: int) -> Float[Array, "K D"]:
    """The best rank-K positive semi-definite factor of symmetric weights.

    Parameters
    ----------
    W : array-like of shape (D, D)
        The weights; the symmetric part ``(W + W^T) / 2`` is used.
    n_memories : int
        K; rows past the D-th (or past the positive eigenvalues) are zero.

    Returns
    -------
    jax.Array of shape (K, D)
        Memories ``xi_mu = sqrt(lambda_mu) u_mu`` for the K largest eigenvalues
        ``lambda_mu`` (negatives clipped to 0) and unit eigenvectors ``u_mu``, each signed
        so that its largest-magnitude entry is positive. ``xi^T xi`` is the closest PSD
        matrix of rank at most K to ``W`` in Frobenius norm; it equals ``W`` when ``W`` is
        PSD of rank at most K.

    See Also
    --------
    ebm_memory.learning.hebbian_weights : Weights by Hebb's rule.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 3 and 1
    >>> xi = weights_to_memories(W, 1)
    >>> xi.shape, [round(float(v), 4) for v in xi[0]]
    ((1, 2), [1.2247, 1.2247])
    """
    W = as_float_array("W", W, ndim=(2,))
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be square, got shape {W.shape}.")
    n_memories = check_integer("n_memories", n_memories, minimum=1)
    return _factor(W, n_memories)


@functools.partial(jax.jit, static_argnames="n_memories")
def _factor(W, n_memories):
    values, vectors = jnp.linalg.eigh(0.5 * (W + W.T))  # ascending
    top = min(n_memories, W.shape[0])
    values, vectors = values[::-1][:top], vectors[:, ::-1][:, :top]
    peak = jnp.take_along_axis(vectors, jnp.argmax(jnp.abs(vectors), axis=0)[None], axis=0)
    signs = jnp.where(peak[0] < 0, -1.0, 1.0)
    memories = (jnp.sqrt(jnp.maximum(values, 0.0)) * signs * vectors).T
    return jnp.pad(memories, ((0, n_memories - top), (0, 0)))


def local_fields(state: Float[Array, " D"], memories: Float[Array, "K D"]) -> Float[Array, " D"]:
    """``h_i = (W s)_i - W_ii s_i`` with ``W = xi^T xi``: each bit's field from the others."""
    return memories.T @ (memories @ state) - jnp.sum(memories**2, axis=0) * state


def delta_loss(
    memories: Float[Array, "K D"], X: Float[Array, "N D"], sharpness
) -> Float[Array, ""]:
    """``mean_{n, i} (x_{n i} - tanh(sharpness * h_{n i})) ** 2`` (module docs)."""
    fields = jax.vmap(local_fields, in_axes=(0, None))(X, memories)
    return jnp.mean((X - jnp.tanh(sharpness * fields)) ** 2)


@jax.jit
def _spread(X, memories):
    """``1 / std`` of the local fields over the data and bits (1 when they are all equal)."""
    spread = jnp.std(jax.vmap(local_fields, in_axes=(0, None))(X, memories))
    return jnp.where(spread > 0, 1 / spread, 1.0)


@renamed_parameters(progress_bar="verbose")
def fit_delta_memories(
    X,
    n_memories: int,
    *,
    key,
    max_iter: int = 200,
    tol: float = 1e-6,
    optimizer: Optimizer = ADAM,
    sharpness: float | None = None,
    initial_memories=None,
    verbose: int = 0,
) -> LearnedMemories:
    """Classical-network memories trained by the delta rule (module docs).

    Parameters
    ----------
    X : array-like of shape (N, D)
        The +-1 patterns.
    n_memories : int
        K, the rank of ``W = xi^T xi``.
    key : PRNG key
        PRNG key for the ``normal(0, 0.1)`` jitter of the initial memories.
    max_iter : int, default=200
        Maximum number of optimiser steps.
    tol : float, default=1e-6
        Stop after the chunk of steps in which a step changed the loss ``l`` by at most
        ``tol * (1 + |l|)`` (:func:`~ebm_memory.learning.optimise.minimise`); 0 runs all.
    optimizer : Optimizer, default=Optimizer("adam", 0.05)
        The optax optimiser.
    sharpness : float, optional
        The ``tanh`` gain; None: ``1 / std`` of the initial local fields.
    initial_memories : array-like of shape (K, D), optional
        Starting memories; None: the Hebbian factor
        ``weights_to_memories(hebbian_weights(X), K)`` plus the jitter.
    verbose : int, default=0
        Draw a tqdm bar over the steps when positive (was ``progress_bar``).

    Returns
    -------
    LearnedMemories
        Memories of shape (K, D); ``objective`` of shape (max_iter,) is the loss before each
        step, NaN after stopping.

    See Also
    --------
    ebm_memory.learning.hebbian_weights : Hebb's rule, in one step.
    ebm_memory.learning.fit_binary_memories : Memories for higher-order interactions.

    Examples
    --------
    >>> import jax
    >>> import numpy as np
    >>> X = np.random.default_rng(0).choice([-1.0, 1.0], size=(6, 16))
    >>> fit = fit_delta_memories(X, 6, key=jax.random.key(0))
    >>> bool(fit.objective[fit.n_iter - 1] < 0.5 * fit.objective[0])
    True
    """
    plan = schedule(optimizer, max_iter, tol, verbose)
    X = pm1_patterns(X)
    n_memories = check_integer("n_memories", n_memories, minimum=1)
    shape = (n_memories, X.shape[1])
    if initial_memories is None:
        hebbian = weights_to_memories(hebbian_weights(X), n_memories)
        memories = hebbian + JITTER * jax.random.normal(key, shape, X.dtype)
    else:
        memories = as_float_array("initial_memories", initial_memories, ndim=(2,)).astype(X.dtype)
        if memories.shape != shape:
            raise ValueError(f"initial_memories must have shape {shape}, got {memories.shape}.")
    if sharpness is None:
        sharpness = _spread(X, memories)
    else:
        sharpness = jnp.asarray(check_positive("sharpness", sharpness), X.dtype)
    return learn(delta_loss, memories, (X, sharpness), plan, "delta rule")
