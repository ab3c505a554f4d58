"""Quality of bbopt's GPSampler beside Optuna's GPSampler and TPE: median simple regret.

For every test function, sampler and seed, one study of ``max(--budgets)``
evaluations is run with the sampler's defaults (seeded); the simple regret
(best value found minus the known minimum, floored at 1e-12) is read after
each budget. The table gives the median over seeds per sampler, and
``d log10`` = log10(bbopt-gp median) - log10(optuna-gp median) (negative:
bbopt better).

Samplers: ``bbopt-gp`` (`bbopt.samplers.GPSampler`), ``optuna-gp``
(``optuna.samplers.GPSampler``, PyTorch CPU), ``optuna-tpe``
(``optuna.samplers.TPESampler``), and on request ``bbopt-gp-subset100``
(``GPSampler(max_exact_observations=100)``: the long-study subset
approximation from 100 observations on, to measure its effect on quality).
Every run is a separate process with one BLAS/OpenMP thread (``--jobs``
runs go side by side), so that runs do not compete for threads on a shared
machine.

Test functions (``bbopt.testfunctions``, where each cites its definition):
Branin, Hartmann6, Rosenbrock-10, Ackley-10, Levy-10, Styblinski-Tang-20 and
MixedAckley (2 reals, 2 ints, 1 categorical).

Usage::

    python benchmarks/gp_quality.py --seeds 10 --budgets 50 100 --jobs 2 \\
        --json benchmarks/results/gp_quality.json
    python benchmarks/gp_quality.py --seeds 5 --budgets 100 300 \\
        --samplers bbopt-gp bbopt-gp-subset100 --functions Hartmann6 Levy-10 \\
        --json benchmarks/results/gp_subset.json

Finished runs are appended to ``--json``'s ``.jsonl`` companion as they end,
and skipped when the command is run again (resume after an interruption).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
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

#: The TPE benchmark's functions but Michalewicz-10.
FUNCTIONS = {k: v for k, v in TEST_FUNCTIONS.items() if k != "Michalewicz-10"}
SAMPLERS = ("bbopt-gp", "optuna-gp", "optuna-tpe")
#: bbopt's GP on a subset of 100 observations (the long-study approximation, forced early):
#: compared with bbopt-gp at budgets above 100, it measures what the approximation costs.
VARIANTS = ("bbopt-gp-subset100",)
FLOOR = 1e-12
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_one(sampler: str, name: str, seed: int, budgets: list[int]) -> dict[str, Any]:
    """Best-so-far regret of one seeded study at each budget (run in a worker process).

    The study runs through ``bbopt.benchmark.run_one`` (the function as defined).
    """
    from bbopt.benchmark import BboptSampler, OptunaSampler, Problem
    from bbopt.benchmark import run_one as benchmark_run_one

    optimizer: Any
    if sampler.startswith("bbopt-gp"):
        max_exact = 100 if sampler == "bbopt-gp-subset100" else 1000
        optimizer = BboptSampler("gp", max_exact_observations=max_exact)
    else:
        try:  # Optuna's GPSampler runs on torch: one thread, as the BLAS of bbopt's runs
            import torch

            torch.set_num_threads(1)
        except ImportError:  # Optuna's TPE does not need it
            pass
        optimizer = OptunaSampler("GPSampler" if sampler == "optuna-gp" else "TPESampler")
    record = benchmark_run_one(Problem(make_test_function(name)), optimizer, seed, max(budgets))
    return {
        "sampler": sampler, "function": name, "seed": seed,
        "seconds": record.time + record.eval_time,
        "regret": {str(b): max(float(record.regret_at(b)), FLOOR) for b in budgets},
    }


def _spawn(sampler: str, name: str, seed: int, budgets: list[int]) -> dict[str, Any]:
    here = str(Path(__file__).resolve().parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import gp_quality; "
        f"print(json.dumps(gp_quality.run_one({sampler!r}, {name!r}, {int(seed)}, {budgets!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**os.environ, **SINGLE_THREAD})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budgets", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS),
                        choices=SAMPLERS + VARIANTS)
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS), choices=FUNCTIONS)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    samplers = [s for s in args.samplers if s.startswith("bbopt") or is_installed("optuna")]
    for s in set(args.samplers) - set(samplers):
        print(f"skipping {s}: optuna is not installed")
    log = args.json.with_suffix(".jsonl") if args.json else None
    done: dict[tuple[str, str, int], dict[str, Any]] = {}
    if log is not None and log.exists():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            if all(str(b) in r["regret"] for b in args.budgets):
                done[(r["sampler"], r["function"], r["seed"])] = r
    todo = [(s, f, seed) for f in args.functions for seed in range(args.seeds) for s in samplers
            if (s, f, seed) not in done]

    def work(job: tuple[str, str, int]) -> None:
        result = _spawn(*job, args.budgets)
        done[job] = result
        if log is not None:
            with open(log, "a") as fh:
                fh.write(json.dumps(result) + "\n")
        print(f"{job[0]:>10} {job[1]:>18} seed {job[2]:>2}: "
              f"{result['seconds']:7.1f} s, regret {result['regret']}", flush=True)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(work, todo))

    def median(s: str, name: str, budget: int) -> float:
        values = [done[(s, name, seed)]["regret"][str(budget)] for seed in range(args.seeds)
                  if (s, name, seed) in done]
        return statistics.median(values) if values else math.nan

    pairs = [(a, b) for a, b in (("bbopt-gp", "optuna-gp"), ("bbopt-gp-subset100", "bbopt-gp"))
             if a in samplers and b in samplers]

    def d_log10(a: str, b: str, name: str, budget: int) -> str:
        return f"{math.log10(median(a, name, budget)) - math.log10(median(b, name, budget)):+.2f}"

    rows = []
    for name in args.functions:
        for b in args.budgets:
            row = [name, str(b)] + [f"{median(s, name, b):.3g}" for s in samplers]
            row += [d_log10(x, y, name, b) for x, y in pairs]
            rows.append(row)
    header = ["function", "budget"] + [f"{s} median regret" for s in samplers]
    header += [f"d log10 ({x} - {y})" for x, y in pairs]
    print(markdown_table(header, rows))
    seconds = {s: statistics.mean(r["seconds"] for k, r in done.items() if k[0] == s)
               for s in samplers if any(k[0] == s for k in done)}
    print("mean seconds per study:", {s: round(v, 1) for s, v in seconds.items()})
    if args.json is not None:
        args.json.write_text(json.dumps({
            "machine": machine_info(),
            "versions": {lib: library_version(lib) for lib in ("bbopt", "optuna", "torch")},
            "budgets": args.budgets, "seeds": args.seeds,
            "runs": list(done.values()),
        }, indent=1))


if __name__ == "__main__":
    main()
