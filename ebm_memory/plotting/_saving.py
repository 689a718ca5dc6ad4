"""Saving figures: atomically, so that an interrupted save never leaves a truncated file."""

from __future__ import annotations

from pathlib import Path

from ebm_memory import _io


def save_figure(figure, path: str | Path, **savefig_kwargs) -> Path:
    """Save ``figure`` to ``path`` atomically, in the format its suffix names.

    The figure is written to a temporary file beside ``path`` that then replaces it, so a
    reader never sees a half-written image and an earlier file survives a failed save.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to save.
    path : str or Path
        The file to write; its suffix (``.png``, ``.pdf``, ``.svg``) sets the format.
    **savefig_kwargs
        Passed on to :meth:`matplotlib.figure.Figure.savefig` (``dpi=``, for example).

    Returns
    -------
    Path
        ``path``.

    See Also
    --------
    ebm_memory.plotting.rc_params : The style the package's figures are drawn in.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import matplotlib.pyplot as plt
    >>> from ebm_memory.plotting import save_figure
    >>> figure, axis = plt.subplots()
    >>> saved = save_figure(figure, Path(tempfile.mkdtemp()) / "figure.png", dpi=50)
    >>> saved.read_bytes()[:4] == b"\\x89PNG"
    True
    >>> plt.close(figure)
    """
    return _io.save_figure(figure, path, **savefig_kwargs)
