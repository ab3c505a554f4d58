"""bbopt.storages: Optuna's storage names over bbopt's storages."""

from __future__ import annotations

from pathlib import Path

import pytest

import bbopt
from bbopt.storages import (
    BaseStorage,
    InMemoryStorage,
    JournalFileBackend,
    JournalStorage,
    RDBStorage,
    fail_stale_trials,
)


def test_rdb_storage_opens_sqlite_and_studies_persist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'o.db'}"
    study = bbopt.create_study(storage=RDBStorage(url), study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    storage = RDBStorage(url, heartbeat_interval=30, grace_period=90)
    assert isinstance(storage, bbopt.storage.SQLiteStorage) and isinstance(storage, BaseStorage)
    assert len(bbopt.load_study(study_name="s", storage=storage).trials) == 3
    fail_stale_trials(study)  # nothing is stale: no error, no change
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 3


def test_journal_storage_opens_the_backend_file(tmp_path: Path) -> None:
    storage = JournalStorage(JournalFileBackend(tmp_path / "o.log"))
    assert isinstance(storage, bbopt.storage.JournalFileStorage)
    bbopt.create_study(storage=storage, study_name="j").optimize(
        lambda t: t.suggest_int("n", 0, 3), n_trials=2)
    again = JournalStorage(JournalFileBackend(str(tmp_path / "o.log"), lock_obj=object()))
    assert len(bbopt.load_study(study_name="j", storage=again).trials) == 2


def test_unsupported_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="'url' parameter of RDBStorage"):
        RDBStorage("mysql://user@host/db")
    with pytest.raises(ValueError, match="'engine_kwargs' parameter of RDBStorage"):
        RDBStorage("sqlite:///x.db", engine_kwargs={"pool_size": 1})
    with pytest.raises(TypeError, match="'log_storage' parameter of JournalStorage"):
        JournalStorage("o.log")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'file_path' parameter of JournalFileBackend"):
        JournalFileBackend(3)  # type: ignore[arg-type]


def test_one_import_switch() -> None:
    # `optuna.storages.X` -> `bbopt.storages.X` after `import bbopt`.
    assert bbopt.storages.InMemoryStorage is InMemoryStorage is bbopt.storage.InMemoryStorage
    fail_stale_trials(bbopt.create_study(storage=InMemoryStorage()))
