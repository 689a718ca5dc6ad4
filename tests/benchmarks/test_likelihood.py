"""Case 4 (held-out log-likelihood) and the digits KDE example, in their tiny sizes."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

from benchmarks.digits_example import (
    BANDWIDTHS,
    SKLEARN_BANDWIDTH,
    digits_kde_example,
    plot_digits_samples,
)
from benchmarks.harness import RECORD_FIELDS
from benchmarks.likelihood import (
    DATASETS,
    PEERS,
    SETTINGS,
    likelihood_records,
    load_dataset,
    plot_likelihood,
)
from benchmarks.likelihood_models import (
    CLUSTERING,
    METHODS,
    MIXTURE_MEMORIES,
    NONPARAMETRIC,
    OURS,
)
from ebm_memory import DenseAssociativeMemory

RECORD_KEYS = set(RECORD_FIELDS)
SUMMARY_FIGURES = (
    "log_likelihood",
    "log_likelihood_std",
    "log_likelihood_per_dim",
    "log_likelihood_per_dim_std",
    "fit_seconds",
    "refit_seconds",
)


@pytest.fixture(scope="module")
def records():
    return likelihood_records("tiny")


@pytest.fixture(scope="module")
def example():
    return digits_kde_example("tiny", n_samples=6)


def test_one_record_per_dataset_and_pair_of_methods(records):
    pairs = [(entry["extra"]["dataset"], entry["ours"], entry["peer"]) for entry in records]
    expected = [(OURS, peer) for peer in PEERS] + list(MIXTURE_MEMORIES.items())
    assert pairs == [(name, *pair) for name in SETTINGS["tiny"].datasets for pair in expected]
    for entry in records:
        assert set(entry) == RECORD_KEYS
        assert entry["sizes"]["size"] == "tiny"
    json.dumps(records)  # plain data, ready for results.json


def test_figures_are_finite_and_consistent(records):
    for entry in records:
        extra = entry["extra"]
        ours, peer = extra["ours_summary"], extra["peer_summary"]
        for summary in (ours, peer):
            assert all(np.isfinite(summary[key]) for key in SUMMARY_FIGURES)
        for key in ("ours_seconds", "peer_seconds", "ratio"):
            assert np.isfinite(entry[key]) and entry[key] > 0
        difference = ours["log_likelihood_per_dim"] - peer["log_likelihood_per_dim"]
        assert entry["accuracy"]["value"] == pytest.approx(difference)
        n_features = entry["sizes"]["n_features"]
        assert ours["log_likelihood"] == pytest.approx(n_features * ours["log_likelihood_per_dim"])
        assert extra["goal"]["compression"]  # the K grid is capped at a tenth of the rows
        assert extra["goal_holds"] == all(extra["goal"].values())


def test_memories_storing_every_row_are_the_cross_validated_kde(records):
    for entry in records:
        extra = entry["extra"]
        assert extra["kde_equivalence"]["ours_vs_exact"] < 1e-8
        exact = extra["exact_kde_summary"]
        assert np.isfinite(exact["log_likelihood_per_dim"])
        behind = exact["log_likelihood_per_dim"] - extra["ours_summary"]["log_likelihood_per_dim"]
        assert extra["behind_kde_per_dim"]["exact_kde"] == pytest.approx(behind)


@pytest.mark.parametrize("bandwidth", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("name", ["two-moons", "wine"])
def test_bandwidth_converts_to_beta_as_inverse_square(name, bandwidth):
    X, _ = load_dataset(name)
    train, test = X[:100], X[100:150]
    exact = logsumexp(-cdist(test, train, "sqeuclidean") / (2 * bandwidth**2), axis=1)
    exact -= np.log(len(train)) + X.shape[1] / 2 * np.log(2 * np.pi * bandwidth**2)
    # one leaf: KernelDensity sums every kernel (its default tree prunes, inexactly)
    kde = KernelDensity(bandwidth=bandwidth, leaf_size=len(train)).fit(train)
    memory = DenseAssociativeMemory(similarity="euclidean", beta=bandwidth**-2).fit(train)
    np.testing.assert_allclose(memory.score_samples(test), exact, rtol=0, atol=1e-8)
    np.testing.assert_allclose(memory.score_samples(test), kde.score_samples(test), atol=1e-8)


@pytest.mark.parametrize("name", DATASETS)
def test_datasets_are_finite_float64(name):
    X, preprocessing = load_dataset(name)
    assert X.dtype == np.float64 and np.isfinite(X).all() and preprocessing
    if name in ("wine", "breast_cancer"):
        np.testing.assert_allclose(X.std(axis=0), 1.0)


def test_unknown_size_and_dataset_are_rejected():
    with pytest.raises(ValueError, match="size"):
        likelihood_records("huge")
    with pytest.raises(ValueError, match="dataset"):
        load_dataset("iris")


def test_mixture_memories_are_scored_on_the_same_outer_folds(records):
    settings = SETTINGS["tiny"]
    for entry in records:
        summary, sizes = entry["extra"]["ours_summary"], entry["sizes"]
        assert len(summary["chosen"]) == settings.outer_folds
        if entry["ours"] == CLUSTERING:  # the mixtures' component grid, its own beta
            assert all(c["n_components"] in settings.components for c in summary["chosen"])
            assert all(c["bandwidth"] > 0 for c in summary["chosen"])
        if entry["ours"] == NONPARAMETRIC:  # memories opened by the data, not capped
            assert summary["n_stored"] == [c["n_memories"] for c in summary["chosen"]]
            assert all(0 < n <= sizes["n_samples"] for n in summary["n_stored"])


def test_goal_is_the_datasets_in_each_of_its_records(records):
    for name in SETTINGS["tiny"].datasets:
        goals = [entry["extra"]["goal"] for entry in records if entry["extra"]["dataset"] == name]
        assert all(goal == goals[0] for goal in goals)


def test_likelihood_plot_has_a_bar_group_per_method(records):
    figure = plot_likelihood(records)
    axis = figure.axes[0]
    assert len(axis.containers) >= len(METHODS)  # error bars add containers
    assert axis.get_xlabel() == "dataset" and "(nats)" in axis.get_ylabel()
    assert axis.get_title().startswith("Held-out log-likelihood")
    plt.close(figure)


def test_digits_example_finds_the_same_bandwidth_as_kernel_density(example):
    assert example["ours"]["bandwidth"] == example["kernel_density"]["bandwidth"]
    assert example["kernel_density"]["bandwidth"] == pytest.approx(SKLEARN_BANDWIDTH, abs=0.01)
    assert example["ours_vs_kernel_density"] < 1e-8
    assert example["ours_compressed"]["n_stored"] <= 0.1 * 1437  # smallest training fold
    assert example["ours"]["bandwidth"] in BANDWIDTHS
    for key in ("real", "samples", "compressed_samples"):
        assert example[key].shape == (6, 64) and np.isfinite(example[key]).all()


def test_digits_samples_plot(example):
    figure = plot_digits_samples(example)
    assert len(figure.subfigs) == 3
    plt.close(figure)
