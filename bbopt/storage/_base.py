"""The storage interface: studies, their trials and their observation arrays."""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bbopt._distributions import BaseDistribution, IntDistribution
from bbopt._exceptions import BboptError
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt._picklable import PicklableLocks

if TYPE_CHECKING:
    import numpy as np

    from bbopt.storage._observations import Observations, RunningPoints


class StudyNotFoundError(BboptError, ValueError):
    """No study of that name or id exists in the storage.

    Examples
    --------
    >>> import bbopt
    >>> try:
    ...     bbopt.load_study("missing", bbopt.storage.InMemoryStorage())
    ... except bbopt.storage.StudyNotFoundError:
    ...     print("not found")
    not found
    """


class DuplicatedStudyError(BboptError, ValueError):
    """A study of that name already exists in the storage.

    Examples
    --------
    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> _ = bbopt.create_study(study_name="s", storage=storage)
    >>> try:
    ...     bbopt.create_study(study_name="s", storage=storage)
    ... except bbopt.storage.DuplicatedStudyError:
    ...     print("exists; pass load_if_exists=True to load it")
    exists; pass load_if_exists=True to load it
    """


class TrialNotFoundError(BboptError, ValueError):
    """No trial of that number exists in the study.

    Examples
    --------
    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> study = bbopt.create_study(storage=storage)
    >>> try:
    ...     storage.get_trial(storage.get_study_id_from_name(study.study_name), 7)
    ... except bbopt.storage.TrialNotFoundError:
    ...     print("no trial 7")
    no trial 7
    """


class TrialFinishedError(BboptError, ValueError):
    """The trial has already finished and cannot change any more.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> trial = study.ask()
    >>> _ = study.tell(trial, 1.0)
    >>> try:
    ...     trial.report(0.5, step=0)
    ... except bbopt.storage.TrialFinishedError:
    ...     print("finished")
    finished
    """


class BaseStorage(PicklableLocks, abc.ABC):
    """Where studies and trials live; every method is atomic and thread-safe.

    Trials are identified by ``(study_id, number)``. Implementations keep the
    finished trials of each study as `Observations` so that samplers read
    them without a per-trial loop.

    Examples
    --------
    Studies and trials through the storage interface (what `Study` does for you):

    >>> import bbopt
    >>> storage = bbopt.storage.InMemoryStorage()
    >>> study = bbopt.create_study(study_name="demo", storage=storage)
    >>> _ = study.tell(study.ask(), 3.0)
    >>> study_id = storage.get_study_id_from_name("demo")
    >>> storage.get_n_trials(study_id), storage.get_trial(study_id, 0).value
    (1, 3.0)
    """

    # -- studies ---------------------------------------------------------
    @abc.abstractmethod
    def create_new_study(self, directions: Sequence[StudyDirection], study_name: str) -> int:
        """Create a study and return its id (DuplicatedStudyError if the name exists)."""

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and all its trials."""

    @abc.abstractmethod
    def get_study_id_from_name(self, study_name: str) -> int:
        """Return the id of a study (StudyNotFoundError if absent)."""

    @abc.abstractmethod
    def get_study_name(self, study_id: int) -> str:
        """Return the name of a study."""

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        """Return the objective directions of a study."""

    @abc.abstractmethod
    def get_all_study_names(self) -> list[str]:
        """Return the names of all studies, in creation order."""

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a user attribute of a study."""

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        """Return a copy of the user attributes of a study."""

    # -- trials ----------------------------------------------------------
    @abc.abstractmethod
    def create_new_trial(self, study_id: int, template: FrozenTrial | None = None) -> int:
        """Create a trial and return its number.

        Without a template the trial is RUNNING and empty. A WAITING template
        enqueues fixed parameters; a finished one is copied as it is.
        """

    @abc.abstractmethod
    def pop_waiting_trial(self, study_id: int) -> int | None:
        """Turn the oldest WAITING trial RUNNING and return its number, or None."""

    def start_trial(self, study_id: int) -> tuple[int, bool]:
        """Start the oldest WAITING trial, or else a new one: what `Study.ask` does first.

        Returns ``(number, popped)``, ``popped`` True if the trial was WAITING.
        This default is `pop_waiting_trial` then `create_new_trial`; storages
        on a server do both in one round trip.
        """
        number = self.pop_waiting_trial(study_id)
        if number is not None:
            return number, True
        return self.create_new_trial(study_id), False

    @abc.abstractmethod
    def set_trial_param(
        self, study_id: int, number: int, name: str, distribution: BaseDistribution, value: Any
    ) -> None:
        """Record the value of a parameter of a running trial."""

    def set_trial_params(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, Any]]
    ) -> None:
        """Record several parameters of a running trial: name to (distribution, value)."""
        for name, (distribution, value) in params.items():
            self.set_trial_param(study_id, number, name, distribution, value)

    def _param_writer(
        self, study_id: int, number: int
    ) -> Callable[[str, BaseDistribution, Any], None]:
        """Return ``write(name, distribution, value)``, `set_trial_param` of one trial.

        A trial that suggests parameters one by one takes it once and calls it
        for each; a storage may return something faster than the method (the
        in-memory storage writes the trial's record in place). This default
        is the method itself, so a storage that does not override it keeps
        working unchanged.
        """
        return functools.partial(self.set_trial_param, study_id, number)

    @abc.abstractmethod
    def set_trial_intermediate_value(
        self, study_id: int, number: int, step: int, value: float
    ) -> None:
        """Record an intermediate value of a running trial."""

    @abc.abstractmethod
    def set_trial_user_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        """Set a user attribute of a trial."""

    @abc.abstractmethod
    def set_trial_system_attr(self, study_id: int, number: int, key: str, value: Any) -> None:
        """Set a system attribute of a trial."""

    @abc.abstractmethod
    def finish_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> None:
        """Finish a running trial (TrialFinishedError if it already finished)."""

    def tell_trial(
        self, study_id: int, number: int, state: TrialState, values: Sequence[float] | None
    ) -> FrozenTrial:
        """Finish a running trial and return it as finished (what `Study.tell` does).

        This default is `finish_trial` then `get_trial`; storages on a server
        do both in one round trip.
        """
        self.finish_trial(study_id, number, state, values)
        return self.get_trial(study_id, number)

    @abc.abstractmethod
    def get_trial_state(self, study_id: int, number: int) -> TrialState:
        """Return the state of one trial (TrialNotFoundError if absent)."""

    @abc.abstractmethod
    def get_trial(self, study_id: int, number: int) -> FrozenTrial:
        """Return a copy of one trial (TrialNotFoundError if absent)."""

    @abc.abstractmethod
    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Collection[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        """Return the trials of a study in number order, optionally filtered by state.

        With ``deepcopy=False`` the records may be shared: do not mutate them.
        """

    @abc.abstractmethod
    def get_n_trials(self, study_id: int, states: Collection[TrialState] | None = None) -> int:
        """Return the number of trials, optionally only those in ``states``."""

    @abc.abstractmethod
    def get_observations(self, study_id: int) -> Observations:
        """Return the columnar arrays of the study's finished trials."""

    def get_running_points(self, study_id: int) -> RunningPoints:
        """Return the internal points of the study's running trials (one read).

        Columns are those of `get_observations`; a parameter not set yet is
        NaN, unless `note_running_point` gave its value. Storages keep these
        points as a block beside the observations; this default builds them
        from the running trials, for storages written elsewhere.
        """
        observations = self.get_observations(study_id)
        observations.replace_running(
            (t.number, {name: (dist, dist.to_internal(t.params[name]))
                        for name, dist in t.distributions.items()})
            for t in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
        )
        return observations.running_points()

    def get_observations_and_running(
        self, study_id: int
    ) -> tuple[Observations, RunningPoints] | None:
        """Both reads of an ask at once, or None (this default) to read them one by one.

        Storages on a server return `get_observations` and
        `get_running_points` read in one round trip; a sampling context then
        reads both when the sampler first asks for either.
        """
        return None

    def note_running_point(
        self, study_id: int, number: int, params: Mapping[str, tuple[BaseDistribution, float]]
    ) -> None:
        """Show values drawn for a running trial in `get_running_points` before they are set.

        A sampler's joint draw is known before the objective suggests each
        parameter; noting it lets other asks (constant liar, fantasies) see the
        whole point at once. Nothing is stored: the note lives in this process
        until the trial finishes. The default keeps no note.
        """

    # -- blocks of trials (the array fast path) --------------------------
    def create_running_trials(
        self, study_id: int, params: Sequence[tuple[str, BaseDistribution]],
        values: np.ndarray,
    ) -> np.ndarray:
        """Create running trials with the given parameters, one per row; return their numbers.

        Parameters
        ----------
        study_id : int
        params : sequence of (name, float or int distribution)
        values : ndarray of shape (n, len(params))
            User values (ints as floats), each in its distribution.

        Returns
        -------
        ndarray of shape (n,)
            The new trials' numbers (int64). This default creates them one by
            one; storages record them at once.
        """
        import numpy as np

        numbers = np.empty(values.shape[0], dtype=np.int64)
        for k, row in enumerate(_user_rows(params, values)):
            number = self.create_new_trial(study_id)
            self.set_trial_params(study_id, number, row)
            numbers[k] = number
        return numbers

    def finish_trials(
        self, study_id: int, numbers: np.ndarray, states: np.ndarray, values: np.ndarray
    ) -> None:
        """Finish running trials at once, as `finish_trial` each.

        Parameters
        ----------
        study_id : int
        numbers : ndarray of shape (n,)
        states : ndarray of shape (n,)
            `TrialState` codes: COMPLETE or FAIL.
        values : ndarray of shape (n, n_objectives)
            The values of the COMPLETE rows (the others are ignored).
        """
        complete = int(TrialState.COMPLETE)
        for number, state, row in zip(numbers.tolist(), states.tolist(), values.tolist()):
            self.finish_trial(study_id, number, TrialState(state),
                              row if state == complete else None)


def _user_rows(
    params: Sequence[tuple[str, BaseDistribution]], values: np.ndarray
) -> Iterator[dict[str, tuple[BaseDistribution, Any]]]:
    """Each row of ``values`` as name to (distribution, user value); ints as ints."""
    is_int = [isinstance(dist, IntDistribution) for _, dist in params]
    for row in values.tolist():
        yield {name: (dist, int(v) if as_int else v)
               for (name, dist), v, as_int in zip(params, row, is_int)}
