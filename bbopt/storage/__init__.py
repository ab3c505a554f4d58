"""Where studies and their trials are kept."""

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
