import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory.energies import interactions
from ebm_memory.energies.effective import binary_energy
from ebm_memory.learning.classifier import (
    ClassifierObjective,
    label_drives,
    label_log_probabilities,
    one_hot_targets,
)
from ebm_memory.learning.continual import train_task
from ebm_memory.learning.optimise import Optimizer

N_FEATURES, N_CLASSES, N_MEMORIES = 6, 3, 5
INTERACTIONS = [
    interactions.rectified_polynomial(3),
    interactions.polynomial(2),
    interactions.exponential(0.5),
]


def _problem(seed=0, n_rows=40):
    rng = np.random.default_rng(seed)
    memories = rng.uniform(-1, 1, (N_MEMORIES, N_FEATURES + N_CLASSES))
    X = rng.uniform(-1, 1, (n_rows, N_FEATURES))
    y = rng.integers(0, N_CLASSES, n_rows)
    return memories, X, y


@pytest.mark.parametrize("interaction", INTERACTIONS, ids=repr)
def test_drives_are_energy_differences_of_the_clamped_label_states(interaction):
    memories, X, _ = _problem()
    for features in X[:4]:
        off = np.concatenate([features, -np.ones(N_CLASSES)])
        energies = []
        for label in range(N_CLASSES):
            state = off.copy()
            state[N_FEATURES + label] = 1.0
            energies.append(binary_energy(jnp.asarray(state), jnp.asarray(memories), interaction))
        expected = float(binary_energy(jnp.asarray(off), jnp.asarray(memories), interaction))
        expected = expected - np.array(energies, dtype=float)
        drives = np.asarray(label_drives(features, memories, interaction, N_CLASSES))
        if interaction.log_domain:  # log-attraction differences in overlap units
            expected = np.log(-np.array(energies, dtype=float)) - np.log(
                -float(binary_energy(jnp.asarray(off), jnp.asarray(memories), interaction))
            )
            expected = expected / interaction.log_scale
        np.testing.assert_allclose(drives, expected, rtol=1e-9, atol=1e-9)


def test_labels_not_in_play_sit_at_zero_in_both_states():
    memories, X, _ = _problem()
    interaction = INTERACTIONS[0]
    active = np.array([1.0, 0.0, 1.0])
    for features in X[:4]:
        off = np.concatenate([features, -active])

        def attraction_of(state):
            return -float(binary_energy(jnp.asarray(state), jnp.asarray(memories), interaction))

        expected = []
        for label in range(N_CLASSES):
            state = off.copy()
            state[N_FEATURES + label] = 1.0
            expected.append(attraction_of(state) - attraction_of(off))
        drives = label_drives(features, memories, interaction, N_CLASSES, jnp.asarray(active))
        np.testing.assert_allclose(np.asarray(drives), expected, rtol=1e-9, atol=1e-9)


def test_label_distribution_is_a_softmax_of_twice_the_scaled_drives():
    memories, X, _ = _problem()
    interaction = INTERACTIONS[0]
    log_probs = label_log_probabilities(X[0], memories, interaction, N_CLASSES, 0.3)
    drives = label_drives(X[0], memories, interaction, N_CLASSES)
    np.testing.assert_allclose(np.exp(log_probs).sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(
        np.diff(np.asarray(log_probs)), 0.6 * np.diff(np.asarray(drives)), rtol=1e-10
    )


def test_zero_strength_penalty_vanishes_exactly():
    memories, X, y = _problem()
    objective = ClassifierObjective(INTERACTIONS[0], N_CLASSES, 1)
    targets = one_hot_targets(y, N_CLASSES)
    weights = jnp.ones(len(X))
    anchor = memories + 0.5
    task = objective.task_loss(memories, X, targets, weights, 0.1)
    total = objective(memories, X, targets, weights, 0.1, anchor, jnp.ones_like(memories), 0.0)
    assert float(total) == float(task)
    penalised = objective(memories, X, targets, weights, 0.1, anchor, jnp.ones_like(memories), 2.0)
    np.testing.assert_allclose(float(penalised - task), 0.25 * memories.size, rtol=1e-12)


@pytest.mark.parametrize(
    "optimizer", [Optimizer("adam", 0.05), Optimizer("sgd", 0.5, momentum=0.9)], ids=repr
)
@pytest.mark.parametrize("power", [1, 2])
def test_training_lowers_the_kh2016_loss_and_keeps_memories_in_the_unit_box(optimizer, power):
    memories, X, y = _problem(n_rows=60)
    objective = ClassifierObjective(INTERACTIONS[0], N_CLASSES, power)
    targets = np.asarray(one_hot_targets(y, N_CLASSES))
    fit = train_task(
        objective,
        memories,
        X,
        targets,
        np.ones(len(X)),
        sharpness=0.2,
        anchor=memories,
        importance=np.zeros_like(memories),
        strength=0.0,
        optimizer=optimizer,
        max_iter=100,
    )
    assert fit.objective[-1] < 0.8 * fit.objective[0]
    assert np.abs(np.asarray(fit.params)).max() <= 1.0


def test_padding_rows_carry_no_weight():
    memories, X, y = _problem(n_rows=40)
    objective = ClassifierObjective(INTERACTIONS[1], N_CLASSES, 1)
    targets = np.asarray(one_hot_targets(y, N_CLASSES))
    settings = {
        "sharpness": 0.2,
        "anchor": memories,
        "importance": np.zeros_like(memories),
        "strength": 0.0,
        "optimizer": Optimizer(),
        "max_iter": 5,
    }
    padded = train_task(objective, memories, X, targets, np.ones(40), **settings)
    loss = jax.jit(objective.task_loss)(memories, X, targets, jnp.ones(40), 0.2)
    np.testing.assert_allclose(padded.objective[0], float(loss), rtol=1e-12)
