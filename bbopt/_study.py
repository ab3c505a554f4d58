"""Studies: create, load, ask, tell, and read the results."""

from __future__ import annotations

import math
import numbers
import os
import threading
import uuid
import warnings
import weakref
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bbopt._distributions import (
    BaseDistribution,
    FloatDistribution,
    IntDistribution,
    _numeric_rows_to_external,
)
from bbopt._frozen import (
    CONSTRAINTS_KEY,
    FAIL_REASON,
    FrozenTrial,
    StudyDirection,
    TrialState,
    checked_constraints,
)
from bbopt._logging import log_finished_trial
from bbopt._trial import _NO_END, Trial
from bbopt._validation import as_objective_values, ensure_bool, ensure_int
from bbopt.pruners import BasePruner, NopPruner
from bbopt.samplers import BaseSampler, ConstraintsError, SamplingContext
from bbopt.samplers._constraints import constraints_func_of, record, violations
from bbopt.storage import BaseStorage, DuplicatedStudyError, TrialFinishedError
from bbopt.storage._urls import storage_from_url

if TYPE_CHECKING:
    import concurrent.futures

    import numpy as np
    import pandas

    from bbopt.storage import Observations, RunningPoints

ObjectiveFunc = Callable[[Trial], "float | Sequence[float]"]
_FIXED_PARAMS = "fixed_params"

#: The columns of `Study.trials_dataframe` by default (Optuna's).
DATAFRAME_ATTRS = ("number", "value", "datetime_start", "datetime_complete", "duration",
                   "params", "user_attrs", "system_attrs", "constraints", "state")
_NESTED_FIELDS = frozenset({"params", "user_attrs", "system_attrs", "intermediate_values",
                            "distributions"})
_DATAFRAME_FIELDS = _NESTED_FIELDS | {"number", "value", "values", "datetime_start",
                                      "datetime_complete", "duration", "state", "last_step",
                                      "constraints"}


class Study:
    """A named optimization: its objective directions, sampler, pruner and trials.

    Create one with `create_study` or `load_study`.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> for _ in range(30):
    ...     trial = study.ask()
    ...     x = trial.suggest_float("x", -5, 5)
    ...     study.tell(trial, (x - 2) ** 2)  # doctest: +ELLIPSIS
    FrozenTrial(...)
    ...
    >>> abs(study.best_params["x"] - 2) < 1
    True
    """

    def __init__(
        self,
        study_name: str,
        storage: BaseStorage,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
    ) -> None:
        self._storage = storage
        self._study_id = storage.get_study_id_from_name(study_name)
        self.study_name = study_name
        self._directions = storage.get_study_directions(self._study_id)
        # What identifies the study to samplers (`SamplingContext.study_key`).
        self._key = (_storage_key(storage), self._study_id)
        self.sampler = _ensure_sampler(sampler)
        self.pruner = _ensure_pruner(pruner)
        if len(self._directions) > 1 and not self.sampler.supports_multi_objective:
            raise ValueError(
                f"{type(self.sampler).__name__} does not support several objectives; "
                f"this study has {len(self._directions)}."
            )
        self._stop_requested = False

    def __setstate__(self, state: dict[str, Any]) -> None:
        # The unpickled storage takes the original's key, as samplers pickled with the study
        # (or apart from it) keyed their state of this study on it.
        self.__dict__.update(state)
        self._key = (_storage_key(self._storage, self._key[0]), self._study_id)

    # -- directions ------------------------------------------------------
    @property
    def directions(self) -> list[StudyDirection]:
        """The direction of each objective."""
        return list(self._directions)

    @property
    def direction(self) -> StudyDirection:
        """The direction of the single objective (RuntimeError with several)."""
        self._require_single_objective("direction")
        return self._directions[0]

    def _require_single_objective(self, what: str) -> None:
        if len(self._directions) > 1:
            raise RuntimeError(
                f"Study.{what} is for single-objective studies; this one has "
                f"{len(self._directions)} objectives (use best_trials for the Pareto set)."
            )

    # -- ask and tell ----------------------------------------------------
    def ask(self, fixed_distributions: Mapping[str, BaseDistribution] | None = None) -> Trial:
        """Start a trial and return it.

        Parameters
        ----------
        fixed_distributions : dict of str to distribution, optional
            Parameters to suggest at once; their values are in ``trial.params``.

        Returns
        -------
        Trial
            A running trial: call its ``suggest_*`` methods, then `tell`.
        """
        if fixed_distributions is not None:
            _check_distributions(fixed_distributions)
        number, popped = self._storage.start_trial(self._study_id)
        fixed: Mapping[str, Any] = {}
        if popped:
            fixed = self._storage.get_trial(self._study_id, number).system_attrs.get(
                _FIXED_PARAMS, {}
            )
        trial = Trial(self, number, fixed)
        try:
            trial._start()
            if fixed_distributions:
                trial._suggest_all(fixed_distributions)
        except BaseException as error:
            # The number was never handed out: leave no RUNNING trial behind.
            self._fail_unreturned(number, error)
            raise
        return trial

    def _fail_unreturned(self, number: int, error: BaseException) -> None:
        """Mark FAIL a trial whose ask failed, with the error in its system attributes."""
        try:
            self._storage.set_trial_system_attr(
                self._study_id, number, FAIL_REASON,
                f"ask failed: {type(error).__name__}: {error}")
            self._storage.finish_trial(self._study_id, number, TrialState.FAIL, None)
        except Exception as cleanup:  # the storage itself failed: say so with the cause
            error.add_note(f"Trial {number} could not be marked FAIL: {cleanup!r}")

    def ask_batch(
        self, n: int, fixed_distributions: Mapping[str, BaseDistribution] | None = None
    ) -> list[Trial]:
        """Start ``n`` trials at once, for evaluating a population in parallel.

        Each trial is asked while the previous ones are running, so samplers
        that account for running trials (constant liar) spread them out.

        Parameters
        ----------
        n : int
            Number of trials, >= 1.
        fixed_distributions : dict of str to distribution, optional
            As in `ask`.

        Returns
        -------
        list of Trial
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(
                f"The 'n' parameter of Study.ask_batch must be an int >= 1. Got {n!r} instead."
            )
        return [self.ask(fixed_distributions) for _ in range(int(n))]

    def ask_array(
        self, n: int, space: Mapping[str, BaseDistribution]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Start ``n`` trials of a fixed numeric space at once, as arrays.

        The fast path for vectorised objectives: the sampler draws the ``n``
        points jointly (`bbopt.samplers.BaseSampler.sample_array`; samplers
        without it are asked ``n`` times, as `ask_batch` does) and the storage
        records the ``n`` running trials at once. Finish them with
        `tell_array`. Trials enqueued with `enqueue_trial` are left for `ask`.

        Parameters
        ----------
        n : int
            Number of trials, >= 1.
        space : dict of str to FloatDistribution or IntDistribution
            The parameters of every trial, at least one.

        Returns
        -------
        numbers : ndarray of shape (n,)
            The trials' numbers (int64).
        X : ndarray of shape (n, len(space))
            Their parameters in user space, columns in the order of ``space``
            (ints as floats); ``trial.params`` of each trial holds the same values.

        Examples
        --------
        >>> import numpy as np
        >>> import bbopt
        >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
        >>> space = {"x": bbopt.FloatDistribution(-5, 5), "k": bbopt.IntDistribution(1, 3)}
        >>> numbers, X = study.ask_array(1000, space)
        >>> study.tell_array(numbers, X[:, 0] ** 2 + X[:, 1])
        >>> X.shape, len(study.trials), study.best_value < 1.1
        ((1000, 2), 1000, True)
        """
        import numpy as np

        owner = "Study.ask_array"
        n = ensure_int(n, "n", owner, minimum=1)
        _check_distributions(space)
        if not space or not all(isinstance(d, (FloatDistribution, IntDistribution))
                                for d in space.values()):
            raise ValueError(
                f"The 'space' parameter of {owner} must be a non-empty dict of FloatDistribution "
                f"and IntDistribution. Got {space!r} instead."
            )
        space = dict(space)
        params = list(space.items())
        storage, study_id = self._storage, self._study_id
        context = SamplingContext(
            -1, self._directions, (self.study_name, study_id),
            lambda: storage.get_observations(study_id),
            lambda: storage.get_running_points(study_id),
        )
        internal = self.sampler.sample_array(context, space, n)
        if internal is None:
            trials = [self.ask(space) for _ in range(n)]
            numbers = np.array([trial.number for trial in trials], dtype=np.int64)
            X = np.array([[trial._params[name] for name in space] for trial in trials],
                         dtype=np.float64)
            return numbers, X
        X = _numeric_rows_to_external(list(space.values()), internal)  # type: ignore[arg-type]
        return storage.create_running_trials(study_id, params, X), X

    def tell_array(self, numbers: Sequence[int] | np.ndarray, values: Any) -> None:
        """Finish running trials at once with their objective values.

        The counterpart of `ask_array` (any running trials may be told). A row
        with a NaN or infinite value marks its trial FAIL, with a warning, as
        `tell` does.

        Parameters
        ----------
        numbers : array-like of int, shape (n,)
            Distinct numbers of running trials.
        values : array-like of float, shape (n,) or (n, n_objectives)

        Examples
        --------
        >>> import bbopt
        >>> study = bbopt.create_study()
        >>> numbers, X = study.ask_array(4, {"x": bbopt.FloatDistribution(0, 1)})
        >>> study.tell_array(numbers, X[:, 0])
        >>> [t.state.name for t in study.trials]
        ['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']
        """
        import numpy as np

        owner = "Study.tell_array"
        numbers_array = np.asarray(numbers)
        if numbers_array.ndim != 1 or not (
                numbers_array.dtype.kind in "iu" or numbers_array.size == 0):
            raise ValueError(
                f"The 'numbers' parameter of {owner} must be a 1-d array of ints. "
                f"Got {numbers!r} instead."
            )
        numbers_array = numbers_array.astype(np.int64)
        n = numbers_array.shape[0]
        n_trials = self._storage.get_n_trials(self._study_id)
        if n and (numbers_array.min() < 0 or numbers_array.max() >= n_trials
                  or not _distinct(numbers_array)):
            raise ValueError(
                f"The 'numbers' parameter of {owner} must be distinct trial numbers "
                f"(0 to {n_trials - 1}). Got {numbers!r} instead."
            )
        n_obj = len(self._directions)
        try:
            values_array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            values_array = None
        if values_array is not None and values_array.ndim == 1 and n_obj == 1:
            values_array = values_array[:, None]
        if values_array is None or values_array.shape != (n, n_obj):
            raise ValueError(
                f"The 'values' parameter of {owner} must be an array of {n} floats per "
                f"objective, shape ({n},) or ({n}, {n_obj}). Got {values!r} instead."
            )
        finite = np.isfinite(values_array).all(axis=1)
        states = np.where(finite, int(TrialState.COMPLETE), int(TrialState.FAIL)).astype(np.int8)
        if not finite.all():
            warnings.warn(
                f"Trials {numbers_array[~finite].tolist()} returned non-finite values; "
                "they are marked FAIL.",
                stacklevel=2,
            )
        sampler = self.sampler
        constraints_func = constraints_func_of(sampler)
        has_end = type(sampler).end is not _NO_END
        if has_end or constraints_func is not None:
            for k, (number, state, row) in enumerate(zip(
                    numbers_array.tolist(), states.tolist(), values_array.tolist())):
                context = Trial(self, number, {})._sampling_context()
                try:
                    record(constraints_func, context, TrialState(state))
                    if has_end:
                        sampler.end(context, TrialState(state),
                                    row if state == int(TrialState.COMPLETE) else None)
                except ConstraintsError as error:
                    states[k] = int(TrialState.FAIL)
                    self._fail_for_constraints(number, error)
                    if error.__cause__ is not None:
                        self._storage.finish_trials(self._study_id, numbers_array, states,
                                                    values_array)
                        raise
        self._storage.finish_trials(self._study_id, numbers_array, states, values_array)

    def _fail_for_constraints(self, number: int, error: ConstraintsError) -> None:
        """Record why trial ``number`` fails for its constraint values (and warn)."""
        self._storage.set_trial_system_attr(self._study_id, number, FAIL_REASON, str(error))
        if error.__cause__ is None:
            warnings.warn(f"Trial {number} is marked FAIL: {error}", stacklevel=3)

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial with its objective value(s) or a state.

        Parameters
        ----------
        trial : Trial or int
            The trial or its number.
        values : float or sequence of float, optional
            One value per objective; required for a COMPLETE trial. A NaN or
            infinite value marks the trial FAIL with a warning.
        state : TrialState, optional
            COMPLETE (the default when values are given), PRUNED (its value
            is the intermediate value at its largest step) or FAIL; PRUNED
            and FAIL take no values.
        skip_if_finished : bool, default False
            Return the trial unchanged if it already finished, instead of
            raising ValueError.

        Returns
        -------
        FrozenTrial
            The finished trial.
        """
        number = self._trial_number(trial)
        sampler = self.sampler
        constraints_func = constraints_func_of(sampler)
        has_end = type(sampler).end is not _NO_END
        # A trial asked from this study is running unless something finished it
        # since; when nothing runs before tell_trial, which checks that itself, its
        # state is read only if tell_trial refuses it (one storage call fewer).
        read_first = not isinstance(trial, Trial) or has_end or constraints_func is not None
        if read_first:
            done = self._finished_or_raise(number, skip_if_finished)
            if done is not None:
                return done
        try:
            state, checked = self._checked_outcome(number, values, state)
        except ValueError:
            if not read_first:  # an error about the trial's state comes first
                done = self._finished_or_raise(number, skip_if_finished)
                if done is not None:
                    return done
            raise
        try:
            if has_end or constraints_func is not None:
                live = trial if isinstance(trial, Trial) else Trial(self, number, {})
                context = live._sampling_context()
                record(constraints_func, context, state)
                if has_end:
                    sampler.end(context, state, checked)
        except ConstraintsError as error:  # the trial fails; a raising function raises again
            state, checked = TrialState.FAIL, None
            self._fail_for_constraints(number, error)
            if error.__cause__ is not None:
                raise
        finally:
            frozen, told = self._tell_storage(number, state, checked,
                                              None if read_first else skip_if_finished)
        if not told:
            return frozen
        log_finished_trial(number, state.name, checked, frozen.params, self._best_or_none)
        return frozen

    def _tell_storage(self, number: int, state: TrialState, checked: list[float] | None,
                      skip_if_finished: bool | None) -> tuple[FrozenTrial, bool]:
        """`tell_trial`, and whether it told; a trial found finished, unless
        ``skip_if_finished`` is None, gives what `_finished_or_raise` gives."""
        try:
            return self._storage.tell_trial(self._study_id, number, state, checked), True
        except TrialFinishedError:
            done = None if skip_if_finished is None else self._finished_or_raise(
                number, skip_if_finished)
            if done is None:
                raise
            return done, False

    def _finished_or_raise(self, number: int, skip_if_finished: bool) -> FrozenTrial | None:
        """None if trial ``number`` is running; the trial if it finished and
        ``skip_if_finished``; else the ValueError of `tell`."""
        current = self._storage.get_trial_state(self._study_id, number)
        if current.is_finished():
            if skip_if_finished:
                return self._storage.get_trial(self._study_id, number)
            raise ValueError(
                f"Trial {number} is already finished ({current.name}); "
                "pass skip_if_finished=True to ignore a second tell."
            )
        if current != TrialState.RUNNING:
            raise ValueError(f"Trial {number} is {current.name}, not RUNNING.")
        return None

    def _best_or_none(self) -> FrozenTrial | None:
        """The best complete trial of a single-objective study, None if there is none."""
        observations = self.get_observations()
        if len(self._directions) > 1 or observations.best_row < 0:
            return None
        return self._storage.get_trial(
            self._study_id, int(observations.numbers[observations.best_row]))

    def _trial_number(self, trial: Trial | int) -> int:
        if isinstance(trial, Trial):
            if trial._storage is not self._storage or trial._study_id != self._study_id:
                raise ValueError(f"Trial {trial.number} belongs to another study.")
            return trial.number
        if isinstance(trial, bool) or not isinstance(trial, numbers.Integral):
            raise TypeError(
                f"The 'trial' parameter of Study.tell must be a Trial or a trial number. "
                f"Got {trial!r} instead."
            )
        n_trials = self._storage.get_n_trials(self._study_id)
        if not 0 <= trial < n_trials:
            raise ValueError(
                f"The 'trial' parameter of Study.tell must be an existing trial number "
                f"(0 to {n_trials - 1}). Got {trial!r} instead."
            )
        return int(trial)

    def _checked_outcome(
        self,
        number: int,
        values: float | Sequence[float] | None,
        state: TrialState | None,
    ) -> tuple[TrialState, list[float] | None]:
        """Validate what `tell` was given; return the final state and values."""
        if state is None and type(values) is float and len(self._directions) == 1 and (
                -math.inf < values < math.inf):
            return TrialState.COMPLETE, [values]  # the common case, valid as it is
        if state is None:
            if values is None:
                raise ValueError(
                    f"Study.tell of trial {number} needs 'values' or a 'state'. Got neither."
                )
            state = TrialState.COMPLETE
        if not isinstance(state, TrialState) or not state.is_finished():
            raise ValueError(
                f"The 'state' parameter of Study.tell must be COMPLETE, PRUNED or FAIL. "
                f"Got {state!r} instead."
            )
        if state != TrialState.COMPLETE and values is not None:
            raise ValueError(
                f"Study.tell of trial {number}: a {state.name} trial takes no values "
                f"(a pruned trial keeps its last intermediate value). Got {values!r}."
            )
        if state == TrialState.FAIL:
            return state, None
        if state == TrialState.PRUNED:
            if len(self._directions) > 1:
                raise ValueError("Trials of a study with several objectives cannot be pruned.")
            record = self._storage.get_trial(self._study_id, number)
            last_step = record.last_step
            last = None if last_step is None else record.intermediate_values[last_step]
            return state, [last] if last is not None and math.isfinite(last) else None
        checked, problem = as_objective_values(values, len(self._directions))
        if problem is not None:
            raise ValueError(f"Study.tell of trial {number}: {problem}")
        assert checked is not None
        if not all(math.isfinite(v) for v in checked):
            warnings.warn(
                f"Trial {number} returned a non-finite value {checked!r}; it is marked FAIL.",
                stacklevel=3,
            )
            return TrialState.FAIL, None
        return state, checked

    def _sampling_context(self, trial: Trial) -> SamplingContext:
        """The arrays the sampler reads for ``trial``: each read from storage at most once."""
        return _StudyContext(self, trial)

    # -- optimize --------------------------------------------------------
    def optimize(
        self,
        func: ObjectiveFunc,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        show_progress_bar: bool = False,
        executor: concurrent.futures.Executor | str | None = None,
        trial_timeout: float | None = None,
        gc_after_trial: bool = False,
    ) -> None:
        """Run trials of ``func`` until ``n_trials``, ``timeout`` or `stop`.

        Parameters
        ----------
        func : callable
            The objective: takes a `Trial`, returns a float (a sequence of
            floats with several objectives). Raising `TrialPruned` ends the
            trial as PRUNED; any other exception ends it as FAIL and is
            raised again unless its type is in ``catch``.
        n_trials : int, optional
            Number of trials to run (all trials of this call, across jobs).
        timeout : float, optional
            Seconds after which no new trial starts.
        n_jobs : int, default 1
            Trials evaluated at once; -1 for one per CPU (or per worker of
            ``executor``).
        catch : exception type or iterable of them
            Exceptions that fail a trial without stopping the study.
        callbacks : iterable of callables, optional
            Each is called as ``callback(study, frozen_trial)`` after every trial.
        show_progress_bar : bool, default False
            Show a tqdm progress bar (the ``progress`` extra).
        executor : "thread", "process" or concurrent.futures.Executor, optional
            Where trials run. Default: in this thread (``n_jobs=1``) or in
            ``n_jobs`` threads. ``"process"``: a pool of ``n_jobs`` processes.
            An executor (a process pool, ``dask.distributed.Client(...)
            .get_executor()``, ...): ``func`` runs there on a lightweight trial
            while the sampler stays here, with at most ``n_jobs`` trials in
            flight; see `bbopt._optimize` for what such a trial can do. With
            ``"process"``, a worker that dies (a segfault, ``os.abort()``,
            ``os._exit()``) fails only its trial, with the signal or exit code
            in its ``system_attrs["fail_reason"]`` and a warning, and is
            replaced; with another executor, a worker lost by the executor
            (Dask's ``KilledWorker``) fails its trial the same way.
        trial_timeout : float, optional
            With ``executor="process"`` only: seconds a trial may run before
            its worker is killed and the trial marked FAIL (``timeout`` cannot
            interrupt a running objective; threads cannot be killed).
        gc_after_trial : bool, default False
            Run the garbage collector (`gc.collect`) after each trial, for
            objectives that leave reference cycles holding much memory.
        """
        from bbopt._optimize import run_optimize

        run_optimize(self, func, n_trials, timeout, n_jobs, catch, callbacks, show_progress_bar,
                     executor, trial_timeout, gc_after_trial)

    def stop(self) -> None:
        """Ask a running `optimize` to start no new trial."""
        self._stop_requested = True

    # -- results ---------------------------------------------------------
    def get_observations(self) -> Observations:
        """Return the columnar arrays of finished trials (for samplers)."""
        return self._storage.get_observations(self._study_id)

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials in number order (copies)."""
        return self.get_trials()

    def get_trials(
        self, deepcopy: bool = True, states: Collection[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """Return trials in number order, optionally only those in ``states``.

        With ``deepcopy=False`` the records may be shared with the storage:
        read them, do not change them.
        """
        return self._storage.get_all_trials(self._study_id, deepcopy=deepcopy, states=states)

    @property
    def best_trial(self) -> FrozenTrial:
        """The complete trial with the best value (single objective).

        With constraint values (``constraints_func`` of the samplers), the
        best feasible trial; ValueError if no trial is feasible yet.
        """
        import numpy as np

        self._require_single_objective("best_trial")
        observations = self.get_observations()
        if observations.best_row < 0:
            raise ValueError(f"Study {self.study_name!r} has no complete trial yet.")
        row = observations.best_row
        if observations.constraints.shape[1]:
            complete = self._feasible_complete_rows(observations)
            if complete.size == 0:
                raise ValueError(f"Study {self.study_name!r} has no feasible complete trial yet "
                                 "(one whose constraint values are all <= 0).")
            scores = observations.values[complete, 0] * observations.signs[0]
            row = int(complete[np.argmin(scores)])
        return self._storage.get_trial(self._study_id, int(observations.numbers[row]))

    @staticmethod
    def _feasible_complete_rows(observations: Observations) -> np.ndarray:
        """Observation rows of the COMPLETE trials that are feasible (all of them unconstrained).

        In a study whose trials record constraint values, a trial without
        them counts as infeasible.
        """
        import numpy as np

        complete = observations.states == TrialState.COMPLETE
        if observations.constraints.shape[1]:
            complete &= violations(observations.constraints) == 0.0
        return np.flatnonzero(complete)

    @property
    def best_value(self) -> float:
        """The best objective value (single objective)."""
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_params(self) -> dict[str, Any]:
        """Parameters of `best_trial`."""
        return self.best_trial.params

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The complete trials that no other complete trial dominates (the Pareto set).

        With constraint values (``constraints_func`` of the samplers), only
        feasible trials count; empty if none is.
        """
        observations = self.get_observations()
        complete = self._feasible_complete_rows(observations)
        scores = observations.values[complete] * observations.signs
        from bbopt._multi_objective import pareto_front_rows  # numpy and the kernels

        rows = complete[pareto_front_rows(scores)]
        return [
            self._storage.get_trial(self._study_id, int(n)) for n in observations.numbers[rows]
        ]

    # -- adding trials ---------------------------------------------------
    def enqueue_trial(self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None,
                      skip_if_exists: bool = False) -> None:
        """Queue parameters for the next trial that `ask` starts.

        Parameters named here take these values when suggested (a value
        outside the suggested distribution is ignored with a warning);
        others are sampled as usual.

        Parameters
        ----------
        params : dict
            Parameter name to value (None, bool, int, float or str).
        user_attrs : dict, optional
            User attributes of the queued trial.
        skip_if_exists : bool, default False
            Queue nothing if a trial of the study (queued, running or
            finished) already has these values for these parameters: for
            scripts that enqueue the same starting points on every restart.

        Examples
        --------
        >>> import bbopt
        >>> study = bbopt.create_study()
        >>> study.enqueue_trial({"x": 0.5})
        >>> study.enqueue_trial({"x": 0.5}, skip_if_exists=True)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        >>> [t.params for t in study.trials]
        [{'x': 0.5}]
        """
        if not isinstance(params, Mapping):
            raise TypeError(
                f"The 'params' parameter of Study.enqueue_trial must be a dict. Got {params!r}."
            )
        for name, value in params.items():
            if not isinstance(name, str):
                raise TypeError(f"Parameter names must be str. Got {name!r} in {params!r}.")
            if value is not None and not isinstance(value, (bool, int, float, str)):
                raise TypeError(
                    f"The value of {name!r} in Study.enqueue_trial must be None, bool, int, "
                    f"float or str. Got {value!r}."
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(
                    f"The value of {name!r} in Study.enqueue_trial must be finite. Got {value!r}."
                )
        if ensure_bool(skip_if_exists, "skip_if_exists", "Study.enqueue_trial") and any(
            _same_params(trial, params) for trial in self.get_trials(deepcopy=False)
        ):
            return
        template = FrozenTrial(
            -1, TrialState.WAITING, None, {}, {},
            user_attrs=dict(user_attrs or {}),
            system_attrs={_FIXED_PARAMS: dict(params)},
        )
        self._storage.create_new_trial(self._study_id, template)

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished trial, e.g. from another study (warm start).

        Parameters
        ----------
        trial : FrozenTrial
            Built with `bbopt.create_trial` or taken from another study.
        """
        self._check_finished_trial(trial)
        self._storage.create_new_trial(self._study_id, trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Add several finished trials (see `add_trial`); all or none are added."""
        trials = list(trials)
        for trial in trials:
            self._check_finished_trial(trial)
        for trial in trials:
            self._storage.create_new_trial(self._study_id, trial)

    def _check_finished_trial(self, trial: FrozenTrial) -> None:
        """Raise if ``trial`` cannot be added to this study."""
        if not isinstance(trial, FrozenTrial):
            raise TypeError(
                f"The 'trial' parameter of Study.add_trial must be a FrozenTrial. Got {trial!r}."
            )
        if not trial.state.is_finished():
            raise ValueError(
                f"Study.add_trial takes finished trials. Got state {trial.state.name}."
            )
        _check_distributions(trial.distributions)
        for name, distribution in trial.distributions.items():
            if name not in trial.params or not distribution.contains(trial.params[name]):
                raise ValueError(
                    f"The value {trial.params.get(name)!r} of parameter {name!r} in "
                    f"Study.add_trial is not in {distribution!r}."
                )
        if CONSTRAINTS_KEY in trial.system_attrs:
            constraints = checked_constraints(trial.system_attrs[CONSTRAINTS_KEY],
                                              "constraints", "Study.add_trial")
            expected = self.get_observations().constraints.shape[1]
            if expected and len(constraints) != expected:
                raise ValueError(
                    f"The constraints of a trial given to Study.add_trial must have the study's "
                    f"length {expected}. Got {constraints!r}.")
        if trial.state == TrialState.COMPLETE:
            checked, problem = as_objective_values(trial.values, len(self._directions))
            if problem is not None or not all(math.isfinite(v) for v in checked or ()):
                raise ValueError(
                    f"A COMPLETE trial given to Study.add_trial needs "
                    f"{len(self._directions)} finite value(s). Got {trial.values!r}."
                )

    # -- attributes and export -------------------------------------------
    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes of the study (a copy)."""
        return self._storage.get_study_user_attrs(self._study_id)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a JSON-serialisable user attribute of the study."""
        if not isinstance(key, str):
            raise TypeError(
                f"The 'key' parameter of Study.set_user_attr must be a str. Got {key!r} instead."
            )
        self._storage.set_study_user_attr(self._study_id, key, value)

    def trials_records(self) -> list[dict[str, Any]]:
        """Return every trial as a flat dict of plain Python values.

        Keys: ``number``, ``state``, ``value`` (or ``values_0``, ``values_1``,
        ...), ``datetime_start``, ``datetime_complete``, ``duration`` (seconds),
        ``params_<name>``, ``user_attrs_<key>`` and ``system_attrs_<key>``
        (for instance ``system_attrs_auto:algorithm``, the algorithm of
        `bbopt.samplers.AutoSampler` that proposed the trial).
        """
        n_objectives = len(self._directions)
        records = []
        for trial in self.get_trials(deepcopy=False):
            record: dict[str, Any] = {"number": trial.number, "state": trial.state.name}
            values: list[float | None] = [None] * n_objectives
            if trial.values is not None:
                values = list(trial.values)
            if n_objectives == 1:
                record["value"] = values[0]
            else:
                record.update({f"values_{i}": v for i, v in enumerate(values)})
            duration = trial.duration
            record["datetime_start"] = trial.datetime_start
            record["datetime_complete"] = trial.datetime_complete
            record["duration"] = None if duration is None else duration.total_seconds()
            record.update({f"params_{k}": v for k, v in trial.params.items()})
            record.update({f"user_attrs_{k}": v for k, v in trial.user_attrs.items()})
            record.update({f"system_attrs_{k}": v for k, v in trial.system_attrs.items()})
            records.append(record)
        return records

    def trials_dataframe(
        self, attrs: Sequence[str] = DATAFRAME_ATTRS, multi_index: bool = False
    ) -> pandas.DataFrame:
        """Return the trials as a pandas DataFrame, one row per trial (the ``pandas`` extra).

        Parameters
        ----------
        attrs : sequence of str, default Optuna's
            Which fields of `FrozenTrial` become columns, in this order:
            ``number``, ``value`` (``values`` with several objectives; either
            name works), ``datetime_start``, ``datetime_complete``,
            ``duration`` (a timedelta), ``params``, ``user_attrs``,
            ``system_attrs``, ``intermediate_values``, ``distributions``,
            ``state`` (the state's name), ``last_step`` and ``constraints``
            (one column per constraint value, for trials that recorded some).
        multi_index : bool, default False
            Columns as a two-level MultiIndex (``("params", "x")``,
            ``("number", "")``) instead of flat names (``params_x``,
            ``number``).

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import bbopt
        >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> list(study.trials_dataframe(attrs=("number", "value", "params", "state")).columns)
        ['number', 'value', 'params_x', 'state']
        """
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "Study.trials_dataframe needs pandas: pip install 'bbopt[pandas]'."
            ) from None
        if isinstance(attrs, str) or not all(isinstance(a, str) for a in attrs):
            raise TypeError(
                "The 'attrs' parameter of Study.trials_dataframe must be a sequence of str. "
                f"Got {attrs!r} instead."
            )
        unknown = [a for a in attrs if a not in _DATAFRAME_FIELDS]
        if unknown:
            raise ValueError(
                f"The 'attrs' parameter of Study.trials_dataframe names unknown fields "
                f"{unknown!r}. Known: {sorted(_DATAFRAME_FIELDS)!r}."
            )
        n_objectives = len(self._directions)
        rows = []
        for trial in self.get_trials(deepcopy=False):
            row: dict[tuple[str, str], Any] = {}
            for attr in attrs:
                if attr in ("value", "values"):
                    values = trial.values if trial.values is not None else [None] * n_objectives
                    if n_objectives == 1:
                        row[("value", "")] = values[0]
                    else:
                        row.update({("values", str(i)): v for i, v in enumerate(values)})
                elif attr in _NESTED_FIELDS:
                    nested = getattr(trial, attr)
                    row.update({(attr, str(k)): v for k, v in nested.items()})
                elif attr == "state":
                    row[("state", "")] = trial.state.name
                elif attr == "constraints":
                    constraints = trial.system_attrs.get(CONSTRAINTS_KEY)
                    if isinstance(constraints, list):
                        row.update({("constraints", str(i)): v
                                    for i, v in enumerate(constraints)})
                else:
                    row[(attr, "")] = getattr(trial, attr)
            rows.append(row)
        columns: list[tuple[str, str]] = []
        for attr in attrs:
            keys = {key for row in rows for key in row if key[0] == attr
                    or (attr in ("value", "values") and key[0] in ("value", "values"))}
            columns.extend(sorted((k for k in keys if k not in columns), key=_column_order))
        frame = pandas.DataFrame([[row.get(c) for c in columns] for row in rows])
        if multi_index:
            frame.columns = pandas.MultiIndex.from_tuples(columns)
        else:
            frame.columns = pandas.Index([f"{a}_{k}" if k else a for a, k in columns])
        return frame

    def __repr__(self) -> str:
        return f"Study(study_name={self.study_name!r}, directions={self._directions})"


# A key per storage object, unique across processes (a pickled study's storage keeps its
# key, so a pickled sampler finds its state of that study): a study is (storage key, id).
_STORAGE_KEYS: weakref.WeakKeyDictionary[BaseStorage, str] = weakref.WeakKeyDictionary()


def _storage_key(storage: BaseStorage, key: str | None = None) -> str:
    """The key of ``storage``; the first call decides it (``key``, or a new random one)."""
    known = _STORAGE_KEYS.get(storage)
    if known is None:
        known = _STORAGE_KEYS.setdefault(storage, key or uuid.uuid4().hex)
    return known


def _same_params(trial: FrozenTrial, params: Mapping[str, Any]) -> bool:
    """Whether ``trial`` has (or, queued, will have) every value of ``params``."""
    given = trial.params
    if trial.state in (TrialState.WAITING, TrialState.RUNNING):
        given = {**trial.system_attrs.get(_FIXED_PARAMS, {}), **given}
    return all(name in given and given[name] == value for name, value in params.items())


def _column_order(column: tuple[str, str]) -> tuple[str, int, int, str]:
    """Sort key of a DataFrame column: numbered sub-keys (objectives, steps) by number."""
    attr, key = column
    return (attr, 0, int(key), "") if key.isdigit() else (attr, 1, 0, key)


def _distinct(numbers: np.ndarray) -> bool:
    """Whether the 1-d array ``numbers`` has no repeated element.

    Increasing numbers (what `Study.ask_array` returns) need no sort.
    """
    import numpy as np

    return bool((numbers[1:] > numbers[:-1]).all()) or np.unique(numbers).size == numbers.size


def _check_distributions(distributions: Mapping[str, BaseDistribution]) -> None:
    if not isinstance(distributions, Mapping):
        raise TypeError(f"Expected a dict of name to distribution. Got {distributions!r}.")
    for name, distribution in distributions.items():
        if not isinstance(name, str) or not isinstance(distribution, BaseDistribution):
            raise TypeError(
                f"Expected a dict of str to distribution. Got {name!r}: {distribution!r}."
            )


class _StudyContext(SamplingContext):
    """The sampling context of a trial of a study: reads the study's storage, at most
    once each (what `SamplingContext`'s callables do, without building them per ask)."""

    __slots__ = ("_storage", "_study_id")

    def __init__(self, study: Study, trial: Trial) -> None:  # noqa: D107
        self.trial_number = trial.number
        self.directions = list(study._directions)
        self.study_key = study._key
        self.study = study
        self.trial = trial
        self._storage = study._storage
        self._study_id = study._study_id
        self._observations = None
        self._running = None
        self._system_attrs = None
        self.constraints = None

    def trial_system_attrs(self) -> dict[int, dict[str, Any]]:
        if self._system_attrs is None:
            self._system_attrs = {
                t.number: t.system_attrs
                for t in self._storage.get_all_trials(self._study_id, deepcopy=False)}
        return self._system_attrs

    def _read(self, observations: bool) -> None:
        """Read the observations (or the running points); both in one storage call when
        neither was read yet and the storage can."""
        if self._observations is None and self._running is None:
            both = self._storage.get_observations_and_running(self._study_id)
            if both is not None:
                self._observations = both[0]
                self._running = both[1].without(self.trial_number)
                return
        if observations:
            self._observations = self._storage.get_observations(self._study_id)
        else:
            self._running = self._storage.get_running_points(self._study_id).without(
                self.trial_number)

    @property
    def observations(self) -> Observations:
        if self._observations is None:
            self._read(observations=True)
        assert self._observations is not None
        return self._observations

    @property
    def running(self) -> RunningPoints:
        if self._running is None:
            self._read(observations=False)
        assert self._running is not None
        return self._running

    def note_draw(self, params: Mapping[str, tuple[BaseDistribution, float]]) -> None:
        if params:
            self._storage.note_running_point(self._study_id, self.trial_number, params)

    def set_system_attr(self, key: str, value: Any) -> None:
        self.trial.set_system_attr(key, value)


def _ensure_sampler(sampler: BaseSampler | None) -> BaseSampler:
    if sampler is None:
        from bbopt.samplers import AutoSampler  # loads the GP: only when a study needs it

        return AutoSampler()
    if not isinstance(sampler, BaseSampler):
        raise TypeError(f"The 'sampler' parameter must be a BaseSampler. Got {sampler!r}.")
    return sampler


def _ensure_pruner(pruner: BasePruner | None) -> BasePruner:
    if pruner is None:
        return NopPruner()
    if not isinstance(pruner, BasePruner):
        raise TypeError(f"The 'pruner' parameter must be a BasePruner. Got {pruner!r}.")
    return pruner


def _ensure_storage(storage: BaseStorage | str | os.PathLike[str] | None,
                    existing: bool = False) -> BaseStorage:
    """The storage of ``storage``; with ``existing``, an SQLite file must already exist.

    `load_study` and `delete_study` use ``existing``: a mistyped path raises
    `StudyNotFoundError` instead of creating an empty database there.
    """
    if storage is None:
        from bbopt.storage import InMemoryStorage

        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    return storage_from_url(storage, existing=existing)


def _ensure_directions(
    direction: str | StudyDirection | None, directions: Sequence[str | StudyDirection] | None
) -> list[StudyDirection]:
    if direction is not None and directions is not None:
        raise ValueError(
            f"Give 'direction' or 'directions', not both. Got {direction!r} and {directions!r}."
        )
    if directions is None:
        directions = [direction or "minimize"]
    if isinstance(directions, str) or not isinstance(directions, Sequence) or not directions:
        raise ValueError(
            f"The 'directions' parameter must be a non-empty list of 'minimize'/'maximize'. "
            f"Got {directions!r} instead."
        )
    result = []
    for d in directions:
        if isinstance(d, StudyDirection):
            result.append(d)
        elif d in ("minimize", "maximize"):
            result.append(StudyDirection.MINIMIZE if d == "minimize" else StudyDirection.MAXIMIZE)
        else:
            raise ValueError(
                f"A direction must be 'minimize' or 'maximize'. Got {d!r} instead."
            )
    return result


def create_study(
    study_name: str | None = None,
    direction: str | StudyDirection | None = None,
    directions: Sequence[str | StudyDirection] | None = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    storage: BaseStorage | str | None = None,
    load_if_exists: bool = False,
) -> Study:
    """Create a study (or load it with ``load_if_exists``).

    Parameters
    ----------
    study_name : str, optional
        Unique name in the storage; a random one by default.
    direction : {"minimize", "maximize"}, default "minimize"
        For a single objective.
    directions : list of {"minimize", "maximize"}, optional
        One per objective, for several objectives.
    sampler : BaseSampler, optional
        Default: `bbopt.samplers.AutoSampler` (it chooses among bbopt's
        samplers as the study grows; see the guide "Which sampler?").
    pruner : BasePruner, optional
        Default: `bbopt.pruners.NopPruner`.
    storage : BaseStorage or str, optional
        Default: a new `bbopt.storage.InMemoryStorage`. A URL
        ``"sqlite:///path.db"`` or a plain file path opens (or creates) a
        `bbopt.storage.SQLiteStorage`; ``"postgresql://user:password@host/db"``
        a `bbopt.storage.PostgreSQLStorage`; ``"journal:///path.log"`` a
        `bbopt.storage.JournalFileStorage` (see docs/scaling.md).
    load_if_exists : bool, default False
        Load the study of that name if it exists instead of raising.

    Returns
    -------
    Study

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(directions=["minimize", "maximize"])
    >>> len(study.directions)
    2
    """
    resolved = _ensure_directions(direction, directions)
    storage = _ensure_storage(storage)
    if study_name is None:
        study_name = f"study-{uuid.uuid4().hex[:12]}"
    elif not isinstance(study_name, str) or not study_name:
        raise ValueError(
            f"The 'study_name' parameter must be a non-empty str. Got {study_name!r} instead."
        )
    with _CREATE_LOCK:
        for _ in range(2):
            if load_if_exists and study_name in storage.get_all_study_names():
                study = Study(study_name, storage, sampler, pruner)
                if study.directions != resolved:
                    raise ValueError(
                        f"Study {study_name!r} exists with directions {study.directions}, "
                        f"not {resolved}."
                    )
                return study
            try:
                storage.create_new_study(resolved, study_name)
                break
            except DuplicatedStudyError:
                # With load_if_exists, another process may have created it since the
                # look-up: look again.
                if not load_if_exists:
                    raise
    return Study(study_name, storage, sampler, pruner)


_CREATE_LOCK = threading.Lock()


def load_study(
    study_name: str,
    storage: BaseStorage | str,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
) -> Study:
    """Load an existing study by name (`bbopt.storage.StudyNotFoundError` if absent).

    Parameters
    ----------
    study_name : str
    storage : BaseStorage or str
        A storage, a URL (``"sqlite:///path.db"``, ``"postgresql://..."``,
        ``"journal:///path.log"``) or a file path (SQLite), as in `create_study`.
    sampler, pruner : optional
        As in `create_study`.

    Returns
    -------
    Study

    Examples
    --------
    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> _ = bbopt.create_study(study_name="runs", storage=storage)
    >>> bbopt.load_study("runs", storage).study_name
    'runs'
    """
    if storage is None:
        raise ValueError("The 'storage' parameter of load_study is required. Got None.")
    return Study(study_name, _ensure_storage(storage, existing=True), sampler, pruner)


def delete_study(study_name: str, storage: BaseStorage | str) -> None:
    """Delete a study and all its trials from ``storage``.

    Examples
    --------
    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> _ = bbopt.create_study(study_name="old", storage=storage)
    >>> bbopt.delete_study("old", storage)
    >>> storage.get_all_study_names()
    []
    """
    storage = _ensure_storage(storage, existing=True)
    storage.delete_study(storage.get_study_id_from_name(study_name))


def get_all_study_names(storage: BaseStorage | str) -> list[str]:
    """Return the names of the studies in ``storage``, in creation order.

    Parameters
    ----------
    storage : BaseStorage or str
        A storage, an SQLite URL ``"sqlite:///path.db"`` or a file path.

    Examples
    --------
    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> _ = bbopt.create_study(study_name="a", storage=storage)
    >>> _ = bbopt.create_study(study_name="b", storage=storage)
    >>> bbopt.get_all_study_names(storage)
    ['a', 'b']
    """
    if storage is None:
        raise ValueError("The 'storage' parameter of get_all_study_names is required. Got None.")
    return _ensure_storage(storage).get_all_study_names()


def copy_study(
    *,
    from_study_name: str,
    from_storage: BaseStorage | str,
    to_storage: BaseStorage | str,
    to_study_name: str | None = None,
) -> None:
    """Copy a study, its user attributes and all its trials into another storage.

    Trials keep their order, states, parameters, values, intermediate values
    and attributes (their numbers start from 0 in the copy). Running trials
    are copied as running; queued ones stay queued.

    Parameters
    ----------
    from_study_name : str
    from_storage, to_storage : BaseStorage or str
        Storages or storage URLs as in `create_study` (the same storage is
        allowed with another ``to_study_name``); ``bbopt copy-study`` on the
        command line.
    to_study_name : str, optional
        Name of the copy; default ``from_study_name``.
        `bbopt.storage.DuplicatedStudyError` if it exists in ``to_storage``.

    Examples
    --------
    >>> import bbopt
    >>> source, target = bbopt.storage.InMemoryStorage(), bbopt.storage.InMemoryStorage()
    >>> study = bbopt.create_study(study_name="s", storage=source)
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    >>> bbopt.copy_study(from_study_name="s", from_storage=source, to_storage=target)
    >>> len(bbopt.load_study("s", target).trials)
    3
    """
    source = _ensure_storage(from_storage, existing=True)
    target = _ensure_storage(to_storage)
    from_id = source.get_study_id_from_name(from_study_name)
    name = from_study_name if to_study_name is None else to_study_name
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"The 'to_study_name' parameter of copy_study must be a non-empty str. Got "
            f"{to_study_name!r} instead."
        )
    trials = source.get_all_trials(from_id, deepcopy=False)
    to_id = target.create_new_study(source.get_study_directions(from_id), name)
    for key, value in source.get_study_user_attrs(from_id).items():
        target.set_study_user_attr(to_id, key, value)
    for trial in trials:
        target.create_new_trial(to_id, trial)
