"""CMA-ES: the array-level engine (`CmaEs`) and the sampler (`CmaEsSampler`)."""

from bbopt.samplers._cmaes._array import CmaEs

__all__ = ["CmaEs"]
