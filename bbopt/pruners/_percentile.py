"""Percentile and median pruning: stop a trial that is worse than most finished ones."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bbopt._frozen import FrozenTrial, StudyDirection
from bbopt._validation import ensure_int, ensure_real_in
from bbopt.pruners._base import BasePruner
from bbopt.pruners._cache import (
    CacheRegistry,
    StepValues,
    best_of,
    record_of,
    step_to_check,
)

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial


class PercentilePruner(BasePruner):
    """Prune a trial whose best value so far is worse than a percentile of the others.

    At step ``s`` the trial's best intermediate value over all its steps is
    compared with the ``percentile``-th percentile (best side first) of the
    values that COMPLETE trials reported at the same step ``s``; the trial is
    pruned if it is strictly worse. A trial whose intermediate values are all
    NaN is pruned once enough trials have completed.

    Parameters
    ----------
    percentile : float
        In [0, 100]; 25 keeps trials in the best quarter, 50 is the median.
    n_startup_trials : int, default 5
        No pruning until this many trials are COMPLETE.
    n_warmup_steps : int, default 0
        No pruning of a trial at steps below this.
    interval_steps : int, default 1
        Check at steps ``n_warmup_steps + k * interval_steps`` only (a trial
        that skips such a step is checked at its next reported step).
    n_min_trials : int, default 1
        No pruning at a step that fewer complete trials have reported.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(pruner=bbopt.pruners.PercentilePruner(25.0, n_startup_trials=2))
    >>> for slope in [1.0, 2.0, 3.0]:
    ...     trial = study.ask()
    ...     for step in range(3):
    ...         trial.report(slope * (3 - step), step)
    ...     _ = study.tell(trial, slope)
    >>> trial = study.ask()
    >>> trial.report(7.0, step=0)
    >>> trial.should_prune()
    True
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        owner = type(self).__name__
        self._percentile = ensure_real_in(percentile, "percentile", owner, 0.0, 100.0)
        self._n_startup_trials: int = ensure_int(n_startup_trials, "n_startup_trials", owner, 0)
        self._n_warmup_steps: int = ensure_int(n_warmup_steps, "n_warmup_steps", owner, 0)
        self._interval_steps: int = ensure_int(interval_steps, "interval_steps", owner, 1)
        self._n_min_trials: int = ensure_int(n_min_trials, "n_min_trials", owner, 1)
        self._caches: CacheRegistry[StepValues] = CacheRegistry(StepValues)

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        record = record_of(trial)
        step = step_to_check(record, self._n_warmup_steps, self._interval_steps)
        if step is None:
            return False
        direction = study.direction
        best = best_of(record.intermediate_values.values(), direction)
        # The percentile counts from the best side: the low end when minimising.
        q = self._percentile if direction == StudyDirection.MINIMIZE else (
            100.0 - self._percentile)
        with self._caches.lock:
            cache = self._caches.get(study)
            cache.update(study)
            if cache.n_complete == 0 or cache.n_complete < self._n_startup_trials:
                return False
            if math.isnan(best):
                return True
            threshold = cache.percentile(step, q, self._n_min_trials)
        if math.isnan(threshold):
            return False
        if direction == StudyDirection.MINIMIZE:
            return best > threshold
        return best < threshold

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(percentile={self._percentile}, "
            f"n_startup_trials={self._n_startup_trials}, n_warmup_steps={self._n_warmup_steps}, "
            f"interval_steps={self._interval_steps}, n_min_trials={self._n_min_trials})"
        )


class MedianPruner(PercentilePruner):
    """Prune a trial whose best value so far is worse than the median of the others.

    The `PercentilePruner` with ``percentile=50``.

    Parameters
    ----------
    n_startup_trials : int, default 5
    n_warmup_steps : int, default 0
    interval_steps : int, default 1
    n_min_trials : int, default 1
        As in `PercentilePruner`.

    Examples
    --------
    >>> import bbopt
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -3, 3)
    ...     for step in range(10):
    ...         trial.report(x * x + 1.0 / (step + 1), step)
    ...         if trial.should_prune():
    ...             raise bbopt.TrialPruned()
    ...     return x * x
    >>> study = bbopt.create_study(pruner=bbopt.pruners.MedianPruner(),
    ...                            sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=30)
    >>> n_pruned = sum(t.state.name == "PRUNED" for t in study.trials)
    >>> 5 < n_pruned < 25
    True
    """

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        super().__init__(
            50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials
        )

    def __repr__(self) -> str:
        return (
            f"MedianPruner(n_startup_trials={self._n_startup_trials}, "
            f"n_warmup_steps={self._n_warmup_steps}, interval_steps={self._interval_steps}, "
            f"n_min_trials={self._n_min_trials})"
        )
