"""Supervised Dense Associative Memory (Krotov & Hopfield 2016): labels as clamped neurons.

The visible layer holds ``N`` feature neurons ``v`` and ``C`` label neurons ``t`` in
{-1, +1}; each memory ``xi_mu = (xi_mu^v, xi_mu^t)`` spans both, and the energy is
``E(v, t) = -sum_mu F(xi_mu^v . v + xi_mu^t . t)``. With the features clamped, label ``a``
is read by comparing the attraction ``A = -E`` of the one-hot state "``a`` on, all others
off" with that of "all off":

    ``drive_a(v) = A(v, e_a) - A(v, off)``, with ``e_a = 2 onehot(a) - 1`` and ``off = -1``,

so the overlaps are ``h_mu^off = xi_mu^v . v - sum_c xi_mu,c^t`` and
``h_mu^a = h_mu^off + 2 xi_mu,a^t``. The network's output is ``c_a = tanh(s * drive_a)``
(``s``: the sharpness, KH2016's inverse temperature ``beta = 1 / T^n``) and training
minimises ``sum_a (t_a - c_a)^(2m)`` (``m``: ``power``), memories clipped to ``[-1, 1]``.
Exponential interactions compare the attractions in the log domain, as
:mod:`ebm_memory.learning.binary` does.

Read as independent Bernoulli neurons with ``P(t_a = +1) = (1 + c_a) / 2 = sigmoid(2 s
drive_a)``, the label distribution conditioned on exactly one label being on is
``softmax_a(2 s drive_a)``: that is :func:`label_log_probabilities`, and its arg max is the
arg max of the drives (the "all off" term is common to all labels).

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.energies import interactions
>>> memories = jnp.array([[1.0, 1.0, 1.0, -1.0], [-1.0, -1.0, -1.0, 1.0]])  # N = 2, C = 2
>>> drives = label_drives(jnp.array([0.5, 0.5]), memories, interactions.polynomial(2), 2)
>>> int(jnp.argmax(drives))
0
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory.energies.effective import attraction
from ebm_memory.energies.interactions import Interaction

__all__ = [
    "ClassifierObjective",
    "label_drives",
    "label_log_probabilities",
    "label_outputs",
    "one_hot_targets",
]


def label_drives(
    features: Float[Array, " N"],
    memories: Float[Array, "K NC"],
    interaction: Interaction,
    n_classes: int,
    active: Float[Array, " C"] | None = None,
) -> Float[Array, " C"]:
    """``A(v, e_a) - A(v, off)`` for every label ``a`` (log-domain interactions:
    ``(log A(v, e_a) - log A(v, off)) / beta``).

    ``active`` (1 or 0 per label; None: all 1) says which label neurons are in play: the
    others sit at 0 in both states, absent from the energy until their class arrives
    (:class:`ClassifierObjective`); switching one on then adds ``xi_a`` rather than
    ``2 xi_a`` to the overlap.
    """
    n_features = features.shape[0]
    off_state = -jnp.ones(n_classes) if active is None else -jnp.asarray(active)

    def overlaps(patterns):
        visible, labels = patterns[:, :n_features], patterns[:, n_features:]
        off = visible @ features + labels @ off_state.astype(labels.dtype)
        return jnp.concatenate([off[:, None] + labels * (1 - off_state), off[:, None]], axis=1)

    totals = attraction(overlaps, memories, interaction)
    difference = totals[:n_classes] - totals[n_classes]
    return difference / interaction.log_scale if interaction.log_domain else difference


def label_outputs(
    features, memories, interaction: Interaction, n_classes: int, sharpness, active=None
):
    """The label neurons' outputs ``c_a = tanh(sharpness * drive_a)`` in (-1, 1)."""
    drives = label_drives(features, memories, interaction, n_classes, active)
    return jnp.tanh(sharpness * drives)


def label_log_probabilities(
    features, memories, interaction: Interaction, n_classes: int, sharpness
):
    """``log softmax_a(2 sharpness drive_a)``: the one-hot label distribution (module docs)."""
    drives = label_drives(features, memories, interaction, n_classes)
    return jax.nn.log_softmax(2 * sharpness * drives)


def one_hot_targets(labels, n_classes: int):
    """Integer labels (n,) to +-1 one-hot targets (n, C)."""
    return 2 * jax.nn.one_hot(labels, n_classes) - 1


@dataclasses.dataclass(frozen=True)
class ClassifierObjective:
    """The KH2016 loss plus a quadratic anchor penalty, hashable (a static jit argument).

    Call with ``(memories, X, targets, weights, sharpness, anchor, importance, strength)``:
    ``sum_n w_n sum_a m_a (t_na - c_na)^(2m) / sum_n w_n + strength / 2 * sum importance *
    (memories - anchor)^2``. The penalty is EWC's and Synaptic Intelligence's form; with
    ``strength = 0`` it vanishes exactly.

    ``active`` (``m_a``; None: all labels) marks the labels some task has shown. The others
    are absent from the energy (:func:`label_drives`) and from the loss: were they clamped
    off at -1, every earlier task would use their memory entries as a shared bias, drive
    them to -1, and a class arriving later would start deep in the ``tanh`` saturation.
    """

    interaction: Interaction
    n_classes: int
    power: int
    active: tuple[bool, ...] | None = None

    def per_sample(self, memories, X, targets, sharpness):
        active = None if self.active is None else jnp.asarray(self.active, memories.dtype)
        outputs = jax.vmap(label_outputs, in_axes=(0, None, None, None, None, None))(
            X, memories, self.interaction, self.n_classes, sharpness, active
        )
        errors = (targets - outputs) ** (2 * self.power)
        return jnp.sum(errors if active is None else errors * active, axis=1)

    def task_loss(self, memories, X, targets, weights, sharpness):
        losses = self.per_sample(memories, X, targets, sharpness)
        return jnp.sum(weights * losses) / jnp.maximum(jnp.sum(weights), 1e-12)

    def __call__(
        self, memories, X, targets, weights, sharpness, anchor, importance, strength, *reference
    ):
        penalty = 0.5 * strength * jnp.sum(importance * (memories - anchor) ** 2)
        return self.task_loss(memories, X, targets, weights, sharpness) + penalty
