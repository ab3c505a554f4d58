"""Storage in an SQLite file: durable, and shared by processes on one machine.

Layout (schema version 1)
-------------------------
``bbopt_meta`` (key, value): ``schema_version``, checked on every open.
``studies`` (study_id, name, directions); ``study_attrs`` (study_id, key, value).
``distributions`` (dist_id, spec): each distinct distribution once, as JSON.
``trials`` (study_id, number, state, vals, datetime_start, datetime_complete,
heartbeat, finish_seq, row_params): one row per trial; ``finish_seq`` numbers
the finished trials of a study in the order they finished, and ``row_params``
copies their parameters as one JSON list ``[[name, dist_id, internal], ...]``
(written in the statement that finishes the trial) so that a study is read
back with one row per trial.
``params``, ``intermediate``, ``trial_attrs``: one row per parameter, reported
step and attribute, so that recording one costs O(1) however wide the trial.

Concurrency and durability
--------------------------
The file is in WAL mode: readers never block the writer. Every state change
(a new trial, a parameter, a report, a tell) is one ``BEGIN IMMEDIATE``
transaction, so writers from any number of threads and processes are
serialised by SQLite's lock, and a trial number is read and taken in the same
transaction (no number is given twice). A process killed at any moment leaves
either the whole change or none of it.

Durability: connections run with ``synchronous=NORMAL``, under which a commit
survives the death of the process (the WAL is in the operating system's
cache) but not a power cut. The changes that must never be lost -- finishing
a trial (``tell``), creating or deleting a study, failing stale trials -- are
committed with ``synchronous=FULL``, which flushes the WAL to the disk before
the commit returns; that flush also covers every earlier commit. A power cut
can therefore lose only the parameters and reports of still-running trials,
which a restart fails as stale anyway. ``synchronous="normal"`` skips even
that flush (about 0.2 ms per tell) for cheap objectives.

Samplers read `Observations`: the storage keeps one per study in memory and,
on each read, appends the rows finished since the last read (``finish_seq``
greater than the last one seen), so the suggestion path never re-reads the
table.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import TYPE_CHECKING, Any

from bbopt._distributions import (
    BaseDistribution,
)
from bbopt._exceptions import BboptError
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt.storage._base import (
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialFinishedError,
)
from bbopt.storage._checks import check_attr, check_name, check_step, check_template
from bbopt.storage._sql import (
    Params,
    SQLStorage,
    StudyCache,
    block_columns,
    check_grace,
    check_positive,
    decode_trials,
    dumps,
    dumps_rows,
    dumps_values,
    now,
    template_rows,
)
from bbopt.storage._urls import parse_sqlite_url

if TYPE_CHECKING:
    import numpy as np


SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bbopt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies (
    study_id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    directions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS study_attrs (
    study_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    UNIQUE (study_id, key)
);
CREATE TABLE IF NOT EXISTS distributions (
    dist_id INTEGER PRIMARY KEY, spec TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS trials (
    study_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    state INTEGER NOT NULL,
    vals TEXT,
    datetime_start TEXT,
    datetime_complete TEXT,
    heartbeat REAL,
    finish_seq INTEGER,
    row_params TEXT,
    PRIMARY KEY (study_id, number)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trials_by_state ON trials (study_id, state, number);
CREATE UNIQUE INDEX IF NOT EXISTS trials_by_finish
    ON trials (study_id, finish_seq) WHERE finish_seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS params (
    study_id INTEGER NOT NULL, number INTEGER NOT NULL, name TEXT NOT NULL,
    dist_id INTEGER NOT NULL, value TEXT NOT NULL, internal REAL NOT NULL,
    UNIQUE (study_id, number, name)
);
CREATE TABLE IF NOT EXISTS intermediate (
    study_id INTEGER NOT NULL, number INTEGER NOT NULL, step INTEGER NOT NULL, value REAL,
    UNIQUE (study_id, number, step)
);
CREATE TABLE IF NOT EXISTS trial_attrs (
    study_id INTEGER NOT NULL, number INTEGER NOT NULL, system INTEGER NOT NULL,
    key TEXT NOT NULL, value TEXT NOT NULL,
    UNIQUE (study_id, number, system, key)
);
"""

# The parameters of the trial being updated, as JSON; internal values as 17-digit
# text (SQLite's JSON writes floats with 15 digits, which do not round-trip).
_ROW_PARAMS = (
    "(SELECT json_group_array(json_array(name, dist_id, printf('%!.17g', internal))) "
    "FROM (SELECT name, dist_id, internal FROM params AS p "
    "WHERE p.study_id = trials.study_id AND p.number = trials.number ORDER BY p.rowid))"
)
_RUNNING = int(TrialState.RUNNING)
_WAITING = int(TrialState.WAITING)
# Above this many trials, per-trial tables are read whole for the study.
_MAX_IN_LIST = 400


class StorageFileError(BboptError, ValueError):
    """The storage file cannot be used: not SQLite, corrupt, read-only or from a newer bbopt.

    Examples
    --------
    >>> import os, tempfile
    >>> import bbopt
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("not a database" * 100)
    >>> try:
    ...     bbopt.storage.SQLiteStorage(path)
    ... except bbopt.storage.StorageFileError:
    ...     print("not an SQLite file")
    not an SQLite file
    """


class StorageLockedError(BboptError, TimeoutError):
    """Another connection held the storage file's lock for longer than the timeout.

    Examples
    --------
    >>> import bbopt
    >>> issubclass(bbopt.storage.StorageLockedError, TimeoutError)
    True
    """


# A new running trial, its number read and taken in the same statement.
_CREATE = (
    "INSERT INTO trials (study_id, number, state, datetime_start, heartbeat) "
    "SELECT study_id, (SELECT COALESCE(MAX(number) + 1, 0) FROM trials "
    "WHERE study_id = ?), ?, ?, ? FROM studies WHERE study_id = ? RETURNING number"
)
# The oldest WAITING trial made RUNNING.
_POP = (
    "UPDATE trials SET state = ?, datetime_start = ?, heartbeat = ? "
    "WHERE study_id = ? AND number = (SELECT MIN(number) FROM trials "
    "WHERE study_id = ? AND state = ?) RETURNING number"
)


def _dumps(value: Any, what: str) -> str:
    return dumps(value, what, "SQLiteStorage")


class SQLiteStorage(SQLStorage):
    """Keep studies in an SQLite file that survives crashes and is shared by processes.

    Parameters
    ----------
    path : str or os.PathLike
        The database file (created if absent), or ``"sqlite:///path.db"``.
        Use a local disk: SQLite's locks are unreliable on network file systems.
    timeout : float, default 60
        Seconds to wait for another connection's write lock before raising
        `StorageLockedError`.
    synchronous : {"full", "normal"}, default "full"
        ``"full"``: a tell is on the disk when it returns, even across a power
        cut. ``"normal"``: a tell survives the death of the process, not a power
        cut (saves one disk flush per tell).
    heartbeat_interval : float, optional
        If set, a background thread marks the running trials of this process
        alive every that many seconds, and each new trial first fails the
        running trials of the study whose heartbeat is older than
        ``grace_period`` (their process died).
    grace_period : float, optional
        Seconds without heartbeat after which a running trial is stale;
        default ``2 * heartbeat_interval``.

    Examples
    --------
    >>> import os, tempfile, bbopt
    >>> path = os.path.join(tempfile.mkdtemp(), "study.db")
    >>> study = bbopt.create_study(study_name="a", storage=f"sqlite:///{path}")
    >>> trial = study.ask({"x": bbopt.FloatDistribution(0, 1)})
    >>> _ = study.tell(trial, trial.params["x"] ** 2)
    >>> bbopt.load_study(study_name="a", storage=path).trials[0].state.name
    'COMPLETE'
    """

    _heartbeat_name = "bbopt-sqlite-heartbeat"
    _heartbeat_errors = (StorageLockedError, StorageFileError)
    _SQL = {
        "study": "SELECT name, directions FROM studies WHERE study_id = ?",
        "study_id": "SELECT study_id FROM studies WHERE name = ?",
        "study_names": "SELECT name FROM studies ORDER BY study_id",
        "set_study_attr": "INSERT INTO study_attrs (study_id, key, value) VALUES (?, ?, ?) "
                          "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value",
        "study_attrs": "SELECT key, value FROM study_attrs WHERE study_id = ? ORDER BY rowid",
        "add_dist": "INSERT OR IGNORE INTO distributions (spec) VALUES (?)",
        "dist_id": "SELECT dist_id FROM distributions WHERE spec = ?",
        "dist_spec": "SELECT spec FROM distributions WHERE dist_id = ?",
        "state": "SELECT state FROM trials WHERE study_id = ? AND number = ?",
        "count": "SELECT COUNT(*) FROM trials WHERE study_id = ?",
        "finished_since": (
            "SELECT t.finish_seq, t.number, t.state, t.vals, t.row_params, a.value "
            "FROM trials t LEFT JOIN trial_attrs a ON a.study_id = t.study_id "
            "AND a.number = t.number AND a.system = 1 AND a.key = ? "
            "WHERE t.study_id = ? AND t.finish_seq > ? ORDER BY t.finish_seq"),
        "running_params": (
            "SELECT t.number, p.name, p.dist_id, p.internal FROM trials AS t "
            "LEFT JOIN params AS p ON p.study_id = t.study_id AND p.number = t.number "
            "WHERE t.study_id = ? AND t.state = ?"),
    }

    # Pickled (to reopen the file in another process) by its public path.
    __module__ = "bbopt.storage"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 60.0,
        synchronous: str = "full",
        heartbeat_interval: float | None = None,
        grace_period: float | None = None,
    ) -> None:
        owner = "SQLiteStorage"
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or not path:
            raise TypeError(
                f"The 'path' parameter of {owner} must be a non-empty str or path. "
                f"Got {path!r} instead."
            )
        if path.startswith("sqlite:"):
            path = parse_sqlite_url(path)
        check_positive(owner, timeout=timeout, heartbeat_interval=heartbeat_interval,
                       grace_period=grace_period)
        if synchronous not in ("full", "normal"):
            raise ValueError(
                f"The 'synchronous' parameter of {owner} must be 'full' or 'normal'. "
                f"Got {synchronous!r} instead."
            )
        self._set_heartbeat(owner, heartbeat_interval, grace_period)
        self.path = path
        self._timeout = float(timeout)
        self._synchronous = synchronous
        self._setup()

    # -- connection --------------------------------------------------------
    def _setup(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.RLock()
        self._caches: dict[int, StudyCache] = {}
        self._dist_ids: dict[BaseDistribution, int] = {}
        self._dists: dict[int, BaseDistribution] = {}
        self._init_heartbeats()
        self._conn: sqlite3.Connection | None = None
        self._connect()

    def _connect(self) -> None:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as error:
            raise self._translate(error) from None
        start = time.monotonic()
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            while True:
                try:
                    self._open_schema(conn)
                    break
                except sqlite3.OperationalError as error:
                    # Changing the journal mode does not wait for the lock: when
                    # processes open a new file at once, retry until the timeout.
                    if "locked" not in str(error) or time.monotonic() - start > self._timeout:
                        raise
                    time.sleep(0.005 + 0.02 * random.random())
            conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException as error:
            conn.close()
            if isinstance(error, sqlite3.Error):
                raise self._translate(error, time.monotonic() - start) from None
            raise
        self._conn = conn

    def _open_schema(self, conn: sqlite3.Connection) -> None:
        """Check that the file is a bbopt storage of a known version; create it if empty."""
        # Reading the schema touches only the first page and writes nothing:
        # a file that is not SQLite fails here, unchanged.
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "bbopt_meta" not in tables:
            raise StorageFileError(
                f"The file {self.path!r} is an SQLite database but not a bbopt storage "
                f"(its tables: {sorted(tables)}); bbopt does not write into it."
            )
        if "bbopt_meta" in tables:
            self._check_version(conn)
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal" and self.path != ":memory:":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageFileError(
                    f"The file {self.path!r} could not be put in WAL mode (it is in "
                    f"{mode!r} mode); is it on a read-only or network file system?"
                )
        if "bbopt_meta" not in tables:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(
                    "INSERT OR IGNORE INTO bbopt_meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._check_version(conn)

    def _check_version(self, conn: sqlite3.Connection) -> None:
        row = conn.execute(
            "SELECT value FROM bbopt_meta WHERE key = 'schema_version'").fetchone()
        version = None if row is None else int(row[0])
        if version is None or version > SCHEMA_VERSION:
            raise StorageFileError(
                f"The file {self.path!r} holds a bbopt storage of schema version {version}, "
                f"newer than this bbopt reads ({SCHEMA_VERSION}); upgrade bbopt to open it."
            )
        if version < SCHEMA_VERSION:  # pragma: no cover - no older version exists yet
            raise StorageFileError(
                f"The file {self.path!r} holds a bbopt storage of an old schema version "
                f"{version}; this bbopt reads version {SCHEMA_VERSION}."
            )

    def _translate(self, error: sqlite3.Error, waited: float | None = None) -> Exception:
        """Map an sqlite3 error to a clear one that names the file."""
        message = str(error)
        lowered = message.lower()
        if "locked" in lowered or "busy" in lowered:
            waited_text = "" if waited is None else f" after waiting {waited:.3g} s"
            return StorageLockedError(
                f"The SQLite file {self.path!r} is locked by another connection ({message}"
                f"{waited_text}; timeout={self._timeout:g} s); raise 'timeout' or find the "
                "process that holds the lock."
            )
        if "readonly" in lowered or "read-only" in lowered:
            return StorageFileError(
                f"The SQLite file {self.path!r} is read-only ({message}); bbopt needs to "
                "write to it and to its directory (for the -wal and -shm files)."
            )
        if "not a database" in lowered:
            return StorageFileError(
                f"The file {self.path!r} is not an SQLite database ({message}); bbopt did "
                "not change it."
            )
        if "malformed" in lowered or "corrupt" in lowered:
            return StorageFileError(
                f"The SQLite file {self.path!r} is corrupt ({message}); bbopt did not "
                "change it. Recover it with the sqlite3 shell's '.recover'."
            )
        if "unable to open" in lowered:
            return StorageFileError(
                f"The SQLite file {self.path!r} cannot be opened ({message}); does its "
                "directory exist and is it writable?"
            )
        return StorageFileError(f"SQLite error on {self.path!r}: {message}")

    def _connection(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:
            # A forked child must not use its parent's connection (nor its locks).
            self._setup()
        if self._conn is None:
            with self._lock:
                if self._conn is None:
                    self._connect()
        assert self._conn is not None
        return self._conn

    @contextlib.contextmanager
    def _write(self, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction; ``durable`` flushes it to disk before returning."""
        with self._locked_write(durable) as conn:
            try:
                conn.execute("BEGIN IMMEDIATE")
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _locked_write(self, durable: bool) -> Iterator[sqlite3.Connection]:
        """Hold the lock for a write; ``durable`` flushes it to disk; errors translated."""
        conn = self._connection()
        full = durable and self._synchronous == "full"
        with self._lock:
            start = time.monotonic()
            try:
                if full:
                    conn.execute("PRAGMA synchronous = FULL")
                try:
                    yield conn
                finally:
                    if full:
                        conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error as error:
                raise self._translate(error, time.monotonic() - start) from None

    def _statement(self, sql: str, args: Sequence[Any], durable: bool = False,
                   ) -> tuple[int, list[Any]]:
        """Run one write statement as its own transaction; return (rowcount, rows).

        A write statement takes SQLite's write lock before it reads anything,
        so its reads and writes are atomic like a ``BEGIN IMMEDIATE``
        transaction, at the cost of one statement.
        """
        with self._locked_write(durable) as conn:
            cursor = conn.execute(sql, args)
            return cursor.rowcount, cursor.fetchall()

    @contextlib.contextmanager
    def _read(self, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        """Reads; with ``snapshot`` they all see the same state of the file."""
        conn = self._connection()
        with self._lock:
            try:
                if not snapshot:
                    yield conn
                    return
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")
            except sqlite3.Error as error:
                raise self._translate(error) from None

    def _reads(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._read()

    def _writes(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._write()

    def _snapshot(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._read(snapshot=True)

    @staticmethod
    def _states_in(codes: list[int]) -> tuple[str, tuple[Any, ...]]:
        return f"AND state IN ({','.join('?' * len(codes))})", tuple(codes)

    def sync(self) -> None:
        """Flush every earlier commit of this file to the disk (one disk flush).

        Tells are flushed as they happen; this also makes the trials started
        and the parameters recorded since survive a power cut (``bbopt ask``
        calls it before printing a trial).
        """
        self._statement(
            "UPDATE bbopt_meta SET value = value WHERE key = 'schema_version'", (),
            durable=True)

    def close(self) -> None:
        """Stop the heartbeat thread and close the connection (reopened on next use)."""
        self._stop_heartbeats()
        if self._conn is not None and os.getpid() == self._pid:
            with self._lock:
                self._conn.close()
                self._conn = None

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process, a storage reopens the file there.
        return {
            "path": self.path, "timeout": self._timeout, "synchronous": self._synchronous,
            "heartbeat_interval": self._heartbeat_interval, "grace_period": self._grace_period,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = state["path"]
        self._timeout = state["timeout"]
        self._synchronous = state["synchronous"]
        self._heartbeat_interval = state["heartbeat_interval"]
        self._grace_period = state["grace_period"]
        self._setup()

    def __repr__(self) -> str:
        return f"SQLiteStorage({self.path!r})"

    # -- helpers -----------------------------------------------------------
    @staticmethod
    def _count_all(conn: sqlite3.Connection, study_id: int) -> int:
        # Numbers are 0..n-1 without gaps: the largest tells the count in O(log n).
        row = conn.execute(
            "SELECT MAX(number) FROM trials WHERE study_id = ?", (study_id,)).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def _require_running(self, conn: sqlite3.Connection, study_id: int, number: Any) -> None:
        state = self._state(conn, study_id, number)
        if state != TrialState.RUNNING:
            name = self._cache(conn, study_id).name
            raise TrialFinishedError(
                f"Trial {number} of study {name!r} is {state.name}, not RUNNING: "
                "it cannot change any more."
            )

    def _read_params(
        self, conn: sqlite3.Connection, study_id: int, numbers: list[int]
    ) -> dict[int, Params]:
        """The parameters of the finished trials ``numbers``."""
        params: dict[int, Params] = {number: {} for number in numbers}
        if len(numbers) <= _MAX_IN_LIST:
            query = (
                "SELECT number, name, dist_id, internal FROM params WHERE study_id = ? "
                f"AND number IN ({','.join('?' * len(numbers))}) ORDER BY rowid"
            )
            args: tuple[Any, ...] = (study_id, *numbers)
        else:  # one scan in table order, no sort
            query = ("SELECT number, name, dist_id, internal FROM params "
                     "WHERE +study_id = ? ORDER BY rowid")
            args = (study_id,)
        for number, name, dist_id, internal in conn.execute(query, args):
            row_params = params.get(number)
            if row_params is not None:
                row_params[name] = (self._dist(conn, dist_id), internal)
        return params

    def _load_trials(
        self, conn: sqlite3.Connection, study_id: int, where: str = "", args: Sequence[Any] = ()
    ) -> list[FrozenTrial]:
        """Read trials (all, or those matching ``where``) with their params and attributes."""
        rows = conn.execute(
            "SELECT number, state, vals, datetime_start, datetime_complete FROM trials "
            f"WHERE study_id = ? {where} ORDER BY number", (study_id, *args)
        ).fetchall()
        if not rows:
            return []
        if len(rows) <= _MAX_IN_LIST:
            numbers = [row[0] for row in rows]
            subset = f"AND number IN ({','.join('?' * len(numbers))})"
        else:
            numbers, subset = [], ""
        query_args = (study_id, *numbers)

        def select(columns: str, table: str) -> Any:
            return conn.execute(
                f"SELECT {columns} FROM {table} WHERE study_id = ? {subset} ORDER BY rowid",
                query_args,
            ).fetchall()

        return decode_trials(
            rows, select("number, name, dist_id, value", "params"),
            select("number, step, value", "intermediate"),
            select("number, system, key, value", "trial_attrs"), self._dist_of(conn),
        )

    # -- studies -------------------------------------------------------------
    def create_new_study(self, directions: Sequence[StudyDirection], study_name: str) -> int:
        check_name(study_name, "study_name", "create_study")
        with self._write(durable=True) as conn:
            try:
                cursor = conn.execute(
                    "INSERT INTO studies (name, directions) VALUES (?, ?)",
                    (study_name, json.dumps([int(d) for d in directions])),
                )
            except sqlite3.IntegrityError:
                raise DuplicatedStudyError(
                    f"A study named {study_name!r} already exists in this storage; "
                    "pass load_if_exists=True to load it."
                ) from None
            study_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            self._caches[study_id] = StudyCache(study_name, list(directions))
            return study_id

    def delete_study(self, study_id: int) -> None:
        with self._write(durable=True) as conn:
            self._cache(conn, study_id)
            for table in ("trial_attrs", "intermediate", "params", "trials", "study_attrs",
                          "studies"):
                conn.execute(f"DELETE FROM {table} WHERE study_id = ?", (study_id,))
            self._caches.pop(study_id, None)
            self._owned = {key for key in self._owned if key[0] != study_id}

    # -- trials ----------------------------------------------------------------
    def create_new_trial(self, study_id: int, template: FrozenTrial | None = None) -> int:
        if template is not None:
            check_template(template, "Study.add_trial")
        if template is not None and template.state.is_finished():
            return self._add_finished_trial(study_id, template)
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        if template is None:
            # The number is read and taken in one statement, so in one transaction.
            _, rows = self._statement(_CREATE, (study_id, _RUNNING, now(), time.time(), study_id))
            if not rows:
                raise StudyNotFoundError(f"No study with id {study_id!r} in this storage.")
            number = int(rows[0][0])
            self._own(study_id, number)
            return number
        with self._write() as conn:
            self._cache(conn, study_id)
            number = self._count_all(conn, study_id)
            self._insert_template(conn, study_id, number, template, None)
            if template.state == TrialState.RUNNING:
                self._own(study_id, number)
            return number

    def _add_finished_trial(self, study_id: int, template: FrozenTrial) -> int:
        with self._write(durable=True) as conn:
            cache = self._cache(conn, study_id)
            number = self._count_all(conn, study_id)
            seq = self._next_seq(conn, study_id)
            self._insert_template(conn, study_id, number, template, seq)
        with self._read() as conn:
            self._sync(conn, study_id, cache)
        return number

    @staticmethod
    def _next_seq(conn: sqlite3.Connection, study_id: int) -> int:
        row = conn.execute(
            "SELECT MAX(finish_seq) FROM trials WHERE study_id = ? AND finish_seq IS NOT NULL",
            (study_id,),
        ).fetchone()
        return 1 if row[0] is None else int(row[0]) + 1

    def _insert_template(
        self, conn: sqlite3.Connection, study_id: int, number: int, template: FrozenTrial,
        seq: int | None,
    ) -> None:
        trial, params, intermediate, attrs = template_rows(template, _dumps)
        conn.execute(
            "INSERT INTO trials (study_id, number, state, vals, datetime_start, "
            "datetime_complete, heartbeat, finish_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (study_id, number, *trial, time.time(), seq),
        )
        conn.executemany(
            "INSERT INTO params (study_id, number, name, dist_id, value, internal) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(study_id, number, name, self._dist_id(conn, distribution), value, internal)
             for name, distribution, value, internal in params],
        )
        if seq is not None:
            conn.execute(
                f"UPDATE trials SET row_params = {_ROW_PARAMS} "
                "WHERE study_id = ? AND number = ?", (study_id, number),
            )
        conn.executemany(
            "INSERT INTO intermediate (study_id, number, step, value) VALUES (?, ?, ?, ?)",
            [(study_id, number, step, value) for step, value in intermediate],
        )
        conn.executemany(
            "INSERT INTO trial_attrs (study_id, number, system, key, value) "
            "VALUES (?, ?, ?, ?, ?)",
            [(study_id, number, system, key, value) for system, key, value in attrs],
        )

    def _touch(self, owned: list[tuple[int, int]]) -> None:
        with self._write() as conn:
            conn.executemany(
                "UPDATE trials SET heartbeat = ? WHERE study_id = ? AND number = ? "
                "AND state = ?", [(time.time(), s, n, _RUNNING) for s, n in owned],
            )

    def fail_stale_trials(self, study_id: int, grace_period: float | None = None) -> list[int]:
        """Mark FAIL the running trials whose process stopped beating; return their numbers.

        Parameters
        ----------
        study_id : int
        grace_period : float, optional
            Seconds since the last sign of life (heartbeat, or any change of
            the trial) after which a running trial is stale; default the
            storage's ``grace_period``. Trials running in this process are
            never stale.

        Returns
        -------
        list of int
            The numbers of the trials marked FAIL.
        """
        grace = check_grace(
            self._grace_period if grace_period is None else grace_period, "SQLiteStorage")
        limit = time.time() - grace
        with self._write(durable=True) as conn:
            cache = self._cache(conn, study_id)
            stale = [n for (n,) in conn.execute(
                "SELECT number FROM trials WHERE study_id = ? AND state = ? AND heartbeat < ? "
                "ORDER BY number", (study_id, _RUNNING, limit),
            ) if (study_id, n) not in self._owned]
            seq = self._next_seq(conn, study_id)
            finished_at = now()
            for number in stale:
                conn.execute(
                    "UPDATE trials SET state = ?, datetime_complete = ?, finish_seq = ?, "
                    f"row_params = {_ROW_PARAMS} WHERE study_id = ? AND number = ?",
                    (int(TrialState.FAIL), finished_at, seq, study_id, number),
                )
                seq += 1
        if stale:
            with self._read() as conn:
                self._sync(conn, study_id, cache)
        return stale

    def start_trial(self, study_id: int) -> tuple[int, bool]:
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        start, beat = now(), time.time()
        with self._write() as conn:  # one transaction: pop a WAITING trial, else create one
            self._cache(conn, study_id)
            row = conn.execute(_POP, (_RUNNING, start, beat, study_id, study_id,
                                      _WAITING)).fetchone()
            popped = row is not None
            if row is None:
                row = conn.execute(_CREATE, (study_id, _RUNNING, start, beat,
                                             study_id)).fetchone()
        number = int(row[0])
        self._own(study_id, number)
        return number, popped

    def pop_waiting_trial(self, study_id: int) -> int | None:
        with self._read() as conn:
            self._cache(conn, study_id)
        _, rows = self._statement(_POP, (_RUNNING, now(), time.time(), study_id, study_id,
                                         _WAITING))
        if not rows:
            return None
        number = int(rows[0][0])
        self._own(study_id, number)
        return number

    def set_trial_param(
        self, study_id: int, number: int, name: str, distribution: BaseDistribution, value: Any
    ) -> None:
        check_name(name, "name", "Trial.suggest")
        text = _dumps(value, f"the parameter {name!r}")
        internal = distribution.to_internal(value)
        dist_id = self._dist_ids.get(distribution)
        if dist_id is None:
            with self._write() as conn:
                dist_id = self._dist_id(conn, distribution)
        count, _ = self._statement(
            "INSERT INTO params (study_id, number, name, dist_id, value, internal) "
            "SELECT ?, ?, ?, ?, ?, ? FROM trials WHERE study_id = ? AND number = ? "
            "AND state = ? ON CONFLICT (study_id, number, name) DO UPDATE "
            "SET dist_id = excluded.dist_id, value = excluded.value, "
            "internal = excluded.internal",
            (study_id, number, name, dist_id, text, internal, study_id, number, _RUNNING),
        )
        self._after_running_write(count, study_id, number)

    def _after_running_write(self, count: int, study_id: int, number: int,
                             beat: bool = False) -> None:
        """Raise the right error if a write to a running trial found none; else beat.

        A report (``beat``) always counts as a sign of life; other writes only
        when heartbeats are on (parameters come right after the trial's start).
        """
        if count == 0:
            with self._read() as conn:
                self._require_running(conn, study_id, number)
            raise TrialFinishedError(  # pragma: no cover - it changed in between
                f"Trial {number} is not RUNNING: it cannot change any more."
            )
        if beat or self._heartbeat_interval is not None:
            self._statement(
                "UPDATE trials SET heartbeat = ? WHERE study_id = ? AND number = ?",
                (time.time(), study_id, number),
            )

    def set_trial_intermediate_value(
        self, study_id: int, number: int, step: int, value: float
    ) -> None:
        check_step(step, "Trial.report")
        count, _ = self._statement(
            "INSERT INTO intermediate (study_id, number, step, value) "
            "SELECT ?, ?, ?, ? FROM trials WHERE study_id = ? AND number = ? AND state = ? "
            "ON CONFLICT (study_id, number, step) DO UPDATE SET value = excluded.value",
            (study_id, number, step, value, study_id, number, _RUNNING),
        )
        self._after_running_write(count, study_id, number, beat=True)

    def _set_trial_attr(self, study_id: int, number: int, system: int, key: str,
                        value: Any) -> None:
        text = check_attr(key, value, "Trial.set_system_attr" if system else "Trial.set_user_attr")
        count, _ = self._statement(
            "INSERT INTO trial_attrs (study_id, number, system, key, value) "
            "SELECT ?, ?, ?, ?, ? FROM trials WHERE study_id = ? AND number = ? "
            "ON CONFLICT (study_id, number, system, key) DO UPDATE SET value = excluded.value",
            (study_id, number, system, key, text, study_id, number),
        )
        if count == 0:
            with self._read() as conn:
                raise self._missing_trial(conn, study_id, number)

    def set_trial_user_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        self._set_trial_attr(study_id, number, 0, key, value)

    def set_trial_system_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        self._set_trial_attr(study_id, number, 1, key, value)

    def finish_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> None:
        vals = dumps_values(values)
        count, _ = self._statement(
            "UPDATE trials SET state = ?, vals = ?, datetime_complete = ?, finish_seq = "
            "(SELECT COALESCE(MAX(finish_seq), 0) + 1 FROM trials "
            f"WHERE study_id = ? AND finish_seq IS NOT NULL), row_params = {_ROW_PARAMS} "
            "WHERE study_id = ? AND number = ? AND state = ?",
            (int(state), vals, now(), study_id, study_id, number, _RUNNING), durable=True,
        )
        with self._read() as conn:
            if count == 0:
                self._require_running(conn, study_id, number)
            self._owned.discard((study_id, number))
            cache = self._cache(conn, study_id)
            cache.notes.pop(number, None)
            self._sync(conn, study_id, cache)

    def get_trial(self, study_id: int, number: int) -> FrozenTrial:
        with self._read(snapshot=True) as conn:
            if isinstance(number, bool) or not isinstance(number, int):
                raise self._missing_trial(conn, study_id, number)
            trials = self._load_trials(conn, study_id, "AND number = ?", (number,))
            if not trials:
                raise self._missing_trial(conn, study_id, number)
            return trials[0]

    # -- blocks of trials ------------------------------------------------
    def create_running_trials(
        self, study_id: int, params: Sequence[tuple[str, BaseDistribution]],
        values: np.ndarray,
    ) -> np.ndarray:
        # One transaction: the trials, then their parameters, each one bulk insert.
        import numpy as np

        n = values.shape[0]
        internal, texts = block_columns(params, values)
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        with self._write() as conn:
            self._cache(conn, study_id)
            start = self._count_all(conn, study_id)
            numbers = list(range(start, start + n))
            started, beat = now(), time.time()
            conn.executemany(
                "INSERT INTO trials (study_id, number, state, datetime_start, heartbeat) "
                "VALUES (?, ?, ?, ?, ?)",
                ((study_id, number, _RUNNING, started, beat) for number in numbers),
            )
            for j, (name, distribution) in enumerate(params):
                dist_id = self._dist_id(conn, distribution)
                conn.executemany(
                    "INSERT INTO params (study_id, number, name, dist_id, value, internal) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    zip(repeat(study_id), numbers, repeat(name), repeat(dist_id), texts[j],
                        internal[:, j].tolist()),
                )
        for number in numbers:
            self._own(study_id, number)
        return np.arange(start, start + n, dtype=np.int64)

    def finish_trials(
        self, study_id: int, numbers: np.ndarray, states: np.ndarray, values: np.ndarray
    ) -> None:
        finished_at = now()
        listed = numbers.tolist()
        with self._write(durable=True) as conn:
            seq = self._next_seq(conn, study_id)  # the transaction holds the write lock
            rows = [
                (state, vals, finished_at, seq + k, study_id, number, _RUNNING)
                for k, (number, state, vals) in enumerate(
                    zip(listed, states.tolist(), dumps_rows(states, values)))
            ]
            cursor = conn.executemany(
                "UPDATE trials SET state = ?, vals = ?, datetime_complete = ?, finish_seq = ?, "
                f"row_params = {_ROW_PARAMS} WHERE study_id = ? AND number = ? AND state = ?",
                rows,
            )
            if cursor.rowcount != len(rows):  # some trial is not running: roll all back
                for number in listed:
                    self._require_running(conn, study_id, number)
                raise TrialFinishedError(  # pragma: no cover - a number repeated
                    "finish_trials was given a trial twice.")
        with self._read() as conn:
            cache = self._cache(conn, study_id)
            for number in listed:
                self._owned.discard((study_id, number))
                cache.notes.pop(number, None)
            self._sync(conn, study_id, cache)
