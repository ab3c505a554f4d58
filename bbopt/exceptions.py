"""The exceptions of bbopt, as ``optuna.exceptions``.

`TrialPruned` steers `bbopt.Study.optimize`; the others come from storages.
All derive from `BboptError` (Optuna's name: ``OptunaError``).

Examples
--------
>>> import bbopt
>>> from bbopt.exceptions import DuplicatedStudyError
>>> storage = bbopt.storage.InMemoryStorage()
>>> _ = bbopt.create_study(study_name="s", storage=storage)
>>> try:
...     bbopt.create_study(study_name="s", storage=storage)
... except DuplicatedStudyError:
...     print("exists")
exists
"""

from bbopt._exceptions import BboptError, TrialPruned
from bbopt.storage import (
    DuplicatedStudyError,
    StorageFileError,
    StorageLockedError,
    StudyNotFoundError,
    TrialFinishedError,
    TrialNotFoundError,
)

__all__ = [
    "BboptError",
    "DuplicatedStudyError",
    "OptunaError",
    "StorageFileError",
    "StorageLockedError",
    "StudyNotFoundError",
    "TrialFinishedError",
    "TrialNotFoundError",
    "TrialPruned",
]

#: Optuna's name for `BboptError`.
OptunaError = BboptError
