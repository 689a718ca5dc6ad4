"""The API reference pages, written from each public module's ``__all__``.

``docs/conf.py`` calls :func:`write_pages` before every build, so a name added to (or removed
from) an ``__all__`` appears on (or leaves) its layer page without editing the reference.
``tests/test_api_reference.py`` checks the rendered pages against ``__all__``.

Each page holds the layer module's docstring and one ``autosummary`` table per kind of name
(classes, functions, constants), then one section per public submodule named in the
``__all__`` (and per experiment for the experiments layer). Every entry is a full dotted name;
an object exported in several places gets one page, under its first public name in the order
of :data:`LAYERS` (``ebm_memory.DenseAssociativeMemory``, not
``ebm_memory.estimators.DenseAssociativeMemory``). Entries are written relative to
``ebm_memory`` (the current module of every table), as autosummary wants them.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType

PACKAGE = "ebm_memory"

LAYERS = (
    ("ebm_memory", "Top-level names", "ebm_memory"),
    ("lagrangians", "Lagrangians", "ebm_memory.lagrangians"),
    ("energies", "Energies", "ebm_memory.energies"),
    ("dynamics", "Dynamics", "ebm_memory.dynamics"),
    ("density", "Density", "ebm_memory.density"),
    ("samplers", "Samplers", "ebm_memory.samplers"),
    ("learning", "Learning", "ebm_memory.learning"),
    ("estimators", "Estimators", "ebm_memory.estimators"),
    ("incontext", "In-context energies", "ebm_memory.incontext"),
    ("analysis", "Analysis", "ebm_memory.analysis"),
    ("experiments", "Experiments", "ebm_memory.experiments"),
    ("datasets", "Datasets", "ebm_memory.datasets"),
    ("plotting", "Plotting", "ebm_memory.plotting"),
)
"""(page, title, module) of every reference page, in reading order."""

KINDS = (("class", "Classes"), ("function", "Functions"), ("data", "Constants"))


def extra_modules(module_name: str) -> list[str]:
    """Modules documented on a page besides those in its module's ``__all__``."""
    if module_name == "ebm_memory.experiments":
        experiments = importlib.import_module(module_name)
        return [f"{module_name}.{name}" for name in experiments.NAMES]
    return []


def kind(value) -> str:
    """``"module"``, ``"class"``, ``"function"`` or ``"data"``."""
    if isinstance(value, ModuleType):
        return "module"
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    return "data"


def public_names(module: ModuleType) -> list[str]:
    """The module's ``__all__``, without ``__version__``."""
    return [name for name in getattr(module, "__all__", ()) if not name.startswith("__")]


def page_modules(module_name: str) -> list[str]:
    """The page's module, then the submodules it documents, in order (not the top level's)."""
    module = importlib.import_module(module_name)
    names = [module_name]
    if module_name == PACKAGE:
        return names
    for name in public_names(module):
        value = getattr(module, name)
        if isinstance(value, ModuleType) and value.__name__.startswith(module_name + "."):
            names.append(value.__name__)
    return names + extra_modules(module_name)


def _canonical_names() -> dict[int, str]:
    """id(object) -> the dotted name whose page documents it (first public home wins)."""
    canonical: dict[int, str] = {}
    for _, _, module_name in LAYERS:
        for name in page_modules(module_name):
            module = importlib.import_module(name)
            for attribute in public_names(module):
                value = getattr(module, attribute)
                if kind(value) in ("class", "function"):
                    canonical.setdefault(id(value), f"{name}.{attribute}")
    return canonical


def _heading(text: str, character: str) -> list[str]:
    return [text, character * len(text), ""]


def _tables(module_name: str, canonical: dict[int, str], character: str) -> list[str]:
    module = importlib.import_module(module_name)
    groups: dict[str, list[str]] = {label: [] for label, _ in KINDS}
    for name in public_names(module):
        value = getattr(module, name)
        category = kind(value)
        if category == "module":
            continue
        full = f"{module_name}.{name}"
        if category != "data":
            full = canonical.get(id(value), full)
        groups[category].append(full)
    lines: list[str] = []
    for label, title in KINDS:
        if not groups[label]:
            continue
        lines += _heading(title, character)
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   ~{full.removeprefix(PACKAGE + '.')}" for full in groups[label]]
        lines.append("")
    return lines


def _top_level(canonical: dict[int, str]) -> list[str]:
    module = importlib.import_module(PACKAGE)
    lines = [".. currentmodule:: ebm_memory", ""]
    lines += _tables(PACKAGE, canonical, "-")
    lines += _heading("Subpackages", "-")
    pages = {module_name: page for page, _, module_name in LAYERS}
    for name in public_names(module):
        value = getattr(module, name)
        if isinstance(value, ModuleType):
            page = pages.get(value.__name__)
            target = f":doc:`{page}`" if page else f":mod:`{value.__name__}`"
            lines.append(f"- ``ebm_memory.{name}``: {target}")
    lines.append("")
    return lines


def render_page(page: str, title: str, module_name: str, canonical: dict[int, str]) -> str:
    """The reStructuredText of one reference page."""
    lines = [f".. This page is written by docs/api/_layers.py from {module_name}.__all__.", ""]
    lines += _heading(f"{title} (``{module_name}``)", "=")
    lines += [f".. automodule:: {module_name}", "   :no-members:", ""]
    if module_name == PACKAGE:
        return "\n".join(lines + _top_level(canonical))
    lines += [".. currentmodule:: ebm_memory", ""]
    lines += _tables(module_name, canonical, "-")
    for submodule in page_modules(module_name)[1:]:
        lines += _heading(f"``{submodule}``", "-")
        lines += [f".. automodule:: {submodule}", "   :no-members:", ""]
        lines += [".. currentmodule:: ebm_memory", ""]
        lines += _tables(submodule, canonical, "~")
    return "\n".join(lines)


def render_pages() -> dict[str, str]:
    """File name -> text of every reference page."""
    canonical = _canonical_names()
    return {
        f"{page}.rst": render_page(page, title, module_name, canonical)
        for page, title, module_name in LAYERS
    }


def write_pages(directory: str | Path) -> list[str]:
    """Write the reference pages into ``directory``; rewrite only those that changed."""
    directory = Path(directory)
    written = []
    for file_name, text in render_pages().items():
        path = directory / file_name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(file_name)
    return written
