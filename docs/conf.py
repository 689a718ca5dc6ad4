"""Sphinx configuration of the ebm_memory documentation.

Build: ``python -m pip install -e ".[docs]" && sphinx-build -W -b html docs docs/_build/html``.
Before reading the sources it writes the API reference pages from each public module's
``__all__`` (``api/_layers.py``) and puts the tutorials of ``../tutorials`` into
``tutorials/`` (both generated, ignored by git): a tutorial's executed notebook from the last
test run (``_build/executed/``, written by ``tests/test_tutorials.py``) when it was made from
the current source, else the jupytext file itself, which myst-nb executes (``cache`` mode:
jupyter-cache keeps the outputs beside the output folder and runs only what changed).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "api"))

from _layers import write_pages  # noqa: E402

import ebm_memory  # noqa: E402

project = "ebm_memory"
author = "the ebm_memory developers"
copyright = "2026, the ebm_memory developers"
release = ebm_memory.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
]

exclude_patterns = [
    "_build",
    "*.py",  # conf.py and tools; the tutorials are the only Python sources read as pages
    "api/*.py",
    "vocabulary.md",
    "**/.ipynb_checkpoints",
    "**/__pycache__",
]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["custom.css"]

# API reference: autosummary writes one page per public name into api/generated/
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
autodoc_default_options = {"exclude-members": "__init__"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Tutorials: executed notebooks of the test run, or jupytext percent files executed here.
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = "cache"
nb_execution_timeout = 600
nb_execution_show_tb = True
nb_execution_raise_on_error = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"ebm_memory {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
# the theme's light/dark switch starts from the reader's system setting
html_context = {"default_mode": "auto"}
# the page contents of a class list ``fit()``, not ``DenseAssociativeMemory.fit()``
toc_object_entries_show_parents = "hide"

TUTORIAL_SOURCES = ROOT / "tutorials"
TUTORIAL_PAGES = DOCS / "tutorials"
EXECUTED_TUTORIALS = DOCS / "_build" / "executed"


def executed_notebook(source: Path, executed: Path = EXECUTED_TUTORIALS) -> Path | None:
    """The test run's executed notebook of tutorial ``source``, if made from its current text."""
    notebook = executed / f"{source.stem}.ipynb"
    if not notebook.is_file():
        return None
    try:
        made_from = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["ebm_memory"]
    except (ValueError, KeyError, TypeError):
        return None
    current = hashlib.sha256(source.read_bytes()).hexdigest()
    return notebook if made_from.get("source_sha256") == current else None


def copy_tutorials(
    source: Path = TUTORIAL_SOURCES,
    target: Path = TUTORIAL_PAGES,
    executed: Path = EXECUTED_TUTORIALS,
) -> list[str]:
    """Put every tutorial next to the docs (Sphinx reads only its own folder).

    A tutorial becomes ``<stem>.ipynb`` when the test run left an executed notebook of its
    current text in ``executed``, else ``<stem>.py``; files of tutorials that went away are
    removed. Return the pages that need no execution.
    """
    target.mkdir(exist_ok=True)
    chosen = {}
    for path in sorted(source.glob("[0-9]*.py")):
        notebook = executed_notebook(path, executed)
        chosen[path.stem] = (notebook, ".ipynb") if notebook else (path, ".py")
    for page in [*target.glob("[0-9]*.py"), *target.glob("[0-9]*.ipynb")]:
        if chosen.get(page.stem, (None, None))[1] != page.suffix:
            page.unlink()
    for stem, (origin, suffix) in chosen.items():
        copy = target / f"{stem}{suffix}"
        if not copy.exists() or copy.read_bytes() != origin.read_bytes():
            shutil.copyfile(origin, copy)
    return [f"tutorials/{stem}.ipynb" for stem, (_, suffix) in chosen.items() if suffix == ".ipynb"]


def place_tutorials(app, config) -> None:
    """Put the tutorials in place, executing only those without an up-to-date notebook."""
    config.nb_execution_excludepatterns = copy_tutorials()
    # the executing kernels import the benchmark harness from the checkout, as a reader's do,
    # and draw their figures inline whatever backend the build was started with
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    os.environ.pop("MPLBACKEND", None)


def link_results_tables(app, docname: str, source: list[str]) -> None:
    """Make the reproductions' ``results.md`` tables children of the reproductions page."""
    if docname == "reproductions":
        source[0] += "\n\n```{toctree}\n:hidden:\n:glob:\n\nreproductions/*/results\n```\n"


def skip_member(app, what, name, obj, skip, options):
    """Leave out NamedTuple fields (the docstrings list them) and scikit-learn's own methods."""
    if (getattr(obj, "__doc__", None) or "").startswith("Alias for field number"):
        return True
    if (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return True
    return None


def drop_type_docstring(app, what, name, obj, options, lines):
    """A constant without its own docstring shows its value, not the docstring of its type."""
    own = inspect.getdoc(type(obj)) if what in ("data", "attribute") else None
    if own and "\n".join(lines).strip() == own.strip():
        lines.clear()


def public_bases(app, name, obj, options, bases):
    """Show the public bases of a class, not the private mixins it is assembled from."""
    bases[:] = [
        base
        for base in bases
        if not getattr(base, "__name__", "").startswith("_")
        and "._" not in getattr(base, "__module__", "")
    ]


def setup(app):
    (DOCS / "api" / "generated").mkdir(parents=True, exist_ok=True)
    write_pages(DOCS / "api")
    app.connect("config-inited", place_tutorials)
    app.connect("source-read", link_results_tables)
    app.connect("autodoc-skip-member", skip_member)
    app.connect("autodoc-process-docstring", drop_type_docstring, priority=100)
    app.connect("autodoc-process-bases", public_bases)
