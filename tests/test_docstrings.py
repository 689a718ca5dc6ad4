"""numpydoc's own validation over every public name, with the sections users read.

Public names are those in the ``__all__`` of the public modules, and the public methods
and properties their classes define or inherit from ebm_memory mixins (inherited
scikit-learn methods are scikit-learn's), and the classes and functions of the submodules
that public modules export as modules (they have reference pages of their own).
Each must have a summary, every parameter documented with a description, a Returns section
when it returns something, and an Examples section (run by ``--doctest-modules``). An
array parameter or return states its shape ("of shape (n_samples, n_features)").
Public classes and functions also cross-link related names in a See Also section, and every
name a See Also section cites must exist.
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


def submodule_names() -> list[str]:
    """Classes and functions of the submodules a public module exports as modules.

    Modules such as ``ebm_memory.density.gaussian`` have reference pages of their own; their
    names are outside :func:`public_names` and held to the same checks.
    """
    names = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            submodule = getattr(module, name)
            if not inspect.ismodule(submodule) or submodule.__name__ in PUBLIC_MODULES:
                continue
            for attribute in submodule.__all__:
                value = getattr(submodule, attribute)
                if inspect.isclass(value) or inspect.isfunction(value):
                    names.add(f"{submodule.__name__}.{attribute}")
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


def _owner(path: str):
    """The class that ``path`` is a method or property of, or None."""
    parent = _resolve(path.rpartition(".")[0])
    return parent if inspect.isclass(parent) else None


def _needs_see_also(path: str) -> bool:
    """Public classes and functions (not methods)."""
    return _owner(path) is None


def _has(value, dotted: str) -> bool:
    """Whether the attribute chain ``dotted`` exists on ``value``."""
    for part in dotted.split("."):
        if not hasattr(value, part):
            return False
        value = getattr(value, part)
    return True


def _cites(path: str, name: str) -> bool:
    """Whether See Also ``name`` in the docstring of ``path`` names an existing object.

    A dotted name is imported; a bare or relative one is looked up on the owning class (for
    a method), then in the module of ``path``, then in ``ebm_memory``.
    """
    owner = _owner(path)
    if owner is not None and _has(owner, name):
        return True
    module = path.rpartition(".")[0]
    while not inspect.ismodule(_resolve(module)):
        module = module.rpartition(".")[0]
    for candidate in (name, f"{module}.{name}", f"ebm_memory.{name}"):
        try:
            _resolve(candidate)
        except (ImportError, AttributeError):
            continue
        return True
    return False


def _missing_citations(path: str) -> list[str]:
    """See Also names in the docstring of ``path`` that resolve to no object."""
    doc = get_doc_object(_resolve(path))
    names = [name.lstrip("~") for entries, _ in doc["See Also"] for name, _ in entries]
    return [name for name in names if not _cites(path, name)]


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


@pytest.mark.parametrize("path", public_names() + submodule_names())
def test_docstring_is_complete(path):
    errors = [
        f"{code} ({ENFORCED[code]}): {message}"
        for code, message in validate(path)["errors"]
        if code in ENFORCED or (code == "SA01" and _needs_see_also(path))
    ]
    assert not errors, f"{path}:\n" + "\n".join(errors)
    shapeless = _shapeless_arrays(path)
    assert not shapeless, f"{path}: arrays without a shape: {shapeless}"


@pytest.mark.parametrize("path", public_names() + submodule_names())
def test_see_also_names_exist(path):
    missing = _missing_citations(path)
    assert not missing, f"{path}: See Also cites names that do not exist: {missing}"


def test_a_see_also_name_resolves_only_to_an_existing_object():
    owner = "ebm_memory.DenseAssociativeMemory"
    assert _cites(f"{owner}.fit", "retrieve")
    assert _cites(owner, "DenseAssociativeMemory.retrieve")
    assert _cites(owner, "ebm_memory.dynamics.retrieve_softmax")
    assert _cites(owner, "dynamics.retrieve_softmax")
    assert not _cites(owner, "no_such_name")
    assert not _cites(f"{owner}.fit", "ebm_memory.dynamics.no_such_name")
