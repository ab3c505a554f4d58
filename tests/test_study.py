"""Studies: creation and loading, the ask/tell state machine, results, enqueued
and added trials, attributes and exports."""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bbopt
from bbopt import (
    CategoricalDistribution,
    FloatDistribution,
    FrozenTrial,
    IntDistribution,
    StudyDirection,
    TrialState,
)
from bbopt.samplers import RandomSampler
from bbopt.storage import DuplicatedStudyError, InMemoryStorage, StudyNotFoundError


def _study(**kwargs):
    kwargs.setdefault("sampler", RandomSampler(seed=0))
    return bbopt.create_study(**kwargs)


def _complete(study, value):
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    return study.tell(trial, value)


def _snapshot(study):
    """What a rejected call must leave untouched."""
    obs = study.get_observations()
    return (
        [(t.number, t.state, t.values, t.params) for t in study.trials],
        obs.n_rows,
        obs.best_row,
    )


# -- create, load, delete --------------------------------------------------------


def test_create_study_default_names_are_unique():
    storage = InMemoryStorage()
    a = bbopt.create_study(storage=storage)
    b = bbopt.create_study(storage=storage)
    assert a.study_name != b.study_name
    assert storage.get_all_study_names() == [a.study_name, b.study_name]


def test_create_study_duplicate_name_raises_and_load_if_exists_loads():
    storage = InMemoryStorage()
    first = bbopt.create_study(study_name="s", storage=storage)
    _complete(first, 1.0)
    with pytest.raises(DuplicatedStudyError, match="'s'"):
        bbopt.create_study(study_name="s", storage=storage)
    again = bbopt.create_study(study_name="s", storage=storage, load_if_exists=True)
    assert [t.values for t in again.trials] == [[1.0]]
    # Both handles see the same trials.
    _complete(again, 2.0)
    assert len(first.trials) == 2


def test_load_if_exists_creates_when_absent():
    storage = InMemoryStorage()
    study = bbopt.create_study(study_name="new", storage=storage, load_if_exists=True)
    assert study.study_name == "new"
    assert storage.get_all_study_names() == ["new"]


def test_load_if_exists_with_other_directions_raises():
    storage = InMemoryStorage()
    bbopt.create_study(study_name="s", storage=storage, direction="maximize")
    with pytest.raises(ValueError, match="directions"):
        bbopt.create_study(study_name="s", storage=storage, load_if_exists=True)


def test_load_study_shares_trials_and_attributes():
    storage = InMemoryStorage()
    study = bbopt.create_study(study_name="s", storage=storage, direction="maximize")
    study.set_user_attr("owner", "me")
    _complete(study, 3.0)
    loaded = bbopt.load_study(study_name="s", storage=storage)
    assert loaded.directions == [StudyDirection.MAXIMIZE]
    assert loaded.user_attrs == {"owner": "me"}
    assert loaded.best_value == 3.0


def test_load_study_unknown_name_raises_naming_it():
    storage = InMemoryStorage()
    bbopt.create_study(study_name="present", storage=storage)
    with pytest.raises(StudyNotFoundError, match="'absent'") as info:
        bbopt.load_study(study_name="absent", storage=storage)
    assert isinstance(info.value, ValueError)
    assert "present" in str(info.value)  # tells which studies exist


def test_load_study_without_storage_raises():
    with pytest.raises(ValueError, match="'storage'"):
        bbopt.load_study(study_name="s", storage=None)


def test_delete_study():
    storage = InMemoryStorage()
    bbopt.create_study(study_name="a", storage=storage)
    bbopt.create_study(study_name="b", storage=storage)
    bbopt.delete_study("a", storage)
    assert storage.get_all_study_names() == ["b"]
    with pytest.raises(StudyNotFoundError):
        bbopt.load_study(study_name="a", storage=storage)
    with pytest.raises(StudyNotFoundError, match="'a'"):
        bbopt.delete_study("a", storage)
    # The name is free again.
    assert bbopt.create_study(study_name="a", storage=storage).trials == []


@pytest.mark.parametrize("name", ["", 3, b"s"])
def test_create_study_invalid_name(name):
    with pytest.raises(ValueError, match="'study_name'"):
        bbopt.create_study(study_name=name)


def test_create_study_invalid_storage():
    with pytest.raises(ValueError, match="'storage'"):
        bbopt.create_study(storage=3)


def test_create_study_invalid_sampler_and_pruner():
    with pytest.raises(TypeError, match="'sampler'"):
        bbopt.create_study(sampler="random")
    with pytest.raises(TypeError, match="'pruner'"):
        bbopt.create_study(pruner=object())


# -- directions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, [StudyDirection.MINIMIZE]),
        ({"direction": "maximize"}, [StudyDirection.MAXIMIZE]),
        ({"direction": StudyDirection.MAXIMIZE}, [StudyDirection.MAXIMIZE]),
        ({"directions": ["minimize", "maximize"]}, [StudyDirection.MINIMIZE,
                                                     StudyDirection.MAXIMIZE]),
        ({"directions": ("maximize",)}, [StudyDirection.MAXIMIZE]),
    ],
)
def test_directions(kwargs, expected):
    assert bbopt.create_study(**kwargs).directions == expected


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"direction": "minimize", "directions": ["minimize"]}, "not both"),
        ({"direction": "maximize", "directions": ["maximize", "minimize"]}, "not both"),
        ({"direction": "up"}, "'up'"),
        ({"directions": ["minimize", "down"]}, "'down'"),
        ({"directions": []}, "'directions'"),
        ({"directions": "minimize"}, "'directions'"),
        ({"direction": 1}, "1"),
    ],
)
def test_invalid_directions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bbopt.create_study(**kwargs)


def test_direction_property():
    assert bbopt.create_study(direction="maximize").direction == StudyDirection.MAXIMIZE
    with pytest.raises(RuntimeError, match="2 objectives"):
        bbopt.create_study(directions=["minimize", "minimize"]).direction


def test_sampler_without_multi_objective_support_raises():
    class SingleOnly(RandomSampler):
        supports_multi_objective = False

    bbopt.create_study(sampler=SingleOnly())  # one objective: fine
    with pytest.raises(ValueError, match="SingleOnly does not support several objectives"):
        bbopt.create_study(directions=["minimize", "maximize"], sampler=SingleOnly())


# -- ask and tell --------------------------------------------------------------------


def test_ask_starts_running_trials_with_consecutive_numbers():
    study = _study()
    trials = [study.ask() for _ in range(3)]
    assert [t.number for t in trials] == [0, 1, 2]
    assert [t.state for t in study.trials] == [TrialState.RUNNING] * 3


def test_ask_with_fixed_distributions():
    study = _study()
    space = {"x": FloatDistribution(-1, 1), "c": CategoricalDistribution(["a", "b"])}
    trial = study.ask(space)
    assert set(trial.params) == {"x", "c"}
    assert -1 <= trial.params["x"] <= 1 and trial.params["c"] in ("a", "b")
    assert trial.distributions == space
    with pytest.raises(TypeError, match="distribution"):
        study.ask({"x": (0, 1)})


def test_tell_complete_and_by_number():
    study = _study()
    first, second = study.ask(), study.ask()
    frozen = study.tell(second.number, 2.0)
    assert (frozen.number, frozen.state, frozen.values) == (1, TrialState.COMPLETE, [2.0])
    frozen = study.tell(first, np.float64(1.5))
    assert frozen.state == TrialState.COMPLETE and frozen.value == 1.5
    assert type(frozen.value) is float
    assert frozen.datetime_complete is not None and frozen.duration is not None


def test_tell_fail_and_pruned():
    study = _study()
    failed = study.tell(study.ask(), state=TrialState.FAIL)
    assert failed.state == TrialState.FAIL and failed.values is None
    trial = study.ask()
    for step, value in enumerate([0.9, 0.7, 0.4]):
        trial.report(value, step)
    pruned = study.tell(trial, state=TrialState.PRUNED)
    assert pruned.state == TrialState.PRUNED and pruned.values == [0.4]
    # Pruned without any report: no value.
    assert study.tell(study.ask(), state=TrialState.PRUNED).values is None
    # A pruned trial's value never makes it the best trial.
    _complete(study, 1.0)
    assert study.best_value == 1.0


def test_tell_on_finished_trial_raises_or_skips():
    study = _study()
    trial = study.ask()
    done = study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="already finished"):
        study.tell(trial, 2.0)
    with pytest.raises(ValueError, match="already finished"):
        study.tell(trial.number, state=TrialState.FAIL)
    assert study.tell(trial, 2.0, skip_if_finished=True) == done
    assert study.tell(0, state=TrialState.FAIL, skip_if_finished=True).state == TrialState.COMPLETE
    assert study.trials[0].values == [1.0]
    assert study.get_observations().n_rows == 1


@pytest.mark.parametrize("values", [[1.0, 2.0], [], "abc", [1.0, "a"], True, None])
def test_tell_invalid_values_leaves_trial_running(values):
    study = _study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    before = _snapshot(study)
    with pytest.raises(ValueError, match="trial 0"):
        study.tell(trial, values)
    assert _snapshot(study) == before
    assert study.trials[0].state == TrialState.RUNNING
    assert study.tell(trial, 0.5).state == TrialState.COMPLETE  # can be told again


def test_tell_wrong_count_multi_objective():
    study = _study(directions=["minimize", "maximize"])
    trial = study.ask()
    with pytest.raises(ValueError, match="2 objective"):
        study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="2 objective"):
        study.tell(trial, [1.0, 2.0, 3.0])
    assert study.tell(trial, [1.0, 2.0]).values == [1.0, 2.0]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_tell_non_finite_fails_with_warning_and_changes_nothing_else(bad):
    study = _study()
    _complete(study, 1.0)
    best_before = study.best_trial
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    with pytest.warns(UserWarning, match="non-finite"):
        frozen = study.tell(trial, bad)
    assert frozen.state == TrialState.FAIL and frozen.values is None
    assert study.best_trial == best_before
    obs = study.get_observations()
    assert obs.n_complete == 1 and list(obs.states) == [TrialState.COMPLETE, TrialState.FAIL]


def test_tell_non_finite_multi_objective():
    study = _study(directions=["minimize", "minimize"])
    with pytest.warns(UserWarning, match="non-finite"):
        assert study.tell(study.ask(), [1.0, math.nan]).state == TrialState.FAIL
    assert study.best_trials == []


def test_tell_without_values_or_state_raises():
    study = _study()
    trial = study.ask()
    with pytest.raises(ValueError, match="'values' or a 'state'"):
        study.tell(trial)
    assert study.trials[0].state == TrialState.RUNNING


@pytest.mark.parametrize("state", [TrialState.RUNNING, TrialState.WAITING, "COMPLETE", 1])
def test_tell_invalid_state(state):
    study = _study()
    trial = study.ask()
    with pytest.raises(ValueError, match="'state'"):
        study.tell(trial, 1.0, state=state)
    assert study.trials[0].state == TrialState.RUNNING


def test_tell_pruned_multi_objective_raises():
    study = _study(directions=["minimize", "minimize"])
    trial = study.ask()
    with pytest.raises(ValueError, match="cannot be pruned"):
        study.tell(trial, state=TrialState.PRUNED)
    assert study.trials[0].state == TrialState.RUNNING


@pytest.mark.parametrize(("number", "error"), [(5, ValueError), (-1, ValueError),
                                               ("0", TypeError), (True, TypeError),
                                               (0.0, TypeError)])
def test_tell_invalid_trial_number(number, error):
    study = _study()
    study.ask()
    with pytest.raises(error, match="'trial'"):
        study.tell(number, 1.0)


def test_tell_waiting_trial_raises():
    study = _study()
    study.enqueue_trial({"x": 0.5})
    with pytest.raises(ValueError, match="WAITING"):
        study.tell(0, 1.0)


def test_tell_trial_of_another_study_raises():
    # Two studies in separate storages have the same internal id.
    a, b = _study(), _study()
    trial_a = a.ask()
    b.ask()
    with pytest.raises(ValueError, match="another study"):
        b.tell(trial_a, 1.0)
    assert b.trials[0].state == TrialState.RUNNING
    # The same study loaded twice is the same study.
    storage = InMemoryStorage()
    c = bbopt.create_study(study_name="c", storage=storage)
    trial_c = c.ask()
    assert bbopt.load_study(study_name="c", storage=storage).tell(trial_c, 1.0).values == [1.0]


# -- best trial ----------------------------------------------------------------------


@pytest.mark.parametrize(("direction", "best"), [("minimize", -3.0), ("maximize", 7.0)])
def test_best_trial(direction, best):
    study = _study(direction=direction)
    values = [2.0, -3.0, 7.0, 0.0]
    for value in values:
        _complete(study, value)
    study.tell(study.ask(), state=TrialState.FAIL)
    assert study.best_value == best
    assert study.best_trial.number == values.index(best)
    assert study.best_params == study.trials[values.index(best)].params


def test_best_trial_ties_keep_the_first():
    study = _study()
    for value in [1.0, 0.0, 0.0]:
        _complete(study, value)
    assert study.best_trial.number == 1


def test_best_trial_is_a_copy():
    study = _study()
    _complete(study, 1.0)
    study.best_trial.params["x"] = 99.0
    study.best_params["x"] = 99.0
    assert study.best_params["x"] != 99.0


def test_best_trial_without_complete_trial_raises():
    study = _study()
    for prop in ("best_trial", "best_value", "best_params"):
        with pytest.raises(ValueError, match="no complete trial"):
            getattr(study, prop)
    study.ask()
    study.tell(study.ask(), state=TrialState.FAIL)
    with pytest.raises(ValueError, match="no complete trial"):
        study.best_trial


def test_best_trial_multi_objective_raises_runtime_error():
    study = _study(directions=["minimize", "maximize"])
    study.tell(study.ask(), [1.0, 2.0])
    for prop in ("best_trial", "best_value", "best_params"):
        with pytest.raises(RuntimeError, match="best_trials"):
            getattr(study, prop)
    with pytest.raises(RuntimeError, match="values"):
        study.trials[0].value


def _pareto_reference(scores):
    """Indices of rows that no other row dominates (minimisation), by brute force."""
    front = []
    for i, s in enumerate(scores):
        dominated = any(
            all(a <= b for a, b in zip(o, s)) and any(a < b for a, b in zip(o, s))
            for j, o in enumerate(scores) if j != i
        )
        if not dominated:
            front.append(i)
    return front


@given(
    data=st.data(),
    n_objectives=st.integers(2, 3),
    n_trials=st.integers(0, 30),
)
def test_best_trials_is_the_pareto_set(data, n_objectives, n_trials):
    directions = data.draw(
        st.lists(st.sampled_from(["minimize", "maximize"]),
                 min_size=n_objectives, max_size=n_objectives)
    )
    # Few distinct values, so that ties and exact duplicates are common.
    value = st.sampled_from([-1.5, 0.0, 1.0, 2.0, 1e6])
    rows = data.draw(st.lists(
        st.tuples(st.lists(value, min_size=n_objectives, max_size=n_objectives), st.booleans()),
        min_size=n_trials, max_size=n_trials,
    ))
    study = bbopt.create_study(directions=directions)
    complete_numbers, scores = [], []
    signs = [1 if d == "minimize" else -1 for d in directions]
    for values, fails in rows:
        trial = study.ask()
        if fails:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, values)
            complete_numbers.append(trial.number)
            scores.append([s * v for s, v in zip(signs, values)])
    expected = [complete_numbers[i] for i in _pareto_reference(scores)]
    assert sorted(t.number for t in study.best_trials) == expected
    assert all(t.state == TrialState.COMPLETE for t in study.best_trials)


def test_best_trials_single_objective_holds_all_ties():
    study = _study()
    for value in [1.0, 0.5, 2.0, 0.5]:
        _complete(study, value)
    assert [t.number for t in study.best_trials] == [1, 3]


# -- enqueue_trial -------------------------------------------------------------------


def test_enqueue_trial_fixes_given_params_and_samples_the_rest():
    study = _study()
    study.enqueue_trial({"x": 0.25, "n": 3, "c": "b", "unused": 1}, user_attrs={"src": "me"})
    study.enqueue_trial({"x": 0.75})
    assert [t.state for t in study.trials] == [TrialState.WAITING] * 2
    first = study.ask()
    assert first.number == 0
    assert first.suggest_float("x", 0, 1) == 0.25
    assert first.suggest_int("n", 0, 10) == 3
    assert first.suggest_categorical("c", ["a", "b"]) == "b"
    y = first.suggest_float("y", -1, 1)
    assert -1 <= y <= 1
    assert first.user_attrs == {"src": "me"}
    study.tell(first, 1.0)
    second = study.ask()
    assert second.number == 1 and second.suggest_float("x", 0, 1) == 0.75
    assert study.ask().number == 2  # the queue is empty: a fresh trial


def test_enqueue_trial_converts_numbers_to_the_suggested_type():
    study = _study()
    study.enqueue_trial({"x": 1, "n": 4.0})
    trial = study.ask()
    x, n = trial.suggest_float("x", 0, 2), trial.suggest_int("n", 0, 8, step=2)
    assert (x, type(x)) == (1.0, float)
    assert (n, type(n)) == (4, int)


@pytest.mark.parametrize(
    ("value", "suggest"),
    [
        (5.0, lambda t: t.suggest_float("p", 0, 1)),
        (0.3, lambda t: t.suggest_float("p", 0, 1, step=0.25)),
        (3, lambda t: t.suggest_int("p", 0, 8, step=2)),
        (2.5, lambda t: t.suggest_int("p", 0, 8)),
        ("z", lambda t: t.suggest_categorical("p", ["a", "b"])),
        (1, lambda t: t.suggest_categorical("p", [True, False])),
        ("a", lambda t: t.suggest_float("p", 0, 1)),
    ],
)
def test_enqueue_trial_value_outside_distribution_is_ignored_with_warning(value, suggest):
    study = _study()
    study.enqueue_trial({"p": value})
    trial = study.ask()
    with pytest.warns(UserWarning, match="'p'"):
        sampled = suggest(trial)
    assert trial.distributions["p"].contains(sampled)
    assert sampled != value or type(sampled) is not type(value)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ([("x", 1)], TypeError, "'params'"),
        ({"x": [1]}, TypeError, "'x'"),
        ({"x": {"a": 1}}, TypeError, "'x'"),
        ({1: 0.5}, TypeError, "1"),
        ({"x": math.nan}, ValueError, "finite"),
        ({"x": math.inf}, ValueError, "finite"),
    ],
)
def test_enqueue_trial_invalid(params, error, match):
    study = _study()
    with pytest.raises(error, match=match):
        study.enqueue_trial(params)
    assert study.trials == []


def test_enqueue_trial_used_by_optimize():
    study = _study()
    study.enqueue_trial({"x": 0.125})
    seen = []
    study.optimize(lambda t: seen.append(t.suggest_float("x", 0, 1)) or 0.0, n_trials=3)
    assert seen[0] == 0.125 and len(set(seen)) == 3


# -- add_trial -------------------------------------------------------------------------


def _dists():
    return {"x": FloatDistribution(0, 1), "n": IntDistribution(1, 9, step=2),
            "c": CategoricalDistribution(["a", None])}


def test_add_trial_warm_start_counts_in_best_trial():
    study = _study()
    for _ in range(5):
        _complete(study, 10.0)
    warm = bbopt.create_trial(params={"x": 0.5, "n": 3, "c": None}, distributions=_dists(),
                              value=-1.0, user_attrs={"from": "paper"})
    study.add_trial(warm)
    assert warm.number == -1  # the argument is not changed
    best = study.best_trial
    assert best.number == 5 and best.value == -1.0
    assert best.params == {"x": 0.5, "n": 3, "c": None}
    assert best.user_attrs == {"from": "paper"}
    assert study.get_observations().n_complete == 6


def test_add_trials_from_another_study():
    source = _study()
    for value in [3.0, 1.0, 2.0]:
        _complete(source, value)
    source.tell(source.ask(), state=TrialState.FAIL)
    target = _study()
    target.add_trials(source.trials)
    assert [t.values for t in target.trials] == [t.values for t in source.trials]
    assert [t.state for t in target.trials] == [t.state for t in source.trials]
    assert target.best_value == 1.0
    assert [t.number for t in target.trials] == [0, 1, 2, 3]


def test_add_trial_then_sampling_continues():
    study = _study()
    study.add_trial(bbopt.create_trial(params={"x": 0.5}, distributions={"x":
                                       FloatDistribution(0, 1)}, value=1.0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]


def test_create_trial_param_outside_distribution_raises():
    with pytest.raises(ValueError, match="'n'"):
        bbopt.create_trial(params={"x": 0.5, "n": 4, "c": "a"}, distributions=_dists(), value=1)
    with pytest.raises(ValueError, match="'x'"):
        bbopt.create_trial(params={"x": 1.5, "n": 3, "c": "a"}, distributions=_dists(), value=1)
    with pytest.raises(ValueError, match="same keys"):
        bbopt.create_trial(params={"x": 0.5}, distributions=_dists(), value=1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value": 1.0, "values": [1.0]},
        {},  # complete without a value
        {"value": math.nan},
        {"value": 1.0, "state": TrialState.RUNNING},
        {"value": 1.0, "state": TrialState.WAITING},
    ],
)
def test_create_trial_invalid(kwargs):
    with pytest.raises(ValueError):
        bbopt.create_trial(params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)},
                           **kwargs)


@pytest.mark.parametrize(
    "trial",
    [
        # Parameters outside their distribution (built by hand, past create_trial's check).
        FrozenTrial(-1, TrialState.COMPLETE, [1.0], {"x": 1.5}, {"x": FloatDistribution(0, 1)}),
        FrozenTrial(-1, TrialState.COMPLETE, [1.0], {"c": "z"},
                    {"c": CategoricalDistribution(["a"])}),
        FrozenTrial(-1, TrialState.FAIL, None, {}, {"x": FloatDistribution(0, 1)}),
        # Wrong value count, or non-finite values, for a complete trial.
        FrozenTrial(-1, TrialState.COMPLETE, [1.0, 2.0], {}, {}),
        FrozenTrial(-1, TrialState.COMPLETE, None, {}, {}),
        FrozenTrial(-1, TrialState.COMPLETE, [math.inf], {}, {}),
        # Not finished.
        FrozenTrial(-1, TrialState.RUNNING, None, {}, {}),
        FrozenTrial(-1, TrialState.WAITING, None, {}, {}),
    ],
)
def test_add_trial_invalid_leaves_storage_unchanged(trial):
    study = _study()
    _complete(study, 1.0)
    before = _snapshot(study)
    with pytest.raises(ValueError):
        study.add_trial(trial)
    assert _snapshot(study) == before


def test_add_trial_wrong_count_from_create_trial():
    study = _study(directions=["minimize", "maximize"])
    one = bbopt.create_trial(params={}, distributions={}, value=1.0)
    with pytest.raises(ValueError, match="2 finite value"):
        study.add_trial(one)
    assert study.trials == []
    study.add_trial(bbopt.create_trial(params={}, distributions={}, values=[1.0, 2.0]))
    assert [t.number for t in study.best_trials] == [0]


def test_add_trial_type_errors():
    study = _study()
    with pytest.raises(TypeError, match="FrozenTrial"):
        study.add_trial({"params": {}})
    with pytest.raises(TypeError, match="distribution"):
        study.add_trial(FrozenTrial(-1, TrialState.FAIL, None, {"x": 1}, {"x": (0, 1)}))
    assert study.trials == []


# -- attributes, exports, get_trials, ask_batch ---------------------------------------


def test_user_attributes():
    study = _study()
    study.set_user_attr("dataset", {"name": "iris", "rows": 150})
    attrs = study.user_attrs
    attrs["dataset"]["rows"] = 0  # a copy
    assert study.user_attrs == {"dataset": {"name": "iris", "rows": 150}}
    with pytest.raises(TypeError, match="'key'"):
        study.set_user_attr(1, "x")
    trial = study.ask()
    trial.set_user_attr("seed", 3)
    assert trial.user_attrs == {"seed": 3}
    frozen = study.tell(trial, 1.0)
    assert frozen.user_attrs == {"seed": 3}
    assert study.trials[0].user_attrs == {"seed": 3}


def _mixed_study():
    study = _study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.set_user_attr("note", "first")
    study.tell(trial, 1.5)
    trial = study.ask()
    trial.suggest_int("n", 0, 3)
    study.tell(trial, state=TrialState.FAIL)
    study.ask()  # still running
    return study


def test_trials_records():
    study = _mixed_study()
    records = study.trials_records()
    assert [r["number"] for r in records] == [0, 1, 2]
    assert [r["state"] for r in records] == ["COMPLETE", "FAIL", "RUNNING"]
    assert [r["value"] for r in records] == [1.5, None, None]
    first = records[0]
    assert first["params_x"] == study.trials[0].params["x"]
    assert first["user_attrs_note"] == "first"
    assert isinstance(first["duration"], float) and first["duration"] >= 0
    assert records[1]["params_n"] in range(4) and "params_x" not in records[1]
    assert records[2]["duration"] is None and records[2]["datetime_complete"] is None


def test_trials_records_multi_objective():
    study = _study(directions=["minimize", "maximize"])
    study.tell(study.ask(), [1.0, 2.0])
    study.tell(study.ask(), state=TrialState.FAIL)
    records = study.trials_records()
    assert [(r["values_0"], r["values_1"]) for r in records] == [(1.0, 2.0), (None, None)]
    assert "value" not in records[0]


def test_trials_dataframe():
    pandas = pytest.importorskip("pandas")
    study = _mixed_study()
    frame = study.trials_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["number"]) == [0, 1, 2]
    assert list(frame["state"]) == ["COMPLETE", "FAIL", "RUNNING"]
    assert {"value", "params_x", "params_n", "user_attrs_note", "duration"} <= set(frame.columns)


def test_trials_dataframe_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pandas.*bbopt\[pandas\]"):
        _study().trials_dataframe()


def test_get_trials_by_state():
    study = _study()
    study.tell(study.ask(), 1.0)                          # 0 COMPLETE
    running = study.ask()                                 # 1 RUNNING
    study.tell(study.ask(), state=TrialState.FAIL)        # 2 FAIL
    study.tell(study.ask(), state=TrialState.PRUNED)      # 3 PRUNED
    study.tell(study.ask(), 2.0)                          # 4 COMPLETE
    study.enqueue_trial({"x": 0.5})                       # 5 WAITING

    def numbers(states):
        return [t.number for t in study.get_trials(states=states)]

    assert numbers(None) == list(range(6))
    assert numbers([TrialState.COMPLETE]) == [0, 4]
    assert numbers((TrialState.RUNNING,)) == [1]
    assert numbers({TrialState.FAIL, TrialState.PRUNED}) == [2, 3]
    assert numbers([TrialState.WAITING]) == [5]
    assert numbers([]) == []
    assert study.ask().number == 5                        # 5 RUNNING
    assert numbers([TrialState.RUNNING]) == [1, 5]
    assert numbers([TrialState.WAITING]) == []
    assert numbers([TrialState.COMPLETE, TrialState.RUNNING]) == [0, 1, 4, 5]
    study.tell(running, 0.0)
    assert numbers([TrialState.RUNNING]) == [5]
    assert numbers([TrialState.COMPLETE]) == [0, 1, 4]
    # Copies by default.
    study.get_trials()[0].params["x"] = 1
    assert study.trials[0].params == {}


def test_get_trials_waiting():
    study = _study()
    study.enqueue_trial({"x": 0.5})
    study.enqueue_trial({"x": 0.6})
    study.ask()
    assert [t.number for t in study.get_trials(states=[TrialState.WAITING])] == [1]
    assert [t.number for t in study.get_trials(states=[TrialState.RUNNING])] == [0]


def test_ask_batch():
    study = _study()
    space = {"x": FloatDistribution(0, 1)}
    batch = study.ask_batch(4, space)
    assert [t.number for t in batch] == [0, 1, 2, 3]
    assert len({t.params["x"] for t in batch}) == 4
    assert [t.state for t in study.trials] == [TrialState.RUNNING] * 4
    for trial in reversed(batch):
        study.tell(trial, trial.params["x"])
    assert study.best_value == min(t.params["x"] for t in batch)


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_ask_batch_invalid(n):
    study = _study()
    with pytest.raises(ValueError, match="'n'"):
        study.ask_batch(n)
    assert study.trials == []


def test_trials_are_copies_and_repr():
    study = _study(study_name="named")
    _complete(study, 1.0)
    study.trials[0].values[0] = 5.0
    assert study.trials[0].values == [1.0]
    assert "named" in repr(study)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "COMPLETE" in repr(study.trials[0])


@pytest.mark.parametrize("state", [TrialState.FAIL, TrialState.PRUNED])
def test_tell_rejects_values_with_a_non_complete_state(state):
    study = bbopt.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match=rf"{state.name} trial takes no values.*Got 1.0"):
        study.tell(trial, 1.0, state=state)
    assert study.get_trials()[0].state == TrialState.RUNNING
    assert study.tell(trial, state=state).state == state


def test_add_trials_adds_all_or_none():
    study = bbopt.create_study()
    dist = bbopt.FloatDistribution(0.0, 1.0)
    good = bbopt.create_trial(params={"x": 0.5}, distributions={"x": dist}, value=1.0)
    bad = good.copy()
    bad.params = {"x": 2.0}
    with pytest.raises(ValueError, match="2.0 of parameter 'x'"):
        study.add_trials([good, good, bad])
    assert study.trials == []
    study.add_trials([good, good])
    assert len(study.trials) == 2


@pytest.mark.parametrize("storage_kind", ["memory", "sqlite"])
def test_ask_with_a_fixed_space_stores_every_parameter(storage_kind, tmp_path):
    storage = None if storage_kind == "memory" else f"sqlite:///{tmp_path / 'fixed.db'}"
    study = bbopt.create_study(storage=storage, sampler=RandomSampler(seed=3))
    space = {
        "x": bbopt.FloatDistribution(-1.0, 1.0),
        "n": bbopt.IntDistribution(1, 5),
        "c": bbopt.CategoricalDistribution(["a", "b"]),
    }
    trial = study.ask(space)
    stored = study.get_trials()[0]
    assert stored.params == trial.params and set(stored.params) == set(space)
    assert stored.distributions == space
    # Suggesting a fixed parameter again returns its value; a new one is still possible.
    assert trial.suggest_int("n", 1, 5) == trial.params["n"]
    trial.suggest_float("y", 0.0, 1.0)
    study.tell(trial, 1.0)
    assert set(study.get_trials()[0].params) == {"x", "n", "c", "y"}


# -- objective values of every kind (bbopt/_validation.py::as_objective_values) ----------

@pytest.mark.parametrize("value", [b"5", {1.0: 2.0}, {1.0}, "5", [b"5"], None, [[1.0]],
                                   np.ones((1, 1)), object(), iter([1.0])])
def test_tell_refuses_values_that_are_not_numbers(value):
    study = bbopt.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match="values must be a number or a sequence of numbers"):
        study.tell(trial, [value] if value is None else value)
    assert study.trials[0].state == bbopt.TrialState.RUNNING  # unchanged: tell again
    study.tell(trial, 1.0)


@pytest.mark.parametrize("value", [10**400, -(10**400), [10**400]], ids=["big", "-big", "[big]"])
def test_tell_an_int_too_large_for_a_float_fails_the_trial(value):
    study = bbopt.create_study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="non-finite"):
        frozen = study.tell(trial, value)
    assert frozen.state == bbopt.TrialState.FAIL


@pytest.mark.parametrize("value", [10**400, b"5", {1.0: 2.0}], ids=["big", "bytes", "dict"])
def test_optimize_fails_a_trial_whose_objective_returns_no_number(value):
    study = bbopt.create_study()
    with pytest.warns(UserWarning):
        study.optimize(lambda t: value, n_trials=2)
    assert [t.state for t in study.trials] == [bbopt.TrialState.FAIL] * 2


class _BrokenSampler(bbopt.samplers.RandomSampler):
    def sample_joint(self, context, search_space):
        raise ArithmeticError("the kernel failed")

    def joint_space(self, context):
        return {"x": bbopt.FloatDistribution(0, 1)}


def test_a_failed_ask_leaves_its_trial_fail_with_the_error():
    study = bbopt.create_study(sampler=_BrokenSampler(seed=0))
    with pytest.raises(ArithmeticError, match="the kernel failed"):
        study.ask()
    (trial,) = study.trials
    assert trial.state == bbopt.TrialState.FAIL
    assert "ArithmeticError: the kernel failed" in trial.system_attrs["fail_reason"]
    with pytest.raises(ArithmeticError):
        study.ask({"y": bbopt.IntDistribution(0, 3)})
    assert study.get_trials(states=[bbopt.TrialState.RUNNING]) == []


@pytest.mark.parametrize("form", ["path", "url"])
def test_load_and_delete_create_no_file_at_a_mistyped_path(tmp_path, form):
    path = tmp_path / "typo.db"
    storage = str(path) if form == "path" else f"sqlite:///{path}"
    with pytest.raises(bbopt.storage.StudyNotFoundError, match="No SQLite storage file"):
        bbopt.load_study(study_name="s", storage=storage)
    with pytest.raises(bbopt.storage.StudyNotFoundError, match="No SQLite storage file"):
        bbopt.delete_study("s", storage)
    assert list(tmp_path.iterdir()) == []
    bbopt.create_study(study_name="s", storage=storage)
    assert bbopt.load_study(study_name="s", storage=storage).study_name == "s"
    bbopt.delete_study("s", storage)
