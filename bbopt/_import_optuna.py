"""Read Optuna's storage files (RDB on SQLite, journal) into a bbopt storage, without Optuna.

Optuna 3 to 5 keep a study in one of two file formats:

- RDB on SQLite: tables ``studies``, ``study_directions``,
  ``study_user_attributes``, ``trials``, ``trial_params`` (the internal value
  and the distribution as JSON), ``trial_values``,
  ``trial_intermediate_values`` (each value with a type: FINITE, INF_POS,
  INF_NEG, NAN), ``trial_user_attributes``, ``trial_system_attributes``.
- Journal: one JSON operation per line (``op_code``: 0 create study,
  1 delete study, 2/3 study user/system attribute, 4 create trial, 5 trial
  parameter, 6 trial state and values, 7 intermediate value, 8/9 trial
  user/system attribute); replaying them in order rebuilds the studies.

Both give, per study, its name, directions, user attributes and trials as
`FrozenTrial` records, written into the target storage in trial-number order.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt._study import _ensure_storage
from bbopt.storage import BaseStorage, DuplicatedStudyError

_STATES = {"RUNNING": TrialState.RUNNING, "COMPLETE": TrialState.COMPLETE,
           "PRUNED": TrialState.PRUNED, "FAIL": TrialState.FAIL, "WAITING": TrialState.WAITING}
#: Optuna's TrialState values, as the journal writes them.
_JOURNAL_STATES = [TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL,
                   TrialState.WAITING]
_SPECIAL = {"INF_POS": math.inf, "INF_NEG": -math.inf, "NAN": math.nan}


@dataclass
class _Study:
    name: str
    directions: list[StudyDirection]
    user_attrs: dict[str, Any] = field(default_factory=dict)
    trials: list[FrozenTrial] = field(default_factory=list)


def optuna_distribution(text: str) -> BaseDistribution:
    """Build a bbopt distribution from Optuna's JSON (current and pre-3.0 names)."""
    data = json.loads(text)
    name, a = data["name"], data["attributes"]
    if name == "FloatDistribution":
        return FloatDistribution(a["low"], a["high"], log=a.get("log", False),
                                 step=a.get("step"))
    if name == "IntDistribution":
        return IntDistribution(a["low"], a["high"], log=a.get("log", False),
                               step=a.get("step", 1) or 1)
    if name == "CategoricalDistribution":
        return CategoricalDistribution(a["choices"])
    if name == "UniformDistribution":
        return FloatDistribution(a["low"], a["high"])
    if name == "LogUniformDistribution":
        return FloatDistribution(a["low"], a["high"], log=True)
    if name == "DiscreteUniformDistribution":
        return FloatDistribution(a["low"], a["high"], step=a["q"])
    if name in ("IntUniformDistribution", "IntLogUniformDistribution"):
        return IntDistribution(a["low"], a["high"], log=name.startswith("IntLog"),
                               step=a.get("step", 1) or 1)
    raise ValueError(f"Unknown Optuna distribution {name!r} in {text!r}.")


def _external(distribution: BaseDistribution, internal: float) -> Any:
    """Optuna's internal value of a parameter to its user value."""
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[int(internal)]
    if isinstance(distribution, IntDistribution):
        return int(round(internal))
    return float(internal)


def _value(value: float | None, kind: str) -> float:
    return _SPECIAL[kind] if kind in _SPECIAL else float(value)  # type: ignore[arg-type]


def _rdb_time(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def _journal_time(text: str | None) -> datetime.datetime | None:
    """An ISO time (Optuna's journal writes UTC) as a naive local time, as bbopt keeps them."""
    if text is None:
        return None
    moment = datetime.datetime.fromisoformat(text)
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def read_rdb(path: str) -> list[_Study]:
    """The studies of an Optuna RDB SQLite file (opened read-only)."""
    conn = sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True)
    try:
        studies: dict[int, _Study] = {}
        for study_id, name in conn.execute("SELECT study_id, study_name FROM studies "
                                           "ORDER BY study_id"):
            directions = [
                StudyDirection.MAXIMIZE if d == "MAXIMIZE" else StudyDirection.MINIMIZE
                for (d,) in conn.execute("SELECT direction FROM study_directions WHERE "
                                         "study_id = ? ORDER BY objective", (study_id,))
            ]
            attrs = {k: json.loads(v) for k, v in conn.execute(
                "SELECT key, value_json FROM study_user_attributes WHERE study_id = ?",
                (study_id,))}
            studies[study_id] = _Study(name, directions, attrs)
        trials: dict[int, FrozenTrial] = {}
        owner: dict[int, int] = {}
        for trial_id, number, study_id, state, start, complete in conn.execute(
                "SELECT trial_id, number, study_id, state, datetime_start, datetime_complete "
                "FROM trials ORDER BY study_id, number"):
            trials[trial_id] = FrozenTrial(number, _STATES[state], None, {}, {},
                                           datetime_start=_rdb_time(start),
                                           datetime_complete=_rdb_time(complete))
            owner[trial_id] = study_id
        for trial_id, name, internal, text in conn.execute(
                "SELECT trial_id, param_name, param_value, distribution_json FROM trial_params "
                "ORDER BY param_id"):
            distribution = optuna_distribution(text)
            trials[trial_id].distributions[name] = distribution
            trials[trial_id].params[name] = _external(distribution, internal)
        values: dict[int, dict[int, float]] = {}
        for trial_id, objective, value, kind in conn.execute(
                "SELECT trial_id, objective, value, value_type FROM trial_values"):
            values.setdefault(trial_id, {})[objective] = _value(value, kind)
        for trial_id, by_objective in values.items():
            trials[trial_id].values = [by_objective[k] for k in sorted(by_objective)]
        for trial_id, step, value, kind in conn.execute(
                "SELECT trial_id, step, intermediate_value, intermediate_value_type "
                "FROM trial_intermediate_values ORDER BY step"):
            trials[trial_id].intermediate_values[int(step)] = _value(value, kind)
        for table, attr in (("trial_user_attributes", "user_attrs"),
                            ("trial_system_attributes", "system_attrs")):
            for trial_id, key, text in conn.execute(
                    f"SELECT trial_id, key, value_json FROM {table}"):  # noqa: S608
                getattr(trials[trial_id], attr)[key] = json.loads(text)
    except sqlite3.DatabaseError as error:
        raise ValueError(f"{path!r} is not an Optuna RDB file: {error}") from None
    finally:
        conn.close()
    for trial_id, trial in trials.items():
        studies[owner[trial_id]].trials.append(trial)
    return list(studies.values())


def read_journal(path: str) -> list[_Study]:
    """The studies of an Optuna journal file, by replaying its operations."""
    studies: list[_Study | None] = []
    trials: list[tuple[int, FrozenTrial]] = []  # by global trial id: (study id, trial)
    with open(path, encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                op = json.loads(line)
                _replay(op, studies, trials)
            except (ValueError, KeyError, IndexError, TypeError) as error:
                if line_number == 1:
                    raise ValueError(f"{path!r} is not an Optuna journal file: "
                                     f"{error}") from None
                if not line.endswith("\n"):
                    break  # a last line being written: Optuna ignores it too
                raise ValueError(f"Line {line_number} of the Optuna journal {path!r}: "
                                 f"{error}") from None
    return [study for study in studies if study is not None]


def _replay(op: dict[str, Any], studies: list[_Study | None],
            trials: list[tuple[int, FrozenTrial]]) -> None:
    """Apply one journal operation."""
    code = op["op_code"]
    if code == 0:
        directions = [StudyDirection(int(d)) for d in op["directions"]]
        studies.append(_Study(op["study_name"], directions))
    elif code == 1:
        studies[op["study_id"]] = None
    elif code == 2:
        study = studies[op["study_id"]]
        if study is not None:
            study.user_attrs.update(op["user_attr"])
    elif code == 4:
        study_id = op["study_id"]
        study = studies[study_id]
        number = len(study.trials) if study is not None else -1
        distributions = {k: optuna_distribution(v) if isinstance(v, str)
                         else optuna_distribution(json.dumps(v))
                         for k, v in (op.get("distributions") or {}).items()}
        values = op.get("values")
        if values is None and op.get("value") is not None:
            values = [op["value"]]
        trial = FrozenTrial(
            number, _JOURNAL_STATES[op.get("state", 0)], values,
            {k: _external(distributions[k], v) if not isinstance(v, str) else v
             for k, v in (op.get("params") or {}).items()},
            distributions,
            intermediate_values={int(k): float(v)
                                 for k, v in (op.get("intermediate_values") or {}).items()},
            user_attrs=dict(op.get("user_attrs") or {}),
            system_attrs=dict(op.get("system_attrs") or {}),
            datetime_start=_journal_time(op.get("datetime_start")),
            datetime_complete=_journal_time(op.get("datetime_complete")),
        )
        trials.append((study_id, trial))
        if study is not None:
            study.trials.append(trial)
    elif code == 5:
        trial = trials[op["trial_id"]][1]
        distribution = optuna_distribution(op["distribution"])
        trial.distributions[op["param_name"]] = distribution
        trial.params[op["param_name"]] = _external(distribution, op["param_value_internal"])
    elif code == 6:
        trial = trials[op["trial_id"]][1]
        trial.state = _JOURNAL_STATES[op["state"]]
        if op.get("values") is not None:
            trial.values = [float(v) for v in op["values"]]
        if trial.state == TrialState.RUNNING and op.get("datetime_start"):
            trial.datetime_start = _journal_time(op["datetime_start"])
        if op.get("datetime_complete"):
            trial.datetime_complete = _journal_time(op["datetime_complete"])
    elif code == 7:
        trial = trials[op["trial_id"]][1]
        trial.intermediate_values[int(op["step"])] = float(op["intermediate_value"])
    elif code == 8:
        trials[op["trial_id"]][1].user_attrs.update(op["user_attr"])
    elif code == 9:
        trials[op["trial_id"]][1].system_attrs.update(op["system_attr"])
    elif code != 3:
        raise ValueError(f"unknown op_code {code!r}")


def read_optuna_file(path: str | os.PathLike[str]) -> list[_Study]:
    """The studies of an Optuna RDB (SQLite) or journal file, told apart by their first bytes."""
    path = os.fspath(path)
    if path.startswith("sqlite:///"):
        path = path[len("sqlite:///"):]
    with open(path, "rb") as f:
        head = f.read(16)
    if head == b"SQLite format 3\x00":
        return read_rdb(path)
    return read_journal(path)


def import_optuna(
    source: str | os.PathLike[str],
    storage: BaseStorage | str,
    study_names: Sequence[str] | None = None,
) -> list[str]:
    """Copy studies from an Optuna storage file into a bbopt storage (Optuna not needed).

    Reads an Optuna RDB file on SQLite (``optuna.db`` or ``sqlite:///optuna.db``)
    or a journal file (``JournalFileBackend``): each study's directions and
    user attributes, and its trials with their states, parameters and
    distributions, values, intermediate values, user and system attributes
    and times. Trials keep their numbers.

    Parameters
    ----------
    source : str or path
        The Optuna file (its format is recognised from its content).
    storage : BaseStorage or str
        Where to write: a storage, an SQLite URL or a file path.
    study_names : sequence of str, optional
        The studies to import (default: all of them).

    Returns
    -------
    list of str
        The names of the imported studies.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not an Optuna file, or a name in ``study_names`` that it lacks.
    bbopt.storage.DuplicatedStudyError
        A study of the same name exists in ``storage`` (nothing is written).

    Examples
    --------
    >>> import bbopt, json, os, tempfile
    >>> float_01 = {"name": "FloatDistribution",
    ...             "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None}}
    >>> journal = [  # what Optuna's JournalFileBackend writes for one trial
    ...     {"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]},
    ...     {"op_code": 4, "worker_id": "w", "study_id": 0,
    ...      "datetime_start": "2026-01-01T00:00:00+00:00"},
    ...     {"op_code": 5, "worker_id": "w", "trial_id": 0, "param_name": "x",
    ...      "param_value_internal": 0.5, "distribution": json.dumps(float_01)},
    ...     {"op_code": 6, "worker_id": "w", "trial_id": 0, "state": 1, "values": [0.25],
    ...      "datetime_complete": "2026-01-01T00:00:01+00:00"}]
    >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
    >>> with open(path, "w") as f:
    ...     _ = f.write("".join(json.dumps(op) + chr(10) for op in journal))
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> bbopt.import_optuna(path, storage)
    ['s']
    >>> bbopt.load_study("s", storage).best_params
    {'x': 0.5}
    """
    studies = read_optuna_file(source)
    if study_names is not None:
        if isinstance(study_names, str):
            raise TypeError(
                "The 'study_names' parameter of import_optuna must be a sequence of str. "
                f"Got {study_names!r} instead."
            )
        known = {study.name for study in studies}
        missing = [name for name in study_names if name not in known]
        if missing:
            raise ValueError(
                f"The 'study_names' parameter of import_optuna names studies that "
                f"{os.fspath(source)!r} lacks: {missing!r}. It has {sorted(known)!r}."
            )
        studies = [study for study in studies if study.name in set(study_names)]
    target = _ensure_storage(storage)
    existing = set(target.get_all_study_names()) & {study.name for study in studies}
    if existing:
        raise DuplicatedStudyError(
            f"Studies {sorted(existing)!r} exist in the target storage already; nothing "
            "was imported."
        )
    for study in studies:
        study_id = target.create_new_study(study.directions, study.name)
        for key, value in study.user_attrs.items():
            target.set_study_user_attr(study_id, key, value)
        for trial in sorted(study.trials, key=lambda t: t.number):
            target.create_new_trial(study_id, trial)
    return [study.name for study in studies]
