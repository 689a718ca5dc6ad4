"""A grid over beta compiles the estimator's jitted kernels once per model kind."""

import logging
import warnings

import jax
import numpy as np
import pytest

from ebm_memory import DenseAssociativeMemory

BETAS = (1.0, 2.0, 3.0)


class _Compilations(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        if message.startswith("Compiling"):
            self.messages.append(message.split(" with ")[0])


def _fit_predict_energy(model, beta, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = DenseAssociativeMemory(model=model, beta=beta).fit(X)
        estimator.predict(X[:5])
        estimator.energy(X[:5])


def _compilations(model, beta, X):
    handler = _Compilations()
    logger = logging.getLogger("jax")
    logger.addHandler(handler)
    try:
        with jax.log_compiles():
            _fit_predict_energy(model, beta, X)
    finally:
        logger.removeHandler(handler)
    return handler.messages


@pytest.mark.parametrize("model", ["exponential", "spherical", "softmax"])
def test_beta_grid_compiles_only_for_the_first_beta(model):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 16))
    if model == "exponential":
        X = np.sign(X)
    first = _compilations(model, BETAS[0], X)
    later = [_compilations(model, beta, X) for beta in BETAS[1:]]
    assert first, "the capture saw no compilation at all"
    assert later == [[], []]
