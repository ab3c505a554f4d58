"""`XGBoostPruningCallback`: prune XGBoost training from an evaluation metric.

Imports xgboost at its top: `bbopt.integration` loads it on first use.
"""

from __future__ import annotations

from typing import Any

import xgboost

from bbopt._trial import Trial
from bbopt.integration._report import check_trial, report_and_prune

_OWNER = "XGBoostPruningCallback"


class XGBoostPruningCallback(xgboost.callback.TrainingCallback):  # type: ignore[misc]
    """Report an evaluation metric to a trial after each boosting round, and prune.

    Pass an instance in ``callbacks`` of ``xgboost.train`` or ``xgboost.cv`` (the
    mean over the folds is reported), or of a scikit-learn-API model
    (``XGBClassifier(callbacks=[...])``). After each round, the metric named by
    ``observation_key`` is reported at step = round index; when the study's
    pruner says so, `bbopt.TrialPruned` is raised out of the training and
    ``study.optimize`` ends the trial as PRUNED. The direction of the metric
    must be the study's (minimize a loss, maximize ``auc``).

    Parameters
    ----------
    trial : Trial
        The running trial of the objective.
    observation_key : str
        ``"<data name>-<metric>"`` as XGBoost prints it: ``"validation-logloss"``
        for ``evals=[(dvalid, "validation")]``, ``"validation_0-logloss"`` with the
        scikit-learn API, ``"test-auc"`` under ``xgboost.cv``.

    Raises
    ------
    ValueError
        At the first round if XGBoost does not evaluate ``observation_key``.

    Examples
    --------
    >>> import bbopt
    >>> import xgboost as xgb
    >>> from sklearn.datasets import load_breast_cancer
    >>> from bbopt.integration import XGBoostPruningCallback
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> dtrain, dvalid = xgb.DMatrix(X[::2], y[::2]), xgb.DMatrix(X[1::2], y[1::2])
    >>> def objective(trial):
    ...     params = {"objective": "binary:logistic", "eval_metric": "logloss",
    ...               "eta": trial.suggest_float("eta", 1e-3, 0.3, log=True)}
    ...     history = {}
    ...     xgb.train(params, dtrain, num_boost_round=20, evals=[(dvalid, "validation")],
    ...               evals_result=history, verbose_eval=False,
    ...               callbacks=[XGBoostPruningCallback(trial, "validation-logloss")])
    ...     return history["validation"]["logloss"][-1]
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=4)
    >>> study.best_value < 0.5
    True
    """

    def __init__(self, trial: Trial, observation_key: str) -> None:
        super().__init__()
        self._trial = check_trial(trial, _OWNER)
        if not isinstance(observation_key, str) or "-" not in observation_key:
            raise ValueError(
                f"The 'observation_key' parameter of {_OWNER} must be '<data name>-<metric>'. "
                f"Got {observation_key!r} instead."
            )
        self._key = observation_key

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        """Called by XGBoost after each round; returns False (training goes on) or raises."""
        for data_name, metrics in evals_log.items():
            for metric, history in metrics.items():
                if f"{data_name}-{metric}" != self._key:
                    continue
                last = history[-1]
                value = last[0] if isinstance(last, tuple) else last  # (mean, std) under cv
                report_and_prune(self._trial, float(value), int(epoch), self._key)
                return False
        seen = sorted(f"{d}-{m}" for d, metrics in evals_log.items() for m in metrics)
        raise ValueError(
            f"The 'observation_key' parameter of {_OWNER} must name a metric XGBoost "
            f"evaluates: {self._key!r} is not among {seen}."
        )
