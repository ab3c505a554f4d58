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

Every name of the package, and every submodule (``samplers``, ``importance``,
``visualization``...), is loaded on its first use: ``import bbopt`` imports
neither numpy nor scipy, so that it, and every ``bbopt`` command, starts fast;
``bbopt.importance.get_param_importances`` works after a plain ``import bbopt``.
"""

from typing import TYPE_CHECKING

from bbopt._lazy import lazy_names
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
    "storages",
    "study",
    "testfunctions",
    "trial",
    "visualization",
]

# Each name -> the module that defines it (None: the submodule bbopt.<name>).
_LAZY = {
    "BaseDistribution": "bbopt._distributions",
    "CategoricalDistribution": "bbopt._distributions",
    "FloatDistribution": "bbopt._distributions",
    "IntDistribution": "bbopt._distributions",
    "distribution_from_dict": "bbopt._distributions",
    "distribution_from_json": "bbopt._distributions",
    "distribution_to_json": "bbopt._distributions",
    "TrialPruned": "bbopt._exceptions",
    "FrozenTrial": "bbopt._frozen",
    "StudyDirection": "bbopt._frozen",
    "TrialState": "bbopt._frozen",
    "create_trial": "bbopt._frozen",
    "import_optuna": "bbopt._import_optuna",
    "OptimizeResult": "bbopt._minimize",
    "minimize": "bbopt._minimize",
    "HypervolumeEstimate": "bbopt._multi_objective",
    "hypervolume": "bbopt._multi_objective",
    "hypervolume_estimate": "bbopt._multi_objective",
    "Study": "bbopt._study",
    "copy_study": "bbopt._study",
    "create_study": "bbopt._study",
    "delete_study": "bbopt._study",
    "get_all_study_names": "bbopt._study",
    "load_study": "bbopt._study",
    "Trial": "bbopt._trial",
    **dict.fromkeys(["callbacks", "distributions", "exceptions", "importance", "integration",
                     "logging", "pruners", "samplers", "storage", "storages", "study",
                     "testfunctions",
                     "trial", "visualization"]),
}

if TYPE_CHECKING:
    from bbopt import (
        callbacks,
        distributions,
        exceptions,
        importance,
        integration,
        logging,
        pruners,
        samplers,
        storage,
        storages,
        study,
        testfunctions,
        trial,
        visualization,
    )
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
    from bbopt._import_optuna import import_optuna
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
else:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY)
