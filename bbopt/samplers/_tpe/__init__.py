"""Tree-structured Parzen Estimator (TPE) sampler: the bandwidth and weight rules,
the incremental model of a group of parameters, and the sampler."""

from bbopt.samplers._tpe._sampler import TPESampler

__all__ = ["TPESampler"]
