"""``run_demo``: checked arguments, an interrupted run that keeps the previous report, the
report's tables, its figures' markers and colours, and the former name of ``random_state``."""

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba, to_rgba_array
from sklearn.datasets import load_digits

from ebm_memory import DenseAssociativeMemory, demo
from ebm_memory.demo import _density, _mixtures, _retrieval
from ebm_memory.demo._report import markdown
from ebm_memory.plotting import plot_clusters
from ebm_memory.plotting._digits import cluster_colours
from ebm_memory.plotting._style import MARKERS, PALETTE


def test_n_queries_below_one_is_refused_before_any_work(tmp_path):
    for n_queries in (0, -5):
        with pytest.raises(ValueError, match="n_queries must be >= 1"):
            demo.run_demo(tmp_path / "demo", n_queries=n_queries)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_rerun_keeps_the_previous_report_and_figures(tmp_path, monkeypatch):
    out = tmp_path / "demo"
    out.mkdir()
    previous = {"report.md": b"old report", "retrieval_flip.png": b"old figure"}
    for name, content in previous.items():
        (out / name).write_bytes(content)

    def interrupted_after_a_figure(*args):
        (args[-1] / "retrieval_flip.png").write_bytes(b"new figure")
        raise KeyboardInterrupt

    monkeypatch.setattr(_retrieval, "retrieval_rows", interrupted_after_a_figure)
    with pytest.raises(KeyboardInterrupt):
        demo.run_demo(out, n_queries=2)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == previous
    assert [path.name for path in tmp_path.iterdir()] == ["demo"]


def test_seed_is_the_former_name_of_random_state(tmp_path):
    with pytest.warns(FutureWarning, match="`seed` was renamed `random_state`"):
        with pytest.raises(ValueError, match="n_queries must be >= 1"):
            demo.run_demo(tmp_path / "demo", n_queries=0, seed=1)


def test_the_summary_and_the_report_read_the_same_rows():
    row = {"corruption": "flip 15%", "model": "softmax", "beta": None}
    row |= {"pixel_error_before": 0.15, "pixel_error_after": 0.02, "label_accuracy": 0.97}
    row |= {"converged": 1.0, "mean_steps": 2.0, "seconds": 0.5}
    search = {"grid": [0.1], "cv_mean_log_likelihood": [-80.0], "chosen_beta": 0.1}
    search |= {"test_mean_log_likelihood": -81.0, "kernel_density_test_mean_log_likelihood": -90.0}
    search |= {"max_abs_difference_to_direct_logsumexp": 1e-9, "kernel_density_max_abs_error": 3.0}
    clustering = {"n_samples": 10, "n_clusters": 2, "n_init": 1}
    clustering["results"] = [
        {"model": "KMeans", "ari": 0.5, "nmi": 0.6, "beta": None, "seconds": 1}
    ]
    counting = {"alpha": 1.0, "beta": 4.0, "n_memories": 8, "true_blobs": 8, "n_samples": 9}
    counting |= {"ari": 1.0, "seconds": 1, "bgmm_components_used": 9, "bgmm_ari": 0.9}
    report = {"n_memories": 5, "n_features": 64, "n_queries": 1, "results": [row]}
    report |= {"beta_search": search, "sampling": {"results": [], "figure": "samples.png"}}
    report |= {"figures": {"flip 15%": "retrieval_flip.png"}}
    report["mixtures"] = {"digits": clustering, "nonparametric": counting | {"bgmm_seconds": 2}}
    report["mixtures"]["figure"] = "mixtures.png"
    text = markdown(report)
    assert "| flip 15% | softmax |  | 0.150 | 0.020 | 0.970 | 1.00 | 2.0 | 0.50 |" in text
    assert "| beta | 0.1 |\n|---|---|\n| mean CV log-likelihood | -80.0 |" in text
    assert "| KMeans | 0.500 | 0.600 |  | 1.00 |" in text
    assert "**8 memories for 8 blobs**" in text and text.endswith("\n")
    assert demo.summary(report).splitlines()[0] == (
        "flip 15% | softmax | pixel error 0.150 -> 0.020 | label accuracy 0.970"
    )


def test_the_energy_trace_keeps_only_the_steps_taken():
    patterns = np.random.default_rng(0).choice([-1.0, 1.0], size=(6, 32))
    memory = DenseAssociativeMemory("softmax").fit(patterns)
    queries = patterns.copy()
    queries[:, :4] *= -1
    _, info = memory.retrieve(queries, return_info=True, trace_energy=True)
    traces = _retrieval.steps_taken(info)
    assert [len(trace) for trace in traces] == list(info["n_steps"] + 1)
    assert max(map(len, traces)) < info["energy_trace"].shape[1]
    figure = _retrieval._energy_figure({"softmax": (traces, info["converged"])}, "flip")
    axis = figure.axes[0]
    lines = [line.get_xdata() for line in axis.get_lines()]
    assert sorted(len(x) for x in lines[::2]) == sorted(len(t) for t in traces)
    assert axis.get_xlabel() == "update step" and axis.get_ylabel().startswith("energy")
    assert axis.get_xlim()[1] < max(map(len, traces)) - 0.5  # the last update, not one past
    plt.close(figure)


def test_a_converged_query_ends_in_its_marker_and_an_unconverged_one_in_a_cross():
    energies = [np.array([3.0, 1.0]), np.array([3.0, 2.0, 1.5, 1.2])]
    figure = _retrieval._energy_figure({"softmax": (energies, np.array([True, False]))}, "flip")
    axis = figure.axes[0]
    ends = axis.get_lines()[1::2]
    assert [line.get_marker() for line in ends] == [MARKERS[0], "x"]
    assert [tuple(line.get_xydata()[-1]) for line in ends] == [(1.0, 1.0), (3.0, 1.2)]
    assert axis.get_xlim() == pytest.approx((-0.3, 3.3))
    plt.close(figure)


def test_the_samples_figure_states_beta_temperature_and_r_hat():
    images = np.full((8, 64), 8.0)
    stuck = {("exact", "chosen"): (images, 0.05, None), ("nuts", "chosen"): (images, 0.05, 4.2)}
    figure = _density.samples_figure(stuck)
    titles = [axis.get_title() for axis in figure.axes[:2]]
    assert titles == ["exact\nbeta 0.05, T 20", "nuts\nbeta 0.05, T 20\nR-hat 4.2 (> 1.01!)"]
    assert "WARNING: R-hat up to 4.2 > 1.01" in figure.get_suptitle()
    colours = [to_rgba(axis.title.get_color()) for axis in figure.axes[:2]]
    assert colours[0] != to_rgba(PALETTE[1]) and colours[1] == to_rgba(PALETTE[1])
    plt.close(figure)
    mixed = {("nuts", "smoother"): (images, 0.005, 1.002)}
    figure = _density.samples_figure(mixed)
    assert figure.axes[0].get_title().endswith("R-hat 1.002")
    assert to_rgba(figure.axes[0].title.get_color()) != to_rgba(PALETTE[1])
    assert "WARNING" not in figure.get_suptitle()
    plt.close(figure)


def column_warning(r_hat: float) -> str:
    """What the title of a NUTS column adds after its R-hat."""
    return _density.column_title("nuts", 0.05, r_hat).rpartition(f"R-hat {r_hat:.4g}")[2]


def test_r_hat_is_flagged_only_above_the_limit():
    assert column_warning(1.01) == "" and column_warning(0.99) == ""
    assert column_warning(1.0101) == " (> 1.01!)"


def test_cluster_stars_are_numbered_with_a_neutral_legend_star():
    points = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]])
    figure = plot_clusters(points, np.array([0, 0, 1]), points[[0, 2]])
    axis = figure.axes[0]
    assert [text.get_text() for text in axis.texts] == ["0", "1"]
    (star,) = axis.get_legend().legend_handles
    assert star.get_markerfacecolor() == "white"
    stars = axis.collections[1]
    np.testing.assert_array_equal(stars.get_facecolors(), to_rgba_array(cluster_colours(2)))
    plt.close(figure)


def test_each_memory_thumbnail_is_framed_in_its_cluster_colour():
    n_memories = 4
    rng = np.random.default_rng(0)
    n_digits = len(load_digits().data)
    clam = SimpleNamespace(
        memories_=rng.uniform(0, 16, (n_memories, 64)), labels_=np.arange(n_digits) % n_memories
    )
    blobs = rng.normal(size=(6, 2))
    memory = SimpleNamespace(labels_=np.array([0, 0, 1, 1, 2, 2]), memories_=blobs[::2])
    memory.n_memories_ = 3
    figure = _mixtures._figure(clam, blobs, memory)
    thumbnails = figure.axes[:n_memories]
    assert [axis.get_title() for axis in thumbnails] == [f"memory {i}" for i in range(4)]
    frames = [to_rgba(axis.spines["top"].get_edgecolor()) for axis in thumbnails]
    assert frames == [to_rgba(colour) for colour in cluster_colours(n_memories)]
    plt.close(figure)
