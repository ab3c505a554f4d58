"""bbopt's logger: one INFO line per finished trial, silent unless asked.

bbopt logs to the ``"bbopt"`` logger of the standard `logging` module. The
level is WARNING by default, so nothing is printed for finished trials
(Optuna prints them by default); ``set_verbosity(INFO)`` prints one line per
finished trial on stderr, in Optuna's words.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from typing import Any

from bbopt._validation import ensure_int

CRITICAL = logging.CRITICAL
FATAL = logging.FATAL
ERROR = logging.ERROR
WARNING = logging.WARNING
WARN = logging.WARNING
INFO = logging.INFO
DEBUG = logging.DEBUG

_ROOT = "bbopt"
_LOCK = threading.Lock()
_handler: logging.Handler | None = None
_LOGGER = logging.getLogger(_ROOT)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (it may be replaced)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _root_logger() -> logging.Logger:
    """The ``bbopt`` logger, given its default handler and level on first use."""
    global _handler
    if _handler is None:
        with _LOCK:
            if _handler is None:
                _handler = _StderrHandler()
                _handler.setFormatter(logging.Formatter("[%(levelname)s %(asctime)s] %(message)s"))
                _LOGGER.addHandler(_handler)
                if _LOGGER.level == logging.NOTSET:
                    _LOGGER.setLevel(WARNING)
                _LOGGER.propagate = False
    return _LOGGER


def get_logger(name: str) -> logging.Logger:
    """Return a logger under ``bbopt`` (``name`` is usually ``__name__``).

    Examples
    --------
    >>> import bbopt
    >>> bbopt.logging.get_logger("bbopt.mine").name
    'bbopt.mine'
    """
    _root_logger()
    return logging.getLogger(name)


def get_verbosity() -> int:
    """Return the level of the ``bbopt`` logger (WARNING by default).

    Examples
    --------
    >>> import bbopt
    >>> bbopt.logging.get_verbosity() == bbopt.logging.WARNING
    True
    """
    return _root_logger().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of the ``bbopt`` logger; `INFO` prints a line per finished trial.

    Parameters
    ----------
    verbosity : int
        One of `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`.

    Examples
    --------
    >>> import bbopt
    >>> bbopt.logging.set_verbosity(bbopt.logging.INFO)
    >>> bbopt.logging.get_verbosity() == bbopt.logging.INFO
    True
    >>> bbopt.logging.set_verbosity(bbopt.logging.WARNING)
    """
    _root_logger().setLevel(ensure_int(verbosity, "verbosity", "set_verbosity"))


def disable_default_handler() -> None:
    """Stop writing bbopt's records to stderr (handlers you add still get them)."""
    logger = _root_logger()
    assert _handler is not None
    logger.removeHandler(_handler)


def enable_default_handler() -> None:
    """Write bbopt's records to stderr again (the default)."""
    logger = _root_logger()
    assert _handler is not None
    logger.addHandler(_handler)


def disable_propagation() -> None:
    """Keep bbopt's records from the root logger's handlers (the default)."""
    _root_logger().propagate = False


def enable_propagation() -> None:
    """Pass bbopt's records on to the root logger's handlers as well."""
    _root_logger().propagate = True


def log_finished_trial(number: int, state_name: str, values: Sequence[float] | None,
                       params: dict[str, Any], best: Any) -> None:
    """Log the INFO line of a finished trial (``best``: a callable giving the best trial)."""
    logger = _LOGGER if _handler is not None else _root_logger()
    if not logger.isEnabledFor(INFO):
        return
    if state_name == "COMPLETE" and values is not None:
        if len(values) == 1:
            line = f"Trial {number} finished with value: {values[0]} and parameters: {params}."
            best_trial = best()
            if best_trial is not None:
                line += (f" Best is trial {best_trial.number} with value: "
                         f"{best_trial.values[0]}.")
        else:
            line = f"Trial {number} finished with values: {list(values)} and parameters: {params}."
    elif state_name == "PRUNED":
        line = f"Trial {number} pruned."
    else:
        line = f"Trial {number} finished as {state_name} with parameters: {params}."
    logger.info(line)
