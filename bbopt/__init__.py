"""bbopt: black-box optimization with compiled surrogates.

Examples
--------
>>> import bbopt
>>> def objective(trial):
...     x = trial.suggest_float("x", -10, 10)
...     return (x - 2) ** 2
>>> study = bbopt.create_study(sampler=bbopt.samplers.QMCSampler(seed=0))
>>> study.optimize(objective, n_trials=64)
>>> round(study.best_params["x"])
2
"""

from bbopt import callbacks, pruners, samplers, storage, testfunctions
from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_from_dict,
    distribution_from_json,
    distribution_to_json,
)
from bbopt._exceptions import TrialPruned
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState, create_trial
from bbopt._minimize import OptimizeResult, minimize
from bbopt._multi_objective import HypervolumeEstimate, hypervolume, hypervolume_estimate
from bbopt._study import Study, create_study, delete_study, load_study
from bbopt._trial import Trial

__version__ = "0.1.0"

__all__ = [
    "BaseDistribution",
    "CategoricalDistribution",
    "FloatDistribution",
    "FrozenTrial",
    "HypervolumeEstimate",
    "IntDistribution",
    "OptimizeResult",
    "Study",
    "StudyDirection",
    "Trial",
    "TrialPruned",
    "TrialState",
    "callbacks",
    "create_study",
    "create_trial",
    "delete_study",
    "distribution_from_dict",
    "distribution_from_json",
    "distribution_to_json",
    "hypervolume",
    "hypervolume_estimate",
    "load_study",
    "minimize",
    "pruners",
    "samplers",
    "storage",
    "testfunctions",
]
