"""What the pruners share: per-study caches of finished trials and small helpers.

A pruner compares a running trial with the finished trials of its study.
Reading every trial on every `Trial.should_prune` call is O(n_trials) Python
work per call, which makes long studies quadratic. The caches here follow the
study's `Observations` rows instead: those are append-only, in finish order,
so each finished trial is read from the storage once, when its row appears.
The storage stays the only source of truth, so several processes sharing a
persistent storage see each other's trials.

Notations
---------
step : an int >= 0 reported with `Trial.report`
rung : index of a successive-halving promotion level, from 0
group : the Hyperband bracket of a trial (always 0 for successive halving)
"""

from __future__ import annotations

import bisect
import math
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bbopt._frozen import FrozenTrial, StudyDirection, TrialState

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial
    from bbopt.storage import BaseStorage

_COMPLETE = int(TrialState.COMPLETE)
RUNG_KEY_PREFIX = "completed_rung_"


def rung_key(rung: int) -> str:
    """Name of the system attribute holding a trial's value at ``rung``."""
    return f"{RUNG_KEY_PREFIX}{rung}"


def record_of(trial: Trial | FrozenTrial) -> FrozenTrial:
    """Return the stored record of a live trial (one storage read), or the record itself."""
    return trial if isinstance(trial, FrozenTrial) else trial.freeze()


def step_to_check(record: FrozenTrial, n_warmup_steps: int, interval_steps: int) -> int | None:
    """Return the trial's last step if pruning should be checked at it, else None.

    Pruning is checked after the warm-up, at steps ``n_warmup_steps + k *
    interval_steps``; a trial that skips such a step is checked at its first
    step after it.
    """
    step = record.last_step
    if step is None or step < n_warmup_steps:
        return None
    nearest_lower = (step - n_warmup_steps) // interval_steps * interval_steps + n_warmup_steps
    previous = max((s for s in record.intermediate_values if s < step), default=-1)
    return step if previous < nearest_lower else None


def best_of(values: Iterable[float], direction: StudyDirection) -> float:
    """Best of ``values`` ignoring NaN (NaN if there is none)."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return min(finite) if direction == StudyDirection.MINIMIZE else max(finite)


class FinishedTrials:
    """Base cache: hands every finished trial of one study to `_add` exactly once."""

    def __init__(self) -> None:
        self.n_rows = 0
        self.finished: set[int] = set()

    def update(self, study: Study) -> None:
        """Read the trials that finished since the last call."""
        observations = study.get_observations()
        n_rows = observations.n_rows
        if n_rows < self.n_rows:  # the study was deleted and created again
            self.reset()
        if n_rows == self.n_rows:
            return
        numbers = observations.numbers[self.n_rows:n_rows].tolist()
        states = observations.states[self.n_rows:n_rows].tolist()
        storage, study_id = study._storage, study._study_id
        for number, state in zip(numbers, states):
            self.finished.add(number)
            self._add(storage, study_id, number, state)
        self.n_rows = n_rows

    def reset(self) -> None:
        """Forget every trial."""
        self.__init__()  # type: ignore[misc]

    def _add(self, storage: BaseStorage, study_id: int, number: int, state: int) -> None:
        raise NotImplementedError


_Cache = TypeVar("_Cache", bound=FinishedTrials)


class CacheRegistry(Generic[_Cache]):
    """One cache per (storage, study) for a pruner, and the lock that guards them.

    Pickling drops the caches (they are rebuilt from the storage), so a pruner
    can be sent to another process.
    """

    def __init__(self, factory: Callable[[], _Cache]) -> None:
        self._factory = factory
        self.lock = threading.RLock()
        self._caches: dict[tuple[int, int], tuple[Any, _Cache]] = {}

    def get(self, study: Study) -> _Cache:
        """Return the cache of ``study`` (call with `lock` held)."""
        storage = study._storage
        key = (id(storage), study._study_id)
        entry = self._caches.get(key)
        if entry is None or entry[0]() is not storage:
            try:
                ref: Any = weakref.ref(storage)
            except TypeError:  # a storage without weak references: keep it alive
                ref = lambda storage=storage: storage  # noqa: E731
            entry = (ref, self._factory())
            self._caches[key] = entry
        return entry[1]

    def __getstate__(self) -> dict[str, Any]:
        return {"factory": self._factory}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["factory"])  # type: ignore[misc]


class StepValues(FinishedTrials):
    """Intermediate values of the COMPLETE trials, by step, sorted when asked for.

    ``count[step]`` counts the complete trials that reported ``step`` (NaN
    included); ``values(step)`` returns their non-NaN values in order. New
    values are appended and a step's list is sorted again only when it is
    read (Timsort on a sorted run plus a short tail is linear).
    """

    def __init__(self) -> None:
        super().__init__()
        self.n_complete = 0
        self.count: dict[int, int] = {}
        self._values: dict[int, list[float]] = {}
        self._unsorted: set[int] = set()

    def _add(self, storage: BaseStorage, study_id: int, number: int, state: int) -> None:
        if state != _COMPLETE:
            return
        self.n_complete += 1
        count, values, unsorted = self.count, self._values, self._unsorted
        for step, value in storage.get_trial(study_id, number).intermediate_values.items():
            count[step] = count.get(step, 0) + 1
            if value == value:  # not NaN
                values.setdefault(step, []).append(value)
                unsorted.add(step)

    def values(self, step: int) -> list[float]:
        """Sorted non-NaN values reported at ``step`` by complete trials."""
        values = self._values.get(step, [])
        if step in self._unsorted:
            values.sort()
            self._unsorted.discard(step)
        return values

    def percentile(self, step: int, q: float, n_min_trials: int) -> float:
        """Linear-interpolated ``q``-th percentile at ``step`` (NaN if undefined).

        NaN when fewer than ``n_min_trials`` complete trials reported ``step``
        or none of them reported a non-NaN value there (as numpy's
        ``nanpercentile`` with its default linear method).
        """
        if self.count.get(step, 0) < n_min_trials:
            return math.nan
        values = self.values(step)
        if not values:
            return math.nan
        position = q / 100.0 * (len(values) - 1)
        low = math.floor(position)
        high = min(low + 1, len(values) - 1)
        if values[low] == values[high]:
            return values[low]
        return values[low] + (values[high] - values[low]) * (position - low)


class RungValues(FinishedTrials):
    """Successive-halving rung values of finished trials, sorted by (group, rung).

    Also tracks the largest last step of a COMPLETE trial (for the ``"auto"``
    resources). The group of a trial (its Hyperband bracket) is given by
    `set_grouping`; until then entries wait in ``pending``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.max_complete_step: int | None = None
        self._values: dict[tuple[int, int], list[float]] = {}
        self._unsorted: set[tuple[int, int]] = set()
        self.pending: list[tuple[int, int, float]] = []  # (number, rung, value)
        self._group_of: Callable[[int], int] | None = None

    def set_grouping(self, group_of: Callable[[int], int]) -> None:
        """Fix the group of each trial number, and sort the waiting entries in."""
        self._group_of = group_of
        pending, self.pending = self.pending, []
        for entry in pending:
            self._insert(*entry)

    def reset(self) -> None:
        group_of = self._group_of
        super().reset()
        if group_of is not None:
            self.set_grouping(group_of)

    @property
    def grouped(self) -> bool:
        """Whether `set_grouping` was called."""
        return self._group_of is not None

    def group_of(self, number: int) -> int:
        """Return the group of trial ``number`` (after `set_grouping`)."""
        assert self._group_of is not None
        return self._group_of(number)

    def _insert(self, number: int, rung: int, value: float) -> None:
        if self._group_of is None:
            self.pending.append((number, rung, value))
        else:
            key = (self._group_of(number), rung)
            self._values.setdefault(key, []).append(value)
            self._unsorted.add(key)

    def values(self, group: int, rung: int) -> list[float]:
        """Sorted values of the finished trials of ``group`` at ``rung``."""
        key = (group, rung)
        values = self._values.get(key, [])
        if key in self._unsorted:
            values.sort()
            self._unsorted.discard(key)
        return values

    def _add(self, storage: BaseStorage, study_id: int, number: int, state: int) -> None:
        record = storage.get_trial(study_id, number)
        if state == _COMPLETE and record.intermediate_values:
            last = max(record.intermediate_values)
            if self.max_complete_step is None or last > self.max_complete_step:
                self.max_complete_step = last
        for key, value in record.system_attrs.items():
            rung = _rung_of_key(key)
            if rung is not None and isinstance(value, int | float) and not math.isnan(value):
                self._insert(number, rung, float(value))

    def rank(self, group: int, rung: int, value: float, direction: StudyDirection,
             others: Iterable[float]) -> tuple[int, int]:
        """Return (values better than ``value``, competitors) at (group, rung).

        Competitors are the finished trials of the cache, ``others`` (running
        trials) and the trial holding ``value`` itself.
        """
        values = self.values(group, rung)
        others = list(others)
        if direction == StudyDirection.MINIMIZE:
            better = bisect.bisect_left(values, value) + sum(1 for v in others if v < value)
        else:
            better = (len(values) - bisect.bisect_right(values, value)
                      + sum(1 for v in others if v > value))
        return better, len(values) + len(others) + 1


def _rung_of_key(key: str) -> int | None:
    if not key.startswith(RUNG_KEY_PREFIX):
        return None
    suffix = key[len(RUNG_KEY_PREFIX):]
    return int(suffix) if suffix.isdigit() else None
