"""Storage in the memory of the current process."""

from __future__ import annotations

import bisect
import collections
import copy
import datetime
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, cast

import numpy as np

from bbopt._distributions import (
    BaseDistribution,
    FloatDistribution,
    _numeric_rows_to_internal,
)
from bbopt._frozen import CONSTRAINTS_KEY, FrozenTrial, StudyDirection, TrialState
from bbopt.storage._base import (
    BaseStorage,
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialFinishedError,
    TrialNotFoundError,
    _user_rows,
)
from bbopt.storage._checks import check_attr, check_name, check_step, check_template
from bbopt.storage._observations import Observations, RunningPoints


class _Block:
    """Trials created at once (`InMemoryStorage.create_running_trials`), kept as arrays
    until one of them is read or changed on its own (then it becomes a `FrozenTrial`)."""

    __slots__ = ("start", "params", "values", "internal", "datetime_start", "states",
                 "told", "datetime_complete", "open", "synced")

    def __init__(self, start: int, params: Sequence[tuple[str, BaseDistribution]],
                 values: np.ndarray, internal: np.ndarray, n_objectives: int,
                 started: datetime.datetime) -> None:
        n = values.shape[0]
        self.start = start
        self.params = list(params)
        self.values = values  # (n, n_params) user values, ints as floats
        self.internal = internal  # (n, n_params)
        self.datetime_start = started
        self.states = np.full(n, int(TrialState.RUNNING), dtype=np.int8)
        self.told = np.full((n, n_objectives), np.nan)
        self.datetime_complete = np.full(n, None, dtype=object)
        self.open = np.ones(n, dtype=bool)  # running and still only in these arrays
        self.synced = False  # its open trials are in the running block

    def trial(self, number: int) -> FrozenTrial:
        """The record of trial ``number`` (in this block)."""
        k = number - self.start
        state = TrialState(int(self.states[k]))
        params = next(_user_rows(self.params, self.values[k : k + 1]))
        return FrozenTrial(
            number, state,
            self.told[k].tolist() if state == TrialState.COMPLETE else None,
            {name: value for name, (_, value) in params.items()},
            {name: dist for name, (dist, _) in params.items()},
            datetime_start=self.datetime_start,
            datetime_complete=self.datetime_complete[k],
        )


class _StudyRecord:
    __slots__ = ("name", "directions", "user_attrs", "trials", "running", "waiting",
                 "observations", "stale", "blocks", "block_starts", "n_lazy", "deleted")

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        # None for a trial of a block not read yet (see `_Block`).
        self.trials: list[FrozenTrial | None] = []
        self.running: dict[int, FrozenTrial | None] = {}
        self.waiting: collections.deque[int] = collections.deque()
        self.observations = Observations(directions)
        # Running trials whose row in the running block is not up to date: the block is
        # brought up to date when read (`get_running_points`), not at every parameter.
        self.stale: set[int] = set()
        self.blocks: list[_Block] = []
        self.block_starts: list[int] = []
        self.n_lazy = 0  # entries of trials that are None
        self.deleted = False  # set when its study is deleted (writers check it)

    def materialize(self, number: int) -> FrozenTrial:
        """Turn trial ``number`` of a block into its `FrozenTrial` (kept from now on)."""
        block = self.blocks[bisect.bisect_right(self.block_starts, number) - 1]
        k = number - block.start
        trial = block.trial(number)
        self.trials[number] = trial
        self.n_lazy -= 1
        if block.open[k]:
            block.open[k] = False
            self.running[number] = trial
            if not block.synced:
                self.stale.add(number)
        return trial

    def materialize_all(self) -> None:
        """Turn every trial of the blocks into its `FrozenTrial`."""
        if self.n_lazy:
            trials = self.trials
            for block in self.blocks:
                for number in range(block.start, block.start + block.values.shape[0]):
                    if trials[number] is None:
                        self.materialize(number)


_RUNNING = TrialState.RUNNING


class _ParamWriter:
    """`InMemoryStorage.set_trial_param` of one running trial, without the look-ups.

    Writes the trial's record in place while it runs; once it has finished
    (or its study was deleted) a write goes through the method, which raises.
    """

    __slots__ = ("_lock", "_record", "_stale", "_storage", "_study_id", "_trial", "number")

    def __init__(self, storage: InMemoryStorage, study_id: int, number: int,
                 trial: FrozenTrial) -> None:
        self._storage = storage
        self._lock = storage._lock
        self._study_id = study_id
        self._record = storage._studies[study_id]
        self._stale = self._record.stale
        self._trial = trial
        self.number = number

    def write(self, name: str, distribution: BaseDistribution, value: Any) -> None:
        """Record the value of parameter ``name`` (as `InMemoryStorage.set_trial_param`).

        ``name`` was checked by the caller (`bbopt.Trial`, the only one).
        """
        lock = self._lock
        lock.acquire()  # cheaper than `with` on this path (as in the storage's other hot methods)
        try:
            trial = self._trial
            if trial.state is not _RUNNING or self._record.deleted:
                self._storage.set_trial_param(self._study_id, self.number, name, distribution,
                                              value)  # raises
                return
            trial.params[name] = value
            trial.distributions[name] = distribution
            self._stale.add(self.number)
        finally:
            lock.release()


def _as_slice(rows: np.ndarray) -> slice | np.ndarray:
    """``rows`` (a non-empty 1-d int array) as a slice when they are consecutive and
    increasing (slicing is cheaper than a gather or a scatter), else ``rows``."""
    first = int(rows[0])
    if int(rows[-1]) - first == rows.size - 1 and bool((rows[1:] > rows[:-1]).all()):
        return slice(first, first + rows.size)
    return rows


def _internal_params(trial: FrozenTrial) -> dict[str, tuple[BaseDistribution, float]]:
    params = trial.params
    return {
        # A float of a linear FloatDistribution is its own internal value: no call for it.
        name: (dist, value if type(value) is float and type(dist) is FloatDistribution
               and not dist.log else dist.to_internal(value))
        for name, dist in trial.distributions.items()
        for value in (params[name],)
    }


class InMemoryStorage(BaseStorage):
    """Keep studies in this process's memory; fast, lost when the process ends.

    Safe to share between threads of one process.

    Examples
    --------
    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> study = bbopt.create_study(study_name="a", storage=storage)
    >>> bbopt.load_study(study_name="a", storage=storage).study_name
    'a'
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, _StudyRecord] = {}
        self._ids_by_name: dict[str, int] = {}
        self._next_study_id = 0

    def _now(self) -> datetime.datetime:
        """The time stamped on trials that start or finish (a journal replays its own)."""
        return datetime.datetime.now()

    def _study(self, study_id: int) -> _StudyRecord:
        try:
            return self._studies[study_id]
        except KeyError:
            raise StudyNotFoundError(f"No study with id {study_id!r} in this storage.") from None

    def _trial(self, study_id: int, number: int) -> FrozenTrial:
        trials = self._study(study_id).trials
        if not 0 <= number < len(trials):
            raise TrialNotFoundError(
                f"No trial number {number!r} in study {self._studies[study_id].name!r} "
                f"(it has {len(trials)} trials)."
            )
        trial = trials[number]
        if trial is None:
            trial = self._studies[study_id].materialize(number)
        return trial

    def _require_running(self, study_id: int, numbers: Sequence[int]) -> None:
        """Raise as a write would for the first of ``numbers`` not running.

        Running trials of a block stay arrays (a check materialises none).
        """
        with self._lock:
            record = self._study(study_id)
            for number in numbers:
                if number in record.running:
                    continue
                if 0 <= number < len(record.trials) and record.trials[number] is None:
                    block = record.blocks[bisect.bisect_right(record.block_starts, number) - 1]
                    if block.open[number - block.start]:
                        continue
                self._running_trial(study_id, number)  # raises

    def _running_trial(self, study_id: int, number: int) -> FrozenTrial:
        record = self._studies.get(study_id) or self._study(study_id)
        trial = record.running.get(number)
        if trial is None and 0 <= number < len(record.trials) and record.trials[number] is None:
            trial = record.materialize(number)  # a trial of a block: running or not
            if trial.state != TrialState.RUNNING:
                trial = None
        if trial is None:
            state = self._trial(study_id, number).state
            raise TrialFinishedError(
                f"Trial {number} of study {record.name!r} is {state.name}, not RUNNING: "
                "it cannot change any more."
            )
        return trial

    # -- studies ---------------------------------------------------------
    def create_new_study(self, directions: Sequence[StudyDirection], study_name: str) -> int:
        check_name(study_name, "study_name", "create_study")
        with self._lock:
            if study_name in self._ids_by_name:
                raise DuplicatedStudyError(
                    f"A study named {study_name!r} already exists in this storage; "
                    "pass load_if_exists=True to load it."
                )
            study_id = self._next_study_id
            self._next_study_id += 1
            self._studies[study_id] = _StudyRecord(study_name, list(directions))
            self._ids_by_name[study_name] = study_id
            return study_id

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            record = self._study(study_id)
            del self._studies[study_id]
            del self._ids_by_name[record.name]
            record.deleted = True

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            try:
                return self._ids_by_name[study_name]
            except (KeyError, TypeError):
                raise StudyNotFoundError(
                    f"No study named {study_name!r} in this storage. "
                    f"Known studies: {sorted(self._ids_by_name)!r}."
                ) from None

    def get_study_name(self, study_id: int) -> str:
        return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return list(self._study(study_id).directions)

    def get_all_study_names(self) -> list[str]:
        with self._lock:
            return [record.name for record in self._studies.values()]

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        check_attr(key, value, "Study.set_user_attr")
        with self._lock:
            self._study(study_id).user_attrs[key] = value

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._study(study_id).user_attrs)

    # -- trials ----------------------------------------------------------
    def create_new_trial(self, study_id: int, template: FrozenTrial | None = None) -> int:
        if template is not None:
            check_template(template, "Study.add_trial")
        lock = self._lock
        lock.acquire()
        try:
            record = self._study(study_id)
            number = len(record.trials)
            if template is None:
                trial = FrozenTrial(number, _RUNNING, None, {}, {}, datetime_start=self._now())
            else:
                trial = template.copy()
                trial.number = number
            record.trials.append(trial)
            if trial.state == _RUNNING:
                record.running[number] = trial
                record.stale.add(number)
            elif trial.state == TrialState.WAITING:
                record.waiting.append(number)
            else:
                record.observations.append(
                    number, trial.state, trial.values, _internal_params(trial),
                    trial.system_attrs.get(CONSTRAINTS_KEY),
                )
            return number
        finally:
            lock.release()

    def pop_waiting_trial(self, study_id: int) -> int | None:
        record = self._studies.get(study_id) or self._study(study_id)
        if not record.waiting:  # the common case, read without the lock: a deque's truth is
            return None         # atomic, and a trial enqueued meanwhile is popped next time
        with self._lock:
            record = self._study(study_id)
            if not record.waiting:
                return None
            number = record.waiting.popleft()
            trial = record.trials[number]
            assert trial is not None  # a waiting trial is never in a block
            trial.state = TrialState.RUNNING
            trial.datetime_start = self._now()
            record.running[number] = trial
            record.stale.add(number)
            return number

    def set_trial_param(
        self, study_id: int, number: int, name: str, distribution: BaseDistribution, value: Any
    ) -> None:
        check_name(name, "name", "Trial.suggest")
        with self._lock:
            record = self._studies.get(study_id)
            trial = None if record is None else record.running.get(number)
            if trial is None:
                trial = self._running_trial(study_id, number)  # raises
            trial.params[name] = value
            trial.distributions[name] = distribution
            record.stale.add(number)  # type: ignore[union-attr]

    def _param_writer(
        self, study_id: int, number: int
    ) -> Callable[[str, BaseDistribution, Any], None]:
        if type(self).set_trial_param is not InMemoryStorage.set_trial_param:
            return super()._param_writer(study_id, number)  # a subclass records its own way
        with self._lock:
            trial = self._running_trial(study_id, number)  # raises if it is not running
            return _ParamWriter(self, study_id, number, trial).write

    def set_trial_params(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, Any]]
    ) -> None:
        for name in params:
            check_name(name, "name", "Trial.suggest")
        with self._lock:
            trial = self._running_trial(study_id, number)
            for name, (distribution, value) in params.items():
                trial.params[name] = value
                trial.distributions[name] = distribution
            self._studies[study_id].stale.add(number)

    def set_trial_intermediate_value(
        self, study_id: int, number: int, step: int, value: float
    ) -> None:
        check_step(step, "Trial.report")
        with self._lock:
            self._running_trial(study_id, number).intermediate_values[step] = value

    def set_trial_user_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        check_attr(key, value, "Trial.set_user_attr")
        with self._lock:
            self._trial(study_id, number).user_attrs[key] = value

    def set_trial_system_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        check_attr(key, value, "Trial.set_system_attr")
        with self._lock:
            self._trial(study_id, number).system_attrs[key] = value

    def finish_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> None:
        lock = self._lock
        lock.acquire()
        try:
            trial = self._running_trial(study_id, number)
            record = self._studies[study_id]
            trial.state = state
            trial.values = None if values is None else list(values)
            trial.datetime_complete = self._now()
            del record.running[number]
            record.stale.discard(number)
            record.observations.drop_running(number)
            record.observations.append(number, state, values, _internal_params(trial),
                                       trial.system_attrs.get(CONSTRAINTS_KEY))
        finally:
            lock.release()

    # The methods of every ask and tell take the lock with acquire and release: cheaper
    # than `with`, at a few hundred nanoseconds per call that a trial pays several times.
    def get_trial_state(self, study_id: int, number: int) -> TrialState:
        lock = self._lock
        lock.acquire()
        try:
            return self._trial(study_id, number).state
        finally:
            lock.release()

    def get_trial(self, study_id: int, number: int) -> FrozenTrial:
        lock = self._lock
        lock.acquire()
        try:
            return self._trial(study_id, number).copy()
        finally:
            lock.release()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Collection[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            record = self._study(study_id)
            record.materialize_all()
            every = cast("list[FrozenTrial]", record.trials)  # none is None now
            if states is None:
                trials = list(every)
            elif set(states) == {TrialState.RUNNING}:
                running = cast("list[FrozenTrial]", list(record.running.values()))
                trials = sorted(running, key=lambda t: t.number)
            else:
                trials = [t for t in every if t.state in states]
            return [t.copy() for t in trials] if deepcopy else trials

    def get_n_trials(self, study_id: int, states: Collection[TrialState] | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            if states is None:
                return len(record.trials)
            record.materialize_all()
            every = cast("list[FrozenTrial]", record.trials)  # none is None now
            return sum(1 for t in every if t.state in states)

    def get_observations(self, study_id: int) -> Observations:
        return self._study(study_id).observations

    def get_running_points(self, study_id: int) -> RunningPoints:
        with self._lock:
            record = self._study(study_id)
            observations = record.observations
            for block in record.blocks:
                if not block.synced:
                    rows = np.flatnonzero(block.open)
                    observations.set_running_block(rows + block.start, block.params,
                                                   block.internal[rows])
                    block.synced = True
            for number in record.stale:
                observations.set_running(
                    number, _internal_params(record.running[number]))  # type: ignore[arg-type]
            record.stale.clear()
            return observations.running_points()

    def note_running_point(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, float]]
    ) -> None:
        with self._lock:
            record = self._study(study_id)
            if number in record.running:
                record.observations.set_running(number, params)

    # -- blocks of trials ------------------------------------------------
    def create_running_trials(
        self, study_id: int, params: Sequence[tuple[str, BaseDistribution]],
        values: np.ndarray,
    ) -> np.ndarray:
        values = values.copy()  # the caller keeps its array (ask_array hands it to the user)
        internal = _numeric_rows_to_internal(
            [distribution for _, distribution in params], values)  # type: ignore[misc]
        n = values.shape[0]
        with self._lock:
            record = self._study(study_id)
            start = len(record.trials)
            numbers = np.arange(start, start + n, dtype=np.int64)
            record.blocks.append(_Block(start, params, values, internal, len(record.directions),
                                        self._now()))
            record.block_starts.append(start)
            record.trials.extend([None] * n)
            record.n_lazy += n
            return numbers

    def finish_trials(
        self, study_id: int, numbers: np.ndarray, states: np.ndarray, values: np.ndarray
    ) -> None:
        with self._lock:
            record = self._study(study_id)
            block = None
            if numbers.size and record.blocks:
                block = record.blocks[
                    bisect.bisect_right(record.block_starts, int(numbers.min())) - 1]
                rows = numbers - block.start
                if not (rows.min() >= 0 and rows.max() < block.values.shape[0]):
                    block = None
                else:
                    k = _as_slice(rows)
                    if not block.open[k].all():
                        block = None
            if block is None:  # not all running and unread in one block: one by one
                super().finish_trials(study_id, numbers, states, values)
                return
            complete = states == int(TrialState.COMPLETE)
            block.open[k] = False
            told = np.where(complete[:, None], values, np.nan)
            block.states[k] = states
            block.told[k] = told
            block.datetime_complete[k] = self._now()
            if block.synced:
                record.observations.drop_running_block(numbers.tolist())
            record.observations.append_block(numbers, states, told, block.params,
                                             block.internal[k])
