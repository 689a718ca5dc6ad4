"""Task families for in-context energy fitting: random densities, drawn from a key.

Every task is a Gaussian mixture with a fixed number of slots (absent components carry log
weight ``-inf``), so one sampler and one exact log density serve all families and every
family is traceable (``jit``/``vmap`` over keys). Shapes are mixtures too: a ring, a moon or
a line is a chain of many narrow components along the curve, closer together than their
width, which is a noisy curve to within a small ripple.

Training families: ``mixture_2d`` (1–5 components), ``shapes_2d`` (one or two of ring, moons,
line) and ``mixture_8d`` (d = 8). Held-out families, never seen in training:
``crowded_mixture_2d`` (6–9 components, more than any training task) and ``spiral_2d``.

Examples
--------
>>> import jax
>>> from ebm_memory.incontext.tasks import FAMILIES, mixture_log_prob, sample_mixture
>>> task = FAMILIES["mixture_2d"].draw(jax.random.key(0))
>>> points = sample_mixture(task, jax.random.key(1), 64)
>>> points.shape, jax.vmap(mixture_log_prob, (None, 0))(task, points).shape
((64, 2), (64,))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = [
    "FAMILIES",
    "HELD_OUT_FAMILIES",
    "TRAINING_FAMILIES",
    "MixtureTask",
    "TaskFamily",
    "TaskSampler",
    "crowded_mixture",
    "gaussian_mixture",
    "mixture_log_prob",
    "sample_mixture",
    "shapes",
    "spiral",
    "task_sampler",
]

CURVE_POINTS = 48
"""Components along each curve of a shape task."""


class MixtureTask(NamedTuple):
    """A diagonal Gaussian mixture with ``K`` slots; absent slots have log weight ``-inf``.

    Parameters
    ----------
    log_weights : array of shape (K,)
        Normalised log mixture weights.
    means : array of shape (K, D)
        The components' means.
    scales : array of shape (K, D)
        Per-dimension standard deviations.

    See Also
    --------
    ebm_memory.incontext.sample_mixture : Draws from it.
    ebm_memory.incontext.mixture_log_prob : Its exact log density.
    ebm_memory.incontext.TaskFamily : A distribution over such tasks.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory.incontext.tasks import MixtureTask
    >>> task = MixtureTask(jnp.log(jnp.array([0.5, 0.5])), jnp.array([[-1.0], [1.0]]),
    ...                    jnp.ones((2, 1)))
    >>> task.means.shape
    (2, 1)
    """

    log_weights: Float[Array, " K"]
    means: Float[Array, "K D"]
    scales: Float[Array, "K D"]


class TaskFamily(NamedTuple):
    """A named distribution over tasks: ``draw(key) -> MixtureTask`` of dimension ``dim``.

    Parameters
    ----------
    name : str
        The family's name (its key in :data:`FAMILIES`).
    dim : int
        The tasks' dimension.
    draw : callable
        ``draw(key) -> MixtureTask``, traceable.

    See Also
    --------
    ebm_memory.incontext.MixtureTask : What a family draws.
    ebm_memory.incontext.task_sampler : Samples from several families.

    Examples
    --------
    >>> import jax
    >>> from ebm_memory.incontext.tasks import FAMILIES
    >>> family = FAMILIES["mixture_2d"]
    >>> family.dim, family.draw(jax.random.key(0)).means.shape[1]
    (2, 2)
    """

    name: str
    dim: int
    draw: Callable[[Array], MixtureTask]


def sample_mixture(task: MixtureTask, key, n_points: int) -> Float[Array, "n D"]:
    """``n_points`` exact draws from the mixture ``task``.

    Parameters
    ----------
    task : MixtureTask
        The mixture, of dimension ``D``.
    key : PRNG key
        From ``jax.random.key``.
    n_points : int
        Draws to make.

    Returns
    -------
    array of shape (n_points, D)
        The draws.

    See Also
    --------
    ebm_memory.incontext.mixture_log_prob : The exact log density of the draws.
    ebm_memory.incontext.task_sampler : Draws from tasks of random families.

    Examples
    --------
    >>> import jax
    >>> from ebm_memory.incontext.tasks import FAMILIES, sample_mixture
    >>> task = FAMILIES["mixture_2d"].draw(jax.random.key(0))
    >>> sample_mixture(task, jax.random.key(1), 5).shape
    (5, 2)
    """
    component_key, noise_key = jax.random.split(key)
    components = jax.random.categorical(component_key, task.log_weights, shape=(n_points,))
    noise = jax.random.normal(noise_key, (n_points, task.means.shape[1]), task.means.dtype)
    return task.means[components] + task.scales[components] * noise


def mixture_log_prob(task: MixtureTask, x: Float[Array, " D"]) -> Float[Array, ""]:
    """Exact log density of ONE point under the mixture (batch with ``vmap``).

    Parameters
    ----------
    task : MixtureTask
        The mixture, of dimension ``D``.
    x : array of shape (D,)
        The point.

    Returns
    -------
    array of shape ()
        ``log p(x)``.

    See Also
    --------
    ebm_memory.incontext.sample_mixture : Exact draws from the same mixture.
    ebm_memory.InContextEnergy.score_samples : The model's log density given a context.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> from ebm_memory.incontext.tasks import MixtureTask, mixture_log_prob
    >>> task = MixtureTask(jnp.zeros(1), jnp.zeros((1, 2)), jnp.ones((1, 2)))
    >>> round(float(mixture_log_prob(task, jnp.zeros(2))), 4)  # -log(2 pi)
    -1.8379
    """
    standard = (x - task.means) / task.scales
    log_normal = -0.5 * jnp.sum(standard**2 + jnp.log(2 * math.pi * task.scales**2), axis=1)
    return jax.nn.logsumexp(task.log_weights + log_normal)


def _present_log_weights(key, n_slots: int, n_present) -> Float[Array, " K"]:
    """Dirichlet(1) weights on the first ``n_present`` of ``n_slots``; ``-inf`` on the rest."""
    present = jnp.arange(n_slots) < n_present
    logits = jnp.where(present, jnp.log(jax.random.exponential(key, (n_slots,))), -jnp.inf)
    return jax.nn.log_softmax(logits)


def gaussian_mixture(
    dim: int = 2,
    *,
    min_components: int = 1,
    max_components: int = 5,
    spread: float = 4.0,
    scale_range: tuple[float, float] = (0.2, 1.0),
    name: str | None = None,
) -> TaskFamily:
    """Mixtures of ``min..max`` components: Dirichlet(1) weights, means uniform in
    ``[-spread, spread]^dim``, isotropic scales log-uniform in ``scale_range``."""
    low, high = math.log(scale_range[0]), math.log(scale_range[1])

    def draw(key) -> MixtureTask:
        count_key, weight_key, mean_key, scale_key = jax.random.split(key, 4)
        n_present = jax.random.randint(count_key, (), min_components, max_components + 1)
        log_weights = _present_log_weights(weight_key, max_components, n_present)
        means = jax.random.uniform(mean_key, (max_components, dim), minval=-spread, maxval=spread)
        log_scale = jax.random.uniform(scale_key, (max_components, 1), minval=low, maxval=high)
        return MixtureTask(log_weights, means, jnp.broadcast_to(jnp.exp(log_scale), means.shape))

    return TaskFamily(name or f"mixture_{dim}d", dim, draw)


def crowded_mixture() -> TaskFamily:
    """Held out: 6–9 components in the plane, more than any training mixture has."""
    return gaussian_mixture(
        2, min_components=6, max_components=9, spread=4.0, name="crowded_mixture_2d"
    )


def _rotation(angle) -> Float[Array, "2 2"]:
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    return jnp.array([[cos, -sin], [sin, cos]])


def _curve_points(kind, t: Float[Array, " M"]) -> Float[Array, "M 2"]:
    """Unit-size curves on ``t`` in [0, 1]: 0 ring, 1 moons (two interleaved arcs), 2 line."""
    ring = jnp.stack([jnp.cos(2 * math.pi * t), jnp.sin(2 * math.pi * t)], axis=1)
    arc = jnp.where(t < 0.5, 2 * t, 2 * t - 1) * math.pi
    upper = jnp.stack([jnp.cos(arc) - 0.5, jnp.sin(arc) - 0.25], axis=1)
    lower = jnp.stack([0.5 - jnp.cos(arc), 0.25 - jnp.sin(arc)], axis=1)
    moons = jnp.where((t < 0.5)[:, None], upper, lower)
    line = jnp.stack([4 * t - 2, jnp.zeros_like(t)], axis=1)
    return jnp.select([kind == 0, kind == 1], [ring, moons], line)


def _placed_curve(key, kind, t, size_range) -> tuple[Float[Array, "M 2"], Float[Array, ""]]:
    """A curve of ``kind`` with random size, rotation, centre and noise width."""
    size_key, angle_key, centre_key, noise_key = jax.random.split(key, 4)
    size = jax.random.uniform(size_key, (), minval=size_range[0], maxval=size_range[1])
    angle = jax.random.uniform(angle_key, (), maxval=2 * math.pi)
    centre = jax.random.uniform(centre_key, (2,), minval=-2.5, maxval=2.5)
    width = size * jax.random.uniform(noise_key, (), minval=0.04, maxval=0.12)
    return centre + size * _curve_points(kind, t) @ _rotation(angle).T, width


def shapes() -> TaskFamily:
    """One or two noisy curves (ring, moons or line) of random size, angle and place."""
    t = (jnp.arange(CURVE_POINTS) + 0.5) / CURVE_POINTS

    def draw(key) -> MixtureTask:
        kind_key, count_key, first_key, second_key = jax.random.split(key, 4)
        kinds = jax.random.randint(kind_key, (2,), 0, 3)
        means_1, width_1 = _placed_curve(first_key, kinds[0], t, (1.0, 2.5))
        means_2, width_2 = _placed_curve(second_key, kinds[1], t, (1.0, 2.5))
        two = jax.random.bernoulli(count_key)
        log_half = jnp.where(two, math.log(0.5), 0.0)
        log_weights = jnp.concatenate(
            [
                jnp.full(CURVE_POINTS, log_half - math.log(CURVE_POINTS)),
                jnp.where(two, log_half - math.log(CURVE_POINTS), -jnp.inf)
                * jnp.ones(CURVE_POINTS),
            ]
        )
        widths = jnp.concatenate([jnp.full(CURVE_POINTS, width_1), jnp.full(CURVE_POINTS, width_2)])
        means = jnp.concatenate([means_1, means_2])
        return MixtureTask(log_weights, means, jnp.broadcast_to(widths[:, None], means.shape))

    return TaskFamily("shapes_2d", 2, draw)


def spiral() -> TaskFamily:
    """Held out: a noisy two-turn Archimedean spiral (no training family has one)."""
    n_points = 2 * CURVE_POINTS
    t = (jnp.arange(n_points) + 0.5) / n_points

    def draw(key) -> MixtureTask:
        size_key, angle_key, centre_key, noise_key = jax.random.split(key, 4)
        size = jax.random.uniform(size_key, (), minval=1.5, maxval=3.0)
        angle = jax.random.uniform(angle_key, (), maxval=2 * math.pi)
        centre = jax.random.uniform(centre_key, (2,), minval=-1.5, maxval=1.5)
        turn = 4 * math.pi * t
        curve = (0.15 + t)[:, None] * jnp.stack([jnp.cos(turn), jnp.sin(turn)], axis=1)
        means = centre + size * curve @ _rotation(angle).T
        width = size * jax.random.uniform(noise_key, (), minval=0.03, maxval=0.06)
        log_weights = jnp.full(n_points, -math.log(n_points))
        return MixtureTask(log_weights, means, jnp.full(means.shape, width))

    return TaskFamily("spiral_2d", 2, draw)


FAMILIES: dict[str, TaskFamily] = {
    family.name: family
    for family in (gaussian_mixture(2), shapes(), gaussian_mixture(8), crowded_mixture(), spiral())
}
TRAINING_FAMILIES = ("mixture_2d", "shapes_2d")
"""The 2-D families the default model trains on."""
HELD_OUT_FAMILIES = ("crowded_mixture_2d", "spiral_2d")


@dataclasses.dataclass(frozen=True)
class TaskSampler:
    """A traceable ``sampler(key, n_points) -> (n_points, D)`` over task families (hashable,
    so a training chunk compiled for it is reused); build it with :func:`task_sampler`."""

    families: tuple[TaskFamily, ...]

    @property
    def dim(self) -> int:
        """The families' common dimension."""
        return self.families[0].dim

    def __call__(self, key, n_points: int) -> Float[Array, "n D"]:
        choice_key, task_key, point_key = jax.random.split(key, 3)
        branches = [
            lambda k, family=family: sample_mixture(family.draw(k), point_key, n_points)
            for family in self.families
        ]
        index = jax.random.randint(choice_key, (), 0, len(self.families))
        return jax.lax.switch(index, branches, task_key)


def task_sampler(families: Sequence[TaskFamily | str]) -> TaskSampler:
    """A traceable ``sampler(key, n_points) -> (n_points, D)``: one task drawn from a family
    chosen uniformly, then ``n_points`` draws from it.

    This is the form :meth:`~ebm_memory.InContextEnergy.fit` takes; all families must share
    their dimension.

    Parameters
    ----------
    families : sequence of str or TaskFamily
        Family names (keys of :data:`FAMILIES`) or families, of one dimension.

    Returns
    -------
    TaskSampler
        The sampler; its ``dim`` attribute is the families' dimension.

    See Also
    --------
    ebm_memory.incontext.TaskFamily : The families it chooses among.
    ebm_memory.InContextEnergy.fit : Trains on the sampled tasks.

    Examples
    --------
    >>> import jax
    >>> from ebm_memory.incontext.tasks import task_sampler
    >>> sampler = task_sampler(["mixture_2d", "shapes_2d"])
    >>> sampler.dim, sampler(jax.random.key(0), 5).shape
    (2, (5, 2))
    """
    resolved = tuple(FAMILIES[family] if isinstance(family, str) else family for family in families)
    if not resolved:
        raise ValueError("task_sampler needs at least one family.")
    dims = {family.dim for family in resolved}
    if len(dims) != 1:
        raise ValueError(f"All families must share one dimension, got dimensions {sorted(dims)}.")
    return TaskSampler(resolved)
