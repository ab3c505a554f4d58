"""Integrations with machine-learning libraries, each loaded on first use.

- `BboptSearchCV`: a scikit-learn hyperparameter search driven by a study
  (needs scikit-learn: ``pip install bbopt[sklearn]``).
- `XGBoostPruningCallback` (``bbopt[xgboost]``) and `LightGBMPruningCallback`
  (``bbopt[lightgbm]``): prune gradient boosting from a validation metric.
- `PyTorchPruningCallback`: prune a PyTorch training loop (``bbopt[torch]``).

``import bbopt.integration`` imports none of these libraries; each is imported
when its class is first accessed. Trials finished by ``study.optimize`` are
logged one INFO line each on the ``bbopt`` logger
(``bbopt.logging.set_verbosity(bbopt.logging.INFO)``).
"""

from typing import TYPE_CHECKING

from bbopt._lazy import lazy_names

__all__ = [
    "BboptSearchCV",
    "LightGBMPruningCallback",
    "PyTorchPruningCallback",
    "XGBoostPruningCallback",
]

# Each name -> the module that defines it.
_LAZY = {
    "BboptSearchCV": "bbopt.integration._sklearn",
    "LightGBMPruningCallback": "bbopt.integration._lightgbm",
    "PyTorchPruningCallback": "bbopt.integration._torch",
    "XGBoostPruningCallback": "bbopt.integration._xgboost",
}

if TYPE_CHECKING:
    from bbopt.integration._lightgbm import LightGBMPruningCallback
    from bbopt.integration._sklearn import BboptSearchCV
    from bbopt.integration._torch import PyTorchPruningCallback
    from bbopt.integration._xgboost import XGBoostPruningCallback
else:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY)
