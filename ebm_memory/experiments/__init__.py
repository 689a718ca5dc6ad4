"""Experiments: one module per ``ebm-memory reproduce NAME``, and one registry.

Every experiment module has the same three functions:

- ``run(quick=False, random_state=0) -> Result``: the science, through :mod:`ebm_memory.analysis`
  and the estimators; ``Result`` is a frozen dataclass whose ``to_dict()`` is plain JSON;
- ``figure(result) -> matplotlib.figure.Figure``: the figure, labelled;
- ``table(result) -> str``: the Markdown table of the measured values beside the published ones.

:func:`reproduce` runs one and writes ``NAME.png``, ``results.json`` and ``results.md``
into a folder that replaces the previous results whole only when every file is written.
Importing this package imports no JAX and no matplotlib: :data:`NAMES` serves argument
parsing, and an experiment's module is imported by :func:`get`.

Examples
--------
>>> from ebm_memory import experiments
>>> experiments.NAMES
('capacity', 'dead_neurons', 'growth', 'in_context', 'kde_capacity', 'one_step', 'sequential')
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

__all__ = ["NAMES", "get", "reproduce"]

NAMES = (
    "capacity",
    "dead_neurons",
    "growth",
    "in_context",
    "kde_capacity",
    "one_step",
    "sequential",
)
"""The experiments ``ebm-memory reproduce NAME`` runs, in alphabetical order."""


def get(name: str) -> ModuleType:
    """The experiment module called ``name``.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.

    Returns
    -------
    module : module
        The module, with ``run``, ``figure`` and ``table``.

    See Also
    --------
    ebm_memory.experiments.reproduce : Runs the module and writes its figure and tables.
    ebm_memory.experiments.capacity.run : One module's ``run``, beside its ``figure`` and ``table``.

    Examples
    --------
    >>> from ebm_memory.experiments import get
    >>> sorted(f for f in ("run", "figure", "table") if callable(getattr(get("growth"), f)))
    ['figure', 'run', 'table']
    """
    if name not in NAMES:
        raise ValueError(f"unknown experiment {name!r}; choose from {list(NAMES)}.")
    return importlib.import_module(f"ebm_memory.experiments.{name}")


def reproduce(name: str, out_dir: str | Path, *, quick: bool = False, random_state: int = 0):
    """Run experiment ``name``; write ``NAME.png``, ``results.json`` and ``results.md``.

    The run writes into a fresh folder that replaces ``out_dir`` whole when every file is
    written: an interrupted run keeps the previous results, and no file of an earlier run
    is left beside the new ones.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`.
    out_dir : str or pathlib.Path
        The experiment's output folder.
    quick : bool, default=False
        A smaller run: under a minute on 2 cores, a few minutes for ``in_context`` and
        ``sequential`` (``docs/reproductions.md`` lists each).
    random_state : int, default=0
        Seed of every random draw of the run.

    Returns
    -------
    result : dataclass
        The experiment's typed result (its module's ``Result``).

    See Also
    --------
    ebm_memory.experiments.get : The module it runs.
    ebm_memory.experiments.capacity.run : One module's ``run``, whose result it draws and tabulates.
    ebm_memory.cli.main : ``ebm-memory reproduce NAME`` calls it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from ebm_memory.experiments import reproduce
    >>> out = Path(tempfile.mkdtemp()) / "growth"
    >>> result = reproduce("growth", out, quick=True)  # doctest: +SKIP
    >>> sorted(path.name for path in out.iterdir())  # doctest: +SKIP
    ['growth.png', 'results.json', 'results.md']
    """
    import matplotlib.pyplot as plt

    from ebm_memory._io import save_figure, staged_folder, write_text

    experiment = get(name)
    with staged_folder(out_dir) as staging:
        result = experiment.run(quick=quick, random_state=random_state)
        figure = experiment.figure(result)
        save_figure(figure, staging / f"{name}.png", dpi=120)
        plt.close(figure)
        write_text(staging / "results.json", json.dumps(result.to_dict(), indent=2))
        title = f"# {name}{' (quick)' if quick else ''}"
        markdown = [title, "", experiment.table(result), "", f"![{name}]({name}.png)", ""]
        write_text(staging / "results.md", "\n".join(markdown))
    return result
