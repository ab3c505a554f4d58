"""GridSampler: every grid point once, then the study stops by itself."""

from __future__ import annotations

import itertools
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bbopt
from bbopt.samplers import GridSampler

SPACE = {
    "x": [-1.0, 0.0, 0.5, 2.0],
    "n": [1, 2, 3],
    "act": ["relu", None, True],
}


def objective(trial):
    x = trial.suggest_float("x", -1.0, 2.0)
    n = trial.suggest_int("n", 1, 3)
    act = trial.suggest_categorical("act", ["relu", "tanh", None, True])
    return x * n + (act is None)


def key(point):
    return tuple(sorted((name, type(v).__name__, v) for name, v in point.items()))


def all_points(space):
    names = sorted(space)
    return [dict(zip(names, values)) for values in itertools.product(*(space[n] for n in names))]


def test_visits_every_point_once_then_stops():
    sampler = GridSampler(SPACE, seed=0)
    assert sampler.n_points == 36
    study = bbopt.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no revisit warning: the study stopped in time
        study.optimize(objective, n_trials=1000)
    trials = study.trials
    assert len(trials) == 36
    assert all(t.state == bbopt.TrialState.COMPLETE for t in trials)
    visited = [key(t.params) for t in trials]
    assert len(set(visited)) == 36
    assert set(visited) == {key(p) for p in all_points(SPACE)}
    assert visited == [key(p) for p in sampler.grid_points()]
    assert sorted(t.system_attrs["grid_id"] for t in trials) == list(range(36))
    assert study.best_value == -3.0


def test_stops_without_n_trials():
    study = bbopt.create_study(sampler=GridSampler({"x": [0.0, 1.0, 2.0]}))
    study.optimize(lambda t: t.suggest_float("x", 0, 2))
    assert sorted(t.params["x"] for t in study.trials) == [0.0, 1.0, 2.0]


def test_failed_trials_count_as_visited():
    def sometimes_fails(trial):
        x = trial.suggest_int("x", 0, 9)
        if x % 3 == 0:
            raise RuntimeError("boom")
        return x

    study = bbopt.create_study(sampler=GridSampler({"x": list(range(10))}, seed=1))
    with pytest.warns(UserWarning, match="boom"):
        study.optimize(sometimes_fails, n_trials=50, catch=RuntimeError)
    assert sorted(t.params["x"] for t in study.trials) == list(range(10))
    assert sum(t.state == bbopt.TrialState.FAIL for t in study.trials) == 4


@settings(max_examples=25)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.lists(st.integers(-5, 5), min_size=1, max_size=4, unique=True),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 1000),
)
def test_visits_every_point_once_any_grid(space, seed):
    sampler = GridSampler(space, seed=seed)
    study = bbopt.create_study(sampler=sampler)

    def objective(trial):
        return sum(trial.suggest_int(name, -5, 5) for name in space)

    study.optimize(objective, n_trials=500)
    visited = [key(t.params) for t in study.trials]
    expected = [key(p) for p in all_points(space)]
    assert sorted(visited) == sorted(expected)
    assert [key(p) for p in sampler.grid_points()] == visited


def test_same_seed_same_order_different_seed_different():
    def order(seed):
        study = bbopt.create_study(sampler=GridSampler(SPACE, seed=seed))
        study.optimize(objective)
        return [key(t.params) for t in study.trials]

    first = order(42)
    assert order(42) == first
    assert order(43) != first
    assert sorted(order(43)) == sorted(first)
    assert [key(p) for p in GridSampler(SPACE, seed=42).grid_points()] == first


def test_reseed_restarts_the_grid():
    sampler = GridSampler({"x": [1, 2, 3, 4, 5]}, seed=3)
    first = sampler.grid_points()
    sampler.reseed_rng(3)
    assert sampler.grid_points() == first
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_int("x", 1, 5))
    assert [t.params["x"] for t in study.trials] == [p["x"] for p in first]


def test_warns_when_asking_beyond_the_grid():
    study = bbopt.create_study(sampler=GridSampler({"x": [0, 1]}, seed=0))
    study.optimize(lambda t: t.suggest_int("x", 0, 1))
    assert len(study.trials) == 2
    with pytest.warns(UserWarning, match=r"all 2 grid points were already tried"):
        trial = study.ask()
    assert trial.suggest_int("x", 0, 1) in (0, 1)
    # optimize again runs the requested number of extra trials, each with a warning.
    with pytest.warns(UserWarning, match="already tried"):
        study.optimize(lambda t: t.suggest_int("x", 0, 1), n_trials=2)


def test_parameter_not_in_the_grid_raises():
    def uses_y(trial):
        return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)

    study = bbopt.create_study(sampler=GridSampler({"x": [0.0, 1.0]}))
    with pytest.raises(ValueError, match=r"parameter 'y' is not in the search space.*\['x'\]"):
        study.optimize(uses_y, n_trials=5)
    assert study.trials[0].state == bbopt.TrialState.FAIL


@pytest.mark.parametrize(
    "suggest, grid",
    [
        (lambda t: t.suggest_float("x", 0.0, 1.0), [0.5, 3.0]),
        (lambda t: t.suggest_int("x", 0, 10, step=2), [2, 3]),
        (lambda t: t.suggest_int("x", 0, 10), [1, 2.5]),
        (lambda t: t.suggest_categorical("x", ["a", "b"]), ["a", "c"]),
        (lambda t: t.suggest_categorical("x", [1, 2]), [1, True]),
    ],
)
def test_grid_value_outside_the_distribution_raises(suggest, grid):
    study = bbopt.create_study(sampler=GridSampler({"x": grid}, seed=0))
    bad = grid[1]
    with pytest.warns(UserWarning, match="is not in"):
        with pytest.raises(ValueError, match=rf"grid value {bad!r} of parameter 'x' is not in"):
            study.optimize(lambda t: (suggest(t), 0.0)[1], n_trials=2)


def test_grid_values_take_the_type_of_the_distribution():
    study = bbopt.create_study(sampler=GridSampler({"x": [0, 1], "n": [2.0]}))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 4))
    for trial in study.trials:
        assert type(trial.params["x"]) is float and type(trial.params["n"]) is int
        assert trial.params["n"] == 2


@pytest.mark.parametrize(
    "search_space, pattern",
    [
        ({}, r"'search_space' parameter of GridSampler.*non-empty dict.*Got \{\}"),
        ([("x", [1])], r"'search_space'.*Got \[\('x', \[1\]\)\]"),
        (None, r"'search_space'.*Got None"),
        ({"x": []}, r"values of 'x'.*invalid.*must not be empty"),
        ({"x": [1, 2, 1]}, r"values of 'x'.*duplicates"),
        ({"x": [1], "y": [[1, 2]]}, r"values of 'y'.*None, bool, int, float or str"),
        ({"x": "abc"}, r"values of 'x'.*sequence"),
    ],
)
def test_invalid_search_space(search_space, pattern):
    with pytest.raises(ValueError, match=pattern):
        GridSampler(search_space)


@pytest.mark.parametrize("seed, error", [(-1, ValueError), ("s", TypeError), (0.5, TypeError)])
def test_invalid_seed(seed, error):
    with pytest.raises(error, match=r"'seed' parameter of GridSampler"):
        GridSampler({"x": [1]}, seed=seed)


def test_the_callers_dict_is_not_aliased():
    space = {"x": [1, 2]}
    sampler = GridSampler(space)
    space["x"].append(3)
    space["y"] = [0]
    assert sampler.n_points == 2
def test_a_reused_grid_sampler_runs_the_whole_grid_in_each_study():
    sampler = GridSampler({"x": [0, 1, 2]}, seed=0)
    for _ in range(2):
        study = bbopt.create_study(sampler=sampler)
        study.optimize(lambda t: t.suggest_int("x", 0, 2), n_trials=10)
        assert sorted(t.params["x"] for t in study.trials) == [0, 1, 2]




_SHARED_SCRIPT = """
import sys
import bbopt

study = bbopt.load_study(study_name="grid", storage=sys.argv[1],
                         sampler=bbopt.samplers.GridSampler({"x": list(range(20))}, seed=0))
study.optimize(lambda t: float(t.suggest_int("x", 0, 19)), n_trials=20)
"""


def test_processes_sharing_a_study_visit_each_point_once(tmp_path):
    import os
    import subprocess
    import sys

    path = str(tmp_path / "grid.db")
    bbopt.create_study(study_name="grid", storage=path)
    script = tmp_path / "worker.py"
    script.write_text(_SHARED_SCRIPT)
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(bbopt.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    workers = [subprocess.Popen([sys.executable, str(script), path], env=env,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err[-2000:]
    trials = bbopt.load_study(study_name="grid", storage=path).trials
    xs = [t.params["x"] for t in trials]
    assert sorted(set(xs)) == list(range(20))
    # Once every point is claimed no process starts a trial; one already asked
    # by the other process at that moment may revisit a point.
    assert len(xs) <= 21, sorted(xs)
