"""Interaction (separation) functions ``F`` of the Model A / Model C energies ``-sum F(xi . x)``.

Each :class:`Interaction` says how to turn the overlaps ``h_mu = xi_mu . x`` into the
"attraction" ``A = sum_mu F(h_mu)`` (so the energy is ``-A``) in a form that cannot overflow:
polynomial interactions sum ``F(h)`` directly; the exponential interaction keeps ``log A`` as a
log-sum-exp of ``beta h``, because ``exp(beta h)`` leaves the float range for ``beta h > 88``
(float32) long before any retrieval decision is in doubt. Dynamics only ever compare
attractions, so they run in whichever domain is safe.

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.energies import interactions
>>> F = interactions.polynomial(3)
>>> float(F.term(jnp.array(2.0)))
8.0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax.numpy as jnp

from ebm_memory._named import NamedBySettings
from ebm_memory._validation import check_integer, check_positive

__all__ = ["Interaction", "classical", "exponential", "polynomial", "rectified_polynomial"]


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Interaction(NamedBySettings):
    """An interaction function, hashable by ``(name, params)`` for use as a static jit argument.

    Attributes
    ----------
    name, params
        Identity of the function, e.g. ``("polynomial", (("n", 3),))``.
    term : callable
        Elementwise per-memory term: ``F(h)`` when ``log_scale`` is None, else ``h`` itself.
    log_scale : float or None
        For ``F(h) = exp(beta h)``: ``beta``. Terms then combine as
        ``logsumexp(beta h)`` and the attraction is ``exp`` of the result.
    """

    name: str
    params: tuple[tuple[str, float], ...]
    term: Callable
    log_scale: float | None = None
    _namespace = "interactions"

    @property
    def log_domain(self) -> bool:
        """Whether the attraction is carried as its logarithm."""
        return self.log_scale is not None


def polynomial(n: int) -> Interaction:
    """``F(x) = x^n``: the polynomial Dense Associative Memory, capacity ~ N^(n-1)."""
    n = check_integer("n", n, minimum=1)
    return Interaction("polynomial", (("n", n),), lambda h: h**n)


def classical() -> Interaction:
    """``F(x) = x^2``: the classical Hopfield network, capacity ~ 0.14 N."""
    return polynomial(2)


def rectified_polynomial(n: int) -> Interaction:
    """``F(x) = max(x, 0)^n``: only memories that overlap positively attract."""
    n = check_integer("n", n, minimum=1)
    return Interaction(
        "rectified_polynomial",
        (("n", n),),
        lambda h: jnp.maximum(h, 0) ** n,
    )


def exponential(beta: float = 1.0) -> Interaction:
    """``F(x) = exp(beta x)``: the exponential DAM, capacity exponential in N.

    The attraction is carried as ``log sum exp(beta h)``.
    """
    check_positive("beta", beta)
    return Interaction("exponential", (("beta", beta),), lambda h: h, log_scale=beta)
