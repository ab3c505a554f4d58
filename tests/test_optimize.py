"""`Study.optimize`: budgets, threads, failures, callbacks, progress bar, seeds."""

from __future__ import annotations

import math
import sys
import threading
import time

import numpy as np
import pytest

import bbopt
from bbopt import TrialState
from bbopt.samplers import QMCSampler, RandomSampler


def _study(**kwargs):
    kwargs.setdefault("sampler", RandomSampler(seed=0))
    return bbopt.create_study(**kwargs)


def quadratic(trial):
    x = trial.suggest_float("x", -5, 5)
    return (x - 1) ** 2


def test_n_trials():
    study = _study()
    study.optimize(quadratic, n_trials=17)
    assert len(study.trials) == 17
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    study.optimize(quadratic, n_trials=3)  # a second call adds trials
    assert [t.number for t in study.trials] == list(range(20))
    study.optimize(quadratic, n_trials=0)
    assert len(study.trials) == 20


def test_timeout():
    study = _study()

    def slow(trial):
        time.sleep(0.02)
        return quadratic(trial)

    start = time.monotonic()
    study.optimize(slow, timeout=0.25)
    elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 1.5
    assert 3 <= len(study.trials) <= 14
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_timeout_and_n_trials_whichever_first():
    study = _study()
    study.optimize(quadratic, n_trials=5, timeout=60)
    assert len(study.trials) == 5


def test_n_jobs_threads():
    study = _study()
    threads = set()

    def objective(trial):
        threads.add(threading.get_ident())
        time.sleep(0.005)
        return quadratic(trial)

    study.optimize(objective, n_trials=40, n_jobs=2)
    numbers = [t.number for t in study.trials]
    assert numbers == list(range(40))
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert len(threads) == 2
    # Each trial has its own parameters, told to its own number.
    assert all(t.value == (t.params["x"] - 1) ** 2 for t in study.trials)
    assert len({t.params["x"] for t in study.trials}) == 40


def test_n_jobs_minus_one():
    study = _study()
    study.optimize(quadratic, n_trials=6, n_jobs=-1)
    assert [t.number for t in study.trials] == list(range(6))


def test_catch_fails_the_trial_and_continues():
    study = _study()

    def objective(trial):
        x = quadratic(trial)
        if trial.number % 3 == 1:
            raise ValueError(f"bad trial {trial.number}")
        return x

    with pytest.warns(UserWarning, match="ValueError: bad trial 1"):
        study.optimize(objective, n_trials=9, catch=(ValueError,))
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE] * 3
    # A single exception type works too, and subclasses are caught.
    study.optimize(lambda t: 1 / 0, n_trials=2, catch=ArithmeticError)
    assert [t.state for t in study.trials[-2:]] == [TrialState.FAIL] * 2


def test_uncaught_exception_fails_the_trial_and_is_raised():
    study = _study()
    calls = []

    def objective(trial):
        calls.append(trial.number)
        quadratic(trial)
        if trial.number == 2:
            raise KeyError("boom")
        return 0.0

    with pytest.raises(KeyError, match="boom"):
        study.optimize(objective, n_trials=10, catch=(ValueError,))
    assert calls == [0, 1, 2]
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]
    assert "x" in study.trials[2].params


def test_uncaught_exception_with_threads():
    study = _study()

    def objective(trial):
        if trial.number == 3:
            raise RuntimeError("thread boom")
        time.sleep(0.002)
        return 0.0

    with pytest.raises(RuntimeError, match="thread boom"):
        study.optimize(objective, n_trials=200, n_jobs=2)
    trials = study.trials
    assert trials[3].state == TrialState.FAIL
    assert len(trials) < 200  # the other thread stopped too
    assert all(t.state.is_finished() for t in trials)


def test_keyboard_interrupt_fails_the_trial_and_stops():
    study = _study()

    def objective(trial):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=5, catch=(Exception,))
    assert [t.state for t in study.trials] == [TrialState.FAIL]


def test_trial_pruned_inside_optimize():
    study = _study()

    def objective(trial):
        x = quadratic(trial)
        for step in range(5):
            trial.report(x + step, step)
            if step == 2 and trial.number % 2:
                raise bbopt.TrialPruned()
        return x

    study.optimize(objective, n_trials=6)
    for trial in study.trials:
        if trial.number % 2:
            assert trial.state == TrialState.PRUNED
            assert trial.values == [trial.intermediate_values[2]]
        else:
            assert trial.state == TrialState.COMPLETE
    assert study.best_trial.number % 2 == 0


@pytest.mark.parametrize(
    ("output", "match"),
    [
        ("1.0", "number or a sequence"),
        (None, "number or a sequence"),
        ([1.0, 2.0], "1 objective"),
        ([], "1 objective"),
        (True, "number or a sequence"),
        ({"value": 1.0}, "number or a sequence"),
    ],
)
def test_objective_returning_a_wrong_type_or_count_fails_with_warning(output, match):
    study = _study()

    def objective(trial):
        quadratic(trial)
        return output if trial.number == 1 else 1.0

    with pytest.warns(UserWarning, match=f"Trial 1 failed.*{match}"):
        study.optimize(objective, n_trials=3)
    assert [t.state for t in study.trials] == [
        TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE
    ]


@pytest.mark.parametrize("output", [math.nan, math.inf, [math.nan]])
def test_objective_returning_non_finite_fails_with_warning(output):
    study = _study()
    with pytest.warns(UserWarning, match="non-finite"):
        study.optimize(lambda t: output, n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2


def test_objective_returning_numpy_values():
    study = _study(directions=["minimize", "maximize"])
    study.optimize(lambda t: np.array([1.0, 2.0]), n_trials=1)
    study.optimize(lambda t: (np.float32(0.5), 3), n_trials=1)
    assert [t.values for t in study.trials] == [[1.0, 2.0], [0.5, 3.0]]
    single = _study()
    single.optimize(lambda t: np.float64(2.0), n_trials=1)
    single.optimize(lambda t: np.array(3.0), n_trials=1)
    single.optimize(lambda t: np.int64(4), n_trials=1)
    assert [t.value for t in single.trials] == [2.0, 3.0, 4.0]


def test_callbacks_are_called_once_per_trial():
    study = _study()
    seen_a, seen_b = [], []
    study.optimize(
        quadratic,
        n_trials=7,
        callbacks=[lambda s, t: seen_a.append((s, t.number, t.state)),
                   lambda s, t: seen_b.append(t.number)],
    )
    assert [n for _, n, _ in seen_a] == list(range(7)) == seen_b
    assert all(s is study and state == TrialState.COMPLETE for s, _, state in seen_a)


def test_callback_sees_failed_and_pruned_trials():
    study = _study()
    states = []

    def objective(trial):
        if trial.number == 0:
            raise bbopt.TrialPruned()
        if trial.number == 1:
            raise ValueError
        return 1.0

    with pytest.warns(UserWarning):
        study.optimize(objective, n_trials=3, catch=ValueError,
                       callbacks=[lambda s, t: states.append(t.state)])
    assert states == [TrialState.PRUNED, TrialState.FAIL, TrialState.COMPLETE]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_callback_can_stop_the_study(n_jobs):
    study = _study()

    def stop_at_5(s, t):
        if t.number >= 4:
            s.stop()

    study.optimize(quadratic, n_trials=None, callbacks=[stop_at_5], n_jobs=n_jobs)
    assert 5 <= len(study.trials) <= 4 + n_jobs
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    # stop() holds for that call only: the next optimize runs.
    study.optimize(quadratic, n_trials=3)
    assert len(study.trials) >= 8


def test_stop_from_the_objective():
    study = _study()

    def objective(trial):
        if trial.number == 2:
            trial.study.stop()
        return quadratic(trial)

    study.optimize(objective, n_trials=100)
    assert len(study.trials) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"func": 3}, TypeError, "'func'"),
        ({"n_trials": -1}, ValueError, "'n_trials'"),
        ({"n_trials": 2.0}, TypeError, "'n_trials'"),
        ({"timeout": 0}, ValueError, "'timeout'"),
        ({"timeout": -1.0}, ValueError, "'timeout'"),
        ({"timeout": "1"}, TypeError, "'timeout'"),
        ({"timeout": math.inf}, ValueError, "'timeout'"),
        ({"n_jobs": 0}, ValueError, "'n_jobs'"),
        ({"n_jobs": -2}, ValueError, "'n_jobs'"),
        ({"n_jobs": 1.5}, TypeError, "'n_jobs'"),
        ({"catch": (ValueError, "KeyError")}, TypeError, "'catch'"),
        ({"catch": 3}, TypeError, "'catch'.*Got 3"),
        ({"callbacks": [print, 3]}, TypeError, "'callbacks'"),
        ({"show_progress_bar": "yes"}, TypeError, "'show_progress_bar'"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    study = _study()
    kwargs = {"func": quadratic, "n_trials": 2, **kwargs}
    with pytest.raises(error, match=match):
        study.optimize(**kwargs)
    assert study.trials == []


# -- progress bar ---------------------------------------------------------------------


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    study = _study()
    study.optimize(quadratic, n_trials=12, show_progress_bar=True)
    assert len(study.trials) == 12
    err = capsys.readouterr().err
    assert "12/12" in err


def test_progress_bar_with_threads_and_timeout(capsys):
    pytest.importorskip("tqdm")
    study = _study()
    study.optimize(quadratic, timeout=0.1, n_jobs=2, show_progress_bar=True)
    assert len(study.trials) >= 1
    assert f"{len(study.trials)}" in capsys.readouterr().err


def test_progress_bar_without_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    study = _study()
    with pytest.raises(ImportError, match=r"tqdm.*bbopt\[progress\]"):
        study.optimize(quadratic, n_trials=3, show_progress_bar=True)
    assert study.trials == []
    study.optimize(quadratic, n_trials=3)  # without the bar, no tqdm needed
    assert len(study.trials) == 3


# -- seeds ----------------------------------------------------------------------------


def _space(trial):
    x = trial.suggest_float("x", -3, 3)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 64, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b", None])
    if kind == "a":
        trial.suggest_float("extra", 0, 1, step=0.1)
    return x ** 2 + math.log(lr) + n


def _run(sampler, n_trials=40):
    study = bbopt.create_study(sampler=sampler)
    study.optimize(_space, n_trials=n_trials)
    return [(t.params, t.values) for t in study.trials]


@pytest.mark.parametrize(
    "make",
    [
        lambda seed: RandomSampler(seed=seed),
        lambda seed: QMCSampler(seed=seed),
        lambda seed: QMCSampler(qmc_type="halton", seed=seed),
    ],
)
def test_seed_reproducibility(make):
    first = _run(make(7))
    assert first == _run(make(7))
    assert first != _run(make(8))
    # reseed_rng(seed) restarts the same stream.
    sampler = make(7)
    _run(sampler, n_trials=5)
    sampler.reseed_rng(7)
    assert _run(sampler) == first


def test_unseeded_samplers_differ():
    assert _run(RandomSampler(), n_trials=5) != _run(RandomSampler(), n_trials=5)
