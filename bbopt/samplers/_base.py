"""The sampler interface.

A sampler proposes parameter values in *internal* coordinates (see
`bbopt.FloatDistribution`); the trial decodes them into user values. At each
`Study.ask` the study calls, in order:

1. ``before_trial(study, trial)``;
2. ``infer_relative_search_space(study, trial)``: the parameters the sampler
   wants to draw jointly (often the study's shared search space);
3. ``sample_relative(study, trial, search_space)``: one joint draw of those;

then every ``trial.suggest_*`` for a parameter outside the relative draw calls
``sample_independent``, and `Study.tell` calls ``after_trial`` before the
trial is finished in storage.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from bbopt._distributions import BaseDistribution
from bbopt._frozen import TrialState

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial


class BaseSampler(abc.ABC):
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
