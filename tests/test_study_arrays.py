"""The array fast path: Study.ask_array and Study.tell_array on every storage."""

from __future__ import annotations

import numpy as np
import pytest

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution, TrialState
from bbopt.samplers import RandomSampler, TPESampler
from bbopt.storage import TrialFinishedError

SPACE = {
    "x": FloatDistribution(-5.0, 5.0),
    "lr": FloatDistribution(1e-4, 1.0, log=True),
    "q": FloatDistribution(0.0, 1.0, step=0.25),
    "n": IntDistribution(1, 9),
    "k": IntDistribution(1, 1000, log=True),
}


KINDS = ["memory", "sqlite", "journal", "postgres"]  # make_storage: tests/conftest.py


def _study(make_storage, sampler=None) -> bbopt.Study:
    return bbopt.create_study(storage=make_storage(), sampler=sampler or RandomSampler(seed=0))


@pytest.mark.parametrize("kind", KINDS)
def test_trials_of_an_array_ask_are_ordinary_trials(kind, make_storage) -> None:
    study = _study(make_storage)
    numbers, X = study.ask_array(20, SPACE)
    assert numbers.tolist() == list(range(20)) and X.shape == (20, len(SPACE))
    running = study._storage.get_running_points(study._study_id)
    assert sorted(running.numbers.tolist()) == list(range(20))
    for number, row in zip(numbers.tolist(), X.tolist()):
        trial = study._storage.get_trial(study._study_id, number)
        assert trial.state == TrialState.RUNNING
        assert list(trial.params) == list(SPACE)
        for (name, dist), value in zip(SPACE.items(), row):
            assert dist.contains(trial.params[name]) and trial.params[name] == value
            assert type(trial.params[name]) is (int if isinstance(dist, IntDistribution)
                                                else float)
    values = X[:, 0] ** 2
    study.tell_array(numbers, values)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 20
    assert [t.value for t in study.trials] == values.tolist()
    assert study.best_value == values.min()
    obs = study.get_observations()
    for j, (name, dist) in enumerate(SPACE.items()):
        column = obs.column(name, dist)
        expected = [dist.to_internal(v) for v in X[:, j].tolist()]
        assert obs.x[:, column].tolist() == expected
    assert obs.shared_search_space() == SPACE
    assert study._storage.get_running_points(study._study_id).numbers.size == 0
    if kind != "memory":  # another process reads the same trials and observations
        again = bbopt.load_study(study_name=study.study_name, storage=make_storage())
        assert [(t.state, t.params, t.values) for t in again.trials] == [
            (t.state, t.params, t.values) for t in study.trials]
        reread = again.get_observations()  # its columns may come in another order
        np.testing.assert_array_equal(reread.numbers, obs.numbers)
        for name, dist in SPACE.items():
            assert reread.x[:, reread.column(name, dist)].tolist() == obs.x[
                :, obs.column(name, dist)].tolist()


@pytest.mark.parametrize("kind", KINDS)
def test_array_trials_mix_with_single_trials(kind, make_storage) -> None:
    study = _study(make_storage)
    numbers, X = study.ask_array(5, SPACE)
    study.tell(int(numbers[1]), 7.0)  # one told alone
    trial = study.ask()  # a define-by-run trial between them
    study._storage.set_trial_user_attr(study._study_id, int(numbers[3]), "note", 1)
    rest = numbers[[0, 2, 3, 4]]
    with pytest.warns(UserWarning, match="non-finite"):
        study.tell_array(rest, [1.0, np.inf, 3.0, 4.0])
    states = [t.state for t in study.trials]
    assert states[:5] == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL,
                          TrialState.COMPLETE, TrialState.COMPLETE]
    assert states[5] == TrialState.RUNNING and trial.number == 5
    assert study.trials[3].user_attrs == {"note": 1} and study.trials[1].value == 7.0
    assert study.get_observations().n_rows == 5


@pytest.mark.parametrize("kind", KINDS)
def test_array_tell_of_a_finished_trial_changes_nothing(kind, make_storage) -> None:
    study = _study(make_storage)
    numbers, _ = study.ask_array(3, SPACE)
    study.tell(int(numbers[2]), 1.0)
    with pytest.raises(TrialFinishedError):
        study.tell_array(numbers[1:], [1.0, 2.0])
    if kind != "memory":  # one transaction (or journal record): nothing changed
        assert study.trials[1].state == TrialState.RUNNING


def test_a_sampler_without_array_draws_asks_one_by_one() -> None:
    study = bbopt.create_study(sampler=TPESampler(seed=0, n_startup_trials=4))
    space = {"x": FloatDistribution(-1.0, 1.0), "n": IntDistribution(0, 3)}
    for _ in range(3):
        numbers, X = study.ask_array(4, space)
        study.tell_array(numbers, X[:, 0] ** 2 + X[:, 1])
    assert len(study.trials) == 12 and all(t.state == TrialState.COMPLETE for t in study.trials)
    assert [list(t.params.values()) for t in study.trials[-4:]] == X.tolist()


def test_array_draws_are_reproducible() -> None:
    a = bbopt.create_study(sampler=RandomSampler(seed=3)).ask_array(50, SPACE)[1]
    b = bbopt.create_study(sampler=RandomSampler(seed=3)).ask_array(50, SPACE)[1]
    assert np.array_equal(a, b)


def test_array_path_errors() -> None:
    study = bbopt.create_study()
    with pytest.raises(ValueError, match="'n' parameter of Study.ask_array"):
        study.ask_array(0, SPACE)
    with pytest.raises(ValueError, match="'space' parameter of Study.ask_array"):
        study.ask_array(2, {"c": CategoricalDistribution(["a", "b"])})
    with pytest.raises(ValueError, match="'space' parameter of Study.ask_array"):
        study.ask_array(2, {})
    numbers, _ = study.ask_array(2, SPACE)
    with pytest.raises(ValueError, match="'numbers' parameter of Study.tell_array"):
        study.tell_array([0, 0], [1.0, 2.0])
    with pytest.raises(ValueError, match="'numbers' parameter of Study.tell_array"):
        study.tell_array([0.5], [1.0])
    with pytest.raises(ValueError, match="'values' parameter of Study.tell_array"):
        study.tell_array(numbers, [1.0])
    with pytest.raises(ValueError, match="'values' parameter of Study.tell_array"):
        study.tell_array(numbers, ["a", "b"])
    assert [t.state for t in study.trials] == [TrialState.RUNNING] * 2


@pytest.mark.parametrize("kind", KINDS)
def test_the_returned_array_is_the_callers(kind, make_storage) -> None:
    study = _study(make_storage)
    numbers, X = study.ask_array(4, {"x": FloatDistribution(0.0, 1.0)})
    drawn = X.copy()
    X[:] = 7.0  # the caller's to change: the trials keep what was drawn
    assert [t.params["x"] for t in study.trials] == drawn[:, 0].tolist()
    study.tell_array(numbers, drawn[:, 0])
    assert study.get_observations().x[:, 0].tolist() == drawn[:, 0].tolist()


@pytest.mark.parametrize("order", ["increasing", "shuffled", "gapped"])
def test_array_tell_in_any_order(order) -> None:
    # Linear floats only (one clip for the whole matrix), told in several orders.
    space = {"a": FloatDistribution(-1.0, 1.0), "b": FloatDistribution(0.0, 10.0)}
    study = bbopt.create_study(sampler=RandomSampler(seed=1))
    numbers, X = study.ask_array(6, space)
    assert ((X >= [-1.0, 0.0]) & (X <= [1.0, 10.0])).all()
    picked = {"increasing": numbers, "shuffled": numbers[[3, 0, 5, 1, 4, 2]],
              "gapped": numbers[[0, 2, 5]]}[order]
    study.tell_array(picked, X[picked, 1])
    told = {t.number: t.value for t in study.trials if t.state == TrialState.COMPLETE}
    assert told == dict(zip(picked.tolist(), X[picked, 1].tolist()))
    obs = study.get_observations()
    assert obs.numbers.tolist() == picked.tolist()
    assert obs.x[:, :2].tolist() == X[picked].tolist()
    assert obs.best_row == int(np.argmin(X[picked, 1]))
    with pytest.raises(ValueError, match="'numbers' parameter of Study.tell_array"):
        study.tell_array([5, 4, 5], [1.0, 2.0, 3.0])
