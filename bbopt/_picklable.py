"""Pickling of objects that hold thread locks: the copy gets new, unlocked ones.

Samplers, storages and pruners guard their state with `threading.Lock` or
`threading.RLock`, which cannot be pickled. As in Optuna, such an object
pickles without its locks, and the unpickled copy makes fresh ones (a lock's
held state means nothing in another process).
"""

from __future__ import annotations

import threading
from typing import Any

_LOCK = type(threading.Lock())
_RLOCK = type(threading.RLock())
# The attribute of a pickled state that names the dropped locks (True: re-entrant).
_LOCKS_KEY = "__bbopt_locks__"


class PicklableLocks:
    """Mixin: pickle the instance's ``__dict__`` without its locks, recreate them on load."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        locks = {name: type(value) is _RLOCK for name, value in state.items()
                 if type(value) in (_LOCK, _RLOCK)}
        for name in locks:
            del state[name]
        state[_LOCKS_KEY] = locks
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        locks = state.pop(_LOCKS_KEY, {})
        self.__dict__.update(state)
        for name, reentrant in locks.items():
            setattr(self, name, threading.RLock() if reentrant else threading.Lock())
