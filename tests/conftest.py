"""Shared test configuration: hypothesis profiles, and storages of every kind.

``ci`` (selected when the CI environment variable is set) is derandomised so
that a run is reproducible; ``dev`` explores new examples on every run;
``nightly`` (``HYPOTHESIS_PROFILE=nightly``) runs 2,000 examples per test, the
larger run of tests/test_reliability.py to make locally before a release.
"""

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings

from bbopt.storage import InMemoryStorage, JournalFileStorage, PostgreSQLStorage, SQLiteStorage

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "nightly",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# -- storages of every kind ------------------------------------------------------
# A test that takes ``make_storage`` parametrizes ``kind`` ("memory", "sqlite",
# "journal" or "postgres"; tests/storage/conftest.py does it for every test there);
# ``make_storage(**options)`` opens one more storage on the same ``target``, as
# another process would. PostgreSQL tests need a server, and skip without one.

POSTGRES_ENV = "BBOPT_TEST_POSTGRES_URL"
SKIP_POSTGRES = (
    f"PostgreSQL tests need a server: set {POSTGRES_ENV}=postgresql://user:password@host:port/"
    "database (`.ci/postgres start /tmp/pg 55432` starts one and prints its URL; .ci/run does "
    "this)"
)
_CLASSES = {"memory": InMemoryStorage, "sqlite": SQLiteStorage, "journal": JournalFileStorage,
            "postgres": PostgreSQLStorage}


@pytest.fixture
def postgres_url():
    """A URL whose tables live in a new schema of the test server (dropped afterwards)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if os.environ.get("CI"):  # CI has a server (.ci/run starts one): never skip there
            pytest.fail(f"{SKIP_POSTGRES}; CI is set, so this is an error.")
        pytest.skip(SKIP_POSTGRES)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def target(kind, tmp_path, request):
    """The URL of the storage ``kind`` for this test (None in memory)."""
    if kind == "memory":
        return None
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'study.db'}"
    if kind == "journal":
        return f"journal:///{tmp_path / 'study.log'}"
    return request.getfixturevalue("postgres_url")


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
