"""`LightGBMPruningCallback`: prune LightGBM training from its validation metric."""

from __future__ import annotations

from typing import Any

from bbopt._frozen import StudyDirection
from bbopt._trial import Trial
from bbopt.integration._report import check_trial, report_and_prune

_OWNER = "LightGBMPruningCallback"


class LightGBMPruningCallback:
    """Report a validation metric to a trial after each boosting round, and prune.

    Pass an instance in ``callbacks`` of ``lightgbm.train`` (or of
    ``lightgbm.cv``, where the mean over the folds is reported, or of the
    scikit-learn API's ``fit``). After each round, the value of ``metric`` on
    the validation set ``valid_name`` is reported at step = round index;
    when the study's pruner says so, `bbopt.TrialPruned` is raised and
    ``study.optimize`` ends the trial as PRUNED.

    Parameters
    ----------
    trial : Trial
        The running trial of the objective.
    metric : str
        A metric LightGBM evaluates, as it names it (``"binary_logloss"``, ``"auc"``, ``"l2"``...).
    valid_name : str, default "valid_0"
        Name of the validation set (``valid_names`` of ``lightgbm.train``;
        ``"valid"`` under ``lightgbm.cv``).

    Raises
    ------
    ValueError
        At the first round if LightGBM does not evaluate ``metric`` on
        ``valid_name``, or if the metric's direction (higher or lower is
        better) differs from the study's.

    Examples
    --------
    >>> import bbopt
    >>> import lightgbm as lgb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from bbopt.integration import LightGBMPruningCallback
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> train, valid = lgb.Dataset(X[::2], y[::2]), lgb.Dataset(X[1::2], y[1::2])
    >>> def objective(trial):
    ...     params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
    ...               "learning_rate": trial.suggest_float("learning_rate", 1e-3, 0.3, log=True)}
    ...     booster = lgb.train(params, train, num_boost_round=20, valid_sets=[valid],
    ...                         callbacks=[LightGBMPruningCallback(trial, "binary_logloss")])
    ...     return booster.best_score["valid_0"]["binary_logloss"]
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=4)
    >>> study.best_value < 0.5
    True
    """

    def __init__(self, trial: Trial, metric: str, valid_name: str = "valid_0") -> None:
        self._trial = check_trial(trial, _OWNER)
        for name, value in (("metric", metric), ("valid_name", valid_name)):
            if not isinstance(value, str):
                raise TypeError(
                    f"The '{name}' parameter of {_OWNER} must be a str. Got {value!r} instead."
                )
        self._metric = metric
        self._valid_name = valid_name

    def __call__(self, env: Any) -> None:
        """Called by LightGBM after each round with its ``CallbackEnv``."""
        for entry in env.evaluation_result_list:
            # (data name, metric, value, higher is better[, std under lightgbm.cv])
            data_name, metric, value, higher_is_better = entry[:4]
            if metric != self._metric or data_name not in (self._valid_name, "cv_agg"):
                continue
            wanted = StudyDirection.MAXIMIZE if higher_is_better else StudyDirection.MINIMIZE
            if self._trial.study.direction != wanted:
                better = "higher" if higher_is_better else "lower"
                raise ValueError(
                    f"The metric {metric!r} is better when {better}, but the study is to "
                    f"{self._trial.study.direction.name.lower()}: create the study with the "
                    "metric's direction."
                )
            report_and_prune(self._trial, float(value), int(env.iteration), metric)
            return
        seen = sorted({f"{e[0]}/{e[1]}" for e in env.evaluation_result_list})
        raise ValueError(
            f"The 'metric' and 'valid_name' parameters of {_OWNER} must name a metric LightGBM "
            f"evaluates: {self._valid_name}/{self._metric} is not among {seen}."
        )
