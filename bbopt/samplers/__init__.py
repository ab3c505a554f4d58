"""Samplers: how the next parameters are chosen."""

from typing import Any

from bbopt.samplers._base import ArraySampler, BaseSampler
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._grid import GridSampler
from bbopt.samplers._qmc import QMCSampler
from bbopt.samplers._random import RandomSampler
from bbopt.samplers._tpe import TPESampler

__all__ = [
    "ArraySampler",
    "BaseSampler",
    "GPSampler",
    "GridSampler",
    "QMCSampler",
    "RandomSampler",
    "SamplingContext",
    "TPESampler",
]


def __getattr__(name: str) -> Any:
    # GPSampler imports scipy.optimize and scipy.linalg: loaded on first use, so that
    # `import bbopt` stays fast.
    if name == "GPSampler":
        from bbopt.samplers._gp import GPSampler

        return GPSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
