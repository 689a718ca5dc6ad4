"""Fixed-size row blocks: few compilations, memory O(block) per call."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

__all__ = ["bucket_size", "map_blocks", "pad_rows"]


def bucket_size(n: int, minimum: int) -> int:
    """The power of two at or above ``n`` (at least ``minimum``): padding arrays to these sizes
    lets a jitted kernel compile for a handful of shapes however the size varies."""
    return max(minimum, 1 << (max(n, 1) - 1).bit_length())


def pad_rows(arrays, size: int) -> tuple[np.ndarray, ...]:
    """Each array extended with zero rows to ``size`` rows: callers give the padding zero
    weight, so a jitted kernel sees a handful of shapes whatever the number of rows."""
    return tuple(
        np.pad(array, ((0, size - len(array)),) + ((0, 0),) * (np.ndim(array) - 1))
        for array in map(np.asarray, arrays)
    )


def map_blocks(kernel, states: np.ndarray, *args, block_size: int = 1024, **kwargs) -> np.ndarray:
    """Apply ``kernel(block, *args, **kwargs)`` to fixed-size row blocks of ``states`` and
    concatenate the results as numpy arrays.

    Blocks hold ``block_size`` rows, or the power of two (at least 16) just above a smaller
    row count; short blocks are padded with copies of their last row, so a jitted kernel
    compiles for a handful of shapes whatever the number of rows.
    """
    n_rows = states.shape[0]
    size = min(block_size, bucket_size(n_rows, 16))
    outputs = []
    for start in range(0, n_rows, size):
        block = states[start : start + size]
        rows = block.shape[0]
        if rows < size:
            block = np.concatenate([block, np.repeat(block[-1:], size - rows, axis=0)])
        outputs.append(np.asarray(kernel(jnp.asarray(block), *args, **kwargs))[:rows])
    return np.concatenate(outputs)
