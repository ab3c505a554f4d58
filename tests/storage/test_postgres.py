"""PostgreSQL storage: what is particular to a server (the contract is in test_contract.py).

Clear errors for an unreachable server, bad credentials, a missing database,
a foreign or newer schema and a lock held too long; no password in messages.
Every test needs the test server (tests/conftest.py: ``postgres_url``).
"""

from __future__ import annotations

import sys
import time

import pytest

import bbopt
from bbopt.storage import (
    PostgreSQLStorage,
    StorageFileError,
    StorageLockedError,
    StorageServerError,
)
from bbopt.storage._postgres import _DURABLE_CTE

psycopg = pytest.importorskip("psycopg")  # in the 'test' extra; absent, the fixtures skip


def _url(postgres_url, **parts):
    """The test server's URL with some of its parts (user, password, port, dbname) replaced."""
    info = {**psycopg.conninfo.conninfo_to_dict(postgres_url), **parts}
    return (f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/"
            f"{info['dbname']}")


def test_unreachable_server(postgres_url):
    with pytest.raises(StorageServerError, match="is the server running") as info:
        PostgreSQLStorage(_url(postgres_url, password="secret", port="1"), timeout=1)
    assert "secret" not in str(info.value) and ":1/" in str(info.value)


def test_bad_password_is_named_not_shown(postgres_url):
    with pytest.raises(StorageServerError, match="check the user name and password") as info:
        PostgreSQLStorage(_url(postgres_url, password="wrong-pw"), timeout=5)
    assert "wrong-pw" not in str(info.value)


def test_missing_database(postgres_url):
    with pytest.raises(StorageServerError, match="create the database"):
        PostgreSQLStorage(_url(postgres_url, dbname="no_such_db"), timeout=5)


def test_foreign_tables_are_left_alone(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bbopt_trials (id INT)")
    with pytest.raises(StorageFileError, match="not a bbopt storage"):
        PostgreSQLStorage(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema()")]
    assert tables == ["bbopt_trials"]


def test_newer_schema_version(postgres_url):
    PostgreSQLStorage(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE bbopt_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StorageFileError, match="schema version 99, newer"):
        PostgreSQLStorage(postgres_url)


def test_a_lock_held_too_long(postgres_url):
    storage = PostgreSQLStorage(postgres_url, timeout=1)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    with psycopg.connect(postgres_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT * FROM bbopt_studies FOR UPDATE")
        with pytest.raises(StorageLockedError, match="held by another transaction"):
            storage.create_new_trial(study_id)
    assert storage.create_new_trial(study_id) == 0  # and usable again
    storage.close()


def test_url_and_driver_errors(monkeypatch):
    with pytest.raises(ValueError, match="'url' parameter of PostgreSQLStorage"):
        PostgreSQLStorage("mysql://localhost/db")
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(ImportError, match=r"bbopt\[postgres\]"):
        PostgreSQLStorage("postgresql://localhost/db")


def test_synchronous_normal_turns_off_the_wait_for_the_disk(postgres_url):
    import pickle

    full, normal = PostgreSQLStorage(postgres_url), PostgreSQLStorage(postgres_url,
                                                                     synchronous="normal")
    for storage, expected in ((full, "on"), (normal, "off"),
                              (pickle.loads(pickle.dumps(normal)), "off")):
        # Changes of running trials never wait for the disk; durable ones (tells,
        # studies, failing stale trials) commit with the server's level ("on" here).
        assert storage._run("SHOW synchronous_commit") == [("off",)]
        with storage._tx(durable=True) as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone() == (expected,)
        assert storage._run(
            f"WITH {_DURABLE_CTE} SELECT current_setting('synchronous_commit') FROM durable",
            (storage._level,)) == [(expected,)]
        assert storage._run("SHOW synchronous_commit") == [("off",)]
        storage.close()
    with pytest.raises(ValueError, match="'synchronous' parameter of PostgreSQLStorage"):
        PostgreSQLStorage(postgres_url, synchronous="off")


def test_a_trial_whose_start_the_server_lost_is_refused(postgres_url):
    # A start commits without waiting for the disk: a server that crashes at once
    # forgets it, and another worker may then be given the same number. The worker
    # that started the trial first must not write into the other's trial.
    storage = PostgreSQLStorage(postgres_url)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    x = bbopt.FloatDistribution(0, 1)
    primer, _ = storage.start_trial(study_id)
    storage.set_trial_param(study_id, primer, "x", x, 0.5)  # x's id is known from now on
    lost, _ = storage.start_trial(study_id)
    gone = storage.create_new_trial(study_id)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # What a restarted server shows: trial `lost` is another worker's, `gone` is gone.
        conn.execute("UPDATE bbopt_trials SET datetime_start = '2000-01-01T00:00:00' "
                     "WHERE number = %s", (lost,))
        conn.execute("DELETE FROM bbopt_trials WHERE number = %s", (gone,))
    for number in (lost, gone):
        # Parameters of a trial started here are sent without waiting for the answer:
        # nothing is written, and the trial's next write or tell says why.
        storage.set_trial_param(study_id, number, "x", x, 0.5)
        for write in (lambda n: storage.set_trial_intermediate_value(study_id, n, 0, 1.0),
                      lambda n: storage.set_trial_user_attr(study_id, n, "k", 1),
                      lambda n: storage.tell_trial(study_id, n, bbopt.TrialState.COMPLETE, [1])):
            with pytest.raises(StorageServerError, match=f"Trial {number} .* was lost"):
                write(number)
            storage._starts[(study_id, number)] = "still mine"  # each write checks anew
    other = PostgreSQLStorage(postgres_url).get_trial(study_id, lost)
    assert other.state == bbopt.TrialState.RUNNING and other.params == {}
    assert other.user_attrs == {} and other.intermediate_values == {}
    # A trial this process did not start (no start kept) is written as before.
    storage._starts.clear()
    storage.finish_trial(study_id, lost, bbopt.TrialState.COMPLETE, [1.0])
    storage.close()


def test_running_writes_do_not_wait_for_the_disk_and_sync_does(postgres_url, monkeypatch):
    storage = PostgreSQLStorage(postgres_url)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    levels = []
    conn = storage._connection()
    execute = type(conn).execute

    def spy(self, query, params=None, **kwargs):
        cursor = execute(self, query, params, **kwargs)
        if not self._pipeline:
            levels.append(execute(self, "SHOW synchronous_commit").fetchone()[0])
        return cursor

    monkeypatch.setattr(type(conn), "execute", spy)
    # The start runs through `_raw`: a probe in its transaction reads the level.
    storage._run("PREPARE probe AS SELECT current_setting('synchronous_commit')")
    raw = PostgreSQLStorage._raw
    monkeypatch.setattr(PostgreSQLStorage, "_raw",
                        lambda self, conn, calls: _probed(raw, self, conn, calls, levels))
    number, _ = storage.start_trial(study_id)
    x = bbopt.FloatDistribution(0, 1)
    storage.set_trial_param(study_id, number, "x", x, 0.5)  # x's id: a statement
    storage.set_trial_param(study_id, number, "y", x, 0.5)  # sent without waiting
    assert storage._in_flight == 1
    storage.get_trial(study_id, number)
    assert len(levels) > 2 and set(levels) == {"off"}
    levels.clear()
    storage.sync()
    assert levels[-1] == "on"  # inside the transaction that writes a row and commits
    monkeypatch.undo()
    storage.close()


def _probed(raw, storage, conn, calls, levels):
    """`_raw` with a probe of the commit level of its transaction appended to ``levels``."""
    results = raw(storage, conn, [*calls, (b"probe", ())])
    levels.append(results.pop()[0][0])
    return results


def test_param_delay_writes_suggestions_together(postgres_url):
    import pickle
    import time

    with pytest.raises(ValueError, match="'param_delay' parameter of PostgreSQLStorage"):
        PostgreSQLStorage(postgres_url, param_delay=-1)
    delayed = PostgreSQLStorage(postgres_url, param_delay=0.3)
    assert pickle.loads(pickle.dumps(delayed))._param_delay == 0.3
    other = PostgreSQLStorage(postgres_url)
    study_id = delayed.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    x, y = bbopt.FloatDistribution(0, 1), bbopt.IntDistribution(0, 9)
    # (A distribution new to this process is looked up first, which writes them too.)
    number, _ = delayed.start_trial(study_id)
    delayed.set_trial_params(study_id, number, {"x": (x, 0.1), "y": (y, 1)})
    delayed.finish_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0])
    # Held back, then written by the timer with no further call of this storage.
    number, _ = delayed.start_trial(study_id)
    delayed.set_trial_param(study_id, number, "y", y, 3)
    delayed.set_trial_param(study_id, number, "x", x, 0.25)
    delayed.set_trial_param(study_id, number, "z", x, 0.5)
    assert other.get_trial(study_id, number).params == {}
    deadline = time.monotonic() + 10
    while not other.get_trial(study_id, number).params and time.monotonic() < deadline:
        time.sleep(0.05)
    assert other.get_trial(study_id, number).params == {"y": 3, "x": 0.25, "z": 0.5}
    # Written by this storage's next call: its own reads and tells see them.
    number, _ = delayed.start_trial(study_id)
    delayed.set_trial_param(study_id, number, "x", x, 0.5)
    delayed.set_trial_param(study_id, number, "x", x, 0.75)  # the last value wins
    assert delayed.get_trial(study_id, number).params == {"x": 0.75}
    delayed.set_trial_param(study_id, number, "y", y, 4)
    told = delayed.tell_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0])
    assert told.params == {"x": 0.75, "y": 4}
    observations = other.get_observations(study_id)
    assert observations.x[-1, observations.column("y", y)] == 4
    # A trial another worker failed meanwhile: its held-back parameters are dropped.
    number, _ = delayed.start_trial(study_id)
    delayed.set_trial_param(study_id, number, "x", x, 0.5)
    other.finish_trial(study_id, number, bbopt.TrialState.FAIL, None)
    with pytest.raises(bbopt.storage.TrialFinishedError, match="is FAIL"):
        delayed.finish_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0])
    assert other.get_trial(study_id, number).params == {}
    # Closing writes what is held back; a trial not started here is written at once.
    number, _ = delayed.start_trial(study_id)
    delayed.set_trial_param(study_id, number, "x", x, 0.5)
    delayed.close()
    assert other.get_trial(study_id, number).params == {"x": 0.5}
    fresh = PostgreSQLStorage(postgres_url, param_delay=10)
    fresh.set_trial_param(study_id, number, "y", y, 1)
    assert other.get_trial(study_id, number).params == {"x": 0.5, "y": 1}
    fresh.close()
    other.close()


def _count_round_trips(monkeypatch, storage):
    """A list that grows by one at each wait of ``storage``'s connection for the server
    (psycopg's waits outside a pipeline, one per pipeline, one per `_raw`)."""
    waits = []
    conn = storage._connection()
    wait, raw = type(conn).wait, PostgreSQLStorage._raw

    def counted(self, gen, *args, **kwargs):
        if self is conn and (self._pipeline is None
                             or getattr(gen, "__name__", "") == "_exit_gen"):
            waits.append(1)
        return wait(self, gen, *args, **kwargs)

    def counted_raw(self, *args, **kwargs):
        if self is storage:
            waits.append(1)
        return raw(self, *args, **kwargs)

    monkeypatch.setattr(type(conn), "wait", counted)
    monkeypatch.setattr(PostgreSQLStorage, "_raw", counted_raw)
    return waits


def test_a_start_reads_for_the_ask_in_its_round_trip(postgres_url, monkeypatch):
    import bbopt.storage._postgres as module

    storage, other = PostgreSQLStorage(postgres_url), PostgreSQLStorage(postgres_url)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    x = bbopt.FloatDistribution(0, 1)
    first, _ = storage.start_trial(study_id)
    storage.get_observations_and_running(study_id)  # this study's asks read
    storage.set_trial_param(study_id, first, "x", x, 0.5)
    storage.finish_trial(study_id, first, bbopt.TrialState.COMPLETE, [1.0])
    waits = _count_round_trips(monkeypatch, storage)
    number, _ = storage.start_trial(study_id)
    late = other.create_new_trial(study_id)  # after the start: not in its snapshot
    other.finish_trial(study_id, late, bbopt.TrialState.COMPLETE, [0.0])
    observations, running = storage.get_observations_and_running(study_id)
    assert len(waits) == 1  # the start and both reads
    assert observations.numbers.tolist() == [first] and running.numbers.tolist() == [number]
    # An older snapshot is read again.
    monkeypatch.setattr(module, "_PREFETCH_SECONDS", 0.0)
    storage.set_trial_param(study_id, number, "x", x, 0.25)
    storage.finish_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0])
    second, (number, _) = number, storage.start_trial(study_id)
    observations, running = storage.get_observations_and_running(study_id)
    assert observations.numbers.tolist() == [first, late, second]
    # A study whose ask did not read stops being read at its next start.
    storage.finish_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0])
    storage.start_trial(study_id)
    assert study_id in storage._prefetched
    del waits[:]
    storage.start_trial(study_id)
    assert study_id not in storage._reading and study_id not in storage._prefetched
    assert len(waits) == 1
    storage.close()
    other.close()


def test_parameters_are_sent_without_waiting(postgres_url, monkeypatch):
    storage, other = PostgreSQLStorage(postgres_url), PostgreSQLStorage(postgres_url)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    x, y = bbopt.FloatDistribution(0, 1), bbopt.IntDistribution(0, 9)
    number, _ = storage.start_trial(study_id)
    storage.set_trial_params(study_id, number, {"x": (x, 0.5), "y": (y, 3)})  # ids: waits
    number, _ = storage.start_trial(study_id)
    waits = _count_round_trips(monkeypatch, storage)
    for k, value in enumerate((0.1, 0.2, 0.3)):
        storage.set_trial_param(study_id, number, f"x{k}", x, value)
    storage.set_trial_param(study_id, number, "x0", x, 0.4)  # the last value wins
    assert waits == [] and storage._in_flight == 4
    # Each is committed on its own as the server reads it: other workers see them.
    deadline = time.monotonic() + 10
    while len(other.get_trial(study_id, number).params) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert other.get_trial(study_id, number).params == {"x0": 0.4, "x1": 0.2, "x2": 0.3}
    # This process's next call reads the answers first.
    assert storage.get_trial(study_id, number).params == {"x0": 0.4, "x1": 0.2, "x2": 0.3}
    assert storage._in_flight == 0
    # A trial that is no longer running gets nothing; its tell says why.
    other.finish_trial(study_id, number, bbopt.TrialState.FAIL, None)
    storage.set_trial_param(study_id, number, "x3", x, 0.5)
    with pytest.raises(bbopt.storage.TrialFinishedError, match="is FAIL"):
        storage.finish_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0])
    assert "x3" not in other.get_trial(study_id, number).params
    # An error of the server is raised by the next call.
    number, _ = storage.start_trial(study_id)
    storage._run("DEALLOCATE bbopt_send_params")
    storage.set_trial_param(study_id, number, "x", x, 0.5)
    with pytest.raises(StorageFileError, match="bbopt_send_params"):
        storage.get_trial(study_id, number)
    assert storage._in_flight == 0
    storage.close()  # reconnects (and prepares again) on next use
    storage.set_trial_param(study_id, number, "x", x, 0.5)
    assert storage.get_trial(study_id, number).params == {"x": 0.5}
    storage.close()
    other.close()


@pytest.mark.parametrize(("synchronous", "expected"), [("full", "on"), ("normal", "off")])
def test_a_tell_commits_with_the_durable_level(postgres_url, monkeypatch, synchronous,
                                               expected):
    # The tell's transaction (one statement, `_TELL`, sent through `_raw`) sets the
    # commit level of the server ("on" here: on its disk when the call returns); a
    # probe sent in the same transaction reads it.
    storage = PostgreSQLStorage(postgres_url, synchronous=synchronous)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    storage._run("PREPARE probe AS SELECT current_setting('synchronous_commit')")
    seen = []
    raw = PostgreSQLStorage._raw

    def probed(self, conn, calls):
        tell = calls[0][0] == b"bbopt_tell"
        results = raw(self, conn, [*calls, (b"probe", ())] if tell else calls)
        if tell:
            seen.append(results.pop()[0][0])
        return results

    monkeypatch.setattr(PostgreSQLStorage, "_raw", probed)
    number, _ = storage.start_trial(study_id)
    storage.set_trial_param(study_id, number, "x", bbopt.FloatDistribution(0, 1), 0.5)
    assert storage.tell_trial(study_id, number, bbopt.TrialState.COMPLETE, [1.0]).value == 1.0
    assert seen == [expected]
    assert storage._run("SHOW synchronous_commit") == [("off",)]  # for that transaction only
    storage.close()
