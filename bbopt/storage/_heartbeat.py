"""Heartbeats of the storages that processes share (SQLite, PostgreSQL, journal).

A storage marks the trials this process runs as its own; a daemon thread
writes a sign of life for them every ``heartbeat_interval`` seconds, so that
another process's `fail_stale_trials` can tell a live trial from one whose
worker died. The storage says how a sign of life is written (`_touch`).
"""

from __future__ import annotations

import os
import threading
from typing import ClassVar


class HeartbeatMixin:
    """The owned running trials and the thread that keeps them alive.

    A storage calls `_init_heartbeats` when it sets up (and again in a new
    process), `_own` when this process starts a trial, and `_stop_heartbeats`
    when it closes; it defines `_touch` and the errors a beat may meet
    (tried again at the next beat).
    """

    _heartbeat_interval: float | None
    _lock: threading.RLock
    _pid: int
    #: Name of the thread (shown by debuggers and ``threading.enumerate``).
    _heartbeat_name: ClassVar[str] = "bbopt-heartbeat"
    #: Errors of a beat that the next beat retries (a locked file, a lost server).
    _heartbeat_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def _set_heartbeat(self, owner: str, heartbeat_interval: float | None,
                       grace_period: float | None) -> None:
        """Keep the interval and the grace period (default: two intervals); checked
        positive by the caller, a grace period needs an interval."""
        if grace_period is not None and heartbeat_interval is None:
            raise ValueError(
                f"The 'grace_period' parameter of {owner} needs a 'heartbeat_interval'. "
                f"Got grace_period={grace_period!r} alone."
            )
        self._heartbeat_interval = heartbeat_interval
        self._grace_period: float | None = (
            grace_period if grace_period is not None
            else None if heartbeat_interval is None else 2.0 * heartbeat_interval
        )

    def _init_heartbeats(self) -> None:
        self._owned: set[tuple[int, int]] = set()
        self._heartbeat_thread: threading.Thread | None = None
        self._heartbeat_stop = threading.Event()

    def _touch(self, owned: list[tuple[int, int]]) -> None:
        """Write a sign of life for the (study_id, number) trials ``owned``."""
        raise NotImplementedError

    def _own(self, study_id: int, number: int) -> None:
        with self._lock:
            self._owned.add((study_id, number))
        if self._heartbeat_interval is not None and self._heartbeat_thread is None:
            thread = threading.Thread(target=self._beat, name=self._heartbeat_name, daemon=True)
            self._heartbeat_thread = thread
            thread.start()

    def _beat(self) -> None:
        """Mark the running trials of this process alive until `_stop_heartbeats`."""
        assert self._heartbeat_interval is not None
        stop = self._heartbeat_stop
        while not stop.wait(self._heartbeat_interval):
            if os.getpid() != self._pid:  # pragma: no cover - threads do not survive fork
                return
            with self._lock:
                owned = sorted(self._owned)
            if owned:
                try:
                    self._touch(owned)
                except self._heartbeat_errors:  # pragma: no cover - retried at the next beat
                    continue

    def _stop_heartbeats(self) -> None:
        """Stop the heartbeat thread (a later `_own` starts a new one)."""
        self._heartbeat_stop.set()
        thread = self._heartbeat_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._heartbeat_thread = None
        self._heartbeat_stop = threading.Event()
