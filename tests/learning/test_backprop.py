import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import softmax

from ebm_memory.learning import Corruption, Optimizer, fit_softmax_backprop
from ebm_memory.learning.backprop import corrupt, reconstruct, reconstruction_loss
from ebm_memory.learning.em import kmeans_plusplus_seeds

rng = np.random.default_rng(0)
PROTOTYPES = rng.choice([-1.0, 1.0], size=(3, 16))
LABELS = np.repeat(np.arange(3), 20)
X = np.where(rng.random((60, 16)) < 0.1, -PROTOTYPES[LABELS], PROTOTYPES[LABELS])


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_reconstruct_runs_model_b_updates(similarity):
    memories = rng.normal(size=(3, 16))
    state = X[0] * (rng.random(16) < 0.7)
    v = state
    for _ in range(2):
        scores = memories @ v
        if similarity == "euclidean":
            scores = scores - 0.5 * np.sum(memories**2, axis=1)
        v = softmax(0.5 * scores) @ memories
    got = reconstruct(jnp.asarray(state), jnp.asarray(memories), 0.5, similarity, 2)
    np.testing.assert_allclose(got, v, rtol=1e-10, atol=1e-12)


def test_corrupt_masks_and_adds_noise():
    rows = jnp.asarray(X)
    key = jax.random.key(3)
    np.testing.assert_array_equal(corrupt(key, rows, Corruption(0.0, 0.0)), X)
    masked = np.asarray(corrupt(key, rows, Corruption(0.5, 0.0)))
    zeros = np.mean(masked == 0)
    assert np.all((masked == 0) | (masked == X))
    assert abs(zeros - 0.5) < 4 * np.sqrt(0.25 / X.size)  # 4 binomial standard errors
    noise = np.asarray(corrupt(key, rows, Corruption(0.0, 0.3))) - X
    assert abs(noise.std() - 0.3) < 4 * 0.3 / np.sqrt(2 * X.size)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
@pytest.mark.parametrize(
    "corruption", [Corruption(0.25, 0.0), Corruption(0.25, 0.3)], ids=["masked", "masked+noisy"]
)
def test_backprop_decreases_the_reconstruction_loss(similarity, corruption):
    fit = fit_softmax_backprop(
        X,
        3,
        1.0,
        key=jax.random.key(1),
        similarity=similarity,
        n_steps=2,
        corruption=corruption,
        max_iter=100,
    )
    trace = fit.objective[: fit.n_iter]
    assert np.all(np.isfinite(trace)) and fit.memories.shape == (3, 16)
    # observed final / initial 0.35-0.59 over 3 data sets x 2 keys
    assert trace[-1] < 0.7 * trace[0]
    # the memories complete corruptions they were not trained on, too
    seeds = kmeans_plusplus_seeds(X, 3, jax.random.split(jax.random.key(1))[0])
    held_out = corrupt(jax.random.key(99), jnp.asarray(X), corruption)
    before = reconstruction_loss(seeds, held_out, X, 1.0, similarity, 2)
    after = reconstruction_loss(fit.memories, held_out, X, 1.0, similarity, 2)
    assert after < 0.75 * before


def test_initial_memories_and_the_fixed_corruption():
    start = PROTOTYPES + 0.5 * rng.normal(size=(3, 16))
    key = jax.random.key(4)
    corruption = Corruption(0.3, 0.1)
    fit = fit_softmax_backprop(
        X,
        start,
        1.0,
        key=key,
        n_steps=2,
        corruption=corruption,
        max_iter=100,
        tol=0.0,
        optimizer=Optimizer("sgd", 0.01, momentum=0.9),
    )
    assert int(fit.n_iter) == 100 and not bool(fit.converged)
    # the corruption is drawn once, from the second key of jax.random.split(key)
    corrupted = corrupt(jax.random.split(key)[1], jnp.asarray(X), corruption)
    first = reconstruction_loss(jnp.asarray(start), corrupted, X, 1.0, "dot", 2)
    assert fit.objective[0] == pytest.approx(float(first), rel=1e-12)
    assert fit.objective[-1] < 0.7 * fit.objective[0]


@pytest.mark.parametrize(
    ("memories", "arguments", "error"),
    [
        (61, {}, ValueError),
        (np.ones((3, 5)), {}, ValueError),
        (3, {"similarity": "cosine"}, ValueError),
        (3, {"corruption": Corruption(1.0, 0.0)}, ValueError),
        (3, {"corruption": Corruption(0.1, -1.0)}, ValueError),
        (3, {"corruption": (0.1, 0.0)}, TypeError),
        (3, {"n_steps": 0}, ValueError),
        (3, {"optimizer": "adam"}, TypeError),
    ],
)
def test_bad_input_is_rejected(memories, arguments, error):
    with pytest.raises(error):
        fit_softmax_backprop(X, memories, 1.0, key=jax.random.key(0), **arguments)


def test_progress_bar_is_renamed_verbose():
    from ebm_memory.energies import interactions
    from ebm_memory.learning import fit_binary_memories, fit_delta_memories

    X = np.random.default_rng(0).choice([-1.0, 1.0], size=(4, 6))
    fits = (
        lambda **kw: fit_softmax_backprop(X, 2, 1.0, **kw),
        lambda **kw: fit_binary_memories(X, 2, interactions.polynomial(2), **kw),
        lambda **kw: fit_delta_memories(X, 2, **kw),
    )
    for fit in fits:
        with pytest.warns(FutureWarning, match="`verbose`"):
            old = fit(key=jax.random.key(0), max_iter=2, progress_bar=False)
        new = fit(key=jax.random.key(0), max_iter=2, verbose=0)
        np.testing.assert_array_equal(old.memories, new.memories)
