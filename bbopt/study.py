"""Studies, as ``optuna.study``: create, load, copy, delete and list them.

Examples
--------
>>> from bbopt.study import StudyDirection, create_study
>>> create_study(direction="maximize").direction == StudyDirection.MAXIMIZE
True
"""

from bbopt._frozen import StudyDirection
from bbopt._study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    load_study,
)
from bbopt.callbacks import MaxTrialsCallback

__all__ = [
    "MaxTrialsCallback",
    "Study",
    "StudyDirection",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "load_study",
]
