"""What every storage accepts: one check per kind of stored input, one message.

Every storage (in memory, SQLite, and any other) calls these at the start
of its write methods, so that all of them refuse exactly the same inputs with
the same message, whatever their backend could hold. The owner named in a
message is the public method that reaches the storage method.

- names (study names, parameter names, attribute keys): a str that UTF-8 can
  encode (no lone surrogate);
- attribute values: what `json.dumps` accepts (str, int, float, bool, None,
  lists, tuples and dicts with str keys of these);
- steps of intermediate values: an int in [0, 2**63).
"""

from __future__ import annotations

import json
import numbers
from typing import Any

# Steps are stored as signed 64-bit integers.
MAX_STEP = 2**63 - 1


def check_name(name: Any, what: str, owner: str) -> str:
    """Return ``name`` if it is a str that UTF-8 can encode.

    Examples
    --------
    >>> check_name("lr", "name", "Trial.suggest_float")
    'lr'
    >>> check_name(5, "key", "Trial.set_user_attr")
    Traceback (most recent call last):
    ...
    TypeError: The 'key' parameter of Trial.set_user_attr must be a str. Got 5 instead.
    """
    if type(name) is str and name.isascii():
        return name  # the common case: ASCII always encodes
    if type(name) is not str:
        raise TypeError(f"The '{what}' parameter of {owner} must be a str. Got {name!r} instead.")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"The '{what}' parameter of {owner} must be a str that UTF-8 can encode (no lone "
            f"surrogate). Got {name!r} instead."
        ) from None
    return name


def check_attr(key: Any, value: Any, owner: str) -> str:
    """Check an attribute's key and value; return the value as JSON text.

    Examples
    --------
    >>> check_attr("seen", [1, 2], "Trial.set_user_attr")
    '[1, 2]'
    >>> check_attr("blob", b"5", "Trial.set_user_attr")
    Traceback (most recent call last):
    ...
    TypeError: The 'value' parameter of Trial.set_user_attr must be JSON-serialisable (str, \
int, float, bool, None, and lists and dicts with str keys of these). Got b'5' instead.
    """
    check_name(key, "key", owner)
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        raise TypeError(
            f"The 'value' parameter of {owner} must be JSON-serialisable (str, int, float, "
            f"bool, None, and lists and dicts with str keys of these). Got {value!r} instead."
        ) from None


def check_step(step: Any, owner: str) -> int:
    """Return ``step`` as an int in [0, 2**63).

    Examples
    --------
    >>> check_step(3, "Trial.report")
    3
    >>> check_step(2**63, "Trial.report")
    Traceback (most recent call last):
    ...
    ValueError: The 'step' parameter of Trial.report must be an int in [0, 2**63). \
Got 9223372036854775808 instead.
    """
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or \
            not 0 <= int(step) <= MAX_STEP:
        raise ValueError(
            f"The 'step' parameter of {owner} must be an int in [0, 2**63). Got {step!r} instead."
        )
    return int(step)


def check_template(template: Any, owner: str) -> None:
    """Check the names, attributes and steps of a trial given whole (`Study.add_trial`)."""
    for name in template.params:
        check_name(name, "name", owner)
    for attrs in (template.user_attrs, template.system_attrs):
        for key, value in attrs.items():
            check_attr(key, value, owner)
    for step in template.intermediate_values:
        check_step(step, owner)
