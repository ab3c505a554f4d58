"""``bbopt benchmark``: run, resume, report, compare, plots, errors."""

from __future__ import annotations

import pytest

from bbopt import _cli
from bbopt.benchmark import load


def test_benchmark_runs_and_prints_the_scores(tmp_path, capsys):
    results = tmp_path / "runs.jsonl"
    argv = ["benchmark", "--functions", "sphere", "branin", "--dims", "2", "--instances", "2",
            "--optimizers", "random", "tpe(n_startup_trials=4)", "--budget", "5",
            "--seeds", "2", "--results", str(results), "--compare", "random",
            "tpe(n_startup_trials=4)", "--per-function"]
    assert _cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "16 runs, 4 problems, 2 optimizers" in out
    header = next(line for line in out.splitlines() if line.startswith("| optimizer"))
    assert [cell.strip() for cell in header.split("|")[2:-1]] == ["n_runs", "1d", "2d", "5d"]
    assert "Mean rank by best regret at 5d" in out and "| all " in out
    assert "random vs tpe(n_startup_trials=4): 8 pairs" in out
    assert "Median best regret at 5d" in out
    assert len(load(results)) == 16
    # a second call runs nothing new and prints the same tables
    assert _cli.main(argv) == 0
    assert capsys.readouterr().out.split("Optimizer time")[0] == out.split("Optimizer time")[0]
    assert len(load(results)) == 16
    assert _cli.main(["benchmark", "--report-only", "--results", str(results)]) == 0
    assert "16 runs" in capsys.readouterr().out


def test_benchmark_draws_its_plots(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need the 'plot' extra")
    ecdf, heatmap = tmp_path / "ecdf.png", tmp_path / "heat.png"
    assert _cli.main(["benchmark", "--functions", "sphere", "--optimizers", "random",
                      "--budget", "3", "--seeds", "2", "--instances", "1",
                      "--plot-ecdf", str(ecdf), "--plot-heatmap", str(heatmap)]) == 0
    assert ecdf.stat().st_size > 0 and heatmap.stat().st_size > 0


@pytest.mark.parametrize(("argv", "message"), [
    (["--functions", "nope", "--optimizers", "random"], "'function' parameter of make_problems"),
    (["--functions", "sphere", "--optimizers", "nope"], "'name' parameter of BboptSampler"),
    (["--functions", "sphere"], "--functions and --optimizers are needed"),
    (["--report-only"], "--report-only needs --results"),
    (["--report-only", "--results", "missing.jsonl"], "no such file"),
    (["--functions", "sphere", "--optimizers", "random", "--budget", "0"],
     "'budget' parameter of run"),
])
def test_benchmark_errors_exit_with_1(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["benchmark", *argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith("bbopt benchmark: error: ") and message in err
