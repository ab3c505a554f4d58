"""Journal file storage: what is particular to a log file (the contract is in test_contract.py).

A torn final record (a writer killed mid-line) is ignored by readers and cut
by the next writer; a damaged line before the end is an error naming it; the
lock of a dead writer is broken.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

import bbopt
from bbopt import FloatDistribution, TrialState
from bbopt.storage import JournalFileStorage, StorageJournalError

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


def test_the_lock_of_a_dead_writer_is_broken_at_once(path):
    storage = JournalFileStorage(path, lock_timeout=600)
    study_id = storage.create_new_study([bbopt.StudyDirection.MINIMIZE], "s")
    storage.close()
    lock = JournalFileStorage(path, lock_timeout=600)._file_lock
    lock.acquire()
    with open(lock.path) as f:
        content = f.read()
    os.unlink(lock.path)
    with open(lock.path, "w") as f:  # the same lock, held by a process that died
        f.write(content.replace(str(os.getpid()), str(_dead_pid())))
    start = time.monotonic()
    assert JournalFileStorage(path, lock_timeout=600).create_new_trial(study_id) == 0
    assert time.monotonic() - start < 5
    assert not os.path.exists(lock.path)
