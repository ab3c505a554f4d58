"""Trial states and the record of one trial (`FrozenTrial`)."""

from __future__ import annotations

import copy
import datetime
import enum
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from bbopt._distributions import BaseDistribution
from bbopt._validation import is_numpy


class TrialState(enum.IntEnum):
    """Life-cycle state of a trial.

    ``WAITING`` (enqueued) -> ``RUNNING`` -> one of the finished states
    ``COMPLETE``, ``PRUNED`` or ``FAIL``.

    Examples
    --------
    >>> import bbopt
    >>> bbopt.TrialState.PRUNED.is_finished(), bbopt.TrialState.RUNNING.is_finished()
    (True, False)
    """

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def is_finished(self) -> bool:
        """Return whether the state is final."""
        return self in _FINISHED


#: The system attribute that holds a trial's constraint values (feasible when all <= 0),
#: as Optuna names it; storages copy it into `bbopt.storage.Observations.constraints`.
CONSTRAINTS_KEY = "constraints"

_FINISHED = frozenset((TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))

# The system attribute that says why a trial failed, where bbopt knows it
# (a dead or timed-out worker, an error while asking).
FAIL_REASON = "fail_reason"


class StudyDirection(enum.IntEnum):
    """Whether an objective is minimised or maximised.

    Examples
    --------
    >>> import bbopt
    >>> bbopt.create_study(direction="maximize").direction
    <StudyDirection.MAXIMIZE: 2>
    """

    MINIMIZE = 1
    MAXIMIZE = 2


class FrozenTrial:
    """The record of one trial: parameters, values, state and attributes.

    Returned by `Study.trials`, `Study.best_trial` and `Study.tell`; also the
    input of `Study.add_trial` (see `create_trial`).

    Attributes
    ----------
    number : int
        Index of the trial in its study, from 0.
    state : TrialState
    values : list of float or None
        One value per objective, None unless the trial is complete (or pruned
        after reporting an intermediate value).
    params : dict
        Parameter name to user value.
    distributions : dict
        Parameter name to its distribution.
    intermediate_values : dict of int to float
        Values reported with `Trial.report`, by step.
    user_attrs, system_attrs : dict
    datetime_start, datetime_complete : datetime or None

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> trial = study.ask({"x": bbopt.FloatDistribution(0, 1)})
    >>> frozen = study.tell(trial, 0.25)
    >>> frozen.number, frozen.state.name, frozen.value
    (0, 'COMPLETE', 0.25)
    >>> frozen.params == trial.params
    True
    """

    __slots__ = (
        "number", "state", "values", "params", "distributions", "intermediate_values",
        "user_attrs", "system_attrs", "datetime_start", "datetime_complete",
    )

    def __init__(
        self,
        number: int,
        state: TrialState,
        values: Sequence[float] | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        intermediate_values: dict[int, float] | None = None,
        user_attrs: dict[str, Any] | None = None,
        system_attrs: dict[str, Any] | None = None,
        datetime_start: datetime.datetime | None = None,
        datetime_complete: datetime.datetime | None = None,
    ) -> None:
        self.number = number
        self.state = state
        self.values = None if values is None else list(values)
        self.params = params
        self.distributions = distributions
        self.intermediate_values = {} if intermediate_values is None else intermediate_values
        self.user_attrs = {} if user_attrs is None else user_attrs
        self.system_attrs = {} if system_attrs is None else system_attrs
        self.datetime_start = datetime_start
        self.datetime_complete = datetime_complete

    @property
    def value(self) -> float | None:
        """The single objective value (RuntimeError with several objectives)."""
        if self.values is not None and len(self.values) > 1:
            raise RuntimeError(
                "This trial has several objective values: use 'values' instead of 'value'."
            )
        return None if self.values is None else self.values[0]

    @property
    def last_step(self) -> int | None:
        """The largest step reported with `Trial.report`, or None."""
        return max(self.intermediate_values) if self.intermediate_values else None

    @property
    def duration(self) -> datetime.timedelta | None:
        """Time from start to finish, or None while unfinished."""
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return self.datetime_complete - self.datetime_start

    def copy(self) -> FrozenTrial:
        """Return a copy that shares nothing mutable with this one."""
        return FrozenTrial(
            self.number, self.state, self.values, dict(self.params), dict(self.distributions),
            dict(self.intermediate_values),
            copy.deepcopy(self.user_attrs) if self.user_attrs else {},
            copy.deepcopy(self.system_attrs) if self.system_attrs else {},
            self.datetime_start, self.datetime_complete,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"FrozenTrial(number={self.number}, state={self.state.name}, "
            f"values={self.values}, params={self.params})"
        )


def checked_constraints(value: Any, name: str, owner: str) -> list[float]:
    """Constraint values as a list of floats; ValueError/TypeError naming the argument."""
    if isinstance(value, (str, bytes)) or not (isinstance(value, Sequence)
                                                    or is_numpy(value, "ndarray")):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a sequence of floats. Got {value!r} "
            "instead.")
    items = list(value)
    if not items or not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                            and not is_numpy(v, "bool_") for v in items):
        raise TypeError(
            f"The {name!r} parameter of {owner} must be a non-empty sequence of real numbers. "
            f"Got {value!r} instead.")
    floats = [float(v) for v in items]
    if any(math.isnan(v) for v in floats):
        raise ValueError(
            f"The {name!r} parameter of {owner} must not contain NaN. Got {floats!r} instead.")
    return floats


def create_trial(
    *,
    params: Mapping[str, Any],
    distributions: Mapping[str, BaseDistribution],
    value: float | None = None,
    values: Sequence[float] | None = None,
    state: TrialState = TrialState.COMPLETE,
    intermediate_values: Mapping[int, float] | None = None,
    user_attrs: Mapping[str, Any] | None = None,
    constraints: Sequence[float] | None = None,
) -> FrozenTrial:
    """Build a finished trial to pass to `Study.add_trial` (warm start).

    Parameters
    ----------
    params : dict
        Parameter name to user value; each must lie in its distribution.
    distributions : dict
        Parameter name to distribution, same keys as ``params``.
    value, values : float or sequence of float, optional
        The objective value(s); give one of them for a complete trial.
    state : TrialState, default COMPLETE
        COMPLETE, PRUNED or FAIL.
    intermediate_values, user_attrs : dict, optional
    constraints : sequence of float, optional
        Constraint values (feasible when all are <= 0), kept as
        ``system_attrs["constraints"]`` as a ``constraints_func`` would: the
        constrained samplers and `Study.best_trial` use them. Real numbers,
        not NaN (infinite is allowed).

    Examples
    --------
    >>> import bbopt
    >>> t = bbopt.create_trial(params={"x": 0.5},
    ...                        distributions={"x": bbopt.FloatDistribution(0, 1)}, value=0.25)
    >>> t.value
    0.25
    >>> bbopt.create_trial(params={}, distributions={}, value=1.0,
    ...                    constraints=[-1, 0.5]).system_attrs
    {'constraints': [-1.0, 0.5]}
    """
    owner = "create_trial"
    if value is not None and values is not None:
        raise ValueError(
            f"{owner} takes 'value' or 'values', not both. Got {value!r} and {values!r}."
        )
    if value is not None:
        values = [value]
    if not isinstance(state, TrialState) or not state.is_finished():
        raise ValueError(
            f"The 'state' parameter of {owner} must be COMPLETE, PRUNED or FAIL. Got {state!r}."
        )
    if set(params) != set(distributions):
        raise ValueError(
            f"The 'params' and 'distributions' of {owner} must have the same keys. "
            f"Got {sorted(params)} and {sorted(distributions)}."
        )
    for name, dist in distributions.items():
        if not isinstance(dist, BaseDistribution):
            raise TypeError(
                f"The 'distributions' of {owner} must map names to distributions. "
                f"Got {dist!r} for {name!r}."
            )
        if not dist.contains(params[name]):
            raise ValueError(
                f"The value {params[name]!r} of parameter {name!r} in {owner} is not in {dist!r}."
            )
    if state == TrialState.COMPLETE:
        if values is None:
            raise ValueError(f"A COMPLETE trial given to {owner} needs 'value' or 'values'.")
        values = [float(v) for v in values]
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"The 'values' of {owner} must be finite. Got {values!r}.")
    elif values is not None:
        values = [float(v) for v in values]
    system_attrs = {}
    if constraints is not None:
        system_attrs[CONSTRAINTS_KEY] = checked_constraints(constraints, "constraints", owner)
    now = datetime.datetime.now()
    return FrozenTrial(
        number=-1,
        state=state,
        values=values,
        params=dict(params),
        distributions=dict(distributions),
        intermediate_values={int(k): float(v) for k, v in (intermediate_values or {}).items()},
        user_attrs=dict(user_attrs or {}),
        system_attrs=system_attrs,
        datetime_start=now,
        datetime_complete=now,
    )
