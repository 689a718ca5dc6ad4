"""Shipped data and corruptions for retrieval experiments (no downloads).

Examples
--------
>>> import numpy as np
>>> from ebm_memory.datasets import load_binary_digits
>>> data = load_binary_digits()
>>> data.patterns.shape, np.unique(data.patterns).tolist()
((1797, 64), [-1.0, 1.0])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.datasets import load_digits

from ebm_memory._validation import check_positive

__all__ = ["BinaryDigits", "flip_pixels", "load_binary_digits", "occlude_rows"]

DIGIT_SHAPE = (8, 8)


class BinaryDigits(NamedTuple):
    """scikit-learn's 8x8 digits as +-1 patterns (ink = +1)."""

    patterns: np.ndarray
    labels: np.ndarray
    image_shape: tuple[int, int]


def load_binary_digits(threshold: float = 8.0) -> BinaryDigits:
    """The 1,797 bundled digits, binarised: a pixel is +1 when its ink (0-16) exceeds
    ``threshold``, else -1."""
    digits = load_digits()
    patterns = np.where(digits.data > threshold, 1.0, -1.0)
    return BinaryDigits(patterns, digits.target.copy(), DIGIT_SHAPE)


def flip_pixels(patterns: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Flip the sign of each entry independently with probability ``fraction``."""
    check_positive("fraction", fraction, allow_zero=True)
    if fraction > 1:
        raise ValueError(f"fraction must be <= 1, got {fraction}.")
    flips = rng.random(patterns.shape) < fraction
    return np.where(flips, -patterns, patterns)


def occlude_rows(
    patterns: np.ndarray, image_shape: tuple[int, int], n_rows: int, fill: float = -1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Replace the bottom ``n_rows`` image rows by ``fill``.

    Returns the occluded patterns and the boolean mask of known (kept) entries, which
    retrieval can clamp.
    """
    height, width = image_shape
    if patterns.shape[-1] != height * width:
        raise ValueError(
            f"patterns have {patterns.shape[-1]} entries, not {height}x{width} images."
        )
    if not 0 <= n_rows <= height:
        raise ValueError(f"n_rows must be in [0, {height}], got {n_rows}.")
    known = np.ones(image_shape, bool)
    known[height - n_rows :] = False
    known = known.ravel()
    return np.where(known, patterns, fill), known
