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
``bbopt-s6``
    The same as ``bbopt``, under its own label: the runs of the engine that
    draws out-of-cube points again before mirroring them (sixth session),
    kept apart from the earlier sessions' ``bbopt`` runs (mirroring only).
``bbopt-lr``
    The same with ``lr_adapt=True``.
``bbopt-none``
    ``CmaEsSampler(restart_strategy=None)`` (no restarts, as Optuna's
    sampler), the measurement behind IPOP as the default.
``pycma``
    `bbopt.benchmark.PyCMA`: pycma 4.5's ``CMAEvolutionStrategy`` driven by
    its own ask/tell, IPOP restarts, sigma0 = 0.25 of the box.
``optuna``
    ``optuna.samplers.CmaEsSampler()`` (Optuna 5 has no restarts). It costs
    about 10 ms per trial and grows with the trial count, so its runs stop
    at ``--optuna-budget`` evaluations per dimension and it is scored only
    at budgets up to that, on ``--optuna-seeds`` seeds.
``optuna-cma``
    The search Optuna's ``CmaEsSampler()`` runs, without Optuna's study:
    ``cmaes.CMA`` (the package Optuna drives, 0.13) driven as Optuna 5
    drives it (`OptunaCMA`), for the cells where Optuna's own cost per
    trial (its storage reads grow with the trial count: about 50 ms a trial
    at d = 40 and 2,000 trials here) puts 20 seeds out of reach. It is
    checked against ``optuna`` on the cells where both ran (same test as
    below: it must tie on every cell).

How "no worse" is decided, the same way for every anchor and cell: bbopt is
*worse* than an anchor on a cell when a one-sided Mann-Whitney U test
(`scipy.stats.mannwhitneyu`, ``alternative="greater"``) on the per-run best
regrets at the budget, floored at 10^-8 (the last ECDF target, below which
every run counts as solved), finds bbopt's regrets larger at the 5 % level;
otherwise it is *no worse*. The runs of different optimizers are independent
(a seed does not pair them), hence an unpaired rank test. A run's ECDF score
is a decreasing function of its floored regret, so the test covers both the
ECDF score and the median regret; the tables show both, and also count the
cells where bbopt is significantly better (the same test the other way). The
pooled score of a pair (bbopt, anchor) is the mean ECDF score over the cells
that both have at that budget; "better pooled" means strictly higher, and the
report gives a 90 % bootstrap interval of the difference (runs resampled
within each cell) to say whether it is more than seed noise.

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

from bbopt.benchmark import Optimizer

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
ANCHORS = ("pycma", "optuna", "optuna-cma")


class OptunaCMA(Optimizer):
    """``cmaes.CMA`` driven as Optuna 5's ``CmaEsSampler()`` drives it, without a study.

    Read in ``optuna/samplers/_cmaes.py`` (5.0.0): the first trial comes from
    the independent sampler (uniform, ``n_startup_trials=1``); the search
    works in the unit cube (``transform_0_1=True``) from its centre with
    sigma0 = 1/6, the default population, ``n_max_resampling = 10 d``
    (out-of-box points are redrawn, then clipped by ``cmaes``), no restarts;
    a generation is told once its ``popsize`` trials are complete. Optuna
    also reseeds the ``cmaes`` generator before each trial, which changes
    the random stream but not the algorithm.
    """

    label = spec = "optuna-cma"

    def minimize(self, problem: Any, n_evals: int, seed: int, evaluate: Any) -> None:
        import cmaes
        import numpy as np

        low, width = problem.bounds[:, 0], problem.bounds[:, 1] - problem.bounds[:, 0]
        d = problem.n_dims
        rng = np.random.default_rng(seed)
        evaluate(low + width * rng.uniform(size=d))  # the independent first trial
        cube = np.column_stack([np.zeros(d), np.ones(d)])
        optimizer = cmaes.CMA(mean=np.full(d, 0.5), sigma=1 / 6, bounds=cube,
                              seed=int(rng.integers(1, 2**31 - 2)), n_max_resampling=10 * d)
        spent = 1
        while spent < n_evals:
            solutions = []
            for _ in range(min(optimizer.population_size, n_evals - spent)):
                u = optimizer.ask()
                solutions.append((u, evaluate(low + width * u)))
                spent += 1
            if len(solutions) == optimizer.population_size:
                optimizer.tell(solutions)


def _optimizers(names: list[str]) -> dict[str, Any]:
    from bbopt.benchmark import BboptSampler, OptunaSampler, PyCMA

    every = {
        "bbopt": BboptSampler("cma_es", label="bbopt", restart_strategy="ipop"),
        "bbopt-s6": BboptSampler("cma_es", label="bbopt-s6", restart_strategy="ipop"),
        "bbopt-lr": BboptSampler("cma_es", label="bbopt-lr", restart_strategy="ipop",
                                 lr_adapt=True),
        "bbopt-none": BboptSampler("cma_es", label="bbopt-none", restart_strategy=None),
        "pycma": PyCMA(label="pycma"),
        "optuna": OptunaSampler("CmaEsSampler", label="optuna"),
        "optuna-cma": OptunaCMA(),
    }
    return {name: every[name] for name in names}


#: Level of the one-sided test that decides "worse" and "better" per cell.
ALPHA = 0.05


def _cells(runs: list[Any], budget: int) -> dict[tuple[str, int], dict[str, Any]]:
    """(function, d) -> optimizer -> per-run (ECDF scores, floored regrets) at ``budget`` d."""
    from bbopt.benchmark import REGRET_FLOOR, ecdf_scores

    cells: dict[tuple[str, int], dict[str, Any]] = {}
    for r in runs:
        limit = budget * r.n_dims
        if r.max_evals < limit:
            continue
        score = ecdf_scores([r], budgets=[budget], by="optimizer").rows[0][-1]
        regret = max(float(r.regret_at(limit)), REGRET_FLOOR)
        scores, regrets = cells.setdefault((r.function, r.n_dims), {}).setdefault(
            r.optimizer, ([], []))
        scores.append(score)
        regrets.append(regret)
    return cells


def _verdict(mine: list[float], theirs: list[float]) -> tuple[str, float]:
    """("worse" | "better" | "tie", p) from one-sided Mann-Whitney U tests on regrets."""
    import numpy as np
    from scipy.stats import mannwhitneyu

    a, b = np.asarray(mine), np.asarray(theirs)
    if np.all(a == a[0]) and np.all(b == a[0]):
        return "tie", 1.0
    worse = float(mannwhitneyu(a, b, alternative="greater").pvalue)
    better = float(mannwhitneyu(a, b, alternative="less").pvalue)
    if worse < ALPHA:
        return "worse", worse
    if better < ALPHA:
        return "better", better
    return "tie", min(worse, better)


def _pooled_interval(mine: list[list[float]], theirs: list[list[float]],
                     n_bootstrap: int = 2000) -> tuple[float, float]:
    """90 % bootstrap interval of the pooled ECDF difference (runs resampled per cell)."""
    import numpy as np

    rng = np.random.default_rng(0)
    total = np.zeros(n_bootstrap)
    for a, b in zip(mine, theirs, strict=True):
        for runs, sign in ((np.asarray(a), 1.0), (np.asarray(b), -1.0)):
            picks = rng.integers(0, runs.size, size=(n_bootstrap, runs.size))
            total += sign * runs[picks].mean(axis=1)
    total /= len(mine)
    return float(np.quantile(total, 0.05)), float(np.quantile(total, 0.95))


def report(runs: list[Any], budgets: list[int], names: list[str], min_runs: int = 20) -> str:
    """Per budget: ECDF score / median regret per cell, verdicts per pair, pooled scores.

    Verdicts and pooled scores count only the cells where both optimizers of a
    pair have at least ``min_runs`` runs (the others are shown, marked "-").
    """
    import numpy as np

    lines = []
    ours = [n for n in names if n.startswith("bbopt")]
    for budget in budgets:
        cells = _cells(runs, budget)
        rows = []
        pairs = [(o, a) for o in ours for a in names if a != o]
        if "optuna-cma" in names and "optuna" in names:  # the stand-in checked
            pairs.append(("optuna-cma", "optuna"))
        verdicts: dict[tuple[str, str], dict[str, int]] = {
            pair: {"worse": 0, "tie": 0, "better": 0} for pair in pairs}
        shared: dict[tuple[str, str], list[tuple[float, float]]] = {pair: [] for pair in pairs}
        for (function, d), cell in sorted(cells.items()):
            row = [f"{function}-{d}"]
            for n in names:
                if n not in cell:
                    row.append("-")
                    continue
                scores, regrets = cell[n]
                row.append(f"{np.mean(scores):.3f} / {np.median(regrets):.2e} "
                           f"({len(scores)})")
            for o, a in pairs:
                complete = all(n in cell and len(cell[n][0]) >= min_runs for n in (o, a))
                if complete:
                    verdict, p = _verdict(cell[o][1], cell[a][1])
                    verdicts[o, a][verdict] += 1
                    shared[o, a].append((float(np.mean(cell[o][0])), float(np.mean(cell[a][0]))))
                if o == ours[0]:
                    row.append(f"{verdict} (p {p:.2f})" if complete else "-")
            rows.append(row)
        lines.append(f"\nbudget {budget} d: mean ECDF score / median regret (runs); "
                     f"verdict of {ours[0] if ours else '-'} per anchor")
        lines.append(markdown_table(
            ["function-d", *names, *[f"vs {a}" for o, a in pairs if o == ours[0]]], rows))
        for (o, a), count in verdicts.items():
            k = sum(count.values())
            if not k:
                continue
            mine, theirs = (np.mean(v) for v in zip(*shared[o, a]))
            both = [c for c in sorted(cells) if all(
                n in cells[c] and len(cells[c][n][0]) >= min_runs for n in (o, a))]
            low, high = _pooled_interval([cells[c][o][0] for c in both],
                                         [cells[c][a][0] for c in both])
            lines.append(f"{o} vs {a}: no worse in {k - count['worse']}/{k} cells "
                         f"({100 * (k - count['worse']) / k:.0f} %; better {count['better']}, "
                         f"worse {count['worse']}); pooled ECDF over these cells "
                         f"{mine:.4f} vs {theirs:.4f}, difference {mine - theirs:+.4f} "
                         f"(90 % bootstrap interval {low:+.4f} to {high:+.4f})")
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
                        choices=["bbopt", "bbopt-s6", "bbopt-lr", "bbopt-none", *ANCHORS])
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
    parser.add_argument("--min-runs", type=int, default=20,
                        help="runs per optimizer for a cell to count in verdicts and pooled "
                             "scores")
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
    print(report(runs, args.budgets, args.optimizers, args.min_runs))


if __name__ == "__main__":
    main()
