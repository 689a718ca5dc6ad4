"""The clustering case: its datasets, and its tiny size (blobs) end to end."""

import json

import numpy as np
import pytest

from benchmarks.clustering import (
    BLOBS,
    CLAM,
    DATASETS,
    ELBO,
    KMEANS,
    METHODS,
    NONPARAMETRIC,
    OURS,
    clustering_records,
    clustering_table,
    load_labelled,
)
from benchmarks.harness import RECORD_FIELDS


@pytest.fixture(scope="module")
def records():
    return clustering_records("tiny")


@pytest.mark.slow
def test_one_record_per_method_of_ours_against_kmeans(records):
    assert [entry["ours"] for entry in records] == list(OURS)
    for entry in records:
        assert set(entry) == set(RECORD_FIELDS)
        assert entry["extra"]["dataset"] == "blobs" and entry["peer"] == KMEANS
        assert entry["accuracy"]["metric"] == "ARI"
        assert -1 <= entry["accuracy"]["value"] <= 1
        assert entry["ours_seconds"] > 0 and entry["ratio"] > 0
        scores = entry["extra"]["scores"]
        assert list(scores) == list(METHODS)
        for figures in scores.values():
            assert -1 <= figures["ari"] <= 1 and 0 <= figures["nmi"] <= 1
            assert figures["fit_seconds"] > 0
        assert entry["accuracy"]["value"] == scores[entry["ours"]]["ari"]
    json.dumps(records)  # plain data, ready for results.json


@pytest.mark.slow
def test_blobs_are_found_and_counted_without_being_told(records):
    scores = records[0]["extra"]["scores"]
    assert scores[CLAM]["ari"] > 0.9 and scores[ELBO]["ari"] > 0.9
    assert scores[NONPARAMETRIC]["n_memories"] == BLOBS["centers"]
    grid = scores[NONPARAMETRIC]["cv_log_likelihood"]
    assert np.argmax(grid) not in (0, len(grid) - 1)  # the chosen beta is inside the grid


@pytest.mark.slow
def test_tables_have_a_row_per_dataset_and_a_column_per_method(records):
    scores, seconds = clustering_table(records).split("\n\n")[1::2]
    for table in (scores, seconds):
        header, _, *rows = table.splitlines()
        assert header.count("|") == len(METHODS) + 2
        assert len(rows) == 1 and rows[0].startswith("| blobs (200, 2, 5) |")


@pytest.mark.parametrize("name", DATASETS)
def test_datasets_are_finite_float64_with_their_classes(name):
    X, y, preprocessing = load_labelled(name)
    assert X.dtype == np.float64 and np.isfinite(X).all() and len(X) == len(y)
    assert preprocessing
    if name != "digits":  # raw pixels (see the module docs)
        np.testing.assert_allclose(X.std(axis=0), 1.0)


def test_unknown_size_and_dataset_are_rejected():
    with pytest.raises(ValueError, match="size"):
        clustering_records("huge")
    with pytest.raises(ValueError, match="dataset"):
        load_labelled("moons")
