"""Pruning callbacks against the real XGBoost and LightGBM (each skipped where missing)."""

import numpy as np
import pytest

import bbopt

sklearn_datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def data():
    X, y = sklearn_datasets.load_breast_cancer(return_X_y=True)
    return X[::2], y[::2], X[1::2], y[1::2]


def _run(objective, pruner, direction="minimize", n_trials=1):
    study = bbopt.create_study(direction=direction, pruner=pruner,
                               sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=n_trials)
    return study


# -- XGBoost ---------------------------------------------------------------
def _xgb_train(trial, data, key="validation-logloss", rounds=8, **kwargs):
    xgb = pytest.importorskip("xgboost")
    from bbopt.integration import XGBoostPruningCallback

    X, y, Xv, yv = data
    history = {}
    xgb.train({"objective": "binary:logistic", "eval_metric": "logloss", "eta": 0.3,
               "nthread": 1}, xgb.DMatrix(X, y), num_boost_round=rounds,
              evals=[(xgb.DMatrix(Xv, yv), "validation")], evals_result=history,
              verbose_eval=False, callbacks=[XGBoostPruningCallback(trial, key)], **kwargs)
    return history["validation"]["logloss"][-1]


def test_xgboost_reports_each_round(data):
    study = _run(lambda t: _xgb_train(t, data), bbopt.pruners.NopPruner())
    trial = study.trials[0]
    assert trial.state == bbopt.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == list(range(8))
    assert trial.intermediate_values[7] == pytest.approx(trial.value)


def test_xgboost_prunes_when_the_pruner_says_so(data):
    # Log loss stays far above 0.05 in 8 rounds: the threshold prunes at round 0.
    study = _run(lambda t: _xgb_train(t, data), bbopt.pruners.ThresholdPruner(upper=0.05))
    trial = study.trials[0]
    assert trial.state == bbopt.TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]


def test_xgboost_cv_and_sklearn_api(data):
    xgb = pytest.importorskip("xgboost")
    from bbopt.integration import XGBoostPruningCallback

    X, y, Xv, yv = data

    def cv_objective(trial):
        result = xgb.cv({"objective": "binary:logistic", "eval_metric": "auc", "nthread": 1},
                        xgb.DMatrix(X, y), num_boost_round=4, nfold=3, seed=0,
                        callbacks=[XGBoostPruningCallback(trial, "test-auc")])
        return float(result["test-auc-mean"].iloc[-1])

    trial = _run(cv_objective, bbopt.pruners.NopPruner(), direction="maximize").trials[0]
    assert sorted(trial.intermediate_values) == [0, 1, 2, 3]
    assert trial.intermediate_values[3] == pytest.approx(trial.value)

    def sklearn_objective(trial):
        model = xgb.XGBClassifier(n_estimators=5, n_jobs=1, eval_metric="logloss",
                                  callbacks=[XGBoostPruningCallback(trial,
                                                                    "validation_0-logloss")])
        model.fit(X, y, eval_set=[(Xv, yv)], verbose=False)
        return model.evals_result()["validation_0"]["logloss"][-1]

    trial = _run(sklearn_objective, bbopt.pruners.NopPruner()).trials[0]
    assert sorted(trial.intermediate_values) == list(range(5))


def test_xgboost_unknown_key_is_named(data):
    pytest.importorskip("xgboost")
    from bbopt.integration import XGBoostPruningCallback

    with pytest.raises(ValueError, match="'validation-auc' is not among.*validation-logloss"):
        _run(lambda t: _xgb_train(t, data, key="validation-auc"), bbopt.pruners.NopPruner())
    with pytest.raises(ValueError, match="observation_key"):
        XGBoostPruningCallback(bbopt.create_study().ask(), "logloss")
    with pytest.raises(TypeError, match="'trial' parameter of XGBoostPruningCallback"):
        XGBoostPruningCallback("trial", "validation-logloss")


# -- LightGBM --------------------------------------------------------------
def _lgb_train(trial, data, metric="binary_logloss", valid_name="valid_0", rounds=8):
    lgb = pytest.importorskip("lightgbm")
    from bbopt.integration import LightGBMPruningCallback

    X, y, Xv, yv = data
    params = {"objective": "binary", "metric": ["binary_logloss", "auc"], "verbosity": -1,
              "num_threads": 1, "learning_rate": 0.2}
    booster = lgb.train(params, lgb.Dataset(X, y), num_boost_round=rounds,
                        valid_sets=[lgb.Dataset(Xv, yv)],
                        callbacks=[LightGBMPruningCallback(trial, metric, valid_name)])
    return booster.best_score["valid_0"][metric]


def test_lightgbm_reports_and_prunes(data):
    study = _run(lambda t: _lgb_train(t, data), bbopt.pruners.NopPruner())
    trial = study.trials[0]
    assert trial.state == bbopt.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == list(range(8))
    assert trial.intermediate_values[7] == pytest.approx(trial.value)
    study = _run(lambda t: _lgb_train(t, data), bbopt.pruners.ThresholdPruner(upper=0.05))
    assert study.trials[0].state == bbopt.TrialState.PRUNED
    assert list(study.trials[0].intermediate_values) == [0]


def test_lightgbm_cv_reports_the_mean(data):
    lgb = pytest.importorskip("lightgbm")
    from bbopt.integration import LightGBMPruningCallback

    X, y, _, _ = data

    def objective(trial):
        result = lgb.cv({"objective": "binary", "metric": "auc", "verbosity": -1,
                         "num_threads": 1}, lgb.Dataset(X, y), num_boost_round=3, nfold=3,
                        seed=0, callbacks=[LightGBMPruningCallback(trial, "auc", "valid")])
        return result["valid auc-mean"][-1]

    trial = _run(objective, bbopt.pruners.NopPruner(), direction="maximize").trials[0]
    assert sorted(trial.intermediate_values) == [0, 1, 2]
    assert trial.intermediate_values[2] == pytest.approx(trial.value)


def test_lightgbm_wrong_metric_or_direction_is_named(data):
    pytest.importorskip("lightgbm")
    with pytest.raises(ValueError, match="valid_0/l2 is not among.*valid_0/auc"):
        _run(lambda t: _lgb_train(t, data, metric="l2"), bbopt.pruners.NopPruner())
    with pytest.raises(ValueError, match="'auc' is better when higher.*minimize"):
        _run(lambda t: _lgb_train(t, data, metric="auc"), bbopt.pruners.NopPruner())


def test_non_finite_metric_prunes():
    from bbopt.integration._report import report_and_prune

    study = bbopt.create_study()
    trial = study.ask()
    with pytest.raises(bbopt.TrialPruned, match="loss is nan at step 3"):
        report_and_prune(trial, float("nan"), 3, "loss")
    assert trial.intermediate_values == {}
    report_and_prune(trial, 1.5, 0, "loss")  # the default pruner waits for other trials
    assert trial.intermediate_values == {0: 1.5}
    assert np.isfinite(trial.intermediate_values[0])
