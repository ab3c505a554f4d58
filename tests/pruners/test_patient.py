"""PatientPruner (bbopt/pruners/_patient.py)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pruning_support import report  # tests/pruners/pruning_support.py

import bbopt
from bbopt.pruners import BasePruner, MedianPruner, PatientPruner


def decisions(pruner, losses, direction="minimize"):
    study = bbopt.create_study(pruner=pruner, direction=direction)
    trial = study.ask()
    out = []
    for step, loss in enumerate(losses):
        report(trial, loss, step)
        out.append(trial.should_prune())
    return out


def test_hand_computed_minimize():
    # patience 2: stalled when the best of the last 3 steps is worse than the best before.
    losses = [5.0, 4.0, 4.5, 4.2, 4.1, 3.9, 4.0, 4.0, 4.0]
    assert decisions(PatientPruner(None, 2), losses) == [
        False, False, False, False, True, False, False, False, True]


def test_hand_computed_maximize():
    scores = [1.0, 2.0, 1.5, 1.9, 2.5, 2.4]
    assert decisions(PatientPruner(None, 1), scores, "maximize") == [
        False, False, False, True, False, False]


def test_a_tie_with_the_earlier_best_is_not_a_stall():
    assert decisions(PatientPruner(None, 1), [1.0, 1.0, 1.0, 1.0]) == [False] * 4


def test_min_delta_tolerates_small_losses():
    losses = [1.0, 1.05, 1.08]
    assert decisions(PatientPruner(None, 1, min_delta=0.1), losses) == [False] * 3
    assert decisions(PatientPruner(None, 1, min_delta=0.04), losses) == [False, False, True]


def test_patience_zero_prunes_at_the_first_worse_step():
    assert decisions(PatientPruner(None, 0), [1.0, 0.5, 0.7]) == [False, False, True]


def test_nan_values_are_ignored():
    losses = [1.0, math.nan, 2.0, math.nan, math.nan, math.nan]
    assert decisions(PatientPruner(None, 1), losses) == [
        False, False, True, True, False, False]


def test_steps_out_of_order_are_sorted():
    study = bbopt.create_study(pruner=PatientPruner(None, 1))
    trial = study.ask()
    report(trial, 3.0, 2)
    report(trial, 2.0, 1)
    report(trial, 1.0, 0)
    # In step order: 1.0, 2.0, 3.0: stalled.
    assert trial.should_prune()


class Recording(BasePruner):
    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def prune(self, study, trial):
        self.calls += 1
        return self.answer


def test_the_wrapped_pruner_decides_only_for_stalled_trials():
    wrapped = Recording(answer=False)
    assert decisions(PatientPruner(wrapped, 1), [3.0, 2.0, 1.0, 2.0, 2.5]) == [False] * 5
    assert wrapped.calls == 1  # only at the last step
    wrapped = Recording(answer=True)
    assert decisions(PatientPruner(wrapped, 1), [3.0, 2.0, 1.0, 2.0, 2.5]) == [
        False, False, False, False, True]


def test_wrapping_a_median_pruner():
    study = bbopt.create_study(pruner=PatientPruner(MedianPruner(n_startup_trials=1), 1))
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=0.0,
                                       intermediate_values={s: 0.0 for s in range(5)}))
    trial = study.ask()
    out = []
    for step, loss in enumerate([3.0, 2.0, 1.0, 1.5, 1.6]):
        report(trial, loss, step)
        out.append(trial.should_prune())
    assert out == [False, False, False, False, True]


@given(losses=st.lists(st.floats(-5, 5), max_size=12), patience=st.integers(0, 4))
def test_never_prunes_while_improving_or_too_early(losses, patience):
    for step, pruned in enumerate(decisions(PatientPruner(None, patience), losses)):
        seen = losses[: step + 1]
        if len(seen) <= patience + 1 or min(seen[-patience - 1:]) <= min(seen[:-patience - 1]):
            assert not pruned
        else:
            assert pruned


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((None, -1), {}, ValueError, "'patience'.*-1"),
        ((None, 1.5), {}, TypeError, "'patience'.*1.5"),
        ((None, 1), {"min_delta": -0.1}, ValueError, "'min_delta'.*-0.1"),
        ((None, 1), {"min_delta": math.inf}, ValueError, "'min_delta'.*inf"),
        (("median", 1), {}, TypeError, "'wrapped_pruner'.*'median'"),
    ],
)
def test_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        PatientPruner(*args, **kwargs)
