"""Start-up: the command line's help and argument errors import no JAX, and the package
imports a heavy dependency only when a call needs it. Each check runs in a fresh
interpreter, where ``sys.modules`` holds only what the snippet imported."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

HEAVY = ("matplotlib", "numpyro", "equinox", "optax", "arviz")


def _loaded(snippet: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` are in ``sys.modules`` after ``snippet`` runs on its own."""
    script = f"{snippet}\nimport sys\nprint(*[m for m in {modules!r} if m in sys.modules])"
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return run.stdout.split()


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["demo", "--help"],
        ["reproduce", "--help"],
        ["bench", "--help"],
        ["train-in-context", "--help"],
        ["demo", "--n-queries", "0"],
        ["reproduce", "nope"],
        ["bench", "--cases", "nope"],
        ["nope"],
    ],
    ids=" ".join,
)
def test_help_and_argument_errors_import_no_jax(argv):
    snippet = f"""
import contextlib, io
from ebm_memory.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
"""
    assert _loaded(snippet, ("jax", *HEAVY)) == []


def test_importing_the_package_imports_no_dependency_of_a_call():
    assert _loaded("import ebm_memory", ("jax", "tqdm", *HEAVY)) == []


def test_an_estimator_imports_no_plotting_sampling_or_network_library():
    assert _loaded("from ebm_memory import DenseAssociativeMemory", HEAVY) == []


def test_the_experiments_registry_imports_no_jax():
    assert _loaded("import ebm_memory.experiments", ("jax", "matplotlib")) == []


def test_every_public_name_is_reachable_and_listed():
    import ebm_memory

    assert set(ebm_memory.__all__) <= set(dir(ebm_memory))
    for name in ebm_memory.__all__:
        assert getattr(ebm_memory, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ebm_memory.nope  # noqa: B018
