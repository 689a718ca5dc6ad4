"""Sequential (continual) learning of memories: what each strategy adds to plain training.

McAlister et al., "Sequential Learning in the Dense Associative Memory", compare, on a
sequence of tasks, plain fine-tuning with the standard remedies. Here each strategy is a
modification of one full-batch training run of :class:`ClassifierObjective`:

- ``naive``: train on the new task only.
- ``rehearsal``: train on the new task plus a buffer of earlier items (a configurable fraction
  of every earlier task's training set).
- ``pseudo-rehearsal`` (Robins 1995): train on the new task plus pseudo-items: the feature
  parts of stable states reached by the network's own dynamics from random +-1 starts
  (:func:`pseudo_items`), labelled with the network's own outputs before the new task.
- ``ewc`` (Kirkpatrick et al. 2017): add ``lambda / 2 sum F (xi - xi*)^2`` with ``F`` the
  diagonal empirical Fisher information (:func:`fisher_diagonal`), summed over earlier tasks.
- ``si`` (Zenke et al. 2017): the same penalty with ``Omega = sum_tasks omega / (delta^2 +
  damping)``, ``omega`` the path integral of ``-g * d xi`` over the task's training run,
  ``g`` the gradient of the training objective (penalty included), ``delta`` the task's
  total change of the memories (:func:`synaptic_importance`).
- ``agem`` (Chaudhry et al. 2019): project each step so that it never points uphill for
  the loss on the episodic buffer (gradient ``g_ref``). A-GEM projects the gradient, which
  protects the buffer for plain gradient steps only; here the optimiser's step ``u`` itself
  is projected, ``u <- u - (u . g_ref / |g_ref|^2) g_ref`` when ``u . g_ref > 0``
  (:class:`AGEMProjection`), so the buffer loss cannot rise to first order with Adam too.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.learning.continual import synaptic_importance
>>> synaptic_importance(jnp.array([2.0, -1.0]), jnp.array([1.0, 1.0]), damping=1.0).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._blocks import pad_rows
from ebm_memory._renamed import renamed_parameters
from ebm_memory.dynamics.retrieval import retrieve_binary
from ebm_memory.learning._training import Schedule, train
from ebm_memory.learning.classifier import ClassifierObjective, label_outputs
from ebm_memory.learning.optimise import Minimised, Optimizer, clip_unit

__all__ = [
    "STRATEGIES",
    "AGEMProjection",
    "fisher_diagonal",
    "project_away",
    "pseudo_items",
    "synaptic_importance",
    "train_task",
]

STRATEGIES = ("naive", "rehearsal", "pseudo-rehearsal", "ewc", "si", "agem")
ROW_MULTIPLE = 128


@dataclasses.dataclass(frozen=True)
class AGEMProjection:
    """A-GEM's projection of a step onto the half-space where the buffer loss does not rise.

    Used as ``transform_update`` of :func:`~ebm_memory.learning.optimise.minimise`; the
    buffer (features, targets, weights) follows the objective's arguments in ``data``.
    """

    objective: ClassifierObjective

    def __call__(self, updates, memories, data):
        sharpness = data[3]
        buffer_X, buffer_targets, buffer_weights = data[7:10]
        reference = jax.grad(self.objective.task_loss)(
            memories, buffer_X, buffer_targets, buffer_weights, sharpness
        )
        step = clip_unit(memories + updates) - memories  # what the [-1, 1] box lets through
        free = jnp.abs(memories + step) < 1  # pinned entries cannot move back along g_ref
        return -project_away(-step, reference, jnp.where(free, reference, 0.0))


def project_away(gradient, reference, direction=None):
    """``g - (g . r / (d . r)) d`` when ``g . r < 0``, else ``g``, with ``d = r`` by default:
    the closest gradient to ``g`` whose step does not raise, to first order, the loss whose
    gradient is ``r``. A ``direction`` ``d`` (``r`` restricted to the entries free to move)
    makes the correction along ``d`` only."""
    direction = reference if direction is None else direction
    overlap = jnp.vdot(gradient, reference)
    norm = jnp.vdot(direction, reference)
    coefficient = jnp.where((overlap < 0) & (norm > 0), overlap / jnp.maximum(norm, 1e-30), 0)
    return gradient - coefficient * direction


def _padded(X: np.ndarray, targets: np.ndarray, weights: np.ndarray):
    """Rows padded with zero weight to a multiple of 128, so training compiles for few
    shapes (a power of two would waste up to half the work on these task sizes)."""
    size = max(ROW_MULTIPLE, -(-X.shape[0] // ROW_MULTIPLE) * ROW_MULTIPLE)
    return pad_rows((X, targets, weights), size)


@renamed_parameters(progress_bar="verbose")
def train_task(
    objective: ClassifierObjective,
    memories,
    X: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    *,
    sharpness: float,
    anchor,
    importance,
    strength: float,
    buffer: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    optimizer: Optimizer,
    max_iter: int,
    verbose: int = 0,
    description: str = "training",
) -> Minimised:
    """One full-batch training run of the memories on a task (rows already assembled).

    Parameters
    ----------
    objective : the loss with its anchor penalty.
    memories : (K, N + C) starting memories.
    X, targets, weights : (n, N) features, (n, C) +-1 targets, (n,) row weights.
    sharpness : the ``tanh`` gain.
    anchor, importance, strength : the quadratic penalty (strength 0: none).
    buffer : A-GEM's episodic buffer (features, targets, weights); None: no projection.
    optimizer, max_iter, verbose, description : as :func:`minimise` (``verbose`` was
        ``progress_bar``).
    """
    X, targets, weights = _padded(X, targets, weights)
    data = [X, targets, weights, sharpness, anchor, importance, strength]
    transform = None
    if buffer is not None:
        data.extend(_padded(*buffer))
        transform = AGEMProjection(objective)
    data = tuple(jnp.asarray(item) for item in data)
    plan = Schedule(optimizer, max_iter, verbose=verbose)
    options = {"project": clip_unit, "transform_update": transform}
    return train(objective, jnp.asarray(memories), data, plan, description, **options)


def fisher_diagonal(objective: ClassifierObjective, memories, X, targets, sharpness):
    """Diagonal empirical Fisher: the mean over rows of the squared per-row loss gradient."""

    def squared_gradient(row):
        x, t = row
        gradient = jax.grad(lambda m: objective.per_sample(m, x[None], t[None], sharpness)[0])(
            memories
        )
        return gradient**2

    squares = jax.lax.map(squared_gradient, (jnp.asarray(X), jnp.asarray(targets)), batch_size=64)
    return jnp.mean(squares, axis=0)


def synaptic_importance(path_integral, delta, damping: float):
    """SI's ``max(omega, 0) / (delta^2 + damping)`` for one task's path integral ``omega``
    and total displacement ``delta`` (negative contributions, from steps that raised the
    loss, are dropped so the penalty stays a well)."""
    return jnp.maximum(path_integral, 0) / (delta**2 + damping)


def pseudo_items(
    memories,
    n_features: int,
    n_classes: int,
    objective: ClassifierObjective,
    sharpness,
    n_items: int,
    key,
):
    """Pseudo-items: stable states of the network's asynchronous dynamics over all
    ``N + C`` neurons from random +-1 starts; their features, with the network's outputs
    ``c`` on them as targets. Returns ``(features (n_items, N), targets (n_items, C))``."""
    starts = jax.random.rademacher(key, (n_items, n_features + n_classes), dtype=memories.dtype)
    states = retrieve_binary(starts, memories, objective.interaction, max_iter=20).states
    features = jnp.asarray(states)[:, :n_features]
    active = None if objective.active is None else jnp.asarray(objective.active, memories.dtype)
    outputs = jax.vmap(label_outputs, in_axes=(0, None, None, None, None, None))(
        features, memories, objective.interaction, n_classes, sharpness, active
    )
    return np.asarray(features), np.asarray(outputs)
