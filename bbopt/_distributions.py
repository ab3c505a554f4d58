"""Search-space distributions and their internal float encoding.

Each distribution maps a user value to one float coordinate (its *internal*
value) and back. Samplers only ever see internal values:

- ``FloatDistribution``: the value itself, or its natural log when ``log=True``;
- ``IntDistribution``: the value as a float, or its natural log when ``log=True``;
- ``CategoricalDistribution``: the index of the choice.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bbopt._validation import ensure_bool, ensure_finite_real, ensure_int, is_numpy

if TYPE_CHECKING:
    import numpy as np

CategoricalChoice = None | bool | int | float | str

# Relative tolerance when checking that a value lies on a step grid.
_GRID_RTOL = 1e-8


class BaseDistribution:
    """Interface shared by every distribution.

    Distributions are immutable, hashable and compared by value.

    Examples
    --------
    >>> import bbopt
    >>> d = bbopt.FloatDistribution(1e-3, 1.0, log=True)
    >>> isinstance(d, bbopt.BaseDistribution), d.contains(0.5), d.contains(2.0)
    (True, True, False)
    >>> d.to_external(d.to_internal(0.01))
    0.01
    """

    __slots__ = ()

    # Cached by _freeze for the suggestion path: internal_bounds() and single().
    _internal_bounds: tuple[float, float]
    _single: bool

    def to_internal(self, value: Any) -> float:
        """Encode a user value (already validated) into its internal float."""
        raise NotImplementedError

    def to_external(self, internal: float) -> Any:
        """Decode an internal float into the nearest valid user value."""
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        """Return whether ``value`` is a valid user value of this distribution."""
        raise NotImplementedError

    def single(self) -> bool:
        """Return whether the distribution has exactly one possible value."""
        raise NotImplementedError

    def internal_bounds(self) -> tuple[float, float]:
        """Return the internal interval that `to_external` maps onto all values evenly.

        A uniform internal draw in this interval decodes to a uniform draw of
        the distribution: grid points (steps, ints, choices) own the half-step
        around them, log-scaled ones in log space.
        """
        return self._internal_bounds

    def _compute_internal_bounds(self) -> tuple[float, float]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable description (see `distribution_from_dict`)."""
        raise NotImplementedError

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return self is other or (
            type(self) is type(other) and self._key() == other._key()  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]

    def _freeze(self) -> None:
        """Cache what suggestions use often, once all fields are set."""
        object.__setattr__(self, "_hash", hash((type(self).__name__, self._key())))
        object.__setattr__(self, "_internal_bounds", self._compute_internal_bounds())
        object.__setattr__(self, "_single", self.single())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "type")
        return f"{type(self).__name__}({args})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Immutable objects cannot be rebuilt field by field: rebuild from the description.
        return distribution_from_dict, (self.to_dict(),)


# Internal coordinates are floats: ints beyond 2**53 and grids of more steps
# than that have no exact float encoding.
_MAX_EXACT_INT = 2**53
_MAX_STEPS = float(2**53)


def _check_bounds(owner: str, low: float, high: float) -> None:
    if low > high:
        raise ValueError(
            f"The 'low' parameter of {owner} must be <= 'high'. Got low={low!r}, high={high!r}."
        )


def _check_log(owner: str, low: float, log: bool, step: float | None, step_default: Any) -> None:
    if log and low <= 0:
        raise ValueError(
            f"The 'low' parameter of {owner} must be > 0 when log=True. Got low={low!r}."
        )
    if log and step is not None and step != step_default:
        raise ValueError(
            f"The 'step' parameter of {owner} must be {step_default!r} when log=True. "
            f"Got step={step!r}."
        )


def _check_step_divides(owner: str, low: float, high: float, step: float) -> None:
    if step <= 0:
        raise ValueError(f"The 'step' parameter of {owner} must be > 0. Got step={step!r}.")
    if isinstance(low, int) and isinstance(high, int) and isinstance(step, int):
        if (high - low) % step:  # exact: a float ratio cannot tell 10**9 + 1 from 10**9
            raise ValueError(
                f"The 'step' parameter of {owner} must divide high - low. "
                f"Got low={low!r}, high={high!r}, step={step!r}."
            )
        return
    n_steps = (high - low) / step
    if not n_steps <= _MAX_STEPS:  # also inf (a subnormal step) and the NaN of inf / inf
        raise ValueError(
            f"The 'step' parameter of {owner} must make at most 2**53 steps from low to "
            f"high. Got low={low!r}, high={high!r}, step={step!r}."
        )
    # The slack allows for the rounding of high - low at large |low|, |high|.
    slack = 4 * math.ulp(max(abs(low), abs(high))) / step
    if abs(n_steps - round(n_steps)) > _GRID_RTOL * max(1.0, abs(n_steps)) + slack:
        raise ValueError(
            f"The 'step' parameter of {owner} must divide high - low. "
            f"Got low={low!r}, high={high!r}, step={step!r}."
        )


class _NumericDistribution(BaseDistribution):
    """Fields and encoding shared by float and int distributions."""

    __slots__ = ("low", "high", "log", "step", "_hash", "_internal_bounds", "_single")

    low: Any
    high: Any
    log: bool
    step: Any

    def _set_fields(self, low: Any, high: Any, log: bool, step: Any) -> None:
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "log", log)
        object.__setattr__(self, "step", step)
        self._freeze()
        # Samplers draw in the internal interval: its bounds and its width must be floats.
        internal_low, internal_high = self.internal_bounds()
        if not math.isfinite(internal_high - internal_low):
            raise ValueError(
                f"The bounds of {type(self).__name__} must span an interval whose width "
                f"(with half a step on each side) is a finite float. Got low={low!r}, "
                f"high={high!r}, step={step!r}: internal interval [{internal_low!r}, "
                f"{internal_high!r}]."
            )

    def to_internal(self, value: Any) -> float:
        return math.log(value) if self.log else float(value)

    def _snap(self, internal: float) -> float:
        """Decode ``internal`` onto the step grid (if any), before clipping to the bounds."""
        value = math.exp(internal) if self.log else internal
        if self.step is not None:
            value = self.low + math.floor((value - self.low) / self.step + 0.5) * self.step
        return min(max(value, self.low), self.high)

    def single(self) -> bool:
        return bool(self.low == self.high)

    def to_dict(self) -> dict[str, Any]:
        kind = "float" if isinstance(self, FloatDistribution) else "int"
        return {"type": kind, "low": self.low, "high": self.high, "log": self.log,
                "step": self.step}

    def _key(self) -> tuple[Any, ...]:
        return (self.low, self.high, self.log, self.step)


class FloatDistribution(_NumericDistribution):
    """A real parameter in ``[low, high]``, optionally log-scaled or on a step grid.

    Parameters
    ----------
    low, high : float
        Finite bounds, ``low <= high``.
    log : bool, default False
        Sample ``log(value)`` uniformly; requires ``low > 0``.
    step : float, optional
        Grid spacing from ``low``; must divide ``high - low``. Not with ``log``.

    Examples
    --------
    >>> d = FloatDistribution(1e-3, 1.0, log=True)
    >>> round(d.to_internal(0.01), 6)
    -4.60517
    >>> d.to_external(d.to_internal(0.01))
    0.01
    """

    __slots__ = ()

    low: float
    high: float
    log: bool
    step: float | None

    def __init__(
        self, low: float, high: float, log: bool = False, step: float | None = None
    ) -> None:
        owner = "FloatDistribution"
        low = ensure_finite_real(low, "low", owner)
        high = ensure_finite_real(high, "high", owner)
        log = ensure_bool(log, "log", owner)
        if step is not None:
            step = ensure_finite_real(step, "step", owner)
        _check_bounds(owner, low, high)
        _check_log(owner, low, log, step, None)
        if step is not None:
            _check_step_divides(owner, low, high, step)
        self._set_fields(low, high, log, step)

    def to_external(self, internal: float) -> float:
        if self.log or self.step is not None:
            return float(self._snap(internal))
        # Clipped to the bounds (comparisons: cheaper than min and max; NaN stays NaN).
        if internal < self.low:
            return float(self.low)
        if internal > self.high:
            return float(self.high)
        return float(internal)

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        value = float(value)
        if not (self.low <= value <= self.high):
            return False
        if self.step is None:
            return True
        k = (value - self.low) / self.step
        # The slack allows for the rounding of low + k * step (see to_external).
        slack = 4 * math.ulp(max(abs(self.low), abs(self.high))) / self.step
        return abs(k - round(k)) <= _GRID_RTOL * max(1.0, abs(k)) + slack

    def _compute_internal_bounds(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low), math.log(self.high)
        half = 0.5 * self.step if self.step is not None else 0.0
        return self.low - half, self.high + half


class IntDistribution(_NumericDistribution):
    """An integer parameter in ``[low, high]`` on a step grid, optionally log-scaled.

    Parameters
    ----------
    low, high : int
        Bounds, ``low <= high``.
    log : bool, default False
        Sample ``log(value)`` uniformly; requires ``low >= 1`` and ``step == 1``.
    step : int, default 1
        Grid spacing from ``low``; must divide ``high - low``.

    Examples
    --------
    >>> d = IntDistribution(0, 10, step=2)
    >>> d.to_external(3.2)
    4
    >>> d.contains(5)
    False
    """

    __slots__ = ()

    low: int
    high: int
    log: bool
    step: int

    def __init__(self, low: int, high: int, log: bool = False, step: int = 1) -> None:
        owner = "IntDistribution"
        low = ensure_int(low, "low", owner)
        high = ensure_int(high, "high", owner)
        log = ensure_bool(log, "log", owner)
        step = ensure_int(step, "step", owner)
        for name, value in (("low", low), ("high", high), ("step", step)):
            if abs(value) > _MAX_EXACT_INT:
                raise ValueError(
                    f"The '{name}' parameter of {owner} must be within +-2**53 (an int a "
                    f"float holds exactly). Got {name}={value!r}."
                )
        _check_bounds(owner, low, high)
        _check_log(owner, low, log, step, 1)
        _check_step_divides(owner, low, high, step)
        self._set_fields(low, high, log, step)

    def to_external(self, internal: float) -> int:
        return int(self._snap(internal))

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, float):
            if not value.is_integer():
                return False
            value = int(value)
        if not isinstance(value, int):
            try:
                value = ensure_int(value, "value", "IntDistribution")
            except (TypeError, ValueError):
                return False
        return self.low <= value <= self.high and (value - self.low) % self.step == 0

    def _compute_internal_bounds(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low - 0.5), math.log(self.high + 0.5)
        return self.low - 0.5 * self.step, self.high + 0.5 * self.step


def _choice_key(choice: CategoricalChoice) -> tuple[str, Any]:
    """Key telling choices apart by type too (``True``, ``1`` and ``1.0`` differ)."""
    if is_numpy(choice, "generic"):
        choice = choice.item()
    if isinstance(choice, float) and math.isnan(choice):
        return ("float", "nan")
    for kind in (bool, int, float, str):  # subclasses (np.float64, np.str_) key as their base
        if isinstance(choice, kind):
            return (kind.__name__, choice)
    return (type(choice).__name__, choice)


class CategoricalDistribution(BaseDistribution):
    """A parameter that takes one of a finite sequence of choices.

    Parameters
    ----------
    choices : sequence of None, bool, int, float or str
        Distinct choices; the internal value of a choice is its index.

    Examples
    --------
    >>> d = CategoricalDistribution(["relu", "tanh", None])
    >>> d.to_internal("tanh"), d.to_external(2.0)
    (1.0, None)
    """

    __slots__ = ("choices", "_index", "_hash", "_internal_bounds", "_single")

    choices: tuple[CategoricalChoice, ...]
    _index: dict[tuple[str, Any], int]

    def __init__(self, choices: Any) -> None:
        owner = "CategoricalDistribution"
        # An ordered sequence: a set's order differs between processes (string hashing),
        # and an iterator would be consumed by the first look.
        if isinstance(choices, (str, bytes)) or not (isinstance(choices, Sequence)
                                                      or is_numpy(choices, "ndarray")):
            raise TypeError(
                f"The 'choices' parameter of {owner} must be a sequence (a list or tuple; a "
                f"set has no fixed order, an iterator is read once). Got {choices!r} instead."
            )
        # numpy scalars (np.int64, np.str_, ...) become the Python values they hold.
        choices = tuple(c.item() if is_numpy(c, "generic") else c for c in choices)
        if not choices:
            raise ValueError(f"The 'choices' parameter of {owner} must not be empty. Got ().")
        index: dict[tuple[str, Any], int] = {}
        for i, choice in enumerate(choices):
            if choice is not None and not isinstance(choice, (bool, int, float, str)):
                raise TypeError(
                    f"The 'choices' parameter of {owner} must hold None, bool, int, float or "
                    f"str. Got {choice!r} of type {type(choice).__name__} at index {i}."
                )
            key = _choice_key(choice)
            if key in index:
                raise ValueError(
                    f"The 'choices' parameter of {owner} must not hold duplicates. "
                    f"Got {choice!r} twice in {choices!r}."
                )
            index[key] = i
        object.__setattr__(self, "choices", choices)
        object.__setattr__(self, "_index", index)
        self._freeze()

    def index(self, value: Any) -> int:
        """Return the index of ``value`` among the choices (ValueError if absent)."""
        try:
            return self._index[_choice_key(value)]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not one of the choices {self.choices!r}.") from None

    def to_internal(self, value: Any) -> float:
        return float(self.index(value))

    def to_external(self, internal: float) -> CategoricalChoice:
        return self.choices[min(max(math.floor(internal + 0.5), 0), len(self.choices) - 1)]

    def contains(self, value: Any) -> bool:
        try:
            return _choice_key(value) in self._index
        except TypeError:
            return False

    def single(self) -> bool:
        return len(self.choices) == 1

    def _compute_internal_bounds(self) -> tuple[float, float]:
        return -0.5, len(self.choices) - 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}

    def _key(self) -> tuple[Any, ...]:
        return tuple(_choice_key(c) for c in self.choices)


def distribution_from_dict(data: dict[str, Any]) -> BaseDistribution:
    """Build a distribution from the output of ``to_dict`` (or hand-written JSON).

    Examples
    --------
    >>> distribution_from_dict({"type": "int", "low": 1, "high": 8, "log": True})
    IntDistribution(low=1, high=8, log=True, step=1)
    """
    if not isinstance(data, dict):
        raise TypeError(f"A distribution description must be a dict. Got {data!r} instead.")
    kind = data.get("type")
    fields = {k: v for k, v in data.items() if k != "type"}
    factories: dict[str, Any] = {
        "float": FloatDistribution,
        "int": IntDistribution,
        "categorical": CategoricalDistribution,
    }
    if kind not in factories:
        raise ValueError(
            f"The 'type' of a distribution must be one of {sorted(factories)}. Got {kind!r}."
        )
    if kind == "int" and fields.get("step") is None:
        fields.pop("step", None)
    try:
        return factories[kind](**fields)  # type: ignore[no-any-return]
    except TypeError as error:
        raise ValueError(f"Invalid {kind} distribution description {data!r}: {error}") from None


def distribution_to_json(distribution: BaseDistribution) -> str:
    """Serialise a distribution to a JSON string.

    Examples
    --------
    >>> import bbopt
    >>> bbopt.distribution_to_json(bbopt.IntDistribution(1, 8))
    '{"type": "int", "low": 1, "high": 8, "log": false, "step": 1}'
    """
    return json.dumps(distribution.to_dict())


def distribution_from_json(text: str) -> BaseDistribution:
    """Parse a distribution from `distribution_to_json`'s output.

    Examples
    --------
    >>> d = FloatDistribution(0.0, 1.0, step=0.25)
    >>> distribution_from_json(distribution_to_json(d)) == d
    True
    """
    return distribution_from_dict(json.loads(text))


def _numeric_to_external(
    distribution: FloatDistribution | IntDistribution, internal: np.ndarray
) -> np.ndarray:
    """`to_external` of a float or int distribution over an array (ints as floats).

    Elementwise the same values as ``distribution.to_external``, for array users
    (`bbopt.Study.ask_array`).
    """
    import numpy as np

    internal = np.asarray(internal, dtype=np.float64)
    # math.exp and math.log, as the scalar methods use (numpy's may differ in the last bit).
    value = _map(math.exp, internal) if distribution.log else internal
    step = distribution.step
    if step is not None:
        low = distribution.low
        value = low + np.floor((value - low) / step + 0.5) * step
    return np.clip(value, distribution.low, distribution.high)  # type: ignore[no-any-return]


def _numeric_to_internal(
    distribution: FloatDistribution | IntDistribution, value: np.ndarray
) -> np.ndarray:
    """`to_internal` of a float or int distribution over an array."""
    return _map(math.log, value) if distribution.log else value


def _numeric_rows_to_external(
    distributions: Sequence[FloatDistribution | IntDistribution], internal: np.ndarray
) -> np.ndarray:
    """`_numeric_to_external` of each column of ``internal`` (one per distribution).

    Returns a new array of the same shape; when every column is a linear float
    without a step, one clip of the whole matrix instead of one call per column.
    """
    import numpy as np

    if not any(d.log or d.step is not None for d in distributions):
        lows = np.array([d.low for d in distributions], dtype=np.float64)
        highs = np.array([d.high for d in distributions], dtype=np.float64)
        return np.clip(internal, lows, highs)  # type: ignore[no-any-return]
    external = np.empty_like(internal)
    for j, distribution in enumerate(distributions):
        external[:, j] = _numeric_to_external(distribution, internal[:, j])
    return external


def _numeric_rows_to_internal(
    distributions: Sequence[FloatDistribution | IntDistribution], values: np.ndarray
) -> np.ndarray:
    """`_numeric_to_internal` of each column of ``values`` (one per distribution).

    Returns ``values`` itself when no distribution is log-scaled (linear
    coordinates are their own internal values), else a new array.
    """
    if not any(d.log for d in distributions):
        return values
    internal = values.copy()
    for j, distribution in enumerate(distributions):
        if distribution.log:
            internal[:, j] = _numeric_to_internal(distribution, values[:, j])
    return internal


def _map(function: Any, array: np.ndarray) -> np.ndarray:
    """``function`` of each element of a float64 array, same shape."""
    import numpy as np

    return np.fromiter(map(function, array.ravel().tolist()), np.float64,
                       array.size).reshape(array.shape)
