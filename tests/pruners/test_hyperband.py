"""HyperbandPruner (bbopt/pruners/_hyperband.py): brackets, their sizes, and
successive halving inside each bracket."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pruning_support import report  # tests/pruners/pruning_support.py

import bbopt
from bbopt import TrialState
from bbopt.pruners import HyperbandPruner


@pytest.mark.parametrize(
    ("min_resource", "max_resource", "eta", "n_brackets"),
    [(1, 27, 3, 4), (1, 26, 3, 3), (1, 243, 3, 6), (1, 1000, 10, 4), (2, 16, 2, 4),
     (5, 5, 3, 1), (1, 1, 2, 1)],
)
def test_number_of_brackets(min_resource, max_resource, eta, n_brackets):
    # floor(log_eta(max / min)) + 1, exact where float logs round down (log_3(243)).
    assert HyperbandPruner(min_resource, max_resource, eta).n_brackets == n_brackets


def test_bracket_sizes_follow_hyperband():
    pruner = HyperbandPruner(1, 27, 3)
    # ceil(4 * 3**s / (s + 1)) for s = 3, 2, 1, 0.
    assert pruner._budgets == [27, 12, 6, 4]
    study = bbopt.create_study(study_name="brackets")
    counts = Counter(pruner.bracket_of(study, n) for n in range(49_000))
    for bracket, budget in enumerate([27, 12, 6, 4]):
        assert counts[bracket] / 49_000 == pytest.approx(budget / 49, abs=0.01)


@given(name=st.text(min_size=1, max_size=10), numbers=st.lists(st.integers(0, 10**6)),
       max_resource=st.integers(1, 500), eta=st.integers(2, 5))
def test_brackets_partition_the_trials(name, numbers, max_resource, eta):
    pruner = HyperbandPruner(1, max_resource, eta)
    study = bbopt.create_study(study_name=name)
    for number in numbers:
        bracket = pruner.bracket_of(study, number)
        assert 0 <= bracket < pruner.n_brackets
        assert bracket == pruner.bracket_of(study, number)  # a function of the trial


def numbers_by_bracket(pruner, study, count):
    found: dict[int, list[int]] = {}
    for n in range(count):
        found.setdefault(pruner.bracket_of(study, n), []).append(n)
    return found


def test_trials_compete_only_within_their_bracket():
    pruner = HyperbandPruner(1, 9, 3)  # brackets 0 and 1 (rung 0 at steps 1 and 3), and 2
    study = bbopt.create_study(study_name="compete", pruner=pruner)
    by_bracket = numbers_by_bracket(pruner, study, 200)
    decisions = {}
    for number in range(200):
        trial = study.ask()
        assert trial.number == number
        bracket = pruner.bracket_of(study, number)
        # Bracket 0's trials get worse and worse; the others improve.
        value = float(number) if bracket == 0 else -float(number)
        report(trial, value, 3)
        decisions[number] = trial.should_prune()
        study.tell(trial, state=TrialState.PRUNED) if decisions[number] else study.tell(
            trial, value)
    zero = by_bracket[0]
    # In bracket 0 only its first trial is promoted (everyone after is worse).
    assert [decisions[n] for n in zero] == [False] + [True] * (len(zero) - 1)
    # In bracket 1 each new trial is the best of its bracket: never pruned, although
    # bracket 0's first trial was better than all of them.
    assert not any(decisions[n] for n in by_bracket[1])
    # Bracket 2's first rung is at step 9: nothing is decided at step 3.
    assert not any(decisions[n] for n in by_bracket[2])
    for n in by_bracket[2]:
        assert study.trials[n].system_attrs == {}


def test_bracket_is_successive_halving_with_its_early_stopping_rate():
    pruner = HyperbandPruner(1, 27, 3)
    study = bbopt.create_study(study_name="rates", pruner=pruner)
    by_bracket = numbers_by_bracket(pruner, study, 100)
    for number in range(100):
        trial = study.ask()
        for step in range(27):
            report(trial, 1.0, step)
            assert not trial.should_prune()  # ties are always promoted
        study.tell(trial, 1.0)
        rung_steps = [3 ** (pruner.bracket_of(study, number) + r) for r in range(4)]
        expected = sum(1 for s in rung_steps if s <= 26)
        assert len(study.trials[number].system_attrs) == expected
    assert all(by_bracket.get(b) for b in range(4))


def test_auto_max_resource():
    pruner = HyperbandPruner(1, "auto", 3)
    study = bbopt.create_study(pruner=pruner)
    trial = study.ask()
    report(trial, 5.0, 30)
    assert not trial.should_prune() and pruner.n_brackets is None
    with pytest.raises(RuntimeError, match="not known yet"):
        pruner.bracket_of(study, 0)
    study.tell(trial, 5.0)
    other = study.ask()
    report(other, 1.0, 0)
    other.should_prune()
    assert pruner.n_brackets == 4  # max_resource = 30 + 1: floor(log_3(31)) + 1
    assert "max_resource=31" in repr(pruner)


def test_rung_values_recorded_before_the_brackets_are_known_are_used():
    storage = bbopt.storage.InMemoryStorage()
    # A first pruner with a fixed max_resource records rung values...
    first = HyperbandPruner(1, 9, 3)
    study = bbopt.create_study(study_name="resume", storage=storage, pruner=first)
    for number in range(30):
        trial = study.ask()
        for step in range(10):
            report(trial, float(number), step)
            if trial.should_prune():
                break
        study.tell(trial, float(number))
    # ... and a new one resolving "auto" (to 9 + 1: the same brackets) sees them all.
    second = HyperbandPruner(1, "auto", 3)
    again = bbopt.load_study(study_name="resume", storage=storage, pruner=second)
    while True:
        trial = again.ask()
        if first.bracket_of(again, trial.number) == 0:
            break
        again.tell(trial, state=TrialState.FAIL)
    report(trial, 100.0, 1)  # worse than every earlier trial of bracket 0 at rung 0
    assert trial.should_prune()
    assert second.n_brackets == first.n_brackets == 3
    assert second.bracket_of(again, trial.number) == 0


def test_nan_and_no_report():
    study = bbopt.create_study(pruner=HyperbandPruner(1, 9, 3))
    trial = study.ask()
    assert not trial.should_prune()
    report(trial, math.nan, 9)
    assert trial.should_prune()


def test_optimize_with_threads():
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        for step in range(9):
            report(trial, x * x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise bbopt.TrialPruned()
        return x * x

    study = bbopt.create_study(pruner=HyperbandPruner(1, 9, 3),
                               sampler=bbopt.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=60, n_jobs=2)
    states = Counter(t.state for t in study.trials)
    assert states[TrialState.PRUNED] > 5 and states[TrialState.COMPLETE] > 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_resource": 0}, ValueError, "'min_resource'.*0"),
        ({"min_resource": "auto"}, TypeError, "'min_resource'"),
        ({"max_resource": 0}, ValueError, "'max_resource'.*0"),
        ({"max_resource": "max"}, ValueError, "'max_resource'.*'max'"),
        ({"min_resource": 5, "max_resource": 4}, ValueError, "'max_resource'.*4"),
        ({"reduction_factor": 1}, ValueError, "'reduction_factor'.*1"),
        ({"bootstrap_count": -1}, ValueError, "'bootstrap_count'.*-1"),
        ({"bootstrap_count": 1}, ValueError, "'bootstrap_count'.*'auto'"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        HyperbandPruner(**kwargs)
