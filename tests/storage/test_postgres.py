"""PostgreSQL storage: what is particular to a server (the contract is in test_contract.py).

Clear errors for an unreachable server, bad credentials, a missing database,
a foreign or newer schema and a lock held too long; no password in messages.
Every test needs the test server (tests/conftest.py: ``postgres_url``).
"""

from __future__ import annotations

import sys

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
