"""BboptSearchCV against the real scikit-learn (skipped where it is not installed)."""

import logging

import numpy as np
import pytest

import bbopt

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris, make_regression  # noqa: E402
from sklearn.exceptions import FitFailedWarning  # noqa: E402
from sklearn.linear_model import Ridge, SGDClassifier  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from bbopt.integration import BboptSearchCV  # noqa: E402

SPACE = {"max_depth": bbopt.IntDistribution(1, 6),
         "criterion": bbopt.CategoricalDistribution(["gini", "entropy"])}


def _random(seed=0):
    return bbopt.samplers.RandomSampler(seed=seed)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_fit_gives_sklearn_attributes_and_predicts_with_the_best(iris):
    X, y = iris
    search = BboptSearchCV(DecisionTreeClassifier(random_state=0), SPACE, n_trials=6, cv=3,
                           sampler=_random()).fit(X, y)
    res = search.cv_results_
    assert len(res["params"]) == 6 == len(search.trials_)
    for key in ("split0_test_score", "split2_test_score", "mean_test_score", "std_test_score",
                "rank_test_score", "mean_fit_time", "std_score_time", "param_max_depth"):
        assert len(res[key]) == 6, key
    assert "split0_train_score" not in res
    assert search.best_index_ == int(np.argmax(res["mean_test_score"]))
    assert res["rank_test_score"][search.best_index_] == 1
    assert search.best_score_ == pytest.approx(res["mean_test_score"][search.best_index_])
    assert search.best_params_ == res["params"][search.best_index_]
    assert search.best_params_ == search.best_trial_.params
    # The trial's value is the mean of the fold scores.
    assert [t.value for t in search.trials_] == pytest.approx(list(res["mean_test_score"]))
    assert search.n_splits_ == 3 and search.study_.direction == bbopt.StudyDirection.MAXIMIZE
    np.testing.assert_array_equal(search.predict(X), search.best_estimator_.predict(X))
    np.testing.assert_allclose(search.predict_proba(X), search.best_estimator_.predict_proba(X))
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    assert search.n_features_in_ == 4
    assert search.score(X, y) == pytest.approx(search.best_estimator_.score(X, y))
    assert search.best_estimator_.get_params()["max_depth"] == search.best_params_["max_depth"]
    assert search.refit_time_ >= 0


def test_cross_validated_scores_match_sklearn(iris):
    from sklearn.model_selection import cross_val_score

    X, y = iris
    search = BboptSearchCV(DecisionTreeClassifier(random_state=0), SPACE, n_trials=3, cv=4,
                           sampler=_random(1), return_train_score=True).fit(X, y)
    for i, params in enumerate(search.cv_results_["params"]):
        expected = cross_val_score(DecisionTreeClassifier(random_state=0, **params), X, y, cv=4)
        got = [search.cv_results_[f"split{k}_test_score"][i] for k in range(4)]
        np.testing.assert_allclose(got, expected)
        assert search.cv_results_["mean_train_score"][i] >= 0.5


def test_refit_false_has_best_params_but_no_predict(iris):
    X, y = iris
    search = BboptSearchCV(DecisionTreeClassifier(), SPACE, n_trials=2, cv=2, refit=False,
                           sampler=_random()).fit(X, y)
    assert set(search.best_params_) == set(SPACE)
    assert not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(X)


def test_clone_and_get_params_follow_sklearn():
    search = BboptSearchCV(Ridge(), {"alpha": bbopt.FloatDistribution(1e-3, 10, log=True)},
                           n_trials=3)
    params = search.get_params()
    assert params["n_trials"] == 3 and params["estimator__alpha"] == 1.0
    assert clone(search).get_params()["param_distributions"] == params["param_distributions"]


def test_regression_with_sample_weight_and_a_given_study():
    X, y = make_regression(n_samples=80, n_features=5, noise=5.0, random_state=0)
    study = bbopt.create_study(direction="maximize", sampler=_random(2))
    search = BboptSearchCV(Ridge(), {"alpha": bbopt.FloatDistribution(1e-3, 100, log=True)},
                           n_trials=4, cv=3, study=study, scoring="neg_mean_squared_error")
    search.fit(X, y, sample_weight=np.ones(80))
    assert search.study_ is study and len(study.trials) == 4
    assert search.best_score_ <= 0
    search.fit(X, y)  # a second fit adds trials to the same study; results are its own
    assert len(study.trials) == 8 and len(search.cv_results_["params"]) == 4


def test_pruning_through_partial_fit(iris):
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    X = StandardScaler().fit_transform(X)
    study = bbopt.create_study(direction="maximize", sampler=_random(),
                               pruner=bbopt.pruners.ThresholdPruner(lower=0.75))
    search = BboptSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": bbopt.FloatDistribution(1e-6, 10.0, log=True)},
        n_trials=8, cv=3, enable_pruning=True, max_steps=5, study=study)
    search.fit(X, y)
    res = search.cv_results_
    states = list(res["state"])
    assert "PRUNED" in states and "COMPLETE" in states
    for i, trial in enumerate(search.trials_):
        steps = sorted(trial.intermediate_values)
        assert steps == list(range(res["n_iter"][i]))
        if states[i] == "PRUNED":
            assert min(trial.intermediate_values.values()) < 0.75
            assert res["rank_test_score"][i] == states.count("COMPLETE") + 1
        else:
            assert res["n_iter"][i] == 5
            assert trial.value == pytest.approx(trial.intermediate_values[4])
    assert states[search.best_index_] == "COMPLETE"


def test_pruning_needs_partial_fit(iris):
    with pytest.raises(ValueError, match="enable_pruning.*partial_fit.*DecisionTree"):
        BboptSearchCV(DecisionTreeClassifier(), SPACE, enable_pruning=True).fit(*iris)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"param_distributions": {"max_depth": (1, 5)}}, TypeError, "param_distributions"),
    ({"param_distributions": {}}, TypeError, "param_distributions"),
    ({"n_trials": 0}, ValueError, "n_trials"),
    ({"scoring": ["accuracy", "f1"]}, ValueError, "several metrics"),
    ({"error_score": "skip"}, ValueError, "error_score"),
    ({"refit": "yes"}, TypeError, "refit"),
    ({"study": bbopt.create_study()}, ValueError, "maximizes"),
])
def test_invalid_arguments_are_named(iris, kwargs, error, match):
    args = {"estimator": DecisionTreeClassifier(), "param_distributions": SPACE, **kwargs}
    with pytest.raises(error, match=match):
        BboptSearchCV(**args).fit(*iris)


def test_failed_fits_fail_their_trials_or_raise(iris):
    X, y = iris
    space = {"max_depth": bbopt.IntDistribution(-3, -1)}  # always invalid for the tree
    search = BboptSearchCV(DecisionTreeClassifier(), space, n_trials=2, cv=2, sampler=_random())
    with pytest.warns(FitFailedWarning), pytest.raises(ValueError, match="No trial.*max_depth"):
        search.fit(X, y)
    assert [t.state for t in search.study_.trials] == [bbopt.TrialState.FAIL] * 2
    with pytest.raises(ValueError, match="max_depth"):
        BboptSearchCV(DecisionTreeClassifier(), space, n_trials=2, cv=2, error_score="raise",
                      sampler=_random()).fit(X, y)


def test_per_trial_log_lines_with_verbose(iris):
    X, y = iris
    before = bbopt.logging.get_verbosity()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = bbopt.logging.get_logger("bbopt")
    logger.addHandler(handler)
    try:
        BboptSearchCV(DecisionTreeClassifier(), SPACE, n_trials=3, cv=2, verbose=1,
                      sampler=_random()).fit(X, y)
    finally:
        logger.removeHandler(handler)
    lines = [r.getMessage() for r in records]
    assert sum("Trial" in line and "finished" in line for line in lines) == 3
    assert bbopt.logging.get_verbosity() == before


def _expected_failures(estimator):
    return {"check_supervised_y_2d": "the warning about a column y is raised by the inner "
            "estimator's fits, on each fold"}


@parametrize_with_checks(expected_failed_checks=_expected_failures, estimators=[
    BboptSearchCV(DecisionTreeClassifier(random_state=0),
                  {"max_depth": bbopt.IntDistribution(1, 3)}, n_trials=2, cv=2,
                  random_state=0),
    BboptSearchCV(Ridge(), {"alpha": bbopt.FloatDistribution(0.1, 10.0, log=True)},
                  n_trials=2, cv=2, random_state=0),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_pickled_search_keeps_its_results(iris):
    import pickle

    X, y = iris
    search = BboptSearchCV(DecisionTreeClassifier(), SPACE, n_trials=2, cv=2,
                           sampler=_random()).fit(X, y)
    copy = pickle.loads(pickle.dumps(search))
    assert copy.best_params_ == search.best_params_ and not hasattr(copy, "study_")
    np.testing.assert_array_equal(copy.predict(X), search.predict(X))
