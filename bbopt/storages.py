"""Storages under Optuna's names, as ``optuna.storages``: a one-import switch.

``RDBStorage(url)`` opens bbopt's SQLite or PostgreSQL storage (no SQLAlchemy:
``engine_kwargs`` is not taken), ``JournalStorage(JournalFileBackend(path))``
bbopt's journal file storage. These are functions returning bbopt storages,
so ``isinstance(storage, RDBStorage)`` does not work; test against
`bbopt.storage.BaseStorage` or the bbopt class instead. Optuna's gRPC proxy,
Redis journal and ``RetryFailedTrialCallback`` have no bbopt counterpart.

Examples
--------
>>> import os, tempfile
>>> import bbopt
>>> from bbopt.storages import JournalFileBackend, JournalStorage, RDBStorage
>>> folder = tempfile.mkdtemp()
>>> storage = RDBStorage(f"sqlite:///{folder}/study.db")
>>> study = bbopt.create_study(storage=storage, study_name="s")
>>> type(storage).__name__
'SQLiteStorage'
>>> journal = JournalStorage(JournalFileBackend(os.path.join(folder, "study.log")))
>>> type(journal).__name__
'JournalFileStorage'
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from bbopt.storage import BaseStorage, InMemoryStorage

if TYPE_CHECKING:
    from bbopt._study import Study

__all__ = [
    "BaseStorage",
    "InMemoryStorage",
    "JournalFileBackend",
    "JournalStorage",
    "RDBStorage",
    "fail_stale_trials",
]


def RDBStorage(  # noqa: N802 - Optuna's name
    url: str,
    engine_kwargs: dict[str, Any] | None = None,
    skip_compatibility_check: bool = False,
    *,
    heartbeat_interval: float | None = None,
    grace_period: float | None = None,
    skip_table_creation: bool = False,
) -> BaseStorage:
    """Open the SQLite (``sqlite:///path``) or PostgreSQL storage that ``url`` names.

    Parameters
    ----------
    url : str
        ``sqlite:///path.db`` or ``postgresql://user:password@host/database``
        (other dialects, e.g. MySQL, raise ValueError).
    engine_kwargs : dict, optional
        Not supported (bbopt does not use SQLAlchemy): must be None or empty.
    skip_compatibility_check, skip_table_creation : bool
        Accepted for compatibility; bbopt checks its schema version and creates
        its tables when missing in any case.
    heartbeat_interval, grace_period : float, optional
        As in Optuna: a running trial beats every ``heartbeat_interval``
        seconds and is failed by `fail_stale_trials` when silent longer than
        ``grace_period`` (default: twice the interval).

    Returns
    -------
    BaseStorage
        A `bbopt.storage.SQLiteStorage` or `bbopt.storage.PostgreSQLStorage`.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> RDBStorage(f"sqlite:///{folder}/a.db", heartbeat_interval=60)  # doctest: +ELLIPSIS
    SQLiteStorage('.../a.db')
    """
    from bbopt.storage._urls import is_postgresql_url, storage_from_url

    if not isinstance(url, str) or not (url.startswith("sqlite:///") or is_postgresql_url(url)):
        raise ValueError(
            "The 'url' parameter of RDBStorage must be an SQLite ('sqlite:///path.db') or "
            f"PostgreSQL ('postgresql://user:password@host/database') URL. Got {url!r} instead."
        )
    if engine_kwargs:
        raise ValueError(
            "The 'engine_kwargs' parameter of RDBStorage is not supported: bbopt does not use "
            f"SQLAlchemy (pass the SQLite or PostgreSQL storage's own options). Got "
            f"{engine_kwargs!r} instead."
        )
    options: dict[str, Any] = {}
    if heartbeat_interval is not None:
        options["heartbeat_interval"] = heartbeat_interval
    if grace_period is not None:
        options["grace_period"] = grace_period
    return storage_from_url(url, **options)


class JournalFileBackend:
    """The file of a journal storage, as Optuna's ``JournalFileBackend`` names it.

    Parameters
    ----------
    file_path : str or os.PathLike
        The journal file (created if missing).
    lock_obj : object, optional
        Accepted for compatibility and ignored: bbopt's journal storage locks
        the file itself.

    Examples
    --------
    >>> JournalFileBackend("study.log").file_path
    'study.log'
    """

    def __init__(self, file_path: str | os.PathLike[str], lock_obj: Any = None) -> None:
        if not isinstance(file_path, (str, os.PathLike)):
            raise TypeError(
                f"The 'file_path' parameter of JournalFileBackend must be a path. "
                f"Got {file_path!r} instead."
            )
        self.file_path = os.fspath(file_path)


def JournalStorage(log_storage: JournalFileBackend) -> BaseStorage:  # noqa: N802 - Optuna's name
    """Open the journal file storage of ``log_storage`` (a `JournalFileBackend`).

    Returns
    -------
    BaseStorage
        A `bbopt.storage.JournalFileStorage`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "study.log")
    >>> JournalStorage(JournalFileBackend(path))  # doctest: +ELLIPSIS
    JournalFileStorage('.../study.log')
    """
    if not isinstance(log_storage, JournalFileBackend):
        raise TypeError(
            "The 'log_storage' parameter of JournalStorage must be a JournalFileBackend "
            f"(a file; bbopt has no Redis journal). Got {log_storage!r} instead."
        )
    from bbopt.storage import JournalFileStorage

    return JournalFileStorage(log_storage.file_path)


def fail_stale_trials(study: Study) -> None:
    """Fail the running trials of ``study`` whose heartbeat stopped, as Optuna's function.

    A storage without heartbeats (in memory, or opened without
    ``heartbeat_interval``) has no stale trial to fail: nothing happens, as in
    Optuna. With heartbeats, the storage's ``grace_period`` applies.

    Examples
    --------
    >>> import bbopt
    >>> fail_stale_trials(bbopt.create_study())
    """
    storage = study._storage
    if getattr(storage, "_heartbeat_interval", None) is not None:
        storage.fail_stale_trials(study._study_id)  # type: ignore[attr-defined]
