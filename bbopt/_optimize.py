"""The `Study.optimize` loop: run objectives, sequentially or in threads."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from bbopt._exceptions import TrialPruned
from bbopt._frozen import FrozenTrial, TrialState
from bbopt._validation import (
    as_objective_values,
    ensure_bool,
    ensure_int,
    ensure_optional_int,
)

if TYPE_CHECKING:
    from bbopt._study import ObjectiveFunc, Study


class _Budget:
    """Hand out trial slots until the trial count, the timeout or a stop request."""

    def __init__(self, study: Study, n_trials: int | None, timeout: float | None) -> None:
        self._study = study
        self._remaining = n_trials
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._study._stop_requested:
                return False
            if self._deadline is not None and time.monotonic() >= self._deadline:
                return False
            if self._remaining is not None:
                if self._remaining <= 0:
                    return False
                self._remaining -= 1
            return True


def _check_catch(catch: Any) -> tuple[type[BaseException], ...]:
    if isinstance(catch, type):
        catch = (catch,)
    catch = tuple(catch)
    if not all(isinstance(c, type) and issubclass(c, BaseException) for c in catch):
        raise TypeError(
            f"The 'catch' parameter of Study.optimize must be exception types. Got {catch!r}."
        )
    return catch


def run_optimize(
    study: Study,
    func: ObjectiveFunc,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: Any,
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None,
    show_progress_bar: bool,
) -> None:
    """Validate the arguments of `Study.optimize` and run its trials."""
    owner = "Study.optimize"
    if not callable(func):
        raise TypeError(f"The 'func' parameter of {owner} must be callable. Got {func!r}.")
    n_trials = ensure_optional_int(n_trials, "n_trials", owner, minimum=0)
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(
                f"The 'timeout' parameter of {owner} must be a number > 0. Got {timeout!r}."
            )
    n_jobs = ensure_int(n_jobs, "n_jobs", owner)
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    elif n_jobs < 1:
        raise ValueError(f"The 'n_jobs' parameter of {owner} must be >= 1 or -1. Got {n_jobs!r}.")
    catch = _check_catch(catch)
    callbacks = list(callbacks or ())
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"The 'callbacks' of {owner} must be callable. Got {callback!r}.")
    show_progress_bar = ensure_bool(show_progress_bar, "show_progress_bar", owner)

    study._stop_requested = False
    budget = _Budget(study, n_trials, timeout)
    with _progress_bar(show_progress_bar, n_trials) as advance:
        def worker() -> None:
            while budget.take():
                frozen = _run_trial(study, func, catch)
                for callback in callbacks:
                    callback(study, frozen)
                advance(frozen)

        if n_jobs == 1:
            worker()
        else:
            with concurrent.futures.ThreadPoolExecutor(n_jobs) as pool:
                futures = [pool.submit(worker) for _ in range(n_jobs)]
                try:
                    for future in concurrent.futures.as_completed(futures):
                        future.result()
                except BaseException:
                    study.stop()
                    raise


def _run_trial(study: Study, func: ObjectiveFunc, catch: tuple[type[BaseException], ...],
               ) -> FrozenTrial:
    """Run one trial of ``func`` and tell its outcome; re-raise uncaught errors."""
    trial = study.ask()
    try:
        output = func(trial)
    except TrialPruned:
        return study.tell(trial, state=TrialState.PRUNED)
    except Exception as error:
        frozen = study.tell(trial, state=TrialState.FAIL)
        if isinstance(error, catch):
            warnings.warn(
                f"Trial {trial.number} failed with {type(error).__name__}: {error}",
                stacklevel=3,
            )
            return frozen
        raise
    except BaseException:  # KeyboardInterrupt and the like: record, then stop
        study.tell(trial, state=TrialState.FAIL)
        raise
    values, problem = as_objective_values(output, len(study.directions))
    if problem is not None:
        warnings.warn(f"Trial {trial.number} failed: the objective's {problem}", stacklevel=3)
        return study.tell(trial, state=TrialState.FAIL)
    return study.tell(trial, values)


@contextlib.contextmanager
def _progress_bar(show: bool, n_trials: int | None) -> Iterator[Callable[[FrozenTrial], None]]:
    """Yield a function that advances a tqdm bar by one trial (a no-op if not shown)."""
    if not show:
        yield lambda frozen: None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError(
            "show_progress_bar=True needs tqdm: pip install 'bbopt[progress]'."
        ) from None
    lock = threading.Lock()
    with tqdm(total=n_trials, unit="trial") as bar:
        def advance(frozen: FrozenTrial) -> None:
            with lock:
                if frozen.state == TrialState.COMPLETE and frozen.values is not None:
                    bar.set_postfix(trial=frozen.number, value=frozen.values[0], refresh=False)
                bar.update(1)

        yield advance
