"""Study-level stopping rules, run as `Study.optimize` callbacks.

Each rule reads the study's `Observations` (its finished trials, in finish
order) rather than the trials it was called with, so it sees every trial of
the study: those of other threads and processes sharing the storage, and
those added with `Study.add_trials`. New rows are read once, so a call costs
O(1) Python work per new finished trial. `Study.stop` lets running trials
finish and starts no new one.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt._validation import ensure_int, ensure_real_in

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt.storage._observations import Observations

_FINISHED = frozenset((TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))


def _ensure_states(states: Any, owner: str) -> frozenset[TrialState] | None:
    if states is None:
        return None
    if isinstance(states, TrialState):
        states = (states,)
    try:
        result = frozenset(states)
    except TypeError:
        result = frozenset((None,))
    if not result or not all(isinstance(s, TrialState) for s in result):
        raise TypeError(
            f"The 'states' parameter of {owner} must be None or a non-empty collection of "
            f"TrialState. Got {states!r} instead."
        )
    return result


class _PerStudy:
    """Per-study state of a callback, created on first use; guarded by ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._states: dict[tuple[int, int], Any] = {}

    def get(self, study: Study, factory: type) -> Any:
        key = (id(study._storage), study._study_id)
        state = self._states.get(key)
        if state is None or state.storage() is not study._storage:
            state = factory(weakref.ref(study._storage))
            self._states[key] = state
        return state

    def unseen_rows(self, study: Study, factory: type) -> tuple[Any, Observations, int, int]:
        """The state of ``study`` and the observation rows ``[start, stop)`` it has not seen.

        A state whose storage lost rows is started again. The caller updates
        ``state.n_rows`` to ``stop`` once it has taken the rows in.
        """
        state = self.get(study, factory)
        observations = study.get_observations()
        stop = observations.n_rows
        if stop < state.n_rows:
            state.__init__(state.storage)
        return state, observations, state.n_rows, stop

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]


class MaxTrialsCallback:
    """Stop the study once it holds ``n_trials`` trials in ``states``.

    Unlike ``optimize(n_trials=...)``, which counts the trials of one call,
    this counts the whole study: trials of earlier calls, of other processes
    and added ones.

    Parameters
    ----------
    n_trials : int
        Number of trials, >= 1.
    states : collection of TrialState or None, default (COMPLETE,)
        The states counted; None counts every trial.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> stop = bbopt.callbacks.MaxTrialsCallback(5)
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, callbacks=[stop])
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10, callbacks=[stop])
    >>> len(study.trials)
    5
    """

    def __init__(
        self, n_trials: int, states: Collection[TrialState] | None = (TrialState.COMPLETE,)
    ) -> None:
        owner = type(self).__name__
        self._n_trials = ensure_int(n_trials, "n_trials", owner, 1)
        self._states = _ensure_states(states, owner)
        self._per_study = _PerStudy()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._count(study) >= self._n_trials:
            study.stop()

    def _count(self, study: Study) -> int:
        if self._states is None or not self._states <= _FINISHED:
            return study._storage.get_n_trials(study._study_id, self._states)
        codes = np.array(sorted(int(s) for s in self._states), dtype=np.int8)
        with self._per_study.lock:
            state, observations, start, stop = self._per_study.unseen_rows(study, _Counter)
            state.count += int(np.isin(observations.states[start:stop], codes).sum())
            state.n_rows = stop
            return state.count  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        states = None if self._states is None else sorted(s.name for s in self._states)
        return f"MaxTrialsCallback(n_trials={self._n_trials}, states={states})"


class _Counter:
    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.n_rows = 0
        self.count = 0


class NoImprovementCallback:
    """Stop the study when its best value has not improved for ``patience`` trials.

    A COMPLETE trial improves on the best value when it beats it by more
    than ``min_delta``; that trial becomes the new reference. Every other
    finished trial in ``states`` counts as one trial without improvement.
    Trials are taken in the order they finished.

    Parameters
    ----------
    patience : int
        Trials without improvement to allow, >= 1.
    min_delta : float, default 0.0
        Smallest improvement that counts, >= 0.
    states : collection of TrialState, default (COMPLETE, PRUNED)
        Finished states that count as trials (FAIL trials are not counted by
        default).

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> stop = bbopt.callbacks.NoImprovementCallback(patience=10)
    >>> study.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=1000, callbacks=[stop])
    >>> len(study.trials) < 1000
    True
    """

    def __init__(
        self,
        patience: int,
        min_delta: float = 0.0,
        states: Collection[TrialState] = (TrialState.COMPLETE, TrialState.PRUNED),
    ) -> None:
        owner = type(self).__name__
        self._patience = ensure_int(patience, "patience", owner, 1)
        self._min_delta = ensure_real_in(min_delta, "min_delta", owner, 0.0)
        found = _ensure_states(states, owner)
        if found is None or not found <= _FINISHED:
            raise ValueError(
                f"The 'states' parameter of {owner} must hold finished states (COMPLETE, "
                f"PRUNED, FAIL). Got {states!r} instead."
            )
        self._codes = frozenset(int(s) for s in found)
        self._per_study = _PerStudy()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        sign = 1.0 if study.direction == StudyDirection.MINIMIZE else -1.0
        with self._per_study.lock:
            state, observations, start, stop = self._per_study.unseen_rows(study, _Streak)
            states = observations.states[start:stop].tolist()
            scores = (sign * observations.values[start:stop, 0]).tolist()
            complete = int(TrialState.COMPLETE)
            for code, score in zip(states, scores):
                if code == complete and score < state.best - self._min_delta:
                    state.best, state.streak = score, 0
                elif code in self._codes:
                    state.streak += 1
            state.n_rows = stop
            stalled = state.streak >= self._patience
        if stalled:
            study.stop()

    def __repr__(self) -> str:
        return f"NoImprovementCallback(patience={self._patience}, min_delta={self._min_delta})"


class _Streak:
    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.n_rows = 0
        self.best = math.inf  # best score so far, as a value to minimise
        self.streak = 0


class TargetValueCallback:
    """Stop the study once a COMPLETE trial reaches ``target``.

    Reached means a value ``<= target`` when minimising, ``>= target`` when
    maximising.

    Parameters
    ----------
    target : float

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> stop = bbopt.callbacks.TargetValueCallback(0.01)
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=1000,
    ...                callbacks=[stop])
    >>> study.best_value <= 0.01 and len(study.trials) < 1000
    True
    """

    def __init__(self, target: float) -> None:
        self._target = ensure_real_in(target, "target", type(self).__name__)

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        direction = study.direction
        observations = study.get_observations()
        row = observations.best_row
        if row < 0:
            return
        best = float(observations.values[row, 0])
        if best <= self._target if direction == StudyDirection.MINIMIZE else (
                best >= self._target):
            study.stop()

    def __repr__(self) -> str:
        return f"TargetValueCallback(target={self._target})"


class TimeBudgetCallback:
    """Stop the study once ``seconds`` of wall-clock time have passed.

    The clock starts when the callback is created (or at `restart`), so one
    budget can span several `Study.optimize` calls, unlike their ``timeout``.
    Trials running when the budget runs out finish.

    Parameters
    ----------
    seconds : float
        The budget, > 0.

    Examples
    --------
    >>> import time, bbopt
    >>> study = bbopt.create_study()
    >>> stop = bbopt.callbacks.TimeBudgetCallback(0.05)
    >>> def objective(trial):
    ...     time.sleep(0.01)
    ...     return trial.suggest_float("x", 0, 1)
    >>> study.optimize(objective, n_trials=1000, callbacks=[stop])
    >>> len(study.trials) < 20
    True
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = ensure_real_in(seconds, "seconds", type(self).__name__, 0.0,
                                       low_open=True)
        self._start = time.monotonic()

    def restart(self) -> None:
        """Start the clock again, now."""
        self._start = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return time.monotonic() - self._start

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self.elapsed >= self._seconds:
            study.stop()

    def __repr__(self) -> str:
        return f"TimeBudgetCallback(seconds={self._seconds})"
