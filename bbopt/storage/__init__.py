"""Where studies and their trials are kept."""

from bbopt.storage._base import (
    BaseStorage,
    DuplicatedStudyError,
    StudyNotFoundError,
    TrialFinishedError,
    TrialNotFoundError,
)
from bbopt.storage._in_memory import InMemoryStorage
from bbopt.storage._observations import Observations

__all__ = [
    "BaseStorage",
    "DuplicatedStudyError",
    "InMemoryStorage",
    "Observations",
    "StudyNotFoundError",
    "TrialFinishedError",
    "TrialNotFoundError",
]
