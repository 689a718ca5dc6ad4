"""How far the basin of a fixed point of two-layer dynamics reaches.

:func:`basin_size` integrates random perturbations of each radius
(:func:`~ebm_memory.analysis.relaxation.relax`) and counts those that return.

Examples
--------
>>> import numpy as np
>>> from ebm_memory import TwoLayerNetwork, lagrangians
>>> from ebm_memory.analysis.basins import basin_size
>>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
...                       0.5 * np.eye(2), tau_f=1.0, tau_h=1.0)
>>> basin_size(net, np.zeros(2), np.zeros(2), [0.5, 5.0], n_samples=4, random_state=0).fraction
array([1., 1.])
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ebm_memory._validation import check_integer, check_positive
from ebm_memory.analysis._seeds import as_key
from ebm_memory.analysis.relaxation import relax
from ebm_memory.analysis.stability import joint_state
from ebm_memory.dynamics.network import TwoLayerNetwork

__all__ = ["BasinSize", "basin_size"]


class BasinSize(NamedTuple):
    """How far the basin of a fixed point reaches, by perturbation radius.

    Parameters
    ----------
    radii : ndarray of shape (n_radii,)
        The perturbation radii.
    fraction : ndarray of shape (n_radii,)
        Fraction of perturbed states that returned.
    standard_error : ndarray of shape (n_radii,)
        Its binomial standard error.
    final_distance : ndarray of shape (n_radii, n_samples)
        Distance of each end state to the fixed point.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory.analysis.basins import BasinSize
    >>> BasinSize(np.ones(1), np.ones(1), np.zeros(1), np.zeros((1, 2))).fraction.tolist()
    [1.0]
    """

    radii: np.ndarray
    fraction: np.ndarray
    standard_error: np.ndarray
    final_distance: np.ndarray


def _basin_size(network, v_star, h_star, radii, key, *, n_samples, input, t1, dt, tol):
    """:func:`basin_size` with the perturbations drawn from the JAX ``key``."""
    n_samples = check_integer("n_samples", n_samples, minimum=1)
    check_positive("tol", tol)
    radii = np.asarray(radii, dtype=np.float64)
    if radii.ndim != 1 or np.any(radii < 0):
        raise ValueError(f"radii must be a 1-D array of non-negative numbers, got {radii}.")
    x_star = joint_state(network, v_star, h_star)
    if x_star.ndim != 1:
        raise ValueError("basin_size takes one fixed point.")
    directions = jax.random.normal(key, (radii.size, n_samples, x_star.size), x_star.dtype)
    directions = directions / jnp.linalg.norm(directions, axis=-1, keepdims=True)
    starts = (x_star + jnp.asarray(radii, x_star.dtype)[:, None, None] * directions).reshape(
        -1, x_star.size
    )
    n_f = network.n_features
    v, h = relax(network, starts[:, :n_f], starts[:, n_f:], input, t1=t1, dt=dt)
    distance = np.linalg.norm(np.concatenate([v, h], axis=1) - np.asarray(x_star), axis=1)
    distance = np.where(np.isfinite(distance), distance, np.inf).reshape(radii.size, n_samples)
    fraction = np.mean(distance < tol, axis=1)
    standard_error = np.sqrt(fraction * (1 - fraction) / n_samples)
    return BasinSize(radii, fraction, standard_error, distance)


def basin_size(
    network: TwoLayerNetwork,
    v_star,
    h_star,
    radii,
    *,
    n_samples: int = 200,
    random_state=None,
    key=None,
    input=None,
    t1: float = 50.0,
    dt: float = 0.05,
    tol: float = 1e-3,
) -> BasinSize:
    """Fraction of perturbations of each radius from which the dynamics return.

    For each radius ``r``, ``n_samples`` states ``x* + r u`` with ``u`` uniform on the unit
    sphere of the full ``(v, h)`` space are integrated to ``t1``
    (:func:`~ebm_memory.analysis.relaxation.relax`); a sample has returned when it ends
    within ``tol`` of ``x* = (v_star, h_star)``.

    Parameters
    ----------
    network : TwoLayerNetwork
        The dynamics.
    v_star : array-like of shape (n_features,)
        Feature state of the fixed point.
    h_star : array-like of shape (n_hidden,)
        Hidden state of the fixed point.
    radii : array-like of shape (n_radii,)
        Non-negative perturbation radii.
    n_samples : int, default=200
        Perturbations per radius.
    random_state : int, RandomState instance or None, default=None
        Seeds the perturbation directions.
    key : JAX PRNG key, default=None
        Former name of ``random_state``: a key is still used as given, with a
        ``FutureWarning``.
    input : array-like of shape (n_features,), default=None
        The external current ``I``.
    t1 : float, default=50.0
        Integration time.
    dt : float, default=0.05
        Time step.
    tol : float, default=1e-3
        A sample has returned when it ends this close to the fixed point.

    Returns
    -------
    basin : BasinSize
        The fraction returned per radius, its standard error and the final distances.

    See Also
    --------
    ebm_memory.analysis.find_fixed_point : Finds the fixed point whose basin is measured.
    ebm_memory.analysis.fixed_point_stability : Local stability of the same fixed point.
    ebm_memory.TwoLayerNetwork.integrate : The dynamics run from each perturbation.

    Examples
    --------
    >>> import numpy as np
    >>> from ebm_memory import TwoLayerNetwork, lagrangians
    >>> from ebm_memory.analysis import basin_size
    >>> net = TwoLayerNetwork(lagrangians.quadratic(), lagrangians.quadratic(),
    ...                       0.5 * np.eye(2), tau_f=1.0, tau_h=1.0)
    >>> basin_size(net, np.zeros(2), np.zeros(2), [0.5], n_samples=4, random_state=0).fraction
    array([1.])
    """
    rng_key = as_key(random_state if key is None else key, "basin_size")
    settings = {"n_samples": n_samples, "input": input, "t1": t1, "dt": dt, "tol": tol}
    return _basin_size(network, v_star, h_star, radii, rng_key, **settings)
