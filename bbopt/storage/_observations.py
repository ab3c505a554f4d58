"""Columnar, append-only arrays of finished trials: what samplers read.

Notations
---------
n_rows : number of finished trials (COMPLETE, PRUNED or FAIL), in finish order
n_columns : number of distinct (parameter name, distribution) pairs seen
n_objectives : number of objective values per trial

``x`` (n_rows, n_columns) holds internal coordinates, NaN where a trial did
not use a column; ``values`` (n_rows, n_objectives) the told values as given
(NaN for FAIL, and for PRUNED without a finite intermediate value); ``states``
(n_rows,) the `TrialState` codes; ``numbers`` (n_rows,) the trial numbers;
``constraints`` (n_rows, n_constraints) the constraint values of the trials
that recorded some (see ``constraints_func`` of the samplers; NaN where a
trial recorded none, zero columns while no trial did).
Rows never change once appended, so a sampler may cache anything it derives
from the first ``n_rows`` rows and update it with new rows only.

The internal points of *running* trials are kept beside them in the same
columns (`RunningPoints`): a block of rows, one per running trial, written as
parameters are set and dropped when the trial finishes, so that samplers read
them as one array instead of loading trials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import NamedTuple

import numpy as np

from bbopt._distributions import BaseDistribution
from bbopt._frozen import StudyDirection, TrialState

_INITIAL_ROWS = 64
_INITIAL_COLUMNS = 8
_INITIAL_RUNNING = 8


class RunningPoints(NamedTuple):
    """Internal points of running trials, in the columns of their `Observations`.

    Attributes
    ----------
    numbers : ndarray of shape (n_running,)
        Trial numbers, int64.
    x : ndarray of shape (n_running, n_columns)
        Internal coordinates, NaN where a parameter is not set (yet).

    Examples
    --------
    >>> import numpy as np
    >>> running = RunningPoints(np.array([3]), np.array([[0.5, np.nan]]))
    >>> running.points([1, 0, None]).tolist()
    [[nan, 0.5, nan]]
    """

    numbers: np.ndarray
    x: np.ndarray

    def points(self, columns: Sequence[int | None]) -> np.ndarray:
        """Return the coordinates in ``columns`` (NaN for None or an unknown column).

        Returns
        -------
        ndarray of shape (n_running, len(columns))
        """
        out = np.full((self.numbers.shape[0], len(columns)), np.nan)
        n_known = self.x.shape[1]
        for k, column in enumerate(columns):
            if column is not None and column < n_known:
                out[:, k] = self.x[:, column]
        return out

    def without(self, number: int) -> RunningPoints:
        """Return these points without trial ``number``'s row."""
        keep = self.numbers != number
        if keep.all():
            return self
        return RunningPoints(self.numbers[keep], self.x[keep])


class Observations:
    """Finished trials of one study as growing float64 arrays.

    Parameters
    ----------
    directions : sequence of StudyDirection
        One per objective; used to track the best complete row.

    Examples
    --------
    >>> from bbopt import FloatDistribution, StudyDirection, TrialState
    >>> obs = Observations([StudyDirection.MINIMIZE])
    >>> d = FloatDistribution(0.0, 1.0)
    >>> obs.append(0, TrialState.COMPLETE, [3.0], {"x": (d, 0.5)})
    >>> obs.append(1, TrialState.COMPLETE, [1.0], {"x": (d, 0.25)})
    >>> obs.x.tolist(), obs.best_row
    ([[0.5], [0.25]], 1)
    """

    def __init__(self, directions: Sequence[StudyDirection]) -> None:
        self.n_objectives = len(directions)
        # +1 for a minimised objective, -1 for a maximised one.
        self.signs = np.array(
            [1.0 if d == StudyDirection.MINIMIZE else -1.0 for d in directions]
        )
        self.n_rows = 0
        self.n_complete = 0
        self.names: list[str] = []
        self.distributions: list[BaseDistribution] = []
        self._columns: dict[tuple[str, BaseDistribution], int] = {}
        # The column of each name's most recent distribution object: an identity check
        # instead of hashing the distribution (the same objects recur trial after trial).
        self._recent: dict[str, tuple[BaseDistribution, int]] = {}
        self._x = np.full((_INITIAL_ROWS, _INITIAL_COLUMNS), np.nan)
        self._values = np.full((_INITIAL_ROWS, self.n_objectives), np.nan)
        self._states = np.zeros(_INITIAL_ROWS, dtype=np.int8)
        self._numbers = np.zeros(_INITIAL_ROWS, dtype=np.int64)
        self._n_complete_in_column: list[int] = []
        self._constraints = np.full((_INITIAL_ROWS, 0), np.nan)
        self._best_row = -1
        self._best_score = np.inf
        self._sign = float(self.signs[0]) if self.n_objectives else 1.0
        # Running trials: row r of _run_x belongs to trial _run_numbers[r].
        self._run_x = np.full((_INITIAL_RUNNING, _INITIAL_COLUMNS), np.nan)
        self._run_numbers = np.zeros(_INITIAL_RUNNING, dtype=np.int64)
        self._run_row: dict[int, int] = {}

    @property
    def n_columns(self) -> int:
        """Number of (name, distribution) columns seen so far."""
        return len(self.names)

    @property
    def x(self) -> np.ndarray:
        """Internal coordinates, shape (n_rows, n_columns); NaN where unused."""
        return self._x[: self.n_rows, : self.n_columns]

    @property
    def values(self) -> np.ndarray:
        """Objective values as told, shape (n_rows, n_objectives)."""
        return self._values[: self.n_rows]

    @property
    def states(self) -> np.ndarray:
        """`TrialState` codes, shape (n_rows,)."""
        return self._states[: self.n_rows]

    @property
    def numbers(self) -> np.ndarray:
        """Trial numbers, shape (n_rows,)."""
        return self._numbers[: self.n_rows]

    @property
    def constraints(self) -> np.ndarray:
        """Constraint values, shape (n_rows, n_constraints); NaN where a trial has none.

        ``n_constraints`` is the length of the first constraint values
        appended (0 before). A trial is feasible when all its values are <= 0.
        """
        return self._constraints[: self.n_rows]

    @property
    def best_row(self) -> int:
        """Row of the best complete trial (first objective, its direction), or -1."""
        return self._best_row

    def column(self, name: str, distribution: BaseDistribution) -> int | None:
        """Return the column of a (name, distribution) pair, or None if never seen."""
        return self._columns.get((name, distribution))

    def shared_search_space(self) -> dict[str, BaseDistribution]:
        """Parameters used, with the same distribution, by every complete trial."""
        if self.n_complete == 0:
            return {}
        return {
            self.names[j]: self.distributions[j]
            for j, count in enumerate(self._n_complete_in_column)
            if count == self.n_complete
        }

    def append(
        self,
        number: int,
        state: TrialState,
        values: Sequence[float] | None,
        params: Mapping[str, tuple[BaseDistribution, float]],
        constraints: Sequence[float] | None = None,
    ) -> None:
        """Append one finished trial.

        Parameters
        ----------
        number : int
            The trial number.
        state : TrialState
            COMPLETE, PRUNED or FAIL.
        values : sequence of float or None
            ``n_objectives`` values, or None (stored as NaN).
        params : mapping
            Name to ``(distribution, internal value)``.
        constraints : sequence of float, optional
            The trial's constraint values (NaN if not given, or of another
            length than those appended before).
        """
        row = self.n_rows
        if row == self._x.shape[0]:
            self._grow_rows()
        complete = state == TrialState.COMPLETE
        x_row = self._x[row]
        recent = self._recent
        counts = self._n_complete_in_column
        for name, (distribution, internal) in params.items():
            hit = recent.get(name)
            if hit is not None and hit[0] is distribution:
                column = hit[1]
            else:
                column = self._column_of(name, distribution)
                x_row = self._x[row]  # a new column may have grown the array
            x_row[column] = internal
            if complete:
                counts[column] += 1
        values_row = self._values[row]
        if values is not None:
            values_row[:] = values
        if constraints is not None:
            self._set_constraints(row, constraints)
        self._states[row] = state
        self._numbers[row] = number
        self.n_rows = row + 1
        if complete:
            self.n_complete += 1
            score = self._sign * values_row.item(0)  # Python floats: cheaper than NumPy scalars
            if score < self._best_score:
                self._best_score = score
                self._best_row = row

    def append_block(
        self,
        numbers: np.ndarray,
        states: np.ndarray,
        values: np.ndarray,
        params: Sequence[tuple[str, BaseDistribution]],
        x: np.ndarray,
    ) -> None:
        """Append finished trials that share their parameters, at once.

        The same rows as one `append` per trial, in the order given.

        Parameters
        ----------
        numbers : ndarray of shape (k,)
            Trial numbers.
        states : ndarray of shape (k,)
            `TrialState` codes (COMPLETE, PRUNED or FAIL).
        values : ndarray of shape (k, n_objectives)
            NaN where a trial has no value.
        params : sequence of (name, distribution)
            The parameters every one of these trials set.
        x : ndarray of shape (k, len(params))
            Their internal values.

        Examples
        --------
        >>> import numpy as np
        >>> from bbopt import FloatDistribution, StudyDirection, TrialState
        >>> obs = Observations([StudyDirection.MINIMIZE])
        >>> d = FloatDistribution(0.0, 1.0)
        >>> obs.append_block(np.array([0, 1]), np.full(2, int(TrialState.COMPLETE)),
        ...                  np.array([[3.0], [1.0]]), [("x", d)], np.array([[0.5], [0.25]]))
        >>> obs.x.tolist(), obs.best_row
        ([[0.5], [0.25]], 1)
        """
        k = numbers.shape[0]
        if k == 0:
            return
        columns = [self._column_of(name, distribution) for name, distribution in params]
        start = self.n_rows
        while start + k > self._x.shape[0]:
            self._grow_rows()
        stop = start + k
        first = columns[0] if columns else 0
        if columns == list(range(first, first + len(columns))):
            self._x[start:stop, first : first + len(columns)] = x  # a slice: no scatter
        else:
            self._x[start:stop, columns] = x
        self._values[start:stop] = values
        self._states[start:stop] = states
        self._numbers[start:stop] = numbers
        self.n_rows = stop
        complete = states == int(TrialState.COMPLETE)
        n_complete = int(np.count_nonzero(complete))
        if n_complete == 0:
            return
        self.n_complete += n_complete
        for column in columns:
            self._n_complete_in_column[column] += n_complete
        score = np.where(complete, self.signs[0] * self._values[start:stop, 0], np.inf)
        best = int(np.argmin(score))
        if score[best] < self._best_score:
            self._best_score = float(score[best])
            self._best_row = start + best

    def _set_constraints(self, row: int, constraints: Sequence[float]) -> None:
        if self._constraints.shape[1] == 0 and len(constraints) > 0:
            self._constraints = np.full((self._x.shape[0], len(constraints)), np.nan)
        if len(constraints) == self._constraints.shape[1]:
            try:
                self._constraints[row] = constraints
            except (TypeError, ValueError):  # not numbers (set by hand): none recorded
                self._constraints[row] = np.nan

    # -- running trials ----------------------------------------------------
    @property
    def n_running(self) -> int:
        """Number of running trials in the block."""
        return len(self._run_row)

    def running_points(self) -> RunningPoints:
        """Return a copy of the running trials' points (rows in no particular order)."""
        k = len(self._run_row)
        return RunningPoints(self._run_numbers[:k].copy(),
                             self._run_x[:k, : self.n_columns].copy())

    def set_running(
        self, number: int, params: Mapping[str, tuple[BaseDistribution, float]]
    ) -> None:
        """Record internal values of running trial ``number`` (adding its row if new).

        Parameters
        ----------
        number : int
        params : mapping
            Name to ``(distribution, internal value)``; may be empty.
        """
        row = self._run_row.get(number)
        if row is None:
            row = len(self._run_row)
            if row == self._run_x.shape[0]:
                self._run_x = _grown(self._run_x, 2 * row, np.nan)
                self._run_numbers = _grown(self._run_numbers, 2 * row, 0)
            self._run_x[row] = np.nan
            self._run_numbers[row] = number
            self._run_row[number] = row
        for name, (distribution, internal) in params.items():
            hit = self._recent.get(name)
            if hit is not None and hit[0] is distribution:
                column = hit[1]
            else:
                column = self._column_of(name, distribution)
            self._run_x[row, column] = internal

    def drop_running(self, number: int) -> None:
        """Forget running trial ``number`` (nothing if absent); the last row takes its place."""
        row = self._run_row.pop(number, None)
        if row is None:
            return
        last = len(self._run_row)
        if row != last:
            moved = int(self._run_numbers[last])
            self._run_x[row] = self._run_x[last]
            self._run_numbers[row] = moved
            self._run_row[moved] = row

    def set_running_block(
        self, numbers: np.ndarray, params: Sequence[tuple[str, BaseDistribution]],
        x: np.ndarray,
    ) -> None:
        """Add new running trials that share their parameters (as `set_running` each).

        Parameters
        ----------
        numbers : ndarray of shape (k,)
            Numbers of trials not in the block yet.
        params : sequence of (name, distribution)
        x : ndarray of shape (k, len(params))
            Internal values.
        """
        k = numbers.shape[0]
        columns = [self._column_of(name, distribution) for name, distribution in params]
        start = len(self._run_row)
        if start + k > self._run_x.shape[0]:
            size = max(2 * self._run_x.shape[0], start + k)
            self._run_x = _grown(self._run_x, size, np.nan)
            self._run_numbers = _grown(self._run_numbers, size, 0)
        stop = start + k
        self._run_x[start:stop] = np.nan
        self._run_x[start:stop, columns] = x
        self._run_numbers[start:stop] = numbers
        self._run_row.update(zip(numbers.tolist(), range(start, stop)))

    def drop_running_block(self, numbers: Iterable[int]) -> None:
        """Forget the running trials ``numbers`` (those absent are ignored)."""
        rows = [row for row in map(self._run_row.pop, numbers, repeat(None)) if row is not None]
        if not rows:
            return
        n = len(self._run_row) + len(rows)
        keep = np.ones(n, dtype=bool)
        keep[rows] = False
        kept = np.flatnonzero(keep)
        self._run_x[: kept.size] = self._run_x[kept]
        self._run_numbers[: kept.size] = self._run_numbers[kept]
        self._run_row = dict(zip(self._run_numbers[: kept.size].tolist(), range(kept.size)))

    def replace_running(
        self, rows: Iterable[tuple[int, Mapping[str, tuple[BaseDistribution, float]]]]
    ) -> None:
        """Replace the whole block by ``(number, params)`` rows (a storage's fresh read)."""
        self._run_row.clear()
        for number, params in rows:
            self.set_running(number, params)

    def _column_of(self, name: str, distribution: BaseDistribution) -> int:
        """Column of ``(name, distribution)``, added if new."""
        key = (name, distribution)
        column = self._columns.get(key)
        if column is None:
            column = self._add_column(key)
        self._recent[name] = (distribution, column)
        return column

    def _add_column(self, key: tuple[str, BaseDistribution]) -> int:
        column = len(self.names)
        if column == self._x.shape[1]:
            grown = np.full((self._x.shape[0], 2 * self._x.shape[1]), np.nan)
            grown[:, :column] = self._x
            self._x = grown
            grown = np.full((self._run_x.shape[0], 2 * self._run_x.shape[1]), np.nan)
            grown[:, :column] = self._run_x
            self._run_x = grown
        self._columns[key] = column
        self.names.append(key[0])
        self.distributions.append(key[1])
        self._n_complete_in_column.append(0)
        return column

    def _grow_rows(self) -> None:
        n_rows = 2 * self._x.shape[0]
        self._x = _grown(self._x, n_rows, np.nan)
        self._values = _grown(self._values, n_rows, np.nan)
        self._states = _grown(self._states, n_rows, 0)
        self._numbers = _grown(self._numbers, n_rows, 0)
        self._constraints = _grown(self._constraints, n_rows, np.nan)


def _grown(array: np.ndarray, n_rows: int, fill: float) -> np.ndarray:
    """Copy ``array`` into a new one with ``n_rows`` rows, the rest ``fill``."""
    grown = np.empty((n_rows,) + array.shape[1:], dtype=array.dtype)
    grown[: array.shape[0]] = array
    grown[array.shape[0]:] = fill  # each element written once
    return grown
