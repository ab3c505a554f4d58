"""MeanDecreaseImpurityImportanceEvaluator: a NumPy random forest's impurity decrease."""

from __future__ import annotations

import numpy as np
import pytest

import bbopt
from bbopt.importance import MeanDecreaseImpurityImportanceEvaluator, get_param_importances
from bbopt.importance._mdi import _tree_gains


def _study(n_trials: int = 80) -> bbopt.Study:
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=3))

    def objective(trial: bbopt.Trial) -> float:
        a = trial.suggest_float("a", -1, 1)
        b = trial.suggest_int("b", 0, 5)
        trial.suggest_float("noise", 0, 1)
        if trial.suggest_categorical("deep", [False, True]):
            return 3 * a * a + 0.3 * b + trial.suggest_float("lr", 1e-4, 1e-1, log=True) * 0.0
        return 3 * a * a + 0.3 * b

    study.optimize(objective, n_trials=n_trials)
    return study


def test_ranks_by_effect_and_is_a_function_of_the_seed() -> None:
    study = _study()
    evaluator = MeanDecreaseImpurityImportanceEvaluator(n_trees=16, seed=0)
    raw = evaluator.evaluate(study)
    assert sum(raw.values()) == pytest.approx(1.0)
    imp = get_param_importances(study, evaluator=evaluator)
    assert list(imp)[:2] == ["a", "b"] and imp["a"] > 0.5
    assert raw == MeanDecreaseImpurityImportanceEvaluator(n_trees=16, seed=0).evaluate(study)
    only = evaluator.evaluate(study, params=["noise", "a"])
    assert list(only) == ["noise", "a"] and only["a"] > only["noise"]


def test_one_tree_on_a_step_function_gives_all_to_the_step() -> None:
    x = np.column_stack([np.repeat([0.0, 1.0], 5), np.arange(10.0) % 3])
    y = np.repeat([0.0, 4.0], 5)
    gains = _tree_gains(x, y, 64, np.random.default_rng(0))
    # Variance reduction of the one useful split: 10 * var(y) = 40; the other column gains 0.
    assert gains.tolist() == pytest.approx([40.0, 0.0])


def test_constant_objective_and_arguments() -> None:
    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: 0 * t.suggest_float("x", 0, 1), n_trials=5)
    assert MeanDecreaseImpurityImportanceEvaluator(n_trees=2).evaluate(study) == {"x": 0.0}
    with pytest.raises(ValueError, match="'n_trees' parameter of MeanDecreaseImpurity"):
        MeanDecreaseImpurityImportanceEvaluator(n_trees=0)
    with pytest.raises(ValueError, match="'seed' parameter of MeanDecreaseImpurity"):
        MeanDecreaseImpurityImportanceEvaluator(seed=-2)
