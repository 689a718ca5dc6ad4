"""numpydoc's own validation over every public name, with the sections users read.

Public names are those in the ``__all__`` of the public modules, and the public methods
and properties their classes define or inherit from ebm_memory mixins (inherited
scikit-learn methods are scikit-learn's).
Each must have a summary, every parameter documented with a description, a Returns section
when it returns something, and an Examples section (run by ``--doctest-modules``). An
array parameter or return states its shape ("of shape (n_samples, n_features)").
"""

import importlib
import inspect

import pytest
from numpydoc.docscrape import get_doc_object
from numpydoc.validate import validate

PUBLIC_MODULES = (
    "ebm_memory",
    "ebm_memory.lagrangians",
    "ebm_memory.energies",
    "ebm_memory.energies.interactions",
    "ebm_memory.dynamics",
    "ebm_memory.density",
    "ebm_memory.samplers",
    "ebm_memory.learning",
    "ebm_memory.incontext",
    "ebm_memory.estimators",
    "ebm_memory.analysis",
    "ebm_memory.experiments",
    "ebm_memory.datasets",
    "ebm_memory.plotting",
    "ebm_memory.demo",
    "ebm_memory.cli",
)

ENFORCED = {
    "GL08": "no docstring",
    "SS01": "no summary",
    "PR01": "a parameter is not documented",
    "PR02": "a documented parameter does not exist",
    "PR03": "parameters are documented out of order",
    "PR07": "a parameter has no description",
    "RT01": "no Returns section",
    "RT03": "a return value has no description",
    "EX01": "no Examples section",
}

ARRAY_WORDS = ("array", "ndarray")

PROTOCOL_HOOKS = {"tree_flatten", "tree_unflatten"}
"""JAX's pytree protocol, called by JAX and documented there."""


def _documented_methods(cls) -> set[str]:
    """Public methods and properties that ``cls`` or its ebm_memory bases define."""
    names = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("ebm_memory"):
            continue
        for attribute, value in vars(base).items():
            routine = inspect.isfunction(value) or isinstance(
                value, (property, classmethod, staticmethod)
            )
            if routine and not attribute.startswith("_") and attribute not in PROTOCOL_HOOKS:
                names.add(attribute)
    return names


def public_names() -> list[str]:
    """Dotted paths of every public function, class, method and property."""
    names = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.ismodule(value) or not (inspect.isclass(value) or callable(value)):
                continue
            home = f"{value.__module__}.{value.__qualname__}"
            names.add(home if home.startswith("ebm_memory") else f"{module_name}.{name}")
            if inspect.isclass(value):
                names.update(f"{home}.{attribute}" for attribute in _documented_methods(value))
    return sorted(names)


def _resolve(path: str):
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            value = getattr(value, part)
        return value
    raise ImportError(path)


def _shapeless_arrays(path: str) -> list[str]:
    """Array parameters and returns whose type or description never says "shape"."""
    doc = get_doc_object(_resolve(path))
    missing = []
    for section in ("Parameters", "Returns"):
        for item in doc[section]:
            text = (item.type + " " + " ".join(item.desc)).lower()
            if any(word in item.type.lower() for word in ARRAY_WORDS) and "shape" not in text:
                missing.append(f"{section}: {item.name or item.type}")
    return missing


@pytest.mark.parametrize("path", public_names())
def test_public_docstring_is_complete(path):
    errors = [
        f"{code} ({ENFORCED[code]}): {message}"
        for code, message in validate(path)["errors"]
        if code in ENFORCED
    ]
    assert not errors, f"{path}:\n" + "\n".join(errors)
    shapeless = _shapeless_arrays(path)
    assert not shapeless, f"{path}: arrays without a shape: {shapeless}"
