"""Plots of studies (matplotlib, the ``plot`` extra: ``pip install "bbopt[plot]"``).

matplotlib is imported when a plot is drawn, not when this package is
imported. The plot data (``bbopt.visualization._data``) is computed apart from
the drawing and needs numpy and scipy only.
"""

from bbopt.visualization._draw import (
    KINDS,
    MAX_MATRIX_PARAMS,
    plot_contour,
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_pareto_front,
    plot_rank,
    plot_slice,
    plot_timeline,
    save_plot,
)

__all__ = [
    "KINDS",
    "MAX_MATRIX_PARAMS",
    "plot_contour",
    "plot_edf",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_rank",
    "plot_slice",
    "plot_timeline",
    "save_plot",
]
