"""Figures of benchmark runs (the ``plot`` extra: matplotlib, imported when drawing).

Each function draws data computed by `bbopt.benchmark._scores` (`ecdf_curves`,
`regret_curves`, `score_matrix`), which can be used without matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from bbopt.benchmark._runner import Run
from bbopt.benchmark._scores import ecdf_curves, regret_curves, score_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "bbopt.benchmark's plots need matplotlib: pip install \"bbopt[plot]\""
        ) from exc
    return plt


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize)
    return ax


def plot_ecdf(runs: Iterable[Run], *, by: str | Sequence[str] = "optimizer",
              targets: ArrayLike | None = None, ax: Axes | None = None) -> Axes:
    """Draw the runtime ECDF of each optimizer over the budget (COCO style).

    One step line per group: the fraction of (run, target) pairs reached
    (y) within a budget in multiples of the dimension (x, log scale). A cross
    marks the end of the group's longest run.

    Parameters
    ----------
    runs : iterable of Run
    by : str or sequence of str, default "optimizer"
        One line per group of these fields.
    targets : array-like, optional
        Precisions (default ``TARGETS``).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from bbopt.benchmark import make_problems, plot_ecdf, run
    >>> runs = run(make_problems("sphere", dims=2, instances=1), ["random", "tpe"],
    ...            budget=10, seeds=2)
    >>> ax = plot_ecdf(runs)
    >>> [line.get_label() for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    ['random', 'tpe']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    curves = ecdf_curves(runs, by=by, targets=targets)
    ax = _axes(ax, (6.4, 4.0))
    for curve in curves:
        start = min([curve.budgets[0] if curve.budgets.size else curve.max_budget,
                     curve.max_budget]) / 2
        x = np.concatenate(([start], curve.budgets, [curve.max_budget]))
        y = np.concatenate(([0.0], curve.fractions,
                            [curve.fractions[-1] if curve.fractions.size else 0.0]))
        (line,) = ax.step(x, y, where="post", label=curve.label)
        ax.plot([curve.max_budget], [y[-1]], "x", color=line.get_color())
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("evaluations / dimension")
    ax.set_ylabel("fraction of (run, target) pairs")
    ax.set_title("runtime ECDF")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_regret(runs: Iterable[Run], function: str | None = None,
                n_dims: int | None = None, *, ax: Axes | None = None) -> Axes:
    """Draw the median best regret of each optimizer with its inter-quartile band.

    Parameters
    ----------
    runs : iterable of Run
    function, n_dims : optional
        Keep the runs of one function and dimension (regrets of different
        functions are not comparable).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from bbopt.benchmark import Problem, plot_regret, run
    >>> runs = run([Problem("branin")], ["random", "qmc"], budget=5, seeds=3)
    >>> ax = plot_regret(runs, "Branin")
    >>> ax.get_title(), len(ax.get_lines())
    ('Branin', 2)
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    curves = regret_curves(runs, function, n_dims)
    ax = _axes(ax, (6.4, 4.0))
    for curve in curves:
        finite = np.isfinite(curve.median)
        (line,) = ax.plot(curve.evals[finite], curve.median[finite], label=curve.label)
        band = np.isfinite(curve.lower) & np.isfinite(curve.upper)
        ax.fill_between(curve.evals[band], curve.lower[band], curve.upper[band],
                        color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_yscale("symlog", linthresh=1e-8)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("best regret (median, quartiles)")
    ax.set_title(" ".join(str(v) for v in (function, f"d={n_dims}" if n_dims else None) if v)
                 or "best regret")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    return ax


def plot_score_heatmap(runs: Iterable[Run], budget: float, *,
                       targets: ArrayLike | None = None, ax: Axes | None = None) -> Axes:
    """Draw the ECDF score at ``budget`` of each optimizer (columns) on each function (rows).

    Parameters
    ----------
    runs : iterable of Run
    budget : float
        A multiple of the dimension.
    targets : array-like, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from bbopt.benchmark import make_problems, plot_score_heatmap, run
    >>> runs = run(make_problems(["sphere", "branin"], dims=2, instances=1),
    ...            ["random", "qmc"], budget=5, seeds=2)
    >>> ax = plot_score_heatmap(runs, 5)
    >>> ax.get_images()[0].get_array().shape
    (2, 2)
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    problems, optimizers, scores = score_matrix(runs, budget, targets)
    ax = _axes(ax, (3.0 + 1.1 * len(optimizers), 1.5 + 0.35 * len(problems)))
    image = ax.imshow(scores, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(optimizers)), optimizers, rotation=30, ha="right")
    ax.set_yticks(range(len(problems)), problems)
    for i in range(len(problems)):
        for j in range(len(optimizers)):
            if np.isfinite(scores[i, j]):
                ax.text(j, i, f"{scores[i, j]:.2f}", ha="center", va="center",
                        color="white" if scores[i, j] < 0.6 else "black", fontsize="small")
    ax.figure.colorbar(image, ax=ax, label="ECDF score")
    ax.set_title(f"ECDF score at {budget:g} x dimension evaluations", fontsize="medium")
    return ax
