"""Pruners: stop unpromising trials early from their intermediate values.

Each pruner is loaded on first use, so that ``import bbopt`` stays fast.
"""

from typing import TYPE_CHECKING

from bbopt._lazy import lazy_names

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
]

# Each name -> the module that defines it.
_LAZY = {
    "BasePruner": "bbopt.pruners._base",
    "NopPruner": "bbopt.pruners._base",
    "HyperbandPruner": "bbopt.pruners._hyperband",
    "PatientPruner": "bbopt.pruners._patient",
    "MedianPruner": "bbopt.pruners._percentile",
    "PercentilePruner": "bbopt.pruners._percentile",
    "SuccessiveHalvingPruner": "bbopt.pruners._successive_halving",
    "ThresholdPruner": "bbopt.pruners._threshold",
    "WilcoxonPruner": "bbopt.pruners._wilcoxon",
}

if TYPE_CHECKING:
    from bbopt.pruners._base import BasePruner, NopPruner
    from bbopt.pruners._hyperband import HyperbandPruner
    from bbopt.pruners._patient import PatientPruner
    from bbopt.pruners._percentile import MedianPruner, PercentilePruner
    from bbopt.pruners._successive_halving import SuccessiveHalvingPruner
    from bbopt.pruners._threshold import ThresholdPruner
    from bbopt.pruners._wilcoxon import WilcoxonPruner
else:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY)
