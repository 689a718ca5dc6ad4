import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ebm_memory.dynamics.retrieval import retrieve_binary
from ebm_memory.energies import interactions
from ebm_memory.learning.classifier import ClassifierObjective, label_outputs, one_hot_targets
from ebm_memory.learning.continual import (
    AGEMProjection,
    fisher_diagonal,
    project_away,
    pseudo_items,
    synaptic_importance,
)

N_FEATURES, N_CLASSES, N_MEMORIES = 6, 3, 5
OBJECTIVE = ClassifierObjective(interactions.rectified_polynomial(3), N_CLASSES, 1)
vectors = arrays(
    np.float64, 8, elements=st.floats(-10, 10, allow_subnormal=False)
)  # XLA flushes those


@given(vectors, vectors)
def test_projected_gradient_never_points_uphill_for_the_reference(gradient, reference):
    projected = np.asarray(project_away(jnp.asarray(gradient), jnp.asarray(reference)))
    scale = 1e-9 * (1 + np.linalg.norm(gradient) * np.linalg.norm(reference))
    assert projected @ reference >= -scale
    if gradient @ reference >= 0:
        np.testing.assert_array_equal(projected, gradient)
    else:  # the smallest change that does it: only along the reference
        change = gradient - projected
        np.testing.assert_allclose(
            change - (change @ reference) / (reference @ reference) * reference, 0, atol=1e-9
        )


def _conflicting_tasks(seed=0):
    """A buffer task and a new task on the same rows with negated targets: near the start,
    where the outputs are small, their gradients point in nearly opposite directions."""
    rng = np.random.default_rng(seed)
    memories = rng.uniform(-1, 1, (N_MEMORIES, N_FEATURES + N_CLASSES))
    X = rng.uniform(-1, 1, (32, N_FEATURES))
    buffer_targets = np.asarray(one_hot_targets(rng.integers(0, N_CLASSES, 32), N_CLASSES))
    return memories, X, -buffer_targets, buffer_targets


def test_agem_step_does_not_raise_the_buffer_loss_to_first_order():
    memories, X, targets, buffer_targets = _conflicting_tasks()
    ones, sharpness = jnp.ones(len(X)), 0.2
    data = (X, targets, ones, sharpness, memories, jnp.zeros_like(memories), 0.0)
    data = data + (X, buffer_targets, ones)

    def buffer_loss(m):
        return OBJECTIVE.task_loss(m, X, buffer_targets, ones, sharpness)

    step = -jax.grad(OBJECTIVE)(memories, *data)  # a plain gradient step, or Adam's first
    reference = jax.grad(buffer_loss)(memories)
    assert float(jnp.vdot(step, reference)) > 0  # unprojected, it raises the buffer loss
    for update in (step, jnp.sign(step)):
        projected = AGEMProjection(OBJECTIVE)(update, memories, data)
        _, slope = jax.jvp(buffer_loss, (memories,), (projected,))  # d/d(eta) at eta = 0
        assert float(slope) <= 1e-12 * float(jnp.vdot(update, update))
    _, naive_slope = jax.jvp(buffer_loss, (memories,), (step,))
    assert float(naive_slope) > 0


def test_fisher_diagonal_is_the_mean_squared_per_row_gradient():
    memories, X, targets, _ = _conflicting_tasks(1)
    fisher = np.asarray(fisher_diagonal(OBJECTIVE, memories, X, targets, 0.2))
    rows = [
        np.asarray(
            jax.grad(lambda m, x=x, t=t: OBJECTIVE.per_sample(m, x[None], t[None], 0.2)[0])(
                memories
            )
        )
        ** 2
        for x, t in zip(X, targets, strict=True)
    ]
    np.testing.assert_allclose(fisher, np.mean(rows, axis=0), rtol=1e-10, atol=1e-300)


def test_synaptic_importance_drops_negative_path_integrals():
    omega = jnp.array([3.0, -2.0, 0.0])
    delta = jnp.array([1.0, 2.0, 0.0])
    np.testing.assert_allclose(synaptic_importance(omega, delta, 0.5), [2.0, 0.0, 0.0])


def test_pseudo_items_are_stable_states_labelled_by_the_network():
    memories, *_ = _conflicting_tasks(2)
    memories = jnp.asarray(memories)
    features, outputs = pseudo_items(
        memories, N_FEATURES, N_CLASSES, OBJECTIVE, 0.2, 16, jax.random.key(0)
    )
    assert features.shape == (16, N_FEATURES) and outputs.shape == (16, N_CLASSES)
    assert set(np.unique(features)) <= {-1.0, 1.0}
    expected = jax.vmap(label_outputs, in_axes=(0, None, None, None, None))(
        features, memories, OBJECTIVE.interaction, N_CLASSES, 0.2
    )
    np.testing.assert_allclose(outputs, expected, rtol=1e-12)
    starts = jax.random.rademacher(jax.random.key(0), (16, N_FEATURES + N_CLASSES))
    states = retrieve_binary(starts.astype(memories.dtype), memories, OBJECTIVE.interaction)
    again = retrieve_binary(states.states, memories, OBJECTIVE.interaction)
    np.testing.assert_array_equal(again.states, states.states)  # fixed points
    np.testing.assert_array_equal(np.asarray(states.states)[:, :N_FEATURES], features)
