"""Every tutorial executes top to bottom as a notebook.

Each executed notebook, outputs included, is kept in ``docs/_build/executed/`` with the hash of
the tutorial it came from; the documentation build shows it instead of executing the tutorial
again while the hash matches (``docs/conf.py``).
"""

import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]
TUTORIALS = sorted((ROOT / "tutorials").glob("*.py"))
EXECUTED = ROOT / "docs" / "_build" / "executed"


def keep_executed(notebook, path: Path, source: bytes, folder: Path = EXECUTED) -> Path:
    """Write ``notebook``, executed from ``source`` (tutorial ``path``), atomically into
    ``folder``."""
    notebook.metadata["ebm_memory"] = {"source_sha256": hashlib.sha256(source).hexdigest()}
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{path.stem}.ipynb"
    handle, staged = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}-", suffix=".ipynb")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            nbformat.write(notebook, file)
        os.replace(staged, target)
    except BaseException:
        os.unlink(staged)
        raise
    return target


@pytest.mark.slow
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda path: path.stem)
def test_tutorial_runs(path, tmp_path, monkeypatch):
    # the kernel imports the benchmark harness from the checkout, as a reader's does
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    # figures show inline, as in Jupyter, whatever backend the test session uses
    monkeypatch.delenv("MPLBACKEND", raising=False)
    source = path.read_bytes()
    notebook = jupytext.reads(source.decode("utf-8"), fmt="py:percent")
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert not list(tmp_path.glob("tutorial_figures/*")), "a notebook saves no figure files"
    assert keep_executed(notebook, path, source).exists()


def test_there_are_tutorials():
    assert TUTORIALS


def test_the_docs_show_a_kept_notebook_only_while_its_tutorial_is_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # the configuration prepends its folders
    spec = importlib.util.spec_from_file_location("docs_conf", ROOT / "docs" / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    sources, pages, executed = tmp_path / "tutorials", tmp_path / "pages", tmp_path / "executed"
    sources.mkdir()
    tutorial = sources / "01_x.py"
    tutorial.write_text("# %%\nprint(1)\n", encoding="utf-8")
    notebook = jupytext.reads(tutorial.read_text(encoding="utf-8"), fmt="py:percent")
    kept = keep_executed(notebook, tutorial, tutorial.read_bytes(), executed)
    assert conf.executed_notebook(tutorial, executed) == kept
    assert conf.copy_tutorials(sources, pages, executed) == ["tutorials/01_x.ipynb"]
    assert [page.name for page in pages.iterdir()] == ["01_x.ipynb"]
    assert (pages / "01_x.ipynb").read_bytes() == kept.read_bytes()

    tutorial.write_text("# %%\nprint(2)\n", encoding="utf-8")
    assert conf.executed_notebook(tutorial, executed) is None
    assert conf.copy_tutorials(sources, pages, executed) == []
    assert [page.name for page in pages.iterdir()] == ["01_x.py"]
    assert (pages / "01_x.py").read_bytes() == tutorial.read_bytes()
