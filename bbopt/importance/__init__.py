"""Parameter importances: which parameters drive the objective of a study.

`get_param_importances` normalises the raw scores of an evaluator:
`MainEffectImportanceEvaluator` (default: fANOVA-style first-order variance
shares, without a random forest; also under Optuna's name
``FanovaImportanceEvaluator``) or `PedAnovaImportanceEvaluator` (on bbopt's
Parzen kernels).
"""

from bbopt.importance._api import ImportanceEvaluator, get_param_importances
from bbopt.importance._main_effect import MainEffectImportanceEvaluator
from bbopt.importance._ped_anova import PedAnovaImportanceEvaluator
from bbopt.importance._sobol import SobolImportanceEvaluator

#: Optuna's name for the fANOVA-style evaluator (bbopt's needs no random forest).
FanovaImportanceEvaluator = MainEffectImportanceEvaluator

__all__ = [
    "FanovaImportanceEvaluator",
    "ImportanceEvaluator",
    "MainEffectImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "SobolImportanceEvaluator",
    "get_param_importances",
]
