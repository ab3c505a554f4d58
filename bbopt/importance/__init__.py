"""Parameter importances: which parameters drive the objective of a study.

`get_param_importances` normalises the raw scores of an evaluator:
`SobolImportanceEvaluator` (default: fANOVA-style total variance shares over
the whole search space, of a GP fitted to the trials; also under Optuna's name
``FanovaImportanceEvaluator``), `MainEffectImportanceEvaluator` (first-order
shares of an additive model of the trials) or `PedAnovaImportanceEvaluator`
(on bbopt's Parzen kernels) or `MeanDecreaseImpurityImportanceEvaluator` (a
random forest's impurity decrease, as Optuna's of that name).
"""

from bbopt.importance._api import ImportanceEvaluator, get_param_importances
from bbopt.importance._main_effect import MainEffectImportanceEvaluator
from bbopt.importance._mdi import MeanDecreaseImpurityImportanceEvaluator
from bbopt.importance._ped_anova import PedAnovaImportanceEvaluator
from bbopt.importance._sobol import SobolImportanceEvaluator

#: Optuna's name for the fANOVA-style evaluator (bbopt's fits a GP, not a random forest).
FanovaImportanceEvaluator = SobolImportanceEvaluator

__all__ = [
    "FanovaImportanceEvaluator",
    "ImportanceEvaluator",
    "MainEffectImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "SobolImportanceEvaluator",
    "get_param_importances",
]
