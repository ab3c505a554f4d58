"""The sampling context: what a sampler reads for one ask, as arrays.

`bbopt.Study` builds one `SamplingContext` per asked trial. Its observation
arrays and the points of the other running trials are read from storage at
most once each, when a sampler first asks for them, whatever the sampler and
however many parameters the trial suggests. Samplers read the study only
through it; a context can also be built from arrays alone (`from_arrays`), to
test a sampler without a study.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bbopt._distributions import BaseDistribution
from bbopt._frozen import StudyDirection

if TYPE_CHECKING:
    from bbopt.storage import Observations, RunningPoints


class SamplingContext:
    """One trial's view of its study, for samplers.

    Parameters
    ----------
    trial_number : int
        Number of the trial being sampled.
    directions : sequence of StudyDirection
        One per objective.
    study_key : hashable
        Identifies the study (same key for the same study, in any process):
        samplers keep their models per study with it.
    read_observations, read_running : callable
        Read the study's `Observations` and `RunningPoints` from storage;
        each is called at most once.
    note : callable, optional
        ``note(params)`` records a joint draw of this trial (name to
        ``(distribution, internal value)``) so that later asks see it among
        the running points before the objective suggests the parameters.
    set_attr : callable, optional
        ``set_attr(key, value)`` sets a system attribute of this trial.
    read_system_attrs : callable, optional
        Read the system attributes of all the study's trials (trial number to
        dict); called at most once, only by samplers that rebuild their state
        from storage (see `trial_system_attrs`).
    study, trial : optional
        The `bbopt.Study` and `bbopt.Trial` behind the context, for samplers
        written against ``(study, trial)``; None for a context built from arrays.

    Attributes
    ----------
    constraints : list of float or None
        This trial's constraint values once ``constraints_func`` has been
        evaluated on it (set before the sampler's ``end`` hook), else None.

    Examples
    --------
    A context built from arrays, as in a sampler's unit test:

    >>> import bbopt
    >>> from bbopt.samplers import SamplingContext
    >>> obs = bbopt.storage.Observations([bbopt.StudyDirection.MINIMIZE])
    >>> d = bbopt.FloatDistribution(0.0, 1.0)
    >>> obs.append(0, bbopt.TrialState.COMPLETE, [1.0], {"x": (d, 0.5)})
    >>> context = SamplingContext.from_arrays(obs, trial_number=1)
    >>> context.observations.x.tolist(), context.running.x.shape
    ([[0.5]], (0, 1))
    """

    __slots__ = (
        "_note",
        "_observations",
        "_read_observations",
        "_read_running",
        "_read_system_attrs",
        "_running",
        "_set_attr",
        "_system_attrs",
        "constraints",
        "directions",
        "study",
        "study_key",
        "trial",
        "trial_number",
    )

    def __init__(
        self,
        trial_number: int,
        directions: Sequence[StudyDirection],
        study_key: Any,
        read_observations: Callable[[], Observations],
        read_running: Callable[[], RunningPoints],
        note: Callable[[Mapping[str, tuple[BaseDistribution, float]]], None] | None = None,
        set_attr: Callable[[str, Any], None] | None = None,
        study: Any = None,
        trial: Any = None,
        read_system_attrs: Callable[[], dict[int, dict[str, Any]]] | None = None,
    ) -> None:
        self.trial_number = trial_number
        self.directions = list(directions)
        self.study_key = study_key
        self.study = study
        self.trial = trial
        self._read_observations = read_observations
        self._read_running = read_running
        self._note = note
        self._set_attr = set_attr
        self._read_system_attrs = read_system_attrs
        self._system_attrs: dict[int, dict[str, Any]] | None = None
        self._observations: Observations | None = None
        self._running: RunningPoints | None = None
        self.constraints: list[float] | None = None

    @classmethod
    def from_arrays(
        cls,
        observations: Observations,
        running: RunningPoints | None = None,
        trial_number: int = 0,
        study_key: Any = None,
    ) -> SamplingContext:
        """Build a context from arrays, with no study behind it.

        Parameters
        ----------
        observations : Observations
        running : RunningPoints, optional
            Points of other running trials (none by default).
        trial_number : int, default 0
        study_key : hashable, optional
            Default: the identity of ``observations``.
        """
        signs = observations.signs
        directions = [StudyDirection.MINIMIZE if s > 0 else StudyDirection.MAXIMIZE
                      for s in signs]
        if running is None:
            import numpy as np

            from bbopt.storage import RunningPoints

            running = RunningPoints(np.zeros(0, dtype=np.int64),
                                    np.empty((0, observations.n_columns)))
        fixed_running = running
        return cls(trial_number, directions,
                   id(observations) if study_key is None else study_key,
                   lambda: observations, lambda: fixed_running)

    @property
    def observations(self) -> Observations:
        """The study's finished trials (read from storage on first use)."""
        if self._observations is None:
            self._observations = self._read_observations()
        return self._observations

    @property
    def running(self) -> RunningPoints:
        """Internal points of the *other* running trials (read on first use).

        Columns are those of `observations`.
        """
        if self._running is None:
            self._running = self._read_running().without(self.trial_number)
        return self._running

    @property
    def n_objectives(self) -> int:
        """Number of objectives."""
        return len(self.directions)

    def note_draw(self, params: Mapping[str, tuple[BaseDistribution, float]]) -> None:
        """Make a joint draw of this trial visible to later asks (see ``note``)."""
        if self._note is not None and params:
            self._note(params)

    def trial_system_attrs(self) -> dict[int, dict[str, Any]]:
        """System attributes of every trial of the study, by trial number (read once).

        An O(n_trials) storage read: for a sampler that rebuilds its state from
        what it recorded in the trials (e.g. in a new process), once per study,
        never on every ask. Empty for a context built from arrays.
        """
        if self._system_attrs is None:
            read = self._read_system_attrs
            self._system_attrs = {} if read is None else read()
        return self._system_attrs

    def set_system_attr(self, key: str, value: Any) -> None:
        """Set a system attribute of this trial (nothing for a context from arrays)."""
        if self._set_attr is not None:
            self._set_attr(key, value)
