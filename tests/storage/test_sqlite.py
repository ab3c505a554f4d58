"""SQLiteStorage: the storage contract, persistence, bad files, processes and kills.

The storage contract (tests/storage/test_contract.py) and what every shared
storage does (test_shared.py) run against SQLite too; here is what only an
SQLite file does.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import struct
import tempfile
import threading
import time

import numpy as np
import pytest

import bbopt
from bbopt import FloatDistribution, IntDistribution, StudyDirection, TrialState, create_trial
from bbopt.storage import (
    SQLiteStorage,
    StorageFileError,
    StorageLockedError,
)
from bbopt.storage._sqlite import SCHEMA_VERSION

MIN, MAX = StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE
X = FloatDistribution(-1.0, 1.0)
N = IntDistribution(1, 64, log=True)
SPACE = {"x": X, "n": N, "c": bbopt.CategoricalDistribution(["a", None, 2.5, True])}

@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "study.db")


@pytest.fixture
def storage(path):
    storage = SQLiteStorage(path)
    yield storage
    storage.close()


@pytest.fixture
def study_id(storage):
    return storage.create_new_study([MIN], "s")


def _digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _fill(study, n, seed=0):
    rng = random.Random(seed)
    for _ in range(n):
        trial = study.ask(SPACE)
        if rng.random() < 0.2:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, trial.params["x"] ** 2 + trial.params["n"])


# -- persistence -------------------------------------------------------------------


def test_observations_of_another_process_are_appended_not_reread(path):
    one = bbopt.create_study(study_name="a", storage=path)
    two = bbopt.load_study(study_name="a", storage=path)
    obs = two.get_observations()
    _fill(one, 5)
    assert two.get_observations() is obs and obs.n_rows == 5
    calls = []
    conn = two._storage._connection()
    conn.set_trace_callback(calls.append)
    try:
        _fill(one, 3, seed=1)
        assert two.get_observations().n_rows == 8
    finally:
        conn.set_trace_callback(None)
    # One query, for the rows finished since the last read only.
    assert len(calls) == 1 and "finish_seq > 5" in calls[0]
    np.testing.assert_array_equal(obs.numbers, one.get_observations().numbers)


def test_storage_arguments_resolve_to_sqlite(tmp_path):
    for storage in (f"sqlite:///{tmp_path}/u.db", str(tmp_path / "p.db"), tmp_path / "q.db"):
        study = bbopt.create_study(storage=storage)
        assert isinstance(study._storage, SQLiteStorage)
    assert sorted(os.path.basename(p) for p in tmp_path.glob("*.db")) == ["p.db", "q.db", "u.db"]
    with pytest.raises(ValueError, match=r"'storage' parameter.*'mysql://h/db'"):
        bbopt.create_study(storage="mysql://h/db")
    with pytest.raises(ValueError, match="sqlite:///relative"):
        SQLiteStorage("sqlite://host/x.db")
    with pytest.raises(ValueError, match=r"'synchronous' parameter.*'off'"):
        SQLiteStorage(str(tmp_path / "x.db"), synchronous="off")
    with pytest.raises(ValueError, match=r"'timeout' parameter.*-1"):
        SQLiteStorage(str(tmp_path / "x.db"), timeout=-1)
    with pytest.raises(ValueError, match="needs a 'heartbeat_interval'"):
        SQLiteStorage(str(tmp_path / "x.db"), grace_period=3.0)
    with pytest.raises(TypeError, match="'path' parameter"):
        SQLiteStorage(3)


def test_sync_flushes_without_changing_anything(storage, study_id):
    storage.create_new_trial(study_id)
    before = "\n".join(sqlite3.connect(storage.path).iterdump())
    storage.sync()
    assert "\n".join(sqlite3.connect(storage.path).iterdump()) == before
    assert storage.get_n_trials(study_id) == 1


# -- bad files -----------------------------------------------------------------------


def test_file_from_a_newer_bbopt(path):
    bbopt.create_study(study_name="a", storage=path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE bbopt_meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    conn.close()
    with pytest.raises(StorageFileError, match=rf"schema version {SCHEMA_VERSION + 1}, newer"):
        SQLiteStorage(path)


def test_not_a_database_is_left_unchanged(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("not a database\n" * 200)
    digest = _digest(target)
    with pytest.raises(StorageFileError, match="is not an SQLite database"):
        bbopt.create_study(storage=str(target))
    assert _digest(target) == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_another_applications_database_is_left_unchanged(tmp_path):
    target = str(tmp_path / "other.db")
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE things (a)")
        conn.execute("INSERT INTO things VALUES (1)")
    conn.close()
    digest = _digest(target)
    with pytest.raises(StorageFileError, match=r"not a bbopt storage.*\['things'\]"):
        SQLiteStorage(target)
    assert _digest(target) == digest


@pytest.mark.parametrize("damage", ["truncate", "overwrite"])
def test_corrupt_file_gives_a_clear_error_and_is_left_unchanged(path, damage):
    study = bbopt.create_study(study_name="a", storage=SQLiteStorage(path, synchronous="normal"))
    _fill(study, 300)
    study._storage.close()
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        if damage == "truncate":
            f.truncate(size // 2)
        else:
            f.seek(4096 * 3)
            f.write(bytes(range(256)) * 32)
    digest = _digest(path)
    with pytest.raises(StorageFileError, match="is corrupt"):
        loaded = bbopt.load_study(study_name="a", storage=path)
        loaded.trials  # noqa: B018 - reading every page finds the damage
        loaded.ask(SPACE)
    assert _digest(path) == digest


def test_locked_file_times_out_clearly_and_changes_nothing(path):
    storage = SQLiteStorage(path, timeout=0.2)
    study_id = storage.create_new_study([MIN], "a")
    storage.create_new_trial(study_id)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        locked = r"is locked by another connection.*after waiting [0-9.]+ s; timeout=0.2 s"
        with pytest.raises(StorageLockedError, match=locked):
            storage.create_new_trial(study_id)
        with pytest.raises(StorageLockedError):
            storage.finish_trial(study_id, 0, TrialState.COMPLETE, [1.0])
        assert time.monotonic() - start < 5
        # Readers are not blocked by a writer in WAL mode.
        assert storage.get_trial_state(study_id, 0) == TrialState.RUNNING
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert storage.get_n_trials(study_id) == 1
    storage.finish_trial(study_id, 0, TrialState.COMPLETE, [1.0])
    assert storage.get_trial(study_id, 0).values == [1.0]


def _in_child(function):
    """Run ``function()`` in a forked child; return what it returned (JSON)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            out = function()
        except BaseException as error:
            out = f"{type(error).__name__}: {error}"
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        return json.loads(pipe.read())


def test_read_only_file_gives_a_clear_error_and_is_left_unchanged():
    folder = tempfile.mkdtemp(prefix="bbopt-ro-")
    try:
        os.chmod(folder, 0o755)
        target = os.path.join(folder, "ro.db")
        study = bbopt.create_study(study_name="a", storage=target)
        _fill(study, 5)
        study._storage.close()
        os.chmod(target, 0o444)
        if os.geteuid() == 0:
            os.chmod(folder, 0o755)  # root writes anything: the child runs as nobody

            def attempt():
                os.setgid(65534)
                os.setuid(65534)
                study = bbopt.load_study(study_name="a", storage=target)
                study.tell(study.ask(SPACE), 1.0)
                return "wrote"
        else:
            os.chmod(folder, 0o555)

            def attempt():
                study = bbopt.load_study(study_name="a", storage=target)
                study.tell(study.ask(SPACE), 1.0)
                return "wrote"

        digest = _digest(target)
        out = _in_child(attempt)
        assert out.startswith("StorageFileError") and "read-only" in out
        assert _digest(target) == digest
    finally:
        os.chmod(folder, 0o755)
        for name in os.listdir(folder):
            os.chmod(os.path.join(folder, name), 0o644)
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)


def test_missing_directory(tmp_path):
    with pytest.raises(StorageFileError, match="cannot be opened"):
        SQLiteStorage(str(tmp_path / "no" / "such" / "dir.db"))


# -- threads, processes, kills ----------------------------------------------------------


def test_threads_share_one_storage(path):
    storage = SQLiteStorage(path, synchronous="normal")
    study_id = storage.create_new_study([MIN], "t")
    errors = []

    def work(t):
        try:
            for _ in range(60):
                number = storage.create_new_trial(study_id)
                storage.set_trial_param(study_id, number, "x", X, number / 1000)
                storage.finish_trial(study_id, number, TrialState.COMPLETE, [float(number)])
                storage.get_observations(study_id)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    obs = storage.get_observations(study_id)
    assert sorted(obs.numbers.tolist()) == list(range(240))
    np.testing.assert_array_equal(obs.x[:, 0], obs.numbers / 1000)


def test_kill_9_during_a_study_loses_no_told_trial(path):
    """A worker killed 24 times at random moments: every told trial survives."""
    bbopt.create_study(study_name="k", storage=path)
    rng = random.Random(1)
    told: set[int] = set()
    n_kills = 24
    for k in range(n_kills):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, killed at a random moment
            os.close(read)
            study = bbopt.load_study(study_name="k", storage=path)
            while True:
                trial = study.ask()
                x = trial.suggest_float("x", -1, 1)
                trial.report(x, 0)
                study.tell(trial, x * x)
                os.write(write, struct.pack("<q", trial.number))  # after the tell returned
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            # Half the kills come after a first tell (however loaded the machine).
            data = pipe.read(8) if k % 2 else b""
            time.sleep(rng.uniform(0.01, 0.12))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            data += pipe.read()
        told.update(n for (n,) in struct.iter_unpack("<q", data[: len(data) // 8 * 8]))
    assert len(told) >= n_kills // 2  # the workers did run trials between kills
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    storage = SQLiteStorage(path)
    study = bbopt.load_study(study_name="k", storage=storage)
    trials = study.trials
    assert [t.number for t in trials] == list(range(len(trials)))
    by_number = {t.number: t for t in trials}
    for number in told:
        trial = by_number[number]
        assert trial.state == TrialState.COMPLETE
        assert trial.values == [trial.params["x"] * trial.params["x"]]
    # Trials killed mid-run stay RUNNING until failed as stale.
    running = [t.number for t in trials if t.state == TrialState.RUNNING]
    assert len(running) <= n_kills
    failed = storage.fail_stale_trials(study._study_id, grace_period=0.0)
    assert failed == running
    assert study.get_trials(states=[TrialState.RUNNING]) == []
    assert study.get_observations().n_rows == len(trials)


@pytest.mark.parametrize("n_rows", [5, 450])  # parameters read by number, or by a scan
def test_rows_without_a_copy_of_their_params_are_read_apart(path, n_rows):
    rng = random.Random(0)
    study = bbopt.create_study(study_name="a", storage=SQLiteStorage(path, synchronous="normal"))
    study.add_trials(
        create_trial(params={"x": rng.uniform(-1, 1), "n": rng.randint(1, 64)},
                     distributions={"x": X, "n": N}, value=rng.random())
        for _ in range(n_rows)
    )
    expected = study.get_observations()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE trials SET row_params = NULL")
    conn.close()
    reread = bbopt.load_study(study_name="a", storage=path).get_observations()
    np.testing.assert_array_equal(reread.x, expected.x)
    np.testing.assert_array_equal(reread.numbers, expected.numbers)
