"""Storage URLs: ``sqlite:///path``, ``postgresql://...``, ``journal:///path`` or a path."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bbopt.storage._base import BaseStorage

URL_FORMS = ("'sqlite:///path.db', 'postgresql://user:password@host:port/database', "
             "'journal:///path.log' or a file path (SQLite)")


def _path_after(url: str, scheme: str, example: str) -> str:
    prefix = f"{scheme}:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError(
            f"A{'n' if scheme[0] in 'aeiosx' else ''} {scheme} storage URL must be "
            f"'{scheme}:///relative/{example}' or '{scheme}:////absolute/{example}'. "
            f"Got {url!r} instead."
        )
    return url[len(prefix):]


def parse_sqlite_url(url: str) -> str:
    """Return the file path of ``sqlite:///path`` (``sqlite:////abs/path`` is absolute).

    Examples
    --------
    >>> parse_sqlite_url("sqlite:///runs/study.db")
    'runs/study.db'
    >>> parse_sqlite_url("sqlite:////tmp/study.db")
    '/tmp/study.db'
    """
    return _path_after(url, "sqlite", "path.db")


def parse_journal_url(url: str) -> str:
    """Return the file path of ``journal:///path`` (``journal:////abs/path`` is absolute).

    Examples
    --------
    >>> parse_journal_url("journal:////nfs/runs/study.log")
    '/nfs/runs/study.log'
    """
    return _path_after(url, "journal", "path.log")


def is_postgresql_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL server (``postgresql://`` or ``postgres://``)."""
    return url.startswith(("postgresql://", "postgres://"))


def storage_from_url(
    url: str | os.PathLike[str], existing: bool = False, **options: Any
) -> BaseStorage:
    """Open the storage a URL or a file path names (ValueError for any other text).

    With ``existing`` (`load_study`, `delete_study`), an SQLite or journal file must
    already exist: a mistyped path raises `StudyNotFoundError` instead of creating an
    empty storage there. ``options`` go to the storage's class (``timeout``,
    ``heartbeat_interval``, ``grace_period``: every one of them takes these).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> storage_from_url(f"journal:///{folder}/study.log")  # doctest: +ELLIPSIS
    JournalFileStorage('.../study.log')
    """
    # Each backend is imported only when a URL names it: a command stays fast.
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if isinstance(url, str) and url:
        if is_postgresql_url(url):
            from bbopt.storage._postgres import PostgreSQLStorage

            return PostgreSQLStorage(url, **options)
        is_journal = url.startswith("journal:")
        if is_journal or url.startswith("sqlite:///") or "://" not in url:
            path = (parse_journal_url(url) if is_journal
                    else parse_sqlite_url(url) if url.startswith("sqlite:") else url)
            if existing and not os.path.exists(path):
                from bbopt.storage._base import StudyNotFoundError

                raise StudyNotFoundError(
                    f"No {'journal' if is_journal else 'SQLite'} storage file at {path!r} "
                    f"(from the 'storage' parameter "
                    f"{url!r}); nothing was created there."
                )
            if is_journal:
                from bbopt.storage._journal import JournalFileStorage

                return JournalFileStorage(url, **options)
            from bbopt.storage._sqlite import SQLiteStorage

            return SQLiteStorage(url, **options)
    raise ValueError(
        f"The 'storage' parameter must be None, a BaseStorage, {URL_FORMS}. "
        f"Got {url!r} instead."
    )
