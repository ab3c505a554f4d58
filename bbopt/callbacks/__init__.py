"""Callbacks for `Study.optimize` that stop a study (they call `Study.stop`)."""

from bbopt.callbacks._stopping import (
    MaxTrialsCallback,
    NoImprovementCallback,
    TargetValueCallback,
    TimeBudgetCallback,
)

__all__ = [
    "MaxTrialsCallback",
    "NoImprovementCallback",
    "TargetValueCallback",
    "TimeBudgetCallback",
]
