"""The chunked training driver: jitted ``lax.scan`` chunks with checks and a bar between them.

Every gradient trainer of the package runs through :func:`run_chunks`: a compiled function
takes ``length`` steps at once (a ``lax.scan``), and between two chunks the driver checks that
the losses (and, if asked, the parameters) are finite, advances a tqdm bar and calls an
optional callback (recording, checkpoints, a convergence test that stops the run).

The chunk function is the caller's; compile it once per configuration (a module-level
``jax.jit`` with static arguments), so that a second run with new arrays reuses the code.

Examples
--------
>>> import numpy as np
>>> from ebm_memory.learning.driver import run_chunks
>>> def halve(carry, start, length):  # any function of (carry, start, length)
...     losses = carry * 0.5 ** np.arange(1, length + 1)
...     return losses[-1], losses
>>> carry, n_iter, stopped = run_chunks(halve, 1.0, 10, chunk_size=4)
>>> float(carry), n_iter, stopped
(0.0009765625, 10, False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

__all__ = ["Chunk", "all_finite", "progress_bar", "run_chunks"]


class Chunk(NamedTuple):
    """One finished chunk, as the driver hands it to the callback.

    Parameters
    ----------
    start : int
        Steps taken before the chunk.
    length : int
        Steps in the chunk.
    outputs : object
        The chunk function's per-step outputs: the losses of shape (length,), or a tuple
        whose first entry they are.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.learning.driver import Chunk
    >>> Chunk(0, 2, np.zeros(2)).length
    2
    """

    start: int
    length: int
    outputs: object


def progress_bar(total: int, description: str, verbose: int):
    """A tqdm bar over ``total`` steps, drawn when ``verbose > 0`` (tqdm imported here).

    Parameters
    ----------
    total : int
        Steps the bar counts to.
    description : str
        The bar's label.
    verbose : int
        Draw the bar when positive.

    Returns
    -------
    tqdm.tqdm
        The bar (a disabled one when ``verbose <= 0``), a context manager.

    Examples
    --------
    >>> from ebm_memory.learning.driver import progress_bar
    >>> with progress_bar(3, "steps", verbose=0) as bar:
    ...     bar.update(3)
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="step", disable=int(verbose) <= 0)


def all_finite(tree) -> bool:
    """Whether every entry of every array leaf of ``tree`` is finite (one host transfer).

    Parameters
    ----------
    tree : pytree
        Parameters, optimiser states or any nesting of JAX or numpy arrays of any shape.

    Returns
    -------
    bool
        True when no entry is NaN or infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.learning.driver import all_finite
    >>> all_finite({"a": np.ones(2), "b": np.array([1.0, np.nan])})
    False
    """
    import jax
    import jax.numpy as jnp

    leaves = jax.tree.leaves(tree)
    return bool(jnp.all(jnp.stack([jnp.all(jnp.isfinite(leaf)) for leaf in leaves])))


def _losses(outputs) -> np.ndarray:
    return np.asarray(outputs[0] if isinstance(outputs, tuple) else outputs, dtype=np.float64)


def _divergence(start: int, length: int) -> str:
    return (
        f"training: the loss became non-finite in steps {start + 1}..{start + length}; "
        "lower the learning rate."
    )


def run_chunks(
    run_chunk: Callable,
    carry,
    max_iter: int,
    *,
    chunk_size: int = 50,
    verbose: int = 0,
    description: str = "training",
    finite: Callable | None = None,
    diverged: Callable[[int, int], str] = _divergence,
    callback: Callable | None = None,
):
    """Run ``run_chunk`` chunk after chunk until ``max_iter`` steps or the callback stops.

    Parameters
    ----------
    run_chunk : callable
        ``run_chunk(carry, start, length) -> (carry, outputs)`` takes ``length`` steps after
        ``start`` steps; ``outputs`` holds the per-step losses of shape (length,), or is a
        tuple whose first entry they are.
    carry : object
        The state before the first step (parameters, optimiser state, keys).
    max_iter : int
        Steps in all.
    chunk_size : int, default=50
        Steps per chunk; the last chunk takes the remainder.
    verbose : int, default=0
        Draw a tqdm bar over the steps when positive.
    description : str, default="training"
        The bar's label.
    finite : callable, optional
        ``finite(carry) -> pytree`` whose leaves must stay finite too (the parameters).
    diverged : callable, optional
        ``diverged(start, length) -> str``: the message of the ``FloatingPointError`` raised
        when a chunk's losses (or ``finite(carry)``) hold NaN or infinity. The carry of the
        last good chunk is then the last one the callback saw.
    callback : callable, optional
        ``callback(carry, chunk) -> bool`` after every good chunk (a :class:`Chunk`); a true
        return stops the run.

    Returns
    -------
    carry : object
        The state after the last step.
    n_iter : int
        Steps taken.
    stopped : bool
        Whether the callback stopped the run before ``max_iter`` steps.

    Raises
    ------
    FloatingPointError
        When a chunk produces a non-finite loss or parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.learning.driver import run_chunks
    >>> def count(carry, start, length):
    ...     return carry + length, np.arange(start, start + length, dtype=float)
    >>> run_chunks(count, 0, 7, chunk_size=3, callback=lambda carry, chunk: carry >= 5)
    (6, 6, True)
    """
    done, stopped = 0, False
    with progress_bar(max_iter, description, verbose) as bar:
        while done < max_iter and not stopped:
            length = min(chunk_size, max_iter - done)
            new_carry, outputs = run_chunk(carry, done, length)
            losses = _losses(outputs)
            if not (
                np.isfinite(losses).all() and (finite is None or all_finite(finite(new_carry)))
            ):
                raise FloatingPointError(diverged(done, length))
            carry = new_carry
            bar.update(length)
            bar.set_postfix(loss=f"{losses[-1]:.4g}")
            if callback is not None:
                stopped = bool(callback(carry, Chunk(done, length, outputs)))
            done += length
    return carry, done, stopped
