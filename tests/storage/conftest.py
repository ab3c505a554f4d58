"""Every test here runs against every storage: in memory, SQLite, journal, PostgreSQL.

``kind`` is the storage kind; ``target``, ``make_storage`` and
``postgres_url`` are in tests/conftest.py (tests elsewhere parametrize
``kind`` themselves).
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=["memory", "sqlite", "journal", "postgres"])
def kind(request):
    return request.param


@pytest.fixture
def storage(make_storage):
    return make_storage()
