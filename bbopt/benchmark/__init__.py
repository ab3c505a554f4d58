"""Benchmark optimizers on test functions: a runner, runtime-ECDF scores and plots.

Problems (`Problem`, `make_problems`) are test functions of
`bbopt.testfunctions` at a dimension and an instance (moved, and optionally
rotated, so that no optimizer wins by favouring the centre of the box), or
your own functions with a known minimum. Optimizers are bbopt samplers by
name (`BboptSampler`), any object with ``ask()`` and ``tell(x, y)``
(`AskTellOptimizer`), or adapters for Optuna, nevergrad and pycma when they
are installed. `run` runs every (problem, optimizer, seed), in parallel on
processes or a Dask cluster, resumable from a results file; the scores
(`ecdf_scores`, `median_regret`, `rank_table`, `compare`) and the plots
(`plot_ecdf`, `plot_regret`, `plot_score_heatmap`) read its records.

Examples
--------
>>> from bbopt.benchmark import ecdf_scores, make_problems, run
>>> problems = make_problems(["sphere", "ackley"], dims=2, instances=2)
>>> runs = run(problems, ["random", "tpe"], budget=15, seeds=2)
>>> table = ecdf_scores(runs, budgets=[5, 15])
>>> table.columns
('optimizer', 'n_runs', '5d', '15d')
>>> table.column("n_runs")
[8, 8]
"""

from bbopt.benchmark._optimizers import (
    AskTellOptimizer,
    BboptSampler,
    BudgetExhausted,
    NevergradOptimizer,
    Optimizer,
    OptunaSampler,
    PyCMA,
    make_optimizer,
    sampler_names,
)
from bbopt.benchmark._plot import plot_ecdf, plot_regret, plot_score_heatmap
from bbopt.benchmark._problems import (
    TRANSFORMABLE,
    Problem,
    function_names,
    make_problems,
)
from bbopt.benchmark._runner import Run, load, run, run_one
from bbopt.benchmark._scores import (
    REGRET_FLOOR,
    TARGETS,
    Comparison,
    ECDFCurve,
    RegretCurve,
    Table,
    compare,
    ecdf_curves,
    ecdf_scores,
    median_regret,
    rank_table,
    regret_curves,
    runtimes,
    score_matrix,
)

__all__ = [
    "REGRET_FLOOR",
    "TARGETS",
    "TRANSFORMABLE",
    "AskTellOptimizer",
    "BboptSampler",
    "BudgetExhausted",
    "Comparison",
    "ECDFCurve",
    "NevergradOptimizer",
    "Optimizer",
    "OptunaSampler",
    "Problem",
    "PyCMA",
    "RegretCurve",
    "Run",
    "Table",
    "compare",
    "ecdf_curves",
    "ecdf_scores",
    "function_names",
    "load",
    "make_optimizer",
    "make_problems",
    "median_regret",
    "plot_ecdf",
    "plot_regret",
    "plot_score_heatmap",
    "rank_table",
    "regret_curves",
    "run",
    "run_one",
    "runtimes",
    "sampler_names",
    "score_matrix",
]
