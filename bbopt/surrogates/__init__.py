"""Surrogate models over arrays (the layer between samplers and compiled kernels)."""

from bbopt.surrogates._gp import GaussianProcess, GPPrior, default_prior
from bbopt.surrogates._parzen import ParzenEstimator, ParzenSpace, scott_bandwidth

__all__ = [
    "GPPrior",
    "GaussianProcess",
    "default_prior",
    "ParzenEstimator",
    "ParzenSpace",
    "scott_bandwidth",
]
