"""Constraints: recording, bad values, feasible-first best trials, and their use by the models."""

import math
import warnings

import numpy as np
import pytest

import bbopt
from bbopt import FloatDistribution, StudyDirection, TrialState
from bbopt.samplers import (
    CmaEsSampler,
    GPSampler,
    NSGAIIISampler,
    NSGAIISampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
    TrustRegionGPSampler,
)
from bbopt.samplers._constraints import (
    ConstrainedAcquisition,
    constrained_keys,
    constrained_ranks,
    violations,
)
from bbopt.storage import Observations
from bbopt.surrogates import GaussianProcess
from bbopt.testfunctions import C2DTLZ2

SAMPLERS = {
    "random": lambda cf: RandomSampler(seed=0, constraints_func=cf),
    "qmc": lambda cf: QMCSampler(seed=0, constraints_func=cf),
    "cmaes": lambda cf: CmaEsSampler(seed=0, popsize=6, constraints_func=cf),
    "trgp": lambda cf: TrustRegionGPSampler(seed=0, n_startup_trials=5, constraints_func=cf),
    "tpe": lambda cf: TPESampler(seed=0, n_startup_trials=5, constraints_func=cf),
    "gp": lambda cf: GPSampler(seed=0, n_startup_trials=5, constraints_func=cf),
    "nsga2": lambda cf: NSGAIISampler(seed=0, population_size=4, constraints_func=cf),
    "nsga3": lambda cf: NSGAIIISampler(seed=0, population_size=4, constraints_func=cf),
}


def _disk(trial):
    """Feasible inside the unit disk around (1, 1), and x <= 1.5."""
    x, y = trial.params["x"], trial.params["y"]
    return [(x - 1) ** 2 + (y - 1) ** 2 - 1, x - 1.5]


def _objective(trial):
    return trial.suggest_float("x", -3, 3) ** 2 + trial.suggest_float("y", -3, 3) ** 2


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_records_constraints_where_samplers_and_the_study_read_them(name):
    study = bbopt.create_study(sampler=SAMPLERS[name](_disk))
    study.optimize(_objective, n_trials=8)
    obs = study.get_observations()
    assert obs.constraints.shape == (8, 2)
    for row, trial in zip(obs.constraints, study.trials):
        assert trial.system_attrs["constraints"] == _disk(trial) == row.tolist()
    frame = study.trials_dataframe()
    assert frame["constraints_0"].tolist() == obs.constraints[:, 0].tolist()
    feasible = violations(obs.constraints) == 0
    if feasible.any():
        assert study.best_value == obs.values[feasible, 0].min()


@pytest.mark.parametrize("bad, words", [
    ([float("nan"), 0.0], "returned NaN"),
    ([0.0], "returned 1 values; earlier trials of the study returned 2"),
    (["a", 0.0], "returned ['a', 0.0]"),
    ("ab", "returned 'ab'"),
    (0.5, "returned 0.5"),
    ([True, 0.0], "returned [True, 0.0]"),
    ([], "returned []"),
])
def test_bad_constraint_values_fail_only_their_trial_with_a_clear_message(bad, words):
    calls = []

    def constraints(trial):
        calls.append(trial.number)
        return bad if trial.number == 1 else [-1.0, -1.0]

    study = bbopt.create_study(sampler=TPESampler(seed=0, constraints_func=constraints))
    study.tell(study.ask({"x": FloatDistribution(0, 1)}), 1.0)
    with pytest.warns(UserWarning, match="Trial 1 is marked FAIL: constraints_func of trial 1"):
        frozen = study.tell(study.ask({"x": FloatDistribution(0, 1)}), 0.5)
    assert frozen.state == TrialState.FAIL
    assert words in frozen.system_attrs["fail_reason"]
    assert "constraints" not in frozen.system_attrs
    study.tell(study.ask({"x": FloatDistribution(0, 1)}), 2.0)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.FAIL,
                                                TrialState.COMPLETE]
    obs = study.get_observations()
    assert np.isnan(obs.constraints[1]).all() and obs.constraints[2].tolist() == [-1.0, -1.0]
    assert study.best_value == 1.0


def test_a_raising_constraints_func_fails_the_trial_and_raises_again():
    def constraints(trial):
        raise KeyError("c")

    study = bbopt.create_study(sampler=RandomSampler(constraints_func=constraints))
    with pytest.raises(bbopt.samplers.ConstraintsError, match="raised KeyError on trial 0"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_constraints_are_checked_at_construction():
    with pytest.raises(TypeError, match="'constraints_func' parameter of TPESampler"):
        TPESampler(constraints_func=[0.0])


def test_pruned_trials_record_constraints_failed_ones_do_not():
    study = bbopt.create_study(sampler=RandomSampler(constraints_func=lambda t: [-1.0]))
    pruned = study.ask({"x": FloatDistribution(0, 1)})
    pruned.report(1.0, 0)
    study.tell(pruned, state=TrialState.PRUNED)
    study.tell(study.ask({"x": FloatDistribution(0, 1)}), state=TrialState.FAIL)
    assert [("constraints" in t.system_attrs) for t in study.trials] == [True, False]


def test_best_trial_and_best_trials_are_feasible_only():
    values = {0: ([1.0, 5.0], [1.0]), 1: ([3.0, 1.0], [-1.0]), 2: ([2.0, 2.0], [0.0]),
              3: ([0.5, 0.5], [2.0])}
    study = bbopt.create_study(
        directions=["minimize", "minimize"],
        sampler=RandomSampler(constraints_func=lambda t: values[t.number][1]))
    for number in range(4):
        study.tell(study.ask(), values[number][0])
    assert sorted(t.number for t in study.best_trials) == [1, 2]
    single = bbopt.create_study(
        sampler=RandomSampler(constraints_func=lambda t: values[t.number][1]))
    for number in range(4):
        single.tell(single.ask(), values[number][0][0])
    assert single.best_trial.number == 2
    nothing = bbopt.create_study(sampler=RandomSampler(constraints_func=lambda t: [1.0]))
    nothing.tell(nothing.ask(), 1.0)
    with pytest.raises(ValueError, match="no feasible complete trial"):
        _ = nothing.best_trial


def test_ask_array_and_tell_array_record_constraints():
    study = bbopt.create_study(sampler=RandomSampler(
        seed=0, constraints_func=lambda t: [t.params["x"] - 0.5]))
    numbers, x = study.ask_array(6, {"x": FloatDistribution(0, 1)})
    study.tell_array(numbers, x[:, 0])
    assert study.get_observations().constraints[:, 0].tolist() == (x[:, 0] - 0.5).tolist()
    assert study.best_value == x[x[:, 0] <= 0.5, 0].min()


def test_observations_take_constraints_of_one_length():
    obs = Observations([StudyDirection.MINIMIZE])
    d = FloatDistribution(0, 1)
    obs.append(0, TrialState.COMPLETE, [1.0], {"x": (d, 0.5)})
    obs.append(1, TrialState.COMPLETE, [1.0], {"x": (d, 0.5)}, [1.0, -2.0])
    obs.append(2, TrialState.COMPLETE, [1.0], {"x": (d, 0.5)}, [1.0])
    obs.append(3, TrialState.COMPLETE, [1.0], {"x": (d, 0.5)}, ["a", "b"])
    for k in range(4, 70):  # past the first growth of the arrays
        obs.append(k, TrialState.COMPLETE, [1.0], {"x": (d, 0.5)}, [float(k), 0.0])
    c = obs.constraints
    assert c.shape == (70, 2) and c[1].tolist() == [1.0, -2.0] and c[69].tolist() == [69.0, 0.0]
    assert np.isnan(c[[0, 2, 3]]).all()


def test_constrained_keys_and_ranks_put_feasible_rows_first():
    tier = np.array([0.0, 0.0, 0.0, 1.0])
    score = np.array([5.0, 1.0, 2.0, 0.0])
    c = np.array([[-1.0], [3.0], [0.5], [9.0]])
    new_tier, new_score = constrained_keys(c, tier, score)
    assert new_tier.tolist() == [0.0, 0.5, 0.5, 1.0]
    assert new_score.tolist() == [5.0, 3.0, 0.5, 0.0]
    scores = np.array([[1.0, 1.0], [0.0, 0.0], [0.5, 0.5], [2.0, 0.0]])
    assert constrained_ranks(scores, np.array([0.0, 2.0, 2.0, 0.0])).tolist() == [0, 1, 1, 0]
    assert constrained_ranks(scores, np.array([0.0, math.inf, 1.0, 0.0])).tolist() == [0, 2, 1, 0]


def test_constrained_acquisition_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.random((15, 2))
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x, (x**2).sum(axis=1))
    cgp = GaussianProcess(np.zeros(2, dtype=bool))
    cgp.fit(x, 0.6 - x.sum(axis=1))
    acquisition = ConstrainedAcquisition(gp, [cgp])
    points = rng.random((4, 2))
    for best in (gp.best, None):
        value, grad = acquisition.log_ei(points, best, grad=True)
        assert value.shape == (4,) and grad is not None and np.isfinite(value).all()
        step = 1e-6
        for j in range(2):
            moved = points.copy()
            moved[:, j] += step
            numeric = (acquisition.log_ei(moved, best)[0] - value) / step
            np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-3, atol=1e-4)
    # Feasibility lowers the score where the constraint GP predicts a violation.
    assert acquisition.log_ei(np.array([[0.0, 0.0]]), None)[0][0] < acquisition.log_ei(
        np.array([[1.0, 1.0]]), None)[0][0]


def _infeasible_late(sampler, n_trials):
    study = bbopt.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(_objective, n_trials=n_trials)
    late = violations(np.array([_disk(t) for t in study.trials]))[n_trials // 2:]
    return int((late > 0).sum()), study


@pytest.mark.parametrize("name, n_trials", [("tpe", 60), ("gp", 16), ("cmaes", 120), ("trgp", 30)])
def test_constrained_models_avoid_the_infeasible_region(name, n_trials):
    # The unconstrained minimum (0, 0) is infeasible; the feasible optimum is
    # (1 - 1/sqrt 2, 1 - 1/sqrt 2), value 3 - 2 sqrt 2 ~ 0.17.
    n_bad, study = _infeasible_late(SAMPLERS[name](_disk), n_trials)
    n_bad_blind = _infeasible_late(SAMPLERS[name](None), n_trials)[0]
    assert n_bad < n_bad_blind
    assert study.best_value < 0.6


def test_constrained_nsga_keeps_a_feasible_population():
    f = C2DTLZ2(n_objectives=3, n_dims=5)
    sampler = NSGAIIISampler(seed=0, population_size=12, constraints_func=f.trial_constraints)
    study = bbopt.create_study(directions=["minimize"] * 3, sampler=sampler)
    study.optimize(f.objective, n_trials=120)
    c = study.get_observations().constraints[:, 0]
    assert (c[-24:] <= 0).mean() > (c[:12] <= 0).mean()
    assert all(f.trial_constraints(t)[0] <= 0 for t in study.best_trials)


def test_gp_takes_constraints_that_start_after_unconstrained_trials():
    study = bbopt.create_study(sampler=GPSampler(seed=0, n_startup_trials=4,
                                                 constraints_func=_disk))
    space = {"x": FloatDistribution(-3, 3), "y": FloatDistribution(-3, 3)}
    for x in (-2.0, -1.0, 1.0, 2.0):
        study.add_trial(bbopt.create_trial(value=2 * x * x, params={"x": x, "y": x},
                                           distributions=space))
    study.optimize(_objective, n_trials=3)
    c = study.get_observations().constraints
    assert c.shape == (7, 2) and np.isnan(c[:4]).all() and np.isfinite(c[4:]).all()


def test_set_constraint_records_optuna_keys_and_the_models_use_them():
    def objective(trial):
        value = _objective(trial)
        for key, c in zip(("disk", "x"), _disk(trial)):
            trial.set_constraint(key, c)
        return value

    study = bbopt.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=60)
    first = study.trials[0]
    assert first.system_attrs["constraints"] == _disk(first)
    assert first.system_attrs["constraints:disk"] == _disk(first)[0]
    late = violations(study.get_observations().constraints)[30:]
    assert (late > 0).sum() < _infeasible_late(SAMPLERS["tpe"](None), 60)[0]
    assert violations(np.array([_disk(study.best_trial)]))[0] == 0


def test_set_constraint_checks_its_arguments():
    trial = bbopt.create_study().ask()
    with pytest.raises(TypeError, match="'value' parameter of Trial.set_constraint"):
        trial.set_constraint("c", "1")
    with pytest.raises(ValueError, match="must not be NaN"):
        trial.set_constraint("c", math.nan)
    with pytest.raises(TypeError, match="'key' parameter"):
        trial.set_constraint(1, 1.0)
    trial.set_constraint("c", 1.0)
    with pytest.warns(UserWarning, match="already has the constraint 'c'"):
        trial.set_constraint("c", -1.0)
    assert trial.freeze().system_attrs["constraints"] == [1.0]


@pytest.mark.parametrize("kind", ["memory", "sqlite", "journal", "postgres"])
def test_constrained_study_on_every_storage_as_another_process_sees_it(make_storage, kind):
    storage = make_storage()
    study = bbopt.create_study(study_name="c", storage=storage,
                               sampler=TPESampler(seed=0, n_startup_trials=5,
                                                  constraints_func=_disk))
    study.optimize(_objective, n_trials=24)
    with pytest.warns(UserWarning, match="returned NaN"):
        study.sampler._constraints_func = lambda t: [math.nan, 0.0]
        study.optimize(_objective, n_trials=1)
    other = storage if kind == "memory" else make_storage()
    again = bbopt.load_study(study_name="c", storage=other)
    c = again.get_observations().constraints
    assert c.shape == (25, 2) and np.isnan(c[24]).all()
    assert again.trials[24].state == TrialState.FAIL
    assert [t.system_attrs["constraints"] for t in again.trials[:24]] == c[:24].tolist()
    assert again.best_trial.number == study.best_trial.number
    assert violations(c[[again.best_trial.number]])[0] == 0


@pytest.mark.parametrize("storage", [None, "sqlite"])
def test_create_trial_and_add_trial_take_constraints(storage, tmp_path):
    url = None if storage is None else f"sqlite:///{tmp_path / 'c.db'}"
    study = bbopt.create_study(storage=url)
    d = {"x": FloatDistribution(0, 1)}
    study.add_trials([
        bbopt.create_trial(params={"x": 0.1}, distributions=d, value=0.0, constraints=[1.0, 0.0]),
        bbopt.create_trial(params={"x": 0.2}, distributions=d, value=1.0,
                           constraints=np.array([-1.0, -np.inf])),
    ])
    assert study.best_trial.number == 1  # the feasible one, though worse
    assert study.trials[1].system_attrs["constraints"] == [-1.0, -math.inf]
    assert study.get_observations().constraints.tolist() == [[1.0, 0.0], [-1.0, -math.inf]]
    with pytest.raises(ValueError, match="study's length 2"):
        study.add_trial(bbopt.create_trial(params={"x": 0.3}, distributions=d, value=1.0,
                                           constraints=[0.0]))
    assert len(study.trials) == 2


@pytest.mark.parametrize(("bad", "error", "words"), [
    ([float("nan")], ValueError, "must not contain NaN"),
    ("ab", TypeError, "must be a sequence of floats"),
    ([], TypeError, "must be a non-empty sequence of real numbers"),
    ([True], TypeError, "must be a non-empty sequence of real numbers"),
])
def test_create_trial_checks_constraints(bad, error, words):
    with pytest.raises(error, match=f"'constraints' parameter of create_trial {words}"):
        bbopt.create_trial(params={}, distributions={}, value=0.0, constraints=bad)


def test_cmaes_ranks_feasible_members_first_then_by_violation():
    from bbopt.samplers._cmaes._sampler import feasible_first

    values = np.array([3.0, -10.0, 1.0, np.inf, 0.5])
    violation = np.array([0.0, 2.0, 0.0, 0.0, 0.1])
    ranked = np.argsort(feasible_first(values, violation), kind="stable")
    assert ranked.tolist() == [2, 0, 4, 1, 3]  # feasible by value, infeasible by violation
    assert feasible_first(values[:2], np.zeros(2)) is not None
    np.testing.assert_array_equal(feasible_first(np.array([4.0, 2.0]), np.array([1.0, 3.0])),
                                  [1.0, 3.0])  # none feasible: the violations alone


def test_cmaes_rebuilt_from_storage_uses_the_recorded_violations(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    make = lambda: CmaEsSampler(seed=1, popsize=6, constraints_func=_disk)  # noqa: E731
    study = bbopt.create_study(storage=url, study_name="s", sampler=make())
    study.optimize(_objective, n_trials=30)
    again = bbopt.load_study(storage=url, study_name="s", sampler=make())
    again.optimize(_objective, n_trials=30)
    late = violations(np.array([_disk(t) for t in again.trials]))[40:]
    assert (late > 0).mean() < 0.5
