import itertools
import pickle
import warnings

import joblib
import numpy as np
import pytest
from scipy import integrate
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from ebm_memory import DenseAssociativeMemory
from ebm_memory.estimators import MetastableRetrievalWarning

rng = np.random.default_rng(0)
PATTERNS = rng.choice([-1.0, 1.0], size=(16, 40))
CONTINUOUS = rng.normal(size=(30, 3))


def noisy(patterns, fraction, seed):
    flips = np.random.default_rng(seed).random(patterns.shape) < fraction
    return np.where(flips, -patterns, patterns)


@parametrize_with_checks(
    [
        DenseAssociativeMemory("softmax", similarity="dot"),
        DenseAssociativeMemory("softmax", similarity="euclidean", beta=2.0),
        DenseAssociativeMemory("classical"),
        DenseAssociativeMemory("polynomial", degree=3),
        DenseAssociativeMemory("exponential", update="sync"),
        DenseAssociativeMemory("spherical"),
    ],
    expected_failed_checks=lambda estimator: (
        {
            "check_estimators_dtypes": "the check casts uniform data to integers, giving "
            "all-zero rows; the spherical model depends on x / |x| and rejects them with a "
            "clear ValueError instead of inventing a direction"
        }
        if estimator.model == "spherical"
        else {}
    ),
)
def test_scikit_learn_compatible(estimator, check):
    with warnings.catch_warnings():
        # random check data are not well separated: metastable mixtures are expected there
        warnings.simplefilter("ignore", MetastableRetrievalWarning)
        check(estimator)


@pytest.mark.parametrize(
    ("model", "n_stored"),
    [("softmax", 16), ("spherical", 16), ("classical", 2), ("polynomial", 16), ("exponential", 16)],
)
def test_stored_patterns_are_retrieved_from_noise(model, n_stored):
    """16 patterns in 40 bits is beyond the classical capacity (0.14 N): it gets 2."""
    patterns = PATTERNS[:n_stored]
    memory = DenseAssociativeMemory(model, degree=4).fit(patterns)
    retrieved = memory.predict(noisy(patterns, 0.1, 1))
    np.testing.assert_array_equal(np.sign(retrieved), patterns)
    assert retrieved.dtype == np.float64


def test_euclidean_score_samples_is_exactly_a_gaussian_kde():
    queries = rng.normal(size=(50, 3)) * 1.5
    for beta in (0.3, 4.0):
        ours = DenseAssociativeMemory(similarity="euclidean", beta=beta).fit(CONTINUOUS)
        kde = KernelDensity(bandwidth=beta**-0.5, atol=0, rtol=0).fit(CONTINUOUS)
        np.testing.assert_allclose(
            ours.score_samples(queries), kde.score_samples(queries), rtol=0, atol=1e-8
        )
        assert ours.score(queries) == pytest.approx(kde.score(queries), abs=1e-6)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_density_integrates_to_one_in_1d_and_2d(similarity):
    one_d = DenseAssociativeMemory(similarity=similarity, beta=3.0).fit([[-1.0], [0.5], [1.5]])
    grid = np.linspace(-8, 8, 4001)
    mass = integrate.trapezoid(np.exp(one_d.score_samples(grid[:, None])), grid)
    assert abs(mass - 1) < 1e-3
    two_d = DenseAssociativeMemory(similarity=similarity, beta=2.0).fit(
        [[0.0, 0.0], [1.0, 1.5], [-1.0, 0.5]]
    )
    axis = np.linspace(-7, 7, 351)
    xx, yy = np.meshgrid(axis, axis)
    density = np.exp(two_d.score_samples(np.column_stack([xx.ravel(), yy.ravel()])))
    mass = integrate.trapezoid(integrate.trapezoid(density.reshape(xx.shape), axis), axis)
    assert abs(mass - 1) < 1e-3


def test_spherical_density_integrates_to_one_on_the_circle():
    memory = DenseAssociativeMemory("spherical", beta=5.0).fit([[1.0, 0.0], [0.0, 2.0]])
    angles = np.linspace(0, 2 * np.pi, 20001)
    circle = np.column_stack([np.cos(angles), np.sin(angles)])
    assert abs(integrate.trapezoid(np.exp(memory.score_samples(circle)), angles) - 1) < 1e-3


def test_binary_probabilities_sum_to_one():
    patterns = PATTERNS[:3, :8]
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=8)))
    for model in ("classical", "polynomial", "exponential"):
        memory = DenseAssociativeMemory(model, temperature=8.0, beta=0.3).fit(patterns)
        total = np.exp(memory.score_samples(states)).sum()
        assert total == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("similarity", ["dot", "euclidean"])
def test_exact_samples_have_the_mixture_moments(similarity):
    memories = np.array([[0.0, 0.0], [2.0, -1.0], [-1.0, 2.0]])
    beta = 1.5
    memory = DenseAssociativeMemory(similarity=similarity, beta=beta).fit(memories)
    draws = memory.sample(40_000, random_state=0)
    weights = np.ones(3) / 3
    if similarity == "dot":
        logits = beta * np.sum(memories**2, axis=1) / 2
        weights = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    mean = weights @ memories
    covariance = np.eye(2) / beta + (memories - mean).T @ np.diag(weights) @ (memories - mean)
    # Monte Carlo standard error of the sample mean: sqrt(diag(cov) / n); allow 4 of them
    error = np.sqrt(np.diag(covariance) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4 * error)
    np.testing.assert_allclose(np.cov(draws.T), covariance, rtol=0.05)


def test_spherical_samples_have_the_vmf_mean_resultant_length():
    memory = DenseAssociativeMemory("spherical", beta=10.0).fit([[0.0, 0.0, 3.0]])
    draws = memory.sample(20_000, random_state=1)
    expected = 1 / np.tanh(10.0) - 1 / 10.0  # A_3(kappa) for the 2-sphere
    # standard error of the mean cosine: std(cos) / sqrt(n), std(cos) < 0.1 here
    assert abs(draws[:, 2].mean() - expected) < 4 * 0.1 / np.sqrt(len(draws))
    np.testing.assert_allclose(np.linalg.norm(draws, axis=1), 1.0)


def test_binary_exact_samples_match_probabilities():
    memory = DenseAssociativeMemory("classical", temperature=4.0).fit(PATTERNS[:2, :4])
    states = np.array(list(itertools.product([-1.0, 1.0], repeat=4)))
    probabilities = np.exp(memory.score_samples(states))
    draws = memory.sample(20_000, random_state=2)
    counts = (draws[:, None, :] == states[None]).all(axis=2).sum(axis=0)
    # every state's frequency within 4 binomial standard errors
    error = np.sqrt(probabilities * (1 - probabilities) / len(draws))
    assert np.all(np.abs(counts / len(draws) - probabilities) <= 4 * error + 1e-12)


@pytest.mark.filterwarnings("ignore::ebm_memory.MetastableRetrievalWarning")  # beta=0.3 is weak
def test_chunked_and_unchunked_paths_agree():
    queries = noisy(PATTERNS, 0.2, 3)
    for model in ("softmax", "exponential", "spherical"):
        full = DenseAssociativeMemory(model, beta=0.3, random_state=0).fit(PATTERNS)
        chunked = clone(full).set_params(chunk_size=5).fit(PATTERNS)
        for method in ("predict", "energy", "score_samples", "transform"):
            np.testing.assert_allclose(
                getattr(chunked, method)(queries),
                getattr(full, method)(queries),
                rtol=1e-10,
                atol=1e-12,
            )


def test_pipeline_and_grid_search_choose_beta():
    digits = load_digits().data[:400]
    search = GridSearchCV(
        make_pipeline(StandardScaler(), DenseAssociativeMemory(similarity="euclidean")),
        {"denseassociativememory__beta": [0.01, 0.3, 10.0]},
        cv=3,
    ).fit(digits)
    assert search.best_params_["denseassociativememory__beta"] == 0.3
    assert np.isfinite(search.best_score_)


def test_transform_and_feature_names():
    memory = DenseAssociativeMemory().fit(PATTERNS)
    weights = memory.transform(noisy(PATTERNS, 0.1, 4))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    np.testing.assert_array_equal(weights.argmax(axis=1), np.arange(len(PATTERNS)))
    names = memory.get_feature_names_out()
    assert names[0] == "denseassociativememory0" and len(names) == len(PATTERNS)


def test_mask_completes_half_known_patterns_and_info():
    mask = np.zeros(40, bool)
    mask[:20] = True
    queries = np.where(mask, PATTERNS, 5.0)  # unknown values are ignored
    for model in ("softmax", "exponential"):
        memory = DenseAssociativeMemory(model).fit(PATTERNS)
        states, info = memory.retrieve(queries, mask=mask, return_info=True, trace_energy=True)
        np.testing.assert_array_equal(np.sign(states), PATTERNS)
        assert info["converged"].all() and info["energy_trace"].shape == (16, 101)
        assert np.all(np.diff(info["energy_trace"], axis=1) <= 1e-9)
        np.testing.assert_allclose(info["energy"], memory.energy(states))
        _, quick = memory.retrieve(queries, mask=mask, return_info=True)
        assert "energy_trace" not in quick
        np.testing.assert_array_equal(quick["n_steps"], info["n_steps"])


def test_auto_beta_retrieves_correlated_digits_and_small_beta_warns():
    digits = load_digits()
    patterns = np.where(digits.data[:300] > 8, 1.0, -1.0)
    auto = DenseAssociativeMemory().fit(patterns)
    assert auto.beta_ > 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetastableRetrievalWarning)
        retrieved = auto.predict(patterns[:50])
    assert np.mean(np.all(np.sign(retrieved) == patterns[:50], axis=1)) > 0.9
    weak = DenseAssociativeMemory(beta=0.01).fit(patterns)
    with pytest.warns(MetastableRetrievalWarning, match="needs beta >= "):
        weak.predict(patterns[:50])


def test_learned_memories():
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    data = np.concatenate([c + rng.normal(size=(100, 2)) for c in centres])
    for model in ("softmax", "spherical"):
        memory = DenseAssociativeMemory(
            model, n_memories=3, beta=1.0, max_iter=300, similarity="euclidean", random_state=0
        ).fit(data)
        assert memory.memories_.shape == (3, 2) and memory.converged_ and memory.n_iter_ > 0
    learned = DenseAssociativeMemory(
        similarity="euclidean", n_memories=3, beta=1.0, max_iter=300, random_state=0
    ).fit(data)
    nearest = np.linalg.norm(learned.memories_[:, None] - centres[None], axis=2).min(axis=0)
    assert np.all(nearest < 0.5)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        binary = DenseAssociativeMemory("exponential", n_memories=3, random_state=0, max_iter=20)
        binary.fit(noisy(np.repeat(PATTERNS[:3], 10, 0), 0.1, 5))
    assert binary.memories_.shape == (3, 40) and binary.n_iter_ == 20
    assert np.all(np.abs(binary.memories_) <= 1)
    with pytest.raises(ValueError, match="exceeds n_samples"):
        DenseAssociativeMemory(n_memories=100).fit(PATTERNS)


def test_retrieval_iterations_are_separate_from_learning_and_follow_max_iter_by_default():
    queries = noisy(PATTERNS, 0.3, 1)
    traced = {"return_info": True, "trace_energy": True}
    default = DenseAssociativeMemory("exponential").fit(PATTERNS)
    assert default.retrieve(queries, **traced)[1]["energy_trace"].shape == (16, 101)
    coupled = DenseAssociativeMemory("exponential", max_iter=7).fit(PATTERNS)  # as before 0.2
    assert coupled.retrieve(queries, **traced)[1]["energy_trace"].shape == (16, 8)
    settings = {"max_iter": 300, "max_retrieval_iter": 3, "retrieval_tol": 0.5}
    separate = DenseAssociativeMemory(n_memories=4, random_state=0, **settings).fit(CONTINUOUS)
    states, info = separate.retrieve(CONTINUOUS, **traced)
    assert info["energy_trace"].shape == (30, 4) and separate.n_iter_ > 3


PROTOTYPE_COPIES = noisy(np.repeat(PATTERNS[:3], 10, 0), 0.1, 5)


@pytest.mark.parametrize(
    ("model", "rule"),
    [
        ("softmax", "em"),
        ("softmax", "backprop"),
        ("spherical", "em"),
        ("classical", "krotov-hopfield"),
        ("polynomial", "krotov-hopfield"),
        ("exponential", "krotov-hopfield"),
        ("classical", "hebbian"),
        ("classical", "delta"),
    ],
)
def test_learning_rules_learn_memories_that_complete_the_prototypes(model, rule):
    memory = DenseAssociativeMemory(
        model, degree=4, n_memories=3, learning_rule=rule, max_iter=50, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 50 gradient steps
        memory.fit(PROTOTYPE_COPIES)
    assert memory.memories_.shape == (3, 40) and memory.memories_.dtype == np.float64
    assert 1 <= memory.n_iter_ <= 50
    retrieved = memory.predict(noisy(PATTERNS[:3], 0.1, 7))
    # observed bit accuracy >= 0.78 (polynomial), >= 0.91 (delta), 1.0 for the others
    assert np.mean(np.sign(retrieved) == PATTERNS[:3]) >= 0.75


def test_auto_rule_and_hebbian_storage():
    settings = {"n_memories": 3, "max_iter": 20, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model, rule in (("softmax", "em"), ("exponential", "krotov-hopfield")):
            auto = DenseAssociativeMemory(model, **settings).fit(PROTOTYPE_COPIES)
            named = DenseAssociativeMemory(model, learning_rule=rule, **settings)
            np.testing.assert_array_equal(auto.memories_, named.fit(PROTOTYPE_COPIES).memories_)
    # K >= rank Hebbian memories have exactly the energy of the stored rows
    stored = DenseAssociativeMemory("classical").fit(PATTERNS)
    hebbian = DenseAssociativeMemory("classical", n_memories=16, learning_rule="hebbian")
    hebbian.fit(PATTERNS)
    assert hebbian.n_iter_ == 1 and hebbian.converged_
    queries = noisy(PATTERNS, 0.2, 8)
    np.testing.assert_allclose(hebbian.energy(queries), stored.energy(queries), rtol=1e-10)


@pytest.mark.parametrize(
    ("model", "rule"),
    [
        ("classical", "em"),
        ("spherical", "krotov-hopfield"),
        ("softmax", "krotov-hopfield"),
        ("polynomial", "hebbian"),
        ("exponential", "delta"),
        ("spherical", "backprop"),
        ("classical", "backprop"),
    ],
)
def test_invalid_learning_rules_raise(model, rule):
    with pytest.raises(ValueError, match=f"learning_rule='{rule}' does not apply"):
        DenseAssociativeMemory(model, n_memories=2, learning_rule=rule).fit(PATTERNS)
    with pytest.raises(ValueError, match="n_memories=None"):
        DenseAssociativeMemory(model, learning_rule=rule).fit(PATTERNS)


def test_unknown_learning_rule_raises():
    with pytest.raises(ValueError, match="learning_rule"):
        DenseAssociativeMemory(n_memories=2, learning_rule="oja").fit(PATTERNS)


@pytest.mark.parametrize("beta", [1e2, 1e4, 1e8])
def test_large_beta_and_inputs_give_finite_outputs(beta):
    memories = rng.normal(size=(10, 4)) * 1e3
    queries = rng.normal(size=(5, 4)) * 1e3
    for similarity in ("dot", "euclidean"):
        memory = DenseAssociativeMemory(similarity=similarity, beta=beta).fit(memories)
        for method in ("predict", "energy", "score_samples", "transform"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MetastableRetrievalWarning)
                assert np.all(np.isfinite(getattr(memory, method)(queries)))


def test_persistence_round_trip(tmp_path):
    memory = DenseAssociativeMemory("exponential", random_state=0).fit(PATTERNS[:, :12])
    queries = noisy(PATTERNS[:, :12], 0.1, 6)
    copy = pickle.loads(pickle.dumps(memory))
    joblib.dump(memory, tmp_path / "memory.joblib")
    loaded = joblib.load(tmp_path / "memory.joblib")
    for other in (copy, loaded):
        for method in ("predict", "score_samples", "transform"):
            np.testing.assert_array_equal(
                getattr(other, method)(queries), getattr(memory, method)(queries)
            )
    assert all(
        isinstance(value, (np.ndarray, float, int, bool, str, type(None)))
        for key, value in vars(memory).items()
        if key.endswith("_")
    )


def test_bad_input_raises_scikit_learn_errors():
    memory = DenseAssociativeMemory()
    with pytest.raises(NotFittedError):
        memory.predict(PATTERNS)
    with pytest.raises(ValueError, match="NaN"):
        memory.fit(np.where(PATTERNS > 0, np.nan, 0.0))
    with pytest.raises(ValueError, match="infinity"):
        memory.fit(np.where(PATTERNS > 0, np.inf, 0.0))
    with pytest.raises(ValueError, match="2D array"):
        memory.fit(PATTERNS[0])
    with pytest.raises(ValueError, match="0 sample"):
        memory.fit(np.empty((0, 4)))
    with pytest.raises(ValueError, match="Complex"):
        memory.fit(PATTERNS + 1j)
    with pytest.raises(TypeError, match="[Ss]parse"):
        from scipy.sparse import csr_matrix

        memory.fit(csr_matrix(PATTERNS))
    memory.fit(PATTERNS)
    with pytest.raises(ValueError, match="features"):
        memory.predict(PATTERNS[:, :5])
    with pytest.raises(ValueError, match="beta"):
        DenseAssociativeMemory(beta=-1.0).fit(PATTERNS)
    with pytest.raises(ValueError, match="model"):
        DenseAssociativeMemory("hopfield").fit(PATTERNS)
    with pytest.raises(ValueError, match="mask"):
        memory.retrieve(PATTERNS, mask=np.ones(3, bool))
    with pytest.raises(TypeError, match="boolean"):
        memory.retrieve(PATTERNS, mask=np.ones(40))
    with pytest.raises(ValueError, match="method"):
        memory.sample(3, method="metropolis")
    with pytest.raises(ValueError, match="non-zero"):
        DenseAssociativeMemory("spherical").fit(np.zeros((3, 4)))
