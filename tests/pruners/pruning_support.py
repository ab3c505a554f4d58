"""Helpers shared by the pruner tests."""

import math


def report(trial, value, step):
    """``trial.report``, except that NaN goes straight to storage.

    ``Trial.report`` rejects NaN, but a NaN intermediate value can still reach
    a pruner from a stored record (a warm start, another client): pruners
    must cope with it.
    """
    if math.isnan(value):
        trial._storage.set_trial_intermediate_value(trial._study_id, trial.number, step, value)
    else:
        trial.report(value, step)
