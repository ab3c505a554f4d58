"""The process pool of ``Study.optimize(executor="process")``: it survives its workers.

`concurrent.futures.ProcessPoolExecutor` breaks as a whole when one worker
dies (a segfault, ``os.abort()``, ``os._exit()``): every task in flight fails
with ``BrokenProcessPool`` and no task can be submitted again. This pool runs
each worker on its own pipe, so the driver knows which task a dead worker was
running and how it died (its signal or exit code). That task's future fails
with `WorkerDied`, the worker is replaced, and the other tasks go on. With a
``task_timeout``, a worker still busy after that many seconds is killed and
its future fails with `WorkerTimeout`.

A manager thread hands queued tasks to idle workers and waits on the busy
workers' pipes and process sentinels (`multiprocessing.connection.wait`).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import multiprocessing.connection
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any


class WorkerDied(RuntimeError):
    """A worker process ended while it ran a task (signal or exit code in the message)."""


class WorkerTimeout(TimeoutError):
    """A task ran longer than the pool's ``task_timeout``; its worker was killed."""


def describe_exit(exitcode: int | None) -> str:
    """Say how a process ended from its `multiprocessing.Process.exitcode`."""
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"killed by {name} (signal {-exitcode})"
    return f"exited with code {exitcode}"


def _serve(conn: multiprocessing.connection.Connection) -> None:
    """Worker loop: run each (fn, args) received, send back ("ok"|"error", payload)."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, args = task
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as error:  # noqa: BLE001 - sent back to the driver
            reply = ("error", error)
        try:
            conn.send(reply)
        except Exception as error:  # the result or the error could not be pickled
            conn.send(("error", RuntimeError(
                f"The result could not be sent back from the worker "
                f"({type(error).__name__}: {error}); it must be picklable.")))


class _Worker:
    __slots__ = ("conn", "deadline", "future", "process")

    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.future: concurrent.futures.Future[Any] | None = None
        self.deadline = float("inf")


class WorkerPool(concurrent.futures.Executor):
    """At most ``max_workers`` processes; a dead or timed-out worker fails only its task.

    Parameters
    ----------
    max_workers : int
        Number of worker processes (started on demand).
    task_timeout : float, optional
        Seconds a task may run before its worker is killed.
    """

    def __init__(self, max_workers: int, task_timeout: float | None = None) -> None:
        self._context = multiprocessing.get_context()
        self._max_workers = max_workers
        self._timeout = task_timeout
        self._queue: deque[tuple[concurrent.futures.Future[Any], Callable[..., Any],
                                 tuple[Any, ...]]] = deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._wake_reader, self._wake_writer = self._context.Pipe(duplex=False)
        self._closing = False
        self._thread = threading.Thread(target=self._manage, name="bbopt-worker-pool",
                                        daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any,
               ) -> concurrent.futures.Future[Any]:
        """Queue ``fn(*args)`` for the next idle worker (keyword arguments are not taken)."""
        if kwargs:
            raise TypeError("WorkerPool.submit takes positional arguments only.")
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to a WorkerPool after shutdown")
            self._queue.append((future, fn, args))
        self._wake()
        return future

    def _wake(self) -> None:
        try:
            self._wake_writer.send_bytes(b"")
        except OSError:  # closed at shutdown
            pass

    def _manage(self) -> None:
        try:
            self._loop()
        except BaseException as error:  # a bug here must not leave the driver waiting
            with self._lock:
                self._closing = True
                pending = [w.future for w in self._workers if w.future is not None]
                pending += [item[0] for item in self._queue]
                self._queue.clear()
            for future in pending:
                if not future.done():
                    future.set_exception(RuntimeError(f"The worker pool failed: {error!r}"))
            raise

    def _loop(self) -> None:
        while True:
            with self._lock:
                self._assign()
                busy = [w for w in self._workers if w.future is not None]
                if self._closing and not busy and not self._queue:
                    return
            now = time.monotonic()
            deadline = min((w.deadline for w in busy), default=float("inf"))
            wait = None if deadline == float("inf") else max(0.0, deadline - now)
            ready = multiprocessing.connection.wait(
                [self._wake_reader] + [w.conn for w in busy] + [w.process.sentinel for w in busy],
                timeout=wait)
            if self._wake_reader in ready:
                while self._wake_reader.poll():
                    self._wake_reader.recv_bytes()
            now = time.monotonic()
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    self._collect(worker)
                elif worker.deadline <= now:
                    self._kill(worker, WorkerTimeout(
                        f"The task ran longer than the timeout of {self._timeout:g} s; its "
                        f"worker process was killed."))

    def _assign(self) -> None:
        """Give queued tasks to idle workers, starting workers up to the maximum."""
        while self._queue:
            worker = next((w for w in self._workers if w.future is None), None)
            if worker is None and len(self._workers) < self._max_workers:
                worker = _Worker(self._context)
                self._workers.append(worker)
            if worker is None:
                return
            future, fn, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                worker.conn.send((fn, args))
            except Exception as error:  # fn or args could not be pickled
                future.set_exception(error)
                continue
            worker.future = future
            worker.deadline = (float("inf") if self._timeout is None
                               else time.monotonic() + self._timeout)

    def _collect(self, worker: _Worker) -> None:
        """Deliver the reply of ``worker``, or fail its task if it died."""
        future = worker.future
        assert future is not None
        try:
            if worker.conn.poll():
                kind, payload = worker.conn.recv()
                worker.future = None
                worker.deadline = float("inf")
                if not worker.process.is_alive():
                    self._replace(worker)
                if kind == "ok":
                    future.set_result(payload)
                else:
                    future.set_exception(payload)
                return
        except (EOFError, OSError):
            pass
        worker.process.join()
        self._replace(worker)
        future.set_exception(WorkerDied(
            f"The worker process (pid {worker.process.pid}) running this task "
            f"{describe_exit(worker.process.exitcode)}."))

    def _kill(self, worker: _Worker, error: BaseException) -> None:
        future = worker.future
        assert future is not None
        worker.process.kill()
        worker.process.join()
        self._replace(worker)
        future.set_exception(error)

    def _replace(self, worker: _Worker) -> None:
        """Drop a dead worker; a new one starts when a task needs it."""
        worker.conn.close()
        with self._lock:
            self._workers.remove(worker)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the pool: queued tasks run first unless ``cancel_futures``."""
        with self._lock:
            self._closing = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft()[0].cancel()
        self._wake()
        if wait:
            self._thread.join()
            self._stop_workers()

    def _stop_workers(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers.clear()

    def kill(self) -> None:
        """Kill every worker now and fail their tasks (the driver was interrupted)."""
        with self._lock:
            self._closing = True
            while self._queue:
                self._queue.popleft()[0].cancel()
            workers = list(self._workers)
        for worker in workers:
            worker.process.kill()
        self._wake()
        self._thread.join()
        self._stop_workers()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.shutdown(wait=True)
        else:
            self.kill()
