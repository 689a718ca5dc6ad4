"""The API reference lists every public name: each ``__all__`` against its layer page."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def _layers():
    spec = importlib.util.spec_from_file_location("_layers", DOCS / "api" / "_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LAYERS = _layers()
ITEM = re.compile(r"^   ~?([\w.]+)\s*$")


def _entries(text: str) -> list[str]:
    """The dotted names listed in the page's autosummary tables (relative to ebm_memory)."""
    entries, inside = [], False
    for line in text.splitlines():
        if line.startswith(".. autosummary::"):
            inside = True
        elif inside and line and not line.startswith(" "):
            inside = False
        elif inside and (match := ITEM.match(line)):
            entries.append(f"ebm_memory.{match.group(1)}")
    return entries


def _resolve(dotted: str):
    """The object a dotted name reaches by attributes (a function before a same-named module)."""
    first, *rest = dotted.split(".")
    value = importlib.import_module(first)
    for index, part in enumerate(rest, start=1):
        if not hasattr(value, part):
            importlib.import_module(".".join([first, *rest[:index]]))
        value = getattr(value, part)
    return value


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return LAYERS.render_pages()


def _missing(text: str, module_name: str) -> list[str]:
    """Names of ``__all__`` (of the page's module and its documented submodules) not listed."""
    listed = {(entry.rsplit(".", 1)[-1], id(_resolve(entry))) for entry in _entries(text)}
    missing = []
    for documented in LAYERS.page_modules(module_name):
        module = importlib.import_module(documented)
        for name in LAYERS.public_names(module):
            value = getattr(module, name)
            if not isinstance(value, ModuleType) and (name, id(value)) not in listed:
                missing.append(f"{documented}.{name}")
    return missing


@pytest.mark.parametrize("page, title, module_name", LAYERS.LAYERS)
def test_every_public_name_is_on_its_layer_page(pages, page, title, module_name):
    assert _missing(pages[f"{page}.rst"], module_name) == []


def test_public_submodules_have_sections(pages):
    for page, _, module_name in LAYERS.LAYERS[1:]:
        module = importlib.import_module(module_name)
        for name in LAYERS.public_names(module):
            value = getattr(module, name)
            if isinstance(value, ModuleType):
                assert f".. automodule:: {value.__name__}" in pages[f"{page}.rst"], (
                    f"{value.__name__} has no section on api/{page}.rst"
                )


def test_every_layer_has_a_page_in_the_index():
    import ebm_memory

    documented = {module_name for _, _, module_name in LAYERS.LAYERS}
    package = Path(ebm_memory.__file__).parent
    layers = {
        f"ebm_memory.{path.parent.name}"
        for path in package.glob("*/__init__.py")
        if path.parent.name != "demo"
    } | {f"ebm_memory.{name}" for name in ebm_memory._SUBPACKAGES}
    assert layers <= documented, f"layers without an API page: {sorted(layers - documented)}"
    index = (DOCS / "api" / "index.rst").read_text()
    toctree = set(re.findall(r"^   (\w+)\s*$", index, flags=re.MULTILINE))
    assert {page for page, _, _ in LAYERS.LAYERS} <= toctree


def test_the_tables_document_objects_not_modules(pages):
    for page, text in pages.items():
        for entry in _entries(text):
            assert not inspect.ismodule(_resolve(entry)), f"{entry} on {page} is a module"


def test_a_missing_name_fails(pages):
    page = pages["lagrangians.rst"].replace("   ~lagrangians.relu\n", "")
    assert _missing(page, "ebm_memory.lagrangians") == ["ebm_memory.lagrangians.relu"]
