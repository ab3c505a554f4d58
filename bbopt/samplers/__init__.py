"""Samplers: how the next parameters are chosen."""

from bbopt.samplers._base import ArraySampler, BaseSampler
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._gp import GPSampler
from bbopt.samplers._grid import GridSampler
from bbopt.samplers._nsga import NSGAIIISampler, NSGAIISampler
from bbopt.samplers._qmc import QMCSampler
from bbopt.samplers._random import RandomSampler
from bbopt.samplers._tpe import TPESampler

__all__ = [
    "ArraySampler",
    "BaseSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "QMCSampler",
    "RandomSampler",
    "SamplingContext",
    "TPESampler",
]
