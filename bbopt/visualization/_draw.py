"""Drawing: lay the plot data of `bbopt.visualization._data` out with matplotlib.

matplotlib is imported inside the functions only (the ``plot`` extra). Long
studies stay fast: point clouds are one rasterised scatter, curves and
polylines one rasterised `LineCollection`, never one artist per trial.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bbopt._frozen import TrialState
from bbopt._validation import ensure_int
from bbopt.importance import get_param_importances
from bbopt.importance._table import Target, choose_columns, complete_values
from bbopt.visualization._data import (
    Axis,
    ParetoData,
    contour_data,
    edf_data,
    history_data,
    hypervolume_data,
    intermediate_data,
    parallel_data,
    param_data,
    pareto_data,
    rank_colors,
    timeline_data,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bbopt._study import Study

#: Without ``params``, matrix plots (contour, rank) show at most this many
#: parameters: the most important ones by `get_param_importances`.
MAX_MATRIX_PARAMS = 6

_STATE_COLORS = {
    TrialState.COMPLETE: "tab:blue",
    TrialState.PRUNED: "tab:red",
    TrialState.FAIL: "tab:gray",
    TrialState.RUNNING: "tab:green",
    TrialState.WAITING: "tab:olive",
}
#: States drawn first to last (the last on top) in density images.
_DRAW_ORDER = [TrialState.FAIL, TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE,
               TrialState.PRUNED]
_CMAP = "viridis"
_GRID_SPACING = {"wspace": 0.35, "hspace": 0.45, "left": 0.08, "right": 0.95, "bottom": 0.1,
                 "top": 0.95}


def is_available() -> bool:
    """Whether matplotlib, which every plot needs, can be imported (as Optuna's function).

    Returns
    -------
    bool

    Examples
    --------
    >>> from bbopt.visualization import is_available
    >>> isinstance(is_available(), bool)
    True
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "bbopt.visualization needs matplotlib: pip install \"bbopt[plot]\""
        ) from exc
    return plt


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.0)) -> Axes:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def _axes_grid(ax: Any, n: int, owner: str, per_axes: float = 2.8) -> np.ndarray:
    """``n`` axes: the given ones (a sequence of ``n`` Axes) or a new grid."""
    if ax is not None:
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.size != n:
            raise ValueError(f"The 'ax' parameter of {owner} must hold {n} Axes. "
                             f"Got {axes.size} instead.")
        return axes
    n_cols = min(n, 5)
    n_rows = math.ceil(n / n_cols)
    # No constrained layout: its passes over many panels cost seconds; fixed margins instead.
    fig, grid = _pyplot().subplots(n_rows, n_cols, figsize=(per_axes * n_cols, per_axes * n_rows),
                                   squeeze=False, gridspec_kw=_GRID_SPACING)
    for extra in grid.ravel()[n:]:
        extra.set_visible(False)
    return grid.ravel()[:n]  # type: ignore[no-any-return]


#: Above this many points (lines), a coloured cloud is drawn as marker groups (a density
#: image): matplotlib's per-item collections cost about 10 us per point when rendered.
MAX_ITEMS = 5000
_N_COLOR_GROUPS = 16


def _colored_points(ax: Axes, x: np.ndarray, y: np.ndarray, c: np.ndarray, cmap: str,
                    vmin: float | None = None, vmax: float | None = None, size: float = 8.0
                    ) -> Any:
    """Scatter coloured by ``c``; return a mappable for a colour bar.

    Large clouds are drawn as ``_N_COLOR_GROUPS`` marker lines of one colour each
    (Agg stamps one cached marker per point), not as a per-point collection.
    """
    import matplotlib as mpl

    lo = float(np.min(c)) if vmin is None else vmin
    hi = float(np.max(c)) if vmax is None else vmax
    norm = mpl.colors.Normalize(lo, hi if hi > lo else lo + 1.0)
    if x.size <= MAX_ITEMS:
        return ax.scatter(x, y, c=c, cmap=cmap, norm=norm, s=size, linewidths=0,
                          rasterized=True)
    colormap = mpl.colormaps[cmap]
    group = np.clip((norm(c) * _N_COLOR_GROUPS).astype(np.int64), 0, _N_COLOR_GROUPS - 1)
    # Draw the groups from the end of the colour scale down, so that low values lie on top.
    for g in range(_N_COLOR_GROUPS - 1, -1, -1):
        mask = group == g
        if mask.any():
            ax.plot(x[mask], y[mask], "o", ms=math.sqrt(size), mew=0, linestyle="none",
                    color=colormap((g + 0.5) / _N_COLOR_GROUPS), rasterized=True)
    return mpl.cm.ScalarMappable(norm=norm, cmap=colormap)


def _points(ax: Axes, x: np.ndarray, y: np.ndarray, color: Any, size: float = 6.0,
            alpha: float = 1.0, label: str | None = None) -> None:
    """Scatter of one colour: markers of one line for large clouds (see `_colored_points`)."""
    if x.size <= MAX_ITEMS:
        ax.scatter(x, y, s=size, color=color, alpha=alpha, label=label, linewidths=0,
                   rasterized=True)
    else:
        ax.plot(x, y, "o", ms=math.sqrt(size), mew=0, linestyle="none", color=color,
                alpha=alpha, label=label, rasterized=True)


def _overlay_subset(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most MAX_ITEMS of the points (a fixed random subset): enough to show where."""
    if x.size <= MAX_ITEMS:
        return x, y
    keep = np.random.default_rng(0).choice(x.size, MAX_ITEMS, replace=False)
    return x[keep], y[keep]


def _segment_density(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
                     weights: np.ndarray, extent: tuple[float, float, float, float],
                     shape: tuple[int, int], n_samples: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Rasterise line segments: per pixel, how many segments cross it and the sum of weights.

    Each segment is sampled at ``n_samples`` points; ``shape`` is (rows, columns)
    of the image over ``extent`` = (x_lo, x_hi, y_lo, y_hi).
    """
    n_rows, n_cols = shape
    x_lo, x_hi, y_lo, y_hi = extent
    counts = np.zeros(n_rows * n_cols)
    sums = np.zeros(n_rows * n_cols)
    keep = np.isfinite(x0) & np.isfinite(y0) & np.isfinite(x1) & np.isfinite(y1)
    x0, y0, x1, y1, weights = x0[keep], y0[keep], x1[keep], y1[keep], weights[keep]
    sx, sy = (n_cols - 1e-9) / (x_hi - x_lo), (n_rows - 1e-9) / (y_hi - y_lo)
    for t in np.linspace(0.0, 1.0, n_samples):
        col = np.clip(((x0 + t * (x1 - x0)) - x_lo) * sx, 0, n_cols - 1).astype(np.int64)
        row = np.clip(((y0 + t * (y1 - y0)) - y_lo) * sy, 0, n_rows - 1).astype(np.int64)
        cell = row * n_cols + col
        counts += np.bincount(cell, minlength=counts.size)
        sums += np.bincount(cell, weights=weights, minlength=sums.size)
    return counts.reshape(shape), sums.reshape(shape)


def _density_rgba(counts: np.ndarray, color: Any) -> np.ndarray:
    """An RGBA image: ``color`` (a colour or per-pixel RGB), alpha by log density."""
    alpha = np.log1p(counts) / max(np.log1p(counts.max()), 1e-12)
    rgba = np.empty(counts.shape + (4,))
    rgba[..., :3] = color if np.ndim(color) == 3 else np.asarray(color)[:3]
    rgba[..., 3] = 0.15 + 0.85 * alpha
    rgba[counts == 0, 3] = 0.0
    return rgba


def _state_color(state: int) -> str:
    return _STATE_COLORS.get(TrialState(state), "black")


def _states_in_draw_order(states: np.ndarray) -> list[int]:
    """The states present in ``states``, those drawn last (on top) last."""
    return sorted(set(states.tolist()), key=_DRAW_ORDER.index)


def _state_image(ax: Axes, counts: np.ndarray, state: int,
                 extent: tuple[float, float, float, float]) -> None:
    """Draw ``counts`` as a density image in the colour of ``state``."""
    ax.imshow(_density_rgba(counts, _mpl_rgb(_state_color(state))), extent=extent,
              origin="lower", aspect="auto", interpolation="nearest")


def _state_legend(ax: Axes, states: np.ndarray) -> None:
    """A legend of the trial states present in ``states``."""
    from matplotlib.lines import Line2D

    present = sorted({TrialState(s) for s in states})
    ax.legend([Line2D([], [], color=_state_color(s)) for s in present],
              [s.name.capitalize() for s in present], fontsize="small")


def _mpl_rgb(color: str) -> np.ndarray:
    """RGB of a matplotlib colour name."""
    import matplotlib as mpl

    return np.array(mpl.colors.to_rgb(color))


def _one_or_many(axes: np.ndarray) -> Any:
    return axes[0] if axes.size == 1 else axes


def _style_axis(ax: Axes, axis: Axis, which: str) -> None:
    """Log scale, categorical ticks and the label of a parameter's axis."""
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_label(axis.name)
    if axis.log:
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    if axis.choices is not None:
        set_ticks = ax.set_xticks if which == "x" else ax.set_yticks
        set_ticks(range(len(axis.choices)), [str(c) for c in axis.choices])
        (ax.set_xlim if which == "x" else ax.set_ylim)(axis.low, axis.high)


# -- plots -------------------------------------------------------------------------------
def plot_optimization_history(study: Study | Sequence[Study], *, target: Target | None = None,
                              target_name: str = "Objective value", ax: Axes | None = None
                              ) -> Axes:
    """Plot each complete trial's value and the best value so far, by trial number.

    Parameters
    ----------
    study : Study or sequence of Study
        Several studies share the figure (one colour each).
    target : callable, optional
        ``FrozenTrial -> float`` plotted instead of the objective (required
        for a study with several objectives).
    target_name : str, default "Objective value"
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_optimization_history
    >>> study = bbopt.create_study()
    >>> for v in [3.0, 1.0, 2.0]:
    ...     _ = study.tell(study.ask(), v)
    >>> ax = plot_optimization_history(study)
    >>> ax.get_title(), ax.lines[0].get_ydata().tolist()
    ('Optimization history', [3.0, 1.0, 1.0])
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    data = history_data(study, target)
    ax = _axes(ax)
    for i, d in enumerate(data):
        color = f"C{i}"
        label = d.study_name if len(data) > 1 else target_name
        _points(ax, d.numbers, d.values, color, alpha=0.5, label=label)
        ax.step(d.numbers, d.best, where="post", color=color if len(data) > 1 else "tab:red",
                label=f"Best ({d.study_name})" if len(data) > 1 else "Best value")
    ax.set_xlabel("Trial")
    ax.set_ylabel(target_name)
    ax.set_title("Optimization history")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_slice(study: Study, params: Sequence[str] | None = None, *,
               target: Target | None = None, target_name: str = "Objective value",
               ax: Any = None) -> Any:
    """Plot the value against each parameter (one panel per parameter).

    Points are coloured by trial number; log parameters get a log axis,
    categorical ones their choices as ticks.

    Returns
    -------
    matplotlib Axes (one parameter) or ndarray of Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_slice
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> axes = plot_slice(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    data = param_data(study, params, target, "plot_slice")
    if not data.axes:
        raise ValueError(f"plot_slice needs a parameter: study {study.study_name!r} has none.")
    axes = _axes_grid(ax, len(data.axes), "plot_slice")
    for j, (a, axis) in enumerate(zip(axes, data.axes)):
        used = ~np.isnan(data.x[:, j])
        points = _colored_points(a, data.x[used, j], data.values[used],
                                 data.numbers[used].astype(np.float64), _CMAP,
                                 vmin=0.0, vmax=float(data.numbers.max()))
        _style_axis(a, axis, "x")
        a.set_ylabel(target_name if j == 0 else "")
    axes[0].figure.colorbar(points, ax=list(axes), label="Trial", shrink=0.8)
    return _one_or_many(axes)


def _matrix_params(study: Study, params: Sequence[str] | None, target: Target | None,
                   owner: str) -> list[str]:
    """``params``, or the (at most MAX_MATRIX_PARAMS) most important parameters."""
    if params is not None:
        rows, _, _ = complete_values(study, target, owner)
        choose_columns(study, params, rows, owner)
        names = list(params)
    else:
        rows, _, _ = complete_values(study, target, owner)
        obs = study.get_observations()
        names = sorted({obs.names[j] for j in choose_columns(study, None, rows, owner)})
        if len(names) > MAX_MATRIX_PARAMS:
            names = list(get_param_importances(study, target=target))[:MAX_MATRIX_PARAMS]
    if len(names) < 2:
        raise ValueError(f"{owner} needs two parameters or more. Got {names!r}.")
    return names


def _matrix_axes(ax: Any, k: int, owner: str) -> np.ndarray:
    """A (k-1) x (k-1) grid: panel [i, j] plots parameter j (x) against i + 1 (y), j <= i."""
    n = k - 1
    if ax is not None:
        axes = np.asarray(ax, dtype=object)
        if axes.size == 1 and n == 1:
            return axes.reshape(1, 1)
        if axes.shape != (n, n):
            raise ValueError(f"The 'ax' parameter of {owner} must be a {n} x {n} array of Axes. "
                             f"Got shape {axes.shape} instead.")
        return axes
    size = 4.5 if n == 1 else 2.4
    _, grid = _pyplot().subplots(n, n, figsize=(size * n + 1.0, size * n), squeeze=False,
                                 **({"layout": "constrained"} if n == 1 else
                                    {"gridspec_kw": _GRID_SPACING}))
    for i in range(n):
        for j in range(i + 1, n):
            grid[i, j].set_visible(False)
    return grid  # type: ignore[no-any-return]


def plot_contour(study: Study, params: Sequence[str] | None = None, *,
                 target: Target | None = None, target_name: str = "Objective value",
                 ax: Any = None, n_grid: int = 100) -> Any:
    """Plot the objective interpolated over planes of parameter pairs, trials on top.

    With two parameters, one panel; with more, the lower triangle of a
    matrix of pairs. Without ``params``, the parameters of the complete
    trials (the `MAX_MATRIX_PARAMS` most important ones when there are more).
    Over `MAX_ITEMS` trials, a fixed random subset of that many is drawn on
    top (all of them are interpolated).

    Parameters
    ----------
    n_grid : int, default 100
        Grid points per numeric axis of the interpolation.

    Returns
    -------
    matplotlib Axes (two parameters) or ndarray of Axes of shape (k - 1, k - 1)

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_contour
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> axes = plot_contour(study, params=["x", "n"])
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    names = _matrix_params(study, params, target, "plot_contour")
    k = len(names)
    grid = _matrix_axes(ax, k, "plot_contour")
    datas = {}
    for i in range(k - 1):
        for j in range(i + 1):
            pair = [names[j], names[i + 1]]
            if k > 2 and not _used_together(study, pair, target):
                # Conditional parameters never used by the same trial: an empty panel.
                grid[i, j].text(0.5, 0.5, "no trial\nused both", ha="center", va="center",
                                transform=grid[i, j].transAxes, fontsize=7)
                grid[i, j].set_xlabel(pair[0] if i == k - 2 else "")
                grid[i, j].set_ylabel(pair[1] if j == 0 else "")
                continue
            datas[i, j] = contour_data(study, pair, target, n_grid)
    if not datas:
        raise ValueError(f"plot_contour needs a complete trial that used two of {names!r}: "
                         f"study {study.study_name!r} has none.")
    z_all = np.concatenate([d.z.ravel() for d in datas.values()])
    levels = np.linspace(z_all.min(), z_all.max(), 16) if z_all.max() > z_all.min() else None
    filled = None
    for (i, j), d in datas.items():
        a = grid[i, j]
        filled = a.contourf(d.x_grid, d.y_grid, d.z, levels=levels, cmap=_CMAP, extend="both")
        _points(a, *_overlay_subset(d.x, d.y), "black", size=3.0 if d.x.size <= 1000 else 1.5,
                alpha=0.4 if d.x.size <= 1000 else 0.25)
        _style_axis(a, d.x_axis, "x")
        _style_axis(a, d.y_axis, "y")
        if k > 2 and i < k - 2:
            a.set_xlabel("")
        if k > 2 and j > 0:
            a.set_ylabel("")
    grid[0, 0].figure.colorbar(filled, ax=list(grid.ravel()), label=target_name, shrink=0.8)
    return grid[0, 0] if k == 2 else grid


def _used_together(study: Study, pair: list[str], target: Target | None) -> bool:
    table = param_data(study, pair, target, "plot_contour")
    return bool(np.any(~np.isnan(table.x).any(axis=1)))


def plot_rank(study: Study, params: Sequence[str] | None = None, *,
              target: Target | None = None, target_name: str = "Objective value",
              ax: Any = None) -> Any:
    """Scatter parameter pairs, each trial coloured by the rank of its value (dark: best).

    Returns
    -------
    matplotlib Axes (two parameters) or ndarray of Axes of shape (k - 1, k - 1)

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_rank
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> axes = plot_rank(study, params=["x", "n"])
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    names = _matrix_params(study, params, target, "plot_rank")
    k = len(names)
    data = param_data(study, names, target, "plot_rank")
    color = rank_colors(data.values, data.minimize)
    grid = _matrix_axes(ax, k, "plot_rank")
    points = None
    for i in range(k - 1):
        for j in range(i + 1):
            a = grid[i, j]
            used = ~np.isnan(data.x[:, j]) & ~np.isnan(data.x[:, i + 1])
            order = np.argsort(-color[used], kind="stable")  # best drawn last, on top
            points = _colored_points(a, data.x[used, j][order], data.x[used, i + 1][order],
                                     color[used][order], "RdYlBu_r", vmin=0.0, vmax=1.0,
                                     size=6.0)
            _style_axis(a, data.axes[j], "x")
            _style_axis(a, data.axes[i + 1], "y")
            if k > 2 and i < k - 2:
                a.set_xlabel("")
            if k > 2 and j > 0:
                a.set_ylabel("")
    grid[0, 0].figure.colorbar(points, ax=list(grid.ravel()), shrink=0.8,
                               label=f"Rank of {target_name} (0: best)")
    return grid[0, 0] if k == 2 else grid


def plot_parallel_coordinate(study: Study, params: Sequence[str] | None = None, *,
                             target: Target | None = None,
                             target_name: str = "Objective value", ax: Axes | None = None
                             ) -> Axes:
    """Draw each complete trial as a polyline through the objective and its parameters.

    Lines are coloured by value, the best drawn on top; one rasterised
    collection for all trials.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_parallel_coordinate
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> ax = plot_parallel_coordinate(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.collections import LineCollection

    data = parallel_data(study, params, target, target_name)
    k = len(data.labels)
    ax = _axes(ax, figsize=(max(6.4, 1.1 * k), 4.0))
    import matplotlib as mpl

    cmap = mpl.colormaps[_CMAP if data.minimize else _CMAP + "_r"]
    norm = mpl.colors.Normalize(float(data.values.min()), float(data.values.max()))
    n = data.values.size
    if n <= MAX_ITEMS:
        order = np.argsort(-data.values if data.minimize else data.values, kind="stable")
        xs = np.broadcast_to(np.arange(k, dtype=np.float64), data.y.shape)
        segments = np.stack([xs, data.y], axis=-1)[order]
        lines = LineCollection(list(segments), cmap=cmap, norm=norm, linewidths=0.6,
                               alpha=0.5, rasterized=True)
        lines.set_array(data.values[order])
        ax.add_collection(lines)
        mappable: Any = lines
    else:
        # A density image: per pixel, the mean value of the lines through it, opaque where many.
        x0 = np.broadcast_to(np.arange(k - 1, dtype=np.float64), (n, k - 1)).ravel()
        weights = np.repeat(data.values, k - 1)
        shape = (200, 32 * (k - 1))
        counts, sums = _segment_density(x0, data.y[:, :-1].ravel(), x0 + 1.0,
                                        data.y[:, 1:].ravel(), weights,
                                        (0.0, k - 1.0, 0.0, 1.0), shape, n_samples=48)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, sums / counts, float(data.values.min()))
        rgba = _density_rgba(counts, cmap(norm(mean))[..., :3])
        ax.imshow(rgba, extent=(0.0, k - 1.0, 0.0, 1.0), origin="lower", aspect="auto",
                  interpolation="nearest")
        mappable = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    for j, (pos, labels) in enumerate(data.ticks):
        ax.axvline(j, color="black", linewidth=0.8)
        for p, text in zip(pos, labels):
            ax.text(j + 0.03, p, text, fontsize=6, va="center")
    ax.set_xlim(-0.1, k - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(range(k), data.labels, rotation=30, ha="right")
    ax.set_yticks([])
    ax.figure.colorbar(mappable, ax=ax, label=target_name)
    ax.set_title("Parallel coordinates")
    return ax


def plot_param_importances(study: Study, evaluator: Any = None,
                           params: Sequence[str] | None = None, *,
                           target: Target | None = None,
                           target_name: str = "Objective value", ax: Axes | None = None
                           ) -> Axes:
    """Bar chart of `bbopt.importance.get_param_importances` (largest on top).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_param_importances
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> ax = plot_param_importances(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    importances = get_param_importances(study, evaluator=evaluator, params=params, target=target)
    if not importances:
        raise ValueError(
            f"plot_param_importances needs a parameter: study {study.study_name!r} has none.")
    names = list(importances)[::-1]
    shares = [importances[n] for n in names]
    ax = _axes(ax, figsize=(6.4, max(3.0, 0.3 * len(names) + 1.0)))
    bars = ax.barh(names, shares, color="tab:blue")
    ax.bar_label(bars, labels=[f"{s:.2f}" for s in shares], fontsize=7, padding=2)
    ax.set_xlabel(f"Importance for {target_name}")
    ax.set_xlim(0.0, min(1.0, max(shares) * 1.2) or 1.0)
    ax.set_title("Parameter importances")
    return ax


def plot_edf(study: Study | Sequence[Study], *, target: Target | None = None,
             target_name: str = "Objective value", ax: Axes | None = None) -> Axes:
    """Empirical distribution function of the values of one or several studies.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_edf
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> ax = plot_edf(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    data = edf_data(study, target)
    ax = _axes(ax)
    for i, d in enumerate(data):
        ax.step(d.values, d.fraction, where="post", color=f"C{i}", label=d.study_name)
    ax.set_xlabel(target_name)
    ax.set_ylabel("Cumulative probability")
    ax.set_ylim(0.0, 1.02)
    ax.set_title("Empirical distribution function")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_intermediate_values(study: Study, *, ax: Axes | None = None) -> Axes:
    """Learning curves of the trials (pruned ones in red, ending with a cross).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_intermediate_values
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", 0, 1)
    ...     for step in range(3):
    ...         trial.report(x / (step + 1), step)
    ...     return x
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(objective, n_trials=5)
    >>> ax = plot_intermediate_values(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    from matplotlib.collections import LineCollection

    data = intermediate_data(study)
    ax = _axes(ax)
    if data.numbers.size <= MAX_ITEMS:
        curves = [np.column_stack([data.steps[a:b], data.values[a:b]])
                  for a, b in zip(data.offsets[:-1], data.offsets[1:])]
        colors = [_state_color(s) for s in data.states]
        ax.add_collection(LineCollection(curves, colors=colors, linewidths=0.8, alpha=0.6,
                                         rasterized=True))
    else:
        # Density images, one per state: consecutive reported steps of a trial are a segment.
        state_of_point = np.repeat(data.states, np.diff(data.offsets))
        same_trial = np.ones(data.steps.size, dtype=bool)
        same_trial[data.offsets[1:-1] - 1] = False
        starts = np.flatnonzero(same_trial[:-1])
        x_lo, x_hi = float(data.steps.min()), float(data.steps.max())
        y_lo, y_hi = float(data.values.min()), float(data.values.max())
        extent = (x_lo, x_hi if x_hi > x_lo else x_lo + 1.0, y_lo,
                  y_hi if y_hi > y_lo else y_lo + 1.0)
        for state in _states_in_draw_order(data.states):
            seg = starts[state_of_point[starts] == state]
            if seg.size == 0:
                continue
            # 1.5 samples per pixel column that a typical segment spans (no empty columns).
            span = float(np.median(data.steps[seg + 1] - data.steps[seg]))
            n_samples = int(np.clip(1.5 * span / (extent[1] - extent[0]) * 400 + 2, 2, 96))
            counts, _ = _segment_density(
                data.steps[seg], data.values[seg], data.steps[seg + 1], data.values[seg + 1],
                np.ones(seg.size), extent, (300, 400), n_samples=n_samples)
            _state_image(ax, counts, state, extent)
    pruned = data.states == TrialState.PRUNED
    last = data.offsets[1:] - 1
    ax.scatter(data.steps[last[pruned]], data.values[last[pruned]], marker="x", s=12,
               color=_STATE_COLORS[TrialState.PRUNED], rasterized=True, linewidths=0.8)
    ax.autoscale_view()
    _state_legend(ax, data.states)
    ax.set_xlabel("Step")
    ax.set_ylabel("Intermediate value")
    ax.set_title("Intermediate values")
    return ax


def plot_timeline(study: Study, *, ax: Axes | None = None) -> Axes:
    """One horizontal bar per trial from its start to its end, coloured by state.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_timeline
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 1, 3),
    ...                n_trials=20)
    >>> ax = plot_timeline(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    data = timeline_data(study)
    ax = _axes(ax)
    if data.numbers.size <= MAX_ITEMS:
        colors = [_state_color(s) for s in data.states]
        width = max(1.0, min(6.0, 200.0 / data.numbers.size))
        ax.hlines(data.numbers, data.start, data.end, colors=colors, linewidth=width,
                  rasterized=True)
        # A trial shorter than a pixel still shows as a dot.
        ax.scatter(data.start, data.numbers, s=width, c=colors, linewidths=0, rasterized=True)
    else:
        t_hi = float(data.end.max()) or 1.0
        n_lo, n_hi = float(data.numbers.min()), float(data.numbers.max()) + 1.0
        extent = (0.0, t_hi, n_lo, n_hi)
        for state in _states_in_draw_order(data.states):
            mask = data.states == state
            y = data.numbers[mask].astype(np.float64) + 0.5
            counts, _ = _segment_density(data.start[mask], y, data.end[mask], y,
                                         np.ones(y.size), extent, (400, 600), n_samples=8)
            _state_image(ax, counts, state, extent)
    _state_legend(ax, data.states)
    ax.set_xlabel(f"Seconds since {data.origin:%Y-%m-%d %H:%M:%S}")
    ax.set_ylabel("Trial")
    ax.set_title("Timeline")
    return ax


def plot_pareto_front(study: Study, *, targets: Any = None,
                      target_names: Sequence[str] | None = None,
                      include_dominated: bool = True, ax: Axes | None = None) -> Axes:
    """Scatter the objective vectors (2 or 3 objectives), the Pareto front highlighted.

    With more objectives, the vectors are drawn as parallel coordinates
    (each objective scaled to [0, 1] over the trials shown). Trials whose
    recorded constraint values are not all <= 0 are drawn as infeasible,
    and the front is that of the feasible trials.

    Parameters
    ----------
    targets : callable, optional
        ``FrozenTrial -> sequence of 2 or more floats`` plotted instead (all minimised).
    target_names : sequence of str, optional
    include_dominated : bool, default True
        Also draw the dominated and infeasible trials.
    ax : matplotlib Axes, optional
        A 3-D Axes (``projection="3d"``) for three objectives.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_pareto_front
    >>> study = bbopt.create_study(directions=["minimize", "minimize"],
    ...                            sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)),
    ...                n_trials=20)
    >>> ax = plot_pareto_front(study)
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    data = pareto_data(study, targets, target_names)
    m = data.values.shape[1]
    if m > 3:
        return _pareto_parallel(data, include_dominated, ax)
    if ax is None:
        if m == 3:
            fig = _pyplot().figure(figsize=(6.0, 5.0), layout="constrained")
            ax = fig.add_subplot(projection="3d")
        else:
            ax = _axes(None)
    cols = [data.values[:, i] for i in range(m)]
    if include_dominated:
        rest = ~data.on_front & data.feasible
        ax.scatter(*[c[rest] for c in cols], s=6, color="tab:gray",  # type: ignore[misc]
                   alpha=0.5, label="Dominated", rasterized=True, linewidths=0)
        if not data.feasible.all():
            bad = ~data.feasible
            ax.scatter(*[c[bad] for c in cols], s=6, color="tab:cyan",  # type: ignore[misc]
                       alpha=0.5, marker="x", label="Infeasible", rasterized=True)
    ax.scatter(*[c[data.on_front] for c in cols], s=14, color="tab:red",  # type: ignore[misc]
               label="Pareto front", rasterized=True, linewidths=0)
    ax.set_xlabel(data.names[0])
    ax.set_ylabel(data.names[1])
    if m == 3:
        ax.set_zlabel(data.names[2])  # type: ignore[union-attr, attr-defined]
    ax.set_title("Pareto front")
    ax.legend(loc="best", fontsize="small")
    return ax


def _pareto_parallel(data: ParetoData, include_dominated: bool, ax: Axes | None) -> Axes:
    """Objective vectors of 4 or more objectives as parallel coordinates."""
    ax = _axes(ax, figsize=(1.2 * data.values.shape[1] + 2.0, 4.0))
    values = data.values
    low, high = values.min(axis=0), values.max(axis=0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    positions = np.arange(values.shape[1])
    groups = [(data.on_front, "tab:red", 1.0, "Pareto front")]
    if include_dominated:
        groups = [(~data.on_front & data.feasible, "tab:gray", 0.3, "Dominated"),
                  (~data.feasible, "tab:cyan", 0.3, "Infeasible")] + groups
    for mask, color, alpha, label in groups:
        if mask.any():
            lines = ax.plot(positions, scaled[mask].T, color=color, alpha=alpha,
                            linewidth=0.8, rasterized=True)
            lines[0].set_label(label)
    ax.set_xticks(positions)
    ax.set_xticklabels(data.names, rotation=30, ha="right")
    ax.set_ylabel("Objective, scaled to [0, 1]")
    ax.set_title("Pareto front")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_hypervolume_history(study: Study, reference_point: Sequence[float], *,
                             ax: Axes | None = None) -> Axes:
    """Plot the hypervolume of the feasible complete trials against the trial number.

    Parameters
    ----------
    reference_point : sequence of float
        One value per objective, in the objectives' directions, worse than
        the values that should count.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.visualization import plot_hypervolume_history
    >>> study = bbopt.create_study(directions=["minimize", "minimize"],
    ...                            sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)),
    ...                n_trials=20)
    >>> ax = plot_hypervolume_history(study, [1.1, 1.1])
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    data = hypervolume_data(study, reference_point)
    ax = _axes(ax)
    ax.step(data.numbers, data.hypervolume, where="post", color="tab:blue")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Hypervolume")
    ax.set_title("Hypervolume history")
    return ax


# -- files -------------------------------------------------------------------------------
KINDS: dict[str, Callable[..., Any]] = {
    "contour": plot_contour,
    "optimization_history": plot_optimization_history,
    "slice": plot_slice,
    "parallel_coordinate": plot_parallel_coordinate,
    "param_importances": plot_param_importances,
    "edf": plot_edf,
    "intermediate_values": plot_intermediate_values,
    "rank": plot_rank,
    "timeline": plot_timeline,
    "pareto_front": plot_pareto_front,
    "hypervolume_history": plot_hypervolume_history,
}
_FORMATS = (".png", ".svg", ".pdf")


def save_plot(study: Study, kind: str, path: str | Path, *, dpi: int = 100,
              **options: Any) -> Path:
    """Render one plot of ``study`` to a PNG, SVG or PDF file (format from the extension).

    Parameters
    ----------
    study : Study
    kind : str
        One of ``KINDS``: "contour", "optimization_history", "slice",
        "parallel_coordinate", "param_importances", "edf",
        "intermediate_values", "rank", "timeline", "pareto_front",
        "hypervolume_history" (pass ``reference_point=``).
    path : str or Path
        Ends with .png, .svg or .pdf.
    dpi : int, default 100
    **options
        Passed to the plot function (``params=``, ``target=``, ...).

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import bbopt
    >>> from bbopt.visualization import save_plot
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_float("y", 0, 1),
    ...                n_trials=20)
    >>> path = save_plot(study, "contour", pathlib.Path(tempfile.mkdtemp()) / "contour.png")
    >>> path.read_bytes()[1:4]
    b'PNG'
    """
    if kind not in KINDS:
        raise ValueError(f"The 'kind' parameter of save_plot must be one of {sorted(KINDS)}. "
                         f"Got {kind!r} instead.")
    path = Path(path)
    if path.suffix.lower() not in _FORMATS:
        raise ValueError(f"The 'path' parameter of save_plot must end with one of {_FORMATS}. "
                         f"Got {str(path)!r} instead.")
    dpi = ensure_int(dpi, "dpi", "save_plot", minimum=10)
    plt = _pyplot()
    result = KINDS[kind](study, **options)
    figure: Figure = np.asarray(result, dtype=object).ravel()[0].figure
    try:
        figure.savefig(path, dpi=dpi)
    finally:
        plt.close(figure)
    return path
