"""Interaction (separation) functions ``F`` of the Model A / Model C energies ``-sum F(xi . x)``.

Each :class:`Interaction` says how to turn the overlaps ``h_mu = xi_mu . x`` into the
"attraction" ``A = sum_mu F(h_mu)`` (so the energy is ``-A``) in a form that cannot overflow:
polynomial interactions sum ``F(h)`` directly; the exponential interaction keeps ``log A`` as a
log-sum-exp of ``beta h``, because ``exp(beta h)`` leaves the float range for ``beta h > 88``
(float32) long before any retrieval decision is in doubt. Dynamics only ever compare
attractions, so they run in whichever domain is safe.

An :class:`Interaction` is a JAX pytree: the gain ``beta`` is a traced leaf, so
``exponential(1.0)`` and ``exponential(2.0)`` share one compilation when passed to a jitted
function; the term function, the name, the degree ``n`` and ``log_domain`` are static.

Scale convention: ``polynomial(n)`` here is ``F(x) = x^n`` with energy
``-sum_mu F(xi_mu . s)``, while the Lagrangian :func:`ebm_memory.lagrangians.polynomial` of
the same degree is ``x^n / n`` (activation ``x^(n-1)``).

Examples
--------
>>> import jax.numpy as jnp
>>> from ebm_memory.energies import interactions
>>> F = interactions.polynomial(3)
>>> float(F.term(jnp.array(2.0)))
8.0
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from ebm_memory._named import NamedFunction, as_setting
from ebm_memory._validation import check_integer, check_positive

__all__ = ["Interaction", "classical", "exponential", "polynomial", "rectified_polynomial"]


@jax.tree_util.register_pytree_node_class
class Interaction(NamedFunction):
    """An interaction function ``F`` of the overlaps; a JAX pytree.

    Parameters
    ----------
    name : str
        Factory name, e.g. ``"polynomial"``.
    params : tuple of (str, value)
        The settings, e.g. ``(("n", 3),)``. Integer settings are static; the others traced.
    term : callable
        Elementwise per-memory term of overlaps ``h`` of any shape: ``F(h)`` when
        ``log_scale`` is None, else ``h`` itself. With ``pass_params=True`` it is called as
        ``term(h, **params)``.
    log_scale : float or None
        For ``F(h) = exp(beta h)``: ``beta`` (traced). Terms then combine as
        ``logsumexp(beta h)`` and the attraction is ``exp`` of the result.
    pass_params : bool, default False
        Call ``term`` with the settings as keyword arguments (the factories do, with
        module-level functions, so equal settings mean equal compiled code).

    Attributes
    ----------
    name, params, log_scale
        As given.
    term : callable
        The elementwise term, settings applied.
    log_domain : bool
        Whether the attraction is carried as its logarithm (static).

    See Also
    --------
    ebm_memory.energies.interactions.polynomial : A factory for the polynomial DAM interaction.
    ebm_memory.energies.interactions.exponential : A factory for the exponential DAM interaction.
    ebm_memory.energies.attraction : Sums ``F`` over the overlaps with the memories.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> F = Interaction("cubic", (), lambda h: h**3)
    >>> float(F.term(jnp.array(2.0)))
    8.0
    """

    _namespace = "interactions"
    _static_fields = ("log_domain",)
    _leaf_fields = ("log_scale",)

    def __init__(
        self,
        name: str,
        params: tuple[tuple[str, object], ...],
        term: Callable,
        log_scale: float | None = None,
        *,
        pass_params: bool = False,
    ):
        self.log_domain = log_scale is not None
        self.log_scale = log_scale
        self._init_function(name, params, term, pass_params)

    @property
    def term(self) -> Callable:
        """The elementwise term, settings applied.

        See Also
        --------
        ebm_memory.energies.attraction : Sums the term over the memories.

        Examples
        --------
        >>> import jax.numpy as jnp
        >>> float(polynomial(3).term(jnp.array(2.0)))
        8.0
        """
        return self._bound()


def _power(h, n):
    return h**n


def _rectified_power(h, n):
    return jnp.maximum(h, 0) ** n


def _identity(h, beta):
    del beta
    return h


def polynomial(n: int) -> Interaction:
    """``F(x) = x^n``: the polynomial Dense Associative Memory, capacity ~ N^(n-1).

    No ``1/n`` factor, unlike the Lagrangian ``lagrangians.polynomial(n) = x^n / n``.

    Parameters
    ----------
    n : int
        Degree, at least 1 (static: one compilation per degree).

    Returns
    -------
    Interaction
        ``F`` applied elementwise to overlaps of any shape.

    See Also
    --------
    ebm_memory.energies.interactions.rectified_polynomial : Only positive overlaps attract.
    ebm_memory.energies.interactions.classical : The case ``n = 2``.
    ebm_memory.analysis.capacity_curve : Measures its capacity against ``N``.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> polynomial(3).term(jnp.array([-1.0, 2.0])).tolist()
    [-1.0, 8.0]
    """
    n = check_integer("n", n, minimum=1)
    return Interaction("polynomial", (("n", n),), _power, pass_params=True)


def classical() -> Interaction:
    """``F(x) = x^2``: the classical Hopfield network, capacity ~ 0.14 N.

    Returns
    -------
    Interaction
        ``polynomial(2)``.

    See Also
    --------
    ebm_memory.energies.interactions.polynomial : The degree-n generalisation.
    ebm_memory.learning.hebbian_weights : Hebb's rule, the weights this energy is written with.
    ebm_memory.analysis.capacity_curve : Measures its capacity, about 0.14 N.

    Examples
    --------
    >>> classical() == polynomial(2)
    True
    """
    return polynomial(2)


def rectified_polynomial(n: int) -> Interaction:
    """``F(x) = max(x, 0)^n``: only memories that overlap positively attract.

    Parameters
    ----------
    n : int
        Exponent of the positive part of each overlap, at least 1.

    Returns
    -------
    Interaction
        Zero for negative overlaps.

    See Also
    --------
    ebm_memory.energies.interactions.polynomial : The unrectified power.
    ebm_memory.lagrangians.rectified_polynomial
        The same interaction as a hidden-layer Lagrangian.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> rectified_polynomial(2).term(jnp.array([-3.0, 3.0])).tolist()
    [0.0, 9.0]
    """
    n = check_integer("n", n, minimum=1)
    return Interaction("rectified_polynomial", (("n", n),), _rectified_power, pass_params=True)


def exponential(beta: float = 1.0) -> Interaction:
    """``F(x) = exp(beta x)``: the exponential DAM, capacity exponential in N.

    The attraction is carried as ``log sum exp(beta h)``. ``beta`` may be traced; it is
    validated when concrete.

    Parameters
    ----------
    beta : float, default 1.0
        Sharpness ``> 0``: the overlap is multiplied by it inside the exponential.

    Returns
    -------
    Interaction
        A log-domain interaction (``log_domain`` True, ``log_scale`` = ``beta``).

    See Also
    --------
    ebm_memory.energies.interactions.polynomial : The polynomial DAM interaction.
    ebm_memory.lagrangians.exponential : The same interaction as a hidden-layer Lagrangian.
    ebm_memory.analysis.capacity_curve : Measures its exponential capacity.

    Examples
    --------
    >>> exponential(2.0).log_domain, exponential(2.0).log_scale
    (True, 2.0)
    """
    beta = as_setting(check_positive("beta", beta))
    return Interaction("exponential", (("beta", beta),), _identity, beta, pass_params=True)
