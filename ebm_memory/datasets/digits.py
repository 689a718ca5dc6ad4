"""Shipped digits as +-1 patterns, and corruptions for retrieval experiments (no downloads).

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
from sklearn.utils import check_random_state

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_positive

__all__ = ["BinaryDigits", "flip_pixels", "load_binary_digits", "occlude_rows"]

DIGIT_SHAPE = (8, 8)


class BinaryDigits(NamedTuple):
    """scikit-learn's 8x8 digits as +-1 patterns (ink = +1).

    Parameters
    ----------
    patterns : ndarray of shape (n_samples, 64)
        The images, one row each, entries +1 (ink) or -1.
    labels : ndarray of shape (n_samples,)
        The digit of each image.
    image_shape : tuple of int
        ``(8, 8)``.

    See Also
    --------
    ebm_memory.datasets.load_binary_digits : Loads it.
    ebm_memory.plotting.plot_retrieval_grid : Draws digits before and after retrieval.

    Examples
    --------
    >>> from ebm_memory.datasets import load_binary_digits
    >>> load_binary_digits().image_shape
    (8, 8)
    """

    patterns: np.ndarray
    labels: np.ndarray
    image_shape: tuple[int, int]


def load_binary_digits(threshold: float = 8.0) -> BinaryDigits:
    """The 1,797 bundled digits, binarised.

    Parameters
    ----------
    threshold : float, default=8.0
        A pixel is +1 when its ink (0-16) exceeds ``threshold``, else -1.

    Returns
    -------
    data : BinaryDigits
        ``patterns`` of shape (1797, 64), ``labels`` of shape (1797,) and the image shape.

    See Also
    --------
    ebm_memory.datasets.BinaryDigits : What it returns.
    ebm_memory.datasets.flip_pixels : Corrupts the patterns with noise.
    ebm_memory.DenseAssociativeMemory : A memory to store them in.

    Examples
    --------
    >>> from ebm_memory.datasets import load_binary_digits
    >>> data = load_binary_digits(threshold=0.0)
    >>> data.patterns.shape, data.labels[:3].tolist()
    ((1797, 64), [0, 1, 2])
    """
    digits = load_digits()
    patterns = np.where(digits.data > threshold, 1.0, -1.0)
    return BinaryDigits(patterns, digits.target.copy(), DIGIT_SHAPE)


@renamed_parameters(rng="random_state")
def flip_pixels(patterns: np.ndarray, fraction: float, random_state=None) -> np.ndarray:
    """Flip the sign of each entry independently with probability ``fraction``.

    Parameters
    ----------
    patterns : array-like of shape (n_samples, n_features)
        +-1 patterns (any shape works: each entry is flipped on its own).
    fraction : float
        The flip probability, in ``[0, 1]``.
    random_state : int, RandomState, numpy.random.Generator or None, default=None
        Draws the flips (a ``Generator`` is used as it is).

    Returns
    -------
    flipped : ndarray of shape (n_samples, n_features)
        ``patterns`` with the drawn entries negated.

    See Also
    --------
    ebm_memory.datasets.occlude_rows : Corruption by occlusion instead of noise.
    ebm_memory.DenseAssociativeMemory.retrieve : Retrieves the clean pattern.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.datasets import flip_pixels
    >>> flipped = flip_pixels(np.ones((2, 4)), 1.0, random_state=0)
    >>> flipped.tolist()
    [[-1.0, -1.0, -1.0, -1.0], [-1.0, -1.0, -1.0, -1.0]]
    """
    check_positive("fraction", fraction, allow_zero=True)
    if fraction > 1:
        raise ValueError(f"fraction must be <= 1, got {fraction}.")
    patterns = np.asarray(patterns)
    if isinstance(random_state, np.random.Generator):
        uniform = random_state.random(patterns.shape)
    else:
        uniform = check_random_state(random_state).random_sample(patterns.shape)
    return np.where(uniform < fraction, -patterns, patterns)


def occlude_rows(
    patterns: np.ndarray, image_shape: tuple[int, int], n_rows: int, fill: float = -1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Replace the bottom ``n_rows`` image rows by ``fill``.

    Parameters
    ----------
    patterns : array-like of shape (n_samples, n_features)
        Flattened images, ``n_features = height * width``.
    image_shape : tuple of int
        ``(height, width)``.
    n_rows : int
        Image rows hidden, from the bottom, in ``[0, height]``.
    fill : float, default=-1.0
        The value written into the hidden entries.

    Returns
    -------
    occluded : ndarray of shape (n_samples, n_features)
        The patterns with the bottom rows replaced.
    known : ndarray of shape (n_features,)
        True on the entries kept (retrieval can clamp them).

    See Also
    --------
    ebm_memory.datasets.flip_pixels : Corruption by noise instead of occlusion.
    ebm_memory.DenseAssociativeMemory.retrieve : Completion with a ``mask`` of the known pixels.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.datasets import occlude_rows
    >>> occluded, known = occlude_rows(np.ones((1, 4)), (2, 2), n_rows=1, fill=0.0)
    >>> occluded.tolist(), known.tolist()
    ([[1.0, 1.0, 0.0, 0.0]], [True, True, False, False])
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
