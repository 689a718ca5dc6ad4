"""Fixed-size row blocks: one compilation per block shape, memory O(block) per call."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

__all__ = ["map_blocks"]


def map_blocks(kernel, states: np.ndarray, *args, block_size: int = 1024, **kwargs) -> np.ndarray:
    """Apply ``kernel(block, *args, **kwargs)`` to fixed-size row blocks of ``states`` and
    concatenate the results as numpy arrays."""
    n_rows = states.shape[0]
    size = min(block_size, n_rows)
    outputs = []
    for start in range(0, n_rows, size):
        block = states[start : start + size]
        rows = block.shape[0]
        if rows < size:
            block = np.concatenate([block, np.repeat(block[-1:], size - rows, axis=0)])
        outputs.append(np.asarray(kernel(jnp.asarray(block), *args, **kwargs))[:rows])
    return np.concatenate(outputs)
