"""Study-level stopping callbacks (bbopt/callbacks/_stopping.py)."""

from __future__ import annotations

import pickle
import time

import pytest

import bbopt
from bbopt import TrialState
from bbopt.callbacks import (
    MaxTrialsCallback,
    NoImprovementCallback,
    TargetValueCallback,
    TimeBudgetCallback,
)


def run_values(values, callback, direction="minimize", states=None):
    """Optimise an objective that returns ``values`` in turn; return the trials run."""
    values = list(values)
    states = list(states) if states is not None else [TrialState.COMPLETE] * len(values)

    def objective(trial):
        i = trial.number
        if states[i] == TrialState.PRUNED:
            trial.report(values[i], 0)
            raise bbopt.TrialPruned()
        if states[i] == TrialState.FAIL:
            raise RuntimeError("fail")
        return values[i]

    study = bbopt.create_study(direction=direction)
    study.optimize(objective, n_trials=len(values), callbacks=[callback], catch=RuntimeError)
    return study


# -- NoImprovementCallback ---------------------------------------------------------------


def test_no_improvement_hand_computed():
    # Best 3 at trial 1; trials 2, 3, 4 do not improve: stop after trial 4 (patience 3).
    study = run_values([5, 3, 4, 3, 6, 1, 1], NoImprovementCallback(3))
    assert len(study.trials) == 5


def test_no_improvement_resets_on_improvement():
    study = run_values([5, 4, 5, 3, 5, 2, 5, 5, 0], NoImprovementCallback(2))
    assert len(study.trials) == 8


def test_no_improvement_min_delta():
    # Improvements within 0.1 do not count; the reference stays 1.0.
    study = run_values([1.0, 0.95, 0.92, 0.91, 0.5], NoImprovementCallback(3, min_delta=0.1))
    assert len(study.trials) == 4
    # ... but they accumulate: 0.88 beats 1.0 by more than 0.1 and becomes the reference.
    study = run_values([1.0, 0.95, 0.88, 0.85, 0.84, 0.83, 0.0],
                       NoImprovementCallback(3, min_delta=0.1))
    assert len(study.trials) == 6


def test_no_improvement_maximize():
    study = run_values([1, 2, 2, 1, 5], NoImprovementCallback(2), direction="maximize")
    assert len(study.trials) == 4


def test_no_improvement_counts_pruned_not_failed_by_default():
    P, F, C = TrialState.PRUNED, TrialState.FAIL, TrialState.COMPLETE
    with pytest.warns(UserWarning, match="failed"):
        study = run_values([1, 9, 9, 9, 9, 9], NoImprovementCallback(2),
                           states=[C, F, F, P, P, C])
    assert len(study.trials) == 5
    with pytest.warns(UserWarning, match="failed"):
        study = run_values([1, 9, 9, 9], NoImprovementCallback(2, states=[C, F]),
                           states=[C, F, F, C])
    assert len(study.trials) == 3


def test_no_improvement_sees_added_trials():
    study = bbopt.create_study()
    for value in [0.0, 1.0, 1.0]:
        study.add_trial(bbopt.create_trial(params={}, distributions={}, value=value))
    study.optimize(lambda t: 5.0, n_trials=10, callbacks=[NoImprovementCallback(3)])
    assert len(study.trials) == 4


# -- TargetValueCallback -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "values", "n_run"),
    [("minimize", [3, 2, 1, 0], 3), ("minimize", [0.5, 3], 1), ("maximize", [0, 1, 2, 3], 2),
     ("minimize", [5, 5, 5], 3)],
)
def test_target_value(direction, values, n_run):
    study = run_values(values, TargetValueCallback(1.0), direction=direction)
    assert len(study.trials) == n_run


def test_target_ignores_pruned_values():
    P, C = TrialState.PRUNED, TrialState.COMPLETE
    study = run_values([0, 5, 0, 9], TargetValueCallback(1.0), states=[P, C, C, C])
    assert len(study.trials) == 3


# -- MaxTrialsCallback -------------------------------------------------------------------


def test_max_trials_counts_the_whole_study():
    stop = MaxTrialsCallback(4)
    study = bbopt.create_study()
    study.optimize(lambda t: 1.0, n_trials=3, callbacks=[stop])
    study.optimize(lambda t: 1.0, n_trials=3, callbacks=[stop])
    assert len(study.trials) == 4


def test_max_trials_states():
    P, C = TrialState.PRUNED, TrialState.COMPLETE
    study = run_values([1] * 8, MaxTrialsCallback(2), states=[P, P, C, P, C, C, C, C])
    assert len(study.trials) == 5
    study = run_values([1] * 8, MaxTrialsCallback(2, states=[P]), states=[C, P, C, P, C, C])
    assert len(study.trials) == 4
    study = run_values([1] * 8, MaxTrialsCallback(3, states=None))
    assert len(study.trials) == 3


def test_max_trials_with_running_state():
    # Trials are RUNNING when counted only while the callback runs; with n_jobs=1 none are.
    study = run_values([1] * 5, MaxTrialsCallback(1, states=[TrialState.RUNNING]))
    assert len(study.trials) == 5
    study = run_values([1] * 5, MaxTrialsCallback(2, states=[TrialState.COMPLETE,
                                                            TrialState.RUNNING]))
    assert len(study.trials) == 2


def test_max_trials_with_threads():
    study = bbopt.create_study()
    study.optimize(lambda t: 1.0, n_trials=200, n_jobs=2, callbacks=[MaxTrialsCallback(20)])
    # Each thread stops after its current trial: at most one extra per thread.
    assert 20 <= len(study.trials) <= 21


# -- TimeBudgetCallback ------------------------------------------------------------------


def test_time_budget_spans_optimize_calls():
    stop = TimeBudgetCallback(0.2)

    def objective(trial):
        time.sleep(0.02)
        return 1.0

    study = bbopt.create_study()
    study.optimize(objective, n_trials=4, callbacks=[stop])
    assert len(study.trials) == 4
    study.optimize(objective, n_trials=1000, callbacks=[stop])
    # Each trial takes >= 0.02 s: at most 10 fit in 0.2 s, plus the one that crosses.
    assert stop.elapsed >= 0.2
    assert 5 <= len(study.trials) <= 11
    n_before = len(study.trials)
    stop.restart()
    assert stop.elapsed < 0.1
    study.optimize(objective, n_trials=2, callbacks=[stop])
    assert len(study.trials) == n_before + 2


# -- all ---------------------------------------------------------------------------------


def test_callbacks_pickle():
    for callback in [MaxTrialsCallback(3), NoImprovementCallback(2), TargetValueCallback(0.0),
                     TimeBudgetCallback(5.0)]:
        clone = pickle.loads(pickle.dumps(callback))
        assert repr(clone) == repr(callback)
        study = run_values([1, 1, 1, 1, 1], clone)
        assert len(study.trials) == {"Max": 3, "NoI": 3, "Tar": 5, "Tim": 5}[repr(clone)[:3]]


def test_multi_objective_needs_a_single_objective_rule():
    study = bbopt.create_study(directions=["minimize", "minimize"])
    with pytest.raises(RuntimeError, match="single-objective"):
        study.optimize(lambda t: (1.0, 2.0), n_trials=2, callbacks=[TargetValueCallback(0)])
    assert len(study.trials) == 1  # raised after the first trial
    study.optimize(lambda t: (1.0, 2.0), n_trials=5, callbacks=[MaxTrialsCallback(3)])
    assert len(study.trials) == 3


@pytest.mark.parametrize(
    ("factory", "error", "match"),
    [
        (lambda: MaxTrialsCallback(0), ValueError, "'n_trials'.*0"),
        (lambda: MaxTrialsCallback(2.5), TypeError, "'n_trials'.*2.5"),
        (lambda: MaxTrialsCallback(2, states=["COMPLETE"]), TypeError, "'states'"),
        (lambda: MaxTrialsCallback(2, states=[]), TypeError, "'states'"),
        (lambda: NoImprovementCallback(0), ValueError, "'patience'.*0"),
        (lambda: NoImprovementCallback(2, min_delta=-1.0), ValueError, "'min_delta'.*-1.0"),
        (lambda: NoImprovementCallback(2, min_delta=float("nan")), ValueError, "'min_delta'"),
        (lambda: NoImprovementCallback(2, states=[TrialState.RUNNING]), ValueError, "'states'"),
        (lambda: TargetValueCallback(float("inf")), ValueError, "'target'.*inf"),
        (lambda: TargetValueCallback("1"), ValueError, "'target'.*'1'"),
        (lambda: TimeBudgetCallback(0), ValueError, "'seconds'.*0"),
        (lambda: TimeBudgetCallback(-2.0), ValueError, "'seconds'.*-2.0"),
    ],
)
def test_bad_arguments(factory, error, match):
    with pytest.raises(error, match=match):
        factory()
