"""Pattern completion through ``DenseAssociativeMemory.retrieve(X, mask=...)``.

The contract (``retrieve``'s docstring): True marks known entries, clamped during the
dynamics; the other entries are unknown and their values are ignored. So, for every model and
for a shared (n_features,) mask as for per-row (n_samples, n_features) masks:

- the known entries of the result are the known entries of the (model-mapped) input, exactly:
  binary models binarise, so the known bits are the input's bits; the softmax models keep the
  raw values; the spherical model maps inputs to directions, so its known entries are those of
  the known part's direction ``x_known / |x_known|`` (the unknown values take no part in it);
- the unknown entries are completed: a stored pattern, half of it unknown (and its unknown
  entries replaced by garbage), comes back;
- the result does not depend on the unknown entries' values.

The known halves carry one wrong bit (flipped relative to the stored pattern), so a
retrieval that ignores the mask would correct it: clamping is visible in the output.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ebm_memory import DenseAssociativeMemory

N_FEATURES = 32
PATTERNS = np.random.default_rng(5).choice([-1.0, 1.0], size=(4, N_FEATURES))
KNOWN = 20
MODELS = {
    "classical": {"model": "classical"},
    "polynomial": {"model": "polynomial", "degree": 3},
    "exponential": {"model": "exponential", "beta": 0.5},
    "softmax-dot": {"model": "softmax", "similarity": "dot", "beta": 1.0},
    "softmax-euclidean": {"model": "softmax", "similarity": "euclidean", "beta": 1.0},
    "spherical": {"model": "spherical", "beta": 20.0},
}


def _masks(kind):
    """A shared (D,) mask or per-row (4, D) masks with KNOWN known entries per row."""
    if kind == "shared":
        mask = np.zeros(N_FEATURES, bool)
        mask[:KNOWN] = True
        return mask
    rng = np.random.default_rng(6)
    mask = np.zeros(PATTERNS.shape, bool)
    for row in mask:
        row[rng.choice(N_FEATURES, KNOWN, replace=False)] = True
    return mask


def _queries(mask, unknown_value):
    """The stored patterns with one known bit flipped per row and the unknown entries set to
    ``unknown_value``."""
    mask = np.broadcast_to(mask, PATTERNS.shape)
    first_known = mask.argmax(axis=1)
    flipped = PATTERNS.copy()
    flipped[np.arange(len(PATTERNS)), first_known] *= -1
    return np.where(mask, flipped, unknown_value)


def _fitted(name):
    return DenseAssociativeMemory(**MODELS[name]).fit(PATTERNS)


def _known_direction(queries, mask):
    known = np.where(mask, queries, 0.0)
    return known / np.linalg.norm(known, axis=1, keepdims=True)


@pytest.mark.parametrize("mask_kind", ["shared", "per-row"])
@pytest.mark.parametrize("name", list(MODELS))
def test_known_entries_stay_and_unknown_entries_are_completed(name, mask_kind):
    memory, mask = _fitted(name), _masks(mask_kind)
    full_mask = np.broadcast_to(mask, PATTERNS.shape)
    queries = _queries(mask, 5.0)
    states = memory.retrieve(queries, mask=mask)
    assert states.shape == PATTERNS.shape and states.dtype == np.float64
    if name == "spherical":
        expected = _known_direction(queries, full_mask)
        np.testing.assert_allclose(states[full_mask], expected[full_mask], rtol=1e-12)
    else:
        # exact: binary inputs are +-1 already (threshold 0), softmax keeps the raw values
        np.testing.assert_array_equal(states[full_mask], queries[full_mask])
    # every unknown entry completed to the stored pattern (its sign, for the continuous models)
    np.testing.assert_array_equal(np.sign(states[~full_mask]), PATTERNS[~full_mask])
    if name.startswith("softmax"):
        np.testing.assert_allclose(states[~full_mask], PATTERNS[~full_mask], atol=1e-3)


@pytest.mark.parametrize("name", list(MODELS))
def test_the_unknown_values_are_ignored(name):
    memory, mask = _fitted(name), _masks("per-row")
    garbage = memory.retrieve(_queries(mask, 5.0), mask=mask)
    zeros = memory.retrieve(_queries(mask, 0.0), mask=mask)
    np.testing.assert_allclose(garbage, zeros, rtol=1e-12, atol=1e-15)


def test_spherical_model_depends_on_the_direction_only():
    memory, mask = _fitted("spherical"), _masks("per-row")
    queries = _queries(mask, -3.0)
    np.testing.assert_allclose(
        memory.retrieve(7.5 * queries, mask=mask),
        memory.retrieve(queries, mask=mask),
        rtol=1e-12,
        atol=1e-15,
    )


@pytest.mark.filterwarnings("ignore::ebm_memory.MetastableRetrievalWarning")  # random inputs
@settings(deadline=None, max_examples=15)
@given(
    name=st.sampled_from(["classical", "exponential", "softmax-dot", "softmax-euclidean"]),
    mask=hnp.arrays(bool, PATTERNS.shape, elements=st.booleans()),
    values=hnp.arrays(
        np.float64, PATTERNS.shape, elements=st.floats(-2, 2, allow_nan=False, width=32)
    ),
)
def test_any_mask_clamps_its_entries_exactly(name, mask, values):
    """Arbitrary per-row masks (rows all known or all unknown included) and arbitrary inputs:
    the known entries come back as given (binary: as binarised, the threshold being 0)."""
    memory = _fitted(name)
    states = memory.retrieve(values, mask=mask)
    given_values = np.where(values > 0, 1.0, -1.0) if memory._kind == "binary" else values
    np.testing.assert_array_equal(states[mask], given_values[mask])
