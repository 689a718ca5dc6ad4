"""The two-layer (feature / hidden) energy of Krotov & Hopfield (2021).

``E(v, h) = [(v - I) . g - L_v(v)] + [h . f - L_h(h)] - f^T xi g``, with ``g = dL_v/dv`` and
``f = dL_h/dh``. With convex Lagrangians it is a Lyapunov function of the dynamics
``tau_f dv/dt = xi^T f - v + I``, ``tau_h dh/dt = xi g - h``. At the hidden equilibrium
``h = xi g(v)`` it reduces to the effective energies: ``L_v = |v|^2/2`` with the softmax
Lagrangian gives Model B, ``L_v = sum |v|`` with ``sum F(h)`` gives Model A.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory.lagrangians import Lagrangian

__all__ = ["legendre_term", "two_layer_energy"]


def legendre_term(
    lagrangian: Lagrangian, x: Float[Array, " n"], offset=None
) -> tuple[Float[Array, ""], Float[Array, " n"]]:
    """``(x - offset)^T g(x) - L(x)`` and the activation ``g(x)`` from one evaluation.

    Parameters
    ----------
    lagrangian : Lagrangian
        The layer's Lagrangian ``L``.
    x : array of shape (n,)
        One state of the layer.
    offset : array of shape (n,), optional
        Subtracted from ``x`` in the dot product (the external input); None means 0.

    Returns
    -------
    term : array of shape ()
        The Legendre term.
    activation : array of shape (n,)
        ``g(x) = dL/dx``.

    See Also
    --------
    ebm_memory.energies.two_layer_energy : The energy made of two Legendre terms and the coupling.
    ebm_memory.lagrangians.Lagrangian.activation : The activation ``g = dL/dx``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import lagrangians
    >>> term, g = legendre_term(lagrangians.quadratic(), jnp.array([1.0, 2.0]))
    >>> float(term), g.tolist()
    (2.5, [1.0, 2.0])
    """
    value, activation = jax.value_and_grad(lagrangian)(x)
    shifted = x if offset is None else x - offset
    return jnp.vdot(shifted, activation) - value, activation


def two_layer_energy(
    v: Float[Array, " Nf"],
    h: Float[Array, " Nh"],
    memories: Float[Array, "Nh Nf"],
    lagrangian_v: Lagrangian,
    lagrangian_h: Lagrangian,
    input: Float[Array, " Nf"] | None = None,
) -> Float[Array, ""]:
    """Energy of one (feature, hidden) state; ``input`` is the external current ``I``.

    Parameters
    ----------
    v : array of shape (Nf,)
        Feature state.
    h : array of shape (Nh,)
        Hidden state.
    memories : array of shape (Nh, Nf)
        The patterns ``xi``.
    lagrangian_v : Lagrangian
        Feature-layer Lagrangian ``L_v``.
    lagrangian_h : Lagrangian
        Hidden-layer Lagrangian ``L_h``.
    input : array of shape (Nf,), optional
        External current ``I``; None means 0.

    Returns
    -------
    array of shape ()
        ``E(v, h)``.

    See Also
    --------
    ebm_memory.TwoLayerNetwork.energy : The same energy as a network method.
    ebm_memory.energies.legendre_term : The Legendre term of each layer.
    ebm_memory.TwoLayerNetwork.integrate : Dynamics along which the energy decreases.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from ebm_memory import lagrangians
    >>> xi = jnp.eye(2)
    >>> energy = two_layer_energy(jnp.array([1.0, 0.0]), jnp.array([1.0, 0.0]), xi,
    ...                           lagrangians.quadratic(), lagrangians.quadratic())
    >>> float(energy)
    0.0
    """
    if v.ndim != 1 or h.ndim != 1:
        raise ValueError(
            f"v and h must be vectors, got shapes {v.shape} and {h.shape}; batch with vmap."
        )
    if memories.shape != (h.shape[0], v.shape[0]):
        raise ValueError(
            f"memories must have shape (N_h, N_f) = {(h.shape[0], v.shape[0])}, "
            f"got {memories.shape}."
        )
    feature_term, g = legendre_term(lagrangian_v, v, input)
    hidden_term, f = legendre_term(lagrangian_h, h)
    return feature_term + hidden_term - f @ (memories @ g)
