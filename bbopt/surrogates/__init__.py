"""Surrogate models over arrays (the layer between samplers and compiled kernels)."""

from bbopt.surrogates._parzen import ParzenEstimator, ParzenSpace, scott_bandwidth

__all__ = ["ParzenEstimator", "ParzenSpace", "scott_bandwidth"]
