"""Threshold pruning: stop a trial whose latest value leaves a fixed range."""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

from bbopt._frozen import FrozenTrial
from bbopt._validation import ensure_int
from bbopt.pruners._base import BasePruner
from bbopt.pruners._cache import record_of, step_to_check

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial


class ThresholdPruner(BasePruner):
    """Prune a trial whose latest intermediate value is below ``lower``, above ``upper`` or NaN.

    Parameters
    ----------
    lower, upper : float, optional
        Bounds of the allowed range (inclusive); give at least one.
    n_warmup_steps : int, default 0
        No pruning at steps below this.
    interval_steps : int, default 1
        Check at steps ``n_warmup_steps + k * interval_steps`` only.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(pruner=bbopt.pruners.ThresholdPruner(upper=1.0))
    >>> trial = study.ask()
    >>> trial.report(0.5, step=0)
    >>> trial.should_prune()
    False
    >>> trial.report(3.0, step=1)
    >>> trial.should_prune()
    True
    """

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        owner = type(self).__name__
        if lower is None and upper is None:
            raise ValueError(
                f"{owner} needs 'lower' or 'upper' (or both). Got lower=None and upper=None."
            )
        self._lower = _ensure_bound(lower, "lower", owner, -math.inf)
        self._upper = _ensure_bound(upper, "upper", owner, math.inf)
        if self._lower > self._upper:
            raise ValueError(
                f"The 'lower' parameter of {owner} must be <= upper ({upper!r}). "
                f"Got {lower!r} instead."
            )
        self._n_warmup_steps = ensure_int(n_warmup_steps, "n_warmup_steps", owner, 0)
        self._interval_steps = ensure_int(interval_steps, "interval_steps", owner, 1)

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        record = record_of(trial)
        step = step_to_check(record, self._n_warmup_steps, self._interval_steps)
        if step is None:
            return False
        value = record.intermediate_values[step]
        return math.isnan(value) or value < self._lower or value > self._upper

    def __repr__(self) -> str:
        return (
            f"ThresholdPruner(lower={self._lower}, upper={self._upper}, "
            f"n_warmup_steps={self._n_warmup_steps}, interval_steps={self._interval_steps})"
        )


def _ensure_bound(value: Any, name: str, owner: str, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"The '{name}' parameter of {owner} must be a number or None. Got {value!r} instead."
        )
    if math.isnan(value):
        raise ValueError(f"The '{name}' parameter of {owner} must not be NaN. Got {value!r}.")
    return float(value)
