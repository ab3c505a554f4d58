"""Plot data: what each plot shows, computed from a study without matplotlib.

Every ``*_data`` function returns plain arrays (tested on their own); the
drawing functions of `bbopt.visualization._draw` only lay them out. Parameter
coordinates are kept as *axis values*: user values for numeric parameters
(drawn on a log axis when the parameter is log-scaled), choice indices for
categorical ones (drawn with the choices as tick labels).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution, CategoricalDistribution
from bbopt._frozen import TrialState
from bbopt._multi_objective import hypervolume, pareto_front_rows
from bbopt._validation import ensure_int
from bbopt.importance._table import (
    StudyTable,
    Target,
    complete_values,
    is_categorical,
    is_log,
    study_table,
    to_plot_coordinates,
)
from bbopt.samplers._constraints import violations

if TYPE_CHECKING:
    from bbopt._study import Study

FloatArray = NDArray[np.float64]


@dataclass
class Axis:
    """How to draw one parameter's axis.

    Attributes
    ----------
    name : str
    log : bool
        Log-scaled numeric parameter (log axis).
    choices : list or None
        Choices of a categorical parameter (axis values are their indices).
    low, high : float
        Axis range in axis values.
    """

    name: str
    log: bool
    choices: list[Any] | None
    low: float
    high: float


def axis_of(name: str, distribution: BaseDistribution) -> Axis:
    """The `Axis` of a parameter."""
    if isinstance(distribution, CategoricalDistribution):
        k = len(distribution.choices)
        return Axis(name, False, list(distribution.choices), -0.5, k - 0.5)
    low, high = float(distribution.low), float(distribution.high)  # type: ignore[attr-defined]
    return Axis(name, is_log(distribution), None, low, high)


def _studies(studies: Any, owner: str) -> list[Study]:
    from bbopt._study import Study

    if isinstance(studies, Study):
        return [studies]
    studies = list(studies) if isinstance(studies, Sequence) else studies
    if not isinstance(studies, list) or not studies or not all(
        isinstance(s, Study) for s in studies
    ):
        raise TypeError(
            f"The 'study' parameter of {owner} must be a Study or a non-empty sequence of "
            f"studies. Got {studies!r} instead."
        )
    return studies


# -- optimization history ---------------------------------------------------------------
@dataclass
class HistoryData:
    """Values of the complete trials by trial number, and the best so far.

    Attributes
    ----------
    study_name : str
    numbers : ndarray of int of shape (n,)
        Increasing trial numbers.
    values : ndarray of shape (n,)
    best : ndarray of shape (n,)
        Best value among the trials up to each one.
    """

    study_name: str
    numbers: NDArray[np.int64]
    values: FloatArray
    best: FloatArray


def history_data(study: Study | Sequence[Study], target: Target | None = None
                 ) -> list[HistoryData]:
    """Return the optimization history of each study.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> for v in [3.0, 1.0, 2.0]:
    ...     _ = study.tell(study.ask(), v)
    >>> history_data(study)[0].best.tolist()
    [3.0, 1.0, 1.0]
    """
    out = []
    for s in _studies(study, "plot_optimization_history"):
        rows, values, minimize = complete_values(s, target, "plot_optimization_history")
        numbers = s.get_observations().numbers[rows]
        order = np.argsort(numbers, kind="stable")
        numbers, values = numbers[order], values[order]
        best = np.minimum.accumulate(values) if minimize else np.maximum.accumulate(values)
        out.append(HistoryData(s.study_name, numbers.astype(np.int64), values, best))
    return out


# -- slice, rank, parallel coordinates ---------------------------------------------------
@dataclass
class ParamData:
    """Complete trials with their parameter values as axis values.

    Attributes
    ----------
    axes : list of Axis, length k
    x : ndarray of shape (n, k)
        Axis values; NaN where a trial did not use a parameter.
    values : ndarray of shape (n,)
    numbers : ndarray of int of shape (n,)
    minimize : bool
    """

    axes: list[Axis]
    x: FloatArray
    values: FloatArray
    numbers: NDArray[np.int64]
    minimize: bool


def param_data(study: Study, params: Sequence[str] | None = None,
               target: Target | None = None, owner: str = "plot_slice") -> ParamData:
    """Return the complete trials' parameters as axis values (slice and rank plots).

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> t = study.ask({"lr": bbopt.FloatDistribution(1e-3, 1.0, log=True)})
    >>> _ = study.tell(t, 0.5)
    >>> data = param_data(study)
    >>> data.x.round(6).tolist(), data.axes[0].log
    ([[...]], True)
    """
    table = study_table(study, params, target, owner)
    return _param_data(table)


def _param_data(table: StudyTable) -> ParamData:
    x = np.empty_like(table.x)
    for j, dist in enumerate(table.distributions):
        x[:, j] = to_plot_coordinates(dist, table.x[:, j])
    axes = [axis_of(n, d) for n, d in zip(table.names, table.distributions)]
    return ParamData(axes, x, table.values, table.numbers, table.minimize)


def rank_colors(values: FloatArray, minimize: bool) -> FloatArray:
    """Rank of each value scaled to [0, 1], 0 for the best (ties share the lower rank).

    Examples
    --------
    >>> rank_colors(np.array([3.0, 1.0, 2.0, 1.0]), minimize=True).tolist()
    [1.0, 0.0, 0.6666666666666666, 0.0]
    """
    v = values if minimize else -values
    order = np.sort(v)
    rank = np.searchsorted(order, v, side="left").astype(np.float64)
    return rank / max(v.size - 1, 1)  # type: ignore[no-any-return]


@dataclass
class ParallelData:
    """Trials as polylines over normalised axes (objective first).

    Attributes
    ----------
    labels : list of str, length k + 1
    y : ndarray of shape (n, k + 1)
        Each axis scaled to [0, 1] (log axes in log space, choices by index); NaN
        where a trial did not use a parameter.
    ticks : list of (ndarray, list of str)
        Per axis, tick positions in [0, 1] and their labels.
    values : ndarray of shape (n,)
    minimize : bool
    """

    labels: list[str]
    y: FloatArray
    ticks: list[tuple[FloatArray, list[str]]]
    values: FloatArray
    minimize: bool


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def parallel_data(study: Study, params: Sequence[str] | None = None,
                  target: Target | None = None, target_name: str = "Objective value"
                  ) -> ParallelData:
    """Return the parallel-coordinate data of the complete trials.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> space = {"x": bbopt.FloatDistribution(0.0, 4.0)}
    >>> for x, v in [(0.0, 3.0), (4.0, 1.0), (1.0, 2.0)]:
    ...     study.add_trial(bbopt.create_trial(params={"x": x}, distributions=space, value=v))
    >>> parallel_data(study).y.tolist()
    [[1.0, 0.0], [0.0, 1.0], [0.5, 0.25]]
    """
    table = study_table(study, params, target, "plot_parallel_coordinate")
    columns = [(target_name, None, table.values)] + [
        (n, d, table.x[:, j]) for j, (n, d) in enumerate(zip(table.names, table.distributions))
    ]
    n = table.values.size
    y = np.empty((n, len(columns)))
    ticks = []
    for j, (_, dist, col) in enumerate(columns):
        if dist is not None and is_categorical(dist):
            k = len(dist.choices)  # type: ignore[attr-defined]
            lo, hi = 0.0, float(max(k - 1, 1))
            y[:, j] = col / hi
            labels = [str(c) for c in dist.choices]  # type: ignore[attr-defined]
            ticks.append((np.arange(k) / hi, labels))
            continue
        finite = col[~np.isnan(col)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        y[:, j] = (col - lo) / span
        pos = np.linspace(0.0, 1.0, 5) if hi > lo else np.array([0.0])
        internal = lo + pos * span
        shown = np.exp(internal) if dist is not None and is_log(dist) else internal
        ticks.append((pos, [_fmt(v) for v in shown]))
    return ParallelData([c[0] for c in columns], y, ticks, table.values, table.minimize)


# -- contour -----------------------------------------------------------------------------
@dataclass
class ContourData:
    """The objective interpolated over the plane of two parameters.

    Attributes
    ----------
    x_axis, y_axis : Axis
    x_grid : ndarray of shape (n_x,)
        Grid of axis values along x (choice indices for a categorical axis).
    y_grid : ndarray of shape (n_y,)
    z : ndarray of shape (n_y, n_x)
        Interpolated values.
    x, y, values : ndarray of shape (n,)
        The trials that used both parameters (axis values) and their values.
    """

    x_axis: Axis
    y_axis: Axis
    x_grid: FloatArray
    y_grid: FloatArray
    z: FloatArray
    x: FloatArray
    y: FloatArray
    values: FloatArray


def _grid_of(dist: BaseDistribution, n_grid: int) -> tuple[FloatArray, FloatArray]:
    """Internal grid coordinates of a parameter and their axis values."""
    if is_categorical(dist):
        g = np.arange(len(dist.choices), dtype=np.float64)  # type: ignore[attr-defined]
        return g, g
    low, high = float(dist.low), float(dist.high)  # type: ignore[attr-defined]
    if is_log(dist):
        g = np.linspace(np.log(low), np.log(high), n_grid)
        return g, np.exp(g)
    g = np.linspace(low, high, n_grid)
    return g, g


def _cells(u: FloatArray, grid: FloatArray) -> NDArray[np.int64]:
    """Index of the nearest grid point of each coordinate (grid evenly spaced)."""
    if grid.size == 1:
        return np.zeros(u.size, dtype=np.int64)
    i = np.rint((u - grid[0]) / (grid[1] - grid[0]))
    return np.clip(i, 0, grid.size - 1).astype(np.int64)


#: Triangle-point pairs tested per chunk of the rasteriser (bounds its temporaries).
_PAIRS_PER_CHUNK = 1 << 20


def _interpolate_cells(ix: NDArray[np.int64], iy: NDArray[np.int64], means: FloatArray,
                       n_x: int, n_y: int) -> FloatArray:
    """Fill an (n_y, n_x) grid from the values ``means`` at cells (iy, ix).

    Linear interpolation over the Delaunay triangles of the given cells (each
    triangle rasterised onto the grid points it covers, by barycentric
    coordinates: exact for a linear function), then the nearest given cell
    outside their convex hull. ``Delaunay.find_simplex`` is not used: its
    barycentric transforms go through LAPACK, one tiny threaded call per
    triangle, far slower than this on a busy machine.
    """
    from scipy import ndimage
    from scipy.spatial import Delaunay, QhullError

    z = np.full((n_y, n_x), np.nan)
    z[iy, ix] = means
    if ix.size >= 3 and np.ptp(ix) > 0 and np.ptp(iy) > 0:
        points = np.column_stack([ix, iy]).astype(np.float64)
        try:
            simplices = Delaunay(points).simplices  # (n_tri, 3)
        except QhullError:  # all cells on one line: nearest values only
            simplices = np.empty((0, 3), dtype=np.int64)
        _rasterise(points, means, simplices, z)
    missing = np.isnan(z)
    if missing.any():
        nearest = ndimage.distance_transform_edt(missing, return_distances=False,
                                                 return_indices=True)
        z = z[nearest[0], nearest[1]]
    return z


def _rasterise(points: FloatArray, values: FloatArray, simplices: NDArray[np.int64],
               z: FloatArray) -> None:
    """Write into ``z`` the linear interpolant of every triangle at the grid points it covers."""
    p = points[simplices]  # (n_tri, 3, 2)
    lo = np.ceil(p.min(axis=1)).astype(np.int64)  # (n_tri, 2) bounding boxes of grid points
    hi = np.floor(p.max(axis=1)).astype(np.int64)
    size = (hi - lo + 1).prod(axis=1)
    ends = np.cumsum(size)
    start = 0
    while start < simplices.shape[0]:
        stop = int(np.searchsorted(ends, ends[start] - size[start] + _PAIRS_PER_CHUNK,
                                   side="right"))
        stop = max(stop, start + 1)
        tri = np.repeat(np.arange(start, stop), size[start:stop])
        offset = np.arange(tri.size) - np.repeat(ends[start:stop] - size[start:stop] - (
            ends[start] - size[start]), size[start:stop])
        width = (hi[tri, 0] - lo[tri, 0] + 1)
        gx = lo[tri, 0] + offset % width
        gy = lo[tri, 1] + offset // width
        a, b, c = p[tri, 0], p[tri, 1], p[tri, 2]
        det = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
        dx, dy = gx - a[:, 0], gy - a[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            l1 = (dx * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * dy) / det
            l2 = ((b[:, 0] - a[:, 0]) * dy - dx * (b[:, 1] - a[:, 1])) / det
        l0 = 1.0 - l1 - l2
        tol = -1e-9
        inside = (l0 >= tol) & (l1 >= tol) & (l2 >= tol) & (det != 0)
        v = values[simplices[tri]]
        z[gy[inside], gx[inside]] = (l0 * v[:, 0] + l1 * v[:, 1] + l2 * v[:, 2])[inside]
        start = stop


def contour_data(study: Study, params: Sequence[str], target: Target | None = None,
                 n_grid: int = 100) -> ContourData:
    """Interpolate the objective over the plane of two parameters.

    The trials are first averaged per cell of an ``n_grid`` x ``n_grid`` grid
    (one cell per choice along a categorical axis), which bounds the cost for
    long studies; the cell means are then interpolated linearly over their
    Delaunay triangulation (in grid-index units, so both axes weigh the same)
    and extended by the nearest cell mean outside their convex hull.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> space = {"a": bbopt.FloatDistribution(0, 1), "b": bbopt.FloatDistribution(0, 1)}
    >>> for a, b in [(0, 0), (1, 0), (0, 1), (1, 1)]:
    ...     study.add_trial(bbopt.create_trial(params={"a": a, "b": b}, distributions=space,
    ...                                        value=a + 2 * b))
    >>> data = contour_data(study, ["a", "b"], n_grid=3)
    >>> data.z.tolist()
    [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
    """
    n_grid = ensure_int(n_grid, "n_grid", "plot_contour", minimum=2)
    if isinstance(params, str) or len(params) != 2:
        raise ValueError(
            f"The 'params' parameter of contour_data must name two parameters. Got {params!r}."
        )
    table = study_table(study, params, target, "plot_contour")
    both = ~np.isnan(table.x).any(axis=1)
    if not both.any():
        raise ValueError(
            f"plot_contour needs a complete trial that used both {params[0]!r} and "
            f"{params[1]!r}: study {study.study_name!r} has none."
        )
    ux, uy, values = table.x[both, 0], table.x[both, 1], table.values[both]
    gx, ax_values = _grid_of(table.distributions[0], n_grid)
    gy, ay_values = _grid_of(table.distributions[1], n_grid)
    cell = _cells(uy, gy) * gx.size + _cells(ux, gx)
    n_cells = gx.size * gy.size
    counts = np.bincount(cell, minlength=n_cells)
    sums = np.bincount(cell, weights=values, minlength=n_cells)
    filled = np.flatnonzero(counts)
    means = sums[filled] / counts[filled]
    z = _interpolate_cells(filled % gx.size, filled // gx.size, means, gx.size, gy.size)
    return ContourData(
        x_axis=axis_of(table.names[0], table.distributions[0]),
        y_axis=axis_of(table.names[1], table.distributions[1]),
        x_grid=ax_values, y_grid=ay_values, z=z,
        x=to_plot_coordinates(table.distributions[0], ux),
        y=to_plot_coordinates(table.distributions[1], uy), values=values,
    )


# -- empirical distribution --------------------------------------------------------------
@dataclass
class EdfData:
    """Empirical distribution function of a study's values.

    Attributes
    ----------
    study_name : str
    values : ndarray of shape (n,)
        Sorted values.
    fraction : ndarray of shape (n,)
        Fraction of the trials with a value <= each one.
    """

    study_name: str
    values: FloatArray
    fraction: FloatArray


def edf_data(study: Study | Sequence[Study], target: Target | None = None) -> list[EdfData]:
    """Return the empirical distribution of the complete trials' values of each study.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> for v in [3.0, 1.0]:
    ...     _ = study.tell(study.ask(), v)
    >>> edf_data(study)[0].fraction.tolist()
    [0.5, 1.0]
    """
    out = []
    for s in _studies(study, "plot_edf"):
        _, values, _ = complete_values(s, target, "plot_edf")
        v = np.sort(values)
        out.append(EdfData(s.study_name, v, np.arange(1, v.size + 1) / v.size))
    return out


# -- intermediate values -----------------------------------------------------------------
@dataclass
class IntermediateData:
    """Learning curves of the trials that reported intermediate values.

    Attributes
    ----------
    numbers : ndarray of int of shape (m,)
    states : ndarray of int of shape (m,)
        `TrialState` codes.
    offsets : ndarray of int of shape (m + 1,)
        Curve i is ``steps[offsets[i]:offsets[i + 1]]`` / ``values[...]``.
    steps, values : ndarray of shape (total,)
    """

    numbers: NDArray[np.int64]
    states: NDArray[np.int64]
    offsets: NDArray[np.int64]
    steps: FloatArray
    values: FloatArray


def intermediate_data(study: Study) -> IntermediateData:
    """Return the intermediate values of every trial that reported some.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> t = study.ask()
    >>> t.report(0.5, 0); t.report(0.25, 1)
    >>> _ = study.tell(t, 0.25)
    >>> intermediate_data(study).values.tolist()
    [0.5, 0.25]
    """
    numbers: list[int] = []
    states: list[int] = []
    lengths: list[int] = []
    steps: list[float] = []
    values: list[float] = []
    for t in study.get_trials(deepcopy=False):
        if not t.intermediate_values:
            continue
        items = sorted(t.intermediate_values.items())
        numbers.append(t.number)
        states.append(int(t.state))
        lengths.append(len(items))
        steps.extend(s for s, _ in items)
        values.extend(v for _, v in items)
    if not numbers:
        raise ValueError(
            f"plot_intermediate_values needs a trial with intermediate values: study "
            f"{study.study_name!r} has none."
        )
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return IntermediateData(np.array(numbers, dtype=np.int64), np.array(states, dtype=np.int64),
                            offsets, np.array(steps, dtype=np.float64),
                            np.array(values, dtype=np.float64))


# -- timeline ----------------------------------------------------------------------------
@dataclass
class TimelineData:
    """When each trial ran.

    Attributes
    ----------
    numbers : ndarray of int of shape (n,)
    states : ndarray of int of shape (n,)
    start, end : ndarray of shape (n,)
        Seconds since ``origin``; a running trial ends now.
    origin : datetime
        Start of the first trial.
    """

    numbers: NDArray[np.int64]
    states: NDArray[np.int64]
    start: FloatArray
    end: FloatArray
    origin: datetime.datetime


def timeline_data(study: Study) -> TimelineData:
    """Return the start and end of every trial that started.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study()
    >>> _ = study.tell(study.ask(), 1.0)
    >>> data = timeline_data(study)
    >>> data.numbers.tolist(), bool(data.end[0] >= data.start[0] >= 0)
    ([0], True)
    """
    trials = []
    started: list[datetime.datetime] = []
    for t in study.get_trials(deepcopy=False):
        if t.datetime_start is not None:
            trials.append(t)
            started.append(t.datetime_start)
    if not trials:
        raise ValueError(
            f"plot_timeline needs a trial that started: study {study.study_name!r} has none."
        )
    origin = min(started)
    now = datetime.datetime.now(origin.tzinfo)
    start = np.array([(s - origin).total_seconds() for s in started])
    end = np.array([((t.datetime_complete or now) - origin).total_seconds() for t in trials])
    return TimelineData(np.array([t.number for t in trials], dtype=np.int64),
                        np.array([int(t.state) for t in trials], dtype=np.int64),
                        start, np.maximum(end, start), origin)


# -- Pareto front ------------------------------------------------------------------------
@dataclass
class ParetoData:
    """Objective vectors of the complete trials and which of them are Pareto-optimal.

    Attributes
    ----------
    names : list of str, length m (2 or more)
    values : ndarray of shape (n, m)
    on_front : ndarray of bool of shape (n,)
        Pareto-optimal among the feasible trials.
    numbers : ndarray of int of shape (n,)
    feasible : ndarray of bool of shape (n,)
        All True unless the trials recorded constraint values.
    """

    names: list[str]
    values: FloatArray
    on_front: NDArray[np.bool_]
    numbers: NDArray[np.int64]
    feasible: NDArray[np.bool_]


def pareto_data(study: Study, targets: Any = None, target_names: Sequence[str] | None = None
                ) -> ParetoData:
    """Return the objective vectors and the Pareto front of a multi-objective study.

    ``targets`` maps a FrozenTrial to 2 or 3 values to plot instead of the
    objectives (all minimised then).

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(directions=["minimize", "minimize"])
    >>> for v in [(1.0, 3.0), (2.0, 2.0), (3.0, 3.0)]:
    ...     _ = study.tell(study.ask(), v)
    >>> pareto_data(study).on_front.tolist()
    [True, True, False]
    """
    owner = "plot_pareto_front"
    obs = study.get_observations()
    rows = np.flatnonzero(obs.states == TrialState.COMPLETE)
    if rows.size == 0:
        raise ValueError(f"{owner} needs a complete trial: study {study.study_name!r} has none.")
    numbers = obs.numbers[rows].astype(np.int64)
    if targets is None:
        values = np.array(obs.values[rows], dtype=np.float64)
        signs = obs.signs
    else:
        if not callable(targets):
            raise TypeError(f"The 'targets' parameter of {owner} must be a callable. "
                            f"Got {targets!r} instead.")
        by_number = {t.number: t for t in study.get_trials(deepcopy=False,
                                                            states=(TrialState.COMPLETE,))}
        values = np.array([np.asarray(targets(by_number[int(n)]), dtype=np.float64)
                           for n in numbers])
        if not np.all(np.isfinite(values)):
            raise ValueError(f"The 'targets' parameter of {owner} must return finite values.")
        signs = np.ones(values.shape[1])
    m = values.shape[1] if values.ndim == 2 else 0
    if m < 2:
        raise ValueError(
            f"{owner} draws 2 or more objectives; study {study.study_name!r} gives {m} "
            "(pass 'targets' to choose them)."
        )
    if target_names is None:
        target_names = [f"Objective {i}" for i in range(m)]
    elif len(target_names) != m:
        raise ValueError(f"The 'target_names' parameter of {owner} must have {m} names. "
                         f"Got {list(target_names)!r} instead.")
    feasible = violations(obs.constraints[rows]) == 0.0
    on_front = np.zeros(rows.size, dtype=bool)
    candidates = np.flatnonzero(feasible)
    on_front[candidates[pareto_front_rows(values[candidates] * signs)]] = True
    return ParetoData(list(target_names), values, on_front, numbers, feasible)


# -- hypervolume history -----------------------------------------------------------------
@dataclass
class HypervolumeData:
    """Hypervolume of the feasible complete trials so far, after each complete trial.

    Attributes
    ----------
    numbers : ndarray of int of shape (n,)
        Complete trials, in number order.
    hypervolume : ndarray of shape (n,)
        Hypervolume dominated by the feasible ones among the first k, bounded by
        the reference point (objectives as minimised).
    """

    numbers: NDArray[np.int64]
    hypervolume: FloatArray


def hypervolume_data(study: Study, reference_point: Any) -> HypervolumeData:
    """Return the hypervolume history of a multi-objective study.

    ``reference_point`` is in the objectives' own directions (a maximised
    objective's reference is below its values). The hypervolume is
    recomputed only after a trial that enters the front, with the compiled
    exact algorithm.

    Examples
    --------
    >>> import bbopt
    >>> study = bbopt.create_study(directions=["minimize", "maximize"])
    >>> for v in [(1.0, 1.0), (0.5, 0.5), (0.5, 2.0)]:
    ...     _ = study.tell(study.ask(), v)
    >>> hypervolume_data(study, [2.0, 0.0]).hypervolume.tolist()
    [1.0, 1.25, 3.0]
    """
    owner = "plot_hypervolume_history"
    obs = study.get_observations()
    m = obs.n_objectives
    try:
        reference = np.asarray(reference_point, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        reference = np.empty(0)
    if m < 2 or reference.shape != (m,) or not np.all(np.isfinite(reference)):
        raise ValueError(
            f"The 'reference_point' parameter of {owner} must be {m} finite floats, one per "
            f"objective, for a study of 2 or more objectives. Got {reference_point!r} instead."
        )
    rows = np.flatnonzero(obs.states == TrialState.COMPLETE)
    rows = rows[np.argsort(obs.numbers[rows], kind="stable")]
    scores = obs.values[rows] * obs.signs  # minimised
    reference = reference * obs.signs
    feasible = violations(obs.constraints[rows]) == 0.0
    out = np.zeros(rows.size)
    front = np.empty((0, m))
    volume = 0.0
    for k in range(rows.size):
        point = scores[k]
        if feasible[k] and np.all(point < reference) and not np.any(
                np.all(front <= point, axis=1)):
            front = np.vstack([front[~np.all(point <= front, axis=1)], point])
            volume = hypervolume(front, reference)
        out[k] = volume
    return HypervolumeData(obs.numbers[rows].astype(np.int64), out)
