"""SuccessiveHalvingPruner (bbopt/pruners/_successive_halving.py).

Hand-computed decisions on fixed curves, and hypothesis sequences checked
against a direct sort-based definition of asynchronous successive halving.
"""

from __future__ import annotations

import math
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pruning_support import report  # tests/pruners/pruning_support.py

import bbopt
from bbopt import TrialState
from bbopt.pruners import SuccessiveHalvingPruner


def reaches(study, value, step):
    """Start a trial, report ``value`` at ``step`` and return (trial, decision)."""
    trial = study.ask()
    report(trial, value, step)
    return trial, trial.should_prune()


def test_hand_computed_rung_0_decisions():
    # eta = 2, rung 0 at step 1: promoted while among the best n // 2 (the best one if n < 2).
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    decisions = []
    for value in [1.0, 2.0, 0.5, 0.8, 1.5, 0.9]:
        trial, pruned = reaches(study, value, 1)
        decisions.append(pruned)
        study.tell(trial, state=TrialState.PRUNED) if pruned else study.tell(trial, value)
    # n=1 best; n=2 [1,2] k=0: 2 pruned; n=3 k=0: 0.5 best; n=4 k=1: 0.8 2nd best;
    # n=5 k=1: 1.5 is 4th, pruned; n=6 k=2: 0.9 is 3rd (0.5, 0.8, 0.9, ...), kept.
    assert decisions == [False, True, False, False, True, False]


def test_ties_are_promoted():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    assert reaches(study, 1.0, 1)[1] is False
    assert reaches(study, 1.0, 1)[1] is False
    assert reaches(study, 1.0 + 1e-9, 1)[1] is True


def test_maximize():
    study = bbopt.create_study(direction="maximize", pruner=SuccessiveHalvingPruner(1, 2))
    assert reaches(study, 1.0, 1)[1] is False
    assert reaches(study, 0.5, 1)[1] is True
    assert reaches(study, 2.0, 1)[1] is False


def test_rung_values_are_recorded_and_later_rungs_use_growing_steps():
    pruner = SuccessiveHalvingPruner(min_resource=2, reduction_factor=3, min_early_stopping_rate=1)
    study = bbopt.create_study(pruner=pruner)
    trial = study.ask()
    decisions = {}
    for step in range(20):
        report(trial, 10.0 - step, step)
        decisions[step] = trial.should_prune()
    assert not any(decisions.values())
    # Rungs at 2 * 3 ** (1 + r): steps 6 and 18.
    attrs = trial.freeze().system_attrs
    assert attrs == {"completed_rung_0": 4.0, "completed_rung_1": -8.0}


def test_a_jump_over_several_rungs_records_each():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    trial, pruned = reaches(study, 3.0, 9)  # rungs at 1, 2, 4, 8
    assert not pruned
    assert sorted(trial.freeze().system_attrs) == [f"completed_rung_{r}" for r in range(4)]


def test_nan_at_a_promotion_step_prunes():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(2, 2))
    trial = study.ask()
    report(trial, math.nan, 1)
    assert not trial.should_prune()  # step 1 is before rung 0 (step 2)
    report(trial, math.nan, 2)
    assert trial.should_prune()


def test_no_report_no_decision():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    assert not study.ask().should_prune()


def test_running_trials_compete():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    first, second = study.ask(), study.ask()
    report(first, 1.0, 1)
    assert not first.should_prune()
    report(second, 2.0, 1)
    assert second.should_prune()  # sees the running first trial's rung value


def test_steps_reported_out_of_order_or_twice():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    assert not reaches(study, 0.0, 1)[1]
    trial, pruned = reaches(study, 5.0, 3)
    assert pruned  # 5.0 at rung 0 vs 0.0
    other = study.ask()
    report(other, -1.0, 1)
    report(other, 9.0, 0)  # earlier step: the last step stays 1
    assert not other.should_prune()
    with pytest.warns(UserWarning, match="already reported"):
        report(other, 100.0, 1)
    assert not other.should_prune()


def test_bootstrap_count():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2, bootstrap_count=2))
    assert [reaches(study, v, 1)[1] for v in [1.0, 0.5, 0.1]] == [True, True, False]


def test_auto_min_resource_waits_for_a_complete_trial():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner("auto", 2))
    assert not reaches(study, 100.0, 3)[1]
    study.add_trial(bbopt.create_trial(params={}, distributions={}, value=0.0,
                                       intermediate_values={250: 0.0}))
    # min_resource = 250 // 100 = 2: rung 0 at step 2.
    trial, pruned = reaches(study, 1.0, 1)
    assert not pruned and trial.freeze().system_attrs == {}
    assert "min_resource=2" in repr(study.pruner)
    assert not reaches(study, 1.0, 2)[1]
    assert reaches(study, 2.0, 2)[1]


def test_rung_values_of_finished_trials_persist_in_the_storage():
    storage = bbopt.storage.InMemoryStorage()
    study = bbopt.create_study(study_name="a", storage=storage,
                               pruner=SuccessiveHalvingPruner(1, 2))
    trial, _ = reaches(study, 1.0, 1)
    study.tell(trial, 1.0)
    # A new process (a new pruner) sees the finished trial's rung value.
    again = bbopt.load_study(study_name="a", storage=storage,
                             pruner=SuccessiveHalvingPruner(1, 2))
    assert reaches(again, 2.0, 1)[1]


def test_pickle():
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    reaches(study, 1.0, 1)
    clone = pickle.loads(pickle.dumps(study.pruner))
    trial = study.ask()
    report(trial, 2.0, 1)
    assert clone.prune(study, trial)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_resource": 0}, ValueError, "'min_resource'.*0"),
        ({"min_resource": "often"}, ValueError, "'min_resource'.*'often'"),
        ({"min_resource": 1.5}, TypeError, "'min_resource'.*1.5"),
        ({"reduction_factor": 1}, ValueError, "'reduction_factor'.*1"),
        ({"min_early_stopping_rate": -1}, ValueError, "'min_early_stopping_rate'.*-1"),
        ({"bootstrap_count": -1}, ValueError, "'bootstrap_count'.*-1"),
        ({"bootstrap_count": 2}, ValueError, "'bootstrap_count'.*'auto'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        SuccessiveHalvingPruner(**kwargs)


# -- hypothesis: against a sort-based definition ---------------------------------------------


def reference_decision(rungs, number, value, step, min_resource, eta, rate, bootstrap,
                       maximize):
    """Successive halving by sorting the competing values; updates ``rungs`` in place."""
    rung = sum(1 for r in rungs if number in r)
    while step >= min_resource * eta ** (rate + rung):
        if math.isnan(value):
            return True
        while len(rungs) <= rung:
            rungs.append({})
        rungs[rung][number] = value
        competing = sorted(rungs[rung].values(), reverse=maximize)
        if len(competing) <= bootstrap:
            return True
        k = max(len(competing) // eta - 1, 0)
        if (value < competing[k]) if maximize else (value > competing[k]):
            return True
        rung += 1
    return False


events = st.lists(
    st.tuples(st.integers(0, 3), st.one_of(st.floats(-5, 5), st.sampled_from([0.0, 1.0])),
              st.integers(1, 3), st.booleans()),
    max_size=40,
)


@given(events=events, eta=st.integers(2, 4), rate=st.integers(0, 1),
       bootstrap=st.integers(0, 2), maximize=st.booleans())
def test_matches_the_sort_based_definition(events, eta, rate, bootstrap, maximize):
    """Interleaved trials (up to 4 running) report growing steps; some finish."""
    pruner = SuccessiveHalvingPruner(1, eta, rate, bootstrap)
    study = bbopt.create_study(direction="maximize" if maximize else "minimize", pruner=pruner)
    slots: dict[int, tuple] = {}  # slot -> (trial, last step)
    rungs: list[dict[int, float]] = []
    for slot, value, advance, finish in events:
        if slot not in slots:
            slots[slot] = (study.ask(), 0)
        trial, step = slots[slot]
        step += advance
        report(trial, value, step)
        expected = reference_decision(rungs, trial.number, value, step, 1, eta, rate,
                                      bootstrap, maximize)
        pruned = trial.should_prune()
        assert pruned is expected
        if pruned or finish:
            study.tell(trial, state=TrialState.PRUNED) if pruned else study.tell(trial, value)
            del slots[slot]
        else:
            slots[slot] = (trial, step)


@given(values=st.lists(st.floats(-5, 5), min_size=1, max_size=60), eta=st.integers(2, 5))
def test_promotes_the_top_fraction(values, eta):
    """Trials reaching rung 0 one after another: each promoted value is among the best
    max(1, n // eta) of the n values recorded so far."""
    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, eta))
    seen = []
    for value in values:
        seen.append(value)
        trial, pruned = reaches(study, value, 1)
        k = max(len(seen) // eta, 1)
        assert pruned is (value > sorted(seen)[k - 1])
        study.tell(trial, state=TrialState.PRUNED) if pruned else study.tell(trial, value)


def test_the_cache_starts_again_when_the_study_shrinks():
    # A persistent storage may give a recreated study the id of a deleted one.
    from bbopt.pruners._cache import RungValues

    study = bbopt.create_study(pruner=SuccessiveHalvingPruner(1, 2))
    trial, _ = reaches(study, 1.0, 1)
    study.tell(trial, 1.0)
    cache = study.pruner._caches.get(study)
    cache.update(study)
    assert cache.n_rows == 1 and cache.values(0, 0) == [1.0]
    cache.n_rows = 5  # as if the storage had held more rows before
    cache.update(study)
    assert cache.grouped and cache.n_rows == 1 and cache.values(0, 0) == [1.0]
    assert isinstance(cache, RungValues)


def test_two_processes_sharing_a_storage_see_each_other():
    # Two Study objects with their own pruners on one storage, as two workers would be.
    storage = bbopt.storage.InMemoryStorage()
    a = bbopt.create_study(study_name="shared", storage=storage,
                           pruner=SuccessiveHalvingPruner(1, 2))
    b = bbopt.load_study(study_name="shared", storage=storage,
                         pruner=SuccessiveHalvingPruner(1, 2))
    first, second = a.ask(), b.ask()
    report(first, 1.0, 1)
    assert not first.should_prune()
    report(second, 2.0, 1)
    assert second.should_prune()  # sees a's running trial through the storage
    a.tell(first, 1.0)
    b.tell(second, state=TrialState.PRUNED)
    third = b.ask()
    report(third, 0.5, 1)
    assert not third.should_prune()
    fourth = a.ask()
    report(fourth, 1.5, 1)
    assert fourth.should_prune()  # [1.0, 2.0, 0.5, 1.5]: k = 1, 1.5 is third
