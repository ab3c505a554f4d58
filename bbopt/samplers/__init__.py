"""Samplers: how the next parameters are chosen."""

from typing import Any

from bbopt.samplers._base import ArraySampler, BaseSampler
from bbopt.samplers._constraints import ConstraintsError
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._grid import GridSampler
from bbopt.samplers._nsga import NSGAIIISampler, NSGAIISampler
from bbopt.samplers._qmc import QMCSampler
from bbopt.samplers._random import RandomSampler
from bbopt.samplers._tpe import TPESampler

__all__ = [
    "ArraySampler",
    "AutoSampler",
    "BaseSampler",
    "CmaEs",
    "CmaEsSampler",
    "ConstraintsError",
    "GPSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "QMCSampler",
    "RandomSampler",
    "SamplingContext",
    "TPESampler",
    "TrustRegionGPSampler",
]

# Loaded on first use: they import scipy.linalg (LAPACK) and scipy.optimize, so that
# `import bbopt` stays fast.
_LAZY = {
    "AutoSampler": "bbopt.samplers._auto",
    "CmaEs": "bbopt.samplers._cmaes",
    "CmaEsSampler": "bbopt.samplers._cmaes",
    "GPSampler": "bbopt.samplers._gp",
    "TrustRegionGPSampler": "bbopt.samplers._trust_region",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        import importlib

        return getattr(importlib.import_module(module_name), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
