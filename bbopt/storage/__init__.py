"""Where studies and their trials are kept.

The journal and PostgreSQL storages load on first use, so that ``import bbopt``
stays fast.
"""

from typing import Any

from bbopt.storage._base import (
    BaseStorage,
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialFinishedError,
    TrialNotFoundError,
)
from bbopt.storage._in_memory import InMemoryStorage
from bbopt.storage._observations import Observations, RunningPoints
from bbopt.storage._sqlite import SQLiteStorage, StorageFileError, StorageLockedError
from bbopt.storage._urls import storage_from_url

__all__ = [
    "BaseStorage",
    "DuplicatedStudyError",
    "InMemoryStorage",
    "JournalFileStorage",
    "Observations",
    "PostgreSQLStorage",
    "RunningPoints",
    "SQLiteStorage",
    "StorageFileError",
    "StorageJournalError",
    "StorageLockedError",
    "StorageServerError",
    "StudyNotFoundError",
    "TrialFinishedError",
    "TrialNotFoundError",
    "storage_from_url",
]

_LAZY = {
    "JournalFileStorage": "bbopt.storage._journal",
    "StorageJournalError": "bbopt.storage._journal",
    "PostgreSQLStorage": "bbopt.storage._postgres",
    "StorageServerError": "bbopt.storage._postgres",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        import importlib

        return getattr(importlib.import_module(module_name), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
