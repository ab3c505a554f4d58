"""Where studies and their trials are kept."""

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

__all__ = [
    "BaseStorage",
    "DuplicatedStudyError",
    "InMemoryStorage",
    "Observations",
    "RunningPoints",
    "SQLiteStorage",
    "StorageFileError",
    "StorageLockedError",
    "StudyNotFoundError",
    "TrialFinishedError",
    "TrialNotFoundError",
]
