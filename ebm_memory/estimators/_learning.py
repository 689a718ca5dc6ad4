"""Learning rules of :class:`~ebm_memory.estimators.memory.DenseAssociativeMemory`: which rule
fits which model, and one call that learns K memories with it."""

from __future__ import annotations

import numpy as np

from ebm_memory.learning import (
    fit_binary_memories,
    fit_delta_memories,
    fit_gaussian_memories,
    fit_softmax_backprop,
    fit_spherical_memories,
    hebbian_weights,
    weights_to_memories,
)

__all__ = ["LEARNING_RULES", "RULE_MODELS", "learn_memories", "resolve_learning_rule"]

BINARY_MODELS = ("classical", "polynomial", "exponential")

RULE_MODELS = {
    "em": ("softmax", "spherical"),
    "krotov-hopfield": BINARY_MODELS,
    "hebbian": ("classical",),
    "delta": ("classical",),
    "backprop": ("softmax",),
}
LEARNING_RULES = ("auto", *RULE_MODELS)


def resolve_learning_rule(rule: str, model: str, n_memories: int | None) -> str | None:
    """The rule that learns the memories (None when the rows are stored), or ValueError for
    a rule that does not apply to ``model`` or is given without ``n_memories``."""
    if n_memories is None:
        if rule != "auto":
            raise ValueError(
                f"learning_rule={rule!r} learns n_memories memories, but n_memories=None "
                "stores the training rows; set n_memories or use learning_rule='auto'."
            )
        return None
    if rule == "auto":
        return "krotov-hopfield" if model in BINARY_MODELS else "em"
    if model not in RULE_MODELS[rule]:
        raise ValueError(
            f"learning_rule={rule!r} does not apply to model={model!r}; it learns the "
            f"memories of model in {RULE_MODELS[rule]}."
        )
    return rule


def learn_memories(
    rule: str,
    data: np.ndarray,
    n_memories: int,
    *,
    model: str,
    interaction,
    beta: float,
    similarity: str,
    chunk_size: int | None,
    key,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, int, bool]:
    """``(memories (K, D) float64, n_iter, converged)`` learned from the prepared ``data``.

    ``hebbian`` factors ``X^T X`` (not divided by N), so K >= rank gives the energy of
    storing the rows; it takes one pass and always converges.
    """
    settings = {"key": key, "max_iter": max_iter, "tol": tol}
    if rule == "hebbian":
        memories = weights_to_memories(hebbian_weights(data, normalise=False), n_memories)
        return np.asarray(memories, dtype=np.float64), 1, True
    if rule == "em" and model == "spherical":
        result = fit_spherical_memories(data, n_memories, beta, **settings)
    elif rule == "em":
        result = fit_gaussian_memories(
            data, n_memories, beta, similarity=similarity, chunk_size=chunk_size, **settings
        )
    elif rule == "krotov-hopfield":
        result = fit_binary_memories(data, n_memories, interaction, **settings)
    elif rule == "delta":
        result = fit_delta_memories(data, n_memories, **settings)
    elif rule == "backprop":
        result = fit_softmax_backprop(data, n_memories, beta, similarity=similarity, **settings)
    else:
        raise ValueError(f"learning_rule must be one of {LEARNING_RULES}, got {rule!r}.")
    memories, n_iter, converged = result[:3]
    return np.asarray(memories, dtype=np.float64), int(n_iter), bool(converged)
