"""What the SQL storages (SQLite, PostgreSQL) share: records, decoding, the observation sync.

Both keep the same logical layout: one row per trial with its state, values
(JSON text), timestamps (ISO text), a heartbeat, a ``finish_seq`` that
numbers the finished trials of a study in the order they finished, and
``row_params``, a JSON copy ``[[name, dist_id, internal], ...]`` of the
parameters of a finished trial; parameters, reports and attributes have one
row each. The SQL differs; what is read back is decoded here, once.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from bbopt._distributions import BaseDistribution, IntDistribution, _numeric_rows_to_internal
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
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

    __slots__ = ("directions", "last_seq", "name", "notes", "observations")

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.observations = Observations(directions)
        self.last_seq = 0
        self.notes: dict[int, Params] = {}

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
