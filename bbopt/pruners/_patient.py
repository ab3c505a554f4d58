"""Patient pruning: consult another pruner only once a trial stops improving."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bbopt._frozen import FrozenTrial, StudyDirection
from bbopt._validation import ensure_int, ensure_real_in
from bbopt.pruners._base import BasePruner
from bbopt.pruners._cache import best_of, record_of

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial


class PatientPruner(BasePruner):
    """Let a trial run while it improves; once it stalls, ask ``wrapped_pruner``.

    With its reported steps in order, the trial has stalled when the best
    value of its last ``patience + 1`` steps is worse than the best value
    before them by more than ``min_delta`` (NaN values are ignored). A
    stalled trial is pruned if ``wrapped_pruner`` says so, or at once
    without a wrapped pruner (early stopping of each trial on its own).

    Parameters
    ----------
    wrapped_pruner : BasePruner or None
        The pruner that decides for stalled trials.
    patience : int
        Steps without improvement to wait for, >= 0.
    min_delta : float, default 0.0
        Tolerance, >= 0: a trial within ``min_delta`` of its earlier best
        has not stalled.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(pruner=bbopt.pruners.PatientPruner(None, patience=2))
    >>> trial = study.ask()
    >>> decisions = []
    >>> for step, loss in enumerate([5.0, 3.0, 4.0, 3.5, 3.2]):
    ...     trial.report(loss, step)
    ...     decisions.append(trial.should_prune())
    >>> decisions
    [False, False, False, False, True]
    """

    def __init__(
        self, wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0
    ) -> None:
        owner = type(self).__name__
        if wrapped_pruner is not None and not isinstance(wrapped_pruner, BasePruner):
            raise TypeError(
                f"The 'wrapped_pruner' parameter of {owner} must be a BasePruner or None. "
                f"Got {wrapped_pruner!r} instead."
            )
        self._wrapped_pruner = wrapped_pruner
        self._patience = ensure_int(patience, "patience", owner, 0)
        self._min_delta = ensure_real_in(min_delta, "min_delta", owner, 0.0)

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        record = record_of(trial)
        values = record.intermediate_values
        if len(values) <= self._patience + 1:
            return False
        steps = sorted(values)
        split = len(steps) - self._patience - 1
        direction = study.direction
        before = best_of((values[s] for s in steps[:split]), direction)
        after = best_of((values[s] for s in steps[split:]), direction)
        if math.isnan(before) or math.isnan(after):
            return False
        if direction == StudyDirection.MINIMIZE:
            stalled = after > before + self._min_delta
        else:
            stalled = after < before - self._min_delta
        if not stalled:
            return False
        if self._wrapped_pruner is None:
            return True
        return self._wrapped_pruner.prune(study, trial)

    def __repr__(self) -> str:
        return (
            f"PatientPruner({self._wrapped_pruner!r}, patience={self._patience}, "
            f"min_delta={self._min_delta})"
        )
