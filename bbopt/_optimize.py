"""The `Study.optimize` loop: run objectives here, in threads, or in an executor.

Trials in other processes (``executor="process"`` or any
`concurrent.futures.Executor`, e.g. a Dask client's) work as follows. The
sampler never leaves this process (the driver): for each trial the driver
calls `Study.ask`, then proposes a value for every parameter the study has
seen so far (its observation columns) and for every enqueued one, and
submits the objective with these proposals; at most ``n_jobs`` trials are in
flight and each result is told as soon as it arrives. The objective runs on a
`RemoteTrial`, whose ``suggest_*`` returns the proposed value for a known
(name, distribution) pair and a uniform random draw for a new one (only the
first trials of a define-by-run study meet new parameters). The parameters the
objective used, its reports and attributes come back with its value and are
recorded in the driver. Once ten trials are complete and all of them used the
same parameters (a fixed search space), the proposals are recorded when the trial
is dispatched, so that samplers with a constant liar (`TPESampler`) see the
points in flight and keep the workers apart; a trial that then leaves one of
them unused keeps it recorded with its proposed value.

Limits of a `RemoteTrial`: ``trial.study`` is not available; ``should_prune``
is always False with the default `NopPruner` and raises otherwise (pruners
read the study in the driver); the objective, its proposals and its return
value must be picklable (module-level functions for process pools; Dask
pickles closures too).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import gc
import os
import pickle
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from bbopt._distributions import (
    BaseDistribution,
    distribution_from_dict,
)
from bbopt._exceptions import TrialPruned
from bbopt._frozen import FAIL_REASON, FrozenTrial, TrialState
from bbopt._trial import BaseTrial, Trial, fixed_value
from bbopt._validation import (
    as_objective_values,
    ensure_bool,
    ensure_finite_real,
    ensure_int,
    ensure_optional_int,
)
from bbopt._workers import WorkerDied, WorkerPool, WorkerTimeout
from bbopt.pruners import NopPruner
from bbopt.storage._checks import check_attr

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
    types = (catch,) if isinstance(catch, type) else catch
    try:
        types = tuple(types)
    except TypeError:
        types = (None,)  # not iterable: reported below
    if not all(isinstance(c, type) and issubclass(c, BaseException) for c in types):
        raise TypeError(
            f"The 'catch' parameter of Study.optimize must be an exception type or an iterable "
            f"of them. Got {catch!r} instead."
        )
    return types


def run_optimize(
    study: Study,
    func: ObjectiveFunc,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: Any,
    callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None,
    show_progress_bar: bool,
    executor: concurrent.futures.Executor | str | None = None,
    trial_timeout: float | None = None,
    gc_after_trial: bool = False,
) -> None:
    """Validate the arguments of `Study.optimize` and run its trials."""
    owner = "Study.optimize"
    if not callable(func):
        raise TypeError(f"The 'func' parameter of {owner} must be callable. Got {func!r}.")
    n_trials = ensure_optional_int(n_trials, "n_trials", owner, minimum=0)
    if timeout is not None and ensure_finite_real(timeout, "timeout", owner) <= 0:
        raise ValueError(f"The 'timeout' parameter of {owner} must be > 0. Got {timeout!r}.")
    n_jobs = ensure_int(n_jobs, "n_jobs", owner)
    if executor is not None and not (
        (isinstance(executor, str) and executor in ("thread", "process"))
        or isinstance(executor, concurrent.futures.Executor)
    ):
        raise TypeError(
            f"The 'executor' parameter of {owner} must be 'thread', 'process' or a "
            f"concurrent.futures.Executor. Got {executor!r} instead."
        )
    if trial_timeout is not None:
        if ensure_finite_real(trial_timeout, "trial_timeout", owner) <= 0:
            raise ValueError(f"The 'trial_timeout' parameter of {owner} must be > 0. "
                             f"Got {trial_timeout!r} instead.")
        if executor != "process":
            raise ValueError(
                f"The 'trial_timeout' parameter of {owner} needs executor='process' (a "
                f"thread or another executor's task cannot be killed). Got executor="
                f"{executor!r} instead.")
    if n_jobs == -1:
        n_jobs = _default_n_jobs(executor)
    elif n_jobs < 1:
        raise ValueError(f"The 'n_jobs' parameter of {owner} must be >= 1 or -1. Got {n_jobs!r}.")
    catch = _check_catch(catch)
    callbacks = list(callbacks or ())
    for callback in callbacks:
        if not callable(callback):
            raise TypeError(f"The 'callbacks' of {owner} must be callable. Got {callback!r}.")
    show_progress_bar = ensure_bool(show_progress_bar, "show_progress_bar", owner)
    if ensure_bool(gc_after_trial, "gc_after_trial", owner):
        callbacks.append(_collect_garbage)

    study._stop_requested = False
    if n_trials is not None:
        study.sampler.set_budget(n_trials)
    budget = _Budget(study, n_trials, timeout)
    with _progress_bar(show_progress_bar, n_trials) as advance:
        def worker() -> None:
            while budget.take():
                frozen = _run_trial(study, func, catch)
                for callback in callbacks:
                    callback(study, frozen)
                advance(frozen)

        if isinstance(executor, concurrent.futures.Executor) or executor == "process":
            with contextlib.ExitStack() as stack:
                if executor == "process":
                    executor = stack.enter_context(WorkerPool(n_jobs, trial_timeout))
                assert isinstance(executor, concurrent.futures.Executor)
                _run_remote(study, func, budget, catch, callbacks, advance, executor, n_jobs)
        elif n_jobs == 1:
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


def _collect_garbage(study: Study, trial: FrozenTrial) -> None:
    """The callback of ``gc_after_trial``: collect garbage after each trial."""
    gc.collect()


def _default_n_jobs(executor: Any) -> int:
    """The number of workers of ``executor`` where it says, else the number of CPUs."""
    workers = getattr(executor, "_max_workers", None)
    if isinstance(workers, int) and workers > 0:
        return workers
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


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


# -- trials in other processes ---------------------------------------------------------


class RemoteTrial(BaseTrial):
    """The trial an objective receives in another process (see the module docstring).

    It answers ``suggest_*`` from the values the driver proposed, draws new
    parameters uniformly, and records reports and attributes to send back.
    """

    def __init__(self, number: int, proposals: Mapping[str, tuple[Any, Any]], seed: int,
                 prunable: bool) -> None:
        self.number = number
        # name -> (distribution or its to_dict() or None for an enqueued value, value)
        self._proposals = proposals
        self._rng = np.random.default_rng([seed, number])
        self._prunable = prunable
        self._params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._reports: dict[int, float] = {}
        self._reported_steps: set[int] = set()
        self._attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self.datetime_start = datetime.datetime.now()

    @property
    def study(self) -> Study:
        """Not available in another process."""
        raise RuntimeError(
            f"trial.study is not available to an objective running in another process "
            f"(trial {self.number}); the study stays in the driver."
        )

    def _new_param(self, name: str, distribution: BaseDistribution) -> Any:
        proposed = self._proposals.get(name)
        if proposed is not None and isinstance(proposed[0], dict):
            proposed = (distribution_from_dict(proposed[0]), proposed[1])
        if proposed is not None and (
            proposed[0] == distribution
            or (proposed[0] is None and distribution.contains(proposed[1]))
        ):
            return fixed_value(distribution, proposed[1])
        if distribution.single():
            return distribution.to_external(distribution.internal_bounds()[0])
        low, high = distribution.internal_bounds()
        return distribution.to_external(float(self._rng.uniform(low, high)))

    def _store_report(self, value: float, step: int) -> None:
        self._reports[step] = value  # sent to the driver when the trial ends

    def should_prune(self) -> bool:
        """False with the default pruner; pruners cannot run in another process."""
        if not self._prunable:
            raise RuntimeError(
                "Trial.should_prune is not available to an objective running in another "
                "process: the study's pruner reads the study in the driver. Run with threads "
                "or raise bbopt.TrialPruned from your own rule."
            )
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        """As `Trial.set_user_attr` (recorded in the driver when the trial ends)."""
        check_attr(key, value, "Trial.set_user_attr")
        self._attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """As `Trial.set_system_attr` (recorded in the driver when the trial ends)."""
        check_attr(key, value, "Trial.set_system_attr")
        self._system_attrs[key] = value

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes set so far (a copy)."""
        return dict(self._attrs)

    def __repr__(self) -> str:
        return f"RemoteTrial(number={self.number}, params={self._params})"


class _Outcome:
    """What a remote evaluation sends back to the driver."""

    __slots__ = ("kind", "output", "params", "reports", "attrs", "system_attrs", "error",
                 "text")

    def __init__(self, trial: RemoteTrial, kind: str, output: Any = None,
                 error: BaseException | None = None, text: str = "") -> None:
        self.kind = kind  # "value", "pruned" or "error"
        self.output = output
        # Distributions travel as dicts (plain data for any pickler).
        self.params = {n: (trial._distributions[n].to_dict(), v)
                       for n, v in trial._params.items()}
        self.reports = trial._reports
        self.attrs = trial._attrs
        self.system_attrs = trial._system_attrs
        self.error = error
        self.text = text


def _evaluate(func: Callable[[Any], Any], number: int, proposals: dict[str, tuple[Any, Any]],
              seed: int, prunable: bool) -> _Outcome:
    """Run the objective on a `RemoteTrial` (in the worker) and package the outcome."""
    trial = RemoteTrial(number, proposals, seed, prunable)
    try:
        output = func(trial)
    except TrialPruned:
        return _Outcome(trial, "pruned")
    except Exception as error:
        text = "".join(traceback.format_exception(error))
        try:
            pickle.dumps(error)
        except Exception:
            error = RuntimeError(f"{type(error).__name__}: {error}")
        return _Outcome(trial, "error", error=error, text=text)
    return _Outcome(trial, "value", output=output)


def _proposal(study: Study, trial: Trial, name: str, distribution: BaseDistribution) -> Any:
    """The value `Trial._suggest` would give, without recording it."""
    fixed = trial._fixed_params
    if name in fixed and distribution.contains(fixed[name]):
        return fixed[name]
    relative = trial._relative_params
    if relative and name in relative and trial._relative_space.get(name) == distribution:
        return distribution.to_external(relative[name])
    if distribution.single():
        return distribution.to_external(distribution.internal_bounds()[0])
    internal = trial._sampler.sample_one(trial._sampling_context(), name, distribution)
    return distribution.to_external(internal)


# Complete trials, all with the same parameters, after which the space is taken as fixed.
_N_FIXED = 10


def _dispatch(study: Study) -> tuple[Trial, dict[str, tuple[Any, Any]]]:
    """Ask a trial in the driver and propose values for every known parameter."""
    trial = study.ask()
    observations = study.get_observations()
    known = dict(zip(observations.names, observations.distributions))  # the latest wins
    shared = observations.shared_search_space()
    # Record now only when the space looks fixed: enough complete trials, all
    # with the same parameters (a conditional parameter recorded now could go unused).
    fixed = observations.n_complete >= _N_FIXED and len(shared) == observations.n_columns
    record = shared if fixed else {}
    proposals: dict[str, tuple[Any, Any]] = {}
    for name, distribution in known.items():
        if record.get(name) == distribution:
            value = trial._suggest(name, distribution)  # recorded now: in flight, it is seen
        else:
            value = _proposal(study, trial, name, distribution)
        proposals[name] = (distribution.to_dict(), value)
    for name, value in trial._fixed_params.items():
        proposals.setdefault(name, (None, value))
    return trial, proposals


def _record(study: Study, trial: Trial, outcome: _Outcome,
            catch: tuple[type[BaseException], ...]) -> tuple[FrozenTrial, BaseException | None]:
    """Record what the worker did, tell the trial; return it and an error to raise."""
    storage, study_id, number = study._storage, study._study_id, trial.number
    for name, (description, value) in outcome.params.items():
        distribution = distribution_from_dict(description)
        if trial._distributions.get(name) != distribution or trial._params.get(name) != value:
            storage.set_trial_param(study_id, number, name, distribution, value)
            trial._params[name] = value
            trial._distributions[name] = distribution
    for step, value in outcome.reports.items():
        storage.set_trial_intermediate_value(study_id, number, step, value)
    for key, value in outcome.attrs.items():
        storage.set_trial_user_attr(study_id, number, key, value)
    for key, value in outcome.system_attrs.items():
        storage.set_trial_system_attr(study_id, number, key, value)
    if outcome.kind == "pruned":
        return study.tell(trial, state=TrialState.PRUNED), None
    if outcome.kind == "error":
        frozen = study.tell(trial, state=TrialState.FAIL)
        error = outcome.error
        assert error is not None
        if isinstance(error, catch):
            warnings.warn(f"Trial {number} failed with {type(error).__name__}: {error}",
                          stacklevel=4)
            return frozen, None
        return frozen, error
    values, problem = as_objective_values(outcome.output, len(study.directions))
    if problem is not None:
        warnings.warn(f"Trial {number} failed: the objective's {problem}", stacklevel=4)
        return study.tell(trial, state=TrialState.FAIL), None
    return study.tell(trial, values), None


def _executor_error(number: int, error: BaseException) -> BaseException:
    """A clear error for a failure of the executor itself (not of the objective)."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, pickle.PicklingError) or "pickle" in text.lower():
        return TypeError(
            f"Trial {number} could not be sent to or returned from the executor ({text}). "
            "The objective, the parameters and the returned value must be picklable: "
            "define the objective at module level, or use threads."
        )
    return RuntimeError(f"The executor failed to evaluate trial {number} ({text}).")


def _lost_worker(failure: BaseException) -> bool:
    """Whether ``failure`` is the loss of the worker process, not an error of the executor.

    Such a trial fails and the run goes on: `WorkerPool` replaced the worker,
    and Dask (``KilledWorker``, matched by name: dask is not imported here)
    reschedules on its other workers.
    """
    return isinstance(failure, (WorkerDied, WorkerTimeout)) or \
        type(failure).__name__ == "KilledWorker"


def _run_remote(
    study: Study,
    func: ObjectiveFunc,
    budget: _Budget,
    catch: tuple[type[BaseException], ...],
    callbacks: list[Callable[[Study, FrozenTrial], None]],
    advance: Callable[[FrozenTrial], None],
    executor: concurrent.futures.Executor,
    n_jobs: int,
) -> None:
    """Keep at most ``n_jobs`` trials in flight in ``executor``; tell each as it returns."""
    prunable = isinstance(study.pruner, NopPruner)
    seed = int(np.random.SeedSequence().entropy % 2**63)  # type: ignore[operator]
    in_flight: dict[concurrent.futures.Future[_Outcome], Trial] = {}
    error: BaseException | None = None
    try:
        while True:
            while error is None and len(in_flight) < n_jobs and budget.take():
                trial, proposals = _dispatch(study)
                try:
                    future = executor.submit(_evaluate, func, trial.number, proposals, seed,
                                             prunable)
                except Exception as submit_error:
                    study.tell(trial, state=TrialState.FAIL)
                    error = _executor_error(trial.number, submit_error)
                    error.__cause__ = submit_error
                    break
                in_flight[future] = trial
            if not in_flight:
                break
            done, _ = concurrent.futures.wait(
                in_flight, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                trial = in_flight.pop(future)
                failure = future.exception()
                if failure is not None and _lost_worker(failure):
                    reason = f"{type(failure).__name__}: {failure}"
                    trial.set_system_attr(FAIL_REASON, reason)
                    frozen = study.tell(trial, state=TrialState.FAIL)
                    warnings.warn(f"Trial {trial.number} failed: {reason}", stacklevel=3)
                elif failure is not None:
                    trial.set_system_attr(FAIL_REASON, f"{type(failure).__name__}: {failure}")
                    frozen = study.tell(trial, state=TrialState.FAIL)
                    if error is None:
                        error = _executor_error(trial.number, failure)
                        error.__cause__ = failure
                else:
                    outcome = future.result()
                    frozen, raised = _record(study, trial, outcome, catch)
                    if raised is not None and error is None:
                        error = raised
                        if outcome.text and hasattr(error, "add_note"):
                            error.add_note(f"Raised in the worker:\n{outcome.text}")
                for callback in callbacks:
                    callback(study, frozen)
                advance(frozen)
    except BaseException:
        # Interrupted in the driver: the trials in flight will never be told.
        for future, trial in in_flight.items():
            future.cancel()
            with contextlib.suppress(Exception):
                study.tell(trial, state=TrialState.FAIL)
        raise
    if error is not None:
        raise error
