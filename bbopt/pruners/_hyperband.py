"""Hyperband: successive halving in several brackets of different aggressiveness.

Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
Optimization" (JMLR 2018), run asynchronously: bracket ``b`` is successive
halving with minimum early-stopping rate ``b`` (its first rung at
``min_resource * eta ** b``), so bracket 0 prunes most eagerly and the last
bracket barely prunes. Trials are spread over the brackets by a hash of the
study name and the trial number, in proportion to Algorithm 1's bracket sizes
``ceil(n_brackets * eta ** s / (s + 1))`` with ``s = n_brackets - 1 - b``;
each trial competes only with trials of its own bracket.
"""

from __future__ import annotations

import math
import zlib
from typing import TYPE_CHECKING

from bbopt._frozen import FrozenTrial
from bbopt._validation import ensure_int
from bbopt.pruners._base import BasePruner
from bbopt.pruners._cache import CacheRegistry, RungValues, record_of
from bbopt.pruners._successive_halving import _ensure_resource, successive_halving_prune

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial


class HyperbandPruner(BasePruner):
    """Prune with Hyperband: asynchronous successive halving over several brackets.

    Parameters
    ----------
    min_resource : int, default 1
        Steps before the first promotion check of the most eager bracket.
    max_resource : int or "auto", default "auto"
        The largest step a trial reaches (the number of epochs, say).
        ``"auto"``: one more than the last step of the first COMPLETE
        trial(s); nothing is pruned before a trial completes.
    reduction_factor : int, default 3
        ``eta``, at least 2. The number of brackets is
        ``floor(log_eta(max_resource / min_resource)) + 1``.
    bootstrap_count : int, default 0
        As in `SuccessiveHalvingPruner`; needs an int ``max_resource``.

    Examples
    --------
    >>> import bbopt
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -3, 3)
    ...     for epoch in range(27):
    ...         trial.report(x * x + 1.0 / (epoch + 1), epoch)
    ...         if trial.should_prune():
    ...             raise bbopt.TrialPruned()
    ...     return x * x
    >>> pruner = bbopt.pruners.HyperbandPruner(min_resource=1, max_resource=27)
    >>> study = bbopt.create_study(pruner=pruner, sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=40)
    >>> pruner.n_brackets
    4
    >>> sum(t.state.name == "PRUNED" for t in study.trials) > 10
    True
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: int | str = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        owner = type(self).__name__
        self._min_resource = ensure_int(min_resource, "min_resource", owner, 1)
        self._max_resource = _ensure_resource(max_resource, "max_resource", owner)
        if self._max_resource is not None and self._max_resource < self._min_resource:
            raise ValueError(
                f"The 'max_resource' parameter of {owner} must be >= min_resource "
                f"({self._min_resource}). Got {max_resource!r} instead."
            )
        self._reduction_factor = ensure_int(reduction_factor, "reduction_factor", owner, 2)
        self._bootstrap_count = ensure_int(bootstrap_count, "bootstrap_count", owner, 0)
        if self._bootstrap_count > 0 and self._max_resource is None:
            raise ValueError(
                f"The 'bootstrap_count' parameter of {owner} must be 0 when max_resource is "
                f"'auto'. Got {bootstrap_count!r} instead."
            )
        self._budgets: list[int] = []
        if self._max_resource is not None:
            self._init_brackets(self._max_resource)
        self._caches: CacheRegistry[RungValues] = CacheRegistry(RungValues)

    def _init_brackets(self, max_resource: int) -> None:
        self._max_resource = max_resource
        eta = self._reduction_factor
        # floor(log_eta(max_resource / min_resource)) + 1, in integers (no rounding error).
        n_brackets = 1
        while self._min_resource * eta ** n_brackets <= max_resource:
            n_brackets += 1
        self._budgets = [
            math.ceil(n_brackets * eta ** (n_brackets - 1 - b) / (n_brackets - b))
            for b in range(n_brackets)
        ]

    @property
    def n_brackets(self) -> int | None:
        """Number of brackets (None until ``max_resource="auto"`` is resolved)."""
        return len(self._budgets) or None

    def bracket_of(self, study: Study, number: int) -> int:
        """Return the bracket of trial ``number`` of ``study`` (0 is the most eager).

        Raises RuntimeError while ``max_resource="auto"`` is unresolved.
        """
        return _bracket(study.study_name, number, self._budgets)

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        record = record_of(trial)
        if record.last_step is None:
            return False
        with self._caches.lock:
            cache = self._caches.get(study)
            if not self._budgets:
                cache.update(study)
                if cache.max_complete_step is None:
                    return False
                self._init_brackets(cache.max_complete_step + 1)
            if not cache.grouped:
                name, budgets = study.study_name, self._budgets
                cache.set_grouping(lambda number: _bracket(name, number, budgets))
            bracket = _bracket(study.study_name, record.number, self._budgets)
            return successive_halving_prune(
                study, record, cache, group=bracket, min_resource=self._min_resource,
                reduction_factor=self._reduction_factor, min_early_stopping_rate=bracket,
                bootstrap_count=self._bootstrap_count,
            )

    def __repr__(self) -> str:
        return (
            f"HyperbandPruner(min_resource={self._min_resource}, "
            f"max_resource={'auto' if self._max_resource is None else self._max_resource}, "
            f"reduction_factor={self._reduction_factor}, "
            f"bootstrap_count={self._bootstrap_count})"
        )


def _bracket(study_name: str, number: int, budgets: list[int]) -> int:
    if not budgets:
        raise RuntimeError("The brackets are not known yet: no trial has completed.")
    n = zlib.crc32(f"{study_name}_{number}".encode()) % sum(budgets)
    for bracket, budget in enumerate(budgets):
        n -= budget
        if n < 0:
            return bracket
    raise AssertionError("unreachable: n < sum(budgets)")
