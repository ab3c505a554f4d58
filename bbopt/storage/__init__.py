"""Where studies and their trials are kept.

Each storage is loaded on first use, so that ``import bbopt`` stays fast.
"""

from typing import TYPE_CHECKING

from bbopt._lazy import lazy_names

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

# Each name -> the module that defines it.
_LAZY = {
    "BaseStorage": "bbopt.storage._base",
    "DuplicatedStudyError": "bbopt.storage._base",
    "StudyNotFoundError": "bbopt.storage._base",
    "TrialFinishedError": "bbopt.storage._base",
    "TrialNotFoundError": "bbopt.storage._base",
    "InMemoryStorage": "bbopt.storage._in_memory",
    "JournalFileStorage": "bbopt.storage._journal",
    "StorageJournalError": "bbopt.storage._journal",
    "Observations": "bbopt.storage._observations",
    "RunningPoints": "bbopt.storage._observations",
    "PostgreSQLStorage": "bbopt.storage._postgres",
    "StorageServerError": "bbopt.storage._postgres",
    "SQLiteStorage": "bbopt.storage._sqlite",
    "StorageFileError": "bbopt.storage._sqlite",
    "StorageLockedError": "bbopt.storage._sqlite",
    "storage_from_url": "bbopt.storage._urls",
}

if TYPE_CHECKING:
    from bbopt.storage._base import (
        BaseStorage,
        DuplicatedStudyError,
        StudyNotFoundError,
        TrialFinishedError,
        TrialNotFoundError,
    )
    from bbopt.storage._in_memory import InMemoryStorage
    from bbopt.storage._journal import JournalFileStorage, StorageJournalError
    from bbopt.storage._observations import Observations, RunningPoints
    from bbopt.storage._postgres import PostgreSQLStorage, StorageServerError
    from bbopt.storage._sqlite import SQLiteStorage, StorageFileError, StorageLockedError
    from bbopt.storage._urls import storage_from_url
else:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY)
