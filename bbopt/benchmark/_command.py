"""``bbopt benchmark``: run a benchmark from the command line and print its scores."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from bbopt.benchmark._problems import make_problems
from bbopt.benchmark._runner import load, run
from bbopt.benchmark._scores import compare, ecdf_scores, median_regret, rank_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bbopt benchmark``."""
    parser.add_argument("--functions", nargs="+", metavar="NAME",
                        help="test functions of bbopt.testfunctions (e.g. sphere rastrigin)")
    parser.add_argument("--dims", nargs="+", type=int, default=[2],
                        help="dimensions of the functions that take one (default: 2)")
    parser.add_argument("--instances", type=int, default=3,
                        help="instances 1..K of each function (moved minimiser; default: 3)")
    parser.add_argument("--rotate", action="store_true",
                        help="rotate the instances of the functions that allow it")
    parser.add_argument("--optimizers", nargs="+", metavar="SPEC",
                        help="e.g. tpe 'gp(n_startup_trials=5)' optuna.TPESampler "
                             "nevergrad.NGOpt pycma")
    parser.add_argument("--budget", type=float, default=50,
                        help="evaluations per run, as a multiple of the dimension (default: 50)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..K-1 (default: 5)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="runs at a time, on a process pool (default: 1)")
    parser.add_argument("--results", metavar="FILE.jsonl",
                        help="results file: runs are appended, and skipped when present")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: score the runs of --results")
    parser.add_argument("--budgets", nargs="+", type=float, default=None,
                        help="budgets (multiples of the dimension) of the ECDF tables "
                             "(default: 1 2 5 10 20 50 ... up to --budget)")
    parser.add_argument("--per-function", action="store_true",
                        help="also print the ECDF scores and median regrets per function")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"),
                        help="paired Wilcoxon test of two optimizer labels")
    parser.add_argument("--plot-ecdf", metavar="FILE", help="draw the ECDF curves (matplotlib)")
    parser.add_argument("--plot-heatmap", metavar="FILE",
                        help="draw the per-function ECDF scores at --budget (matplotlib)")
    parser.add_argument("--verbose", action="store_true", help="a line per finished run")


def _default_budgets(budget: float) -> list[float]:
    steps = [b for b in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if b < budget]
    return [*steps, budget]


def main(args: argparse.Namespace) -> int:
    """Run (or load) the benchmark and print its tables; return the exit code."""
    if args.report_only:
        if args.results is None:
            raise ValueError("--report-only needs --results FILE.jsonl")
        if not os.path.exists(args.results):
            raise ValueError(f"--results {args.results!r}: no such file")
        runs = load(args.results)
        if not runs:
            raise ValueError(f"--results {args.results!r} holds no run")
        budget = max(r.n_evals / r.n_dims for r in runs)
    else:
        if not args.functions or not args.optimizers:
            raise ValueError("--functions and --optimizers are needed (or --report-only)")
        problems = make_problems(args.functions, args.dims, args.instances, rotate=args.rotate)
        runs = run(problems, args.optimizers, budget=args.budget, seeds=args.seeds,
                   n_jobs=args.n_jobs, results=args.results, verbose=args.verbose)
        budget = args.budget
    budgets = args.budgets or _default_budgets(budget)
    out: list[str] = [
        (f"{len(runs)} runs, {len({r.problem for r in runs})} problems, "
         f"{len({r.optimizer for r in runs})} optimizers"),
        "",
        ("Runtime-ECDF score (fraction of (run, target) pairs reached; targets 1e2..1e-8) "
         "by budget (x dimension):"),
        str(ecdf_scores(runs, budgets)),
        "",
        f"Mean rank by best regret at {budget:g}d (1 = best):",
        str(rank_table(runs, budget)),
    ]
    if args.per_function:
        out += ["", "Runtime-ECDF score per function:",
                str(ecdf_scores(runs, budgets, by=("function", "n_dims", "optimizer"))),
                "", f"Median best regret at {budget:g}d, 95 % bootstrap interval:",
                str(median_regret(runs, budget))]
    if args.compare:
        out += ["", str(compare(runs, args.compare[0], args.compare[1], budget))]
    times = _times(runs)
    out += ["", "Optimizer time per run (s, mean; wall / CPU): " + ", ".join(
        f"{label} {wall:.3g} / {cpu:.3g}" for label, (wall, cpu) in times.items())]
    print("\n".join(out))
    for path, draw in ((args.plot_ecdf, "ecdf"), (args.plot_heatmap, "heatmap")):
        if path:
            _save(runs, draw, path, budget)
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _times(runs: list[Any]) -> dict[str, tuple[float, float]]:
    sums: dict[str, list[float]] = {}
    for r in runs:
        entry = sums.setdefault(r.optimizer, [0.0, 0.0, 0.0])
        entry[0] += r.time
        entry[1] += r.cpu_time
        entry[2] += 1
    return {k: (v[0] / v[2], v[1] / v[2]) for k, v in sums.items()}


def _save(runs: list[Any], kind: str, path: str, budget: float) -> None:
    from bbopt.benchmark._plot import _pyplot, plot_ecdf, plot_score_heatmap

    plt = _pyplot()
    ax = plot_ecdf(runs) if kind == "ecdf" else plot_score_heatmap(runs, budget)
    figure: Any = ax.figure
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
