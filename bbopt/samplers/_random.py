"""Uniform random sampling."""

from __future__ import annotations

import numpy as np

from bbopt._distributions import BaseDistribution
from bbopt._validation import ensure_seed
from bbopt.samplers._base import ArraySampler
from bbopt.samplers._constraints import ConstraintsFunc, check_constraints_func
from bbopt.samplers._context import SamplingContext

# Uniform draws are taken from numpy in blocks of this size and handed out
# one by one: a scalar draw per call would dominate the cost of a suggestion.
_BLOCK = 4096


class RandomSampler(ArraySampler):
    """Draw every parameter independently and uniformly.

    Floats and ints with ``log=True`` are uniform in log space; step grids,
    ints and categoricals are uniform over their values.

    Parameters
    ----------
    seed : int, optional
        Seed of the random stream; the same seed gives the same suggestions.
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats``, called with the
        `bbopt.FrozenTrial` of each trial that finishes COMPLETE or PRUNED;
        the trial is feasible when all values are <= 0. The values are kept
        with the trial (``system_attrs["constraints"]``) for `bbopt.Study.best_trial`
        and the other samplers; they do not change random draws.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=20)
    >>> len(study.trials)
    20
    """

    def __init__(self, seed: int | None = None,
                 constraints_func: ConstraintsFunc | None = None) -> None:
        self._seed = ensure_seed(seed, "RandomSampler")
        self._constraints_func = check_constraints_func(constraints_func, "RandomSampler")
        self.reseed_rng(self._seed)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        self._uniforms: list[float] = []

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        low, high = distribution._internal_bounds  # internal_bounds(), without the call
        uniforms = self._uniforms
        if not uniforms:
            uniforms = self._uniforms = self._rng.random(_BLOCK).tolist()
        u = uniforms.pop()
        return low * (1.0 - u) + high * u  # no overflow when high - low exceeds the float range

    def sample_array(
        self, context: SamplingContext, space: dict[str, BaseDistribution], n: int
    ) -> np.ndarray:
        bounds = np.array([distribution.internal_bounds() for distribution in space.values()])
        u = self._rng.random((n, len(space)))
        lows = 1.0 - u  # low * (1 - u) + high * u, as sample_one, in two buffers
        lows *= bounds[:, 0]
        u *= bounds[:, 1]
        u += lows
        return u
