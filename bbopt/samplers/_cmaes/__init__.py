"""CMA-ES: the array-level engine (`CmaEs`) and the sampler (`CmaEsSampler`)."""

from bbopt.samplers._cmaes._array import CmaEs
from bbopt.samplers._cmaes._sampler import CmaEsSampler

__all__ = ["CmaEs", "CmaEsSampler"]
