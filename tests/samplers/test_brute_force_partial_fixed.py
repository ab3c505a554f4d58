"""BruteForceSampler and PartialFixedSampler (Optuna's names)."""

from __future__ import annotations

import itertools
import pickle

import pytest

import bbopt
from bbopt.samplers import BruteForceSampler, PartialFixedSampler, RandomSampler, TPESampler


def test_brute_force_tries_each_combination_once_then_stops() -> None:
    study = bbopt.create_study(sampler=BruteForceSampler(seed=1))

    def objective(trial: bbopt.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0, step=0.25)
        n = trial.suggest_int("n", 1, 3)
        c = trial.suggest_categorical("c", ["a", "b"])
        return x + n + (c == "b")

    study.optimize(objective, n_trials=100)
    seen = [(t.params["x"], t.params["n"], t.params["c"]) for t in study.trials]
    expected = set(itertools.product([0.0, 0.25, 0.5, 0.75, 1.0], [1, 2, 3], ["a", "b"]))
    assert len(seen) == len(expected) == 30 and set(seen) == expected
    # Another seed, another order.
    other = bbopt.create_study(sampler=BruteForceSampler(seed=2))
    other.optimize(objective, n_trials=100)
    assert [t.params for t in other.trials] != [t.params for t in study.trials]


def test_brute_force_enumerates_conditional_branches_and_counts_failures() -> None:
    study = bbopt.create_study(sampler=BruteForceSampler(seed=0))

    def objective(trial: bbopt.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["tree", "linear", "none"])
        if kind == "tree":
            depth = trial.suggest_int("depth", 2, 4)
            if depth == 3:
                raise ValueError("a failing branch")
            return float(depth)
        if kind == "linear":
            return float(trial.suggest_categorical("penalty", ["l1", "l2"]) == "l1")
        return 0.0

    study.optimize(objective, n_trials=50, catch=(ValueError,))
    paths = sorted(tuple(sorted(t.params.items())) for t in study.trials)
    assert len(paths) == 6 and len(set(paths)) == 6  # 3 depths + 2 penalties + "none"


def test_brute_force_rejects_a_continuous_parameter_and_pickles() -> None:
    sampler = BruteForceSampler(seed=0)
    study = bbopt.create_study(sampler=pickle.loads(pickle.dumps(sampler)))
    with pytest.raises(ValueError, match="'x' is a continuous"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with pytest.raises(ValueError, match="'seed' parameter of BruteForceSampler"):
        BruteForceSampler(seed=-1)


def test_partial_fixed_fixes_its_parameters_and_leaves_the_rest_to_the_base() -> None:
    sampler = PartialFixedSampler({"y": 2, "kind": "b"}, TPESampler(seed=0))
    study = bbopt.create_study(sampler=sampler)

    def objective(trial: bbopt.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        y = trial.suggest_int("y", -3, 3)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        return x * x + y + (kind == "a")

    study.optimize(objective, n_trials=25)
    assert {(t.params["y"], t.params["kind"]) for t in study.trials} == {(2, "b")}
    assert len({t.params["x"] for t in study.trials}) == 25
    assert study.best_value < 2.5  # TPE still optimises x
    copy = pickle.loads(pickle.dumps(study))
    copy.optimize(objective, n_trials=1)
    assert copy.trials[-1].params["y"] == 2


def test_partial_fixed_value_outside_the_distribution_raises() -> None:
    study = bbopt.create_study(sampler=PartialFixedSampler({"y": 10}, RandomSampler(seed=0)))
    with pytest.raises(ValueError, match="fixed value 10 of parameter 'y' is not in"):
        study.optimize(lambda t: t.suggest_int("y", 0, 3), n_trials=1)


def test_partial_fixed_checks_its_arguments_and_follows_the_base_on_objectives() -> None:
    with pytest.raises(TypeError, match="'fixed_params' parameter of PartialFixedSampler"):
        PartialFixedSampler([("x", 1)], RandomSampler())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'base_sampler' parameter of PartialFixedSampler"):
        PartialFixedSampler({"x": 1}, "tpe")  # type: ignore[arg-type]
    sampler = PartialFixedSampler({"x": 1}, bbopt.samplers.GPSampler())
    assert sampler.supports_multi_objective == bbopt.samplers.GPSampler.supports_multi_objective
