"""Issue 14's quality goal table from ``bbopt benchmark`` results files.

The runs themselves come from the runner (one command per optimizer, resumable,
finished runs skipped), for example::

    bbopt benchmark --functions ackley levy rosenbrock rastrigin --dims 50 \\
        --instances 2 --seeds 5 --budget 20 --optimizers trust_region_gp \\
        --n-jobs 1 --results benchmarks/results/trust_region_s4_d50.jsonl

This script reads such files and compares the optimizers on the **paired**
subset: the (problem, seed) pairs that every listed optimizer has finished, so
that a sampler whose runs are not all done is not scored on easier or harder
cells than its anchors. For every budget (a multiple of ``d``) it prints:

- the runtime-ECDF score pooled over the problems (`bbopt.benchmark.ecdf_scores`);
- the median best regret per function and dimension;
- the goal of the issue: the trust region's pooled ECDF score against each
  anchor (``>`` better, ``<`` worse, ``=`` equal).

Usage::

    python benchmarks/trust_region_goals.py benchmarks/results/trust_region_s4_d50.jsonl \\
        --optimizers trust_region_gp gp tpe cma_es pycma --budgets 10 20
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from pathlib import Path

from bbopt.benchmark import Run, ecdf_scores, load
from bbopt.benchmark._problems import budget_evaluations


def paired(runs: list[Run], optimizers: list[str]) -> list[Run]:
    """The runs of the (problem, seed) pairs that every optimizer of ``optimizers`` has."""
    by_pair: dict[tuple[str, int], dict[str, Run]] = defaultdict(dict)
    for run in runs:
        if run.optimizer in optimizers:
            by_pair[(run.problem, run.seed)][run.optimizer] = run
    return [run for found in by_pair.values() if len(found) == len(optimizers)
            for run in found.values()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--optimizers", nargs="+",
                        default=["trust_region_gp", "gp", "tpe", "cma_es", "pycma"])
    parser.add_argument("--budgets", type=float, nargs="+", default=[10, 20, 50])
    args = parser.parse_args(argv)
    runs = paired([r for path in args.results for r in load(path)], args.optimizers)
    if not runs:
        print("no (problem, seed) pair has a run of every optimizer")
        return
    n_pairs = len(runs) // len(args.optimizers)
    dims = sorted({r.n_dims for r in runs})
    print(f"{n_pairs} (problem, seed) pairs with a run of each of {args.optimizers}, d = {dims}")
    print()
    table = ecdf_scores(runs, args.budgets)
    print(table)
    print()
    header = ["function", "d", "budget", "n"] + args.optimizers
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    cells: dict[tuple[str, int], dict[str, list[Run]]] = defaultdict(lambda: defaultdict(list))
    for run in runs:
        cells[(run.function, run.n_dims)][run.optimizer].append(run)
    for (function, d), found in sorted(cells.items()):
        for budget in args.budgets:
            n = budget_evaluations(budget, d)
            medians = [statistics.median(float(r.regret_at(n)) for r in found[o])
                       for o in args.optimizers]
            best = min(medians)
            row = [function, str(d), f"{budget:g} d", str(len(found[args.optimizers[0]]))]
            row += [f"**{m:.3g}**" if m == best else f"{m:.3g}" for m in medians]
            print("| " + " | ".join(row) + " |")
    print()
    scores = {row[0]: row[2:] for row in table.rows}
    first = args.optimizers[0]
    for other in args.optimizers[1:]:
        signs = ["=" if a == b else (">" if a > b else "<")
                 for a, b in zip(scores[first], scores[other])]
        print(f"{first} vs {other} by budget {args.budgets}: {' '.join(signs)}")


if __name__ == "__main__":
    main()
