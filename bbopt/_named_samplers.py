"""The samplers that `bbopt.minimize` and the command line accept by name.

Apart from `bbopt._minimize` so that the command line reads the names without
importing `minimize` (and the dataclass machinery it loads).
"""

from __future__ import annotations

from collections.abc import Callable

from bbopt import samplers as _samplers
from bbopt.samplers import BaseSampler

#: Sampler names accepted by `minimize` (and the command line), each built with the given
#: seed; each sampler's module is imported when it is first built.
SAMPLERS: dict[str, Callable[[int | None], BaseSampler]] = {
    "auto": lambda seed: _samplers.AutoSampler(seed=seed),
    "tpe": lambda seed: _samplers.TPESampler(seed=seed),
    "random": lambda seed: _samplers.RandomSampler(seed=seed),
    "qmc": lambda seed: _samplers.QMCSampler(seed=seed),
    "gp": lambda seed: _samplers.GPSampler(seed=seed),
}
