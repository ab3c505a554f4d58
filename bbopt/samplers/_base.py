"""The sampler interface.

A sampler proposes parameter values in *internal* coordinates (see
`bbopt.FloatDistribution`); the trial decodes them into user values. Each
asked trial gets one `SamplingContext` (its study's arrays, read at most once),
and the study calls the sampler's array-level hooks, in order:

1. ``begin(context)``;
2. ``joint_space(context)``: the parameters the sampler wants to draw jointly
   (often the study's shared search space);
3. ``sample_joint(context, space)``: one joint draw of those;

then every ``trial.suggest_*`` for a parameter outside the joint draw calls
``sample_one(context, name, distribution)``, and `Study.tell` calls
``end(context, state, values)`` before the trial is finished in storage.

`BaseSampler` implements these hooks by calling the Optuna-style methods
(``before_trial``, ``infer_relative_search_space``, ``sample_relative``,
``sample_independent``, ``after_trial``) with the study and the trial, so a
sampler written against ``(study, trial)`` works unchanged. `ArraySampler` is
the other way round: built-in samplers implement the array hooks, and its
Optuna-style methods call them with the trial's context.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from bbopt._distributions import BaseDistribution
from bbopt._frozen import TrialState
from bbopt._picklable import PicklableLocks
from bbopt.samplers._context import SamplingContext

if TYPE_CHECKING:
    import numpy as np

    from bbopt._study import Study
    from bbopt._trial import Trial


class BaseSampler(PicklableLocks, abc.ABC):
    """Base class of samplers; subclasses implement at least `sample_independent`.

    Examples
    --------
    A sampler that always proposes the middle of each parameter's range:

    >>> import bbopt
    >>> class MidpointSampler(bbopt.samplers.BaseSampler):
    ...     def sample_independent(self, study, trial, name, distribution):
    ...         low, high = distribution.internal_bounds()
    ...         return (low + high) / 2
    >>> study = bbopt.create_study(sampler=MidpointSampler())
    >>> study.ask().suggest_float("x", 0, 10)
    5.0
    """

    #: Whether the sampler handles studies with several objectives.
    supports_multi_objective: ClassVar[bool] = True

    def infer_relative_search_space(
        self, study: Study, trial: Trial
    ) -> dict[str, BaseDistribution]:
        """Return the parameters to draw jointly for ``trial`` (none by default)."""
        return {}

    def sample_relative(
        self, study: Study, trial: Trial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        """Draw the parameters of ``search_space`` jointly, as internal values."""
        return {}

    @abc.abstractmethod
    def sample_independent(
        self, study: Study, trial: Trial, name: str, distribution: BaseDistribution
    ) -> float:
        """Draw one parameter outside the relative search space, as an internal value."""

    def before_trial(self, study: Study, trial: Trial) -> None:
        """Hook called when a trial starts, before any sampling."""

    def after_trial(
        self, study: Study, trial: Trial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        """Hook called when a trial finishes, before it is stored as finished."""

    def reseed_rng(self, seed: int | None = None) -> None:
        """Reset the random state (a fresh random one when ``seed`` is None)."""

    def set_budget(self, n_trials: int | None) -> None:
        """Hint that ``n_trials`` more trials are coming (None: unknown); ignored by default.

        `bbopt.Study.optimize` and `bbopt.minimize` call it with their
        ``n_trials`` before the first trial; a sampler that plans by the
        budget (`bbopt.samplers.AutoSampler`) overrides it.
        """

    # -- array-level hooks: what the study calls ----------------------------
    def begin(self, context: SamplingContext) -> None:
        """Start a trial (by default, ``before_trial(study, trial)``)."""
        self.before_trial(context.study, context.trial)

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        """Parameters to draw jointly (by default, ``infer_relative_search_space``)."""
        return self.infer_relative_search_space(context.study, context.trial)

    def sample_joint(
        self, context: SamplingContext, space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        """Draw ``space`` jointly, as internal values (by default, ``sample_relative``)."""
        return self.sample_relative(context.study, context.trial, space)

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        """Draw one parameter, as an internal value (by default, ``sample_independent``)."""
        return self.sample_independent(context.study, context.trial, name, distribution)

    def end(
        self, context: SamplingContext, state: TrialState, values: Sequence[float] | None
    ) -> None:
        """Finish a trial (by default, ``after_trial(study, trial, state, values)``)."""
        self.after_trial(context.study, context.trial, state, values)

    def sample_array(
        self, context: SamplingContext, space: dict[str, BaseDistribution], n: int
    ) -> np.ndarray | None:
        """Draw ``n`` points of ``space`` at once, for `bbopt.Study.ask_array`.

        Returns an array of shape ``(n, len(space))`` of internal values
        (columns in the order of ``space``), or None (the default) when the
        sampler draws trial by trial: the study then asks ``n`` trials one by
        one. ``context`` belongs to no trial (``trial_number`` is -1); no
        other hook is called for these trials.
        """
        return None


# Each array-level hook and the Optuna-style method it stands for.
_OPTUNA_STYLE = {
    "begin": "before_trial",
    "joint_space": "infer_relative_search_space",
    "sample_joint": "sample_relative",
    "sample_one": "sample_independent",
    "end": "after_trial",
}


def _context_of(trial: Any) -> SamplingContext:
    """The sampling context of a `bbopt.Trial` (built by its study at ask)."""
    context: SamplingContext = trial._sampling_context()
    return context


class ArraySampler(BaseSampler):
    """Base class of samplers that read only a `SamplingContext`.

    Subclasses implement ``sample_one`` (and, for joint draws, ``joint_space``
    and ``sample_joint``); the Optuna-style methods call these hooks with the
    trial's context, so such a sampler can also be driven as a `BaseSampler`.

    Examples
    --------
    A sampler that proposes the best observed value of each parameter:

    >>> import bbopt
    >>> class BestSoFar(bbopt.samplers.ArraySampler):
    ...     def sample_one(self, context, name, distribution):
    ...         obs = context.observations
    ...         column = obs.column(name, distribution)
    ...         if obs.best_row < 0 or column is None:
    ...             return distribution.internal_bounds()[0]
    ...         return float(obs.x[obs.best_row, column])
    >>> study = bbopt.create_study(sampler=BestSoFar())
    >>> study.enqueue_trial({"x": 3.0})
    >>> study.optimize(lambda t: (t.suggest_float("x", 0, 5) - 3) ** 2, n_trials=3)
    >>> study.best_params
    {'x': 3.0}

    A subclass may still override an Optuna-style method (say, to record
    calls): the study then calls that override, and ``super()`` reaches the
    array-level implementation.
    """

    #: The nearest array-level implementation of each hook, by hook name.
    _array_hooks: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hooks = dict(cls._array_hooks)
        for hook, optuna_style in _OPTUNA_STYLE.items():
            if hook in cls.__dict__:
                hooks[hook] = cls.__dict__[hook]
            elif optuna_style in cls.__dict__:  # the study calls the override
                setattr(cls, hook, getattr(BaseSampler, hook))
        cls._array_hooks = hooks

    def begin(self, context: SamplingContext) -> None:
        """Start a trial (nothing by default)."""

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        """Parameters to draw jointly (none by default)."""
        return {}

    def sample_joint(
        self, context: SamplingContext, space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        """Draw ``space`` jointly (nothing by default)."""
        return {}

    @abc.abstractmethod
    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        """Draw one parameter outside the joint draw, as an internal value."""

    def end(
        self, context: SamplingContext, state: TrialState, values: Sequence[float] | None
    ) -> None:
        """Finish a trial (nothing by default)."""

    # The Optuna-style interface, through the trial's context.
    def before_trial(self, study: Study, trial: Trial) -> None:
        self._array_hooks["begin"](self, _context_of(trial))

    def infer_relative_search_space(
        self, study: Study, trial: Trial
    ) -> dict[str, BaseDistribution]:
        space: dict[str, BaseDistribution] = self._array_hooks["joint_space"](
            self, _context_of(trial))
        return space

    def sample_relative(
        self, study: Study, trial: Trial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        params: dict[str, float] = self._array_hooks["sample_joint"](
            self, _context_of(trial), search_space)
        return params

    def sample_independent(
        self, study: Study, trial: Trial, name: str, distribution: BaseDistribution
    ) -> float:
        return float(self._array_hooks["sample_one"](self, _context_of(trial), name, distribution))

    def after_trial(
        self, study: Study, trial: Trial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._array_hooks["end"](self, _context_of(trial), state, values)


ArraySampler._array_hooks = {hook: ArraySampler.__dict__[hook] for hook in _OPTUNA_STYLE}
