"""Names of a package loaded on first use (PEP 562), so that importing it stays fast.

A package lists what it loads lazily and assigns the two functions that
`lazy_names` returns to its module ``__getattr__`` and ``__dir__``, outside the
type checker's view::

    _LAZY = {"Study": "bbopt._study", "importance": None}
    if TYPE_CHECKING:
        from bbopt import importance
        from bbopt._study import Study
    else:
        __getattr__, __dir__ = lazy_names(__name__, _LAZY)

The type checker reads the real imports (and, seeing no ``__getattr__``, still
reports a misspelt name); at run time each name is imported on its first
access and then kept in the package's namespace. ``tests/test_import.py``
checks that the two lists agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, names: Mapping[str, str | None]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return the ``__getattr__`` and ``__dir__`` of ``package`` for its lazy ``names``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str or None
        Each lazy name to the module that defines it, or to None for a
        submodule of ``package`` of that name.

    Returns
    -------
    getattr, dir : callable
        ``getattr(name)`` imports ``name`` on first access and keeps it in the
        package's namespace (AttributeError for any other name); ``dir()``
        lists the namespace and every lazy name.
    """

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = names[name]
        if module is None:
            value: Any = importlib.import_module(f"{package}.{name}")
        else:
            value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
