"""A study's complete trials as arrays: the table that plots and importances read.

Notations
---------
n : complete trials (in finish order, as in `Observations`)
k : chosen parameters

The objective comes from the observation arrays (no per-trial Python loop);
a ``target`` callable is the one exception, evaluated on each complete trial.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution, CategoricalDistribution
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState

if TYPE_CHECKING:
    from bbopt._study import Study

Target = Callable[[FrozenTrial], float]


@dataclass
class StudyTable:
    """Complete trials of a study restricted to some parameters.

    Attributes
    ----------
    names : list of str, length k
    distributions : list of BaseDistribution, length k
    x : ndarray of shape (n, k)
        Internal coordinates (log space for log parameters, choice indices for
        categorical ones); NaN where a trial did not use a parameter.
    values : ndarray of shape (n,)
        The objective (or the target), finite.
    numbers : ndarray of int of shape (n,)
        Trial numbers.
    minimize : bool
        Whether smaller values are better.
    """

    names: list[str]
    distributions: list[BaseDistribution]
    x: NDArray[np.float64]
    values: NDArray[np.float64]
    numbers: NDArray[np.int64]
    minimize: bool


def complete_values(
    study: Study, target: Target | None, owner: str
) -> tuple[NDArray[np.int64], NDArray[np.float64], bool]:
    """Rows of the complete trials in the observations, their values, and the direction.

    Raises
    ------
    ValueError
        No complete trial, several objectives without ``target``, or a
        ``target`` that returns a non-finite value.
    """
    obs = study.get_observations()
    rows = np.flatnonzero(obs.states == TrialState.COMPLETE)
    if rows.size == 0:
        raise ValueError(f"{owner} needs a complete trial: study {study.study_name!r} has none.")
    if target is None:
        if obs.n_objectives != 1:
            raise ValueError(
                f"The 'target' parameter of {owner} must be given for study "
                f"{study.study_name!r}, which has {obs.n_objectives} objectives. Got None instead."
            )
        values = obs.values[rows, 0].astype(np.float64)
        return rows, values, study.directions[0] == StudyDirection.MINIMIZE
    if not callable(target):
        raise TypeError(
            f"The 'target' parameter of {owner} must be a callable taking a FrozenTrial. "
            f"Got {target!r} instead."
        )
    by_number = {t.number: t for t in study.get_trials(deepcopy=False,
                                                        states=(TrialState.COMPLETE,))}
    values = np.empty(rows.size)
    for i, number in enumerate(obs.numbers[rows]):
        trial = by_number[int(number)]
        value = target(trial)
        try:
            values[i] = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"The 'target' parameter of {owner} must return a real number. "
                f"Got {value!r} for trial {trial.number}."
            ) from None
        if not np.isfinite(values[i]):
            raise ValueError(
                f"The 'target' parameter of {owner} must return finite values. "
                f"Got {value!r} for trial {trial.number}."
            )
    minimize = len(study.directions) > 1 or study.directions[0] == StudyDirection.MINIMIZE
    return rows, values, minimize


def choose_columns(
    study: Study, params: Sequence[str] | None, rows: NDArray[np.int64], owner: str
) -> list[int]:
    """Observation columns of ``params`` (all parameters of the complete trials when None).

    A name seen with several distributions takes the column that the most
    complete trials used.
    """
    obs = study.get_observations()
    used = np.count_nonzero(~np.isnan(obs.x[rows]), axis=0)
    best: dict[str, int] = {}
    for j, name in enumerate(obs.names):
        if used[j] > 0 and (name not in best or used[j] > used[best[name]]):
            best[name] = j
    if params is None:
        return [best[name] for name in sorted(best)]
    if isinstance(params, str) or not all(isinstance(p, str) for p in params):
        raise TypeError(
            f"The 'params' parameter of {owner} must be a sequence of parameter names. "
            f"Got {params!r} instead."
        )
    unknown = [p for p in params if p not in best]
    if unknown:
        raise ValueError(
            f"The 'params' parameter of {owner} names parameters that no complete trial of "
            f"study {study.study_name!r} used: {unknown!r}. Known: {sorted(best)!r}."
        )
    if len(set(params)) != len(params):
        raise ValueError(f"The 'params' parameter of {owner} repeats a name. Got {params!r}.")
    return [best[p] for p in params]


def study_table(
    study: Study, params: Sequence[str] | None, target: Target | None, owner: str
) -> StudyTable:
    """Return the `StudyTable` of ``study`` (complete trials, chosen parameters)."""
    rows, values, minimize = complete_values(study, target, owner)
    columns = choose_columns(study, params, rows, owner)
    obs = study.get_observations()
    cols = np.asarray(columns, dtype=np.int64)
    x = obs.x[np.ix_(rows, cols)] if columns else np.empty((rows.size, 0))
    return StudyTable(
        names=[obs.names[j] for j in columns],
        distributions=[obs.distributions[j] for j in columns],
        x=np.array(x, dtype=np.float64),
        values=values,
        numbers=obs.numbers[rows].astype(np.int64),
        minimize=minimize,
    )


def is_log(distribution: BaseDistribution) -> bool:
    """Whether a parameter is on a log scale."""
    return bool(getattr(distribution, "log", False))


def is_categorical(distribution: BaseDistribution) -> bool:
    """Whether a parameter is categorical (internal values are choice indices)."""
    return isinstance(distribution, CategoricalDistribution)


def to_plot_coordinates(distribution: BaseDistribution, internal: NDArray[np.float64]
                        ) -> NDArray[np.float64]:
    """User values as floats for an axis: exp of log coordinates, indices for choices."""
    if is_log(distribution):
        return np.exp(internal)  # type: ignore[no-any-return]
    return internal
