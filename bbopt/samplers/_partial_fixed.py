"""`PartialFixedSampler`: some parameters fixed, the others drawn by another sampler."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bbopt._distributions import BaseDistribution
from bbopt._frozen import TrialState
from bbopt.samplers._base import BaseSampler
from bbopt.samplers._context import SamplingContext

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial

_OWNER = "PartialFixedSampler"


class PartialFixedSampler(BaseSampler):
    """Fix some parameters to given values; ``base_sampler`` draws the others.

    The fixed parameters are left out of the base sampler's joint draws. A
    fixed value outside the distribution that the objective suggests raises
    ValueError at that suggestion (Optuna warns and stores it; a bbopt trial
    keeps its values inside their distributions).

    Parameters
    ----------
    fixed_params : mapping of str to value
        Parameter names and their (user-space) values.
    base_sampler : BaseSampler
        The sampler of every other parameter.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.samplers import PartialFixedSampler, TPESampler
    >>> sampler = PartialFixedSampler({"y": 0}, TPESampler(seed=0))
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("y", -3, 3) ** 2,
    ...                n_trials=15)
    >>> {t.params["y"] for t in study.trials}
    {0}
    """

    def __init__(self, fixed_params: Mapping[str, Any], base_sampler: BaseSampler) -> None:
        if not isinstance(fixed_params, Mapping) or not all(
                isinstance(name, str) for name in fixed_params):
            raise TypeError(
                f"The 'fixed_params' parameter of {_OWNER} must be a mapping of parameter names "
                f"to values. Got {fixed_params!r} instead."
            )
        if not isinstance(base_sampler, BaseSampler):
            raise TypeError(
                f"The 'base_sampler' parameter of {_OWNER} must be a bbopt sampler. "
                f"Got {base_sampler!r} instead."
            )
        self._fixed_params = dict(fixed_params)
        self._base_sampler = base_sampler

    @property  # type: ignore[misc]
    def supports_multi_objective(self) -> bool:  # type: ignore[override]
        """Whether the base sampler handles several objectives."""
        return self._base_sampler.supports_multi_objective

    def reseed_rng(self, seed: int | None = None) -> None:
        self._base_sampler.reseed_rng(seed)

    def set_budget(self, n_trials: int | None) -> None:
        self._base_sampler.set_budget(n_trials)

    def _fixed(self, name: str, distribution: BaseDistribution) -> float:
        value = self._fixed_params[name]
        if not distribution.contains(value):
            raise ValueError(
                f"{_OWNER}: the fixed value {value!r} of parameter {name!r} is not in its "
                f"distribution {distribution!r}."
            )
        return distribution.to_internal(value)

    # Optuna-style methods, for callers that use them directly.
    def infer_relative_search_space(self, study: Study, trial: Trial
                                    ) -> dict[str, BaseDistribution]:
        space = self._base_sampler.infer_relative_search_space(study, trial)
        return {k: v for k, v in space.items() if k not in self._fixed_params}

    def sample_relative(self, study: Study, trial: Trial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, float]:
        return self._base_sampler.sample_relative(study, trial, search_space)

    def sample_independent(self, study: Study, trial: Trial, name: str,
                           distribution: BaseDistribution) -> float:
        if name in self._fixed_params:
            return self._fixed(name, distribution)
        return self._base_sampler.sample_independent(study, trial, name, distribution)

    def before_trial(self, study: Study, trial: Trial) -> None:
        self._base_sampler.before_trial(study, trial)

    def after_trial(self, study: Study, trial: Trial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self._base_sampler.after_trial(study, trial, state, values)

    # The array-level hooks that the study calls.
    def begin(self, context: SamplingContext) -> None:
        self._base_sampler.begin(context)

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        space = self._base_sampler.joint_space(context)
        return {k: v for k, v in space.items() if k not in self._fixed_params}

    def sample_joint(self, context: SamplingContext, space: dict[str, BaseDistribution]
                     ) -> dict[str, float]:
        return self._base_sampler.sample_joint(context, space)

    def sample_one(self, context: SamplingContext, name: str,
                   distribution: BaseDistribution) -> float:
        if name in self._fixed_params:
            return self._fixed(name, distribution)
        return self._base_sampler.sample_one(context, name, distribution)

    def end(self, context: SamplingContext, state: TrialState,
            values: Sequence[float] | None) -> None:
        self._base_sampler.end(context, state, values)
