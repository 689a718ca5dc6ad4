"""Named, parametrised functions as JAX pytrees.

A :class:`NamedFunction` is a function of one argument with named settings. Its identity
splits in two parts:

- static (pytree aux data): the name, the function object, integer settings such as a degree
  (they change the computation) and the subclass's flags;
- traced (pytree leaves): every other setting, e.g. a gain ``beta``.

Passed to a jitted function as an ordinary argument, objects that differ only in their float
settings share one compilation, while objects built around different function objects never
do. The factories therefore use module-level functions that receive their settings as
keyword arguments (``pass_params=True``), rather than closures over them.

With concrete settings the objects are also hashable, by their static part and the values of
their settings, so they still serve as static ``jax.jit`` arguments.

Examples
--------
>>> import jax
>>> from ebm_memory import lagrangians
>>> jax.tree_util.tree_leaves(lagrangians.softmax(2.0))
[2.0]
>>> lagrangians.softmax(2.0) == lagrangians.softmax(2.0)
True
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable

import jax
import numpy as np

from ebm_memory._validation import is_concrete

__all__ = ["NamedFunction", "as_setting"]


def as_setting(value):
    """A scalar float setting as a Python float when concrete (weakly typed under
    ``jax.jit``); traced values and arrays pass through."""
    return float(value) if is_concrete(value) and np.ndim(value) == 0 else value


def _is_static(value) -> bool:
    return isinstance(value, (bool, numbers.Integral, np.integer))


def _hashable(value):
    if not is_concrete(value):
        raise TypeError("A named function with traced settings cannot be hashed.")
    return float(value) if np.ndim(value) == 0 else tuple(np.ravel(value).tolist())


class NamedFunction:
    """Base of :class:`~ebm_memory.lagrangians.Lagrangian` and
    :class:`~ebm_memory.energies.interactions.Interaction`.

    Subclasses name their extra attributes in ``_static_fields`` (part of the compiled
    identity) and ``_leaf_fields`` (traced), and set them before calling ``_init_function``.
    """

    name: str
    params: tuple[tuple[str, object], ...]
    _namespace = ""
    _static_fields: tuple[str, ...] = ()
    _leaf_fields: tuple[str, ...] = ()

    def _init_function(self, name: str, params, fn: Callable, pass_params: bool) -> None:
        self.name = str(name)
        self.params = tuple((str(key), value) for key, value in params)
        self._fn = fn
        self._pass_params = bool(pass_params)

    def _bound(self) -> Callable:
        """The function of one argument, settings applied."""
        if not self._pass_params:
            return self._fn
        return functools.partial(self._fn, **dict(self.params))

    # ------------------------------------------------------------------------ pytree
    def tree_flatten(self):
        layout = tuple((key, value if _is_static(value) else None) for key, value in self.params)
        traced = tuple(value for key, value in self.params if not _is_static(value))
        leaves = tuple(getattr(self, field) for field in self._leaf_fields)
        static = tuple(getattr(self, field) for field in self._static_fields)
        return (traced, leaves), (self.name, self._fn, self._pass_params, layout, static)

    @classmethod
    def tree_unflatten(cls, aux, children):
        name, fn, pass_params, layout, static = aux
        traced, leaves = children
        values = iter(traced)
        params = tuple((key, next(values) if fixed is None else fixed) for key, fixed in layout)
        obj = object.__new__(cls)
        for field, value in zip(cls._static_fields, static, strict=True):
            setattr(obj, field, value)
        for field, value in zip(cls._leaf_fields, leaves, strict=True):
            setattr(obj, field, value)
        obj._init_function(name, params, fn, pass_params)
        return obj

    # ---------------------------------------------------------------------- identity
    def _identity(self) -> tuple:
        children, aux = self.tree_flatten()
        values = tuple(_hashable(value) for value in jax.tree_util.tree_leaves(children))
        return type(self).__name__, aux, values

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        try:
            return self._identity() == other._identity()
        except TypeError:
            return self is other

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.params)
        return f"{self._namespace}.{self.name}({settings})"
