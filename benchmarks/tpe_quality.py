"""Quality of bbopt's TPE beside Optuna's: median simple regret on test functions.

For every test function, library and seed, one study of ``max(--budgets)``
evaluations is run with the library's default TPE sampler (seeded), through
``bbopt.benchmark.run_one`` (the function as defined, instance 0); the simple
regret (best value found minus the known minimum) is read after each budget.
The table gives the median over seeds, and ``d log10`` = log10(bbopt regret)
- log10(Optuna regret) (negative: bbopt better; regrets are floored at 1e-12).

Test functions (``bbopt.testfunctions``, where each cites its definition):
Branin, Hartmann6, Rosenbrock-10, Ackley-10, Levy-10, Styblinski-Tang-20,
Michalewicz-10 and MixedAckley (2 reals, 2 ints, 1 categorical).

``bbopt-univariate`` is bbopt's ``TPESampler(multivariate=False)``, beside
Optuna's default TPE (which is univariate too).

Usage::

    python benchmarks/tpe_quality.py --seeds 10 --budgets 100 300 \\
        --json benchmarks/results/tpe_quality.json

``--first-seed 30 --seeds 30`` runs the fresh seeds 30-59 alone, and
``--reuse OLD.json`` takes every (library, function, seed) run found in an
earlier JSON file instead of running it again (for instance Optuna's runs,
while bbopt's TPE changes).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    TEST_FUNCTIONS,
    is_installed,
    library_version,
    machine_info,
    make_test_function,
    markdown_table,
)

LIBS = ("bbopt", "bbopt-univariate", "optuna")
FLOOR = 1e-12


def run_one(lib: str, name: str, seed: int, budgets: list[int]) -> dict[str, Any]:
    """Best-so-far regret of one seeded study at each budget (`bbopt.benchmark.run_one`)."""
    from bbopt.benchmark import BboptSampler, OptunaSampler, Problem
    from bbopt.benchmark import run_one as benchmark_run_one

    optimizer = (BboptSampler("tpe") if lib == "bbopt"
                 else BboptSampler("tpe", multivariate=False) if lib == "bbopt-univariate"
                 else OptunaSampler("TPESampler"))
    record = benchmark_run_one(Problem(make_test_function(name)), optimizer, seed, max(budgets))
    return {
        "lib": lib, "function": name, "seed": seed,
        "seconds": record.time + record.eval_time,
        "regret": {str(b): max(float(record.regret_at(b)), 0.0) for b in budgets},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds are first-seed .. first-seed + seeds - 1")
    parser.add_argument("--budgets", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--functions", nargs="+", default=list(TEST_FUNCTIONS),
                        choices=TEST_FUNCTIONS)
    parser.add_argument("--libs", nargs="+", default=list(LIBS), choices=LIBS)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--reuse", type=Path, nargs="+", default=[],
                        help="JSON files of earlier runs to take instead of running again")
    args = parser.parse_args(argv)

    cached = {}
    for path in args.reuse:
        for r in json.loads(path.read_text())["runs"]:
            if all(str(b) in r["regret"] for b in args.budgets):
                cached[r["lib"], r["function"], r["seed"]] = r
    runs = []
    libs = [lib for lib in args.libs
            if is_installed(lib.split("-")[0]) or any(k[0] == lib for k in cached)]
    for name in args.functions:
        for lib in libs:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                if (lib, name, seed) in cached:
                    runs.append(cached[lib, name, seed])
                    continue
                res = run_one(lib, name, seed, args.budgets)
                runs.append(res)
                print(json.dumps(res), file=sys.stderr, flush=True)

    def median(lib: str, name: str, budget: int) -> float:
        return statistics.median(r["regret"][str(budget)] for r in runs
                                 if r["lib"] == lib and r["function"] == name)

    rows = []
    wins = {b: 0 for b in args.budgets}
    worst = {b: -math.inf for b in args.budgets}
    for name in args.functions:
        for b in args.budgets:
            row = [name, str(b)]
            meds = {lib: median(lib, name, b) for lib in libs}
            row += [f"{meds[lib]:.3g}" for lib in libs]
            if {"bbopt", "optuna"} <= set(libs):
                delta = math.log10(max(meds["bbopt"], FLOOR)) - math.log10(
                    max(meds["optuna"], FLOOR))
                wins[b] += delta <= 0.0
                worst[b] = max(worst[b], delta)
                row.append(f"{delta:+.2f}")
            rows.append(row)
    headers = ["function", "evals"] + [f"{lib} {library_version(lib.split('-')[0]) or ''}".strip()
                                       for lib in libs]
    if {"bbopt", "optuna"} <= set(libs):
        headers.append("d log10")
    last_seed = args.first_seed + args.seeds - 1
    print(f"Median simple regret over {args.seeds} seeds ({args.first_seed}-{last_seed}, "
          "default TPE samplers)")
    print(markdown_table(headers, rows, align="lr" + "r" * (len(headers) - 2)))
    if {"bbopt", "optuna"} <= set(libs):
        for b in args.budgets:
            print(f"{b} evals: bbopt no worse on {wins[b]}/{len(args.functions)} functions; "
                  f"largest d log10 {worst[b]:+.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine_info(), "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
