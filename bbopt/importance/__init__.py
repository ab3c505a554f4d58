"""Parameter importances: which parameters drive the objective of a study.

`get_param_importances` normalises the raw scores of an evaluator:
`PedAnovaImportanceEvaluator` (default, on bbopt's Parzen kernels) or
`MainEffectImportanceEvaluator` (fANOVA-style first-order variance shares).
"""

from bbopt.importance._api import ImportanceEvaluator, get_param_importances
from bbopt.importance._main_effect import MainEffectImportanceEvaluator
from bbopt.importance._ped_anova import PedAnovaImportanceEvaluator

__all__ = [
    "ImportanceEvaluator",
    "MainEffectImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]
