"""The running trial handed to objectives: define-by-run suggestions."""

from __future__ import annotations

import datetime
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bbopt._distributions import (
    BaseDistribution,
    CategoricalChoice,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from bbopt._frozen import CONSTRAINTS_KEY, FrozenTrial
from bbopt._validation import ensure_finite_real, ensure_int
from bbopt.samplers import ArraySampler
from bbopt.storage._checks import check_name, check_step

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt.samplers import SamplingContext

# Distributions built by suggest_* calls, by their arguments: validating and
# building one costs more than the rest of a suggestion.
_DISTRIBUTION_CACHE: dict[tuple[Any, ...], BaseDistribution] = {}
_DISTRIBUTION_CACHE_SIZE = 4096
# Floats without a step, bounds of one type (float or int): by ``(low, high, log)``.
_FLOAT_CACHE: dict[tuple[Any, ...], BaseDistribution] = {}


def _cached(key: tuple[Any, ...], factory: type[BaseDistribution], *args: Any) -> Any:
    try:
        distribution = _DISTRIBUTION_CACHE.get(key)
    except TypeError:  # unhashable arguments: let the constructor say what is wrong
        return factory(*args)
    if distribution is None:
        distribution = factory(*args)
        if len(_DISTRIBUTION_CACHE) >= _DISTRIBUTION_CACHE_SIZE:
            _DISTRIBUTION_CACHE.clear()
        _DISTRIBUTION_CACHE[key] = distribution
    return distribution


# Hooks that do nothing: a trial skips them (and builds its context only when needed).
_NO_BEGIN = ArraySampler.begin
_NO_JOINT_SPACE = ArraySampler.joint_space
_NO_END = ArraySampler.end


def fixed_value(distribution: BaseDistribution, value: Any) -> Any:
    """Return a given value (known to be in ``distribution``) with the type a suggestion has."""
    if isinstance(distribution, FloatDistribution):
        return float(value)
    if isinstance(distribution, IntDistribution):
        return int(value)
    return value


class BaseTrial:
    """What objectives call on a trial: ``suggest_*``, ``report`` and attributes.

    Subclasses say how a new parameter gets its value (`_new_param`) and
    where reports go (`_store_report`); this class builds and caches the
    distributions, returns the same value for a repeated name and validates
    reports.
    """

    __slots__ = ()

    number: int
    _params: dict[str, Any]
    _distributions: dict[str, BaseDistribution]
    _reported_steps: set[int]

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]``.

        Parameters
        ----------
        name : str
            Parameter name, unique within the trial.
        low, high : float
            Bounds (inclusive).
        step : float, optional
            Grid spacing from ``low``.
        log : bool, default False
            Sample in log space (``low > 0``).

        Returns
        -------
        float
        """
        kind = type(low)
        if step is None and (kind is float or kind is int) and type(high) is kind and (
                log is False or log is True):
            # The common case, keyed without the types (equal keys give equal distributions).
            distribution = _FLOAT_CACHE.get((low, high, log))
            if distribution is None:
                distribution = FloatDistribution(low, high, log)
                if len(_FLOAT_CACHE) >= _DISTRIBUTION_CACHE_SIZE:
                    _FLOAT_CACHE.clear()
                _FLOAT_CACHE[low, high, log] = distribution
        else:
            key = ("float", low, high, step, log, type(low), type(high), type(step), type(log))
            distribution = _cached(key, FloatDistribution, low, high, log, step)
        return self._suggest(name, distribution)  # type: ignore[no-any-return]

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an int in ``[low, high]`` on the grid ``low + k * step``.

        Parameters
        ----------
        name : str
        low, high : int
            Bounds (inclusive).
        step : int, default 1
        log : bool, default False
            Sample in log space (``low >= 1``, ``step == 1``).

        Returns
        -------
        int
        """
        key = ("int", low, high, step, log, type(low), type(high), type(step), type(log))
        distribution = _cached(key, IntDistribution, low, high, log, step)
        return self._suggest(name, distribution)  # type: ignore[no-any-return]

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoice]
    ) -> CategoricalChoice:
        """Suggest one of ``choices`` (None, bool, int, float or str).

        Parameters
        ----------
        name : str
        choices : sequence

        Returns
        -------
        One element of ``choices``.
        """
        key: tuple[Any, ...]
        try:
            key = ("categorical", type(choices), tuple(choices), tuple(type(c) for c in choices))
        except TypeError:  # not a sequence: let the constructor say what is wrong
            key = ("categorical", choices)
        return self._suggest(name, _cached(key, CategoricalDistribution, choices))

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        known = self._distributions.get(name)
        if known is not None:
            return self._repeat(name, known, distribution)
        if type(name) is not str or not name.isascii():  # what check_name lets through at once
            check_name(name, "name", "Trial.suggest")
        value = self._new_param(name, distribution)
        self._params[name] = value
        self._distributions[name] = distribution
        return value

    def _repeat(self, name: str, known: BaseDistribution, distribution: BaseDistribution) -> Any:
        """The value of a name suggested before (with ``known``), or ValueError."""
        if known != distribution:
            raise ValueError(
                f"The parameter {name!r} was already suggested in trial {self.number} "
                f"with {known!r}; it cannot change to {distribution!r}."
            )
        return self._params[name]

    def _new_param(self, name: str, distribution: BaseDistribution) -> Any:
        """Choose (and record) the value of a parameter suggested for the first time."""
        raise NotImplementedError

    def report(self, value: float, step: int) -> None:
        """Report an intermediate objective value at ``step`` (for pruning).

        Parameters
        ----------
        value : float
            The intermediate value, finite.
        step : int
            A non-negative step (epoch, iteration); reporting a step twice
            keeps the first value and warns.
        """
        value = ensure_finite_real(value, "value", "Trial.report")
        step = check_step(step, "Trial.report")
        if step in self._reported_steps:
            warnings.warn(
                f"Trial {self.number} already reported a value at step {step}; "
                f"the new value {value!r} is ignored.",
                stacklevel=2,
            )
            return
        self._store_report(value, step)
        self._reported_steps.add(step)

    def _store_report(self, value: float, step: int) -> None:
        """Record a validated intermediate value."""
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far (a copy)."""
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far (a copy)."""
        return dict(self._distributions)


class Trial(BaseTrial):
    """A running trial: suggests parameters and reports progress.

    Obtained from `Study.ask` or passed to the objective by `Study.optimize`.
    Asking for the same name again with the same distribution returns the
    same value; with a different distribution it raises ValueError.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=1))
    >>> trial = study.ask()
    >>> x = trial.suggest_float("x", 1e-3, 1.0, log=True)
    >>> kind = trial.suggest_categorical("kind", ["a", "b"])
    >>> n = trial.suggest_int("n", 1, 9, step=2) if kind == "a" else 0
    >>> trial.suggest_float("x", 1e-3, 1.0, log=True) == x
    True
    >>> study.tell(trial, x + n).state.name
    'COMPLETE'
    """

    __slots__ = ("study", "number", "_study_id", "_storage", "_sampler", "_params",
                 "_distributions", "_fixed_params", "_relative_space", "_relative_params",
                 "_reported_steps", "_context", "_constraints", "_write")

    def __init__(self, study: Study, number: int, fixed_params: Mapping[str, Any]) -> None:
        self.study = study
        self.number = number
        self._study_id = study._study_id
        self._storage = study._storage
        self._sampler = study.sampler
        self._params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._fixed_params = dict(fixed_params)
        self._relative_space: dict[str, BaseDistribution] = {}
        self._relative_params: dict[str, float] = {}
        self._reported_steps: set[int] = set()
        self._constraints: dict[str, float] = {}
        self._context: SamplingContext | None = None
        self._write: Callable[[str, BaseDistribution, Any], None] | None = None

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started (as stored)."""
        return self._storage.get_trial(self._study_id, self.number).datetime_start

    def _sampling_context(self) -> SamplingContext:
        """The context the sampler reads for this trial (built once)."""
        if self._context is None:
            self._context = self.study._sampling_context(self)
        return self._context

    def _start(self) -> None:
        """Run the sampler's per-trial hooks and its joint draw.

        Hooks a sampler leaves at `ArraySampler`'s defaults (which do nothing)
        are not called, and the context is then built only when first needed.
        """
        sampler = self._sampler
        kind = type(sampler)
        begins = kind.begin is not _NO_BEGIN
        if not begins and kind.joint_space is _NO_JOINT_SPACE:
            return
        context = self._sampling_context()
        if begins:
            sampler.begin(context)
        space = sampler.joint_space(context)
        if space:
            self._relative_space = space
            self._relative_params = sampler.sample_joint(context, space)
            if self._relative_params:
                # As the trial will record them: on their grids.
                context.note_draw({
                    name: (space[name], space[name].to_internal(space[name].to_external(value)))
                    for name, value in self._relative_params.items() if name in space
                })

    # -- suggestions -----------------------------------------------------
    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        # BaseTrial._suggest with _new_param inline: this is the path of every suggestion.
        known = self._distributions.get(name)
        if known is not None:
            return self._repeat(name, known, distribution)
        if type(name) is not str or not name.isascii():  # what check_name lets through at once
            check_name(name, "name", "Trial.suggest")
        if self._fixed_params or self._relative_params or distribution._single:
            value = self._choose(name, distribution)
        else:  # the common case of _choose
            value = distribution.to_external(self._sampler.sample_one(
                self._context or self._sampling_context(), name, distribution))
        (self._write or self._writer())(name, distribution, value)
        self._params[name] = value
        self._distributions[name] = distribution
        return value

    def _writer(self) -> Callable[[str, BaseDistribution, Any], None]:
        """The storage's writer of this trial's parameters (taken at the first one)."""
        self._write = self._storage._param_writer(self._study_id, self.number)
        return self._write

    def _suggest_all(self, distributions: Mapping[str, BaseDistribution]) -> None:
        """Suggest every parameter of ``distributions``, stored in one storage call."""
        new: dict[str, tuple[BaseDistribution, Any]] = {}
        for name, distribution in distributions.items():
            if name in self._distributions:
                self._suggest(name, distribution)  # a repeat: same value, or an error
            else:
                value = self._choose(name, distribution)
                new[name] = (distribution, value)
                self._params[name] = value
                self._distributions[name] = distribution
        if new:
            self._storage.set_trial_params(self._study_id, self.number, new)

    def _choose(self, name: str, distribution: BaseDistribution) -> Any:
        """Return the value of a new parameter: fixed, jointly drawn, or sampled alone."""
        if self._fixed_params and name in self._fixed_params and self._fixed_value_fits(
            name, distribution
        ):
            return fixed_value(distribution, self._fixed_params[name])
        if (
            self._relative_params
            and self._relative_space.get(name) == distribution
            and name in self._relative_params
        ):
            return distribution.to_external(self._relative_params[name])
        if distribution._single:
            return distribution.to_external(distribution.internal_bounds()[0])
        internal = self._sampler.sample_one(self._context or self._sampling_context(), name,
                                            distribution)
        return distribution.to_external(internal)

    def _fixed_value_fits(self, name: str, distribution: BaseDistribution) -> bool:
        value = self._fixed_params[name]
        if distribution.contains(value):
            return True
        warnings.warn(
            f"The fixed value {value!r} of parameter {name!r} in trial {self.number} is not in "
            f"{distribution!r}; the sampler chooses the value instead.",
            stacklevel=4,
        )
        return False

    def fix_params(self, params: Mapping[str, Any]) -> None:
        """Fix the values that later ``suggest_*`` calls of these names return.

        Used by `Study.enqueue_trial` and `bbopt.samplers.GridSampler`; a fixed
        value outside the suggested distribution is ignored with a warning.
        """
        self._fixed_params.update(params)

    # -- progress and attributes -----------------------------------------
    def _store_report(self, value: float, step: int) -> None:
        self._storage.set_trial_intermediate_value(self._study_id, self.number, step, value)

    def should_prune(self) -> bool:
        """Return whether the study's pruner says to stop this trial now.

        Raises ValueError once the trial has finished.
        """
        state = self._storage.get_trial_state(self._study_id, self.number)
        if state.is_finished():
            raise ValueError(
                f"Trial {self.number} is already finished ({state.name}): "
                "should_prune applies to running trials."
            )
        return bool(self.study.pruner.prune(self.study, self))

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable user attribute to the trial."""
        self._storage.set_trial_user_attr(self._study_id, self.number, key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        """Attach an attribute for samplers and pruners (not for users)."""
        self._storage.set_trial_system_attr(self._study_id, self.number, key, value)

    def set_constraint(self, key: str, value: float) -> None:
        """Set a constraint value of the trial (Optuna 5's form); feasible when all are <= 0.

        Kept as ``system_attrs["constraints:<key>"]`` (as Optuna does) and,
        in the order the keys were first set, as the trial's constraint
        values (``system_attrs["constraints"]``), which the samplers and
        `bbopt.Study.best_trial` read. Set the same keys in every trial. A
        second value for a key is ignored with a warning. A sampler's
        ``constraints_func``, if given, replaces these values when the trial
        is told.

        Parameters
        ----------
        key : str
        value : float
            Not NaN.

        Examples
        --------
        >>> import bbopt
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     trial.set_constraint("x_at_least_half", 0.5 - x)
        ...     return x ** 2
        >>> study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=0))
        >>> study.optimize(objective, n_trials=30)
        >>> study.best_params["x"] >= 0.5
        True
        """
        _set_constraint(self, self._constraints, key, value, "Trial.set_constraint")

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes (a copy)."""
        return self._storage.get_trial(self._study_id, self.number).user_attrs

    @property
    def intermediate_values(self) -> dict[int, float]:
        """Reported intermediate values by step (a copy)."""
        return self._storage.get_trial(self._study_id, self.number).intermediate_values

    def freeze(self) -> FrozenTrial:
        """Return the stored record of this trial (a copy)."""
        return self._storage.get_trial(self._study_id, self.number)

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, params={self._params})"



class FixedTrial(BaseTrial):
    """A trial whose ``suggest_*`` calls return given values: run an objective by hand.

    Useful to evaluate an objective at known parameters (the best ones of a
    study, say) without a study. ``report`` records intermediate values,
    ``should_prune`` is always False.

    Parameters
    ----------
    params : dict
        Parameter name to the value its ``suggest_*`` call returns.
    number : int, default 0
        The trial number the objective sees.

    Raises
    ------
    ValueError
        From ``suggest_*``, for a name not in ``params``.

    Examples
    --------
    >>> import bbopt
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     kind = trial.suggest_categorical("kind", ["a", "b"])
    ...     return x ** 2 + (kind == "b")
    >>> objective(bbopt.trial.FixedTrial({"x": 3.0, "kind": "b"}))
    10.0
    """

    __slots__ = ("number", "_params", "_distributions", "_fixed", "_reported_steps",
                 "_intermediate_values", "_user_attrs", "_system_attrs", "datetime_start")

    def __init__(self, params: Mapping[str, Any], number: int = 0) -> None:
        if not isinstance(params, Mapping):
            raise TypeError(
                f"The 'params' parameter of FixedTrial must be a dict. Got {params!r} instead."
            )
        self.number = ensure_int(number, "number", "FixedTrial", minimum=0)
        self._fixed: dict[str, Any] = dict(params)
        self._params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._reported_steps: set[int] = set()
        self._intermediate_values: dict[int, float] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self.datetime_start = datetime.datetime.now()

    def _new_param(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._fixed:
            raise ValueError(
                f"FixedTrial has no value for the parameter {name!r}: its parameters are "
                f"{sorted(self._fixed)!r}."
            )
        value = self._fixed[name]
        if not distribution.contains(value):
            warnings.warn(
                f"The fixed value {value!r} of parameter {name!r} is not in {distribution!r}.",
                stacklevel=4,
            )
            return value
        return fixed_value(distribution, value)

    def _store_report(self, value: float, step: int) -> None:
        self._intermediate_values[step] = value

    def should_prune(self) -> bool:
        """Return False: a fixed trial has no pruner."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a user attribute (kept on this object)."""
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Attach a system attribute (kept on this object)."""
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Set a constraint value (kept on this object), as `Trial.set_constraint` does.

        Examples
        --------
        >>> import bbopt
        >>> trial = bbopt.trial.FixedTrial({"x": 0.2})
        >>> trial.set_constraint("c", 0.5 - trial.suggest_float("x", 0, 1))
        >>> trial.system_attrs["constraints"]
        [0.3]
        """
        known = {k[len(CONSTRAINTS_KEY) + 1:]: v for k, v in self._system_attrs.items()
                 if k.startswith(f"{CONSTRAINTS_KEY}:")}
        _set_constraint(self, known, key, value, "FixedTrial.set_constraint")

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes (a copy)."""
        return dict(self._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        """System attributes (a copy)."""
        return dict(self._system_attrs)

    @property
    def intermediate_values(self) -> dict[int, float]:
        """Reported intermediate values by step (a copy)."""
        return dict(self._intermediate_values)

    def __repr__(self) -> str:
        return f"FixedTrial(number={self.number}, params={self._fixed})"


def _set_constraint(trial: Any, known: dict[str, float], key: Any, value: Any,
                    owner: str) -> None:
    """Check and set constraint ``key`` of ``trial`` (``known``: the keys set so far)."""
    if not isinstance(key, str):
        raise TypeError(f"The 'key' parameter of {owner} must be a str. Got {key!r} instead.")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"The 'value' parameter of {owner} must be a real number. Got {value!r} instead."
        )
    if math.isnan(value):
        raise ValueError(f"The 'value' parameter of {owner} must not be NaN (key {key!r}).")
    if key in known:
        warnings.warn(f"Trial {trial.number} already has the constraint {key!r}; the new "
                      "value is ignored.", stacklevel=3)
        return
    known[key] = float(value)
    trial.set_system_attr(f"{CONSTRAINTS_KEY}:{key}", float(value))
    trial.set_system_attr(CONSTRAINTS_KEY, list(known.values()))
