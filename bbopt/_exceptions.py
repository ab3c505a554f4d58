"""The base of bbopt's own exceptions, and those raised by objectives to steer `Study.optimize`."""


class BboptError(Exception):
    """Base class of the exceptions bbopt defines (``optuna.exceptions.OptunaError``).

    Each storage or validation error also derives from the built-in exception
    it has always been (``ValueError``, ``TimeoutError``...), so both ways of
    catching it work.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.exceptions import BboptError, StudyNotFoundError
    >>> try:
    ...     bbopt.load_study(study_name="missing", storage=bbopt.storage.InMemoryStorage())
    ... except BboptError as error:
    ...     print(type(error).__name__, isinstance(error, ValueError))
    StudyNotFoundError True
    """


class TrialPruned(BboptError):
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
