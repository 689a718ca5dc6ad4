"""Training the in-context energy across many tasks: contrastive divergence or denoising
score matching, with optax, in jitted ``lax.scan`` chunks.

Each step draws ``tasks_per_step`` tasks. For each, a context of a random size between
``min_context`` and ``max_context`` (padded and masked to ``max_context``) and
``queries_per_task`` fresh points from the same task (the positives: never context points,
so the model learns the density behind the context, not the context itself).

- ``"cd"`` (Du & Mordatch 2019; Schaeffer et al. 2024): the loss is
  ``mean E(positives) - mean E(negatives) + alpha * mean(g^2)``. The negatives are short-run
  Langevin chains on the model's own energy: Metropolis-adjusted
  (:func:`ebm_memory.samplers.kernels.mala`, the default) or unadjusted
  (:func:`~ebm_memory.samplers.kernels.ula`). The adjustment matters: the learned wells get
  narrow, and an unadjusted chain overdisperses by a factor ``1 / (1 - h / 2 sigma^2)`` on a
  well of width ``sigma``, which contrastive divergence answers by sharpening the wells
  further. A fraction ``buffer_fraction`` of the chains resume from a replay buffer of past
  negatives (standardised units, shared by all tasks: off-support probes that teach the
  energy to rise in the gaps); the others start at exact draws from the model's own memory
  read-out for this context (the energy without its correction), which is already close to
  the model's density, so a few Langevin steps suffice and the gradient of the read-out's
  weights and widths is nearly the likelihood's. A buffer shared across tasks alone would
  not do: its rows sit on other tasks' modes, too far for a short chain to leave.
  The regulariser acts on the correction ``g``, the one part of the energy whose additive
  level contrastive divergence cannot see (the read-out is a normalised mixture).
- ``"dsm"`` (Vincent 2011): ``|sigma grad_z E(z + sigma eps) - eps|^2``, the denoising score
  matching loss at noise ``sigma = dsm_noise`` (standardised units), as a comparison.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Bool, Float

from ebm_memory.incontext.model import encode_context, sample_readout, standardised_energy
from ebm_memory.incontext.settings import TrainingSettings
from ebm_memory.samplers.kernels import mala, run_chain, ula

__all__ = [
    "BUFFER_HALF_WIDTH",
    "NEGATIVE_KERNELS",
    "Batch",
    "ChunkCarry",
    "DatasetBatches",
    "SamplerBatches",
    "initial_carry",
    "make_optimizer",
    "train_chunk",
]

NEGATIVE_KERNELS = {"mala": mala, "ula": ula}
BUFFER_HALF_WIDTH = 3.0
"""The replay buffer starts uniform in ``[-3, 3]^D`` (standardised units)."""


class Batch(NamedTuple):
    """Contexts (B, N, D) with masks (B, N), and positives (B, Q, D) from the same tasks."""

    contexts: Float[Array, "B N D"]
    masks: Bool[Array, "B N"]
    queries: Float[Array, "B Q D"]


def _context_mask(key, settings: TrainingSettings, upper) -> Bool[Array, " N"]:
    size = jax.random.randint(key, (), settings.min_context, upper + 1)
    return jnp.arange(settings.max_context) < size


@dataclasses.dataclass(frozen=True)
class SamplerBatches:
    """``batch(key, data) -> Batch`` from a traceable ``sampler(key, n_points)`` (hashable:
    a static argument of :func:`train_chunk`; ``data`` is unused)."""

    sampler: Callable
    settings: TrainingSettings

    def _one(self, key):
        settings = self.settings
        point_key, size_key = jax.random.split(key)
        points = self.sampler(point_key, settings.max_context + settings.queries_per_task)
        mask = _context_mask(size_key, settings, settings.max_context)
        return points[: settings.max_context], mask, points[settings.max_context :]

    def __call__(self, key, data) -> Batch:
        return Batch(*jax.vmap(self._one)(jax.random.split(key, self.settings.tasks_per_step)))


@dataclasses.dataclass(frozen=True)
class DatasetBatches:
    """``batch(key, (points, counts)) -> Batch`` from datasets padded to (M, P, D) with
    their sizes (M,): a dataset chosen uniformly, a random subset as the context and the
    positives drawn from its remaining points (hashable, as :class:`SamplerBatches`)."""

    settings: TrainingSettings

    def _one(self, key, points, counts):
        settings = self.settings
        choice_key, order_key, size_key, query_key = jax.random.split(key, 4)
        index = jax.random.randint(choice_key, (), 0, points.shape[0])
        rows, count = points[index], counts[index]
        order = jnp.argsort(
            jnp.where(
                jnp.arange(rows.shape[0]) < count,
                jax.random.uniform(order_key, (rows.shape[0],)),
                2.0,
            )
        )
        upper = jnp.minimum(settings.max_context, count - 1)
        mask = _context_mask(size_key, settings, upper)
        size = jnp.sum(mask)
        picks = size + jax.random.randint(
            query_key, (settings.queries_per_task,), 0, jnp.maximum(count - size, 1)
        )
        context_rows = jnp.where(mask, order[: settings.max_context], order[0])
        return rows[context_rows], mask, rows[order[picks]]

    def __call__(self, key, data) -> Batch:
        points, counts = data
        keys = jax.random.split(key, self.settings.tasks_per_step)
        return Batch(*jax.vmap(self._one, (0, None, None))(keys, points, counts))


def _negatives(model, encoded, buffered, resume, key, settings: TrainingSettings):
    """Short-run Langevin chains on the (frozen) model's standardised energy, from the buffer rows
    where ``resume`` holds and from exact read-out draws elsewhere."""
    frozen_model, frozen = jax.tree.map(
        lambda leaf: jax.lax.stop_gradient(leaf) if eqx.is_array(leaf) else leaf, (model, encoded)
    )
    start_key, key = jax.random.split(key)
    fresh = sample_readout(frozen_model, frozen, start_key, buffered.shape[0])
    starts = jnp.where(resume[:, None], buffered, fresh)
    kernel = NEGATIVE_KERNELS[settings.negative_kernel](
        lambda z: standardised_energy(frozen_model, frozen, z)[0], settings.langevin_step_size
    )

    def chain(chain_key, start):
        state, _, _ = run_chain(chain_key, kernel, kernel.init(start), settings.langevin_steps)
        return state.position

    return jax.vmap(chain)(jax.random.split(key, starts.shape[0]), starts)


def _task_loss(model, context, mask, queries, buffered, resume, key, settings: TrainingSettings):
    """The loss of ONE task, its negatives (standardised), and its mean positive energy."""
    encoded = encode_context(model, context, mask)
    positives = (queries - encoded.mean) * jnp.exp(-encoded.log_scale)
    score = jax.vmap(lambda z: standardised_energy(model, encoded, z))
    if settings.objective == "cd":
        negatives = _negatives(model, encoded, buffered, resume, key, settings)
        positive_energy, positive_correction = score(positives)
        negative_energy, negative_correction = score(negatives)
        penalty = jnp.mean(positive_correction**2) + jnp.mean(negative_correction**2)
        loss = (
            jnp.mean(positive_energy)
            - jnp.mean(negative_energy)
            + settings.regularisation * penalty
        )
        return loss, negatives, jnp.mean(positive_energy)
    noise = jax.random.normal(key, positives.shape, positives.dtype)
    noisy = positives + settings.dsm_noise * noise
    grads = jax.vmap(jax.grad(lambda z: standardised_energy(model, encoded, z)[0]))(noisy)
    loss = jnp.mean(jnp.sum((settings.dsm_noise * grads - noise) ** 2, axis=1))
    return loss, buffered, jnp.mean(score(positives)[0])


class ChunkCarry(NamedTuple):
    """What a training chunk carries from step to step."""

    params: object
    opt_state: object
    buffer: Float[Array, "M D"]


def _buffer_rows(key, buffer, settings: TrainingSettings):
    """Random buffer rows for every chain, and which chains resume from them."""
    shape = (settings.tasks_per_step, settings.queries_per_task)
    index_key, resume_key = jax.random.split(key)
    indices = jax.random.randint(index_key, shape, 0, buffer.shape[0])
    resume = jax.random.bernoulli(resume_key, settings.buffer_fraction, shape)
    return indices, buffer[indices], resume


def make_optimizer(learning_rate: float) -> optax.GradientTransformation:
    """Adam at ``learning_rate`` after clipping the gradients to global norm 1."""
    return optax.chain(optax.clip_by_global_norm(1.0), optax.adam(learning_rate))


def initial_carry(params, key, buffer_size: int, dim: int, learning_rate: float) -> ChunkCarry:
    """The parameters, fresh optimiser moments and a replay buffer uniform in the box
    ``[-BUFFER_HALF_WIDTH, BUFFER_HALF_WIDTH]^dim``."""
    buffer = jax.random.uniform(
        key,
        (buffer_size, dim),
        jnp.float32,
        minval=-BUFFER_HALF_WIDTH,
        maxval=BUFFER_HALF_WIDTH,
    )
    return ChunkCarry(params, make_optimizer(learning_rate).init(params), buffer)


def _step(carry: ChunkCarry, key, data, static, optimizer, batch_fn, settings: TrainingSettings):
    """One optimiser step; ``static`` is the non-array part of the model (``eqx.partition``)."""

    def loss_fn(params, batch, buffered, resume, keys):
        model = eqx.combine(params, static)
        losses, negatives, energies = jax.vmap(lambda *task: _task_loss(model, *task, settings))(
            batch.contexts, batch.masks, batch.queries, buffered, resume, keys
        )
        return jnp.mean(losses), (negatives, jnp.mean(energies))

    batch_key, start_key, chain_key = jax.random.split(key, 3)
    batch = batch_fn(batch_key, data)
    indices, buffered, resume = _buffer_rows(start_key, carry.buffer, settings)
    keys = jax.random.split(chain_key, settings.tasks_per_step)
    (loss, (negatives, energy)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
        carry.params, batch, buffered, resume, keys
    )
    updates, opt_state = optimizer.update(grads, carry.opt_state, carry.params)
    params = optax.apply_updates(carry.params, updates)
    buffer = carry.buffer.at[indices.reshape(-1)].set(
        negatives.reshape(-1, negatives.shape[-1]).astype(carry.buffer.dtype)
    )
    return ChunkCarry(params, opt_state, buffer), (loss, energy)


@functools.partial(
    jax.jit, static_argnames=("static", "learning_rate", "batch_fn", "settings", "length")
)
def train_chunk(
    carry: ChunkCarry,
    key,
    data,
    *,
    static,
    learning_rate: float,
    batch_fn: Callable,
    settings: TrainingSettings,
    length: int,
):
    """``length`` training steps in one ``lax.scan``: ``(carry, (losses, positive_energies))``.

    Compiled once per configuration (the static arguments are hashable: the model's
    non-array part, the learning rate, a :class:`SamplerBatches` or :class:`DatasetBatches`,
    the settings and the length); the carry, key and data are traced.
    """
    optimizer = make_optimizer(learning_rate)
    step = functools.partial(
        _step, data=data, static=static, optimizer=optimizer, batch_fn=batch_fn, settings=settings
    )
    return jax.lax.scan(step, carry, jax.random.split(key, length))
