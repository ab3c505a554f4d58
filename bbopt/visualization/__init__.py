"""Plots of studies (matplotlib, the ``plot`` extra: ``pip install "bbopt[plot]"``).

matplotlib is imported when a plot is drawn, not when this package is
imported. ``bbopt.visualization.matplotlib`` is the same functions under
Optuna's module name (loaded on first use). The plot data
(``bbopt.visualization._data``) is computed apart from
the drawing and needs numpy and scipy only.
"""

import importlib
from types import ModuleType

from bbopt.visualization._draw import (
    KINDS,
    MAX_MATRIX_PARAMS,
    is_available,
    plot_contour,
    plot_edf,
    plot_hypervolume_history,
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
    "is_available",
    "KINDS",
    "MAX_MATRIX_PARAMS",
    "plot_contour",
    "plot_edf",
    "plot_hypervolume_history",
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


def __getattr__(name: str) -> ModuleType:
    """Load the ``matplotlib`` alias module on first access (PEP 562)."""
    if name == "matplotlib":
        return importlib.import_module("bbopt.visualization.matplotlib")
    raise AttributeError(f"module 'bbopt.visualization' has no attribute {name!r}")
