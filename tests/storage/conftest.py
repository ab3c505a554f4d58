"""Fixtures that run the storage tests against every storage.

``kind`` is a storage kind; ``target`` the URL (or nothing, in memory) that
opens it; ``make_storage(**options)`` opens one more storage on the same
target, as another process would. PostgreSQL tests need a server: each test
gets a schema of its own, dropped after it.
"""

from __future__ import annotations

import os
import uuid

import pytest

from bbopt.storage import (
    InMemoryStorage,
    JournalFileStorage,
    PostgreSQLStorage,
    SQLiteStorage,
)

POSTGRES_ENV = "BBOPT_TEST_POSTGRES_URL"
SKIP_POSTGRES = (
    f"PostgreSQL tests need a server: set {POSTGRES_ENV}=postgresql://user:password@host:port/"
    "database (`.ci/postgres start /tmp/pg 55432` starts one and prints its URL; .ci/run does "
    "this)"
)
ALL = ["memory", "sqlite", "journal", "postgres"]
SHARED = ["sqlite", "journal", "postgres"]  # storages that processes share


@pytest.fixture
def postgres_url():
    """A URL whose tables live in a new schema of the test server (dropped afterwards)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(SKIP_POSTGRES)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _target(kind, tmp_path, request):
    if kind == "memory":
        return None
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    if kind == "journal":
        return f"journal:///{tmp_path / 'study.log'}"
    return request.getfixturevalue("postgres_url")


_CLASSES = {"memory": InMemoryStorage, "sqlite": SQLiteStorage, "journal": JournalFileStorage,
            "postgres": PostgreSQLStorage}


@pytest.fixture
def make_storage(kind, target):
    opened = []

    def make(**options):
        if kind == "memory":
            return InMemoryStorage()
        storage = _CLASSES[kind](target, **options)
        opened.append(storage)
        return storage

    yield make
    for storage in opened:
        storage.close()


@pytest.fixture
def target(kind, tmp_path, request):
    return _target(kind, tmp_path, request)


@pytest.fixture(params=ALL)
def kind(request):
    return request.param


@pytest.fixture
def storage(make_storage):
    return make_storage()
