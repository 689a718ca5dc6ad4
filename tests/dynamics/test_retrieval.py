import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebm_memory.dynamics import retrieve_binary, retrieve_softmax, retrieve_spherical
from ebm_memory.energies import interactions

N = 64
rng = np.random.default_rng(0)
PATTERNS = rng.choice([-1.0, 1.0], size=(12, N))
BINARY = [
    interactions.polynomial(3),
    interactions.rectified_polynomial(3),
    interactions.exponential(1.0),
]


def corrupt(patterns, fraction, seed):
    flips = np.random.default_rng(seed).random(patterns.shape) < fraction
    return np.where(flips, -patterns, patterns)


@pytest.mark.parametrize("interaction", BINARY, ids=repr)
@pytest.mark.parametrize("update", ["async", "sync"])
def test_binary_patterns_are_fixed_points_and_attract(interaction, update):
    stored = retrieve_binary(PATTERNS, PATTERNS, interaction, update=update, chunk_size=5)
    np.testing.assert_array_equal(stored.states, PATTERNS)
    assert np.all(stored.n_steps == 1) and np.all(stored.converged)
    noisy = retrieve_binary(corrupt(PATTERNS, 0.2, 1), PATTERNS, interaction, update=update)
    np.testing.assert_array_equal(noisy.states, PATTERNS)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_softmax_retrieves_in_one_step_with_exponentially_small_error(similarity):
    beta = 0.5 if similarity == "dot" else 0.25
    queries = corrupt(PATTERNS, 0.2, 2)
    one_step = retrieve_softmax(queries, PATTERNS, beta, similarity=similarity, max_iter=1)
    error = np.abs(np.asarray(one_step.states) - PATTERNS).max()
    # separation of random +-1 patterns is about N - max overlap ~ 40: error ~ exp(-beta * 20)
    assert error < 2 * N * np.exp(-beta * 20)
    full = retrieve_softmax(queries, PATTERNS, beta, similarity=similarity, tol=1e-12)
    assert np.all(full.converged)
    # the fixed point sits within the same exponentially small distance of the pattern
    np.testing.assert_allclose(full.states, PATTERNS, atol=2 * N * np.exp(-beta * 20))


def test_spherical_model_retrieves_directions():
    queries = corrupt(PATTERNS, 0.2, 3)
    sharp = retrieve_spherical(queries, PATTERNS, interactions.exponential(4.0), chunk_size=5)
    assert np.all(sharp.converged)
    np.testing.assert_allclose(sharp.states, PATTERNS / np.sqrt(N), atol=1e-6)
    quartic = retrieve_spherical(queries, PATTERNS, interactions.polynomial(4), tol=1e-10)
    assert np.all(quartic.converged)
    np.testing.assert_array_equal(np.sign(quartic.states), PATTERNS)
    np.testing.assert_allclose(np.linalg.norm(quartic.states, axis=1), 1.0, rtol=1e-12)


def _fraction_retrieved(n_patterns, n_features, seed):
    patterns = np.random.default_rng(seed).choice([-1.0, 1.0], size=(n_patterns, n_features))
    result = retrieve_binary(patterns, patterns, interactions.classical())
    return float(np.mean(np.all(np.asarray(result.states) == patterns, axis=1)))


def test_classical_capacity_is_between_005n_and_03n():
    """0.05 N random patterns are stable fixed points; at 0.3 N (beyond 0.14 N) they are not."""
    assert _fraction_retrieved(10, 200, seed=4) == 1.0
    assert _fraction_retrieved(60, 200, seed=4) < 0.1


def test_exponential_dam_stores_far_beyond_classical_capacity_without_overflow():
    patterns = np.random.default_rng(5).choice([-1.0, 1.0], size=(400, 100)).astype(np.float32)
    result = retrieve_binary(
        corrupt(patterns, 0.1, 6),
        patterns,
        interactions.exponential(),
        update="sync",
        chunk_size=64,
    )
    np.testing.assert_array_equal(result.states, patterns)


@pytest.mark.parametrize("update", ["async", "sync"])
def test_mask_clamps_known_bits_and_completes_the_rest(update):
    mask = np.zeros(N, bool)
    mask[: N // 2] = True
    queries = np.where(mask, PATTERNS, np.random.default_rng(7).choice([-1.0, 1.0], size=(12, N)))
    result = retrieve_binary(
        queries, PATTERNS, interactions.exponential(), update=update, mask=mask
    )
    np.testing.assert_array_equal(result.states, PATTERNS)
    soft = retrieve_softmax(queries * np.where(mask, 1.0, 0.0), PATTERNS, 0.5, mask=mask)
    np.testing.assert_array_equal(np.asarray(soft.states)[:, mask], PATTERNS[:, mask])
    np.testing.assert_allclose(soft.states, PATTERNS, atol=1e-6)


@pytest.mark.parametrize("interaction", BINARY, ids=repr)
def test_unknown_zero_entries_are_decided_from_the_known_ones(interaction):
    """Half the bits unknown (0): the first decision alone already restores the pattern."""
    queries = PATTERNS.copy()
    queries[:, N // 2 :] = 0.0
    result = retrieve_binary(queries, PATTERNS, interaction, max_iter=1, update="sync")
    np.testing.assert_array_equal(result.states, PATTERNS)
    assert np.all(result.converged)


def test_chunked_and_unchunked_retrieval_agree():
    queries = corrupt(PATTERNS, 0.3, 8)
    for chunk in (1, 5, 12):
        a = retrieve_softmax(queries, PATTERNS, 0.1, chunk_size=chunk, record_energy=True)
        b = retrieve_softmax(queries, PATTERNS, 0.1, record_energy=True)
        np.testing.assert_allclose(a.states, b.states, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(a.energy_trace, b.energy_trace, rtol=1e-10)
        c = retrieve_binary(
            queries, PATTERNS, interactions.polynomial(2), update="sync", chunk_size=chunk
        )
        d = retrieve_binary(queries, PATTERNS, interactions.polynomial(2), update="sync")
        np.testing.assert_array_equal(c.states, d.states)


@settings(max_examples=20)
@given(
    seed=st.integers(0, 2**31),
    beta=st.floats(0.01, 5.0),
    similarity=st.sampled_from(["dot", "euclidean"]),
)
def test_cccp_update_never_increases_energy(seed, beta, similarity):
    generator = np.random.default_rng(seed)
    memories = generator.normal(size=(9, 6)) * generator.uniform(0.1, 3)
    states = generator.normal(size=(4, 6)) * 3
    result = retrieve_softmax(
        states, memories, beta, similarity=similarity, max_iter=15, chunk_size=4, record_energy=True
    )
    trace = np.asarray(result.energy_trace)
    assert np.all(np.diff(trace, axis=1) <= 1e-12 * (1 + np.abs(trace[:, :-1])))


@settings(max_examples=20)
@given(seed=st.integers(0, 2**31), interaction=st.sampled_from(BINARY + [interactions.classical()]))
def test_async_and_spherical_updates_never_increase_energy(seed, interaction):
    generator = np.random.default_rng(seed)
    memories = generator.normal(size=(9, 6))
    states = generator.normal(size=(4, 6))
    for result in (
        retrieve_binary(states, memories, interaction, max_iter=6, record_energy=True),
        retrieve_spherical(states, memories, interaction, max_iter=6, record_energy=True)
        if interaction.name != "polynomial" or dict(interaction.params)["n"] % 2 == 0
        else None,
    ):
        if result is None:
            continue
        trace = np.asarray(result.energy_trace)
        assert np.all(np.diff(trace, axis=1) <= 1e-12 * (1 + np.abs(trace[:, :-1])))


def test_single_state_returns_unbatched_result_and_keeps_float32():
    result = retrieve_softmax(PATTERNS[0].astype(np.float32), PATTERNS.astype(np.float32), 0.5)
    assert result.states.shape == (N,) and result.n_steps.shape == ()
    assert result.states.dtype == jnp.float32


def test_bad_input_is_rejected():
    classical = interactions.classical()
    with pytest.raises(ValueError, match="features"):
        retrieve_softmax(np.ones(5), PATTERNS, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        retrieve_softmax(np.full(N, np.nan), PATTERNS, 1.0)
    with pytest.raises(ValueError, match="NaN"):
        retrieve_binary(np.ones(N), np.where(PATTERNS > 0, np.inf, 0), classical)
    with pytest.raises(ValueError, match="beta"):
        retrieve_softmax(np.ones(N), PATTERNS, 0.0)
    with pytest.raises(ValueError, match="update"):
        retrieve_binary(np.ones(N), PATTERNS, classical, update="parallel")
    with pytest.raises(TypeError, match="Interaction"):
        retrieve_binary(np.ones(N), PATTERNS, lambda h: h**2)
    with pytest.raises(ValueError, match="mask"):
        retrieve_binary(np.ones(N), PATTERNS, classical, mask=np.ones(3, bool))
    with pytest.raises(TypeError, match="boolean"):
        retrieve_binary(np.ones(N), PATTERNS, classical, mask=np.ones(N))
    with pytest.raises(ValueError, match="non-zero"):
        retrieve_spherical(np.zeros(N), PATTERNS, classical)
    with pytest.raises(TypeError, match="real numbers"):
        retrieve_softmax(np.array(["a"] * N), PATTERNS, 1.0)
    with pytest.raises(ValueError, match="max_iter"):
        retrieve_softmax(np.ones(N), PATTERNS, 1.0, max_iter=0)


def _flipped_known_queries(seed):
    """Per-row masks with N / 2 known entries; each row is its stored pattern with one known
    bit flipped (so free dynamics would correct it: clamping is visible) and the unknown
    entries set to 0."""
    generator = np.random.default_rng(seed)
    mask = np.zeros(PATTERNS.shape, bool)
    for row in mask:
        row[generator.choice(N, N // 2, replace=False)] = True
    queries = PATTERNS.copy()
    queries[np.arange(len(PATTERNS)), mask.argmax(axis=1)] *= -1
    return np.where(mask, queries, 0.0), mask


@pytest.mark.parametrize(
    "driver",
    ["binary-async", "binary-sync", "softmax-dot", "softmax-euclidean", "spherical"],
)
def test_per_row_masks_clamp_exactly_and_complete_the_rest(driver):
    queries, mask = _flipped_known_queries(9)
    if driver.startswith("binary"):
        update = driver.split("-")[1]
        result = retrieve_binary(
            queries, PATTERNS, interactions.exponential(0.5), update=update, mask=mask
        )
    elif driver.startswith("softmax"):
        similarity = driver.split("-")[1]
        result = retrieve_softmax(queries, PATTERNS, 0.5, similarity=similarity, mask=mask)
    else:
        result = retrieve_spherical(queries, PATTERNS, interactions.exponential(20.0), mask=mask)
    states = np.asarray(result.states)
    np.testing.assert_array_equal(states[mask], queries[mask])
    np.testing.assert_array_equal(np.sign(states[~mask]), PATTERNS[~mask])
    # the free run corrects the flipped known bit, so the mask is what kept it
    if driver.startswith("binary"):
        free = retrieve_binary(queries, PATTERNS, interactions.exponential(0.5))
        assert not np.array_equal(np.asarray(free.states)[mask], queries[mask])


def test_ties_keep_the_bit_in_synchronous_and_asynchronous_updates():
    """xi = (1, 1, 1), F = h^2, s = (1, 1, -1): h = 1. Flipping bit 0 or 1 gives h = -1, the
    same energy (a tie: keep); flipping bit 2 gives h = 3, lower energy (flip). So one step
    of either rule reaches xi; flipping tied bits too would give (-1, -1, 1)."""
    from ebm_memory.dynamics.binary import asynchronous_sweep, synchronous_step

    memories = jnp.ones((1, 3))
    state = jnp.array([1.0, 1.0, -1.0])
    for update in (synchronous_step, asynchronous_sweep):
        new = update(state, memories, interactions.classical())
        np.testing.assert_array_equal(np.asarray(new), [1.0, 1.0, 1.0])


def test_a_new_max_iter_does_not_compile_again():
    from ebm_memory.dynamics.retrieval import _batch

    queries = PATTERNS[:2] * 0.9
    retrieve_softmax(queries, PATTERNS, 1.0, max_iter=3)
    before = _batch._cache_size()
    results = [retrieve_softmax(queries, PATTERNS, 1.0, max_iter=m, tol=0.0) for m in (1, 9)]
    assert _batch._cache_size() == before
    assert int(results[0].n_steps.max()) == 1 < int(results[1].n_steps.max())
