import numpy as np
import pytest

from ebm_memory.datasets import flip_pixels, load_binary_digits, occlude_rows


def test_binary_digits_are_plus_minus_one_with_labels():
    data = load_binary_digits()
    assert data.patterns.shape == (1797, 64) and data.labels.shape == (1797,)
    assert set(np.unique(data.patterns)) == {-1.0, 1.0}
    assert data.image_shape == (8, 8)


def test_flip_pixels_flips_the_requested_fraction():
    patterns = np.ones((200, 64))
    flipped = flip_pixels(patterns, 0.2, np.random.default_rng(0))
    fraction = np.mean(flipped == -1)
    # binomial standard error sqrt(0.2 * 0.8 / 12800) = 0.0035; allow 4 of them
    assert abs(fraction - 0.2) < 4 * 0.0035
    with pytest.raises(ValueError, match="fraction"):
        flip_pixels(patterns, 1.5, np.random.default_rng(0))


def test_flip_pixels_takes_random_state_and_warns_for_rng():
    patterns = np.ones((20, 64))
    same = flip_pixels(patterns, 0.3, random_state=4)
    np.testing.assert_array_equal(same, flip_pixels(patterns, 0.3, np.random.RandomState(4)))
    with pytest.warns(FutureWarning, match="`random_state`"):
        old = flip_pixels(patterns, 0.3, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(old, flip_pixels(patterns, 0.3, np.random.default_rng(1)))


def test_occlude_rows_marks_the_bottom_rows_unknown():
    patterns = np.ones((2, 64))
    occluded, known = occlude_rows(patterns, (8, 8), n_rows=3, fill=0.0)
    assert known.sum() == 40 and not known[40:].any()
    np.testing.assert_array_equal(occluded[:, 40:], 0.0)
    with pytest.raises(ValueError, match="8x8"):
        occlude_rows(np.ones((2, 10)), (8, 8), n_rows=1)
