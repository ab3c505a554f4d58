"""Pruners: stop unpromising trials early from their intermediate values."""

from bbopt.pruners._base import BasePruner, NopPruner

__all__ = ["BasePruner", "NopPruner"]
