"""The base of samplers that draw the study's shared search space jointly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bbopt._distributions import BaseDistribution
from bbopt._frozen import TrialState
from bbopt.samplers._base import ArraySampler, BaseSampler
from bbopt.samplers._constraints import ConstraintsFunc
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._random import RandomSampler


class JointSampler(ArraySampler):
    """A sampler of the shared search space; other parameters go to an independent sampler.

    The joint space is every parameter, with the same distribution, of every
    complete trial (single-valued ones excluded), in name order. Parameters
    outside it, and the trials before the joint draw starts, are drawn by
    ``self._independent``, which also gets the per-trial hooks. Subclasses
    call `_set_independent` in their constructor and implement `sample_joint`.
    A subclass that takes ``constraints_func`` sets ``_constraints_func``
    (`bbopt.Study.tell` records the values, see samplers/_constraints.py).
    """

    _independent: BaseSampler
    _rng: np.random.Generator
    _constraints_func: ConstraintsFunc | None = None

    def _set_independent(self, sampler: Any, seed: int | None, owner: str) -> None:
        """Check and keep the ``independent_sampler`` argument (RandomSampler by default)."""
        if sampler is not None and not isinstance(sampler, BaseSampler):
            raise TypeError(
                f"The 'independent_sampler' parameter of {owner} must be a BaseSampler. "
                f"Got {sampler!r} instead."
            )
        self._independent = sampler or RandomSampler(seed)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        self._independent.reseed_rng(seed)

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        space = context.observations.shared_search_space()
        return {name: space[name] for name in sorted(space) if not space[name].single()}

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        return self._independent.sample_one(context, name, distribution)

    def begin(self, context: SamplingContext) -> None:
        self._independent.begin(context)

    def end(
        self, context: SamplingContext, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._independent.end(context, state, values)
