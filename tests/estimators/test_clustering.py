import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy import integrate
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from ebm_memory import AssociativeClustering
from ebm_memory.density.gaussian import sample_von_mises_fisher_mixture

X_BLOBS, Y_BLOBS = make_blobs(300, centers=3, cluster_std=0.8, random_state=2)
DIRECTIONS = np.eye(3)


@parametrize_with_checks(
    [
        AssociativeClustering(n_clusters=3),
        AssociativeClustering(n_clusters=3, dynamics="elbo", similarity="cosine"),
    ],
    expected_failed_checks=lambda estimator: (
        {
            "check_estimators_dtypes": "the check casts uniform data to integers, giving "
            "all-zero rows; cosine similarity depends on x / |x| and rejects them with a "
            "clear ValueError instead of inventing a direction"
        }
        if estimator.similarity == "cosine"
        else {}
    ),
)
def test_scikit_learn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "settings",
    [{}, {"dynamics": "elbo"}, {"training": "backprop"}, {"n_init": 3, "step_size": 0.5}],
    ids=str,
)
def test_blobs_are_clustered_like_kmeans(settings):
    model = AssociativeClustering(3, random_state=0, **settings).fit(X_BLOBS)
    kmeans = KMeans(3, n_init=10, random_state=0).fit(X_BLOBS)
    assert adjusted_rand_score(Y_BLOBS, model.labels_) > 0.95
    assert adjusted_rand_score(kmeans.labels_, model.labels_) > 0.95
    np.testing.assert_array_equal(model.fit_predict(X_BLOBS), model.labels_)


def test_cosine_similarity_clusters_directions():
    X = sample_von_mises_fisher_mixture(np.random.RandomState(0), DIRECTIONS, 30.0, 600)
    truth = np.argmax(X @ DIRECTIONS.T, axis=1)
    scale = np.random.default_rng(0).uniform(0.1, 10, size=(600, 1))  # norms are ignored
    model = AssociativeClustering(3, similarity="cosine", random_state=0).fit(X * scale)
    assert adjusted_rand_score(truth, model.labels_) > 0.95
    np.testing.assert_allclose(np.linalg.norm(model.memories_, axis=1), 1.0)
    assert 25 < model.beta_ < 35


def test_clam_fixed_points_are_posterior_weighted_means_of_the_memories():
    model = AssociativeClustering(3, random_state=0, tol=1e-12, max_retrieval_iter=5000)
    states, info = model.fit(X_BLOBS).retrieve(X_BLOBS[:20], return_info=True)
    assert info["converged"].all()
    np.testing.assert_allclose(states, model.transform(states) @ model.memories_, atol=1e-6)
    np.testing.assert_allclose(info["responsibilities"], model.transform(states))


def test_elbo_fixed_point_is_the_posterior_and_energy_descends():
    model = AssociativeClustering(
        3, dynamics="elbo", step_size=0.3, tol=1e-12, max_retrieval_iter=500
    )
    model.fit(X_BLOBS)
    states, info = model.retrieve(X_BLOBS[:20], return_info=True, trace_energy=True)
    posterior = model.transform(X_BLOBS[:20])
    np.testing.assert_allclose(info["responsibilities"], posterior, atol=1e-6)
    assert states.shape == (20, X_BLOBS.shape[1])  # the data space, whatever the dynamics
    np.testing.assert_allclose(states, info["responsibilities"] @ model.memories_)
    assert np.all(np.diff(info["energy_trace"], axis=1) <= 1e-12)
    np.testing.assert_allclose(info["energy"], -model.score_samples(X_BLOBS[:20]), rtol=1e-9)


@pytest.mark.parametrize("similarity", ["euclidean", "cosine"])
def test_score_samples_is_a_normalised_density(similarity):
    X = X_BLOBS[:, :2] / 3
    model = AssociativeClustering(3, similarity=similarity, random_state=0).fit(X)
    if similarity == "cosine":  # density on the unit circle

        def density(angle):
            return np.exp(model.score_samples(np.array([[np.cos(angle), np.sin(angle)]])))[0]

        total, _ = integrate.quad(density, 0, 2 * np.pi, limit=200)
    else:
        grid = np.linspace(-12, 12, 601)
        xx, yy = np.meshgrid(grid, grid)
        log_density = model.score_samples(np.column_stack([xx.ravel(), yy.ravel()]))
        total = np.exp(log_density).sum() * (grid[1] - grid[0]) ** 2
    assert abs(total - 1) < 1e-4
    assert model.score(X) == pytest.approx(np.mean(model.score_samples(X)))


@pytest.mark.parametrize("similarity", ["euclidean", "cosine"])
def test_energy_is_the_negative_log_density_up_to_the_fitted_normaliser(similarity):
    model = AssociativeClustering(3, similarity=similarity, random_state=0).fit(X_BLOBS)
    offset = -model.beta_ * model.energy(X_BLOBS) - model.score_samples(X_BLOBS)
    np.testing.assert_allclose(offset, model.log_partition_, rtol=1e-10)


def test_names_before_0_2_still_work_with_a_future_warning():
    settings = {"training": "backprop", "max_iter": 5, "random_state": 0}
    new = AssociativeClustering(3, max_retrieval_iter=7, n_unrolled_steps=2, **settings)
    old = AssociativeClustering(3, max_steps=7, n_steps=2, **settings)
    with pytest.warns(FutureWarning) as caught:
        old.fit(X_BLOBS)
    caught = [warning for warning in caught if warning.category is FutureWarning]
    assert sorted(str(warning.message) for warning in caught) == [
        "`max_steps` was renamed `max_retrieval_iter` in 0.2 and will be removed in 0.3.",
        "`n_steps` was renamed `n_unrolled_steps` in 0.2 and will be removed in 0.3.",
    ]
    assert all(warning.filename == __file__ for warning in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        new.fit(X_BLOBS)
    np.testing.assert_array_equal(old.memories_, new.memories_)
    _, old_info = old.retrieve(X_BLOBS[:5], return_info=True, trace_energy=True)
    assert old_info["energy_trace"].shape == (5, 8)


def test_in_a_pipeline_and_a_grid_search_on_held_out_likelihood():
    pipeline = make_pipeline(StandardScaler(), AssociativeClustering(random_state=0))
    search = GridSearchCV(pipeline, {"associativeclustering__n_clusters": [1, 3]}, cv=3)
    search.fit(X_BLOBS)
    assert search.best_params_ == {"associativeclustering__n_clusters": 3}


def test_pickle_round_trip_gives_identical_results():
    model = AssociativeClustering(3, random_state=0).fit(X_BLOBS)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.predict(X_BLOBS), model.predict(X_BLOBS))
    np.testing.assert_array_equal(clone.score_samples(X_BLOBS), model.score_samples(X_BLOBS))


def test_bad_input_and_settings_are_refused_clearly():
    with pytest.raises(NotFittedError):
        AssociativeClustering(3).predict(X_BLOBS)
    with pytest.raises(ValueError, match="NaN"):
        AssociativeClustering(3).fit(np.where(np.arange(300)[:, None] == 7, np.nan, X_BLOBS))
    with pytest.raises(ValueError, match="n_samples=2"):
        AssociativeClustering(3).fit(X_BLOBS[:2])
    with pytest.raises(ValueError, match="training='em'"):
        AssociativeClustering(3, dynamics="elbo", training="backprop").fit(X_BLOBS)
    with pytest.raises(ValueError, match="non-zero rows"):
        AssociativeClustering(3, similarity="cosine").fit(np.vstack([X_BLOBS, [[0.0, 0.0]]]))
    model = AssociativeClustering(3, random_state=0).fit(X_BLOBS)
    with pytest.raises(ValueError, match="features"):
        model.predict(X_BLOBS[:, :1])
    with pytest.raises(ValueError, match="step_size"):
        AssociativeClustering(3, step_size=1.5).fit(X_BLOBS)


def test_cosine_fit_without_global_64_bit_mode():
    """The suite turns 64-bit mode on globally; users do not. The vMF normaliser is computed
    by a callback that runs where the estimator's float64 context does not reach."""
    code = (
        "import numpy as np; from ebm_memory import AssociativeClustering; "
        "X = np.random.RandomState(0).randn(40, 4); "
        "print(AssociativeClustering(2, similarity='cosine', random_state=0).fit(X).beta_)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) > 0
