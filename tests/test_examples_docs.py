"""The examples of examples/ written for the user guide run with small budgets.

(``tune_mlp_pruning.py`` is tested in ``test_examples.py``.)
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import bbopt

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# -- simulation_ask_tell.py ----------------------------------------------------------


def test_simulation_loop_improves_on_the_hand_tuned_gains(capsys):
    example = load("simulation_ask_tell")
    result = example.main(["--quick"])
    out = capsys.readouterr().out
    assert "15 simulations" in out and "best gains" in out
    study = result["study"]
    assert len(study.trials) == 15
    assert study.trials[0].params == {"kp": 5.0, "ki": 1.0, "kd": 1.0}  # the enqueued point
    assert result["best"] <= result["first"]


def test_simulation_scores_good_gains_better_than_sluggish_ones():
    example = load("simulation_ask_tell")
    good = example.simulate(100.0, 50.0, 20.0, t_end=3.0)
    hand = example.simulate(5.0, 1.0, 1.0, t_end=3.0)
    sluggish = example.simulate(0.1, 1e-3, 0.0, t_end=3.0)
    assert 0 < good < hand < sluggish < math.inf
    # Overshoot is penalised: large integral gain without damping costs more.
    assert example.simulate(100.0, 50.0, 0.0, t_end=3.0) > good


def test_a_diverged_simulation_is_told_as_fail(monkeypatch):
    example = load("simulation_ask_tell")
    monkeypatch.setattr(example, "simulate", lambda **params: math.inf)
    study = example.tune(3, "random", seed=0, t_end=1.0)
    assert [t.state for t in study.trials] == [bbopt.TrialState.FAIL] * 3


# -- shell_ask_tell.sh -----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("awk") is None,
                    reason="the shell example needs bash and awk")
def test_shell_script_drives_ask_and_tell(tmp_path):
    env = dict(os.environ, STUDY_DIR=str(tmp_path),
               BBOPT=f"{sys.executable} -m bbopt",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    result = subprocess.run(["bash", str(EXAMPLES / "shell_ask_tell.sh"), "2"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    best = json.loads(result.stdout.split("best:\n", 1)[1])
    assert best["state"] == "COMPLETE" and set(best["params"]) == {"x", "y", "scale"}
    study = bbopt.load_study(study_name="rosenbrock-shell", storage=str(tmp_path / "study.db"))
    assert len(study.trials) == 2
    for trial in study.trials:
        p = trial.params
        expected = (1 - p["x"]) ** 2 + p["scale"] * (p["y"] - p["x"] ** 2) ** 2
        if p["scale"] > 90:
            assert trial.state == bbopt.TrialState.FAIL
        else:
            assert trial.value == pytest.approx(expected, rel=1e-5)
    with sqlite3.connect(tmp_path / "study.db") as connection:  # a real SQLite file
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- embed_in_tool.py --------------------------------------------------------------------


def test_tuner_runs_on_threads_and_is_reproducible(capsys):
    example = load("embed_in_tool")
    result = example.main(["--quick", "--workers", "3"])
    out = capsys.readouterr().out
    assert "20 configurations on 3 threads" in out
    assert result["reproducible"] is True
    tuner = result["tuner"]
    assert tuner.n_observed == 20 and len(tuner.history) == 20
    params, cost = tuner.best
    assert cost == pytest.approx(example.kernel_time(params))


def test_tuner_records_failures_and_keeps_tuners_apart():
    example = load("embed_in_tool")
    a = example.AutoTuner(example.SPACE, seed=1)
    b = example.AutoTuner(example.SPACE, seed=1)
    suggestion = a.suggest()
    a.observe(suggestion, None)
    a.observe(a.suggest(), float("nan"))
    assert a.n_failed == 2 and [t.state.name for t in a.history] == ["FAIL", "FAIL"]
    assert b.history == []  # no shared state between tuners

    def evaluate(params):
        if params["tile_m"] > 64:
            raise MemoryError("too big")
        return float(params["tile_m"])

    c = example.AutoTuner(example.SPACE, seed=2)
    c.run(evaluate, 12, n_workers=4)
    states = [t.state for t in c.history]
    assert len(states) == 12 and c.n_observed == 12
    big = [t for t in c.history if t.params["tile_m"] > 64]
    assert all(t.state == bbopt.TrialState.FAIL for t in big)
    assert c.n_failed == len(big)


def test_tuner_suggest_is_safe_from_many_threads():
    example = load("embed_in_tool")
    tuner = example.AutoTuner(example.SPACE, seed=0)
    numbers, lock = [], threading.Lock()

    def work():
        for _ in range(5):
            s = tuner.suggest()
            with lock:
                numbers.append(s.number)
            tuner.observe(s, example.kernel_time(s.params) if s.params["tile_m"] < 128 else None)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(20))
    assert all(t.state.is_finished() for t in tuner.history)


# -- benchmark_samplers.py -------------------------------------------------------------


def test_benchmark_prints_a_table_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    example = load("benchmark_samplers")
    path = tmp_path / "regret.png"
    result = example.main(["--quick", "--functions", "branin", "--plot", str(path)])
    out = capsys.readouterr().out
    assert "| branin | tpe |" in out and "plot written" in out
    assert result["plotted"] and path.stat().st_size > 10_000
    curves = result["results"]["branin"]
    assert set(curves) == {"random", "qmc", "tpe"}
    for regret in curves.values():
        assert regret.shape == (2, 15)
        assert np.all(regret >= -1e-9)
        assert np.all(np.diff(regret, axis=1) <= 0)  # best so far never gets worse


def test_benchmark_regret_matches_minimize():
    example = load("benchmark_samplers")
    f = bbopt.testfunctions.Branin()
    curves = example.regret_curves(f, "random", [3], 10)
    result = bbopt.minimize(f, f.bounds, n_trials=10, sampler="random", seed=3)
    assert curves[0, -1] == pytest.approx(result.fun - f.minimum)


def test_benchmark_skips_the_plot_without_matplotlib(tmp_path, capsys, monkeypatch):
    example = load("benchmark_samplers")
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert example.plot({"branin": {"random": np.ones((2, 3))}}, str(tmp_path / "r.png")) is False
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not (tmp_path / "r.png").exists()
