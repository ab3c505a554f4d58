"""Studies: create, load, ask, tell, and read the results."""

from __future__ import annotations

import concurrent.futures
import math
import numbers
import os
import threading
import uuid
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bbopt._distributions import BaseDistribution
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt._multi_objective import pareto_front_rows
from bbopt._trial import Trial
from bbopt._validation import as_objective_values
from bbopt.pruners import BasePruner, NopPruner
from bbopt.samplers import BaseSampler, RandomSampler, SamplingContext
from bbopt.storage import (
    BaseStorage,
    DuplicatedStudyError,
    InMemoryStorage,
    Observations,
)
from bbopt.storage._urls import storage_from_url

if TYPE_CHECKING:
    import pandas

ObjectiveFunc = Callable[[Trial], "float | Sequence[float]"]
_FIXED_PARAMS = "fixed_params"


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
        self.sampler = _ensure_sampler(sampler)
        self.pruner = _ensure_pruner(pruner)
        if len(self._directions) > 1 and not self.sampler.supports_multi_objective:
            raise ValueError(
                f"{type(self.sampler).__name__} does not support several objectives; "
                f"this study has {len(self._directions)}."
            )
        self._stop_requested = False

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
        number = self._storage.pop_waiting_trial(self._study_id)
        if number is None:
            number = self._storage.create_new_trial(self._study_id)
            fixed: Mapping[str, Any] = {}
        else:
            fixed = self._storage.get_trial(self._study_id, number).system_attrs.get(
                _FIXED_PARAMS, {}
            )
        trial = Trial(self, number, fixed)
        trial._start()
        if fixed_distributions:
            trial._suggest_all(fixed_distributions)
        return trial

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
        state, checked = self._checked_outcome(number, values, state)
        live = trial if isinstance(trial, Trial) else Trial(self, number, {})
        try:
            self.sampler.end(live._sampling_context(), state, checked)
        finally:
            self._storage.finish_trial(self._study_id, number, state, checked)
        return self._storage.get_trial(self._study_id, number)

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
        storage, study_id, number = self._storage, self._study_id, trial.number
        return SamplingContext(
            number, self._directions, (self.study_name, study_id),
            lambda: storage.get_observations(study_id),
            lambda: storage.get_running_points(study_id),
            note=lambda params: storage.note_running_point(study_id, number, params),
            set_attr=trial.set_system_attr,
            study=self, trial=trial,
        )

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
            flight; see `bbopt._optimize` for what such a trial can do.
        """
        from bbopt._optimize import run_optimize

        run_optimize(self, func, n_trials, timeout, n_jobs, catch, callbacks, show_progress_bar,
                     executor)

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
        """The complete trial with the best value (single objective)."""
        self._require_single_objective("best_trial")
        observations = self.get_observations()
        if observations.best_row < 0:
            raise ValueError(f"Study {self.study_name!r} has no complete trial yet.")
        number = int(observations.numbers[observations.best_row])
        return self._storage.get_trial(self._study_id, number)

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
        """The complete trials that no other complete trial dominates (the Pareto set)."""
        observations = self.get_observations()
        complete = np.flatnonzero(observations.states == TrialState.COMPLETE)
        scores = observations.values[complete] * observations.signs
        rows = complete[pareto_front_rows(scores)]
        return [
            self._storage.get_trial(self._study_id, int(n)) for n in observations.numbers[rows]
        ]

    # -- adding trials ---------------------------------------------------
    def enqueue_trial(self, params: Mapping[str, Any], user_attrs: Mapping[str, Any] | None = None,
                      ) -> None:
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
        ``params_<name>`` and ``user_attrs_<key>``.
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
            records.append(record)
        return records

    def trials_dataframe(self) -> pandas.DataFrame:
        """Return `trials_records` as a pandas DataFrame (the ``pandas`` extra)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                "Study.trials_dataframe needs pandas: pip install 'bbopt[pandas]'."
            ) from None
        return pandas.DataFrame.from_records(self.trials_records())

    def __repr__(self) -> str:
        return f"Study(study_name={self.study_name!r}, directions={self._directions})"


def _check_distributions(distributions: Mapping[str, BaseDistribution]) -> None:
    if not isinstance(distributions, Mapping):
        raise TypeError(f"Expected a dict of name to distribution. Got {distributions!r}.")
    for name, distribution in distributions.items():
        if not isinstance(name, str) or not isinstance(distribution, BaseDistribution):
            raise TypeError(
                f"Expected a dict of str to distribution. Got {name!r}: {distribution!r}."
            )


def _ensure_sampler(sampler: BaseSampler | None) -> BaseSampler:
    if sampler is None:
        return RandomSampler()
    if not isinstance(sampler, BaseSampler):
        raise TypeError(f"The 'sampler' parameter must be a BaseSampler. Got {sampler!r}.")
    return sampler


def _ensure_pruner(pruner: BasePruner | None) -> BasePruner:
    if pruner is None:
        return NopPruner()
    if not isinstance(pruner, BasePruner):
        raise TypeError(f"The 'pruner' parameter must be a BasePruner. Got {pruner!r}.")
    return pruner


def _ensure_storage(storage: BaseStorage | str | os.PathLike[str] | None) -> BaseStorage:
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    return storage_from_url(storage)


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
        Default: `bbopt.samplers.RandomSampler`.
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
    return Study(study_name, _ensure_storage(storage), sampler, pruner)


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
    storage = _ensure_storage(storage)
    storage.delete_study(storage.get_study_id_from_name(study_name))
