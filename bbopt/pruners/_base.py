"""The pruner interface and the pruner that never prunes."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from bbopt._picklable import PicklableLocks

if TYPE_CHECKING:
    from bbopt._frozen import FrozenTrial
    from bbopt._study import Study
    from bbopt._trial import Trial


class BasePruner(PicklableLocks, abc.ABC):
    """Decide from a running trial's intermediate values whether to stop it early.

    Examples
    --------
    A pruner that stops a trial once it reports a value above 1:

    >>> import bbopt
    >>> class AboveOnePruner(bbopt.pruners.BasePruner):
    ...     def prune(self, study, trial):
    ...         values = trial.intermediate_values
    ...         return bool(values) and values[max(values)] > 1
    >>> study = bbopt.create_study(pruner=AboveOnePruner())
    >>> trial = study.ask()
    >>> trial.report(0.5, step=0)
    >>> trial.should_prune()
    False
    >>> trial.report(2.0, step=1)
    >>> trial.should_prune()
    True
    """

    @abc.abstractmethod
    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        """Return whether ``trial`` should stop now (called by `Trial.should_prune`)."""


class NopPruner(BasePruner):
    """Never prune.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(pruner=bbopt.pruners.NopPruner())
    >>> trial = study.ask()
    >>> trial.report(1.0, step=0)
    >>> trial.should_prune()
    False
    """

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        return False
