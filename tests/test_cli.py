import json

import pytest

from benchmarks import runner
from ebm_memory import cli, demo, experiments
from ebm_memory.cli import main
from ebm_memory.incontext import InContextEnergy


@pytest.fixture
def nothing_runs(monkeypatch):
    """Every command's work fails the test if it starts."""

    def started(*args, **kwargs):
        raise AssertionError("the command started before its arguments were checked")

    monkeypatch.setattr(demo, "run_demo", started)
    monkeypatch.setattr(experiments, "reproduce", started)
    monkeypatch.setattr(runner, "run_benchmarks", started)
    monkeypatch.setattr(InContextEnergy, "fit", started)


def _exit_code(argv) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    return exit_info.value.code


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--n-queries", "-5"], "--n-queries: must be a positive integer, got '-5'"),
        (["demo", "--n-queries", "0"], "--n-queries: must be a positive integer"),
        (["demo", "--n-queries", "ten"], "--n-queries: must be a positive integer"),
        (["demo", "--seed", "-1"], "--seed: must be a non-negative integer"),
        (["train-in-context", "--steps", "0"], "--steps: must be a positive integer"),
        (["train-in-context", "--width", "6"], "--width: must be a multiple of the 4"),
        (["train-in-context", "--width", "-4"], "--width: must be a positive integer"),
        (["train-in-context", "--context-layers", "-1"], "--context-layers: must be a non-neg"),
        (["train-in-context", "--tasks-per-step", "0"], "--tasks-per-step: must be a positive"),
        (["train-in-context", "--seed", "x"], "--seed: must be a non-negative integer"),
        (["train-in-context", "--objective", "ml"], "--objective: invalid choice"),
        (["bench", "--cases", "nope"], "--cases: invalid choice"),
        (["reproduce", "nope"], "invalid choice"),
    ],
)
def test_bad_numbers_exit_2_before_any_work(argv, message, nothing_runs, tmp_path, capsys):
    assert _exit_code([*argv[:1], "--out", str(tmp_path / "out"), *argv[1:]]) == 2
    error = capsys.readouterr().err
    assert error.startswith("usage: ebm-memory") and message in error


@pytest.mark.parametrize("command", ["demo", "bench", "reproduce growth", "train-in-context"])
def test_unwritable_output_exits_2_before_any_work(command, nothing_runs, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert _exit_code([*command.split(), "--out", str(blocker / "out")]) == 2
    error = capsys.readouterr().err
    assert f"argument --out: cannot create {blocker / 'out'}" in error
    assert "is not a folder" in error


@pytest.mark.parametrize("command", ["demo", "bench", "reproduce growth"])
def test_a_folder_of_other_files_is_not_replaced(command, nothing_runs, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "growth").mkdir(parents=True)
    (out / "growth" / "notes.txt").write_text("mine")
    (out / "notes.txt").write_text("mine")
    assert _exit_code([*command.split(), "--out", str(out)]) == 2
    assert "notes.txt, which are not results of a run" in capsys.readouterr().err


def test_train_in_context_refuses_a_folder_as_checkpoint(nothing_runs, tmp_path, capsys):
    assert _exit_code(["train-in-context", "--out", str(tmp_path)]) == 2
    assert f"argument --out: {tmp_path} is a folder, not a file" in capsys.readouterr().err


def test_help_lists_the_demo(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_bench_help_lists_the_harness_options(capsys):
    assert _exit_code(["bench", "--help"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("usage: ebm-memory bench") and "--cases" in output


def test_unknown_arguments_exit_2(nothing_runs, capsys):
    assert _exit_code(["demo", "--nope"]) == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_bench_outside_a_checkout_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "__file__", str(tmp_path / "site-packages" / "ebm_memory" / "cli.py"))
    assert main(["bench", "--tiny"]) == 2
    assert "the benchmarks run from a checkout" in capsys.readouterr().err


def test_reproduce_passes_seed_as_random_state(monkeypatch, tmp_path, capsys):
    calls = []

    class Table:
        @staticmethod
        def table(result):
            return f"| table of {result} |"

    def reproduce(name, out, *, quick, random_state):
        calls.append((name, out, quick, random_state))
        return "result"

    monkeypatch.setattr(experiments, "reproduce", reproduce)
    monkeypatch.setattr(experiments, "get", lambda name: Table)
    argv = ["reproduce", "growth", "--quick", "--seed", "3", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert calls == [("growth", tmp_path / "growth", True, 3)]
    assert "| table of result |" in capsys.readouterr().out


@pytest.mark.slow
def test_demo_writes_report_and_figures(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--n-queries", "40"]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    rows = {(row["corruption"], row["model"]): row for row in report["results"]}
    assert report["n_queries"] == 40 and len(rows) == 10
    for name in report["figures"].values():
        assert (tmp_path / name).stat().st_size > 10_000
    assert "| flip 15% | exponential |" in (tmp_path / "report.md").read_text()
    # dense memories beat the classical network on 1,437 correlated digits
    flip = {model: row for (corruption, model), row in rows.items() if corruption == "flip 15%"}
    assert flip["exponential"]["label_accuracy"] > flip["classical"]["label_accuracy"] + 0.3
    softmax = flip["softmax"]
    assert softmax["pixel_error_after"] < softmax["pixel_error_before"]
    sampling = report["sampling"]["results"]
    assert (tmp_path / report["sampling"]["figure"]).stat().st_size > 10_000
    assert {row["method"] for row in sampling} == {"mala", "hmc", "nuts"}
    # R-hat separates the chains stuck in the digits' modes from the smoother density's
    chosen = [row for row in sampling if row["beta"] == report["beta_search"]["chosen_beta"]]
    smoother = [row for row in sampling if row not in chosen]
    assert min(row["max_r_hat"] for row in chosen) > 1.5
    assert max(row["max_r_hat"] for row in smoother if row["method"] != "mala") < 1.1
    # memories as mixture components: digits clustered, blobs counted without being told
    mixtures = report["mixtures"]
    assert (tmp_path / mixtures["figure"]).stat().st_size > 10_000
    clustering = {row["model"]: row for row in mixtures["digits"]["results"]}
    assert {"ClAM (euclidean)", "ELBO (euclidean)", "ClAM (cosine, vMF)", "KMeans"} <= set(
        clustering
    )
    assert min(row["ari"] for row in clustering.values()) > 0.4
    counting = mixtures["nonparametric"]
    assert counting["n_memories"] == counting["true_blobs"] and counting["ari"] > 0.99
    assert "## Memories as mixture components" in (tmp_path / "report.md").read_text()
    output = capsys.readouterr().out
    assert str(tmp_path) in output and "sampling beta=" in output


def test_reproduce_growth_quick_writes_figure_and_tables(tmp_path, capsys):
    assert main(["reproduce", "growth", "--quick", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "growth"
    results = json.loads((folder / "results.json").read_text())
    assert (folder / "growth.png").stat().st_size > 10_000
    assert [row["theory"] for row in results["growth"]] == [5.0, 0.5]
    assert all(row["memories_equal_components_in_stream"] for row in results["growth"])
    assert "| prior | law |" in (folder / "results.md").read_text()
    assert "figure and tables written to" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["reproduce", "capacity-of-nothing"])


def test_train_in_context_writes_a_loadable_checkpoint(tmp_path, capsys):
    from ebm_memory import InContextEnergy

    out = tmp_path / "model.npz"
    argv = ["train-in-context", "--steps", "2", "--width", "8", "--context-layers", "1"]
    assert main([*argv, "--tasks-per-step", "2", "--out", str(out)]) == 0
    assert "checkpoint written" in capsys.readouterr().out
    assert InContextEnergy.load(out).n_iter_ == 2
