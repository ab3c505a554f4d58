"""Journal file storage: what is particular to a log file (the contract is in test_contract.py).

A torn final record (a writer killed mid-line) is ignored by readers and cut
by the next writer; a damaged line before the end is an error naming it; the
lock of a dead writer is broken.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import bbopt
from bbopt import FloatDistribution, TrialState
from bbopt.storage import JournalFileStorage, StorageJournalError, StorageLockedError

X = FloatDistribution(-1.0, 1.0)


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "study.log")


def _study(path, n):
    study = bbopt.create_study(study_name="s", storage=JournalFileStorage(path))
    for _ in range(n):
        trial = study.ask({"x": X})
        study.tell(trial, trial.params["x"] ** 2)
    return study


def test_a_torn_final_record_is_ignored_then_cut(path):
    _study(path, 5)
    with open(path, "ab") as f:  # a writer killed in the middle of its line
        f.write(b'{"op": "finish", "study": 0, "num')
    reader = JournalFileStorage(path)
    assert len(bbopt.load_study(study_name="s", storage=reader).trials) == 5
    again = bbopt.load_study(study_name="s", storage=JournalFileStorage(path))
    trial = again.ask({"x": X})
    again.tell(trial, 1.0)
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    assert lines[-1] == b""
    assert all(json.loads(line)["op"] for line in lines[:-1])  # the torn line is gone
    trials = bbopt.load_study(study_name="s", storage=JournalFileStorage(path)).trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 6
    # The reader that saw the torn line catches up from where it stopped.
    assert reader.get_n_trials(0) == 6


def test_a_damaged_line_is_named(path):
    _study(path, 2)
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    lines[2] = b"garbage"
    with open(path, "wb") as f:
        f.write(b"\n".join(lines))
    with pytest.raises(StorageJournalError, match="Line 3 of .* is not a bbopt journal record"):
        JournalFileStorage(path).get_all_study_names()


def test_a_missing_directory(tmp_path):
    with pytest.raises(StorageJournalError, match="directory does not exist"):
        JournalFileStorage(tmp_path / "no" / "study.log")


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _lock_content(path, **fields):
    """The content of a lock of the journal at ``path`` taken by this process, with
    some fields (machine, pid) replaced."""
    lock = JournalFileStorage(path)._file_lock
    lock.acquire()
    machine, pid, start, token, _ = lock._read(lock.path)[1].decode().split("\n")
    lock.release()
    values = {"machine": machine, "pid": pid, "start": start, "token": token, **fields}
    return lock.path, "".join(f"{values[k]}\n" for k in ("machine", "pid", "start", "token"))


def _write_after(path, lock_timeout, timeout=60.0):
    """Seconds that a new trial took to be written, the lock being held."""
    storage = JournalFileStorage(path, lock_timeout=lock_timeout, timeout=timeout)
    start = time.monotonic()
    storage.create_new_trial(0)
    return time.monotonic() - start


def test_a_killed_writer_holding_the_lock_delays_nobody(path):
    JournalFileStorage(path).create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: takes the lock and is killed holding it
        lock = JournalFileStorage(path)._file_lock
        lock.acquire()
        os.write(write, b"x")
        time.sleep(60)
    os.read(read, 1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert os.path.exists(path + ".lock")
    assert _write_after(path, lock_timeout=600) < 2
    assert not os.path.exists(path + ".lock")


def test_the_lock_of_a_dead_or_reused_pid_is_broken_at_once(path):
    JournalFileStorage(path).create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    for fields in ({"pid": _dead_pid()}, {"pid": 1, "start": "0"}):  # pid 1 started long ago
        lock, content = _lock_content(path, **fields)
        with open(lock, "w") as f:
            f.write(content)
        assert _write_after(path, lock_timeout=600) < 2


def test_an_empty_lock_is_broken_after_two_seconds(path):
    # Left by a writer killed between creating and writing it (no hard links, or
    # an older bbopt): not 30 s but 2 s.
    JournalFileStorage(path).create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    open(path + ".lock", "w").close()
    assert 1.5 < _write_after(path, lock_timeout=600) < 5


def test_a_live_holder_keeps_its_lock(path):
    JournalFileStorage(path).create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    lock = JournalFileStorage(path)._file_lock
    lock.acquire()
    with pytest.raises(StorageLockedError, match="held by another writer"):
        _write_after(path, lock_timeout=600, timeout=0.5)
    assert lock.still_held()
    lock.release()
    assert not os.path.exists(lock.path)


def test_a_lock_from_another_machine_is_broken_after_lock_timeout(path):
    JournalFileStorage(path).create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    lock, content = _lock_content(path, machine="node-17 other-boot pid:[1]", pid=1)
    with open(lock, "w") as f:
        f.write(content)
    os.utime(lock, (0, 0))  # its clock does not matter: only how long it is seen here
    assert 1.0 < _write_after(path, lock_timeout=1.0) < 5


def test_a_holder_whose_lock_was_broken_takes_it_again(path):
    storage = JournalFileStorage(path)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    lock = storage._file_lock
    lock.acquire()
    os.unlink(lock.path)  # as a waiter would, taking it for stale
    other = JournalFileStorage(path)._file_lock
    other.acquire()
    assert not lock.still_held() and other.still_held()
    lock.release()  # leaves the other's lock alone
    assert other.still_held()
    other.release()
    assert storage.create_new_trial(study_id) == 0
