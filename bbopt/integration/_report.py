"""The step shared by the pruning callbacks: report a training metric, prune if told."""

from __future__ import annotations

import math
from typing import Any

from bbopt._exceptions import TrialPruned
from bbopt._trial import Trial


def check_trial(trial: Any, owner: str) -> Trial:
    """Return ``trial`` if it is a running `bbopt.Trial` (the callbacks report to it)."""
    if not isinstance(trial, Trial):
        raise TypeError(
            f"The 'trial' parameter of {owner} must be a bbopt.Trial. Got {trial!r} instead."
        )
    return trial


def report_and_prune(trial: Trial, value: float, step: int, metric: str) -> None:
    """Report ``value`` at ``step``; raise `TrialPruned` if the pruner says so.

    A NaN or infinite metric (a diverged model) prunes the trial at once:
    `Trial.report` takes finite values only, and no pruner would keep it.
    """
    if not math.isfinite(value):
        raise TrialPruned(f"{metric} is {value} at step {step}")
    trial.report(value, step)
    if trial.should_prune():
        raise TrialPruned(f"pruned at step {step} ({metric} = {value:.6g})")
