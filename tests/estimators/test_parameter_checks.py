"""Parameter checks shared by the estimators: booleans are not numbers, and models on the
unit sphere need at least two features."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from ebm_memory import (
    AssociativeClustering,
    DenseAssociativeClassifier,
    DenseAssociativeMemory,
    NonparametricMemory,
)

X = np.random.default_rng(0).normal(size=(30, 3))
Y = np.arange(30) % 2


@pytest.mark.parametrize(
    "estimator, parameter",
    [
        (DenseAssociativeMemory(), "beta"),
        (DenseAssociativeMemory(), "temperature"),
        (DenseAssociativeMemory(), "tol"),
        (AssociativeClustering(n_clusters=2), "beta"),
        (AssociativeClustering(n_clusters=2), "learning_rate"),
        (NonparametricMemory(), "beta"),
        (NonparametricMemory(), "alpha"),
        (DenseAssociativeClassifier(n_memories=4, max_iter=2), "sharpness"),
        (DenseAssociativeClassifier(n_memories=4, max_iter=2), "learning_rate"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
@pytest.mark.parametrize("flag", [True, np.True_])
def test_a_boolean_is_not_a_real_parameter(estimator, parameter, flag):
    estimator = estimator.set_params(**{parameter: flag})
    with pytest.raises(InvalidParameterError, match=f"'{parameter}' parameter.*not a bool"):
        estimator.fit(X, Y)


@pytest.mark.parametrize(
    "estimator",
    [DenseAssociativeMemory("spherical"), AssociativeClustering(n_clusters=2, similarity="cosine")],
    ids=["spherical memory", "cosine clustering"],
)
def test_one_feature_on_the_unit_sphere_is_refused_at_fit(estimator):
    with pytest.raises(ValueError, match=r"at least 2 features, got n_features=1.*two points"):
        estimator.fit(X[:, :1])
