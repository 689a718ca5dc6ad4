"""The classification case: its datasets, and its tiny size (digits) end to end."""

import json

import numpy as np
import pytest

from benchmarks.classification import (
    DATASETS,
    LOGISTIC,
    METHODS,
    MLP,
    OURS,
    SETTINGS,
    classification_records,
    classification_table,
    load_split,
)
from benchmarks.harness import RECORD_FIELDS


@pytest.fixture(scope="module")
def records():
    return classification_records("tiny")


@pytest.mark.slow
def test_one_record_per_method_of_ours_against_the_mlp(records):
    assert [entry["ours"] for entry in records] == list(OURS)
    for entry in records:
        assert set(entry) == set(RECORD_FIELDS)
        assert entry["extra"]["dataset"] == "digits" and entry["peer"] == MLP
        assert entry["sizes"]["n_memories"] == SETTINGS["tiny"].n_memories["digits"]
        assert entry["accuracy"]["metric"] == "test accuracy"
        assert entry["ours_seconds"] > 0 and entry["ratio"] > 0
        assert entry["peer_seconds"] > 0 and entry["peer_first_call_seconds"] > 0
        scores = entry["extra"]["scores"]
        assert list(scores) == list(METHODS)
        for figures in scores.values():
            assert isinstance(figures["accuracy"], float) and 0 <= figures["accuracy"] <= 1
            assert figures["fit_seconds"] > 0 and figures["first_call_seconds"] > 0
        assert entry["accuracy"]["value"] == scores[entry["ours"]]["accuracy"]
        assert scores[MLP]["fit_seconds"] > 0 and scores[LOGISTIC]["fit_seconds"] > 0
    json.dumps(records)  # plain data, ready for results.json


@pytest.mark.slow
def test_ours_beats_chance_by_far_on_digits(records):
    best = max(entry["accuracy"]["value"] for entry in records)
    assert best > 0.6  # ten classes: chance is 0.1


@pytest.mark.slow
def test_tables_have_a_row_per_dataset_and_a_column_per_method(records):
    scores, seconds = classification_table(records).split("\n\n")[1::2]
    for table in (scores, seconds):
        header, _, *rows = table.splitlines()
        assert header.count("|") == len(METHODS) + 2
        assert len(rows) == 1 and rows[0].startswith("| digits (1347, 450, 64, 10; 20) |")


@pytest.mark.parametrize("name", DATASETS)
def test_splits_are_stratified_and_scaled_into_the_unit_box(name):
    X_train, X_test, y_train, y_test, preprocessing = load_split(name)
    assert X_train.dtype == np.float64 and np.isfinite(X_test).all() and preprocessing
    assert len(X_test) == pytest.approx(0.25 * (len(X_train) + len(X_test)), abs=1)
    np.testing.assert_allclose([X_train.min(), X_train.max()], [-1, 1], atol=1e-12)
    np.testing.assert_allclose(
        np.bincount(y_train) / len(y_train), np.bincount(y_test) / len(y_test), atol=0.02
    )
    assert all(name in SETTINGS["full"].n_memories for name in DATASETS)


def test_unknown_size_and_dataset_are_rejected():
    with pytest.raises(ValueError, match="size"):
        classification_records("huge")
    with pytest.raises(ValueError, match="dataset"):
        load_split("iris")
