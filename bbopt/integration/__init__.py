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

import importlib
from typing import Any

__all__ = [
    "BboptSearchCV",
    "LightGBMPruningCallback",
    "PyTorchPruningCallback",
    "XGBoostPruningCallback",
]

_MODULES = {
    "BboptSearchCV": "bbopt.integration._sklearn",
    "LightGBMPruningCallback": "bbopt.integration._lightgbm",
    "PyTorchPruningCallback": "bbopt.integration._torch",
    "XGBoostPruningCallback": "bbopt.integration._xgboost",
}


def __getattr__(name: str) -> Any:
    """Import the module of an integration on first access (PEP 562)."""
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name]), name)
    raise AttributeError(f"module 'bbopt.integration' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
