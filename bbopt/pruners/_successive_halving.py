"""Asynchronous successive halving (ASHA): promote the best 1/eta of each rung.

Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys
2020), Algorithm 2, in its "stop early" form: a trial that reaches the
promotion step of rung ``r`` (``min_resource * eta ** (s + r)``, with ``s``
the minimum early-stopping rate) records its value there and continues only
if that value is among the best ``1/eta`` of all values recorded at rung ``r``
so far. Trials are never resumed, so while a rung holds fewer than ``eta``
values only the best of them is promoted.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bbopt._frozen import FrozenTrial, TrialState
from bbopt._validation import ensure_int
from bbopt.pruners._base import BasePruner
from bbopt.pruners._cache import CacheRegistry, RungValues, record_of, rung_key

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial


class SuccessiveHalvingPruner(BasePruner):
    """Prune with asynchronous successive halving.

    Parameters
    ----------
    min_resource : int or "auto", default "auto"
        Steps before the first promotion check (rung 0). ``"auto"``: the
        largest last step of the first COMPLETE trial(s) divided by 100 (at
        least 1), fixed once estimated; nothing is pruned before a trial
        completes.
    reduction_factor : int, default 4
        ``eta``: the promotion steps grow by this factor and the best
        ``1/eta`` of a rung are promoted. At least 2.
    min_early_stopping_rate : int, default 0
        ``s``: the first rung is at ``min_resource * eta ** s``.
    bootstrap_count : int, default 0
        A trial reaching a rung is pruned while the rung holds this many
        values or fewer (its own included). Needs an int ``min_resource``.

    Examples
    --------
    >>> import bbopt
    >>> pruner = bbopt.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    >>> study = bbopt.create_study(pruner=pruner)
    >>> first = study.ask()
    >>> first.report(1.0, step=1)
    >>> first.should_prune()  # alone at rung 0: the best so far
    False
    >>> second = study.ask()
    >>> second.report(2.0, step=1)
    >>> second.should_prune()  # rung 0 holds 1.0 and 2.0: only the best half goes on
    True
    """

    def __init__(
        self,
        min_resource: int | str = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        owner = type(self).__name__
        self._min_resource = _ensure_resource(min_resource, "min_resource", owner)
        self._reduction_factor = ensure_int(reduction_factor, "reduction_factor", owner, 2)
        self._min_early_stopping_rate = ensure_int(
            min_early_stopping_rate, "min_early_stopping_rate", owner, 0
        )
        self._bootstrap_count = ensure_int(bootstrap_count, "bootstrap_count", owner, 0)
        if self._bootstrap_count > 0 and self._min_resource is None:
            raise ValueError(
                f"The 'bootstrap_count' parameter of {owner} must be 0 when min_resource is "
                f"'auto'. Got {bootstrap_count!r} instead."
            )
        self._caches: CacheRegistry[RungValues] = CacheRegistry(_ungrouped)

    def prune(self, study: Study, trial: Trial | FrozenTrial) -> bool:
        record = record_of(trial)
        if record.last_step is None:
            return False
        with self._caches.lock:
            cache = self._caches.get(study)
            if self._min_resource is None:
                cache.update(study)
                if cache.max_complete_step is None:
                    return False
                self._min_resource = max(cache.max_complete_step // 100, 1)
            return successive_halving_prune(
                study, record, cache, group=0, min_resource=self._min_resource,
                reduction_factor=self._reduction_factor,
                min_early_stopping_rate=self._min_early_stopping_rate,
                bootstrap_count=self._bootstrap_count,
            )

    def __repr__(self) -> str:
        return (
            f"SuccessiveHalvingPruner(min_resource="
            f"{'auto' if self._min_resource is None else self._min_resource}, "
            f"reduction_factor={self._reduction_factor}, "
            f"min_early_stopping_rate={self._min_early_stopping_rate}, "
            f"bootstrap_count={self._bootstrap_count})"
        )


def _ungrouped() -> RungValues:
    cache = RungValues()
    cache.set_grouping(_group_zero)
    return cache


def _group_zero(number: int) -> int:
    return 0


def _ensure_resource(value: Any, name: str, owner: str) -> int | None:
    """Return None for "auto", else ``value`` as an int >= 1."""
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(
                f"The '{name}' parameter of {owner} must be an int >= 1 or 'auto'. "
                f"Got {value!r} instead."
            )
        return None
    return ensure_int(value, name, owner, 1)


def current_rung(record: FrozenTrial) -> int:
    """Number of rungs the trial has already passed."""
    rung = 0
    while rung_key(rung) in record.system_attrs:
        rung += 1
    return rung


def successive_halving_prune(
    study: Study,
    record: FrozenTrial,
    cache: RungValues,
    group: int,
    min_resource: int,
    reduction_factor: int,
    min_early_stopping_rate: int,
    bootstrap_count: int,
) -> bool:
    """Decide for one trial of ``group``; records its rung values (call under the cache lock).

    The trial's value at its last step is recorded at every rung whose
    promotion step it has reached, and compared there with the other trials
    of the same group: finished ones from ``cache``, running ones read from
    the storage.
    """
    step = record.last_step
    assert step is not None
    value = record.intermediate_values[step]
    rung = current_rung(record)
    direction = study.direction
    running: list[FrozenTrial] | None = None
    while step >= min_resource * reduction_factor ** (min_early_stopping_rate + rung):
        if math.isnan(value):
            return True
        key = rung_key(rung)
        study._storage.set_trial_system_attr(study._study_id, record.number, key, value)
        if running is None:
            # Running trials first, then the finished ones: a trial finishing in
            # between is then seen as finished and skipped among the running.
            running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            cache.update(study)
        others = [
            float(t.system_attrs[key]) for t in running
            if t.number != record.number and t.number not in cache.finished
            and key in t.system_attrs and cache.group_of(t.number) == group
        ]
        better, n_competing = cache.rank(group, rung, value, direction, others)
        if n_competing <= bootstrap_count:
            return True
        # Promoted if among the best n_competing // eta (the best one while fewer).
        if better > max(n_competing // reduction_factor - 1, 0):
            return True
        rung += 1
    return False
