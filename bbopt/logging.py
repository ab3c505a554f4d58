"""Verbosity of bbopt's log, as ``optuna.logging`` (see `bbopt._logging`).

Nothing is printed for finished trials by default; ``set_verbosity(INFO)``
prints one line per finished trial.

Examples
--------
>>> import bbopt
>>> bbopt.logging.set_verbosity(bbopt.logging.WARNING)
"""

from bbopt._logging import (
    CRITICAL,
    DEBUG,
    ERROR,
    FATAL,
    INFO,
    WARN,
    WARNING,
    disable_default_handler,
    disable_propagation,
    enable_default_handler,
    enable_propagation,
    get_logger,
    get_verbosity,
    set_verbosity,
)

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "disable_default_handler",
    "disable_propagation",
    "enable_default_handler",
    "enable_propagation",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
]
