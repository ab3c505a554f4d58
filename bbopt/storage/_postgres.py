"""Storage on a PostgreSQL server: one study shared by workers on many machines.

Layout (schema version 1), every table prefixed ``bbopt_`` so that the
database may hold other applications' tables
--------------------------------------------------------------------------
``bbopt_meta`` (key, value): ``schema_version``, checked on every connection.
``bbopt_studies`` (study_id, name, directions, n_trials, n_finished): the two
counters hand out trial numbers and finish sequence numbers.
``bbopt_study_attrs``, ``bbopt_distributions`` (each distinct distribution
once, as JSON), ``bbopt_trials`` (one row per trial, as in the SQLite
storage: state, values, timestamps, heartbeat, ``finish_seq``, ``row_params``),
``bbopt_params``, ``bbopt_intermediate``, ``bbopt_trial_attrs`` (one row per
parameter, report and attribute, with a serial ``id`` that keeps their order).

Concurrency and durability
--------------------------
A new trial takes its number by incrementing ``n_trials`` of its study row
in the statement that inserts it, so the row lock serialises numbering: no
number is given twice, none is skipped. Finishing a trial increments
``n_finished`` in the same transaction that changes the trial, and holds the
study row's lock until it commits: transactions therefore commit in
``finish_seq`` order, and a reader that has seen ``finish_seq = k`` will never
see a smaller one appear later. That is what lets each process append only
the trials finished since its last read (``finish_seq > k``) to its
`Observations`, an O(new rows) read per ask.

Durability, as in the SQLite storage: the changes of running trials (a
start, parameters, reports, attributes) commit without waiting for the disk
(``synchronous_commit = off`` on the storage's connection): another worker
sees them at once, and they survive the death of the worker, but a crash of
the server itself may forget the last fraction of a second of them. The
changes that must never be lost -- a tell, creating or deleting a study,
failing stale trials -- commit with the server's own ``synchronous_commit``
(on by default: on its disk when the call returns); the server's log is
written in order, so that flush also covers every earlier change.
``synchronous="normal"`` lets tells skip the wait too. A trial whose start
the server forgot may see its number given again to another worker: each
write to a trial this process started also checks its ``datetime_start``,
so the first worker gets `StorageServerError` instead of writing into the
other's trial.

Round trips: an ask and a tell take two. Starting a trial (popping a
WAITING one or creating one) is one statement; when the study's last ask read
the observations, the start also reads the trials finished since the last
read and the running trials' parameters, in the same pipelined round trip,
for this ask's sampler (`start_trial`, `get_observations_and_running`). The
parameters of a trial this process started are sent without waiting for the
answer, each write its own transaction (libpq's pipeline mode), and the next
call reads the answers first (`_send_params`, `_settle`). A tell and the trial
read back are one pipelined round trip (`tell_trial`). A report or an
attribute is one statement each.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from bbopt._distributions import BaseDistribution
from bbopt._exceptions import BboptError
from bbopt._frozen import CONSTRAINTS_KEY, FrozenTrial, StudyDirection, TrialState
from bbopt.storage._base import (
    DuplicatedStudyError,
    TrialFinishedError,
)
from bbopt.storage._checks import check_attr, check_name, check_step, check_template
from bbopt.storage._observations import Observations, RunningPoints
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
from bbopt.storage._sqlite import StorageFileError, StorageLockedError
from bbopt.storage._urls import is_postgresql_url

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE bbopt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE bbopt_studies (
    study_id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    directions TEXT NOT NULL,
    n_trials BIGINT NOT NULL DEFAULT 0,
    n_finished BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE bbopt_study_attrs (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL REFERENCES bbopt_studies ON DELETE CASCADE,
    key TEXT NOT NULL, value TEXT NOT NULL,
    UNIQUE (study_id, key)
);
CREATE TABLE bbopt_distributions (dist_id BIGSERIAL PRIMARY KEY, spec TEXT NOT NULL UNIQUE);
CREATE TABLE bbopt_trials (
    study_id BIGINT NOT NULL REFERENCES bbopt_studies ON DELETE CASCADE,
    number BIGINT NOT NULL,
    state SMALLINT NOT NULL,
    vals TEXT,
    datetime_start TEXT,
    datetime_complete TEXT,
    heartbeat DOUBLE PRECISION,
    finish_seq BIGINT,
    row_params TEXT,
    PRIMARY KEY (study_id, number)
);
CREATE INDEX bbopt_trials_by_state ON bbopt_trials (study_id, state, number);
CREATE UNIQUE INDEX bbopt_trials_by_finish
    ON bbopt_trials (study_id, finish_seq) WHERE finish_seq IS NOT NULL;
CREATE TABLE bbopt_params (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL, number BIGINT NOT NULL, name TEXT NOT NULL,
    dist_id BIGINT NOT NULL REFERENCES bbopt_distributions,
    value TEXT NOT NULL, internal DOUBLE PRECISION NOT NULL,
    UNIQUE (study_id, number, name),
    FOREIGN KEY (study_id, number) REFERENCES bbopt_trials ON DELETE CASCADE
);
CREATE TABLE bbopt_intermediate (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL, number BIGINT NOT NULL, step BIGINT NOT NULL,
    value DOUBLE PRECISION,
    UNIQUE (study_id, number, step),
    FOREIGN KEY (study_id, number) REFERENCES bbopt_trials ON DELETE CASCADE
);
CREATE TABLE bbopt_trial_attrs (
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL, number BIGINT NOT NULL, system SMALLINT NOT NULL,
    key TEXT NOT NULL, value TEXT NOT NULL,
    UNIQUE (study_id, number, system, key),
    FOREIGN KEY (study_id, number) REFERENCES bbopt_trials ON DELETE CASCADE
)
"""
# A constant key for the advisory lock that serialises creating the schema.
_SCHEMA_LOCK = 0x6262_6F70_7400

# The parameters of a trial as JSON, in the order they were set; float8 is
# written with the shortest text that reads back exactly (PostgreSQL >= 12).
_ROW_PARAMS = (
    "(SELECT json_agg(json_build_array(p.name, p.dist_id, p.internal) ORDER BY p.id)::text "
    "FROM bbopt_params AS p WHERE p.study_id = t.study_id AND p.number = t.number)"
)
_ONE_TRIAL = (
    "SELECT t.number, t.state, t.vals, t.datetime_start, t.datetime_complete, "
    "(SELECT json_agg(json_build_array(p.name, p.dist_id, p.value) ORDER BY p.id) "
    "FROM bbopt_params AS p WHERE p.study_id = t.study_id AND p.number = t.number), "
    "(SELECT json_agg(json_build_array(i.step, i.value) ORDER BY i.id) "
    "FROM bbopt_intermediate AS i WHERE i.study_id = t.study_id AND i.number = t.number), "
    "(SELECT json_agg(json_build_array(a.system, a.key, a.value) ORDER BY a.id) "
    "FROM bbopt_trial_attrs AS a WHERE a.study_id = t.study_id AND a.number = t.number) "
    "FROM bbopt_trials AS t WHERE t.study_id = %s AND t.number = %s"
)
# Makes the transaction it runs in commit with the given ``synchronous_commit``
# (the connection's own is "off"): as a statement, or as a CTE of a single one.
_DURABLE_SELECT = "SELECT set_config('synchronous_commit', %s, true)"
_DURABLE_CTE = f"durable AS ({_DURABLE_SELECT} AS level)"
# In a statement on ``bbopt_trials`` of a trial this process started: the row is
# still the one it started (``datetime_start`` as it wrote it; NULL: not started here).
_STARTED_HERE = "AND (%s::text IS NULL OR datetime_start = %s)"
# Start the oldest WAITING trial, or else (NOT EXISTS) take a new number with the
# study row's lock and write the trial: one statement.
_START = (
    "WITH w AS (UPDATE bbopt_trials SET state = %s, datetime_start = %s, "
    "heartbeat = %s WHERE study_id = %s AND number = (SELECT number "
    "FROM bbopt_trials WHERE study_id = %s AND state = %s ORDER BY number "
    "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING number), "
    "s AS (UPDATE bbopt_studies SET n_trials = n_trials + 1 WHERE study_id = %s "
    "AND NOT EXISTS (SELECT 1 FROM w) RETURNING n_trials - 1 AS number), "
    "n AS (INSERT INTO bbopt_trials (study_id, number, state, datetime_start, "
    "heartbeat) SELECT %s, number, %s, %s, %s FROM s RETURNING number) "
    "SELECT number, true FROM w UNION ALL SELECT number, false FROM n"
)
# A tell: the trial row locked, then the study row (the lock order of
# fail_stale_trials), both held until it commits with the durable level.
_TELL = (
    f"WITH {_DURABLE_CTE}, running AS (SELECT number FROM bbopt_trials "
    f"WHERE study_id = %s AND number = %s AND state = %s {_STARTED_HERE} "
    "FOR UPDATE), "
    "s AS (UPDATE bbopt_studies SET n_finished = n_finished + 1 "
    "WHERE study_id = %s AND EXISTS (SELECT 1 FROM running) "
    "RETURNING n_finished) "
    "UPDATE bbopt_trials AS t SET state = %s, vals = %s, datetime_complete = %s, "
    f"finish_seq = s.n_finished, row_params = {_ROW_PARAMS} FROM s, durable "
    "WHERE t.study_id = %s AND t.number = %s RETURNING t.number"
)
_RUNNING = int(TrialState.RUNNING)
_WAITING = int(TrialState.WAITING)
# Parameters of a running trial this process started, sent without waiting for the
# answer (`_send_params`): libpq's own placeholders, every argument as text; the
# rows are a JSON list of [name, dist_id, value_json, internal] in suggestion order.
# The first form marks the trial alive too (heartbeats on), the second locks it.
_SEND_PARAMS = (
    "WITH t AS ({running}) "
    "INSERT INTO bbopt_params (study_id, number, name, dist_id, value, internal) "
    "SELECT $1::bigint, t.number, u.e->>0, (u.e->>1)::bigint, u.e->>2, (u.e->>3)::float8 "
    "FROM t, json_array_elements($5::json) WITH ORDINALITY AS u(e, k) ORDER BY u.k "
    "ON CONFLICT (study_id, number, name) DO UPDATE SET dist_id = excluded.dist_id, "
    "value = excluded.value, internal = excluded.internal"
)
# Prepared once per connection under these names (`_connect`).
_SEND_PARAMS_PREPARED = {
    b"bbopt_send_params_beat": _SEND_PARAMS.format(running=(
        "UPDATE bbopt_trials SET heartbeat = $6::float8 WHERE study_id = $1::bigint "
        "AND number = $2::bigint AND state = $3::smallint "
        "AND ($4::text IS NULL OR datetime_start = $4::text) RETURNING number")),
    b"bbopt_send_params": _SEND_PARAMS.format(running=(
        "SELECT number FROM bbopt_trials WHERE study_id = $1::bigint AND number = $2::bigint "
        "AND state = $3::smallint AND ($4::text IS NULL OR datetime_start = $4::text) "
        "FOR SHARE")),
}
# How long the reads taken with a trial's start (`start_trial`) stand for the
# sampler's reads of that ask: a snapshot this recent is as good as a new one.
_PREFETCH_SECONDS = 1.0
# Connections abandoned by a fork: closing them in the child would end the
# parent's session, so the child keeps them unreferenced-but-alive.
_FORKED_AWAY: list[Any] = []


class StorageServerError(BboptError, ConnectionError):
    """The storage server cannot be used: unreachable, bad credentials or no such database.

    Examples
    --------
    >>> import bbopt
    >>> issubclass(bbopt.storage.StorageServerError, ConnectionError)
    True
    """


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ImportError(
            "PostgreSQLStorage needs the psycopg package (version 3): "
            'pip install "bbopt[postgres]"'
        ) from None
    return psycopg


def _dumps(value: Any, what: str) -> str:
    return dumps(value, what, "PostgreSQLStorage")


def _numbered(sql: str) -> str:
    """``sql`` with psycopg's ``%s`` placeholders numbered as libpq's ``$1, $2, ...``."""
    parts = sql.split("%s")
    return "".join(part + (f"${k}" if k < len(parts) else "")
                   for k, part in enumerate(parts, start=1))


def _finished_rows(rows: list[tuple[str | None, ...]]) -> list[Any]:
    """Rows of ``finished_since`` read as text (`PostgreSQLStorage._raw`), typed."""
    return [(int(seq), int(number), int(state), vals, row_params, constraints)  # type: ignore[arg-type]
            for seq, number, state, vals, row_params, constraints in rows]


def _running_rows(rows: list[tuple[str | None, ...]]) -> list[Any]:
    """Rows of ``running_params`` read as text (`PostgreSQLStorage._raw`), typed."""
    return [(int(number), name, None if dist_id is None else int(dist_id),  # type: ignore[arg-type]
             None if internal is None else float(internal))
            for number, name, dist_id, internal in rows]


def _one_trial_row(row: tuple[str | None, ...]) -> tuple[Any, ...]:
    """A row of `_ONE_TRIAL` read as text (`PostgreSQLStorage._raw`), typed."""
    number, state, vals, start, complete, params, reports, attrs = row
    return (int(number), int(state), vals, start, complete,  # type: ignore[arg-type]
            *(None if text is None else json.loads(text) for text in (params, reports, attrs)))


class PostgreSQLStorage(SQLStorage):
    """Keep studies on a PostgreSQL server, shared by worker processes on any machine.

    Needs the ``postgres`` extra (``pip install "bbopt[postgres]"``, the
    psycopg 3 driver).

    Parameters
    ----------
    url : str
        ``"postgresql://user:password@host:port/database"`` (any libpq
        connection URL; ``postgres://`` too). The database must exist; bbopt
        creates its tables (all named ``bbopt_*``) on first use.
    timeout : float, default 60
        Seconds to wait for the server (connecting) and for another
        transaction's lock before raising `StorageServerError` or
        `StorageLockedError`.
    synchronous : {"full", "normal"}, default "full"
        ``"full"``: a tell (and creating or deleting a study, failing stale
        trials) is on the server's disk when the call returns (the server's
        ``synchronous_commit``, on by default), and so is every change made
        before it; the changes of running trials (start, parameters,
        reports) do not wait for the disk. ``"normal"``: no commit waits for
        the disk: a change survives the death of the worker, but a crash of
        the server can forget the last fraction of a second of them (never
        half of one); saves the one disk flush per tell.
    param_delay : float, default 0
        Seconds by which the parameters of a trial this process started may
        reach the server late: the ``suggest_*`` calls made within that time
        are written together, in one round trip instead of one each, by a
        timer or by this storage's next call, whichever comes first. 0:
        each is written as it is suggested. Until written, other workers'
        samplers do not see them (this process's reads always do), and a
        worker killed meanwhile loses them with its trial.
    heartbeat_interval : float, optional
        If set, a background thread marks the running trials of this process
        alive every that many seconds, and each new trial first fails the
        running trials of the study whose heartbeat is older than
        ``grace_period`` (their worker died).
    grace_period : float, optional
        Seconds without heartbeat after which a running trial is stale;
        default ``2 * heartbeat_interval``.

    Examples
    --------
    With a server at ``$BBOPT_TEST_POSTGRES_URL`` (skipped without one):

    >>> import os, uuid, bbopt
    >>> url = os.environ.get("BBOPT_TEST_POSTGRES_URL")
    >>> if url:  # doctest: +SKIP
    ...     name = f"doc-{uuid.uuid4().hex}"
    ...     study = bbopt.create_study(study_name=name, storage=url)
    ...     _ = study.tell(study.ask({"x": bbopt.FloatDistribution(0, 1)}), 0.5)
    ...     print(bbopt.load_study(name, url).trials[0].state.name)
    ...     bbopt.delete_study(name, url)
    COMPLETE
    """

    _heartbeat_name = "bbopt-postgres-heartbeat"
    _heartbeat_errors = (StorageLockedError, StorageServerError, StorageFileError)
    _SQL = {
        "study": "SELECT name, directions FROM bbopt_studies WHERE study_id = %s",
        "study_id": "SELECT study_id FROM bbopt_studies WHERE name = %s",
        "study_names": "SELECT name FROM bbopt_studies ORDER BY study_id",
        "set_study_attr": (
            "INSERT INTO bbopt_study_attrs (study_id, key, value) VALUES (%s, %s, %s) "
            "ON CONFLICT (study_id, key) DO UPDATE SET value = excluded.value"),
        "study_attrs": "SELECT key, value FROM bbopt_study_attrs WHERE study_id = %s ORDER BY id",
        "add_dist": "INSERT INTO bbopt_distributions (spec) VALUES (%s) "
                    "ON CONFLICT (spec) DO NOTHING",
        "dist_id": "SELECT dist_id FROM bbopt_distributions WHERE spec = %s",
        "dist_spec": "SELECT spec FROM bbopt_distributions WHERE dist_id = %s",
        "state": "SELECT state FROM bbopt_trials WHERE study_id = %s AND number = %s",
        "count": "SELECT COUNT(*) FROM bbopt_trials WHERE study_id = %s",
        "finished_since": (
            "SELECT t.finish_seq, t.number, t.state, t.vals, t.row_params, a.value "
            "FROM bbopt_trials t LEFT JOIN bbopt_trial_attrs a ON a.study_id = t.study_id "
            "AND a.number = t.number AND a.system = 1 AND a.key = %s "
            "WHERE t.study_id = %s AND t.finish_seq > %s ORDER BY t.finish_seq"),
        "running_params": (
            "SELECT t.number, p.name, p.dist_id, p.internal FROM bbopt_trials AS t "
            "LEFT JOIN bbopt_params AS p ON p.study_id = t.study_id AND p.number = t.number "
            "WHERE t.study_id = %s AND t.state = %s"),
    }

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        synchronous: str = "full",
        param_delay: float = 0.0,
        heartbeat_interval: float | None = None,
        grace_period: float | None = None,
    ) -> None:
        owner = "PostgreSQLStorage"
        if not isinstance(url, str) or not is_postgresql_url(url):
            raise ValueError(
                f"The 'url' parameter of {owner} must be 'postgresql://user:password@host:"
                f"port/database'. Got {url!r} instead."
            )
        check_positive(owner, timeout=timeout, heartbeat_interval=heartbeat_interval,
                       grace_period=grace_period)
        if synchronous not in ("full", "normal"):
            raise ValueError(
                f"The 'synchronous' parameter of {owner} must be 'full' or 'normal'. "
                f"Got {synchronous!r} instead."
            )
        if (isinstance(param_delay, bool) or not isinstance(param_delay, (int, float))
                or not param_delay >= 0):
            raise ValueError(
                f"The 'param_delay' parameter of {owner} must be a number >= 0. "
                f"Got {param_delay!r} instead."
            )
        self._set_heartbeat(owner, heartbeat_interval, grace_period)
        _psycopg()
        self.url = url
        self._timeout = float(timeout)
        self._synchronous = synchronous
        self._param_delay = float(param_delay)
        self._setup()

    # -- connection --------------------------------------------------------------
    def _setup(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.RLock()
        self._caches: dict[int, StudyCache] = {}
        self._dist_ids: dict[BaseDistribution, int] = {}
        self._dists: dict[int, BaseDistribution] = {}
        # The datetime_start this process wrote for each trial it started and runs.
        self._starts: dict[tuple[int, int], str] = {}
        # Parameters not written yet (param_delay): (study_id, number) -> name -> row.
        self._pending: dict[tuple[int, int], dict[str, tuple[int, str, float]]] = {}
        self._flush_timer: threading.Timer | None = None
        # Parameter writes sent without waiting whose answers are not read yet.
        self._in_flight = 0
        # Studies whose last ask read the observations: their next start reads them
        # in its round trip, kept here as (time, running rows) for that ask's read.
        self._reading: set[int] = set()
        self._prefetched: dict[int, tuple[float, list[Any]]] = {}
        self._init_heartbeats()
        self._conn: Any = None
        self._connect()

    @property
    def display_url(self) -> str:
        """The URL without its password, for messages."""
        psycopg = _psycopg()
        try:
            info = psycopg.conninfo.conninfo_to_dict(self.url)
        except psycopg.Error:
            return self.url.split("@")[-1]
        user = f"{info['user']}@" if info.get("user") else ""
        port = f":{info['port']}" if info.get("port") else ""
        return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"

    def _connect(self) -> None:
        psycopg = _psycopg()
        try:
            # Keep the URL's own options (a search_path, say) beside the lock timeout.
            options = psycopg.conninfo.conninfo_to_dict(self.url).get("options", "")
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=max(1, int(self._timeout)),
                options=f"{options} -c lock_timeout={int(self._timeout * 1000)}".strip(),
            )
        except psycopg.Error as error:
            raise self._translate(error) from None
        try:
            # Changes of running trials commit without waiting for the disk; the
            # durable ones (`_tx(durable=True)`, `_DURABLE_CTE`) commit with the level
            # the server (or the URL's options) set, read here: "off" with
            # synchronous="normal".
            level = conn.execute("SHOW synchronous_commit").fetchone()[0]
            self._level = level if self._synchronous == "full" else "off"
            conn.execute("SET synchronous_commit = off")
            self._open_schema(conn)
            for name, sql in _SEND_PARAMS_PREPARED.items():
                conn.execute(f"PREPARE {name.decode()} AS {sql}")
            for name, (types, sql) in self._raw_statements().items():
                conn.execute(f"PREPARE {name.decode()} ({types}) AS {_numbered(sql)}")
        except BaseException as error:
            conn.close()
            if isinstance(error, psycopg.Error):
                raise self._translate(error) from None
            raise
        self._conn = conn

    def _open_schema(self, conn: Any) -> None:
        """Check that the database holds a bbopt storage of a known version; create it if not."""
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            tables = {row[0] for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name LIKE 'bbopt%%'")}
            if "bbopt_meta" in tables:
                row = conn.execute(
                    "SELECT value FROM bbopt_meta WHERE key = 'schema_version'").fetchone()
                version = None if row is None else int(row[0])
                if version != SCHEMA_VERSION:
                    raise StorageFileError(
                        f"The database {self.display_url} holds a bbopt storage of schema "
                        f"version {version}, "
                        + (f"newer than this bbopt reads ({SCHEMA_VERSION}); upgrade bbopt."
                           if version is None or version > SCHEMA_VERSION else
                           f"older than this bbopt reads ({SCHEMA_VERSION}).")
                    )
                return
            if tables:
                raise StorageFileError(
                    f"The database {self.display_url} has tables named like bbopt's "
                    f"({sorted(tables)}) but no bbopt_meta: not a bbopt storage; bbopt does "
                    "not write into it."
                )
            for statement in _SCHEMA.split(";"):
                conn.execute(statement)
            conn.execute("INSERT INTO bbopt_meta (key, value) VALUES ('schema_version', %s)",
                         (str(SCHEMA_VERSION),))

    def _translate(self, error: Exception) -> Exception:
        """Map a psycopg error to a clear one that names the server (never the password)."""
        psycopg = _psycopg()
        message = " ".join(str(error).split())
        lowered = message.lower()
        if isinstance(error, psycopg.errors.LockNotAvailable):
            return StorageLockedError(
                f"A lock of the PostgreSQL storage {self.display_url} was held by another "
                f"transaction for more than timeout={self._timeout:g} s ({message})."
            )
        if isinstance(error, psycopg.OperationalError):
            if "password authentication failed" in lowered or "authentication" in lowered:
                hint = "check the user name and password in the URL"
            elif "does not exist" in lowered:
                hint = "create the database or role first (createdb, createuser)"
            else:
                hint = "is the server running, and are the host and port right?"
            return StorageServerError(
                f"Cannot use the PostgreSQL server of {self.display_url}: {message} ({hint})."
            )
        return StorageFileError(f"PostgreSQL error on {self.display_url}: {message}")

    def _connection(self) -> Any:
        if os.getpid() != self._pid:
            # A forked child must not use (nor close) its parent's session.
            _FORKED_AWAY.append(self._conn)
            self._setup()
        if self._conn is None or self._conn.closed:
            with self._lock:
                if self._conn is None or self._conn.closed:
                    self._connect()
        return self._conn

    @contextlib.contextmanager
    def _tx(self, snapshot: bool = False, durable: bool = False) -> Iterator[Any]:
        """One transaction (a consistent snapshot with ``snapshot``; committed with the
        server's durability with ``durable``); errors translated."""
        psycopg = _psycopg()
        conn = self._connection()
        with self._lock:
            try:
                self._ready(conn)
                with conn.transaction():
                    if snapshot:
                        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    if durable:
                        conn.execute(_DURABLE_SELECT, (self._level,))
                    yield conn
            except psycopg.Error as error:
                raise self._translate(error) from None

    @contextlib.contextmanager
    def _each(self, ready: bool = True) -> Iterator[Any]:
        """Statements that are each their own transaction (one round trip each, no
        BEGIN/COMMIT); errors translated. ``ready=False`` leaves writes sent without
        waiting in flight (for another one: `_send_params`)."""
        psycopg = _psycopg()
        conn = self._connection()
        with self._lock:
            try:
                if ready:
                    self._ready(conn)
                yield conn
            except psycopg.Error as error:
                raise self._translate(error) from None

    def _run(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        """One statement as its own transaction; return its rows."""
        psycopg = _psycopg()
        conn = self._connection()
        with self._lock:
            try:
                self._ready(conn)
                cursor = conn.execute(sql, args)
                return cursor.fetchall() if cursor.description is not None else []
            except psycopg.Error as error:
                raise self._translate(error) from None

    def _ready(self, conn: Any) -> None:
        """Make the connection ready for a statement (under the lock): read the answers
        of writes sent without waiting, then write what ``param_delay`` held back."""
        if self._in_flight:
            self._settle(conn)
        if self._pending:
            self._write_pending(conn)

    def _settle(self, conn: Any) -> None:
        """Read the answers of the parameter writes in flight (`_send_params`).

        A trial no longer running (failed by another worker, or lost) wrote
        nothing: as for the writes of ``param_delay``, its next write or its tell
        says so. An error of the server is raised here.
        """
        status = _psycopg().pq.ExecStatus
        pgconn = conn.pgconn
        error = None
        while self._in_flight:
            try:
                while pgconn.is_busy():
                    select.select([pgconn.socket], [], [])
                    pgconn.consume_input()
            except _psycopg().Error:  # the connection broke: the next call reconnects
                self._in_flight = 0
                conn.close()
                raise
            result = pgconn.get_result()
            if result is None:
                continue  # the end of one statement's results
            if result.status == status.PIPELINE_SYNC:
                self._in_flight -= 1
            elif result.status == status.FATAL_ERROR and error is None:
                error = _psycopg().errors.error_from_result(result,
                                                            encoding=conn.info.encoding)
        pgconn.exit_pipeline_mode()
        if error is not None:
            raise error

    def _raw_statements(self) -> dict[bytes, tuple[str, str]]:
        """The statements of an ask and a tell, run by `_raw`: name to (argument
        types, statement with psycopg's placeholders)."""
        return {
            b"bbopt_start": ("smallint, text, float8, bigint, bigint, smallint, bigint, "
                             "bigint, smallint, text, float8", _START),
            b"bbopt_finished_since": ("text, bigint, bigint", self._SQL["finished_since"]),
            b"bbopt_running": ("bigint, smallint", self._SQL["running_params"]),
            b"bbopt_tell": ("text, bigint, bigint, smallint, text, text, bigint, smallint, "
                            "text, text, bigint, bigint", _TELL),
            b"bbopt_one_trial": ("bigint, bigint", _ONE_TRIAL),
        }

    def _raw(self, conn: Any, calls: Sequence[tuple[bytes, Sequence[Any]]]) -> list[Any]:
        """Run prepared statements in one round trip and one transaction; return
        their rows, each row a tuple of texts (None for NULL).

        This is libpq's pipeline mode used directly: the ask and the tell spent
        most of the client's time per trial in psycopg's own work around each
        statement. The answers of writes still in flight (`_send_params`) come
        first, read here too (their errors raised as `_settle` raises them).
        """
        status = _psycopg().pq.ExecStatus
        pgconn = conn.pgconn
        if not self._in_flight:
            pgconn.enter_pipeline_mode()
        for name, args in calls:
            pgconn.send_query_prepared(name, [None if a is None else str(a).encode()
                                              for a in args])
        pgconn.pipeline_sync()
        self._in_flight += 1
        while pgconn.flush():
            select.select([], [pgconn.socket], [])
        results: list[Any] = []
        error = None
        try:
            while self._in_flight:
                while pgconn.is_busy():
                    select.select([pgconn.socket], [], [])
                    pgconn.consume_input()
                result = pgconn.get_result()
                if result is None:
                    continue
                if result.status == status.PIPELINE_SYNC:
                    self._in_flight -= 1
                elif result.status == status.FATAL_ERROR and error is None:
                    error = _psycopg().errors.error_from_result(
                        result, encoding=conn.info.encoding)
                elif self._in_flight == 1 and result.status == status.TUPLES_OK:
                    results.append([
                        tuple(None if v is None else v.decode()
                              for v in (result.get_value(i, j)
                                        for j in range(result.nfields)))
                        for i in range(result.ntuples)])
        except _psycopg().Error:  # the connection broke: the next call reconnects
            self._in_flight = 0
            conn.close()
            raise
        pgconn.exit_pipeline_mode()
        if error is not None:
            raise error
        return results

    def _send_params(self, conn: Any, study_id: int, number: int,
                     rows: list[list[Any]]) -> None:
        """Send the write of parameters of a running trial this process started, and
        return without waiting for the answer (read by the next call: `_settle`).

        Each write is a transaction of its own (libpq's pipeline mode, a sync point
        after each), so other workers see it as soon as the server has it, as when
        waiting; several may be in flight.
        """
        start = self._starts.get((study_id, number))
        args = [str(study_id).encode(), str(number).encode(), str(_RUNNING).encode(),
                None if start is None else start.encode(), json.dumps(rows).encode()]
        beat = self._heartbeat_interval is not None
        if beat:
            args.append(repr(time.time()).encode())
        pgconn = conn.pgconn
        if not self._in_flight:
            pgconn.enter_pipeline_mode()
        pgconn.send_query_prepared(
            b"bbopt_send_params_beat" if beat else b"bbopt_send_params", args)
        pgconn.pipeline_sync()
        self._in_flight += 1
        while pgconn.flush():
            select.select([], [pgconn.socket], [])

    def _reads(self) -> contextlib.AbstractContextManager[Any]:
        return self._each()

    def _writes(self) -> contextlib.AbstractContextManager[Any]:
        return self._each()

    def _snapshot(self) -> contextlib.AbstractContextManager[Any]:
        return self._tx(snapshot=True)

    @staticmethod
    def _states_in(codes: list[int]) -> tuple[str, tuple[Any, ...]]:
        return "AND state = ANY(%s)", (codes,)

    def sync(self) -> None:
        """Wait until every earlier change of this process is on the server's disk.

        Tells wait for it as they happen; the changes of running trials (their
        start, parameters, reports, attributes) commit without waiting, so
        that a crash of the server (not of the worker) may forget the last
        fraction of a second of them. This makes them survive it too
        (``bbopt ask`` calls it before printing a trial).
        """
        with self._tx(durable=True) as conn:
            # A transaction that writes nothing commits without a flush: write one row.
            conn.execute("UPDATE bbopt_meta SET value = value WHERE key = 'schema_version'")

    def close(self) -> None:
        """Write the parameters not written yet, stop the heartbeat thread and close the
        connection (reopened on next use)."""
        self._stop_heartbeats()
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._conn is not None and os.getpid() == self._pid:
            with self._lock:
                if self._pending or self._in_flight:
                    with self._each():
                        pass  # its start writes them, or reads the answer
                self._conn.close()
                self._conn = None

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process, a storage reconnects there.
        return {"url": self.url, "timeout": self._timeout, "synchronous": self._synchronous,
                "param_delay": self._param_delay,
                "heartbeat_interval": self._heartbeat_interval,
                "grace_period": self._grace_period}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url = state["url"]
        self._timeout = state["timeout"]
        self._synchronous = state["synchronous"]
        self._param_delay = state.get("param_delay", 0.0)
        self._heartbeat_interval = state["heartbeat_interval"]
        self._grace_period = state["grace_period"]
        self._setup()

    def __repr__(self) -> str:
        return f"PostgreSQLStorage({self.display_url!r})"

    # -- helpers -------------------------------------------------------------------
    def _started(self, study_id: int, number: int, start: str | None) -> None:
        """Own a trial this process started (its heartbeat) and keep its start time."""
        if start is not None:
            self._starts[(study_id, number)] = start
        self._own(study_id, number)

    def _ended(self, study_id: int, number: int) -> None:
        self._owned.discard((study_id, number))
        self._starts.pop((study_id, number), None)

    def _count_all(self, conn: Any, study_id: int) -> int:
        row = conn.execute("SELECT n_trials FROM bbopt_studies WHERE study_id = %s",
                           (study_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def _not_running(self, study_id: int, number: Any) -> Exception:
        """The error for a write to a trial that is not running (or not the one
        this process started)."""
        start = self._starts.get((study_id, number))
        with self._each() as conn:
            name = self._cache(conn, study_id).name
            row = None if start is None else conn.execute(
                "SELECT datetime_start FROM bbopt_trials WHERE study_id = %s AND number = %s",
                (study_id, number)).fetchone()
            if start is not None and (row is None or row[0] != start):
                # Its start committed without waiting for the disk, and the server
                # crashed before anything flushed it: the number may be another's now.
                self._ended(study_id, number)
                return StorageServerError(
                    f"Trial {number} of study {name!r} was lost by the PostgreSQL server "
                    f"{self.display_url} (it restarted before the trial's start reached its "
                    "disk); the trial cannot be recorded."
                )
            state = self._state(conn, study_id, number)
        return TrialFinishedError(
            f"Trial {number} of study {name!r} is {state.name}, not RUNNING: "
            "it cannot change any more."
        )

    def _read_params(self, conn: Any, study_id: int, numbers: list[int]) -> dict[int, Params]:
        params: dict[int, Params] = {number: {} for number in numbers}
        dist_of = self._dist_of(conn)
        for number, name, dist_id, internal in conn.execute(
            "SELECT number, name, dist_id, internal FROM bbopt_params "
            "WHERE study_id = %s AND number = ANY(%s) ORDER BY id", (study_id, numbers),
        ):
            params[number][name] = (dist_of(dist_id), internal)
        return params

    def _load_trials(self, conn: Any, study_id: int, where: str = "",
                     args: Sequence[Any] = ()) -> list[FrozenTrial]:
        rows = conn.execute(
            "SELECT number, state, vals, datetime_start, datetime_complete FROM bbopt_trials "
            f"WHERE study_id = %s {where} ORDER BY number", (study_id, *args),
        ).fetchall()
        if not rows:
            return []
        subset = "AND number = ANY(%s)" if where else ""
        query_args = (study_id, [row[0] for row in rows]) if where else (study_id,)

        def select(columns: str, table: str) -> Any:
            return conn.execute(
                f"SELECT {columns} FROM {table} WHERE study_id = %s {subset} ORDER BY id",
                query_args,
            ).fetchall()

        return decode_trials(
            rows, select("number, name, dist_id, value", "bbopt_params"),
            select("number, step, value", "bbopt_intermediate"),
            select("number, system, key, value", "bbopt_trial_attrs"), self._dist_of(conn),
        )

    def _touch(self, owned: list[tuple[int, int]]) -> None:
        self._run(
            "UPDATE bbopt_trials SET heartbeat = %s WHERE state = %s "
            "AND (study_id, number) IN (SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
            (time.time(), _RUNNING, [s for s, _ in owned], [n for _, n in owned]),
        )

    def _insert_template(self, conn: Any, study_id: int, number: int, template: FrozenTrial,
                         seq: int | None) -> None:
        trial, params, intermediate, attrs = template_rows(template, _dumps)
        conn.execute(
            "INSERT INTO bbopt_trials (study_id, number, state, vals, datetime_start, "
            "datetime_complete, heartbeat, finish_seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (study_id, number, *trial, time.time(), seq),
        )
        with conn.cursor() as cursor:
            if params:
                cursor.executemany(
                    "INSERT INTO bbopt_params (study_id, number, name, dist_id, value, internal) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    [(study_id, number, name, self._dist_id(conn, distribution), value, internal)
                     for name, distribution, value, internal in params],
                )
            if intermediate:
                cursor.executemany(
                    "INSERT INTO bbopt_intermediate (study_id, number, step, value) "
                    "VALUES (%s, %s, %s, %s)",
                    [(study_id, number, step, value) for step, value in intermediate],
                )
            if attrs:
                cursor.executemany(
                    "INSERT INTO bbopt_trial_attrs (study_id, number, system, key, value) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(study_id, number, system, key, value) for system, key, value in attrs],
                )
        if seq is not None:
            conn.execute(
                f"UPDATE bbopt_trials AS t SET row_params = {_ROW_PARAMS} "
                "WHERE study_id = %s AND number = %s", (study_id, number),
            )

    # -- studies ---------------------------------------------------------------------
    def create_new_study(self, directions: Sequence[StudyDirection], study_name: str) -> int:
        check_name(study_name, "study_name", "create_study")
        with self._tx(durable=True) as conn:
            rows = conn.execute(
                "INSERT INTO bbopt_studies (name, directions) VALUES (%s, %s) "
                "ON CONFLICT (name) DO NOTHING RETURNING study_id",
                (study_name, json.dumps([int(d) for d in directions])),
            ).fetchall()
        if not rows:
            raise DuplicatedStudyError(
                f"A study named {study_name!r} already exists in this storage; "
                "pass load_if_exists=True to load it."
            )
        study_id = int(rows[0][0])
        with self._lock:
            self._caches[study_id] = StudyCache(study_name, list(directions))
        return study_id

    def delete_study(self, study_id: int) -> None:
        with self._tx(durable=True) as conn:
            self._cache(conn, study_id)
            conn.execute("DELETE FROM bbopt_studies WHERE study_id = %s", (study_id,))
            self._caches.pop(study_id, None)
            self._owned = {key for key in self._owned if key[0] != study_id}
            self._starts = {key: v for key, v in self._starts.items() if key[0] != study_id}

    # -- trials ------------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template: FrozenTrial | None = None) -> int:
        if template is not None:
            check_template(template, "Study.add_trial")
        finished = template is not None and template.state.is_finished()
        if not finished and self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        if template is None:
            start = now()
            with self._each() as conn:
                self._cache(conn, study_id)
                # The number taken and the trial written in one statement (one transaction).
                number = int(conn.execute(
                    "WITH s AS (UPDATE bbopt_studies SET n_trials = n_trials + 1 "
                    "WHERE study_id = %s RETURNING n_trials - 1 AS number) "
                    "INSERT INTO bbopt_trials (study_id, number, state, datetime_start, "
                    "heartbeat) SELECT %s, number, %s, %s, %s FROM s RETURNING number",
                    (study_id, study_id, _RUNNING, start, time.time()),
                ).fetchone()[0])
            self._started(study_id, number, start)
            return number
        with self._tx(durable=finished) as conn:
            cache = self._cache(conn, study_id)
            row = conn.execute(
                "UPDATE bbopt_studies SET n_trials = n_trials + 1, "
                f"n_finished = n_finished + {1 if finished else 0} WHERE study_id = %s "
                "RETURNING n_trials - 1, n_finished", (study_id,),
            ).fetchone()
            number = int(row[0])
            self._insert_template(conn, study_id, number, template,
                                  int(row[1]) if finished else None)
        if finished:
            with self._each() as conn:
                self._sync(conn, study_id, cache)
        elif template.state == TrialState.RUNNING:
            begun = template.datetime_start
            self._started(study_id, number, None if begun is None else begun.isoformat())
        return number

    def fail_stale_trials(self, study_id: int, grace_period: float | None = None) -> list[int]:
        """Mark FAIL the running trials whose worker stopped beating; return their numbers.

        Parameters
        ----------
        study_id : int
        grace_period : float, optional
            Seconds since the last sign of life (heartbeat, a report, or the
            start) after which a running trial is stale; default the
            storage's ``grace_period``. Trials running in this process are
            never stale.

        Returns
        -------
        list of int
            The numbers of the trials marked FAIL.
        """
        grace = check_grace(
            self._grace_period if grace_period is None else grace_period, "PostgreSQLStorage")
        limit = time.time() - grace
        with self._tx() as conn:
            cache = self._cache(conn, study_id)
            # Trial rows first, then the study row: the lock order of finish_trial.
            stale = [n for (n,) in conn.execute(
                "SELECT number FROM bbopt_trials WHERE study_id = %s AND state = %s "
                "AND heartbeat < %s ORDER BY number FOR UPDATE",
                (study_id, _RUNNING, limit),
            ) if (study_id, n) not in self._owned]
            if stale:
                conn.execute(_DURABLE_SELECT, (self._level,))  # a flush only if it fails some
                (last,) = conn.execute(
                    "UPDATE bbopt_studies SET n_finished = n_finished + %s "
                    "WHERE study_id = %s RETURNING n_finished", (len(stale), study_id),
                ).fetchone()
                conn.execute(
                    f"UPDATE bbopt_trials AS t SET state = %s, datetime_complete = %s, "
                    f"finish_seq = %s + array_position(%s::bigint[], number), "
                    f"row_params = {_ROW_PARAMS} WHERE study_id = %s AND number = ANY(%s)",
                    (int(TrialState.FAIL), now(), int(last) - len(stale), stale, study_id,
                     stale),
                )
        if stale:
            with self._each() as conn:
                self._sync(conn, study_id, cache)
        return stale

    def start_trial(self, study_id: int) -> tuple[int, bool]:
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        start = now()
        # Writes still in flight are answered in this round trip (`_raw`).
        with self._each(ready=study_id not in self._caches or bool(self._pending)) as conn:
            cache = self._cache(conn, study_id)
            if self._prefetched.pop(study_id, None) is not None:
                self._reading.discard(study_id)  # the last ask did not read: stop
            # One statement, `_START`; if the last ask of the study read the
            # observations, this one will too: they are read in the same round trip,
            # after it.
            read = study_id in self._reading
            beat = time.time()
            calls: list[tuple[bytes, Sequence[Any]]] = [(b"bbopt_start", (
                _RUNNING, start, beat, study_id, study_id, _WAITING, study_id, study_id,
                _RUNNING, start, beat))]
            if read:
                calls += [(b"bbopt_finished_since", (CONSTRAINTS_KEY, study_id, cache.last_seq)),
                          (b"bbopt_running", (study_id, _RUNNING))]
            results = self._raw(conn, calls)
            number, popped = int(results[0][0][0]), results[0][0][1] == "t"
            if read:
                self._append_finished(conn, study_id, cache, _finished_rows(results[1]))
                self._prefetched[study_id] = (time.monotonic(), _running_rows(results[2]))
        self._started(study_id, number, start)
        return number, popped

    def pop_waiting_trial(self, study_id: int) -> int | None:
        start = now()
        with self._each() as conn:
            self._cache(conn, study_id)
            row = conn.execute(
                "UPDATE bbopt_trials SET state = %s, datetime_start = %s, heartbeat = %s "
                "WHERE study_id = %s AND number = (SELECT number FROM bbopt_trials "
                "WHERE study_id = %s AND state = %s ORDER BY number LIMIT 1 "
                "FOR UPDATE SKIP LOCKED) RETURNING number",
                (_RUNNING, start, time.time(), study_id, study_id, _WAITING),
            ).fetchone()
        if row is None:
            return None
        number = int(row[0])
        self._started(study_id, number, start)
        return number

    def set_trial_param(
        self, study_id: int, number: int, name: str, distribution: BaseDistribution, value: Any
    ) -> None:
        self.set_trial_params(study_id, number, {name: (distribution, value)})

    def set_trial_params(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, Any]]
    ) -> None:
        rows = [(check_name(name, "name", "Trial.suggest"), distribution,
                 _dumps(value, f"the parameter {name!r}"), distribution.to_internal(value))
                for name, (distribution, value) in params.items()]
        key = (study_id, number)
        if self._param_delay > 0 and key in self._starts:
            # A trial this process started and runs: written with others, soon (a call
            # of this storage would write what is held back first: not for these).
            if any(distribution not in self._dist_ids for _, distribution, _, _ in rows):
                with self._each() as conn:
                    for _, distribution, _, _ in rows:
                        self._dist_id(conn, distribution)
            with self._lock:
                pending = self._pending.setdefault(key, {})
                for name, distribution, value, internal in rows:
                    pending[name] = (self._dist_ids[distribution], value, internal)
                if self._flush_timer is None:
                    timer = threading.Timer(self._param_delay, self._flush_pending)
                    timer.daemon = True
                    self._flush_timer = timer
                    timer.start()
            return
        if key in self._starts and all(distribution in self._dist_ids
                                       for _, distribution, _, _ in rows):
            # A trial this process started and runs: sent, the answer read later.
            with self._each(ready=False) as conn:
                self._send_params(conn, study_id, number, [
                    [name, self._dist_ids[distribution], value, internal]
                    for name, distribution, value, internal in rows])
            return
        with self._each() as conn:
            dist_ids = [self._dist_id(conn, distribution) for _, distribution, _, _ in rows]
            written = self._write_running(
                conn, study_id, number, False,
                "INSERT INTO bbopt_params (study_id, number, name, dist_id, value, internal) "
                "SELECT %s, t.number, u.name, u.dist_id, u.value, u.internal FROM t, "
                "unnest(%s::text[], %s::bigint[], %s::text[], %s::float8[]) WITH ORDINALITY "
                "AS u(name, dist_id, value, internal, k) ORDER BY u.k "
                "ON CONFLICT (study_id, number, name) DO UPDATE SET dist_id = excluded.dist_id, "
                "value = excluded.value, internal = excluded.internal RETURNING number",
                (study_id, [r[0] for r in rows], dist_ids, [r[2] for r in rows],
                 [r[3] for r in rows]),
            )
        if not written:
            raise self._not_running(study_id, number)

    def _write_pending(self, conn: Any) -> None:
        """Write the parameters held back by ``param_delay``, of all trials, in one
        statement (those of a trial no longer running, or lost, are dropped)."""
        rows = [(study_id, number, self._starts.get((study_id, number)), name, *row)
                for (study_id, number), params in self._pending.items()
                for name, row in params.items()]
        columns = list(zip(*rows))
        conn.execute(
            "INSERT INTO bbopt_params (study_id, number, name, dist_id, value, internal) "
            "SELECT t.study_id, t.number, u.name, u.dist_id, u.value, u.internal "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::bigint[], "
            "%s::text[], %s::float8[]) WITH ORDINALITY "
            "AS u(study_id, number, start, name, dist_id, value, internal, k) "
            "JOIN bbopt_trials AS t ON t.study_id = u.study_id AND t.number = u.number "
            "AND t.state = %s AND (u.start IS NULL OR t.datetime_start = u.start) "
            "ORDER BY u.k ON CONFLICT (study_id, number, name) DO UPDATE SET "
            "dist_id = excluded.dist_id, value = excluded.value, internal = excluded.internal",
            (*[list(column) for column in columns], _RUNNING),
        )
        self._pending.clear()

    def _flush_pending(self) -> None:
        """The timer of ``param_delay``: write what is held back (any later call would)."""
        with self._lock:
            self._flush_timer = None
            if not self._pending or os.getpid() != self._pid:
                return
        with contextlib.suppress(*self._heartbeat_errors), self._each():
            pass  # its start writes them (or the next call does, if the server is away)

    def _write_running(self, conn: Any, study_id: int, number: int, beat: bool, insert: str,
                       args: Sequence[Any]) -> bool:
        """Run ``insert`` (which selects from ``t``) if the trial is running, in one statement.

        ``t`` holds the trial's number if it is running, locked so that it cannot
        finish meanwhile, and marked alive if ``beat`` (a report always counts as
        a sign of life; other writes only when heartbeats are on). Returns
        whether a row was written (False: the trial is not running, or nothing
        was given to write).
        """
        if isinstance(number, bool) or not isinstance(number, int):
            return False
        start = self._starts.get((study_id, number))
        if beat or self._heartbeat_interval is not None:
            running = ("UPDATE bbopt_trials SET heartbeat = %s WHERE study_id = %s "
                       f"AND number = %s AND state = %s {_STARTED_HERE} RETURNING number")
            head: tuple[Any, ...] = (time.time(), study_id, number, _RUNNING, start, start)
        else:
            running = ("SELECT number FROM bbopt_trials WHERE study_id = %s AND number = %s "
                       f"AND state = %s {_STARTED_HERE} FOR SHARE")
            head = (study_id, number, _RUNNING, start, start)
        return conn.execute(f"WITH t AS ({running}) {insert}", (*head, *args)).fetchone() \
            is not None

    def set_trial_intermediate_value(
        self, study_id: int, number: int, step: int, value: float
    ) -> None:
        check_step(step, "Trial.report")
        with self._each() as conn:
            written = self._write_running(
                conn, study_id, number, True,
                "INSERT INTO bbopt_intermediate (study_id, number, step, value) "
                "SELECT %s, t.number, %s, %s FROM t ON CONFLICT (study_id, number, step) "
                "DO UPDATE SET value = excluded.value RETURNING number",
                (study_id, step, value),
            )
        if not written:
            raise self._not_running(study_id, number)

    def _set_trial_attr(self, study_id: int, number: int, system: int, key: str,
                        value: Any) -> None:
        text = check_attr(key, value, "Trial.set_system_attr" if system else "Trial.set_user_attr")
        start = self._starts.get((study_id, number))
        with self._each() as conn:
            written = isinstance(number, int) and not isinstance(number, bool) and conn.execute(
                "INSERT INTO bbopt_trial_attrs (study_id, number, system, key, value) "
                "SELECT study_id, number, %s, %s, %s FROM bbopt_trials "
                f"WHERE study_id = %s AND number = %s {_STARTED_HERE} "
                "ON CONFLICT (study_id, number, system, key) "
                "DO UPDATE SET value = excluded.value RETURNING number",
                (system, key, text, study_id, number, start, start),
            ).fetchone() is not None
        if not written:
            if start is not None:
                raise self._not_running(study_id, number)  # lost, or finished meanwhile
            with self._each() as conn:
                raise self._missing_trial(conn, study_id, number)

    def set_trial_user_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        self._set_trial_attr(study_id, number, 0, key, value)

    def set_trial_system_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        self._set_trial_attr(study_id, number, 1, key, value)

    def finish_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._finish(study_id, number, state, values, False)

    def tell_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> FrozenTrial:
        row = self._finish(study_id, number, state, values, True)
        with self._each() as conn:
            return self._decode_one(conn, number, row)

    def _finish(self, study_id: int, number: int, state: TrialState,
                values: Sequence[float] | None, read_back: bool) -> Any:
        """Finish a running trial; return its `_ONE_TRIAL` row as told if ``read_back``."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise self._not_running(study_id, number)
        start = self._starts.get((study_id, number))
        # Writes still in flight are answered in this round trip (`_raw`).
        with self._each(ready=study_id not in self._caches or bool(self._pending)) as conn:
            cache = self._cache(conn, study_id)
            # One round trip, one transaction, one wait for the disk: the tell
            # (`_TELL`), the trials finished since the last read (unless the next
            # start reads them: `start_trial`), and the trial as told.
            read = study_id not in self._reading
            calls: list[tuple[bytes, Sequence[Any]]] = [(b"bbopt_tell", (
                self._level, study_id, number, _RUNNING, start, start, study_id,
                int(state), dumps_values(values), now(), study_id, number))]
            if read:
                calls.append((b"bbopt_finished_since",
                              (CONSTRAINTS_KEY, study_id, cache.last_seq)))
            if read_back:
                calls.append((b"bbopt_one_trial", (study_id, number)))
            results = self._raw(conn, calls)
            done = bool(results[0])
            if read:
                self._append_finished(conn, study_id, cache, _finished_rows(results[1]))
            if done:
                self._ended(study_id, number)
                cache.notes.pop(number, None)
        if not done:
            raise self._not_running(study_id, number)
        return _one_trial_row(results[-1][0]) if read_back else None

    def get_trial(self, study_id: int, number: int) -> FrozenTrial:
        with self._each() as conn:
            row = None
            if isinstance(number, int) and not isinstance(number, bool):
                # One statement (one snapshot, one round trip): the trial's row and its
                # parameters, reports and attributes as JSON arrays in insertion order.
                row = conn.execute(_ONE_TRIAL, (study_id, number)).fetchone()
            if row is None:
                raise self._missing_trial(conn, study_id, number)
            return self._decode_one(conn, number, row)

    def _decode_one(self, conn: Any, number: int, row: Any) -> FrozenTrial:
        params, reports, attrs = row[5:]
        return decode_trials(
            [row[:5]], [(number, *p) for p in params or ()],
            [(number, step, None if value is None else float(value))
             for step, value in reports or ()],
            [(number, *a) for a in attrs or ()], self._dist_of(conn),
        )[0]

    def get_observations_and_running(
        self, study_id: int
    ) -> tuple[Observations, RunningPoints] | None:
        with self._each() as conn:
            cache = self._cache(conn, study_id)
            self._reading.add(study_id)
            prefetched = self._prefetched.pop(study_id, None)
            if prefetched is not None and time.monotonic() - prefetched[0] < _PREFETCH_SECONDS:
                rows = prefetched[1]  # read with the start of this ask (`start_trial`)
            else:  # both reads in one round trip
                finished, running = self._raw(conn, [
                    (b"bbopt_finished_since", (CONSTRAINTS_KEY, study_id, cache.last_seq)),
                    (b"bbopt_running", (study_id, _RUNNING))])
                self._append_finished(conn, study_id, cache, _finished_rows(finished))
                rows = _running_rows(running)
            return cache.observations, cache.running_points(rows, self._dist_of(conn))

    # -- blocks of trials (the array fast path) ----------------------------------------
    def create_running_trials(
        self, study_id: int, params: Sequence[tuple[str, BaseDistribution]],
        values: np.ndarray,
    ) -> np.ndarray:
        # One transaction: the numbers taken at once, the trials, then each parameter
        # column, each one statement over arrays.
        n = values.shape[0]
        internal, texts = block_columns(params, values)
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        started = now()
        with self._tx() as conn:
            self._cache(conn, study_id)
            (start,) = conn.execute(
                "UPDATE bbopt_studies SET n_trials = n_trials + %s WHERE study_id = %s "
                "RETURNING n_trials - %s", (n, study_id, n),
            ).fetchone()
            numbers = list(range(int(start), int(start) + n))
            conn.execute(
                "INSERT INTO bbopt_trials (study_id, number, state, datetime_start, heartbeat) "
                "SELECT %s, number, %s, %s, %s FROM unnest(%s::bigint[]) AS number",
                (study_id, _RUNNING, started, time.time(), numbers),
            )
            for j, (name, distribution) in enumerate(params):
                conn.execute(
                    "INSERT INTO bbopt_params (study_id, number, name, dist_id, value, internal) "
                    "SELECT %s, u.number, %s, %s, u.value, u.internal "
                    "FROM unnest(%s::bigint[], %s::text[], %s::float8[]) "
                    "AS u(number, value, internal)",
                    (study_id, name, self._dist_id(conn, distribution), numbers, texts[j],
                     internal[:, j].tolist()),
                )
        for number in numbers:
            self._started(study_id, number, started)
        return np.arange(int(start), int(start) + n, dtype=np.int64)

    def finish_trials(
        self, study_id: int, numbers: np.ndarray, states: np.ndarray, values: np.ndarray
    ) -> None:
        listed = numbers.tolist()
        n = len(listed)
        starts = [self._starts.get((study_id, number)) for number in listed]
        with self._tx(durable=True) as conn:
            cache = self._cache(conn, study_id)
            # Trial rows first (in number order), then the study row: the lock order
            # of finish_trial and fail_stale_trials.
            running = {number for (number,) in conn.execute(
                "SELECT t.number FROM bbopt_trials AS t, unnest(%s::bigint[], %s::text[]) "
                "AS u(number, start) WHERE t.study_id = %s AND t.number = u.number "
                "AND t.state = %s AND (u.start IS NULL OR t.datetime_start = u.start) "
                "ORDER BY t.number FOR UPDATE OF t", (listed, starts, study_id, _RUNNING),
            )}
            if len(running) != n:  # some trial is not running: change nothing
                for number in listed:
                    if number not in running:
                        raise self._not_running(study_id, number)
                raise TrialFinishedError("finish_trials was given a trial twice.")
            (last,) = conn.execute(
                "UPDATE bbopt_studies SET n_finished = n_finished + %s WHERE study_id = %s "
                "RETURNING n_finished", (n, study_id),
            ).fetchone()
            conn.execute(
                "UPDATE bbopt_trials AS t SET state = u.state, vals = u.vals, "
                f"datetime_complete = %s, finish_seq = %s + u.k, row_params = {_ROW_PARAMS} "
                "FROM unnest(%s::bigint[], %s::smallint[], %s::text[]) WITH ORDINALITY "
                "AS u(number, state, vals, k) WHERE t.study_id = %s AND t.number = u.number",
                (now(), int(last) - n, listed, states.tolist(), dumps_rows(states, values),
                 study_id),
            )
        with self._each() as conn:
            for number in listed:
                self._ended(study_id, number)
                cache.notes.pop(number, None)
            self._sync(conn, study_id, cache)
