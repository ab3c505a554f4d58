"""Storage in the memory of the current process."""

from __future__ import annotations

import collections
import copy
import datetime
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bbopt._distributions import BaseDistribution
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt.storage._base import (
    BaseStorage,
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialFinishedError,
    TrialNotFoundError,
)
from bbopt.storage._observations import Observations, RunningPoints


class _StudyRecord:
    __slots__ = ("name", "directions", "user_attrs", "trials", "running", "waiting",
                 "observations")

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        self.trials: list[FrozenTrial] = []
        self.running: dict[int, FrozenTrial] = {}
        self.waiting: collections.deque[int] = collections.deque()
        self.observations = Observations(directions)


def _internal_params(trial: FrozenTrial) -> dict[str, tuple[BaseDistribution, float]]:
    return {
        name: (dist, dist.to_internal(trial.params[name]))
        for name, dist in trial.distributions.items()
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
        return trials[number]

    def _running_trial(self, study_id: int, number: int) -> FrozenTrial:
        record = self._studies.get(study_id) or self._study(study_id)
        trial = record.running.get(number)
        if trial is None:
            state = self._trial(study_id, number).state
            raise TrialFinishedError(
                f"Trial {number} of study {record.name!r} is {state.name}, not RUNNING: "
                "it cannot change any more."
            )
        return trial

    # -- studies ---------------------------------------------------------
    def create_new_study(self, directions: Sequence[StudyDirection], study_name: str) -> int:
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
        with self._lock:
            self._study(study_id).user_attrs[key] = value

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._study(study_id).user_attrs)

    # -- trials ----------------------------------------------------------
    def create_new_trial(self, study_id: int, template: FrozenTrial | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            number = len(record.trials)
            if template is None:
                trial = FrozenTrial(
                    number, TrialState.RUNNING, None, {}, {},
                    datetime_start=self._now(),
                )
            else:
                trial = template.copy()
                trial.number = number
            record.trials.append(trial)
            if trial.state == TrialState.RUNNING:
                record.running[number] = trial
                record.observations.set_running(number, _internal_params(trial))
            elif trial.state == TrialState.WAITING:
                record.waiting.append(number)
            else:
                record.observations.append(
                    number, trial.state, trial.values, _internal_params(trial)
                )
            return number

    def pop_waiting_trial(self, study_id: int) -> int | None:
        with self._lock:
            record = self._study(study_id)
            if not record.waiting:
                return None
            number = record.waiting.popleft()
            trial = record.trials[number]
            trial.state = TrialState.RUNNING
            trial.datetime_start = self._now()
            record.running[number] = trial
            record.observations.set_running(number, {})
            return number

    def set_trial_param(
        self, study_id: int, number: int, name: str, distribution: BaseDistribution, value: Any
    ) -> None:
        with self._lock:
            trial = self._running_trial(study_id, number)
            trial.params[name] = value
            trial.distributions[name] = distribution
            self._studies[study_id].observations.set_running(
                number, {name: (distribution, distribution.to_internal(value))})

    def set_trial_params(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, Any]]
    ) -> None:
        with self._lock:
            trial = self._running_trial(study_id, number)
            internal = {}
            for name, (distribution, value) in params.items():
                trial.params[name] = value
                trial.distributions[name] = distribution
                internal[name] = (distribution, distribution.to_internal(value))
            self._studies[study_id].observations.set_running(number, internal)

    def set_trial_intermediate_value(
        self, study_id: int, number: int, step: int, value: float
    ) -> None:
        with self._lock:
            self._running_trial(study_id, number).intermediate_values[step] = value

    def set_trial_user_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        with self._lock:
            self._trial(study_id, number).user_attrs[key] = value

    def set_trial_system_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        with self._lock:
            self._trial(study_id, number).system_attrs[key] = value

    def finish_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> None:
        with self._lock:
            trial = self._running_trial(study_id, number)
            record = self._studies[study_id]
            trial.state = state
            trial.values = None if values is None else list(values)
            trial.datetime_complete = self._now()
            del record.running[number]
            record.observations.drop_running(number)
            record.observations.append(number, state, values, _internal_params(trial))

    def get_trial_state(self, study_id: int, number: int) -> TrialState:
        with self._lock:
            return self._trial(study_id, number).state

    def get_trial(self, study_id: int, number: int) -> FrozenTrial:
        with self._lock:
            return self._trial(study_id, number).copy()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Collection[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            record = self._study(study_id)
            if states is None:
                trials = list(record.trials)
            elif set(states) == {TrialState.RUNNING}:
                trials = sorted(record.running.values(), key=lambda t: t.number)
            else:
                trials = [t for t in record.trials if t.state in states]
            return [t.copy() for t in trials] if deepcopy else trials

    def get_n_trials(self, study_id: int, states: Collection[TrialState] | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            if states is None:
                return len(record.trials)
            return sum(1 for t in record.trials if t.state in states)

    def get_observations(self, study_id: int) -> Observations:
        return self._study(study_id).observations

    def get_running_points(self, study_id: int) -> RunningPoints:
        with self._lock:
            return self._study(study_id).observations.running_points()

    def note_running_point(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, float]]
    ) -> None:
        with self._lock:
            record = self._study(study_id)
            if number in record.running:
                record.observations.set_running(number, params)
