"""Gradient training of memories with optax: one driver for every gradient-based rule.

:func:`minimise` runs full-batch steps of an optax optimiser on ``loss_fn(params, *data)``
in jitted ``lax.scan`` chunks, with a tqdm bar between chunks, an optional projection after
every step (e.g. clipping memories to ``[-1, 1]``), an optional gradient transform
(e.g. A-GEM's projection) and, with ``with_step=True``, the step index passed to the loss
(``loss_fn(params, step, *data)``, e.g. for an annealed temperature). It also accumulates
the path integral ``sum_t -g_t * (theta_{t+1} - theta_t)`` that Synaptic Intelligence needs
(Zenke et al. 2017).

Functions passed as ``loss_fn``, ``project`` and ``transform_update`` are static jit
arguments: pass module-level functions or hashable objects (frozen dataclasses), so repeated
calls reuse the compiled code. :class:`Optimizer` is such a hashable optax description.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.learning.optimise import Optimizer, minimise
>>> def loss(x, target):
...     return jnp.sum((x - target) ** 2)
>>> fit = minimise(loss, jnp.zeros(3), (jnp.ones(3),), optimizer=Optimizer("sgd", 0.25),
...                max_iter=40)
>>> [round(float(v), 4) for v in fit.params]
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tqdm.auto import tqdm

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.learning.mixture import LearnedMemories

__all__ = ["Minimised", "Optimizer", "check_optimizer", "clip_unit", "minimise"]

OPTIMIZERS = ("adam", "sgd")


@dataclasses.dataclass(frozen=True)
class Optimizer:
    """A hashable optax optimiser: ``"adam"``, or ``"sgd"`` with optional heavy-ball momentum
    (Krotov & Hopfield 2016 train with momentum).

    Examples
    --------
    >>> Optimizer("sgd", 0.1, momentum=0.9).build()  # doctest: +ELLIPSIS
    GradientTransformationExtraArgs(...)
    """

    name: str = "adam"
    learning_rate: float = 0.05
    momentum: float | None = None

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.name!r}.")
        check_positive("learning_rate", self.learning_rate)
        if self.momentum is not None and not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {self.momentum!r}.")
        if self.name == "adam" and self.momentum is not None:
            raise ValueError("momentum applies to the 'sgd' optimizer only.")

    def build(self) -> optax.GradientTransformation:
        if self.name == "adam":
            return optax.adam(self.learning_rate)
        return optax.sgd(self.learning_rate, momentum=self.momentum)


class Minimised(NamedTuple):
    """Result of :func:`minimise`.

    Attributes
    ----------
    params : the parameters after ``n_iter`` steps
    n_iter : steps taken
    converged : whether the loss settled (``tol``) before ``max_iter`` steps
    objective : (n_iter,) numpy loss before each step
    path_integral : ``sum_t -g_t * delta_t`` per parameter (Synaptic Intelligence)
    """

    params: object
    n_iter: int
    converged: bool
    objective: np.ndarray
    path_integral: object

    def as_learned(self, max_iter: int) -> LearnedMemories:
        """The memories as :class:`LearnedMemories`, the objective NaN-padded to ``max_iter``."""
        objective = np.pad(self.objective, (0, max_iter - self.n_iter), constant_values=np.nan)
        return LearnedMemories(self.params, self.n_iter, self.converged, objective)


def check_optimizer(optimizer) -> Optimizer:
    """``optimizer`` if it is an :class:`Optimizer`, else TypeError."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}.")
    return optimizer


def clip_unit(memories):
    """The projection of Krotov & Hopfield's rules: memories clipped to ``[-1, 1]``."""
    return jnp.clip(memories, -1.0, 1.0)


def _identity_update(updates, params, data):
    return updates


def _no_projection(params):
    return params


@functools.partial(
    jax.jit,
    static_argnames=(
        "loss_fn",
        "optimizer",
        "project",
        "transform_update",
        "n_steps",
        "with_step",
    ),
)
def _run_chunk(
    params,
    opt_state,
    path,
    data,
    start,
    loss_fn,
    optimizer,
    project,
    transform_update,
    n_steps,
    with_step,
):
    transformation = optimizer.build()
    value_and_grad = jax.value_and_grad(loss_fn)

    def step(carry, index):
        params, opt_state, path = carry
        arguments = (index, *data) if with_step else data
        value, gradient = value_and_grad(params, *arguments)
        updates, opt_state = transformation.update(gradient, opt_state, params)
        updates = transform_update(updates, params, data)
        new = project(optax.apply_updates(params, updates))
        path = jax.tree.map(lambda p, g, a, b: p - g * (b - a), path, gradient, params, new)
        return (new, opt_state, path), value

    indices = start + jnp.arange(n_steps, dtype=jnp.int32)
    return jax.lax.scan(step, (params, opt_state, path), indices)


def minimise(
    loss_fn: Callable,
    params,
    data: tuple = (),
    *,
    optimizer: Optimizer = Optimizer(),
    max_iter: int = 200,
    tol: float = 0.0,
    project: Callable | None = None,
    transform_update: Callable | None = None,
    chunk_size: int = 50,
    with_step: bool = False,
    progress_bar: bool = False,
    description: str = "training",
) -> Minimised:
    """Minimise ``loss_fn(params, *data)`` by full-batch optimiser steps.

    Parameters
    ----------
    loss_fn : scalar loss of a parameter pytree and the data arrays (static, hashable):
        ``loss_fn(params, *data)``, or ``loss_fn(params, step, *data)`` with ``with_step``.
    params : initial parameter pytree.
    data : tuple of arrays passed after ``params`` (traced: new data, no recompilation).
    optimizer : :class:`Optimizer`.
    max_iter : maximum number of steps.
    tol : stop after the chunk in which a step changed the loss by at most
        ``tol * (1 + |loss|)``; 0 runs all ``max_iter`` steps.
    project : applied to the parameters after every step (static), e.g. a clip.
    transform_update : ``(updates, params, data) -> updates`` after the optimiser
        (static), e.g. A-GEM's projection.
    chunk_size : steps per jitted ``lax.scan``; convergence and the bar update between chunks.
    with_step : pass the index of the step (an int32 scalar, 0 for the first step, counted
        across chunks) to ``loss_fn`` after ``params``, for step-dependent losses.
    progress_bar : show a tqdm bar over the steps.
    description : the bar's label.

    Returns
    -------
    Minimised
    """
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    chunk_size = check_integer("chunk_size", chunk_size, minimum=1)
    check_positive("tol", tol, allow_zero=True)
    project = project or _no_projection
    transform_update = transform_update or _identity_update
    opt_state = optimizer.build().init(params)
    path = jax.tree.map(jnp.zeros_like, params)
    values: list[np.ndarray] = []
    converged = False
    with tqdm(total=max_iter, desc=description, disable=not progress_bar, unit="step") as bar:
        done = 0
        while done < max_iter and not converged:
            n_steps = min(chunk_size, max_iter - done)
            (params, opt_state, path), chunk = _run_chunk(
                params,
                opt_state,
                path,
                tuple(data),
                jnp.asarray(done, jnp.int32),
                loss_fn,
                optimizer,
                project,
                transform_update,
                n_steps,
                with_step,
            )
            chunk = np.asarray(chunk, dtype=np.float64)
            if not np.all(np.isfinite(chunk)):
                raise FloatingPointError(
                    f"{description}: the loss became non-finite after {done} steps; lower the "
                    "learning rate or the sharpness."
                )
            values.append(chunk)
            done += n_steps
            bar.update(n_steps)
            bar.set_postfix(loss=f"{chunk[-1]:.4g}")
            if tol > 0:
                trace = np.concatenate(values)
                change = np.abs(np.diff(trace))
                converged = bool(np.any(change <= tol * (1 + np.abs(trace[1:]))))
    objective = np.concatenate(values)
    return Minimised(params, done, converged, objective, path)
