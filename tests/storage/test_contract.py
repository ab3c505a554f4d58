"""The storage contract, run against every storage (tests/storage/conftest.py).

Studies, the trial life cycle, copies and observations: what `BaseStorage`
promises, whatever keeps the trials.
"""

from __future__ import annotations

import numpy as np
import pytest

from bbopt import (
    CategoricalDistribution,
    FloatDistribution,
    FrozenTrial,
    IntDistribution,
    StudyDirection,
    TrialState,
    create_trial,
)
from bbopt.storage import (
    BaseStorage,
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialFinishedError,
    TrialNotFoundError,
)

MIN, MAX = StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE
X = FloatDistribution(-1.0, 1.0)
K = CategoricalDistribution(["a", "b", None])


@pytest.fixture
def study_id(storage):
    return storage.create_new_study([MIN], "s")


def waiting(params):
    return FrozenTrial(-1, TrialState.WAITING, None, {}, {}, system_attrs={"fixed": params})


# -- studies ------------------------------------------------------------------


def test_is_a_base_storage(storage):
    assert isinstance(storage, BaseStorage)


def test_create_and_look_up_studies(storage):
    a = storage.create_new_study([MIN], "a")
    b = storage.create_new_study([MAX, MIN], "b")
    assert a != b
    assert storage.get_study_id_from_name("a") == a
    assert storage.get_study_id_from_name("b") == b
    assert storage.get_study_name(b) == "b"
    assert storage.get_study_directions(a) == [MIN]
    assert storage.get_study_directions(b) == [MAX, MIN]
    assert storage.get_all_study_names() == ["a", "b"]
    # The returned directions are a copy.
    storage.get_study_directions(b).append(MAX)
    assert storage.get_study_directions(b) == [MAX, MIN]


def test_duplicate_study_name(storage):
    storage.create_new_study([MIN], "dup")
    with pytest.raises(DuplicatedStudyError, match=r"'dup' already exists.*load_if_exists"):
        storage.create_new_study([MAX], "dup")
    assert storage.get_all_study_names() == ["dup"]
    assert issubclass(DuplicatedStudyError, ValueError)


def test_unknown_study_name(storage):
    storage.create_new_study([MIN], "known")
    with pytest.raises(StudyNotFoundError, match=r"No study named 'nope'.*Known studies: \['known'\]"):
        storage.get_study_id_from_name("nope")
    with pytest.raises(StudyNotFoundError, match="No study named"):
        storage.get_study_id_from_name(["unhashable"])
    assert issubclass(StudyNotFoundError, ValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get_study_name(99),
        lambda s: s.get_study_directions(99),
        lambda s: s.get_study_user_attrs(99),
        lambda s: s.set_study_user_attr(99, "k", 1),
        lambda s: s.create_new_trial(99),
        lambda s: s.get_all_trials(99),
        lambda s: s.get_n_trials(99),
        lambda s: s.get_observations(99),
        lambda s: s.delete_study(99),
        lambda s: s.get_trial(99, 0),
    ],
)
def test_unknown_study_id(storage, call):
    with pytest.raises(StudyNotFoundError, match="No study with id 99"):
        call(storage)


def test_delete_study(storage):
    a = storage.create_new_study([MIN], "a")
    storage.create_new_trial(a)
    b = storage.create_new_study([MIN], "b")
    storage.delete_study(a)
    assert storage.get_all_study_names() == ["b"]
    with pytest.raises(StudyNotFoundError):
        storage.get_study_id_from_name("a")
    with pytest.raises(StudyNotFoundError):
        storage.get_all_trials(a)
    with pytest.raises(StudyNotFoundError):
        storage.delete_study(a)
    # The name is free again and the new study starts empty, with a fresh id.
    c = storage.create_new_study([MAX], "a")
    assert c not in (a, b)
    assert storage.get_n_trials(c) == 0
    assert storage.get_study_directions(c) == [MAX]


def test_study_user_attrs_are_copied(storage, study_id):
    storage.set_study_user_attr(study_id, "cfg", {"lr": [1, 2]})
    attrs = storage.get_study_user_attrs(study_id)
    attrs["cfg"]["lr"].append(3)
    attrs["other"] = 1
    assert storage.get_study_user_attrs(study_id) == {"cfg": {"lr": [1, 2]}}


# -- trial creation and numbering -----------------------------------------------


def test_trial_numbers_count_from_zero_per_study(storage):
    a = storage.create_new_study([MIN], "a")
    b = storage.create_new_study([MIN], "b")
    assert [storage.create_new_trial(a) for _ in range(3)] == [0, 1, 2]
    assert storage.create_new_trial(b) == 0
    assert storage.create_new_trial(a) == 3
    trial = storage.get_trial(a, 1)
    assert trial.number == 1 and trial.state == TrialState.RUNNING
    assert trial.params == {} and trial.values is None and trial.datetime_start is not None
    assert storage.get_n_trials(a) == 4 and storage.get_n_trials(b) == 1


def test_unknown_trial_number(storage, study_id):
    storage.create_new_trial(study_id)
    for number in (1, -1, 50):
        with pytest.raises(TrialNotFoundError, match=rf"No trial number {number}.*'s'.*1 trials"):
            storage.get_trial(study_id, number)
        with pytest.raises(TrialNotFoundError):
            storage.get_trial_state(study_id, number)
        with pytest.raises(TrialNotFoundError):
            storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])
        with pytest.raises(TrialNotFoundError):
            storage.set_trial_param(study_id, number, "x", X, 0.0)


def test_waiting_queue_is_first_in_first_out(storage, study_id):
    assert storage.pop_waiting_trial(study_id) is None
    first = storage.create_new_trial(study_id, waiting({"x": 1}))
    running = storage.create_new_trial(study_id)
    second = storage.create_new_trial(study_id, waiting({"x": 2}))
    third = storage.create_new_trial(study_id, waiting({"x": 3}))
    assert (first, running, second, third) == (0, 1, 2, 3)
    assert storage.get_trial_state(study_id, first) == TrialState.WAITING
    assert storage.get_n_trials(study_id, states=[TrialState.WAITING]) == 3
    popped = [storage.pop_waiting_trial(study_id) for _ in range(3)]
    assert popped == [first, second, third]
    assert storage.pop_waiting_trial(study_id) is None
    for number in popped:
        trial = storage.get_trial(study_id, number)
        assert trial.state == TrialState.RUNNING and trial.datetime_start is not None
    assert storage.get_trial(study_id, second).system_attrs == {"fixed": {"x": 2}}
    # Popped trials are running: they take parameters and finish.
    storage.set_trial_param(study_id, second, "x", X, 0.25)
    storage.finish_trial(study_id, second, TrialState.COMPLETE, [0.5])
    assert storage.get_trial(study_id, second).params == {"x": 0.25}


def test_start_trial_pops_the_waiting_queue_first(storage, study_id):
    assert storage.start_trial(study_id) == (0, False)
    queued = storage.create_new_trial(study_id, waiting({"x": 1}))
    assert storage.start_trial(study_id) == (queued, True)
    assert storage.start_trial(study_id) == (2, False)
    assert [storage.get_trial_state(study_id, n) for n in range(3)] == [TrialState.RUNNING] * 3
    assert storage.get_trial(study_id, queued).system_attrs == {"fixed": {"x": 1}}


def test_tell_trial_returns_the_trial_as_finished(storage, study_id):
    number, _ = storage.start_trial(study_id)
    storage.set_trial_param(study_id, number, "x", X, 0.25)
    storage.set_trial_intermediate_value(study_id, number, 0, 2.0)
    storage.set_trial_user_attr(study_id, number, "u", [1])
    told = storage.tell_trial(study_id, number, TrialState.COMPLETE, [1.5])
    assert told == storage.get_trial(study_id, number)
    assert (told.state, told.values, told.params) == (TrialState.COMPLETE, [1.5], {"x": 0.25})
    assert told.intermediate_values == {0: 2.0} and told.user_attrs == {"u": [1]}
    assert storage.get_observations(study_id).values.tolist() == [[1.5]]
    with pytest.raises(TrialFinishedError, match="is COMPLETE"):
        storage.tell_trial(study_id, number, TrialState.FAIL, None)


def test_observations_and_running_read_together(storage, study_id):
    done, _ = storage.start_trial(study_id)
    storage.set_trial_param(study_id, done, "x", X, 0.5)
    storage.finish_trial(study_id, done, TrialState.COMPLETE, [1.0])
    running, _ = storage.start_trial(study_id)
    storage.set_trial_param(study_id, running, "x", X, -0.5)
    both = storage.get_observations_and_running(study_id)
    if both is None:  # this storage reads them one by one
        return
    observations, points = both
    assert observations.numbers.tolist() == [done] and points.numbers.tolist() == [running]
    assert points.points([observations.column("x", X)]).tolist() == [[-0.5]]


def test_waiting_trial_cannot_take_params_or_finish(storage, study_id):
    number = storage.create_new_trial(study_id, waiting({}))
    with pytest.raises(TrialFinishedError, match="WAITING, not RUNNING"):
        storage.set_trial_param(study_id, number, "x", X, 0.0)
    with pytest.raises(TrialFinishedError, match="WAITING, not RUNNING"):
        storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])


def test_finished_template_is_copied_into_observations(storage, study_id):
    template = create_trial(
        params={"x": 0.5, "k": None}, distributions={"x": X, "k": K}, value=2.0,
        user_attrs={"src": "warm"},
    )
    number = storage.create_new_trial(study_id, template)
    assert number == 0 and template.number == -1  # the template itself is untouched
    stored = storage.get_trial(study_id, number)
    assert stored.state == TrialState.COMPLETE and stored.values == [2.0]
    assert stored.params == {"x": 0.5, "k": None} and stored.user_attrs == {"src": "warm"}
    obs = storage.get_observations(study_id)
    assert obs.n_rows == 1 and obs.numbers.tolist() == [0]
    row = obs.x[0]
    assert row[obs.column("x", X)] == 0.5 and row[obs.column("k", K)] == 2.0
    template.params["x"] = -1.0
    assert storage.get_trial(study_id, number).params["x"] == 0.5


# -- running, finishing ----------------------------------------------------------


def test_params_and_finish(storage, study_id):
    number = storage.create_new_trial(study_id)
    storage.set_trial_param(study_id, number, "x", X, -0.5)
    storage.set_trial_param(study_id, number, "k", K, "b")
    storage.set_trial_intermediate_value(study_id, number, 3, 0.7)
    storage.set_trial_user_attr(study_id, number, "note", "hi")
    storage.set_trial_system_attr(study_id, number, "sys", 1)
    storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.25])
    trial = storage.get_trial(study_id, number)
    assert trial.state == TrialState.COMPLETE and trial.values == [1.25]
    assert trial.params == {"x": -0.5, "k": "b"}
    assert trial.distributions == {"x": X, "k": K}
    assert trial.intermediate_values == {3: 0.7}
    assert trial.user_attrs == {"note": "hi"} and trial.system_attrs == {"sys": 1}
    assert trial.datetime_complete >= trial.datetime_start
    obs = storage.get_observations(study_id)
    assert obs.x[0, obs.column("x", X)] == -0.5
    assert obs.x[0, obs.column("k", K)] == 1.0  # the index of "b"
    assert obs.values.tolist() == [[1.25]]


def test_finish_twice_raises(storage, study_id):
    number = storage.create_new_trial(study_id)
    storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])
    for state in (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED):
        with pytest.raises(TrialFinishedError, match=r"Trial 0 of study 's' is COMPLETE"):
            storage.finish_trial(study_id, number, state, [2.0])
    assert storage.get_trial(study_id, number).values == [1.0]
    assert storage.get_observations(study_id).n_rows == 1
    assert issubclass(TrialFinishedError, ValueError)


@pytest.mark.parametrize("state", [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL])
def test_finished_trial_does_not_change(storage, study_id, state):
    number = storage.create_new_trial(study_id)
    storage.set_trial_param(study_id, number, "x", X, 0.0)
    storage.finish_trial(study_id, number, state, None if state == TrialState.FAIL else [1.0])
    with pytest.raises(TrialFinishedError, match=rf"is {state.name}, not RUNNING"):
        storage.set_trial_param(study_id, number, "y", X, 0.5)
    with pytest.raises(TrialFinishedError):
        storage.set_trial_param(study_id, number, "x", X, 0.5)
    with pytest.raises(TrialFinishedError):
        storage.set_trial_intermediate_value(study_id, number, 0, 1.0)
    trial = storage.get_trial(study_id, number)
    assert trial.params == {"x": 0.0} and trial.intermediate_values == {}


def test_failed_and_pruned_rows(storage, study_id):
    a = storage.create_new_trial(study_id)
    b = storage.create_new_trial(study_id)
    storage.finish_trial(study_id, b, TrialState.FAIL, None)
    storage.finish_trial(study_id, a, TrialState.PRUNED, [3.0])
    obs = storage.get_observations(study_id)
    # Rows are in finish order; numbers say which trial each is.
    assert obs.numbers.tolist() == [b, a]
    assert obs.states.tolist() == [TrialState.FAIL, TrialState.PRUNED]
    assert np.isnan(obs.values[0, 0]) and obs.values[1, 0] == 3.0
    assert obs.best_row == -1


def test_observations_are_live(storage, study_id):
    obs = storage.get_observations(study_id)
    number = storage.create_new_trial(study_id)
    assert obs.n_rows == 0  # running trials are not observations
    storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])
    assert obs.n_rows == 1
    assert storage.get_observations(study_id) is obs


# -- reading trials --------------------------------------------------------------


def _mixed_study(storage, study_id):
    """Trials 0..5: COMPLETE, RUNNING, FAIL, WAITING, PRUNED, RUNNING."""
    for _ in range(3):
        storage.create_new_trial(study_id)
    storage.finish_trial(study_id, 0, TrialState.COMPLETE, [1.0])
    storage.finish_trial(study_id, 2, TrialState.FAIL, None)
    storage.create_new_trial(study_id, waiting({}))
    storage.create_new_trial(study_id)
    storage.finish_trial(study_id, 4, TrialState.PRUNED, None)
    storage.create_new_trial(study_id)


def test_get_all_trials_filtering(storage, study_id):
    _mixed_study(storage, study_id)
    S = TrialState

    def numbers(states):
        return [t.number for t in storage.get_all_trials(study_id, states=states)]

    assert numbers(None) == [0, 1, 2, 3, 4, 5]
    assert numbers([S.RUNNING]) == [1, 5]
    assert numbers((S.COMPLETE,)) == [0]
    assert numbers({S.FAIL, S.PRUNED}) == [2, 4]
    assert numbers([S.WAITING, S.RUNNING]) == [1, 3, 5]
    assert numbers([]) == []
    assert numbers([S.COMPLETE, S.PRUNED, S.FAIL, S.RUNNING, S.WAITING]) == [0, 1, 2, 3, 4, 5]
    for states, n in (([S.RUNNING], 2), ([S.WAITING], 1), ([S.COMPLETE, S.FAIL], 2), (None, 6)):
        assert storage.get_n_trials(study_id, states=states) == n
    # The running filter stays in number order after trials are popped out of order.
    storage.pop_waiting_trial(study_id)
    assert numbers([S.RUNNING]) == [1, 3, 5]
    assert numbers(None) == [0, 1, 2, 3, 4, 5]


def test_deep_copies_do_not_change_storage(storage, study_id):
    number = storage.create_new_trial(study_id)
    storage.set_trial_param(study_id, number, "x", X, 0.5)
    storage.set_trial_user_attr(study_id, number, "nested", {"a": [1]})
    storage.set_trial_system_attr(study_id, number, "sys", [1])
    storage.set_trial_intermediate_value(study_id, number, 0, 2.0)
    storage.finish_trial(study_id, number, TrialState.COMPLETE, [1.0])
    for copy in (storage.get_all_trials(study_id)[0], storage.get_trial(study_id, number),
                 storage.get_all_trials(study_id, deepcopy=True, states=[TrialState.COMPLETE])[0]):
        copy.params["x"] = 9.0
        copy.params["new"] = 1
        copy.distributions["x"] = IntDistribution(0, 1)
        copy.values[0] = 42.0
        copy.intermediate_values[0] = 7.0
        copy.user_attrs["nested"]["a"].append(2)
        copy.user_attrs["more"] = 1
        copy.system_attrs["sys"].append(2)
        copy.state = TrialState.FAIL
    fresh = storage.get_trial(study_id, number)
    assert fresh.params == {"x": 0.5} and fresh.distributions == {"x": X}
    assert fresh.values == [1.0] and fresh.intermediate_values == {0: 2.0}
    assert fresh.user_attrs == {"nested": {"a": [1]}} and fresh.system_attrs == {"sys": [1]}
    assert fresh.state == TrialState.COMPLETE
    assert storage.get_trial_state(study_id, number) == TrialState.COMPLETE


def test_shallow_read_returns_equal_records(storage, study_id):
    _mixed_study(storage, study_id)
    assert storage.get_all_trials(study_id, deepcopy=False) == storage.get_all_trials(study_id)
    running = storage.get_all_trials(study_id, deepcopy=False, states=[TrialState.RUNNING])
    assert [t.number for t in running] == [1, 5]


def test_running_trial_copy_does_not_see_later_changes(storage, study_id):
    number = storage.create_new_trial(study_id)
    before = storage.get_trial(study_id, number)
    storage.set_trial_param(study_id, number, "x", X, 0.1)
    storage.finish_trial(study_id, number, TrialState.COMPLETE, [0.0])
    assert before.params == {} and before.state == TrialState.RUNNING


# -- constraint values ----------------------------------------------------------


def test_constraint_values_reach_the_observations_of_every_reader(storage, make_storage, kind):
    sid = storage.create_new_study([MIN], "c")
    for cons in ([-1.0, 0.5], None, [2.0, -3.0]):
        number = storage.create_new_trial(sid)
        storage.set_trial_param(sid, number, "x", X, 0.5)
        if cons is not None:
            storage.set_trial_system_attr(sid, number, "constraints", cons)
        storage.finish_trial(sid, number, TrialState.COMPLETE, [float(number)])
    template = create_trial(value=5.0, params={"x": 0.1}, distributions={"x": X})
    template.system_attrs["constraints"] = [0.0, 0.0]
    storage.create_new_trial(sid, template)
    numbers = storage.create_running_trials(sid, [("x", X)], np.array([[0.2], [0.3]]))
    storage.set_trial_system_attr(sid, int(numbers[1]), "constraints", [4.0, 4.0])
    storage.finish_trials(sid, numbers, np.full(2, int(TrialState.COMPLETE)),
                          np.array([[6.0], [7.0]]))
    nan = np.nan
    expected = [[-1.0, 0.5], [nan, nan], [2.0, -3.0], [0.0, 0.0], [nan, nan], [4.0, 4.0]]
    readers = [storage] if kind == "memory" else [storage, make_storage()]
    for reader in readers:
        np.testing.assert_array_equal(reader.get_observations(sid).constraints, expected)
        assert reader.get_trial(sid, 2).system_attrs["constraints"] == [2.0, -3.0]
