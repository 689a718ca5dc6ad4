import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads
from scipy import integrate
from scipy.special import logsumexp

from ebm_memory.energies import (
    attraction,
    binary_energy,
    interactions,
    softmax_energy,
    softmax_update,
    spherical_energy,
)

rng = np.random.default_rng(0)
MEMORIES = rng.normal(size=(7, 5))
STATE = rng.normal(size=5)
SIGNS = rng.choice([-1.0, 1.0], size=5)


def _name(value):
    return repr(value) if isinstance(value, interactions.Interaction) else ""


INTERACTIONS = [
    (interactions.classical(), lambda h: h**2),
    (interactions.polynomial(3), lambda h: h**3),
    (interactions.rectified_polynomial(4), lambda h: np.maximum(h, 0) ** 4),
    (interactions.exponential(0.7), lambda h: np.exp(0.7 * h)),
]


@pytest.mark.parametrize(("interaction", "F"), INTERACTIONS, ids=_name)
@pytest.mark.parametrize("chunk_size", [None, 3])
def test_model_a_and_c_energies_are_minus_sum_of_F(interaction, F, chunk_size):
    expected = -np.sum(F(MEMORIES @ SIGNS))
    got = binary_energy(jnp.asarray(SIGNS), MEMORIES, interaction, chunk_size=chunk_size)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    direction = STATE / np.linalg.norm(STATE)
    got = spherical_energy(jnp.asarray(3.0 * STATE), MEMORIES, interaction, chunk_size=chunk_size)
    expected = -np.sum(F(MEMORIES @ direction))
    if interaction.log_domain:  # the log-sum-exp hidden Lagrangian
        expected = -np.log(-expected) / interaction.log_scale
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize("chunk_size", [None, 2, 3, 7, 100])
def test_softmax_energy_dot_and_euclidean_closed_forms(chunk_size):
    beta = 1.7
    dot = softmax_energy(STATE, MEMORIES, beta, chunk_size=chunk_size)
    expected = 0.5 * STATE @ STATE - logsumexp(beta * MEMORIES @ STATE) / beta
    np.testing.assert_allclose(dot, expected, rtol=1e-12)
    euclid = softmax_energy(STATE, MEMORIES, beta, similarity="euclidean", chunk_size=chunk_size)
    squared = np.sum((STATE - MEMORIES) ** 2, axis=1)
    np.testing.assert_allclose(euclid, -logsumexp(-beta * squared / 2) / beta, rtol=1e-12)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
@pytest.mark.parametrize("chunk_size", [None, 3])
def test_update_is_softmax_weighted_memories_and_energy_matches(similarity, chunk_size):
    beta = 0.9
    new, energy = softmax_update(
        STATE, MEMORIES, beta, similarity=similarity, chunk_size=chunk_size
    )
    bias = 0.0 if similarity == "dot" else -0.5 * np.sum(MEMORIES**2, axis=1)
    weights = np.exp(beta * (MEMORIES @ STATE + bias) - logsumexp(beta * (MEMORIES @ STATE + bias)))
    np.testing.assert_allclose(new, weights @ MEMORIES, rtol=1e-12)
    np.testing.assert_allclose(energy, softmax_energy(STATE, MEMORIES, beta, similarity=similarity))


def test_update_is_one_gradient_step_of_unit_length():
    """The CCCP update equals v - grad E(v): energy descent with step size one."""
    beta = 1.3
    grad = jax.grad(softmax_energy)(jnp.asarray(STATE), MEMORIES, beta)
    new, _ = softmax_update(STATE, MEMORIES, beta)
    np.testing.assert_allclose(new, STATE - grad, rtol=1e-12)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_boltzmann_density_is_the_stated_gaussian_mixture(similarity):
    """In 1-D, log of the integral of exp(-beta E) equals the closed-form normaliser."""
    beta = 2.5
    memories = np.array([[-1.0], [0.5], [2.0]])

    def unnormalised(x):
        return np.exp(
            -beta * float(softmax_energy(jnp.array([x]), memories, beta, similarity=similarity))
        )

    value, _ = integrate.quad(unnormalised, -12, 12, limit=200)
    # dot: weights exp(beta |xi|^2 / 2); euclidean: equal weights (a Gaussian KDE).
    log_weights = beta * np.sum(memories**2, axis=1) / 2 if similarity == "dot" else np.zeros(3)
    expected = logsumexp(log_weights) + 0.5 * np.log(2 * np.pi / beta)
    np.testing.assert_allclose(np.log(value), expected, rtol=1e-9)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_energy_gradients(similarity):
    check_grads(
        jax.jit(lambda v, m: softmax_energy(v, m, 1.3, similarity=similarity, chunk_size=3)),
        (jnp.asarray(STATE), jnp.asarray(MEMORIES)),
        order=2,
        modes=["fwd", "rev"],
    )


@pytest.mark.parametrize(("interaction", "F"), INTERACTIONS[:2] + INTERACTIONS[3:], ids=_name)
def test_model_a_and_c_gradients(interaction, F):
    check_grads(
        jax.jit(lambda s: binary_energy(s, MEMORIES, interaction, chunk_size=3)),
        (jnp.asarray(SIGNS),),
        order=2,
        modes=["fwd", "rev"],
    )
    check_grads(
        jax.jit(lambda v: spherical_energy(v, MEMORIES, interaction)),
        (jnp.asarray(STATE),),
        order=2,
        modes=["fwd", "rev"],
    )


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("beta", [1e2, 1e4, 1e8])
@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_finite_energy_and_gradient_at_large_beta_and_inputs(dtype, beta, similarity):
    memories = jnp.asarray(MEMORIES, dtype) * 1e3
    state = jnp.asarray(STATE, dtype) * 1e3

    def energy(v):
        return softmax_energy(v, memories, beta, similarity=similarity, chunk_size=3)

    value, grad = jax.jit(jax.value_and_grad(energy))(state)
    new, _ = jax.jit(lambda v: softmax_update(v, memories, beta, similarity=similarity))(state)
    assert value.dtype == dtype and grad.dtype == dtype
    assert jnp.isfinite(value) and jnp.all(jnp.isfinite(grad)) and jnp.all(jnp.isfinite(new))
    # At huge beta the energy is the nearest-memory (max) term: check the limit.
    scores = np.asarray(MEMORIES * 1e3 @ (STATE * 1e3))
    if similarity == "euclidean":
        scores = scores - 0.5 * np.sum((MEMORIES * 1e3) ** 2, axis=1)
    limit = 0.5 * float(np.sum((STATE * 1e3) ** 2)) - scores.max()
    np.testing.assert_allclose(float(value), limit, rtol=1e-4)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_exponential_model_a_decisions_never_overflow(dtype):
    """exp(h) overflows for h > 88 (float32) but the log-domain attraction does not."""
    memories = jnp.asarray(rng.choice([-1.0, 1.0], size=(4, 800)), dtype)
    exponential = interactions.exponential()
    assert binary_energy(memories[0], memories, exponential) == -jnp.inf
    log_attraction = attraction(lambda patterns: patterns @ memories[0], memories, exponential)
    np.testing.assert_allclose(log_attraction, 800.0, rtol=1e-6)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="features"):
        softmax_energy(jnp.ones(4), MEMORIES, 1.0)
    with pytest.raises(ValueError, match="one vector"):
        binary_energy(jnp.ones((2, 5)), MEMORIES, interactions.classical())
    with pytest.raises(ValueError, match="beta"):
        softmax_energy(jnp.ones(5), MEMORIES, -1.0)
    with pytest.raises(ValueError, match="similarity"):
        softmax_energy(jnp.ones(5), MEMORIES, 1.0, similarity="cosine")
