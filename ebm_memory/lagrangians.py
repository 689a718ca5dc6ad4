"""Lagrangians of neuron layers: convex scalar functions whose gradients are activations.

Krotov & Hopfield (2021) specify a layer by a Lagrangian ``L(x)``; its activation is
``g = dL/dx`` and the layer contributes the Legendre term ``x . g - L`` to the energy. Each
factory here returns a :class:`Lagrangian`: a callable of ONE vector returning a scalar, with
``activation`` equal to its gradient. Batch with ``jax.vmap``.

All functions are safe at large gain ``beta`` and large inputs wherever the true value is
representable: log-cosh, softplus and log-sum-exp are evaluated in their stable forms and their
derivatives are supplied in closed form (``jax.custom_jvp``) so no intermediate overflows. The
exponential Lagrangian ``exp(beta x) / beta`` is genuinely larger than any float once
``beta x`` exceeds about 88 (float32) or 709 (float64); it overflows exactly where its value
does.

A :class:`Lagrangian` is a JAX pytree: float settings such as ``beta`` are traced leaves, so
``softmax(2.0)`` and ``softmax(3.0)`` share one compilation when passed to a jitted function;
the function object, the name, integer settings such as the degree ``n`` and ``convex`` are
static. Lagrangians built around different functions never share compiled code, even under
one name.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ebm_memory._named import NamedFunction, as_setting
from ebm_memory._numerics import log_cosh, safe_norm, scaled_logsumexp, softplus
from ebm_memory._validation import check_integer, check_positive

__all__ = [
    "Lagrangian",
    "absolute",
    "exponential",
    "layernorm",
    "polynomial",
    "quadratic",
    "rectified_polynomial",
    "relu",
    "sigmoid",
    "softmax",
    "spherical",
    "tanh",
]


@jax.tree_util.register_pytree_node_class
class Lagrangian(NamedFunction):
    """A named Lagrangian ``L: R^n -> R`` of one vector; a JAX pytree.

    Parameters
    ----------
    name : str
        The factory's name, such as ``"softmax"``; part of the repr and of the identity.
    params : tuple of (str, value) pairs
        Named settings like ``(("beta", 2.0),)``: integers are static, floats traced leaves.
    convex : bool
        Whether the Hessian is positive semi-definite everywhere, the condition under which
        the two-layer energy is a Lyapunov function.
    fn : callable
        ``fn(x) -> scalar`` for a vector ``x`` of shape (n,); with ``pass_params=True``,
        ``fn(x, **params)``.
    pass_params : bool, default False
        Call ``fn`` with the settings as keyword arguments. Factories pass a module-level
        ``fn`` this way, so objects that differ only in float settings share compiled code.

    See Also
    --------
    ebm_memory.TwoLayerNetwork : Couples a feature and a hidden Lagrangian into a network.
    ebm_memory.energies.legendre_term : The Legendre term a Lagrangian contributes to the energy.
    ebm_memory.analysis.flat_directions
        Dead directions: the null space of a Lagrangian's Hessian.

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> lag = Lagrangian("half_square", (), True, lambda x: 0.5 * jnp.sum(x**2))
    >>> float(lag(jnp.array([1.0, 2.0])))
    2.5
    """

    _namespace = "lagrangians"
    _static_fields = ("convex",)

    def __init__(
        self,
        name: str,
        params: tuple[tuple[str, object], ...],
        convex: bool,
        fn: Callable,
        *,
        pass_params: bool = False,
    ):
        self.convex = bool(convex)
        self._init_function(name, params, fn, pass_params)

    @property
    def fn(self) -> Callable[[Float[Array, " n"]], Float[Array, ""]]:
        """The scalar function of one vector, settings applied.

        See Also
        --------
        ebm_memory.lagrangians.Lagrangian.activation : Its gradient, the activation.

        Examples
        --------
        >>> float(softmax(1.0).fn(jnp.zeros(1)))
        0.0
        """
        return self._bound()

    def __call__(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        if jnp.ndim(x) != 1:
            raise ValueError(
                f"Lagrangian {self.name!r} takes one vector; got shape {jnp.shape(x)}. "
                "Batch with jax.vmap."
            )
        return self.fn(x)

    def activation(self, x: Float[Array, " n"]) -> Float[Array, " n"]:
        """The activation ``g = dL/dx`` of one vector.

        Parameters
        ----------
        x : array of shape (n,)
            One state of the layer.

        Returns
        -------
        array of shape (n,)
            ``jax.grad`` of the Lagrangian at ``x``.

        See Also
        --------
        ebm_memory.lagrangians.Lagrangian.fn : The scalar Lagrangian whose gradient this is.
        ebm_memory.energies.legendre_term : The activation together with the Legendre term.

        Examples
        --------
        >>> quadratic().activation(jnp.array([1.0, -2.0])).tolist()
        [1.0, -2.0]
        """
        return jax.grad(self.__call__)(x)


def _make(name: str, fn, *, convex: bool, **params) -> Lagrangian:
    return Lagrangian(name, tuple(params.items()), convex, fn, pass_params=True)


def _quadratic(x):
    return 0.5 * jnp.vdot(x, x)


def _absolute(x):
    return jnp.sum(jnp.abs(x))


def _softmax(x, beta):
    return scaled_logsumexp(x, beta) / beta


def _polynomial(x, n):
    return jnp.sum(x**n) / n


def _rectified_polynomial(x, n):
    return jnp.sum(jax.nn.relu(x) ** n) / n


def _relu(x):
    return 0.5 * jnp.sum(jax.nn.relu(x) ** 2)


def _exponential(x, beta):
    return jnp.sum(jnp.exp(beta * x)) / beta


def _tanh(x, beta):
    return jnp.sum(log_cosh(beta * x)) / beta


def _sigmoid(x, beta):
    return jnp.sum(softplus(beta * x)) / beta


def _layernorm(x, gamma, delta, eps):
    centred = x - jnp.mean(x)
    return gamma * x.shape[-1] * jnp.sqrt(jnp.mean(centred**2) + eps) + delta * jnp.sum(x)


def quadratic() -> Lagrangian:
    """``L = |x|^2 / 2``; identity activation (Model B feature neurons).

    Returns
    -------
    Lagrangian
        ``x -> |x|^2 / 2``, of one vector of shape (D,) to a scalar.

    See Also
    --------
    ebm_memory.lagrangians.softmax : The hidden layer paired with it in Model B.
    ebm_memory.energies.softmax_energy : The Model B energy the pair gives.

    Examples
    --------
    >>> float(quadratic()(jnp.array([3.0, 4.0])))
    12.5
    """
    return _make("quadratic", _quadratic, convex=True)


def absolute() -> Lagrangian:
    """``L = sum |x_i|``; activation ``sign(x)``: binary +-1 neurons (Model A).

    Returns
    -------
    Lagrangian
        The L1 norm, a function of one vector of shape (D,) to a scalar.

    See Also
    --------
    ebm_memory.energies.binary_energy : The Model A energy these binary neurons give.
    ebm_memory.lagrangians.spherical : The Model C feature Lagrangian ``|x|``.

    Examples
    --------
    >>> absolute().activation(jnp.array([-2.0, 0.5])).tolist()
    [-1.0, 1.0]
    """
    return _make("absolute", _absolute, convex=True)


def softmax(beta: float = 1.0) -> Lagrangian:
    """``L = logsumexp(beta x) / beta``; activation ``softmax(beta x)`` (Model B hidden layer).

    Parameters
    ----------
    beta : float, default 1.0
        Inverse temperature ``> 0`` of the softmax; may be traced (checked when concrete).

    Returns
    -------
    Lagrangian
        A function of one vector of shape (D,) to a scalar; ``beta`` is a traced leaf.

    See Also
    --------
    ebm_memory.lagrangians.quadratic : The feature layer paired with it in Model B.
    ebm_memory.energies.softmax_energy : The Model B energy the pair gives.
    ebm_memory.dynamics.retrieve_softmax : Retrieval by the attention update.

    Examples
    --------
    >>> softmax(2.0).activation(jnp.zeros(4)).tolist()  # sums to 1
    [0.25, 0.25, 0.25, 0.25]
    """
    return _make("softmax", _softmax, convex=True, beta=_gain(beta))


def polynomial(n: int) -> Lagrangian:
    """``L = sum x_i^n / n``; activation ``x^(n-1)``. Convex only for even ``n`` (and n = 1).

    Note the ``1/n``: the Model A interaction
    :func:`ebm_memory.energies.interactions.polynomial` of the same degree is ``F(x) = x^n``
    with energy ``-sum_mu F(xi_mu . s)``.

    Parameters
    ----------
    n : int
        Degree, at least 1 (static).

    Returns
    -------
    Lagrangian
        A function of one vector of shape (D,) to a scalar; ``n`` is static.

    See Also
    --------
    ebm_memory.lagrangians.rectified_polynomial : The convex variant for every ``n``.
    ebm_memory.energies.interactions.polynomial
        The same interaction in Model A form, ``F(x) = x^n``.

    Examples
    --------
    >>> float(polynomial(3)(jnp.array([1.0, 2.0]))), polynomial(3).convex
    (3.0, False)
    """
    n = check_integer("n", n, minimum=1)
    return _make("polynomial", _polynomial, convex=n % 2 == 0 or n == 1, n=n)


def rectified_polynomial(n: int) -> Lagrangian:
    """``L = sum max(x_i, 0)^n / n``; activation ``relu(x)^(n-1)``; convex for ``n >= 1``.

    Parameters
    ----------
    n : int
        Power of the rectified input, an integer ``>= 1`` (static).

    Returns
    -------
    Lagrangian
        ``x -> sum relu(x)^n / n`` of one vector of shape (D,), a scalar.

    See Also
    --------
    ebm_memory.lagrangians.polynomial : The unrectified power.
    ebm_memory.lagrangians.relu : The case ``n = 2``.
    ebm_memory.energies.interactions.rectified_polynomial : The same interaction in Model A form.

    Examples
    --------
    >>> rectified_polynomial(2).activation(jnp.array([-1.0, 3.0])).tolist()
    [0.0, 3.0]
    """
    n = check_integer("n", n, minimum=1)
    return _make("rectified_polynomial", _rectified_polynomial, convex=True, n=n)


def relu() -> Lagrangian:
    """``L = sum max(x_i, 0)^2 / 2``; activation ``relu(x)``: neurons that can die.

    Its Hessian vanishes on the negative orthant, which gives the flat energy regions studied
    by Fanaskov & Oseledets.

    Returns
    -------
    Lagrangian
        Half the squared norm of ``relu(x)``, for ``x`` of shape (D,): a scalar.

    See Also
    --------
    ebm_memory.lagrangians.rectified_polynomial : The general power ``max(x, 0)^n / n``.
    ebm_memory.analysis.classify_flat_region : The flat regions its dead neurons create.

    Examples
    --------
    >>> relu().activation(jnp.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    return _make("relu", _relu, convex=True)


def exponential(beta: float = 1.0) -> Lagrangian:
    """``L = sum exp(beta x_i) / beta``; activation ``exp(beta x)`` (exponential DAM).

    Parameters
    ----------
    beta : float, default 1.0
        Gain ``> 0`` of the exponent.

    Returns
    -------
    Lagrangian
        A scalar function of one vector of shape (D,), ``beta`` traced.

    See Also
    --------
    ebm_memory.energies.interactions.exponential
        The same interaction in Model A form, ``F(x) = exp(beta x)``.
    ebm_memory.lagrangians.softmax : The normalised exponential hidden layer of Model B.

    Examples
    --------
    >>> float(exponential(2.0)(jnp.zeros(3)))
    1.5
    """
    return _make("exponential", _exponential, convex=True, beta=_gain(beta))


def tanh(beta: float = 1.0) -> Lagrangian:
    """``L = sum log cosh(beta x_i) / beta``; activation ``tanh(beta x)``.

    Parameters
    ----------
    beta : float, default 1.0
        Slope ``> 0`` at the origin.

    Returns
    -------
    Lagrangian
        Function of one vector of shape (D,) to a scalar, with gain ``beta``.

    See Also
    --------
    ebm_memory.lagrangians.sigmoid : The saturating activation with range (0, 1).
    ebm_memory.lagrangians.absolute : The hard limit ``sign(x)`` of binary neurons.

    Examples
    --------
    >>> round(float(tanh(2.0).activation(jnp.array([1.0]))[0]), 4)
    0.964
    """
    return _make("tanh", _tanh, convex=True, beta=_gain(beta))


def sigmoid(beta: float = 1.0) -> Lagrangian:
    """``L = sum softplus(beta x_i) / beta``; activation ``sigmoid(beta x)``.

    Parameters
    ----------
    beta : float, default 1.0
        Steepness ``> 0``, a traced leaf.

    Returns
    -------
    Lagrangian
        Of one vector of shape (D,) to a scalar: the summed softplus.

    See Also
    --------
    ebm_memory.lagrangians.tanh : The symmetric saturating activation.
    ebm_memory.lagrangians.relu : A rectifier whose neurons can die.

    Examples
    --------
    >>> sigmoid(3.0).activation(jnp.zeros(2)).tolist()
    [0.5, 0.5]
    """
    return _make("sigmoid", _sigmoid, convex=True, beta=_gain(beta))


def spherical() -> Lagrangian:
    """``L = |x|``; activation ``x / |x|`` (Model C), defined as 0 at the origin.

    Returns
    -------
    Lagrangian
        The Euclidean norm as a function of one vector of shape (D,) to a scalar.

    See Also
    --------
    ebm_memory.energies.spherical_energy : The Model C energy it gives.
    ebm_memory.dynamics.retrieve_spherical : Model C retrieval on the unit sphere.

    Examples
    --------
    >>> spherical().activation(jnp.array([3.0, 4.0])).tolist()
    [0.6, 0.8]
    """
    return _make("spherical", safe_norm, convex=True)


def layernorm(gamma: float = 1.0, delta: float = 0.0, eps: float = 1e-5) -> Lagrangian:
    """Layer-norm Lagrangian ``L = gamma sqrt(n) |x - mean(x)|_eps + delta sum x``.

    Its activation is the layer norm ``gamma (x - mean) / sqrt(var + eps) + delta``
    (the energy-transformer Lagrangian of Hoover et al.). Convex for ``gamma >= 0``.

    Parameters
    ----------
    gamma : float, default 1.0
        Scale ``>= 0`` of the normalised output.
    delta : float, default 0.0
        Bias added to every output.
    eps : float, default 1e-5
        Variance regulariser ``> 0``.

    Returns
    -------
    Lagrangian
        A function of one vector of shape (D,) with D >= 1 to a scalar.

    See Also
    --------
    ebm_memory.lagrangians.spherical : The scale-free feature Lagrangian of Model C.
    ebm_memory.TwoLayerNetwork : A network with layer-norm feature neurons.

    Examples
    --------
    >>> out = layernorm().activation(jnp.array([1.0, 2.0, 3.0]))
    >>> round(float(out.mean()), 6), round(float(out.std()), 3)
    (0.0, 1.0)
    """
    check_positive("gamma", gamma, allow_zero=True)
    check_positive("eps", eps)
    gamma, delta, eps = (as_setting(value) for value in (gamma, delta, eps))
    return _make("layernorm", _layernorm, convex=True, gamma=gamma, delta=delta, eps=eps)


def _gain(beta):
    return as_setting(check_positive("beta", beta))
