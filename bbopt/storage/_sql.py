"""What the SQL storages (SQLite, PostgreSQL) share: records, decoding, the observation sync.

Both keep the same logical layout: one row per trial with its state, values
(JSON text), timestamps (ISO text), a heartbeat, a ``finish_seq`` that
numbers the finished trials of a study in the order they finished, and
``row_params``, a JSON copy ``[[name, dist_id, internal], ...]`` of the
parameters of a finished trial; parameters, reports and attributes have one
row each. The SQL differs; what is read back is decoded here, once, and
`SQLStorage`, the base of both, holds every method whose logic is the same
over statements that each storage writes in its dialect.
"""

from __future__ import annotations

import abc
import contextlib
import datetime
import json
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from bbopt._distributions import (
    BaseDistribution,
    IntDistribution,
    _numeric_rows_to_internal,
    distribution_from_dict,
)
from bbopt._frozen import CONSTRAINTS_KEY, FrozenTrial, StudyDirection, TrialState
from bbopt.storage._base import BaseStorage, StudyNotFoundError, TrialNotFoundError
from bbopt.storage._checks import check_attr
from bbopt.storage._heartbeat import HeartbeatMixin

if TYPE_CHECKING:
    import numpy as np

    from bbopt.storage._observations import Observations, RunningPoints

Params = dict[str, tuple[BaseDistribution, float]]
DistOf = Callable[[int], BaseDistribution]


def now() -> str:
    return datetime.datetime.now().isoformat()


def parse_datetime(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def dumps(value: Any, what: str, owner: str) -> str:
    """``value`` as JSON text; a TypeError naming ``what`` if it is not JSON."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{owner} stores {what} as JSON; {value!r} cannot be: {error}.") from None


def dumps_values(values: Sequence[float] | None) -> str | None:
    return None if values is None else json.dumps([float(v) for v in values])


def block_columns(
    params: Sequence[tuple[str, BaseDistribution]], values: np.ndarray
) -> tuple[np.ndarray, list[list[str]]]:
    """The internal values and the JSON texts of a block of trials' parameters, by column.

    ``values`` holds user values (ints as floats), one row per trial, one
    column per ``(name, float or int distribution)`` of ``params``.
    """
    import numpy as np

    internal = _numeric_rows_to_internal(
        [distribution for _, distribution in params], values)  # type: ignore[misc]
    texts = [
        # JSON of a finite float is its repr, of an int its str.
        list(map(str, values[:, j].astype(np.int64).tolist()))
        if isinstance(distribution, IntDistribution)
        else list(map(repr, values[:, j].tolist()))
        for j, (_, distribution) in enumerate(params)
    ]
    return internal, texts


def dumps_rows(states: np.ndarray, values: np.ndarray) -> list[str | None]:
    """The ``vals`` texts of trials finished at once: their values if COMPLETE, else NULL."""
    complete = int(TrialState.COMPLETE)
    return [json.dumps(row) if state == complete else None
            for state, row in zip(states.tolist(), values.tolist())]


def check_grace(grace: Any, owner: str) -> float:
    if isinstance(grace, bool) or not isinstance(grace, (int, float)) or not grace >= 0:
        raise ValueError(
            f"The 'grace_period' parameter of {owner}.fail_stale_trials must be a "
            f"number >= 0 (or set heartbeat_interval on the storage). Got {grace!r} instead."
        )
    return float(grace)


def check_positive(owner: str, **values: Any) -> None:
    """ValueError unless every given value (None skipped) is a number > 0."""
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(
                f"The '{name}' parameter of {owner} must be a number > 0. Got {value!r} instead."
            )


class StudyCache:
    """What a process keeps of one study: its name, directions and observations.

    ``last_seq`` is the largest ``finish_seq`` appended to ``observations``;
    ``notes`` holds the joint draws of this process's running trials
    (`BaseStorage.note_running_point`) until they finish.
    """

    __slots__ = ("_observations", "directions", "last_seq", "name", "notes")

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self._observations: Observations | None = None
        self.last_seq = 0
        self.notes: dict[int, Params] = {}

    @property
    def observations(self) -> Observations:
        """The finished trials appended so far (made on first use: a command that reads
        none, such as ``bbopt tell``, does not import numpy)."""
        if self._observations is None:
            from bbopt.storage._observations import Observations

            self._observations = Observations(self.directions)
        return self._observations

    @property
    def has_observations(self) -> bool:
        """Whether `observations` was made: until then, appending finished trials can wait."""
        return self._observations is not None

    def append_finished(
        self,
        finished: Sequence[tuple[int, int, int, str | None, str | None, str | None]],
        dist_of: DistOf,
        read_params: Callable[[list[int]], dict[int, Params]],
    ) -> None:
        """Append rows ``(finish_seq, number, state, vals, row_params, constraints)``.

        Rows come in finish order. Rows without a copy of their parameters
        (``row_params`` NULL) get them from ``read_params(numbers)``;
        ``constraints`` is the JSON of the trial's constraint values (its
        system attribute ``"constraints"``) or NULL.
        """
        if not finished:
            return
        params: dict[int, Params] = {}
        missing = []
        for _, number, _, _, row_params, _ in finished:
            if row_params is None:
                missing.append(number)
                continue
            params[number] = {
                name: (dist_of(dist_id), float(internal))
                for name, dist_id, internal in json.loads(row_params)
            }
        if missing:
            params.update(read_params(missing))
        append = self.observations.append
        for _, number, state, vals, _, constraints in finished:
            append(number, TrialState(state), None if vals is None else json.loads(vals),
                   params.get(number, {}), _constraint_values(constraints))
        self.last_seq = int(finished[-1][0])

    def running_points(
        self, rows: Iterable[tuple[int, str | None, int | None, float | None]], dist_of: DistOf
    ) -> RunningPoints:
        """The running points from rows ``(number, name, dist_id, internal)``.

        One row per parameter of each running trial (a trial without any has
        one row of NULLs); the notes of this process fill what is not set yet.
        """
        points: dict[int, Params] = {}
        for number, name, dist_id, internal in rows:
            row = points.setdefault(number, {})
            if name is not None:
                assert dist_id is not None and internal is not None
                row[name] = (dist_of(dist_id), float(internal))
        for number in [n for n in self.notes if n not in points]:  # finished elsewhere
            del self.notes[number]
        self.observations.replace_running(
            (number, {**self.notes.get(number, {}), **row}) for number, row in points.items()
        )
        return self.observations.running_points()


def decode_trials(
    trial_rows: Iterable[tuple[int, int, str | None, str | None, str | None]],
    param_rows: Iterable[tuple[int, str, int, str]],
    intermediate_rows: Iterable[tuple[int, int, float | None]],
    attr_rows: Iterable[tuple[int, int, str, str]],
    dist_of: DistOf,
) -> list[FrozenTrial]:
    """Build trials from rows, each kind in insertion order.

    ``trial_rows`` ``(number, state, vals, datetime_start, datetime_complete)``
    in number order; ``param_rows`` ``(number, name, dist_id, value)``;
    ``intermediate_rows`` ``(number, step, value)``; ``attr_rows``
    ``(number, system, key, value)``. Rows of other trials are skipped.
    """
    trials: dict[int, FrozenTrial] = {}
    for number, state, vals, start, complete in trial_rows:
        trials[number] = FrozenTrial(
            number, TrialState(state), None if vals is None else json.loads(vals), {}, {},
            datetime_start=parse_datetime(start), datetime_complete=parse_datetime(complete),
        )
    if not trials:
        return []
    for number, name, dist_id, value in param_rows:
        trial = trials.get(number)
        if trial is not None:
            trial.params[name] = json.loads(value)
            trial.distributions[name] = dist_of(dist_id)
    for number, step, step_value in intermediate_rows:
        trial = trials.get(number)
        if trial is not None:
            trial.intermediate_values[step] = float("nan") if step_value is None else step_value
    for number, system, key, value in attr_rows:
        trial = trials.get(number)
        if trial is not None:
            (trial.system_attrs if system else trial.user_attrs)[key] = json.loads(value)
    return list(trials.values())


def template_rows(
    template: FrozenTrial, dumps_value: Callable[[Any, str], str]
) -> tuple[tuple[Any, ...], list[tuple[str, BaseDistribution, str, float]],
           list[tuple[int, float]], list[tuple[int, str, str]]]:
    """The rows of a trial template: the trial's fields, params, reports, attributes.

    Returns ``(state, vals, datetime_start, datetime_complete)``,
    ``[(name, distribution, value_json, internal)]``, ``[(step, value)]`` and
    ``[(system, key, value_json)]``.
    """
    start, complete = template.datetime_start, template.datetime_complete
    trial = (int(template.state), dumps_values(template.values),
             None if start is None else start.isoformat(),
             None if complete is None else complete.isoformat())
    params = [
        (name, distribution, dumps_value(template.params[name], f"the parameter {name!r}"),
         distribution.to_internal(template.params[name]))
        for name, distribution in template.distributions.items()
    ]
    attrs = [
        (system, key, dumps_value(value, f"the attribute {key!r}"))
        for system, mapping in ((0, template.user_attrs), (1, template.system_attrs))
        for key, value in mapping.items()
    ]
    return trial, params, list(template.intermediate_values.items()), attrs


def _constraint_values(text: str | None) -> list[float] | None:
    """The constraint values stored as JSON, or None (absent, or not a list of numbers)."""
    if text is None:
        return None
    values = json.loads(text)
    if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return [float(v) for v in values]


class SQLStorage(HeartbeatMixin, BaseStorage):
    """What the SQL storages do alike, over statements written in each one's dialect.

    A subclass sets ``_SQL`` (the statements below, with its placeholders and
    table names), ``_caches``, ``_dists``, ``_dist_ids`` and ``_lock`` (in its
    setup), and implements `_reads` and `_writes` (a connection for
    statements that read, or that write one row, each in a transaction of its
    own), `_snapshot`, `_states_in`, `_load_trials`, `_count_all` and
    `_read_params`. Everything on the path of an
    ask or a tell, whose SQL differs, stays in the subclass.

    ``_SQL`` keys and arguments: ``study`` (study_id) -> name, directions;
    ``study_id`` (name) -> study_id; ``study_names`` () -> name in creation
    order; ``set_study_attr`` (study_id, key, value); ``study_attrs``
    (study_id) -> key, value in insertion order; ``add_dist`` (spec), a no-op if
    it exists; ``dist_id`` (spec) -> dist_id; ``dist_spec`` (dist_id) -> spec;
    ``state`` (study_id, number) -> state; ``count`` (study_id, then the
    arguments of `_states_in`) -> the number of trials, followed by the
    condition of `_states_in`; ``finished_since`` (constraints key,
    study_id, last finish_seq) -> the rows of `StudyCache.append_finished`;
    ``running_params`` (study_id, RUNNING) -> the rows of
    `StudyCache.running_points`.
    """

    _SQL: ClassVar[Mapping[str, str]]
    _caches: dict[int, StudyCache]
    _dists: dict[int, BaseDistribution]
    _dist_ids: dict[BaseDistribution, int]
    _lock: threading.RLock

    @abc.abstractmethod
    def _reads(self) -> contextlib.AbstractContextManager[Any]:
        """A connection for reads, each its own transaction; errors translated."""

    @abc.abstractmethod
    def _writes(self) -> contextlib.AbstractContextManager[Any]:
        """A connection for a write of one statement (or one transaction); errors
        translated."""

    @abc.abstractmethod
    def _snapshot(self) -> contextlib.AbstractContextManager[Any]:
        """A connection whose reads all see one state of the storage; errors translated."""

    @abc.abstractmethod
    def _states_in(self, codes: list[int]) -> tuple[str, tuple[Any, ...]]:
        """The condition ``AND state IN codes`` (``codes`` not empty) and its arguments."""

    @abc.abstractmethod
    def _load_trials(self, conn: Any, study_id: int, where: str = "",
                     args: Sequence[Any] = ()) -> list[FrozenTrial]:
        """The trials of the study (those matching ``where``), in number order."""

    @abc.abstractmethod
    def _count_all(self, conn: Any, study_id: int) -> int:
        """The number of trials of the study."""

    @abc.abstractmethod
    def _read_params(self, conn: Any, study_id: int, numbers: list[int]) -> dict[int, Params]:
        """The parameters of the finished trials ``numbers``."""

    # -- helpers ---------------------------------------------------------------
    def _cache(self, conn: Any, study_id: int) -> StudyCache:
        cache = self._caches.get(study_id)
        if cache is None:
            row = None
            if isinstance(study_id, int) and not isinstance(study_id, bool):
                row = conn.execute(self._SQL["study"], (study_id,)).fetchone()
            if row is None:
                raise StudyNotFoundError(f"No study with id {study_id!r} in this storage.")
            directions = [StudyDirection(d) for d in json.loads(row[1])]
            cache = self._caches[study_id] = StudyCache(row[0], directions)
        return cache

    def _dist_id(self, conn: Any, distribution: BaseDistribution) -> int:
        dist_id = self._dist_ids.get(distribution)
        if dist_id is None:
            spec = json.dumps(distribution.to_dict())
            conn.execute(self._SQL["add_dist"], (spec,))
            dist_id = int(conn.execute(self._SQL["dist_id"], (spec,)).fetchone()[0])
            self._dist_ids[distribution] = dist_id
            self._dists[dist_id] = distribution
        return dist_id

    def _dist(self, conn: Any, dist_id: int) -> BaseDistribution:
        distribution = self._dists.get(dist_id)
        if distribution is None:
            spec = conn.execute(self._SQL["dist_spec"], (dist_id,)).fetchone()[0]
            distribution = distribution_from_dict(json.loads(spec))
            self._dists[dist_id] = distribution
            self._dist_ids.setdefault(distribution, dist_id)
        return distribution

    def _dist_of(self, conn: Any) -> DistOf:
        dists = self._dists
        return lambda dist_id: dists.get(dist_id) or self._dist(conn, dist_id)

    def _missing_trial(self, conn: Any, study_id: int, number: Any) -> Exception:
        name = self._cache(conn, study_id).name  # StudyNotFoundError first
        return TrialNotFoundError(
            f"No trial number {number!r} in study {name!r} "
            f"(it has {self._count_all(conn, study_id)} trials)."
        )

    def _state(self, conn: Any, study_id: int, number: Any) -> TrialState:
        row = None
        if isinstance(number, int) and not isinstance(number, bool):
            row = conn.execute(self._SQL["state"], (study_id, number)).fetchone()
        if row is None:
            raise self._missing_trial(conn, study_id, number)
        return TrialState(row[0])

    def _sync(self, conn: Any, study_id: int, cache: StudyCache, read: bool = False) -> None:
        """Append the trials finished since the last read to the study's observations.

        Only if a reader (``read``) wants them or they were read before: a process that
        only tells (``bbopt tell``) reads none and builds none.
        """
        if not (read or cache.has_observations):
            return
        self._append_finished(conn, study_id, cache, conn.execute(
            self._SQL["finished_since"], (CONSTRAINTS_KEY, study_id, cache.last_seq),
        ).fetchall())

    def _append_finished(self, conn: Any, study_id: int, cache: StudyCache,
                         finished: list[Any]) -> None:
        cache.append_finished(finished, self._dist_of(conn),
                              lambda numbers: self._read_params(conn, study_id, numbers))

    # -- studies ---------------------------------------------------------------
    def get_study_id_from_name(self, study_name: str) -> int:
        with self._reads() as conn:
            row = None
            if isinstance(study_name, str):
                row = conn.execute(self._SQL["study_id"], (study_name,)).fetchone()
            if row is None:
                known = sorted(r[0] for r in conn.execute(self._SQL["study_names"]))
                raise StudyNotFoundError(
                    f"No study named {study_name!r} in this storage. Known studies: {known!r}."
                )
            return int(row[0])

    def get_study_name(self, study_id: int) -> str:
        with self._reads() as conn:
            return self._cache(conn, study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._reads() as conn:
            return list(self._cache(conn, study_id).directions)

    def get_all_study_names(self) -> list[str]:
        with self._reads() as conn:
            return [r[0] for r in conn.execute(self._SQL["study_names"])]

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        text = check_attr(key, value, "Study.set_user_attr")
        with self._writes() as conn:
            self._cache(conn, study_id)
            conn.execute(self._SQL["set_study_attr"], (study_id, key, text))

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._reads() as conn:
            self._cache(conn, study_id)
            return {key: json.loads(value)
                    for key, value in conn.execute(self._SQL["study_attrs"], (study_id,))}

    # -- trials ----------------------------------------------------------------
    def get_trial_state(self, study_id: int, number: int) -> TrialState:
        with self._reads() as conn:
            return self._state(conn, study_id, number)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Collection[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        # Every call builds new records, so deepcopy=False costs nothing extra.
        with self._snapshot() as conn:
            self._cache(conn, study_id)
            if states is None:
                return self._load_trials(conn, study_id)
            codes = sorted({int(s) for s in states})
            if not codes:
                return []
            return self._load_trials(conn, study_id, *self._states_in(codes))

    def get_n_trials(self, study_id: int, states: Collection[TrialState] | None = None) -> int:
        with self._reads() as conn:
            self._cache(conn, study_id)
            if states is None:
                return self._count_all(conn, study_id)
            codes = sorted({int(s) for s in states})
            if not codes:
                return 0
            where, args = self._states_in(codes)
            return int(conn.execute(f"{self._SQL['count']} {where}",
                                    (study_id, *args)).fetchone()[0])

    def get_observations(self, study_id: int) -> Observations:
        with self._reads() as conn:
            cache = self._cache(conn, study_id)
            self._sync(conn, study_id, cache, read=True)
            return cache.observations

    def get_running_points(self, study_id: int) -> RunningPoints:
        with self._reads() as conn:
            cache = self._cache(conn, study_id)
            return cache.running_points(
                conn.execute(self._SQL["running_params"], (study_id, int(TrialState.RUNNING))),
                self._dist_of(conn))

    def note_running_point(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, float]]
    ) -> None:
        with self._lock:
            cache = self._caches.get(study_id)
            if cache is not None:
                cache.notes.setdefault(number, {}).update(params)
