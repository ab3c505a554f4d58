"""Study.optimize in other processes (bbopt/_optimize.py): process pools, executors, Dask.

Objectives are module-level functions so that process pools can pickle them.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import bbopt
from bbopt import TrialPruned, TrialState
from bbopt._optimize import RemoteTrial


def quadratic(trial):
    x = trial.suggest_float("x", -2, 2)
    n = trial.suggest_int("n", 0, 4)
    trial.set_user_attr("pid", os.getpid())
    return (x - 1) ** 2 + n


def timed(trial):
    start = time.time()
    x = trial.suggest_float("x", 0, 1)
    time.sleep(0.6 if trial.number == 0 else 0.05)
    trial.set_user_attr("start", start)
    trial.set_user_attr("end", time.time())
    return x


def conditional(trial):
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if kind == "a":
        return trial.suggest_float("x", -1, 1) ** 2
    return float(trial.suggest_int("y", 0, 9))


def reporting(trial):
    x = trial.suggest_float("x", 0, 1)
    for step in range(3):
        trial.report(x * (3 - step), step)
    trial.set_user_attr("seen", [1, 2])
    trial.set_system_attr("sys", "ok")
    if x > 0.5:
        raise TrialPruned()
    return x


def failing(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 1:
        raise ValueError(f"bad x {x}")
    time.sleep(0.1)
    return x


def pruning(trial):
    trial.report(1.0, 0)
    return 1.0 if not trial.should_prune() else 0.0


def study_of(**kwargs):
    kwargs.setdefault("sampler", bbopt.samplers.RandomSampler(seed=0))
    return bbopt.create_study(**kwargs)


@pytest.mark.parametrize("kind", ["sqlite", "journal", "postgres"])
def test_process_pool_runs_objectives_in_other_processes(kind, target):
    study = study_of(storage=target)
    study.optimize(quadratic, n_trials=8, n_jobs=2, executor="process")
    trials = study.trials
    assert [t.number for t in trials] == list(range(8))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    pids = {t.user_attrs["pid"] for t in trials}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    for t in trials:
        assert t.values == [(t.params["x"] - 1) ** 2 + t.params["n"]]
    # The same study reopened from its storage.
    again = bbopt.load_study(study_name=study.study_name, storage=target)
    assert again.best_value == study.best_value


def test_at_most_n_jobs_in_flight_and_told_as_they_arrive():
    study = study_of()
    with concurrent.futures.ProcessPoolExecutor(max_workers=3) as pool:
        study.optimize(timed, n_trials=6, n_jobs=2, executor=pool)
    trials = study.trials
    spans = [(t.user_attrs["start"], t.user_attrs["end"]) for t in trials]
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2
    # Trial 0 is the slow one: the others were told before it.
    finished = study.get_observations().numbers.tolist()
    assert finished[0] != 0 and finished.index(0) >= 3
    assert sorted(finished) == list(range(6))


def test_points_in_flight_are_recorded_for_the_constant_liar():
    study = study_of(sampler=bbopt.samplers.TPESampler(seed=1, n_startup_trials=4))
    seen_running = []

    def check(study, frozen):
        # A trial being dispatched in the driver at this instant has no parameters yet
        # (callbacks and dispatch run on different threads with the worker pool).
        running = [t for t in study.get_trials(states=[TrialState.RUNNING]) if t.params]
        # From 10 complete trials the space is taken as fixed; 3 more, and every
        # trial in flight was dispatched after that.
        if study.get_observations().n_complete >= 13:
            seen_running.extend(t for t in running)
            for t in running:
                assert set(t.params) == {"x", "n"}
            points = [(t.params["x"], t.params["n"]) for t in running]
            assert len(set(points)) == len(points)

    study.optimize(quadratic, n_trials=20, n_jobs=3, executor="process", callbacks=[check])
    assert len(seen_running) > 0
    assert len(study.get_trials(states=[TrialState.COMPLETE])) == 20


def test_define_by_run_conditional_space_records_only_used_params():
    study = study_of()
    study.enqueue_trial({"kind": "a"})
    study.enqueue_trial({"kind": "b"})
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # the remote path, no processes
        study.optimize(conditional, n_trials=30, n_jobs=2, executor=pool)
    kinds = set()
    for t in study.trials:
        kinds.add(t.params["kind"])
        assert set(t.params) == ({"kind", "x"} if t.params["kind"] == "a" else {"kind", "y"})
        expected = t.params["x"] ** 2 if t.params["kind"] == "a" else float(t.params["y"])
        assert t.values == [expected]
    assert kinds == {"a", "b"}


def test_reports_attributes_and_pruning_come_back():
    study = study_of()
    study.optimize(reporting, n_trials=12, n_jobs=2, executor="process")
    states = {t.state for t in study.trials}
    assert states == {TrialState.COMPLETE, TrialState.PRUNED}
    for t in study.trials:
        x = t.params["x"]
        assert t.intermediate_values == {0: 3 * x, 1: 2 * x, 2: x}
        assert t.user_attrs == {"seen": [1, 2]} and t.system_attrs["sys"] == "ok"
        if t.state == TrialState.PRUNED:
            assert x > 0.5 and t.values == [x]  # the last reported value


def test_errors_are_raised_in_the_driver_after_the_trials_in_flight():
    study = study_of()
    with pytest.raises(ValueError, match="bad x") as info:
        study.optimize(failing, n_trials=10, n_jobs=2, executor="process")
    if hasattr(info.value, "__notes__"):
        assert "Raised in the worker" in info.value.__notes__[0]
    trials = study.trials
    assert trials[1].state == TrialState.FAIL and "x" in trials[1].params
    assert study.get_trials(states=[TrialState.RUNNING]) == []  # nothing left running
    assert len(trials) <= 4  # no trial starts once the error is known
    caught = study_of()
    with pytest.warns(UserWarning, match="bad x"):
        caught.optimize(failing, n_trials=4, n_jobs=2, executor="process", catch=ValueError)
    assert [t.state for t in caught.trials].count(TrialState.COMPLETE) == 3


def test_should_prune_needs_the_driver():
    study = study_of(pruner=bbopt.pruners.MedianPruner())
    with pytest.raises(RuntimeError, match="should_prune is not available"):
        study.optimize(pruning, n_trials=2, n_jobs=1, executor="process")
    plain = study_of()
    plain.optimize(pruning, n_trials=2, n_jobs=1, executor="process")
    assert [t.values for t in plain.trials] == [[1.0], [1.0]]


def test_unpicklable_objective_gives_a_clear_error():
    study = study_of()
    with pytest.raises(TypeError, match="picklable"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, n_jobs=2,
                       executor="process")
    assert all(t.state == TrialState.FAIL for t in study.trials)


@pytest.mark.parametrize("executor", ["gpu", 3, concurrent.futures.ThreadPoolExecutor, np.ones(2)])
def test_bad_executor(executor):
    with pytest.raises(TypeError, match="'executor' parameter of Study.optimize"):
        study_of().optimize(quadratic, n_trials=1, executor=executor)


def test_remote_trial_alone():
    trial = RemoteTrial(3, {"x": (bbopt.FloatDistribution(0, 1), 0.25),
                            "fixed": (None, 7)}, seed=0, prunable=True)
    assert trial.suggest_float("x", 0, 1) == 0.25
    assert trial.suggest_int("fixed", 0, 10) == 7  # an enqueued value that fits
    other = trial.suggest_float("x2", 0, 1)
    assert 0 <= other <= 1 and trial.suggest_float("x2", 0, 1) == other
    assert trial.suggest_float("x3", 2, 2) == 2.0
    with pytest.raises(ValueError, match="cannot change"):
        trial.suggest_float("x", 0, 2)
    with pytest.raises(RuntimeError, match="trial.study is not available"):
        trial.study  # noqa: B018
    assert trial.should_prune() is False
    trial.report(1.0, 0)
    with pytest.warns(UserWarning, match="already reported"):
        trial.report(2.0, 0)
    with pytest.raises(ValueError, match="'value' parameter of Trial.report must be finite"):
        trial.report(float("nan"), 1)
    with pytest.raises(ValueError, match="'step' parameter of Trial.report"):
        trial.report(1.0, -1)
    assert trial.params == {"x": 0.25, "fixed": 7, "x2": other, "x3": 2.0}


_DASK_SCRIPT = """
import os

import numpy as np
from dask import distributed

import bbopt
from bbopt import TrialState


def quadratic(trial):
    x = trial.suggest_float("x", -2, 2)
    n = trial.suggest_int("n", 0, 4)
    trial.set_user_attr("pid", os.getpid())
    return (x - 1) ** 2 + n


if __name__ == "__main__":
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \\
            distributed.Client(cluster) as client:
        study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=0, n_startup_trials=4))
        study.optimize(quadratic, n_trials=16, n_jobs=-1, executor=client.get_executor())
    trials = study.trials
    assert [t.number for t in trials] == list(range(16))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    pids = {t.user_attrs["pid"] for t in trials}
    assert os.getpid() not in pids and len(pids) == 2, pids  # both workers evaluated trials
    assert np.isclose(study.best_value, min(t.value for t in trials))
    print("ok")
"""


def test_dask_local_cluster(tmp_path):
    """A real dask.distributed LocalCluster with two worker processes.

    It runs in a child process with a time limit, so that a cluster that
    cannot start fails the test instead of stalling the suite.
    """
    pytest.importorskip("dask.distributed")
    script = tmp_path / "dask_study.py"
    script.write_text(_DASK_SCRIPT)
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(bbopt.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_driver_interrupted_fails_the_trials_in_flight():
    study = study_of()

    def stop(study, frozen):
        raise KeyboardInterrupt

    with concurrent.futures.ThreadPoolExecutor(3) as pool, pytest.raises(KeyboardInterrupt):
        study.optimize(timed, n_trials=10, n_jobs=3, executor=pool, callbacks=[stop])
    states = [t.state for t in study.trials]
    assert len(states) == 3 and TrialState.RUNNING not in states
    assert states.count(TrialState.FAIL) == 2  # the two still in flight


def test_threads_share_an_sqlite_study(tmp_path):
    path = str(tmp_path / "t.db")
    study = study_of(storage=path, sampler=bbopt.samplers.TPESampler(seed=0))
    study.optimize(quadratic, n_trials=40, n_jobs=4)
    trials = bbopt.load_study(study_name=study.study_name, storage=path).trials
    assert [t.number for t in trials] == list(range(40))
    assert all(t.state == TrialState.COMPLETE for t in trials)


# -- dead and hanging workers (bbopt/_workers.py) -----------------------------------------

_CRASHES = {3: "segfault", 9: "abort", 14: "exit"}


def crashing(trial):
    x = trial.suggest_float("x", 0, 1)
    crash = _CRASHES.get(trial.number)
    if crash == "segfault":
        import ctypes

        ctypes.string_at(0)  # a real segmentation fault
    elif crash == "abort":
        os.abort()
    elif crash == "exit":
        os._exit(7)
    return x


def hanging(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 1:
        time.sleep(60)
    return x


def test_dead_workers_fail_only_their_trials_and_the_run_goes_on():
    study = study_of()
    with pytest.warns(UserWarning, match="WorkerDied"):
        study.optimize(crashing, n_trials=20, n_jobs=2, executor="process")
    trials = study.trials
    assert len(trials) == 20
    failed = {t.number: t.system_attrs["fail_reason"] for t in trials
              if t.state == TrialState.FAIL}
    assert sorted(failed) == sorted(_CRASHES)
    assert "SIGSEGV" in failed[3] and "SIGABRT" in failed[9] and "code 7" in failed[14]
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 17


def test_three_segfaults_in_twenty_trials():
    """The issue's goal: 17 COMPLETE and 3 FAIL, each FAIL naming its signal."""
    study = study_of()
    with pytest.warns(UserWarning, match="SIGSEGV"):
        study.optimize(segfaulting, n_trials=20, n_jobs=2, executor="process")
    states = [t.state for t in study.trials]
    assert states.count(TrialState.COMPLETE) == 17 and states.count(TrialState.FAIL) == 3
    for t in study.trials:
        if t.state == TrialState.FAIL:
            assert t.number in (2, 11, 17) and "SIGSEGV" in t.system_attrs["fail_reason"]


def segfaulting(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number in (2, 11, 17):
        import ctypes

        ctypes.string_at(0)
    return x


@pytest.mark.parametrize("kind", ["memory", "journal", "postgres"])
def test_trial_timeout_kills_a_hanging_worker(make_storage):
    study = study_of(storage=make_storage())
    start = time.monotonic()
    with pytest.warns(UserWarning, match="WorkerTimeout"):
        study.optimize(hanging, n_trials=4, n_jobs=2, executor="process", trial_timeout=1.0)
    assert time.monotonic() - start < 30
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE,
                      TrialState.COMPLETE]
    assert "timeout of 1 s" in study.trials[1].system_attrs["fail_reason"]


@pytest.mark.parametrize("kwargs", [{"trial_timeout": 0}, {"trial_timeout": 1.0},
                                    {"trial_timeout": 1.0, "executor": "thread"}])
def test_trial_timeout_needs_a_process_executor(kwargs):
    with pytest.raises(ValueError, match="'trial_timeout' parameter of Study.optimize"):
        study_of().optimize(quadratic, n_trials=1, **kwargs)


class KilledWorker(Exception):
    """Stands for dask.distributed's KilledWorker (matched by name)."""


class _LosingExecutor(concurrent.futures.Executor):
    """Runs tasks at once, except that the worker of trial 1 is lost."""

    def submit(self, fn, /, *args, **kwargs):
        future = concurrent.futures.Future()
        if args[1] == 1:
            future.set_exception(KilledWorker("Attempted to run task on 3 different workers"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def test_a_worker_lost_by_the_executor_fails_its_trial_only():
    study = study_of()
    with pytest.warns(UserWarning, match="KilledWorker"):
        study.optimize(quadratic, n_trials=4, n_jobs=1, executor=_LosingExecutor())
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE,
                      TrialState.COMPLETE]
    assert "KilledWorker" in study.trials[1].system_attrs["fail_reason"]
