"""Pruners: stop unpromising trials early from their intermediate values."""

from bbopt.pruners._base import BasePruner, NopPruner
from bbopt.pruners._hyperband import HyperbandPruner
from bbopt.pruners._patient import PatientPruner
from bbopt.pruners._percentile import MedianPruner, PercentilePruner
from bbopt.pruners._successive_halving import SuccessiveHalvingPruner
from bbopt.pruners._threshold import ThresholdPruner

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
]
