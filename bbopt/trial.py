"""Trials, as ``optuna.trial``: the running trial, its record and its states.

Examples
--------
>>> from bbopt.trial import FixedTrial, TrialState
>>> FixedTrial({"x": 2.0}).suggest_float("x", 0, 5)
2.0
>>> TrialState.COMPLETE.is_finished()
True
"""

from bbopt._frozen import FrozenTrial, TrialState, create_trial
from bbopt._trial import BaseTrial, FixedTrial, Trial

__all__ = ["BaseTrial", "FixedTrial", "FrozenTrial", "Trial", "TrialState", "create_trial"]
