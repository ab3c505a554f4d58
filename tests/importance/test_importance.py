"""Tests of bbopt.importance: known importances, normalisation, seeds, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution, create_trial
from bbopt.importance import (
    MainEffectImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    SobolImportanceEvaluator,
    get_param_importances,
)
from bbopt.importance._ped_anova import _pearson_divergence

SPACE = {
    "x": FloatDistribution(-1.0, 1.0),
    "lr": FloatDistribution(1e-4, 1.0, log=True),
    "n": IntDistribution(0, 9),
    "c": CategoricalDistribution(["a", "b", "c"]),
}
# On uniform random studies, the chance-level correction of PED-ANOVA is right: use it.
EVALUATORS = [PedAnovaImportanceEvaluator(n_baseline=4), MainEffectImportanceEvaluator(seed=0),
              SobolImportanceEvaluator(seed=0)]
EVALUATOR_IDS = ["ped_anova", "main_effect", "sobol"]


def _random_study(func, n_trials=300, seed=0, space=SPACE):
    """A study of ``n_trials`` uniform random points of ``space`` valued by ``func(params)``."""
    rng = np.random.default_rng(seed)
    study = bbopt.create_study()
    for _ in range(n_trials):
        params = {
            "x": rng.uniform(-1, 1),
            "lr": float(np.exp(rng.uniform(np.log(1e-4), 0.0))),
            "n": int(rng.integers(0, 10)),
            "c": ["a", "b", "c"][rng.integers(3)],
        }
        params = {k: v for k, v in params.items() if k in space}
        study.add_trial(create_trial(params=params, distributions=space, value=func(params)))
    return study


@pytest.mark.parametrize("evaluator", EVALUATORS, ids=EVALUATOR_IDS)
def test_function_of_x_only_gives_x_almost_everything(evaluator):
    study = _random_study(lambda p: (p["x"] - 0.3) ** 2)
    imp = get_param_importances(study, evaluator=evaluator)
    assert list(imp)[0] == "x"
    assert imp["x"] > 0.9
    assert math.isclose(sum(imp.values()), 1.0)
    assert list(imp.values()) == sorted(imp.values(), reverse=True)


@pytest.mark.parametrize("evaluator", EVALUATORS, ids=EVALUATOR_IDS)
def test_log_and_categorical_parameters_are_found(evaluator):
    # The value depends on log10(lr) and on the choice; x and n are noise-free but unused.
    values = {"a": 0.0, "b": 3.0, "c": 6.0}
    study = _random_study(lambda p: (np.log10(p["lr"]) + 2) ** 2 + values[p["c"]])
    imp = get_param_importances(study, evaluator=evaluator)
    assert set(list(imp)[:2]) == {"lr", "c"}
    assert imp["x"] + imp["n"] < 0.1


def test_pearson_divergence_by_hand():
    # p = (0.5, 0.5, 0), q uniform over 3: sum q (p/q - 1)^2 = (1/3)(0.25 + 0.25 + 1) = 0.5.
    p = np.log(np.array([0.5, 0.5, 1e-300]))
    q = np.log(np.full(3, 1 / 3))
    assert _pearson_divergence(p, q) == pytest.approx(0.5)
    assert _pearson_divergence(q, q) == pytest.approx(0.0)


def test_main_effect_is_stable_under_a_seed_and_varies_without():
    study = _random_study(lambda p: p["x"] + 0.3 * p["n"], n_trials=120)
    a = MainEffectImportanceEvaluator(seed=3).evaluate(study)
    b = MainEffectImportanceEvaluator(seed=3).evaluate(study)
    c = MainEffectImportanceEvaluator(seed=4).evaluate(study)
    assert a == b
    assert a != c
    assert PedAnovaImportanceEvaluator().evaluate(study) == \
        PedAnovaImportanceEvaluator().evaluate(study)


def test_params_and_target():
    study = _random_study(lambda p: p["x"] ** 2, n_trials=200)
    imp = get_param_importances(study, params=["n", "lr"])
    assert set(imp) == {"n", "lr"}
    # The target depends on n only.
    imp = get_param_importances(study, target=lambda t: float(t.params["n"]))
    assert list(imp)[0] == "n" and imp["n"] > 0.8


def test_one_trial_gives_equal_shares():
    study = _random_study(lambda p: 1.0, n_trials=1)
    assert get_param_importances(study) == {k: 0.25 for k in sorted(SPACE)}


def test_multi_objective_needs_a_target():
    study = bbopt.create_study(directions=["minimize", "maximize"])
    t = study.ask({"x": SPACE["x"]})
    study.tell(t, (1.0, 2.0))
    with pytest.raises(ValueError, match="'target' parameter .* 2 objectives"):
        get_param_importances(study)
    assert get_param_importances(study, target=lambda t: t.values[1]) == {"x": 1.0}


def test_bad_input():
    empty = bbopt.create_study(study_name="empty")
    with pytest.raises(ValueError, match="needs a complete trial: study 'empty' has none"):
        get_param_importances(empty)
    study = _random_study(lambda p: p["x"], n_trials=20)
    with pytest.raises(ValueError, match=r"no complete trial .* used: \['zz'\]"):
        get_param_importances(study, params=["x", "zz"])
    with pytest.raises(ValueError, match="must return finite values"):
        get_param_importances(study, target=lambda t: math.nan)
    with pytest.raises(TypeError, match="'evaluator' parameter"):
        get_param_importances(study, evaluator=object())
    with pytest.raises(ValueError, match="'quantile' parameter .* Got 0.0"):
        PedAnovaImportanceEvaluator(quantile=0.0)
    with pytest.raises(ValueError, match="'subsample' parameter"):
        MainEffectImportanceEvaluator(subsample=1.5)
    with pytest.raises(ValueError, match="'n_samples' parameter of SobolImportanceEvaluator"):
        SobolImportanceEvaluator(n_samples=1)
    with pytest.raises(TypeError, match="'seed' parameter of SobolImportanceEvaluator"):
        SobolImportanceEvaluator(seed=0.5)  # type: ignore[arg-type]


def test_pruned_and_failed_trials_are_ignored():
    study = _random_study(lambda p: p["x"] ** 2, n_trials=100)
    for i in range(30):
        study.add_trial(create_trial(params={"x": 0.0, "lr": 0.1, "n": i % 10, "c": "a"},
                                     distributions=SPACE, state=bbopt.TrialState.FAIL))
    imp = get_param_importances(study)
    assert list(imp)[0] == "x"


def test_main_effect_share_by_hand():
    from bbopt.importance._main_effect import _backfitted_shares

    x = np.array([[0.0], [0.0], [1.0], [1.0]])  # a categorical: group means
    assert _backfitted_shares(x, [True], np.array([0.0, 0.0, 2.0, 2.0]), 1) == pytest.approx([1.0])
    assert _backfitted_shares(x, [True], np.array([0.0, 2.0, 0.0, 2.0]), 1) == pytest.approx([0.0])
    # Means 0.5 and 2.5: between 1.0 of total 1.25; residual 1.0 over 4 - 2 degrees of
    # freedom, times (2 - 1) / 4 for the noise in the means.
    y = np.array([0.0, 1.0, 2.0, 3.0])
    assert _backfitted_shares(x, [True], y, 1) == pytest.approx([(1.0 - 0.125) / 1.25])


def test_running_mean_smoother_by_hand():
    from bbopt.importance._main_effect import _smoother

    x = np.array([3.0, 1.0, np.nan, 2.0, 2.0, 0.0])
    smooth, df = _smoother(x, False, 1)
    r = np.array([6.0, 2.0, 100.0, 3.0, 5.0, 0.0])
    # Rank order 0, 1, 2, 2, 3 with values 0, 2, 3|5, 6: windows of 3 (2 at the ends),
    # then the two 2.0s averaged; the absent row gets 0.
    local = [1.0, 5 / 3, 10 / 3, 14 / 3, 5.5]  # by rank
    expected = [local[4], local[1], 0.0, (local[2] + local[3]) / 2, (local[2] + local[3]) / 2,
                local[0]]
    np.testing.assert_allclose(smooth(r), expected)
    assert df == pytest.approx(1 / 2 + 1 / 3 + 1 / 3 + 1 / 3 + 1 / 2)


def test_main_effects_are_fitted_jointly():
    # y depends on a only; b agrees with a on 10 of 12 rows (a sampler drawing them together).
    # b's own means would differ by 2/3 of a's effect; fitted jointly, b gets nothing.
    from bbopt.importance._main_effect import _backfitted_shares

    a = np.array([0.0] * 6 + [1.0] * 6)
    b = a.copy()
    b[[0, 6]] = 1 - b[[0, 6]]
    shares = _backfitted_shares(np.column_stack([a, b]), [True, True], 3.0 * a, 1)
    assert shares == pytest.approx([1.0, 0.0], abs=1e-6)


def test_ped_anova_binning_of_long_studies_changes_little(monkeypatch):
    from bbopt.importance import _ped_anova

    study = _random_study(lambda p: (p["x"] - 0.3) ** 2 + 0.3 * np.log10(p["lr"]), n_trials=400)
    exact = get_param_importances(study)
    monkeypatch.setattr(_ped_anova, "_N_BINS", 64)  # 400 values of x and lr into 64 bins
    binned = get_param_importances(study)
    assert list(exact)[:2] == list(binned)[:2]
    for name in exact:
        assert binned[name] == pytest.approx(exact[name], abs=0.03)


def _tpe_study(n_trials, seed=0, conditional=False):
    """The issue's case: lr matters, n_layers a little, noise not at all (TPE-sampled)."""
    study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=seed))

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        value = (np.log10(lr) + 3) ** 2
        if conditional and trial.suggest_categorical("deep", [False, True]):
            value += 0.1 * (trial.suggest_int("n_layers", 1, 8) - 4) ** 2 / 16
        elif not conditional:
            value += 0.1 * (trial.suggest_int("n_layers", 1, 8) - 4) ** 2 / 16
        trial.suggest_float("noise", 0.0, 1.0)
        return value

    study.optimize(objective, n_trials=n_trials)
    return study


@pytest.mark.parametrize("n_trials", [40, 200])
def test_default_ranks_a_tpe_study(n_trials):
    # The default (total Sobol indices of a GP over the whole space) ranks the unused
    # 'noise' last; the main-effect evaluator put it above 'n_layers' (true share about
    # 0.003) on 200-trial studies of seeds 0 and 2.
    imp = get_param_importances(_tpe_study(n_trials))
    assert list(imp)[0] == "lr" and imp["lr"] > 0.5
    assert list(imp)[-1] == "noise"


def test_ped_anova_without_baseline_does_not_give_equal_shares_on_tpe():
    imp = get_param_importances(_tpe_study(40), evaluator=PedAnovaImportanceEvaluator())
    assert len(set(np.round(list(imp.values()), 6))) == 3


@pytest.mark.parametrize("evaluator", [
    pytest.param(PedAnovaImportanceEvaluator(), marks=pytest.mark.xfail(
        reason="known defect (issue 18): with the TPE draws of the merged tree, PED-ANOVA "
               "ranks the unused 'noise' first (0.49) on this conditional study", strict=True)),
    MainEffectImportanceEvaluator(seed=0), SobolImportanceEvaluator(seed=0)],
    ids=EVALUATOR_IDS)
def test_conditional_parameter_is_weighted_by_its_use(evaluator):
    # 'n_layers' exists in about half the trials: it is rated on those trials (PED-ANOVA
    # weighs it by their fraction; the GP of the Sobol evaluator learns that it changes
    # nothing elsewhere), so lr stays first.
    study = _tpe_study(100, conditional=True)
    imp = get_param_importances(study, evaluator=evaluator)
    assert list(imp)[0] == "lr", imp


def test_ped_anova_region_and_uniform_reference():
    study = _random_study(lambda p: (p["x"] - 0.3) ** 2, n_trials=200)
    for evaluator in (PedAnovaImportanceEvaluator(region_quantile=0.5),
                      PedAnovaImportanceEvaluator(evaluate_on_local=False, n_baseline=4)):
        assert list(get_param_importances(study, evaluator=evaluator))[0] == "x"
    with pytest.raises(ValueError, match="'region_quantile' parameter"):
        PedAnovaImportanceEvaluator(quantile=0.5, region_quantile=0.4)
    with pytest.raises(TypeError, match="evaluate_on_local"):
        PedAnovaImportanceEvaluator(evaluate_on_local="no")


def test_sobol_finds_a_parameter_that_matters_only_through_an_interaction():
    # x2 has no main effect over the space: it only scales x1's; TPE keeps x1 near its best
    # value, where x2 changes f little. A total Sobol index still ranks x2 above x3.
    def objective(trial):
        x1, x2 = trial.suggest_float("x1", -1, 1), trial.suggest_float("x2", -1, 1)
        x3 = trial.suggest_float("x3", -1, 1)
        trial.suggest_float("noise", -1, 1)
        return 4 * (x1 - 0.1) ** 2 * (1 + 3 * x2 ** 2) + 0.3 * x3

    study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=60)
    imp = get_param_importances(study, evaluator=SobolImportanceEvaluator(seed=0))
    assert list(imp) == ["x1", "x2", "x3", "noise"]


def test_sobol_rates_a_conditional_parameter_where_it_is_used():
    # lr matters only with kind == "sgd" (about half the trials): it and kind share the top.
    def objective(trial):
        if trial.suggest_categorical("kind", ["sgd", "tree"]) == "sgd":
            value = (np.log10(trial.suggest_float("lr", 1e-5, 1, log=True)) + 2.5) ** 2
        else:
            value = 0.01 * trial.suggest_int("depth", 1, 12)
        trial.suggest_float("noise", -1, 1)
        return value

    study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=80)
    raw = SobolImportanceEvaluator(seed=0).evaluate(study)
    assert all(math.isfinite(v) and v >= 0 for v in raw.values())
    imp = get_param_importances(study, evaluator=SobolImportanceEvaluator(seed=0))
    assert set(list(imp)[:2]) == {"kind", "lr"} and list(imp)[-1] == "noise"


def test_sobol_is_stable_under_a_seed_and_zero_on_a_constant_objective():
    study = _random_study(lambda p: p["x"] + 0.3 * p["n"], n_trials=60)
    a = SobolImportanceEvaluator(seed=3).evaluate(study)
    assert a == SobolImportanceEvaluator(seed=3).evaluate(study)
    assert a != SobolImportanceEvaluator(seed=4).evaluate(study)
    # A longer study than max_trials: the GP learns from a random subset of them.
    subset = SobolImportanceEvaluator(max_trials=30, seed=3).evaluate(study)
    assert max(subset, key=subset.get) == max(a, key=a.get) == "n" and subset != a
    flat = _random_study(lambda p: 1.0, n_trials=20)
    assert SobolImportanceEvaluator(seed=0).evaluate(flat) == dict.fromkeys(sorted(SPACE), 0.0)
