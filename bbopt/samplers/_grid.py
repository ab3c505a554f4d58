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


class GridSampler(BaseSampler):
    """Try every combination of the given values once, then stop the study.

    Grid points are visited in a random order (fixed by ``seed``). Once every
    point has been handed out and the last trial finishes, `Study.optimize`
    stops; further asks revisit random points with a warning.

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
        self._n_handed_out = 0
        self._assigned: dict[int, int] = {}  # trial number -> grid id

    def _grid_point(self, grid_id: int) -> dict[str, Any]:
        sizes = [len(self._values[name]) for name in self._names]
        indices = np.unravel_index(grid_id, sizes)
        return {name: self._values[name][i] for name, i in zip(self._names, indices)}

    def before_trial(self, study: Study, trial: Trial) -> None:
        with self._lock:
            if self._n_handed_out < self._n_points:
                grid_id = int(self._order[self._n_handed_out])
                self._n_handed_out += 1
            else:
                warnings.warn(
                    f"GridSampler: all {self._n_points} grid points were already tried; "
                    "revisiting a random one.",
                    stacklevel=3,
                )
                grid_id = int(self._rng.integers(self._n_points))
            self._assigned[trial.number] = grid_id
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
        value = self._grid_point(self._assigned[trial.number])[name]
        raise ValueError(
            f"The grid value {value!r} of parameter {name!r} is not in {distribution!r}."
        )

    def after_trial(
        self, study: Study, trial: Trial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        with self._lock:
            self._assigned.pop(trial.number, None)
            exhausted = self._n_handed_out >= self._n_points and not self._assigned
        if exhausted:
            study.stop()

    def grid_points(self) -> list[dict[str, Any]]:
        """Return all grid points in visiting order."""
        return [self._grid_point(int(i)) for i in self._order]
