"""Per-study state of a sampler instance, keyed by `SamplingContext.study_key`.

One sampler instance may serve several studies (``for data in datasets:
create_study(sampler=sampler)``, two `bbopt.minimize` calls with the same
sampler). A sampler that caches a model built from a study's observations
keeps that cache here, under the study's key, so that no study is modelled
with another's points. The caches are rebuilt from the observations when
missing (observation rows never change), so only the most recently used
studies are kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

_State = TypeVar("_State")

# Studies whose state a sampler keeps; an older one is rebuilt from its observations.
_MAX_STUDIES = 8


class PerStudy(Generic[_State]):
    """The states of the most recently served studies, made by ``factory`` when missing.

    Not thread-safe: call it under the sampler's lock. Pickling drops the states: study
    keys identify studies within one process, and every state is rebuilt when missing.
    """

    def __init__(self, factory: Callable[[], _State]) -> None:
        self._factory = factory
        self._states: OrderedDict[Hashable, _State] = OrderedDict()

    def get(self, study_key: Hashable) -> _State:
        """The state of the study ``study_key`` (a new one on first use)."""
        state = self._states.get(study_key)
        if state is None:
            state = self._states[study_key] = self._factory()
            while len(self._states) > _MAX_STUDIES:
                self._states.popitem(last=False)
        else:
            self._states.move_to_end(study_key)
        return state

    def __getstate__(self) -> dict[str, Any]:
        return {"_factory": self._factory, "_states": OrderedDict()}

    def clear(self) -> None:
        """Forget every study."""
        self._states.clear()
