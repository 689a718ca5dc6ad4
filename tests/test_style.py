"""The package's figure style: a figure saved under it keeps what is drawn beyond its edge."""

import io

import matplotlib.pyplot as plt

from ebm_memory.plotting._style import rc_params


def _saved_width(figure) -> int:
    """Width in pixels of ``figure`` saved as a PNG under the package style."""
    buffer = io.BytesIO()
    with plt.rc_context(rc_params()):
        figure.savefig(buffer, format="png", dpi=50)
    return plt.imread(io.BytesIO(buffer.getvalue())).shape[1]


def test_a_label_beyond_the_canvas_is_kept_when_saved():
    figure = plt.figure(figsize=(2, 1))
    figure.text(0.5, 0.5, "a label that runs past the right edge of the canvas")
    assert _saved_width(figure) > 2 * 50
    plt.close(figure)
