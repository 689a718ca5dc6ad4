import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory.dynamics import synchronous_step
from ebm_memory.energies import binary_energy, interactions
from ebm_memory.learning import fit_delta_memories, hebbian_weights, weights_to_memories
from ebm_memory.learning.binary import bit_differences, rule_loss
from ebm_memory.learning.hebbian import delta_loss, local_fields

CLASSICAL = interactions.classical()
rng = np.random.default_rng(0)
PATTERNS = rng.choice([-1.0, 1.0], size=(6, 16))  # 0.375 D: beyond Hebb's 0.14 D


def fixed_points(X, memories):
    """Fraction of the rows that one synchronous update leaves unchanged."""
    step = jax.vmap(synchronous_step, in_axes=(0, None, None))
    return float(np.mean(np.all(np.asarray(step(X, memories, CLASSICAL)) == X, axis=1)))


def test_hebbian_weights():
    X = PATTERNS
    np.testing.assert_allclose(hebbian_weights(X), X.T @ X / 6, rtol=1e-12)
    np.testing.assert_allclose(hebbian_weights(X, normalise=False), X.T @ X, rtol=1e-12)
    hollow = np.asarray(hebbian_weights(X, zero_diagonal=True))
    np.testing.assert_array_equal(np.diag(hollow), 0.0)
    np.testing.assert_allclose(hollow + np.eye(16), X.T @ X / 6, rtol=1e-12)  # diag of +-1 is 1


@pytest.mark.parametrize("n_memories", [6, 9, 20])
def test_factor_is_exact_for_psd_weights_of_rank_at_most_k(n_memories):
    W = hebbian_weights(PATTERNS)  # PSD, rank 6
    memories = np.asarray(weights_to_memories(W, n_memories))
    assert memories.shape == (n_memories, 16)
    np.testing.assert_allclose(memories.T @ memories, W, atol=1e-12)
    np.testing.assert_array_equal(memories[16:], 0.0)  # beyond D
    np.testing.assert_allclose(memories[6:], 0.0, atol=1e-7)  # beyond the rank
    rows = memories[:6]  # each signed so that its largest-magnitude entry is positive
    assert np.all(rows[np.arange(6), np.argmax(np.abs(rows), axis=1)] > 0)


def test_factor_is_the_best_rank_k_psd_part():
    A = rng.normal(size=(16, 16))
    W = A + A.T  # indefinite
    values, vectors = np.linalg.eigh(W)
    top = values[::-1][:4]
    assert top[-1] > 0
    best = (vectors[:, ::-1][:, :4] * top) @ vectors[:, ::-1][:, :4].T
    memories = np.asarray(weights_to_memories(W, 4))
    np.testing.assert_allclose(memories.T @ memories, best, atol=1e-10)
    # negative eigenvalues are dropped: more memories than positive eigenvalues add zeros
    n_positive = int(np.sum(values > 0))
    wide = np.asarray(weights_to_memories(W, 16))
    np.testing.assert_allclose(wide[n_positive:], 0.0, atol=1e-12)
    positive = (vectors * np.maximum(values, 0)) @ vectors.T
    np.testing.assert_allclose(wide.T @ wide, positive, atol=1e-10)


def test_unnormalised_hebbian_memories_have_the_energy_of_the_stored_rows():
    memories = weights_to_memories(hebbian_weights(PATTERNS, normalise=False), 6)
    states = jnp.asarray(rng.choice([-1.0, 1.0], size=(20, 16)))
    energy = jax.vmap(binary_energy, in_axes=(0, None, None))
    np.testing.assert_allclose(
        energy(states, memories, CLASSICAL), energy(states, PATTERNS, CLASSICAL), rtol=1e-10
    )


def test_delta_loss_is_the_krotov_hopfield_loss_with_power_one():
    memories = jnp.asarray(rng.normal(size=(4, 16)))
    fields = jax.vmap(local_fields, in_axes=(0, None))(PATTERNS, memories)
    differences = jax.vmap(bit_differences, in_axes=(0, None, None))(PATTERNS, memories, CLASSICAL)
    np.testing.assert_allclose(4 * fields, differences, rtol=1e-10, atol=1e-10)
    # the field excludes the self-coupling: h = W x - diag(W) x
    W = memories.T @ memories
    expected = PATTERNS @ W - PATTERNS * np.diag(W)
    np.testing.assert_allclose(fields, expected, rtol=1e-10, atol=1e-10)
    for sharpness in (0.05, 0.3):
        np.testing.assert_allclose(
            delta_loss(memories, PATTERNS, sharpness),
            rule_loss(memories, PATTERNS, CLASSICAL, sharpness / 4, 1),
            rtol=1e-12,
        )


def test_delta_loss_gradient_is_the_delta_rule_on_w():
    memories = jnp.asarray(rng.normal(size=(4, 16)))
    sharpness = 0.2
    predictions = np.tanh(sharpness * jax.vmap(local_fields, in_axes=(0, None))(PATTERNS, memories))
    errors = (PATTERNS - predictions) * (1 - predictions**2)  # delta_ni
    update = errors.T @ PATTERNS  # sum_n delta_ni x_nj
    np.fill_diagonal(update, 0.0)
    dloss_dW = -2 * sharpness / PATTERNS.size * update
    expected = memories @ (dloss_dW + dloss_dW.T)  # through W = xi^T xi
    got = jax.grad(delta_loss)(memories, PATTERNS, sharpness)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_delta_rule_stores_patterns_hebb_cannot():
    hebbian = weights_to_memories(hebbian_weights(PATTERNS), 6)
    assert fixed_points(PATTERNS, hebbian) < 0.5
    fit = fit_delta_memories(PATTERNS, 6, key=jax.random.key(0))
    trace = fit.objective[: fit.n_iter]
    assert np.all(np.isfinite(trace)) and np.all(np.isnan(fit.objective[fit.n_iter :]))
    assert trace[-1] < 0.01 * trace[0]  # observed 0.32 -> 6e-5
    assert fixed_points(PATTERNS, fit.memories) == 1.0
    # a given start (here Hebb's, without jitter) and sharpness are used as given
    fixed = fit_delta_memories(
        PATTERNS, 6, key=jax.random.key(0), initial_memories=hebbian, sharpness=0.4, max_iter=2
    )
    assert fixed.objective[0] == pytest.approx(float(delta_loss(hebbian, PATTERNS, 0.4)))


@pytest.mark.parametrize(
    ("X", "arguments", "error"),
    [
        (np.zeros((4, 3)), {}, ValueError),
        (np.ones((4, 3)), {"initial_memories": np.ones((2, 4))}, ValueError),
        (np.ones((4, 3)), {"sharpness": -1.0}, ValueError),
        (np.ones((4, 3)), {"optimizer": "adam"}, TypeError),
    ],
)
def test_bad_input_is_rejected(X, arguments, error):
    with pytest.raises(error):
        fit_delta_memories(X, 2, key=jax.random.key(0), **arguments)


def test_weights_must_be_square():
    with pytest.raises(ValueError, match="square"):
        weights_to_memories(np.ones((3, 4)), 2)
