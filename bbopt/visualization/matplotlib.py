"""``optuna.visualization.matplotlib``'s name for `bbopt.visualization` (all matplotlib).

Examples
--------
>>> import bbopt.visualization
>>> import bbopt.visualization.matplotlib as vis
>>> vis.plot_optimization_history is bbopt.visualization.plot_optimization_history
True
"""

from bbopt.visualization import (
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
)

__all__ = [
    "is_available",
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
]
