"""Exhaustive search over a grid of values."""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bbopt._distributions import BaseDistribution, CategoricalDistribution
from bbopt._frozen import TrialState
from bbopt._validation import ensure_seed
from bbopt.samplers._base import BaseSampler

if TYPE_CHECKING:
    from bbopt._study import Study
    from bbopt._trial import Trial

_GRID_ID = "grid_id"
# Claims of a trial before it gives up on finding a free point that no other trial holds.
_MAX_ATTEMPTS = 8


class GridSampler(BaseSampler):
    """Try every combination of the given values once, then stop the study.

    Grid points are visited in a random order (fixed by ``seed``). Each trial
    claims a point no other trial of the study claimed, read from the storage
    (system attribute ``grid_id``): processes sharing a study through one
    storage, and studies sharing one sampler instance, each visit every point
    once. Once every point is claimed, `Study.optimize` starts no new trial;
    further asks revisit random points with a warning.

    Parameters
    ----------
    search_space : dict of str to sequence
        Parameter name to the values to try (None, bool, int, float or str).
        Every ``suggest_*`` of the objective must be one of these names and
        contain all its values.
    seed : int, optional
        Seed of the visiting order.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.GridSampler({"x": [-1, 0, 1], "act": ["relu", "tanh"]})
    >>> study = bbopt.create_study(sampler=sampler)
    >>> def objective(trial):
    ...     act = trial.suggest_categorical("act", ["relu", "tanh"])
    ...     return trial.suggest_int("x", -1, 1) ** 2 + (act == "tanh")
    >>> study.optimize(objective, n_trials=100)
    >>> len(study.trials), study.best_value
    (6, 0.0)
    """

    def __init__(
        self, search_space: Mapping[str, Sequence[Any]], seed: int | None = None
    ) -> None:
        owner = "GridSampler"
        if not isinstance(search_space, Mapping) or not search_space:
            raise ValueError(
                f"The 'search_space' parameter of {owner} must be a non-empty dict of "
                f"name to values. Got {search_space!r} instead."
            )
        self._names = sorted(search_space)
        self._values: dict[str, tuple[Any, ...]] = {}
        for name in self._names:
            values = search_space[name]
            # Validates the values (types, duplicates, non-empty) like a categorical.
            try:
                CategoricalDistribution(values)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"The values of {name!r} in the 'search_space' of {owner} are invalid: "
                    f"{error}"
                ) from None
            self._values[name] = tuple(values)
        self._n_points = math.prod(len(v) for v in self._values.values())
        self._seed = ensure_seed(seed, owner)
        self._lock = threading.Lock()
        self.reseed_rng(self._seed)

    @property
    def n_points(self) -> int:
        """Number of grid points."""
        return self._n_points

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(self._n_points)

    def _grid_point(self, grid_id: int) -> dict[str, Any]:
        sizes = [len(self._values[name]) for name in self._names]
        indices = np.unravel_index(grid_id, sizes)
        return {name: self._values[name][i] for name, i in zip(self._names, indices)}

    @staticmethod
    def _claims(study: Study, number: int) -> set[int]:
        """Grid ids claimed by the study's trials other than ``number`` (read from storage)."""
        return {t.system_attrs[_GRID_ID] for t in study.get_trials(deepcopy=False)
                if t.number != number and _GRID_ID in t.system_attrs}

    def before_trial(self, study: Study, trial: Trial) -> None:
        # The claims live in the storage, so that every process (and every study a
        # reused sampler serves) sees them. A trial claims a point, then reads the
        # claims again and yields the point if another trial holds it too: of two
        # trials that claim one point, at least one reads the other's claim.
        grid_id = None
        for attempt in range(_MAX_ATTEMPTS):
            taken = self._claims(study, trial.number)
            free = [int(i) for i in self._order if int(i) not in taken]
            if not free:
                break
            if attempt == 0:
                grid_id = free[0]
            else:  # claims collided: spread the next tries of the trials apart
                rng = np.random.default_rng([self._seed or 0, trial.number, attempt])
                grid_id = free[int(rng.integers(len(free)))]
            trial.set_system_attr(_GRID_ID, grid_id)
            if grid_id not in self._claims(study, trial.number):
                break
            grid_id = None
        if grid_id is None:
            warnings.warn(
                f"GridSampler: all {self._n_points} grid points were already tried; "
                "revisiting a random one.",
                stacklevel=3,
            )
            with self._lock:
                grid_id = int(self._rng.integers(self._n_points))
            trial.set_system_attr(_GRID_ID, grid_id)
        trial.fix_params(self._grid_point(grid_id))

    def sample_independent(
        self, study: Study, trial: Trial, name: str, distribution: BaseDistribution
    ) -> float:
        # Reached only when the trial could not use its fixed grid value.
        if name not in self._values:
            raise ValueError(
                f"The parameter {name!r} is not in the search space of the GridSampler "
                f"({self._names!r})."
            )
        grid_id = trial.freeze().system_attrs[_GRID_ID]
        value = self._grid_point(grid_id)[name]
        raise ValueError(
            f"The grid value {value!r} of parameter {name!r} is not in {distribution!r}."
        )

    def after_trial(
        self, study: Study, trial: Trial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        claims = self._claims(study, trial.number)
        mine = trial.freeze().system_attrs.get(_GRID_ID)
        if mine is not None:
            claims.add(mine)
        if len(claims) >= self._n_points:
            study.stop()  # every point is claimed: start no new trial

    def grid_points(self) -> list[dict[str, Any]]:
        """Return all grid points in visiting order."""
        return [self._grid_point(int(i)) for i in self._order]
