"""Surrogate models over arrays (the layer between samplers and compiled kernels)."""

from typing import Any

from bbopt.surrogates._parzen import ParzenEstimator, ParzenSpace, scott_bandwidth

__all__ = [
    "GPPrior",
    "GaussianProcess",
    "default_prior",
    "ParzenEstimator",
    "ParzenSpace",
    "scott_bandwidth",
]

_GP_NAMES = ("GPPrior", "GaussianProcess", "default_prior")


def __getattr__(name: str) -> Any:
    # The GP imports scipy.optimize and scipy.linalg: loaded on first use.
    if name in _GP_NAMES:
        from bbopt.surrogates import _gp

        return getattr(_gp, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
