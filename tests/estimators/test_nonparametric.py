import pickle

import numpy as np
import pytest
from scipy import integrate
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from ebm_memory import NonparametricMemory


@parametrize_with_checks([NonparametricMemory("pitman-yor", discount=0.3, beta=25.0)])
def test_scikit_learn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("n_blobs", [2, 5, 8])
def test_finds_the_number_of_blobs_without_being_told(n_blobs):
    grid = 6.0 * np.array([(i, j) for i in range(3) for j in range(3)])  # 12 standard deviations
    X, y = make_blobs(600, centers=grid[:n_blobs], cluster_std=0.5, random_state=3)
    memory = NonparametricMemory(beta=4.0, random_state=0).fit(X)
    assert memory.n_memories_ == n_blobs
    assert adjusted_rand_score(y, memory.labels_) > 0.99
    np.testing.assert_array_equal(memory.labels_, memory.predict(X))
    np.testing.assert_array_equal(memory.counts_, np.bincount(memory.labels_))


def test_partial_fit_in_pieces_equals_one_online_pass():
    X, _ = make_blobs(400, centers=4, cluster_std=0.5, random_state=1)
    settings = {"beta": 4.0, "prior_mean": np.zeros(2), "prior_scale": 25.0}
    whole = NonparametricMemory(**settings).partial_fit(X)
    pieces = NonparametricMemory(**settings)
    for piece in np.array_split(X, 7):
        pieces.partial_fit(piece)
    np.testing.assert_array_equal(pieces.counts_, whole.counts_)
    np.testing.assert_allclose(pieces.memories_, whole.memories_, rtol=1e-12)
    assert whole.counts_.sum() == len(X)


def test_score_samples_is_the_normalised_posterior_predictive():
    X, _ = make_blobs(200, n_features=1, centers=3, cluster_std=0.4, random_state=0)
    memory = NonparametricMemory("pitman-yor", discount=0.2, alpha=2.0, beta=6.0).fit(X)

    def density(x):
        return np.exp(memory.score_samples(np.array([[x]])))[0]

    total, error = integrate.quad(density, -60, 60, points=list(memory.memories_[:, 0]), limit=400)
    assert abs(total - 1) < 1e-6 + error
    energy = memory.energy(X)
    log_total = np.log(memory.counts_.sum() + memory.alpha)
    assert memory.log_partition_ == pytest.approx(log_total, rel=1e-12)
    np.testing.assert_allclose(-memory.beta * energy - log_total, memory.score_samples(X))
    assert np.allclose(memory.transform(X).sum(axis=1), 1)


def test_pickle_round_trip_and_continued_stream():
    X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    memory = NonparametricMemory(beta=4.0).partial_fit(X[:150])
    clone = pickle.loads(pickle.dumps(memory))
    np.testing.assert_array_equal(
        clone.partial_fit(X[150:]).counts_, memory.partial_fit(X[150:]).counts_
    )


def test_bad_input_and_settings_are_refused_clearly():
    X, _ = make_blobs(50, centers=2, random_state=0)
    with pytest.raises(NotFittedError):
        NonparametricMemory().predict(X)
    with pytest.raises(ValueError, match="NaN"):
        NonparametricMemory().fit(np.where(X > 5, np.nan, X))
    with pytest.raises(ValueError, match="no discount"):
        NonparametricMemory(discount=0.5).fit(X)
    with pytest.raises(ValueError, match="alpha"):
        NonparametricMemory("pitman-yor", alpha=-0.5, discount=0.2).fit(X)
    with pytest.raises(ValueError, match="prior_mean"):
        NonparametricMemory(prior_mean=[0.0, 0.0, 0.0]).fit(X)
    memory = NonparametricMemory().fit(X)
    with pytest.raises(ValueError, match="features"):
        memory.partial_fit(X[:, :1])
