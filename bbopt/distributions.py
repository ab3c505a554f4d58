"""Distributions of parameters, as ``optuna.distributions``.

Examples
--------
>>> from bbopt.distributions import FloatDistribution, json_to_distribution
>>> from bbopt.distributions import distribution_to_json
>>> d = FloatDistribution(1e-4, 1.0, log=True)
>>> json_to_distribution(distribution_to_json(d)) == d
True
"""

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_from_dict,
    distribution_from_json,
    distribution_to_json,
)

#: Optuna's name for `distribution_from_json`.
json_to_distribution = distribution_from_json

__all__ = [
    "BaseDistribution",
    "CategoricalDistribution",
    "FloatDistribution",
    "IntDistribution",
    "distribution_from_dict",
    "distribution_from_json",
    "distribution_to_json",
    "json_to_distribution",
]
