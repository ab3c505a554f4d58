"""PercentilePruner and MedianPruner (bbopt/pruners/_percentile.py).

Decisions on fixed learning curves are computed by hand; hypothesis curves
are checked against a direct NumPy definition (nanpercentile over the
complete trials at the same step).
"""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pruning_support import report  # tests/pruners/pruning_support.py

import bbopt
from bbopt import TrialState
from bbopt.pruners import MedianPruner, PercentilePruner


def study_with(curves, pruner, direction="minimize", states=None):
    """A study holding one finished trial per curve (dict step -> value)."""
    study = bbopt.create_study(direction=direction, pruner=pruner)
    for i, curve in enumerate(curves):
        state = TrialState.COMPLETE if states is None else states[i]
        study.add_trial(bbopt.create_trial(
            params={}, distributions={}, state=state,
            value=1.0 if state == TrialState.COMPLETE else None,
            intermediate_values=curve,
        ))
    return study


def running(study, curve):
    trial = study.ask()
    for step, value in curve.items():
        report(trial, value, step)
    return trial


COMPLETE_AT_0 = [{0: 1.0}, {0: 2.0}, {0: 3.0}, {0: 4.0}]  # median 2.5


@pytest.mark.parametrize(("value", "expected"), [(2.6, True), (2.5, False), (2.4, False)])
def test_median_against_hand_computed_threshold(value, expected):
    study = study_with(COMPLETE_AT_0, MedianPruner(n_startup_trials=4))
    assert running(study, {0: value}).should_prune() is expected


@pytest.mark.parametrize(("value", "expected"), [(3.26, False), (3.25, False), (3.24, True)])
def test_maximize_uses_the_percentile_from_the_top(value, expected):
    # 25% from the top of [1, 2, 3, 4] is the 75th percentile: 3.25.
    study = study_with(COMPLETE_AT_0, PercentilePruner(25.0, n_startup_trials=1), "maximize")
    assert running(study, {0: value}).should_prune() is expected


def test_percentile_interpolates_linearly():
    # 10th percentile of [1, 2, 3, 4]: position 0.3 -> 1.3.
    study = study_with(COMPLETE_AT_0, PercentilePruner(10.0, n_startup_trials=1))
    assert running(study, {0: 1.31}).should_prune()
    assert not running(study, {0: 1.29}).should_prune()


def test_ties_are_not_pruned():
    study = study_with([{0: 2.0}] * 3, MedianPruner(n_startup_trials=1))
    assert not running(study, {0: 2.0}).should_prune()
    assert running(study, {0: 2.0 + 1e-12}).should_prune()


def test_compares_the_trial_best_over_steps_with_others_at_the_last_step():
    study = study_with([{0: 5.0, 1: 1.0}, {0: 5.0, 1: 2.0}], MedianPruner(n_startup_trials=1))
    # Best so far 1.4 (step 0) vs median 1.5 at step 1: kept, though 3.0 > 1.5.
    assert not running(study, {0: 1.4, 1: 3.0}).should_prune()
    assert running(study, {0: 1.6, 1: 3.0}).should_prune()


def test_n_startup_trials_counts_complete_trials_only():
    pruner = MedianPruner(n_startup_trials=3)
    pruned_states = [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.PRUNED]
    study = study_with([{0: 1.0}, {0: 1.0}, {0: 1.0}], pruner, states=pruned_states)
    assert not running(study, {0: 10.0}).should_prune()
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=1.0,
                                       intermediate_values={0: 1.0}))
    assert running(study, {0: 10.0}).should_prune()


def test_pruned_and_failed_trials_do_not_enter_the_percentile():
    states = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]
    study = study_with([{0: 10.0}, {0: 0.0}, {0: 0.0}], MedianPruner(n_startup_trials=1),
                       states=states)
    assert not running(study, {0: 9.0}).should_prune()


def test_warmup_and_interval_steps():
    pruner = MedianPruner(n_startup_trials=1, n_warmup_steps=2, interval_steps=3)
    curve = {s: 0.0 for s in range(12)}
    study = study_with([curve], pruner)
    trial = study.ask()
    decisions = []
    for step in range(12):
        report(trial, 1.0, step)
        decisions.append(trial.should_prune())
    # Checked at 2, 5, 8, 11 only.
    assert [s for s, d in enumerate(decisions) if d] == [2, 5, 8, 11]


def test_a_skipped_check_step_is_checked_at_the_next_reported_step():
    pruner = MedianPruner(n_startup_trials=1, interval_steps=4)
    study = study_with([{s: 0.0 for s in range(10)}], pruner)
    trial = running(study, {0: 1.0})
    report(trial, 1.0, 5)  # passes the check step 4
    assert trial.should_prune()
    report(trial, 1.0, 6)  # 5 was already checked in the interval [4, 8)
    assert not trial.should_prune()


def test_nan_intermediate_values():
    pruner = MedianPruner(n_startup_trials=1)
    study = study_with([{0: math.nan, 1: 1.0}, {0: math.nan, 1: 2.0}], pruner)
    # No finite value at step 0 among complete trials: no threshold, no pruning.
    assert not running(study, {0: 100.0}).should_prune()
    # A trial whose values are all NaN is pruned.
    assert running(study, {0: math.nan}).should_prune()
    # NaN at the last step: the best over steps (finite) decides.
    assert not running(study, {0: 1.0, 1: math.nan}).should_prune()
    assert running(study, {0: 1.6, 1: math.nan}).should_prune()


def test_nan_values_count_for_n_min_trials_but_not_in_the_percentile():
    pruner = MedianPruner(n_startup_trials=1, n_min_trials=2)
    study = study_with([{0: 1.0}, {0: math.nan}], pruner)
    assert running(study, {0: 1.1}).should_prune()  # 2 trials at step 0, median of [1.0]
    study = study_with([{0: 1.0}, {1: 5.0}], pruner)
    assert not running(study, {0: 1.1}).should_prune()  # only 1 trial at step 0


def test_trials_that_report_no_steps():
    study = study_with([{}, {}], MedianPruner(n_startup_trials=1))
    trial = study.ask()
    assert not trial.should_prune()  # no report yet
    report(trial, 5.0, 0)
    assert not trial.should_prune()  # complete trials have no value at step 0


def test_steps_reported_out_of_order_or_twice():
    study = study_with([{0: 1.0, 1: 1.0, 2: 1.0}], MedianPruner(n_startup_trials=1))
    trial = running(study, {2: 0.5})
    assert not trial.should_prune()
    report(trial, 3.0, 1)  # an earlier step: last step is still 2, best still 0.5
    assert not trial.should_prune()
    with pytest.warns(UserWarning, match="already reported"):
        report(trial, 9.0, 2)  # ignored: the first value at step 2 stays
    assert not trial.should_prune()
    other = running(study, {2: 2.0})
    report(other, 0.1, 1)  # best over steps is 0.1
    assert not other.should_prune()


def test_the_cache_follows_new_trials_and_a_recreated_study():
    storage = bbopt.storage.InMemoryStorage()
    pruner = MedianPruner(n_startup_trials=1)
    study = bbopt.create_study(study_name="s", storage=storage, pruner=pruner)
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=1.0,
                                       intermediate_values={0: 10.0}))
    assert not running(study, {0: 5.0}).should_prune()
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=1.0,
                                       intermediate_values={0: 0.0}))
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=1.0,
                                       intermediate_values={0: 1.0}))
    assert running(study, {0: 5.0}).should_prune()  # median of [10, 0, 1] is 1
    bbopt.delete_study("s", storage)
    study = bbopt.create_study(study_name="s", storage=storage, pruner=pruner)
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=1.0,
                                       intermediate_values={0: 10.0}))
    assert not running(study, {0: 5.0}).should_prune()


class CountingStorage(bbopt.storage.InMemoryStorage):
    def __init__(self):
        super().__init__()
        self.reads = 0

    def get_trial(self, study_id, number):
        self.reads += 1
        return super().get_trial(study_id, number)

    def get_all_trials(self, study_id, deepcopy=True, states=None):
        raise AssertionError("the pruner should not read every trial")


def test_each_finished_trial_is_read_once():
    storage = CountingStorage()
    study = bbopt.create_study(storage=storage, pruner=MedianPruner(n_startup_trials=1))
    for i in range(50):
        study.add_trial(bbopt.create_trial(params={}, distributions={}, value=1.0,
                                           intermediate_values={s: float(i) for s in range(5)}))
    trial = study.ask()
    storage.reads = 0
    for step in range(100):
        report(trial, 1.0, step)
        trial.should_prune()
    # 50 finished trials once each, plus one read of the running trial per call.
    assert storage.reads == 50 + 100


def test_pickles_and_keeps_deciding():
    study = study_with(COMPLETE_AT_0, MedianPruner(n_startup_trials=1))
    running(study, {0: 9.0}).should_prune()
    clone = pickle.loads(pickle.dumps(study.pruner))
    assert clone.prune(study, running(study, {0: 2.6}))
    assert not clone.prune(study, running(study, {0: 2.4}))


def test_prune_accepts_a_frozen_trial():
    study = study_with(COMPLETE_AT_0, MedianPruner(n_startup_trials=1))
    assert study.pruner.prune(study, running(study, {0: 3.0}).freeze())


def test_optimize_prunes_with_threads():
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        for step in range(20):
            report(trial, x * x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise bbopt.TrialPruned()
        return x * x

    study = bbopt.create_study(pruner=MedianPruner(n_startup_trials=3),
                               sampler=bbopt.samplers.RandomSampler(seed=3))
    study.optimize(objective, n_trials=60, n_jobs=2)
    states = [t.state for t in study.trials]
    assert states.count(TrialState.PRUNED) > 10
    for t in study.trials:
        if t.state == TrialState.PRUNED:
            assert t.value == t.intermediate_values[t.last_step]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"percentile": -0.1}, ValueError, "'percentile'.*-0.1"),
        ({"percentile": 100.5}, ValueError, "'percentile'.*100.5"),
        ({"percentile": math.nan}, ValueError, "'percentile'"),
        ({"percentile": "50"}, ValueError, "'percentile'"),
        ({"percentile": 50, "n_startup_trials": -1}, ValueError, "'n_startup_trials'.*-1"),
        ({"percentile": 50, "n_warmup_steps": -2}, ValueError, "'n_warmup_steps'.*-2"),
        ({"percentile": 50, "interval_steps": 0}, ValueError, "'interval_steps'.*0"),
        ({"percentile": 50, "interval_steps": 1.5}, TypeError, "'interval_steps'.*1.5"),
        ({"percentile": 50, "n_min_trials": 0}, ValueError, "'n_min_trials'.*0"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        PercentilePruner(**kwargs)


def test_median_is_percentile_50():
    assert "MedianPruner(n_startup_trials=5" in repr(MedianPruner())
    with pytest.raises(ValueError, match="'n_warmup_steps'"):
        MedianPruner(n_warmup_steps=-1)


# -- hypothesis: against the NumPy definition ------------------------------------------------

values = st.one_of(st.floats(-10, 10), st.just(math.nan), st.sampled_from([0.0, 1.0]))
curves = st.dictionaries(st.integers(0, 6), values, max_size=7)


def reference(complete_curves, curve, percentile, direction, n_startup, n_warmup, interval,
              n_min):
    if not curve:
        return False
    step = max(curve)
    if step < n_warmup:
        return False
    nearest_lower = (step - n_warmup) // interval * interval + n_warmup
    if max((s for s in curve if s < step), default=-1) >= nearest_lower:
        return False
    if len(complete_curves) == 0 or len(complete_curves) < n_startup:
        return False
    own = np.array(list(curve.values()))
    if np.all(np.isnan(own)):
        return True
    best = np.nanmin(own) if direction == "minimize" else np.nanmax(own)
    at_step = np.array([c[step] for c in complete_curves if step in c])
    if len(at_step) < n_min or np.all(np.isnan(at_step)):
        return False
    q = percentile if direction == "minimize" else 100 - percentile
    threshold = np.nanpercentile(at_step, q)
    return bool(best > threshold) if direction == "minimize" else bool(best < threshold)


@given(
    complete_curves=st.lists(curves, max_size=8),
    curve=curves,
    percentile=st.sampled_from([0.0, 10.0, 25.0, 50.0, 90.0, 100.0]),
    direction=st.sampled_from(["minimize", "maximize"]),
    n_startup=st.integers(0, 4),
    n_warmup=st.integers(0, 3),
    interval=st.integers(1, 3),
    n_min=st.integers(1, 3),
)
def test_matches_the_numpy_definition(complete_curves, curve, percentile, direction, n_startup,
                                      n_warmup, interval, n_min):
    pruner = PercentilePruner(percentile, n_startup, n_warmup, interval, n_min_trials=n_min)
    study = study_with(complete_curves, pruner, direction)
    trial = running(study, curve)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanpercentile of all-NaN
        expected = reference(complete_curves, curve, percentile, direction, n_startup, n_warmup,
                             interval, n_min)
    assert trial.should_prune() is expected


@given(
    complete_curves=st.lists(curves, max_size=6),
    curve=curves,
    n_warmup=st.integers(0, 8),
)
def test_never_prunes_before_the_warmup(complete_curves, curve, n_warmup):
    study = study_with(complete_curves, PercentilePruner(100.0, 0, n_warmup))
    trial = study.ask()
    for step, value in sorted(curve.items()):
        report(trial, value, step)
        if step < n_warmup:
            assert not trial.should_prune()


def test_one_pruner_for_two_studies_keeps_them_apart():
    pruner = MedianPruner(n_startup_trials=1)
    good = study_with([{0: 0.0}], pruner)
    bad = study_with([{0: 10.0}], pruner)
    assert running(good, {0: 5.0}).should_prune()
    assert not running(bad, {0: 5.0}).should_prune()
