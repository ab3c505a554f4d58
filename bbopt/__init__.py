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

The submodules ``importance``, ``visualization``, ``integration``,
``testfunctions``, ``trial``, ``study``, ``distributions``, ``exceptions`` and
``logging``, and `import_optuna`, are loaded on first use
(``bbopt.importance.get_param_importances`` works after a plain ``import
bbopt``), so that ``import bbopt`` stays fast.
"""

import importlib
from typing import Any

from bbopt import callbacks, pruners, samplers, storage
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
from bbopt._study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    load_study,
)
from bbopt._trial import Trial
from bbopt._version import __version__ as __version__

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
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "distribution_from_dict",
    "distribution_from_json",
    "distribution_to_json",
    "distributions",
    "exceptions",
    "get_all_study_names",
    "hypervolume",
    "hypervolume_estimate",
    "import_optuna",
    "importance",
    "integration",
    "load_study",
    "logging",
    "minimize",
    "pruners",
    "samplers",
    "storage",
    "study",
    "testfunctions",
    "trial",
    "visualization",
]

_LAZY_SUBMODULES = frozenset({"importance", "visualization", "trial", "study",
                              "distributions", "exceptions", "logging", "integration",
                              "testfunctions"})
#: Functions loaded with their module on first use.
_LAZY_FUNCTIONS = {"import_optuna": "bbopt._import_optuna"}


def __getattr__(name: str) -> Any:
    """Import a submodule of `_LAZY_SUBMODULES` or `_LAZY_FUNCTIONS` on first access."""
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"bbopt.{name}")
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(_LAZY_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'bbopt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBMODULES | set(_LAZY_FUNCTIONS))
