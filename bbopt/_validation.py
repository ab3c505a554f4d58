"""Argument checks for the public boundary.

Each helper returns the converted value or raises an error whose message
names the parameter, its owner and the value received.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any, TypeGuard


def loaded_numpy() -> ModuleType | None:
    """numpy if it is imported, else None: then no value can be a numpy object.

    Lets the checks that a numpy value would take (``isinstance(v, np.generic)``)
    run without importing numpy, so that a command line call that needs no
    arrays (`bbopt tell`) does not pay for numpy's import.
    """
    return sys.modules.get("numpy")


def is_numpy(value: Any, *names: str) -> TypeGuard[Any]:
    """Whether ``value`` is an instance of one of numpy's types ``names`` (no import)."""
    np = loaded_numpy()
    return np is not None and isinstance(value, tuple(getattr(np, n) for n in names))


def _fail(kind: type[Exception], name: str, owner: str, expected: str, value: Any) -> Exception:
    return kind(f"The '{name}' parameter of {owner} must be {expected}. Got {value!r} instead.")


def ensure_finite_real(value: Any, name: str, owner: str) -> float:
    """Return ``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(TypeError, name, owner, "a real number", value)
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range
        raise _fail(ValueError, name, owner, "finite", value) from None
    if not math.isfinite(value):
        raise _fail(ValueError, name, owner, "finite", value)
    return value


def ensure_real_in(
    value: Any, name: str, owner: str, low: float = -math.inf, high: float = math.inf,
    *, low_open: bool = False,
) -> float:
    """Return ``value`` as a finite float in ``[low, high]`` (``(low, high]`` when ``low_open``).

    Every failure, a value that is not a number included, is a ValueError.

    Examples
    --------
    >>> ensure_real_in(50, "percentile", "PercentilePruner", 0.0, 100.0)
    50.0
    >>> ensure_real_in(0.0, "seconds", "TimeBudgetCallback", 0.0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: The 'seconds' parameter of TimeBudgetCallback must be a finite number > 0. \
Got 0.0 instead.
    """
    if low_open:
        expected = f"> {low:g}" if high == math.inf else f"in ({low:g}, {high:g}]"
    elif high == math.inf:
        expected = "" if low == -math.inf else f">= {low:g}"
    else:
        expected = f"in [{low:g}, {high:g}]"
    expected = f"a finite number {expected}".rstrip()
    if not _is_real(value) or not math.isfinite(_as_float(value)):
        raise _fail(ValueError, name, owner, expected, value)
    value = float(value)
    if not (low < value if low_open else low <= value) or not value <= high:
        raise _fail(ValueError, name, owner, expected, value)
    return value


def ensure_int(value: Any, name: str, owner: str, minimum: int | None = None) -> int:
    """Return ``value`` as an int, optionally ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(TypeError, name, owner, "an int", value)
    value = int(value)
    if minimum is not None and value < minimum:
        raise _fail(ValueError, name, owner, f"an int >= {minimum}", value)
    return value


def ensure_optional_int(
    value: Any, name: str, owner: str, minimum: int | None = None
) -> int | None:
    """Return ``None`` or ``value`` as an int ``>= minimum``."""
    return None if value is None else ensure_int(value, name, owner, minimum)


def ensure_bool(value: Any, name: str, owner: str) -> bool:
    """Return ``value`` if it is a bool (numpy bools included)."""
    if not (isinstance(value, bool) or is_numpy(value, "bool_")):
        raise _fail(TypeError, name, owner, "a bool", value)
    return bool(value)


def ensure_one_of(value: Any, name: str, owner: str, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise _fail(ValueError, name, owner, f"one of {allowed!r}", value)
    return value


def ensure_callable(value: Any, name: str, owner: str, optional: bool = False) -> Any:
    """Return ``value`` if it is callable (or None when ``optional``)."""
    if value is None and optional:
        return None
    if not callable(value):
        raise _fail(TypeError, name, owner, "callable", value)
    return value


def ensure_seed(value: Any, owner: str) -> int | None:
    """Return a seed: None or a non-negative int."""
    return ensure_optional_int(value, "seed", owner, minimum=0)


def _is_real(value: Any) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and not is_numpy(value, "bool_"))


def _as_float(value: Any) -> float:
    """``float(value)``, or an infinity for an int too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def as_objective_values(
    values: Any, n_objectives: int
) -> tuple[list[float] | None, str | None]:
    """Convert objective output to a list of floats, or say what is wrong with it.

    Accepted: a real number, or a list, tuple or 1-d array of them (bools,
    strings, bytes, sets and dicts are not numbers). An int too large for a
    float becomes an infinity (the caller fails a non-finite value).
    """
    if _is_real(values):
        items: list[Any] = [values]
    elif is_numpy(values, "ndarray") and values.ndim <= 1:
        items = values.reshape(-1).tolist() if values.dtype.kind in "iuf" else [None]
    elif isinstance(values, (list, tuple)):
        items = list(values)
    else:
        items = [None]
    if not all(_is_real(v) for v in items):
        return None, f"the values must be a number or a sequence of numbers. Got {values!r}."
    converted = [_as_float(v) for v in items]
    if len(converted) != n_objectives:
        return None, (
            f"the study has {n_objectives} objective(s) but {len(converted)} value(s) were "
            f"given: {values!r}."
        )
    return converted, None
