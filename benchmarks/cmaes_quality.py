"""Quality of bbopt's CMA-ES against pycma (IPOP) and Optuna's CmaEsSampler, on the runner.

Every (function, dimension, optimizer, seed) is one run of the
`bbopt.benchmark` runner (`bbopt.benchmark.run`): problems from
`bbopt.benchmark.make_problems` (instance 1 of each function: moved, so that
no optimizer wins by favouring the centre of the box), one best-so-far trace
per run, written to ``--results`` as it ends; running the command again skips
the runs already there. Scores per (function, d, budget) cell, over seeds:

- runtime-ECDF score (`bbopt.benchmark.ecdf_scores`): the fraction of (run,
  target) pairs reached, targets |f - f*| <= 10^2 down to 10^-8 in steps of
  10^0.2 (51 targets);
- median regret f_best - f* (`bbopt.benchmark.median_regret`).

Optimizers (``--optimizers``):

``bbopt``
    ``CmaEsSampler(restart_strategy="ipop")`` through the study (the
    runner's `bbopt.benchmark.BboptSampler`).
``bbopt-lr``
    The same with ``lr_adapt=True``.
``pycma``
    `bbopt.benchmark.PyCMA`: pycma 4.5's ``CMAEvolutionStrategy`` driven by
    its own ask/tell, IPOP restarts, sigma0 = 0.25 of the box.
``optuna``
    ``optuna.samplers.CmaEsSampler()`` (Optuna 5 has no restarts). It costs
    about 10 ms per trial and grows with the trial count, so its runs stop
    at ``--optuna-budget`` evaluations per dimension and it is scored only
    at budgets up to that, on ``--optuna-seeds`` seeds.

A cell counts as "no worse" for bbopt against an anchor when bbopt's ECDF
score is at least the anchor's and, where both are below 1, its median
regret is at most the anchor's; the pooled score is the mean ECDF score of
all cells of a budget.

Usage::

    python benchmarks/cmaes_quality.py --dims 10 --seeds 20 \\
        --results benchmarks/results/cmaes_quality.jsonl
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown_table

#: Test functions (`bbopt.testfunctions`), with where they are defined.
FUNCTIONS = {
    "RotatedEllipsoid": "BBOB f10 (Hansen et al. 2009, RR-6829)",
    "Discus": "BBOB f11",
    "BentCigar": "BBOB f12",
    "DifferentPowers": "BBOB f14",
    "SchafferF7": "BBOB f17",
    "GriewankRosenbrock": "BBOB f19",
    "Rosenbrock": "Rosenbrock 1960 (SFU library)",
    "Rastrigin": "Rastrigin (SFU library)",
    "Ackley": "Ackley 1987 (SFU library)",
}
ANCHORS = ("pycma", "optuna")


def _optimizers(names: list[str]) -> dict[str, Any]:
    from bbopt.benchmark import BboptSampler, OptunaSampler, PyCMA

    every = {
        "bbopt": BboptSampler("cma_es", label="bbopt", restart_strategy="ipop"),
        "bbopt-lr": BboptSampler("cma_es", label="bbopt-lr", restart_strategy="ipop",
                                 lr_adapt=True),
        "pycma": PyCMA(label="pycma"),
        "optuna": OptunaSampler("CmaEsSampler", label="optuna"),
    }
    return {name: every[name] for name in names}


def _cells(runs: list[Any], budget: int) -> dict[tuple[str, int], dict[str, tuple[float, float]]]:
    """(function, d) -> optimizer -> (ECDF score, median regret) at ``budget`` d evaluations."""
    from bbopt.benchmark import ecdf_scores, median_regret

    usable = [r for r in runs if r.max_evals >= budget * r.n_dims]
    if not usable:
        return {}
    by = ("function", "n_dims", "optimizer")
    scores = ecdf_scores(usable, budgets=[budget], by=by).to_dicts()
    medians = median_regret(usable, budget, by=by, n_bootstrap=10).to_dicts()
    cells: dict[tuple[str, int], dict[str, tuple[float, float]]] = {}
    for score, median in zip(scores, medians, strict=True):
        cells.setdefault((score["function"], score["n_dims"]), {})[score["optimizer"]] = (
            score[f"{budget}d"], median["median"])
    return cells


def report(runs: list[Any], budgets: list[int], names: list[str]) -> str:
    """Per budget: a table of ECDF score / median regret, pooled scores, cells no worse."""
    lines = []
    ours = [n for n in names if n.startswith("bbopt")]
    for budget in budgets:
        cells = _cells(runs, budget)
        rows = []
        pooled: dict[str, list[float]] = {n: [] for n in names}
        wins = {(o, a): [0, 0] for o in ours for a in ANCHORS if a in names}
        for (function, d), scores in sorted(cells.items()):
            rows.append([f"{function}-{d}"] + [
                f"{scores[n][0]:.3f} / {scores[n][1]:.2e}" if n in scores else "-"
                for n in names])
            for n, (score, _) in scores.items():
                pooled[n].append(score)
            for (o, a), count in wins.items():
                if o in scores and a in scores:
                    (mine, my_regret), (theirs, their_regret) = scores[o], scores[a]
                    count[0] += mine >= theirs and (
                        mine == 1.0 or theirs == 1.0 or my_regret <= their_regret)
                    count[1] += 1
        lines.append(f"\nbudget {budget} d: ECDF score / median regret")
        lines.append(markdown_table(["function-d", *names], rows))
        lines.append("pooled ECDF: " + ", ".join(
            f"{n} {sum(v) / len(v):.3f} ({len(v)} cells)" for n, v in pooled.items() if v))
        lines.append("no worse: " + ", ".join(
            f"{o} vs {a} in {w}/{k} cells" for (o, a), (w, k) in wins.items() if k))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from bbopt.benchmark import load, make_problems, run

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS))
    parser.add_argument("--dims", nargs="+", type=int, default=[10, 40])
    parser.add_argument("--budgets", nargs="+", type=int, default=[100, 1000],
                        help="evaluations per dimension")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--optimizers", nargs="+", default=["bbopt", "pycma", "optuna"],
                        choices=["bbopt", "bbopt-lr", "pycma", "optuna"])
    parser.add_argument("--optuna-budget", type=int, default=100,
                        help="evaluations per dimension of Optuna's runs")
    parser.add_argument("--optuna-seeds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--results", type=Path, required=True,
                        help="JSON-lines file of the runs (resumable)")
    parser.add_argument("--also", nargs="+", type=Path, default=[],
                        help="more results files to read for the report (runs made by "
                             "other processes)")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    problems = make_problems(args.functions, dims=args.dims, instances=[1])
    if not args.report_only:
        for name, optimizer in _optimizers(args.optimizers).items():
            optuna = name == "optuna"
            run(problems, {name: optimizer},
                budget=args.optuna_budget if optuna else max(args.budgets),
                seeds=args.optuna_seeds if optuna else args.seeds,
                n_jobs=args.jobs, results=args.results, verbose=True)
    wanted = {p.key for p in problems}
    longest: dict[tuple[str, str, int], Any] = {}  # a run in several files: its longest
    for path in [args.results, *args.also]:
        for r in load(path):
            key = (r.problem, r.optimizer, r.seed)
            if r.problem in wanted and r.optimizer in args.optimizers and (
                    key not in longest or r.max_evals > longest[key].max_evals):
                longest[key] = r
    runs = list(longest.values())
    print(report(runs, args.budgets, args.optimizers))


if __name__ == "__main__":
    main()
