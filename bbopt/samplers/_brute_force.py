"""`BruteForceSampler`: every combination of a discrete search space, each once.

The trials of the study form a tree: each trial's parameters, in the order it
suggested them, are a path from the root. A branch is exhausted when a trial
ended there (it suggested nothing more) or when every value of the next
parameter leads to an exhausted branch. A new suggestion takes, at random,
one of the values whose branch is not exhausted, so define-by-run spaces
(conditional parameters) are enumerated too. Running trials count as tried,
so that parallel workers do not repeat each other.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from bbopt._frozen import FrozenTrial, TrialState
from bbopt._validation import ensure_seed
from bbopt.samplers._base import ArraySampler
from bbopt.samplers._context import SamplingContext

if TYPE_CHECKING:
    from bbopt._trial import Trial

_OWNER = "BruteForceSampler"
# A trial's path: its parameters in suggestion order, as (name, internal value).
_Path = list[tuple[str, float]]


def _values(name: str, distribution: BaseDistribution) -> list[float]:
    """The internal values of every point of a discrete distribution."""
    if isinstance(distribution, CategoricalDistribution):
        return [float(i) for i in range(len(distribution.choices))]
    if isinstance(distribution, IntDistribution):
        return [distribution.to_internal(v)
                for v in range(distribution.low, distribution.high + 1, distribution.step)]
    if isinstance(distribution, FloatDistribution):
        if distribution.low == distribution.high:
            return [distribution.to_internal(distribution.low)]
        if distribution.step is None:
            raise ValueError(
                f"{_OWNER} enumerates discrete parameters only: {name!r} is a continuous "
                f"{distribution!r}. Give it a step, or use another sampler."
            )
        n = math.floor((distribution.high - distribution.low) / distribution.step + 1e-9) + 1
        return [distribution.to_internal(distribution.low + k * distribution.step)
                for k in range(n)]
    raise ValueError(f"{_OWNER} cannot enumerate {distribution!r} (parameter {name!r}).")


def _exhausted(paths: Sequence[_Path], depth: int,
               distributions: dict[str, BaseDistribution]) -> bool:
    """Whether the branch shared by ``paths`` (their first ``depth`` steps) is exhausted."""
    if not paths:
        return False
    if any(len(path) == depth for path in paths):
        return True  # a trial ended here
    name = paths[0][depth][0]
    groups: dict[float, list[_Path]] = {}
    for path in paths:
        if path[depth][0] == name:
            groups.setdefault(path[depth][1], []).append(path)
    return all(_exhausted(groups.get(v, []), depth + 1, distributions)
               for v in _values(name, distributions[name]))


def _path(trial: FrozenTrial | Trial) -> _Path:
    """A trial's path: its parameters so far, in suggestion order."""
    return [(name, trial.distributions[name].to_internal(value))
            for name, value in trial.params.items()]


class BruteForceSampler(ArraySampler):
    """Try every combination of a discrete search space once, in random order.

    Each parameter must be discrete: categorical, int, or float with a
    ``step`` (or ``low == high``); a continuous float raises ValueError.
    Conditional (define-by-run) spaces are enumerated branch by branch. When
    every combination has been tried, the sampler stops `bbopt.Study.optimize`
    (``study.stop()``); a trial asked after that gets a random combination.

    Parameters
    ----------
    seed : int, optional
        Seed of the random order.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(sampler=bbopt.samplers.BruteForceSampler(seed=0))
    >>> def objective(trial):
    ...     kind = trial.suggest_categorical("kind", ["a", "b"])
    ...     n = trial.suggest_int("n", 1, 3) if kind == "a" else 0
    ...     return n
    >>> study.optimize(objective, n_trials=100)
    >>> len(study.trials)  # 3 trials with "a", 1 with "b"
    4
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = ensure_seed(seed, _OWNER)
        self.reseed_rng(self._seed)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)

    def _others(self, context: SamplingContext) -> tuple[list[_Path],
                                                         dict[str, BaseDistribution]]:
        """The paths of the study's other trials (finished or running) and their distributions."""
        trials = context.study.get_trials(deepcopy=False, states=(
            TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING))
        paths, distributions = [], {}
        for trial in trials:
            if trial.number != context.trial_number:
                paths.append(_path(trial))
                distributions.update(trial.distributions)
        return paths, distributions

    def sample_one(self, context: SamplingContext, name: str,
                   distribution: BaseDistribution) -> float:
        values = _values(name, distribution)
        if context.study is None or context.trial is None:
            return values[int(self._rng.integers(len(values)))]
        paths, distributions = self._others(context)
        distributions[name] = distribution
        prefix = _path(context.trial)
        depth = len(prefix)
        below = [p for p in paths if len(p) > depth and p[:depth] == prefix
                 and p[depth][0] == name]
        open_values = [v for v in values
                       if not _exhausted([p for p in below if p[depth][1] == v], depth + 1,
                                         distributions)]
        choices = open_values or values
        return choices[int(self._rng.integers(len(choices)))]

    def end(self, context: SamplingContext, state: TrialState,
            values: Sequence[float] | None) -> None:
        if context.study is None or context.trial is None:
            return
        paths, distributions = self._others(context)
        paths.append(_path(context.trial))
        distributions.update(context.trial.distributions)
        if _exhausted(paths, 0, distributions):
            context.study.stop()

