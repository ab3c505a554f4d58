"""Samplers: how the next parameters are chosen.

Each sampler is loaded on first use (the GP, CMA-ES and the automatic sampler
import scipy.linalg and scipy.optimize), so that ``import bbopt`` stays fast.
"""

from typing import TYPE_CHECKING

from bbopt._lazy import lazy_names

__all__ = [
    "ArraySampler",
    "AutoSampler",
    "BaseSampler",
    "BruteForceSampler",
    "CmaEs",
    "CmaEsSampler",
    "ConstraintsError",
    "GPSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
    "SamplingContext",
    "TPESampler",
    "TrustRegionGPSampler",
]

# Each name -> the module that defines it.
_LAZY = {
    "ArraySampler": "bbopt.samplers._base",
    "AutoSampler": "bbopt.samplers._auto",
    "BaseSampler": "bbopt.samplers._base",
    "BruteForceSampler": "bbopt.samplers._brute_force",
    "CmaEs": "bbopt.samplers._cmaes",
    "CmaEsSampler": "bbopt.samplers._cmaes",
    "ConstraintsError": "bbopt.samplers._constraints",
    "GPSampler": "bbopt.samplers._gp",
    "GridSampler": "bbopt.samplers._grid",
    "NSGAIIISampler": "bbopt.samplers._nsga",
    "NSGAIISampler": "bbopt.samplers._nsga",
    "PartialFixedSampler": "bbopt.samplers._partial_fixed",
    "QMCSampler": "bbopt.samplers._qmc",
    "RandomSampler": "bbopt.samplers._random",
    "SamplingContext": "bbopt.samplers._context",
    "TPESampler": "bbopt.samplers._tpe",
    "TrustRegionGPSampler": "bbopt.samplers._trust_region",
}

if TYPE_CHECKING:
    from bbopt.samplers._auto import AutoSampler
    from bbopt.samplers._base import ArraySampler, BaseSampler
    from bbopt.samplers._brute_force import BruteForceSampler
    from bbopt.samplers._cmaes import CmaEs, CmaEsSampler
    from bbopt.samplers._constraints import ConstraintsError
    from bbopt.samplers._context import SamplingContext
    from bbopt.samplers._gp import GPSampler
    from bbopt.samplers._grid import GridSampler
    from bbopt.samplers._nsga import NSGAIIISampler, NSGAIISampler
    from bbopt.samplers._partial_fixed import PartialFixedSampler
    from bbopt.samplers._qmc import QMCSampler
    from bbopt.samplers._random import RandomSampler
    from bbopt.samplers._tpe import TPESampler
    from bbopt.samplers._trust_region import TrustRegionGPSampler
else:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY)
