"""Exceptions raised by objectives to steer `Study.optimize`."""


class TrialPruned(Exception):
    """Raise from an objective to end its trial as PRUNED.

    Examples
    --------
    >>> import bbopt
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", 0, 1)
    ...     trial.report(x, step=0)
    ...     raise bbopt.TrialPruned()
    >>> study = bbopt.create_study()
    >>> study.optimize(objective, n_trials=2)
    >>> [t.state.name for t in study.trials]
    ['PRUNED', 'PRUNED']
    """
