"""Storage in an append-only journal file, safe on shared (NFS) file systems.

The file is a log of operations, one JSON object per line (``{"op": ...,
"t": unix time, ...}``); the state of every study is what replaying the log
gives. Each process keeps the replayed state in memory (an `InMemoryStorage`
with the log's time stamps) and, before each operation, reads only the lines
appended since its last read.

Writers take a lock file beside the journal (``<path>.lock``), made by
``link()``-ing a file of their own to that name: NFS performs ``link``
atomically on the server (unlike ``flock``/``fcntl`` locks), and the lock
appears with its content, the holder's machine, pid and a token. Under the
lock, a writer reads the new lines, checks its change against the state (a
change that would fail writes nothing), checks that the lock is still its
own, appends one line and flushes it. Trial numbers are therefore given
once, in log order. A lock whose holder is a process of this machine that no
longer exists is broken at once; one held from another machine, after it has
been seen unchanged for ``lock_timeout`` seconds (see `_FileLock`).

A writer killed in the middle of a line leaves a torn final record, without
its newline: readers ignore it (they read whole lines only) and the next
writer cuts it off under the lock before appending. The torn record was never
acknowledged, so nothing acknowledged is lost.

Durability: every append is flushed (``fsync``) before the call returns when
``fsync=True`` (the default); ``fsync=False`` leaves it to the operating
system (survives the death of the process, not of the machine).
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import functools
import json
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from bbopt._distributions import BaseDistribution, distribution_from_dict
from bbopt._exceptions import BboptError
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt.storage._base import BaseStorage, DuplicatedStudyError, TrialFinishedError
from bbopt.storage._checks import check_attr, check_name, check_step, check_template
from bbopt.storage._heartbeat import HeartbeatMixin
from bbopt.storage._in_memory import InMemoryStorage
from bbopt.storage._observations import Observations, RunningPoints
from bbopt.storage._sql import check_grace, check_positive, dumps
from bbopt.storage._sqlite import StorageLockedError
from bbopt.storage._urls import parse_journal_url


class StorageJournalError(BboptError, ValueError):
    """The journal file cannot be replayed: not a bbopt journal, or damaged before its end.

    Examples
    --------
    >>> import os, tempfile, bbopt
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.log")
    >>> with open(path, "w") as f:
    ...     _ = f.write("shopping list\\n")
    >>> try:
    ...     bbopt.storage.JournalFileStorage(path).get_all_study_names()
    ... except bbopt.storage.StorageJournalError:
    ...     print("not a journal")
    not a journal
    """


class _Replayed(InMemoryStorage):
    """The state a journal's operations build; trials stamped with the log's times."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = 0.0

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.clock)


def _process_start(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, Linux), or "" if unknown.

    With the pid, it names a process: a pid reused by a later process differs.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


@functools.lru_cache(maxsize=1)
def _machine() -> str:
    """This machine, boot and process namespace: where a pid means the same process.

    Two containers of one host (their own pid namespaces) or two boots of one
    machine differ, so that a lock holder is only looked up where its pid is
    meaningful.
    """
    parts = [socket.gethostname(), "", ""]
    with contextlib.suppress(OSError), open("/proc/sys/kernel/random/boot_id") as f:
        parts[1] = f.read().strip()
    with contextlib.suppress(OSError):
        parts[2] = os.readlink("/proc/self/ns/pid")
    return " ".join(parts)


_LOCK_FIELDS = 4  # machine, pid, process start, token


class _FileLock:
    """A lock file that NFS honours: created whole by ``link()``, naming its holder.

    The holder writes its machine, pid, process start and a random token to a
    file of its own, then links it to the lock's name: ``link`` is atomic on
    NFS (v2 and later) as on local disks, and the lock appears with its
    content, never empty. (Where hard links are refused, the lock is made with
    ``open(O_CREAT | O_EXCL)`` and then written; an empty lock older than 2 s
    is taken for one whose writer died in between.)

    A lock is stale, and broken, when its holder is a process of this machine
    (same boot and pid namespace) that no longer exists, at once; when it is
    empty for 2 s; otherwise when the same lock file has been seen for longer
    than ``stale_after`` seconds of this process's clock (a holder on another
    machine: no clock skew matters). Breaking happens under a second lock
    (``<lock>.break``), after checking that the lock is still the stale one.
    A holder checks that the lock is still its own before it writes, so a
    holder stalled for longer than ``stale_after`` writes nothing.
    """

    EMPTY_GRACE = 2.0

    def __init__(self, path: str, timeout: float, stale_after: float) -> None:
        self.path = path
        self.timeout = timeout
        self.stale_after = stale_after
        self._content: bytes | None = None  # the lock's content while this process holds it
        self._seen: dict[tuple[str, tuple[int, int, float]], float] = {}

    @staticmethod
    def _read(path: str) -> tuple[tuple[int, int, float], bytes] | None:
        """The lock file's identity (inode, size, mtime) and content; None if absent."""
        try:
            with open(path, "rb") as f:
                stat = os.fstat(f.fileno())
                return (stat.st_ino, stat.st_size, stat.st_mtime), f.read()
        except FileNotFoundError:
            return None

    @staticmethod
    def _try(path: str) -> bytes | None:
        """Take ``path`` once; its content if taken, None if it is held."""
        pid = os.getpid()
        content = (f"{_machine()}\n{pid}\n{_process_start(pid)}\n"
                   f"{uuid.uuid4().hex}\n").encode()
        own = f"{path}.{pid}.{uuid.uuid4().hex[:8]}"
        fd = os.open(own, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        try:
            os.write(fd, content)
        finally:
            os.close(fd)
        try:
            os.link(own, path)
            return content
        except FileExistsError:
            return None
        except OSError as error:
            if error.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                               errno.ENOSYS):
                return _FileLock._try_exclusive(path, content)
            # NFS: the link may be made though its reply was lost; the link count tells.
            return content if os.stat(own).st_nlink == 2 else None
        finally:
            os.unlink(own)

    @staticmethod
    def _try_exclusive(path: str, content: bytes) -> bytes | None:
        """Take ``path`` with ``open(O_CREAT | O_EXCL)`` (file systems without hard links)."""
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return None
        try:
            os.write(fd, content)
        finally:
            os.close(fd)
        return content

    def _is_stale(self, path: str, identity: tuple[int, int, float], content: bytes) -> bool:
        fields = content.decode(errors="replace").split("\n")
        if len(fields) < _LOCK_FIELDS:  # empty or half-written: its writer died, or is writing
            return time.time() - identity[2] > self.EMPTY_GRACE
        machine, pid, start = fields[0], fields[1], fields[2]
        if machine == _machine() and pid.isdigit():
            holder = int(pid)
            if holder == os.getpid():
                return False
            try:
                os.kill(holder, 0)
            except ProcessLookupError:
                return True
            except PermissionError:  # alive, another user's
                pass
            if start and _process_start(holder) not in ("", start):
                return True  # its pid now names a later process
        first = self._seen.setdefault((path, identity), time.monotonic())
        return time.monotonic() - first > self.stale_after

    def _break(self, path: str) -> None:
        """Remove the lock at ``path`` if it is stale (under ``<path>.break``)."""
        found = self._read(path)
        if found is None or not self._is_stale(path, *found):
            return
        breaker = path + ".break"
        if self._try(breaker) is None:
            # A breaker holds its lock for microseconds: a stale one died breaking.
            held = self._read(breaker)
            if held is not None and self._is_stale(breaker, *held) and \
                    self._read(breaker) == held:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(breaker)
            return
        try:
            if self._read(path) == found:  # still the lock judged stale
                os.unlink(path)
        finally:
            os.unlink(breaker)

    def acquire(self) -> None:
        start = time.monotonic()
        while True:
            if os.path.lexists(self.path):  # a stat: cheap to poll, unlike a create
                self._break(self.path)
            else:
                content = self._try(self.path)
                if content is not None:
                    self._content = content
                    self._seen.clear()
                    return
            if time.monotonic() - start > self.timeout:
                raise StorageLockedError(
                    f"The journal lock {self.path!r} was held by another writer for more than "
                    f"timeout={self.timeout:g} s; a lock seen for longer than lock_timeout="
                    f"{self.stale_after:g} s is broken as stale."
                )
            # Writers hold the lock for about a millisecond: poll often, with jitter.
            time.sleep(random.uniform(0.0001, 0.001))

    def still_held(self) -> bool:
        """Whether the lock is still this holder's (not broken as stale meanwhile)."""
        found = self._read(self.path)
        return found is not None and found[1] == self._content

    def release(self) -> None:
        if self.still_held():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        self._content = None


class JournalFileStorage(HeartbeatMixin, BaseStorage):
    """Keep studies in an append-only journal file that workers on many machines share over NFS.

    Parameters
    ----------
    path : str or os.PathLike
        The journal file (created if absent), or ``"journal:///path.log"``.
        Its directory must be writable: the lock files live beside it.
    timeout : float, default 60
        Seconds to wait for another writer's lock before raising
        `StorageLockedError`.
    lock_timeout : float, default 30
        A lock seen unchanged for longer than this is from a dead writer and
        is broken (writers hold it for milliseconds). A lock whose holder was
        a process of this machine that died is broken at once.
    fsync : bool, default True
        Flush each append to the disk before returning; False leaves it to
        the operating system (faster; survives the death of the process,
        not of the machine).
    heartbeat_interval : float, optional
        If set, a background thread marks the running trials of this process
        alive every that many seconds (a line in the journal), and each new
        trial first fails the running trials of the study silent for longer
        than ``grace_period``.
    grace_period : float, optional
        Default ``2 * heartbeat_interval``.

    Examples
    --------
    >>> import os, tempfile, bbopt
    >>> path = os.path.join(tempfile.mkdtemp(), "study.log")
    >>> study = bbopt.create_study(study_name="a", storage=f"journal:///{path}")
    >>> trial = study.ask({"x": bbopt.FloatDistribution(0, 1)})
    >>> _ = study.tell(trial, trial.params["x"] ** 2)
    >>> bbopt.load_study("a", bbopt.storage.JournalFileStorage(path)).trials[0].state.name
    'COMPLETE'
    """

    _heartbeat_name = "bbopt-journal-heartbeat"
    _heartbeat_errors = (StorageLockedError, OSError)

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 60.0,
        lock_timeout: float = 30.0,
        fsync: bool = True,
        heartbeat_interval: float | None = None,
        grace_period: float | None = None,
    ) -> None:
        owner = "JournalFileStorage"
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or not path:
            raise TypeError(
                f"The 'path' parameter of {owner} must be a non-empty str or path. "
                f"Got {path!r} instead."
            )
        if path.startswith("journal:"):
            path = parse_journal_url(path)
        check_positive(owner, timeout=timeout, lock_timeout=lock_timeout,
                       heartbeat_interval=heartbeat_interval, grace_period=grace_period)
        self._set_heartbeat(owner, heartbeat_interval, grace_period)
        self.path = os.path.abspath(path)
        self._timeout = float(timeout)
        self._lock_timeout = float(lock_timeout)
        self._fsync = bool(fsync)
        self._setup()

    def _setup(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.RLock()
        self._file_lock = _FileLock(self.path + ".lock", self._timeout, self._lock_timeout)
        self._state = _Replayed()
        self._offset = 0
        self._line = 0
        self._alive: dict[tuple[int, int], float] = {}  # last sign of life of running trials
        self._dists: dict[str, BaseDistribution] = {}
        self._specs: dict[BaseDistribution, str] = {}
        self._init_heartbeats()
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            raise StorageJournalError(
                f"The journal {self.path!r} cannot be created: its directory does not exist."
            )

    # -- the log -----------------------------------------------------------------
    def _check_fork(self) -> None:
        if os.getpid() != self._pid:
            self._setup()  # a forked child replays the file itself, owning no trial

    def _read_new(self) -> bytes:
        """The bytes appended since the last read (up to the end of the file)."""
        try:
            with open(self.path, "rb") as f:  # reopened: NFS close-to-open consistency
                f.seek(self._offset)
                return f.read()
        except FileNotFoundError:
            return b""

    def _replay(self) -> int:
        """Apply the whole lines appended since the last read; return the bytes left over."""
        data = self._read_new()
        end = data.rfind(b"\n") + 1
        if end:
            for line in data[:end].splitlines():
                self._line += 1
                try:
                    record = json.loads(line)
                    op = record["op"]
                    apply = self._APPLY[op]
                except (ValueError, KeyError, TypeError):
                    raise StorageJournalError(
                        f"Line {self._line} of {self.path!r} is not a bbopt journal record "
                        f"({line[:60]!r}); bbopt did not change the file."
                    ) from None
                self._state.clock = record["t"]
                try:
                    apply(self, record)
                except (ValueError, KeyError, TypeError) as error:
                    raise StorageJournalError(
                        f"Line {self._line} of {self.path!r} cannot be replayed ({error}); "
                        "was the journal edited?"
                    ) from None
            self._offset += end
        return len(data) - end

    def _refresh(self) -> None:
        self._check_fork()
        self._replay()

    def _write(self, build: Callable[[], dict[str, Any] | None], durable: bool = True) -> Any:
        """Append the record ``build()`` returns, under the lock, after replaying.

        ``build`` sees the replayed state: it raises (or returns None) to write
        nothing. The record is then applied to this process's state like any
        replayed line; the applied operation's result is returned.
        """
        self._check_fork()
        with self._lock:
            self._replay()  # catch up first: the lock is then held for the newest lines only
            while True:
                self._file_lock.acquire()
                try:
                    torn = self._replay()
                    record = build()
                    if record is None:
                        return None
                    record["t"] = time.time()
                    line = (json.dumps(record) + "\n").encode()
                    if not self._file_lock.still_held():
                        continue  # this process stalled and its lock was broken: again
                    fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o644)
                    try:
                        if torn:  # a writer died mid-line: its record was never acknowledged
                            os.ftruncate(fd, self._offset)
                        os.lseek(fd, self._offset, os.SEEK_SET)
                        written = 0
                        while written < len(line):
                            written += os.write(fd, line[written:])
                        if self._fsync and durable:
                            os.fsync(fd)
                    finally:
                        os.close(fd)
                finally:
                    self._file_lock.release()
                break
            self._line += 1
            self._offset += len(line)
            self._state.clock = record["t"]
            return self._APPLY[record["op"]](self, record)

    def _append(self, record: dict[str, Any], check: Callable[[], Any] | None = None,
                durable: bool = True) -> Any:
        """`_write` ``record`` unless ``check()`` (run on the replayed state) raises."""

        def build() -> dict[str, Any]:
            if check is not None:
                check()
            return record

        return self._write(build, durable)

    def _spec(self, distribution: BaseDistribution) -> str:
        spec = self._specs.get(distribution)
        if spec is None:
            spec = self._specs[distribution] = json.dumps(distribution.to_dict())
        return spec

    def _dist(self, spec: str) -> BaseDistribution:
        distribution = self._dists.get(spec)
        if distribution is None:
            distribution = self._dists[spec] = distribution_from_dict(json.loads(spec))
        return distribution

    # -- replaying each operation --------------------------------------------------
    def _apply_study(self, r: dict[str, Any]) -> int:
        return self._state.create_new_study([StudyDirection(d) for d in r["directions"]],
                                            r["name"])

    def _apply_delete(self, r: dict[str, Any]) -> None:
        self._state.delete_study(r["study"])
        self._alive = {k: v for k, v in self._alive.items() if k[0] != r["study"]}

    def _apply_study_attr(self, r: dict[str, Any]) -> None:
        self._state.set_study_user_attr(r["study"], r["key"], r["value"])

    def _apply_trial(self, r: dict[str, Any]) -> int:
        template = None
        if r["trial"] is not None:
            spec = r["trial"]
            start, complete = spec["start"], spec["complete"]
            template = FrozenTrial(
                -1, TrialState(spec["state"]), spec["values"],
                {name: value for name, _, value in spec["params"]},
                {name: self._dist(dist) for name, dist, _ in spec["params"]},
                intermediate_values={int(k): v for k, v in spec["intermediate"]},
                user_attrs=spec["user_attrs"], system_attrs=spec["system_attrs"],
                datetime_start=None if start is None else datetime.datetime.fromisoformat(start),
                datetime_complete=(None if complete is None
                                   else datetime.datetime.fromisoformat(complete)),
            )
        number = self._state.create_new_trial(r["study"], template)
        if template is None or template.state == TrialState.RUNNING:
            self._alive[(r["study"], number)] = r["t"]
        return number

    def _apply_pop(self, r: dict[str, Any]) -> int | None:
        number = self._state.pop_waiting_trial(r["study"])
        if number is not None:
            self._alive[(r["study"], number)] = r["t"]
        return number

    def _apply_params(self, r: dict[str, Any]) -> None:
        self._state.set_trial_params(r["study"], r["number"], {
            name: (self._dist(spec), value) for name, spec, value in r["params"]})

    def _apply_report(self, r: dict[str, Any]) -> None:
        self._state.set_trial_intermediate_value(r["study"], r["number"], r["step"], r["value"])
        self._alive[(r["study"], r["number"])] = r["t"]

    def _apply_attr(self, r: dict[str, Any]) -> None:
        setter = (self._state.set_trial_system_attr if r["system"]
                  else self._state.set_trial_user_attr)
        setter(r["study"], r["number"], r["key"], r["value"])

    def _apply_finish(self, r: dict[str, Any]) -> None:
        self._state.finish_trial(r["study"], r["number"], TrialState(r["state"]), r["values"])
        self._alive.pop((r["study"], r["number"]), None)
        self._owned.discard((r["study"], r["number"]))

    def _apply_fail(self, r: dict[str, Any]) -> None:
        for number in r["numbers"]:
            self._apply_finish({"study": r["study"], "number": number,
                                "state": int(TrialState.FAIL), "values": None})

    def _apply_block(self, r: dict[str, Any]) -> np.ndarray:
        params = [(name, self._dist(spec)) for name, spec in r["params"]]
        values = np.array(r["values"], dtype=np.float64).reshape(-1, len(params))
        numbers = self._state.create_running_trials(r["study"], params, values)
        for number in numbers.tolist():
            self._alive[(r["study"], number)] = r["t"]
        return numbers

    def _apply_finish_block(self, r: dict[str, Any]) -> None:
        numbers = np.array(r["numbers"], dtype=np.int64)
        self._state.finish_trials(
            r["study"], numbers, np.array(r["states"], dtype=np.int8),
            np.array(r["values"], dtype=np.float64).reshape(numbers.size, -1))
        for number in r["numbers"]:
            self._alive.pop((r["study"], number), None)
            self._owned.discard((r["study"], number))

    def _apply_beat(self, r: dict[str, Any]) -> None:
        for study_id, number in r["trials"]:
            if (study_id, number) in self._alive:
                self._alive[(study_id, number)] = r["t"]

    _APPLY: ClassVar[dict[str, Callable[[JournalFileStorage, dict[str, Any]], Any]]] = {
        "study": _apply_study, "delete": _apply_delete, "study_attr": _apply_study_attr,
        "trial": _apply_trial, "pop": _apply_pop, "params": _apply_params,
        "report": _apply_report, "attr": _apply_attr, "finish": _apply_finish,
        "fail": _apply_fail, "beat": _apply_beat, "block": _apply_block,
        "finish_block": _apply_finish_block,
    }

    # -- studies ----------------------------------------------------------------------
    def create_new_study(self, directions: Sequence[StudyDirection], study_name: str) -> int:
        check_name(study_name, "study_name", "create_study")

        def check() -> None:
            if study_name in self._state.get_all_study_names():
                raise DuplicatedStudyError(
                    f"A study named {study_name!r} already exists in this storage; "
                    "pass load_if_exists=True to load it."
                )

        return int(self._append({"op": "study", "name": study_name,
                                "directions": [int(d) for d in directions]}, check))

    def delete_study(self, study_id: int) -> None:
        self._append({"op": "delete", "study": study_id},
                    lambda: self._state.get_study_name(study_id))
        with self._lock:
            self._owned = {key for key in self._owned if key[0] != study_id}

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            self._refresh()
            return self._state.get_study_id_from_name(study_name)

    def get_study_name(self, study_id: int) -> str:
        with self._lock:
            self._refresh()
            return self._state.get_study_name(study_id)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            self._refresh()
            return self._state.get_study_directions(study_id)

    def get_all_study_names(self) -> list[str]:
        with self._lock:
            self._refresh()
            return self._state.get_all_study_names()

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        check_attr(key, value, "Study.set_user_attr")
        self._append({"op": "study_attr", "study": study_id, "key": key,
                     "value": value}, lambda: self._state.get_study_name(study_id))

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            self._refresh()
            return self._state.get_study_user_attrs(study_id)

    # -- trials ----------------------------------------------------------------------------
    def create_new_trial(self, study_id: int, template: FrozenTrial | None = None) -> int:
        spec = None
        if template is not None:
            check_template(template, "Study.add_trial")
            start, complete = template.datetime_start, template.datetime_complete
            spec = {
                "state": int(template.state),
                "values": None if template.values is None else [float(v) for v in
                                                                 template.values],
                "params": [[name, self._spec(dist), template.params[name]]
                           for name, dist in template.distributions.items()],
                "intermediate": [[step, value] for step, value in
                                 template.intermediate_values.items()],
                "user_attrs": template.user_attrs, "system_attrs": template.system_attrs,
                "start": None if start is None else start.isoformat(),
                "complete": None if complete is None else complete.isoformat(),
            }
            dumps(spec, "the trial's parameters and attributes", "JournalFileStorage")
        finished = template is not None and template.state.is_finished()
        if not finished and self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        number = int(self._append({"op": "trial", "study": study_id,
                                  "trial": spec},
                                 lambda: self._state.get_study_name(study_id),
                                 durable=finished))
        if template is None or template.state == TrialState.RUNNING:
            self._own(study_id, number)
        return number

    def start_trial(self, study_id: int) -> tuple[int, bool]:
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        popped = False

        def build() -> dict[str, Any]:  # under the lock: pop if a trial waits, else create
            nonlocal popped
            self._state.get_study_name(study_id)  # StudyNotFoundError first
            popped = self._state.get_n_trials(study_id, (TrialState.WAITING,)) > 0
            return ({"op": "pop", "study": study_id} if popped
                    else {"op": "trial", "study": study_id, "trial": None})

        number = int(self._write(build, durable=False))
        self._own(study_id, number)
        return number, popped

    def pop_waiting_trial(self, study_id: int) -> int | None:
        with self._lock:
            self._refresh()
            if self._state.get_n_trials(study_id, (TrialState.WAITING,)) == 0:
                return None  # nothing to pop: no need for the lock
        number = self._append({"op": "pop", "study": study_id},
                             lambda: self._state.get_study_name(study_id), durable=False)
        if number is not None:
            self._own(study_id, number)
        return number  # type: ignore[no-any-return]

    def set_trial_param(
        self, study_id: int, number: int, name: str, distribution: BaseDistribution, value: Any
    ) -> None:
        self.set_trial_params(study_id, number, {name: (distribution, value)})

    def set_trial_params(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, Any]]
    ) -> None:
        for name, (_, value) in params.items():
            check_name(name, "name", "Trial.suggest")
            dumps(value, f"the parameter {name!r}", "JournalFileStorage")
        self._append({"op": "params", "study": study_id, "number": number,
                     "params": [[name, self._spec(dist), value]
                                for name, (dist, value) in params.items()]},
                    lambda: self._require_running(study_id, number), durable=False)

    def _require_running(self, study_id: int, number: int) -> None:
        # Setting no parameter changes nothing, and raises unless the trial is running.
        self._state.set_trial_params(study_id, number, {})

    def set_trial_intermediate_value(
        self, study_id: int, number: int, step: int, value: float
    ) -> None:
        check_step(step, "Trial.report")
        self._append({"op": "report", "study": study_id, "number": number,
                     "step": step, "value": value},
                    lambda: self._require_running(study_id, number), durable=False)

    def _set_attr(self, study_id: int, number: int, system: bool, key: str, value: Any) -> None:
        check_attr(key, value, "Trial.set_system_attr" if system else "Trial.set_user_attr")
        self._append({"op": "attr", "study": study_id, "number": number,
                     "system": system, "key": key, "value": value},
                    lambda: self._state.get_trial_state(study_id, number), durable=False)

    def set_trial_user_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        self._set_attr(study_id, number, False, key, value)

    def set_trial_system_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        self._set_attr(study_id, number, True, key, value)

    def finish_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._append({"op": "finish", "study": study_id, "number": number,
                     "state": int(state),
                     "values": None if values is None else [float(v) for v in values]},
                    lambda: self._require_running(study_id, number))

    def get_trial_state(self, study_id: int, number: int) -> TrialState:
        with self._lock:
            self._refresh()
            return self._state.get_trial_state(study_id, number)

    def get_trial(self, study_id: int, number: int) -> FrozenTrial:
        with self._lock:
            self._refresh()
            return self._state.get_trial(study_id, number)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Collection[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            self._refresh()
            # Replays change the records in place: callers always get copies.
            return self._state.get_all_trials(study_id, deepcopy=True, states=states)

    def get_n_trials(self, study_id: int, states: Collection[TrialState] | None = None) -> int:
        with self._lock:
            self._refresh()
            return self._state.get_n_trials(study_id, states)

    def get_observations(self, study_id: int) -> Observations:
        with self._lock:
            self._refresh()
            return self._state.get_observations(study_id)

    def get_running_points(self, study_id: int) -> RunningPoints:
        with self._lock:
            self._refresh()
            return self._state.get_running_points(study_id)

    def note_running_point(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, float]]
    ) -> None:
        with self._lock:
            self._state.note_running_point(study_id, number, params)

    # -- blocks of trials (the array fast path) ----------------------------------------------
    def create_running_trials(
        self, study_id: int, params: Sequence[tuple[str, BaseDistribution]],
        values: np.ndarray,
    ) -> np.ndarray:
        if self._heartbeat_interval is not None:
            self.fail_stale_trials(study_id)
        numbers: np.ndarray = self._append(
            {"op": "block", "study": study_id,
             "params": [[name, self._spec(dist)] for name, dist in params],
             "values": values.tolist()},
            lambda: self._state.get_study_name(study_id), durable=False)
        for number in numbers.tolist():
            self._own(study_id, number)
        return numbers

    def finish_trials(
        self, study_id: int, numbers: np.ndarray, states: np.ndarray, values: np.ndarray
    ) -> None:
        listed = numbers.tolist()

        def check() -> None:
            self._state._require_running(study_id, listed)
            if len(set(listed)) != len(listed):
                raise TrialFinishedError("finish_trials was given a trial twice.")

        self._append({"op": "finish_block", "study": study_id, "numbers": listed,
                      "states": states.tolist(), "values": values.tolist()}, check)

    # -- heartbeats ------------------------------------------------------------------------
    def _touch(self, owned: list[tuple[int, int]]) -> None:
        self._append({"op": "beat", "trials": owned}, durable=False)

    def fail_stale_trials(self, study_id: int, grace_period: float | None = None) -> list[int]:
        """Mark FAIL the running trials whose worker stopped beating; return their numbers.

        Parameters
        ----------
        study_id : int
        grace_period : float, optional
            Seconds since the last sign of life (start, heartbeat or report)
            after which a running trial is stale; default the storage's
            ``grace_period``. Trials running in this process are never stale.

        Returns
        -------
        list of int
            The numbers of the trials marked FAIL.
        """
        grace = check_grace(
            self._grace_period if grace_period is None else grace_period, "JournalFileStorage")
        stale: list[int] = []

        def build() -> dict[str, Any] | None:
            self._state.get_study_name(study_id)  # StudyNotFoundError
            limit = time.time() - grace
            stale[:] = sorted(n for (s, n), alive in self._alive.items()
                              if s == study_id and alive < limit and (s, n) not in self._owned)
            return {"op": "fail", "study": study_id, "numbers": stale} if stale else None

        self._write(build)
        return stale

    def close(self) -> None:
        """Stop the heartbeat thread (the storage stays usable)."""
        self._stop_heartbeats()

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "timeout": self._timeout,
                "lock_timeout": self._lock_timeout, "fsync": self._fsync,
                "heartbeat_interval": self._heartbeat_interval,
                "grace_period": self._grace_period}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = state["path"]
        self._timeout = state["timeout"]
        self._lock_timeout = state["lock_timeout"]
        self._fsync = state["fsync"]
        self._heartbeat_interval = state["heartbeat_interval"]
        self._grace_period = state["grace_period"]
        self._setup()

    def __repr__(self) -> str:
        return f"JournalFileStorage({self.path!r})"
