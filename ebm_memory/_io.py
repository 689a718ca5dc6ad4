"""Writing results so that users never lose work: atomic files and whole-folder runs.

A file is written to a temporary name in its own folder and moved over the target with
:func:`os.replace`, so a reader sees the old file or the new one, never half of either. A
run writes into a fresh sibling folder (:func:`staged_folder`) that replaces the results
folder only once every file is written: an interrupted run leaves the previous results
as they were. :func:`check_results_folder` and :func:`check_output_file` find an unusable
output path before any work starts.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> root = Path(tempfile.mkdtemp())
>>> with staged_folder(root / "run") as folder:
...     _ = write_text(folder / "results.md", "# run\\n")
>>> sorted(path.name for path in root.iterdir()), (root / "run" / "results.md").read_text()
(['run'], '# run\\n')
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "RESULT_SUFFIXES",
    "check_output_file",
    "check_results_folder",
    "save_figure",
    "staged_folder",
    "write_text",
]

RESULT_SUFFIXES = frozenset({".png", ".json", ".md"})
"""The kinds of file a run writes; a folder holding anything else is not replaced."""


def _nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _check_can_create(target: Path) -> None:
    """Raise ``ValueError`` unless ``target`` can be created in its folder (existing or not)."""
    existing = _nearest_existing(target.parent)
    if not existing.is_dir():
        raise ValueError(f"cannot create {target}: {existing} is not a folder")
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".write-check-")
    except OSError as error:
        raise ValueError(f"cannot create {target}: {existing}: {error.strerror}") from None
    os.close(handle)
    os.unlink(probe)


def check_results_folder(path: str | Path) -> Path:
    """The absolute results folder ``path``, checked before a run writes into it.

    The folder (or the nearest existing ancestor) must accept new files, and an existing
    folder may hold only earlier results (files ending in :data:`RESULT_SUFFIXES`), which
    a new run replaces whole.

    Parameters
    ----------
    path : str or Path
        The folder a run will write.

    Returns
    -------
    Path
        ``path`` made absolute.

    Raises
    ------
    ValueError
        With a message for the user when the folder cannot be written or replaced.

    Examples
    --------
    >>> import tempfile
    >>> check_results_folder(tempfile.mkdtemp()).is_absolute()
    True
    """
    path = Path(path).expanduser().resolve()
    if path.exists():
        if not path.is_dir():
            raise ValueError(f"{path} exists and is not a folder")
        others = sorted(
            entry.name
            for entry in path.iterdir()
            if not (entry.is_file() and entry.suffix in RESULT_SUFFIXES)
        )
        if others:
            raise ValueError(
                f"{path} holds {', '.join(others[:3])}{' ...' if len(others) > 3 else ''}, "
                "which are not results of a run; a run replaces its folder whole, so choose "
                "a new folder or one holding only earlier results"
            )
    _check_can_create(path)
    return path


def check_output_file(path: str | Path) -> Path:
    """The absolute file ``path``, checked to be creatable (or replaceable) before a run.

    Raises
    ------
    ValueError
        When ``path`` is a folder or its folder cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> check_output_file(Path(tempfile.mkdtemp()) / "new" / "model.npz").name
    'model.npz'
    """
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a file")
    _check_can_create(path)
    return path


def _umask_mode(mode: int) -> int:
    """``mode`` less the process's umask: the mode ``open`` or ``mkdir`` would give."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def _replace_with(path: Path, write) -> Path:
    """Call ``write(file)`` on a temporary file beside ``path``, then move it over ``path``."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, _umask_mode(0o666))
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return ``path``."""
    return _replace_with(Path(path), lambda file: file.write(text.encode()))


def save_figure(figure, path: str | Path, **savefig_kwargs) -> Path:
    """``figure.savefig`` to ``path`` atomically (format from the suffix); return ``path``."""
    path = Path(path)
    savefig_kwargs.setdefault("format", path.suffix.lstrip(".") or None)
    return _replace_with(path, lambda file: figure.savefig(file, **savefig_kwargs))


@contextlib.contextmanager
def staged_folder(path: str | Path) -> Iterator[Path]:
    """A fresh folder beside ``path`` that replaces ``path`` when the block ends cleanly.

    The previous ``path`` (if any) stays untouched until the new folder is complete; on an
    exception (an interrupt included) the fresh folder is removed and ``path`` is kept.

    Parameters
    ----------
    path : str or Path
        The results folder; checked with :func:`check_results_folder`.

    Yields
    ------
    Path
        The folder to write the run's files into.
    """
    path = check_results_folder(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.new-"))
    os.chmod(staging, _umask_mode(0o777))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, path)


def _swap_in(staging: Path, path: Path) -> None:
    """Move ``staging`` to ``path``; the previous ``path`` is set aside, then removed."""
    if not path.exists():
        os.replace(staging, path)
        return
    retired = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.old-"))
    os.replace(path, retired / path.name)
    os.replace(staging, path)
    shutil.rmtree(retired, ignore_errors=True)
