"""One look for every figure: a colour-blind-safe palette, distinct markers, a layout that fits.

The palette is Okabe and Ito's eight colours (safe for the common colour-vision deficiencies);
images use ``viridis`` (perceptually uniform, readable in grey). ``styled`` wraps a figure
function so that its figure is drawn under these settings with constrained layout, which keeps
tick labels from overlapping and axis labels inside the canvas.
"""

from __future__ import annotations

import functools

PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe-Ito colours, in the order series take them."""

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
"""Markers that differ in shape, not only in colour, paired with ``PALETTE`` by position."""

LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), "-")
"""Line styles paired with ``PALETTE`` by position, so that series differ in grey too."""

COLORMAP = "viridis"
"""Colour map of images and contour fills."""

DIVERGING_COLORMAP = "PuOr"
"""Colour map of signed quantities centred on zero."""


def rc_params() -> dict:
    """Matplotlib settings of every package figure, for your own figures to match them.

    Returns
    -------
    dict
        ``rcParams`` entries: the :data:`PALETTE` colour cycle, the :data:`COLORMAP` image
        map, constrained layout, and tight bounding boxes on saving.

    See Also
    --------
    ebm_memory.plotting.PALETTE : The colour-blind-safe colours the cycle takes.
    ebm_memory.plotting.save_figure : Save a figure atomically.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from ebm_memory.plotting import rc_params
    >>> with plt.rc_context(rc_params()):
    ...     figure, axis = plt.subplots()
    >>> figure.get_layout_engine().__class__.__name__
    'ConstrainedLayoutEngine'
    >>> plt.close(figure)
    """
    from cycler import cycler

    return {
        "axes.prop_cycle": cycler(color=PALETTE),
        "image.cmap": COLORMAP,
        "figure.constrained_layout.use": True,
        "axes.titlesize": "medium",
        "axes.labelsize": "medium",
        "legend.fontsize": "small",
        "legend.framealpha": 0.9,
        "savefig.bbox": "tight",
    }


def styled(draw):
    """Decorate a figure function so that it draws under :func:`rc_params`."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        import matplotlib.pyplot as plt

        with plt.rc_context(rc_params()):
            return draw(*args, **kwargs)

    return wrapper
