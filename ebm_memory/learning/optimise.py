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

The chunks run through the package's one chunked training driver,
:func:`~ebm_memory.learning.driver.run_chunks`.

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
from typing import TYPE_CHECKING, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._renamed import renamed_parameters
from ebm_memory._validation import check_integer, check_positive
from ebm_memory.learning.driver import run_chunks
from ebm_memory.learning.mixture import LearnedMemories

if TYPE_CHECKING:
    import optax

__all__ = ["Minimised", "Optimizer", "check_optimizer", "clip_unit", "minimise"]

OPTIMIZERS = ("adam", "sgd")


@dataclasses.dataclass(frozen=True)
class Optimizer:
    """A hashable optax optimiser: ``"adam"``, or ``"sgd"`` with optional heavy-ball momentum.

    Hashable, so it can be a static argument of a jitted chunk (Krotov & Hopfield 2016
    train with momentum).

    Parameters
    ----------
    name : {"adam", "sgd"}, default="adam"
        The optax optimiser.
    learning_rate : float, default=0.05
        The step size (positive).
    momentum : float, optional
        Heavy-ball momentum in [0, 1), for ``"sgd"`` only.

    See Also
    --------
    ebm_memory.learning.minimise : Takes one.
    ebm_memory.learning.Optimizer.build : The optax optimiser it describes.

    Examples
    --------
    >>> from ebm_memory.learning.optimise import Optimizer
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
        """The optax optimiser this describes.

        Returns
        -------
        optax.GradientTransformation
            ``optax.adam`` or ``optax.sgd`` at ``learning_rate``.

        See Also
        --------
        ebm_memory.learning.minimise : Runs the optimiser.

        Examples
        --------
        >>> from ebm_memory.learning.optimise import Optimizer
        >>> Optimizer("adam", 0.01).build()  # doctest: +ELLIPSIS
        GradientTransformationExtraArgs(...)
        """
        import optax

        if self.name == "adam":
            return optax.adam(self.learning_rate)
        return optax.sgd(self.learning_rate, momentum=self.momentum)


class Minimised(NamedTuple):
    """Result of :func:`minimise`.

    Parameters
    ----------
    params : pytree
        The parameters after ``n_iter`` steps (arrays shaped as the initial ones).
    n_iter : int
        Steps taken.
    converged : bool
        Whether the loss settled (``tol``) before ``max_iter`` steps.
    objective : ndarray of shape (n_iter,)
        The loss before each step.
    path_integral : pytree
        ``sum_t -g_t * delta_t`` per parameter, shaped as ``params`` (Synaptic
        Intelligence).

    See Also
    --------
    ebm_memory.learning.minimise : Returns it.
    ebm_memory.learning.Minimised.as_learned : As the learning rules' result type.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.learning.optimise import minimise
    >>> fit = minimise(lambda x: jnp.sum(x**2), jnp.ones(2), max_iter=3)
    >>> fit.n_iter, fit.objective.shape
    (3, (3,))
    """

    params: object
    n_iter: int
    converged: bool
    objective: np.ndarray
    path_integral: object

    def as_learned(self, max_iter: int) -> LearnedMemories:
        """The memories as :class:`LearnedMemories`, the objective NaN-padded to ``max_iter``.

        Parameters
        ----------
        max_iter : int
            The length of the padded objective (at least ``n_iter``).

        Returns
        -------
        LearnedMemories
            The parameters as memories, the steps, the convergence flag and the objective
            of shape (max_iter,).

        See Also
        --------
        ebm_memory.learning.LearnedMemories : What it returns.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> import numpy as np
        >>> from ebm_memory.learning.optimise import minimise
        >>> learned = minimise(lambda x: jnp.sum(x**2), jnp.ones(2), max_iter=3).as_learned(5)
        >>> learned.objective.shape, int(np.isnan(learned.objective).sum())
        ((5,), 2)
        """
        objective = np.pad(self.objective, (0, max_iter - self.n_iter), constant_values=np.nan)
        return LearnedMemories(self.params, self.n_iter, self.converged, objective)


def check_optimizer(optimizer) -> Optimizer:
    """``optimizer`` itself if it is an :class:`Optimizer`.

    Parameters
    ----------
    optimizer : Optimizer
        The value to check.

    Returns
    -------
    Optimizer
        ``optimizer``, unchanged.

    Raises
    ------
    TypeError
        When ``optimizer`` is not an :class:`Optimizer`.

    Examples
    --------
    >>> from ebm_memory.learning.optimise import Optimizer, check_optimizer
    >>> check_optimizer(Optimizer()).name
    'adam'
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}.")
    return optimizer


def clip_unit(memories):
    """The projection of Krotov & Hopfield's rules: memories clipped to ``[-1, 1]``.

    Parameters
    ----------
    memories : array of shape (n_memories, n_features)
        The memories after a step.

    Returns
    -------
    array of shape (n_memories, n_features)
        Every entry clipped to ``[-1, 1]``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.learning.optimise import clip_unit
    >>> clip_unit(jnp.array([[-2.0, 0.5, 3.0]])).tolist()
    [[-1.0, 0.5, 1.0]]
    """
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
    import optax

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


def _settled(values: list[np.ndarray], tol: float) -> bool:
    """Whether the last recorded step changed the loss by at most ``tol * (1 + |loss|)``."""
    trace = np.concatenate(values)
    if len(trace) < 2:
        return False
    return bool(abs(trace[-1] - trace[-2]) <= tol * (1 + abs(trace[-1])))


@renamed_parameters(progress_bar="verbose")
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
    verbose: int = 0,
    description: str = "training",
) -> Minimised:
    """Minimise ``loss_fn(params, *data)`` by full-batch optimiser steps.

    Parameters
    ----------
    loss_fn : callable
        Scalar loss of a parameter pytree and the data arrays (static, hashable):
        ``loss_fn(params, *data)``, or ``loss_fn(params, step, *data)`` with ``with_step``.
    params : pytree
        The initial parameters (arrays of any shape).
    data : tuple, default=()
        Arrays of any shape passed after ``params`` (traced: new data, no recompilation).
    optimizer : Optimizer, default=Optimizer()
        The optax optimiser (Adam, step 0.05).
    max_iter : int, default=200
        Maximum number of steps.
    tol : float, default=0.0
        Stop after the chunk whose last step changed the loss by at most
        ``tol * (1 + |loss|)``; 0 runs all ``max_iter`` steps.
    project : callable, optional
        Applied to the parameters after every step (static), e.g. a clip.
    transform_update : callable, optional
        ``(updates, params, data) -> updates`` after the optimiser (static), e.g. A-GEM's
        projection.
    chunk_size : int, default=50
        Steps per jitted ``lax.scan``; convergence and the bar update between chunks.
    with_step : bool, default=False
        Pass the index of the step (an int32 scalar, 0 for the first step, counted across
        chunks) to ``loss_fn`` after ``params``, for step-dependent losses.
    verbose : int, default=0
        Draw a tqdm bar over the steps when positive (was ``progress_bar``).
    description : str, default="training"
        The bar's label.

    Returns
    -------
    Minimised
        The parameters, the steps taken, whether the loss settled, the loss before each
        step and the path integral.

    Raises
    ------
    FloatingPointError
        When the loss becomes NaN or infinite.

    See Also
    --------
    ebm_memory.learning.Optimizer : The optimiser to step with.
    ebm_memory.learning.Minimised : What it returns.
    ebm_memory.learning.fit_delta_memories : A learning rule built on it.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.learning.optimise import Optimizer, minimise
    >>> fit = minimise(lambda x: jnp.sum((x - 2.0) ** 2), jnp.zeros(2),
    ...                optimizer=Optimizer("sgd", 0.25), max_iter=100, tol=1e-6, chunk_size=10)
    >>> fit.converged, fit.n_iter < 100, round(float(fit.params[0]), 3)
    (True, True, 2.0)
    """
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    chunk_size = check_integer("chunk_size", chunk_size, minimum=1)
    check_positive("tol", tol, allow_zero=True)
    statics = (
        loss_fn,
        optimizer,
        project or _no_projection,
        transform_update or _identity_update,
    )
    data = tuple(data)
    values: list[np.ndarray] = []

    def run(carry, start, length):
        step = jnp.asarray(start, jnp.int32)
        return _run_chunk(*carry, data, step, *statics, length, with_step)

    def record(carry, chunk) -> bool:
        values.append(np.asarray(chunk.outputs, dtype=np.float64))
        return tol > 0 and _settled(values, tol)

    def diverged(start: int, length: int) -> str:
        return (
            f"{description}: the loss became non-finite after {start} steps; lower the "
            "learning rate or the sharpness."
        )

    carry = (params, optimizer.build().init(params), jax.tree.map(jnp.zeros_like, params))
    (params, _, path), done, converged = run_chunks(
        run,
        carry,
        max_iter,
        chunk_size=chunk_size,
        verbose=verbose,
        description=description,
        diverged=diverged,
        callback=record,
    )
    return Minimised(params, done, converged, np.concatenate(values), path)
