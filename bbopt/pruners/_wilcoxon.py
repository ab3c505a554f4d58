"""Wilcoxon pruning: stop a trial significantly worse than the best one, step by step.

For objectives that average a score over instances (datasets, folds, problem
instances) reported one per step, with the same step for the same instance in
every trial: the trial's values and the best trial's values at the steps both
reported are paired, and a one-sided Wilcoxon signed-rank test asks whether
the trial is worse.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

from bbopt._frozen import FrozenTrial, StudyDirection
from bbopt._validation import ensure_int, ensure_real_in
from bbopt.pruners._base import BasePruner
from bbopt.pruners._cache import record_of

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial

_OWNER = "WilcoxonPruner"


class WilcoxonPruner(BasePruner):
    """Prune a trial whose per-step values are significantly worse than the best trial's.

    At each check, the differences between this trial's intermediate values
    and those of the study's best trial, at the steps both reported, go into
    a one-sided Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, zeros
    split between the signs); the trial is pruned when its p-value is below
    ``p_threshold``. It is never pruned while fewer than ``n_startup_steps``
    steps are shared, while the study has no complete trial, or when its mean
    over the shared steps is better than the best trial's (a warning says so
    if the test would have pruned it). Single-objective studies only.

    Parameters
    ----------
    p_threshold : float, default 0.1
        Significance level, in [0, 1].
    n_startup_steps : int, default 2
        Shared steps needed before any pruning.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(pruner=bbopt.pruners.WilcoxonPruner(p_threshold=0.1))
    >>> best = study.ask()
    >>> for step in range(10):
    ...     best.report(float(step), step)
    >>> _ = study.tell(best, 4.5)
    >>> trial = study.ask()
    >>> for step in range(10):
    ...     trial.report(step + 1.0, step)  # worse on every instance
    >>> trial.should_prune()
    True
    """

    def __init__(self, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        self._p_threshold = ensure_real_in(p_threshold, "p_threshold", _OWNER, 0.0, 1.0)
        self._n_startup_steps = ensure_int(n_startup_steps, "n_startup_steps", _OWNER, 0)

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        if len(study.directions) != 1:
            raise ValueError(f"{_OWNER} supports single-objective studies only.")
        record = record_of(trial)
        mine = {s: v for s, v in record.intermediate_values.items() if not math.isnan(v)}
        if not mine:
            return False
        try:
            best = study.best_trial
        except ValueError:  # no complete trial yet
            return False
        theirs = best.intermediate_values
        steps = [s for s in mine if s in theirs and not math.isnan(theirs[s])]
        if len(steps) < max(self._n_startup_steps, 1):
            return False
        minimize = study.direction == StudyDirection.MINIMIZE
        sign = 1.0 if minimize else -1.0
        diffs = [sign * (mine[s] - theirs[s]) for s in steps]  # > 0: this trial is worse
        if all(d == 0.0 for d in diffs):
            return False
        from scipy import stats  # heavy: imported by the first check only

        p_value = float(stats.wilcoxon(diffs, alternative="greater", zero_method="zsplit").pvalue)
        worse = p_value < self._p_threshold
        if worse and sum(diffs) < 0.0:
            warnings.warn(
                f"{_OWNER}: trial {record.number} is not pruned although the test says it is "
                f"worse (p = {p_value:.3g}): its mean over the {len(steps)} shared steps is "
                "better than the best trial's.", stacklevel=3)
            return False
        return worse

    def __repr__(self) -> str:
        return (f"WilcoxonPruner(p_threshold={self._p_threshold}, "
                f"n_startup_steps={self._n_startup_steps})")
