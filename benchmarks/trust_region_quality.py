"""Quality of TrustRegionGPSampler beside bbopt's GP and TPE samplers and pycma (IPOP).

For every test function, dimension ``d``, sampler and seed, one run of
``max(budgets) * d`` evaluations records the best value found after each
evaluation. Two scores per budget ``B`` (in multiples of ``d``):

- the median over seeds of the simple regret (best value minus the known
  minimum) after ``B d`` evaluations;
- the runtime-ECDF score: the fraction of (run, target) pairs whose regret
  after ``B d`` evaluations is <= the target, targets ``10^2`` down to
  ``10^-8`` in steps of ``10^0.2`` (51 targets), pooled over functions and
  dimensions.

Samplers (each run a separate process, one BLAS thread; ``--jobs`` side by side):

- ``bbopt-tr``: ``bbopt.samplers.TrustRegionGPSampler(seed=seed)``;
- ``bbopt-gp``: ``bbopt.samplers.GPSampler(seed=seed)``;
- ``bbopt-tpe``: ``bbopt.samplers.TPESampler(seed=seed)``;
- ``cma-ipop``: pycma's ``cma.fmin2`` on the unit cube (the function's box
  rescaled), ``sigma0 = 0.25``, random start, IPOP restarts (population
  doubling) until the budget, bound handling by pycma's
  ``BoundTransform``; its best-so-far curve counts every evaluation.

Test functions: `bbopt.testfunctions` (each cites its definition) at every
``d`` of ``--dims``.

The ``bbopt.benchmark`` runner had not landed on main when this script was
written: the loop is local and compact.

Usage::

    python benchmarks/trust_region_quality.py --dims 20 --budgets 10 20 50 --seeds 5 \\
        --functions Ackley Levy Rosenbrock --jobs 2 \\
        --json benchmarks/results/trust_region_quality.json

Finished runs are appended to ``--json``'s ``.jsonl`` companion as they end
and skipped when the command is run again.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_info, markdown_table

SAMPLERS = ("bbopt-tr", "bbopt-gp", "bbopt-tpe", "cma-ipop")
#: Targets of the runtime-ECDF score: 10^2 .. 10^-8 in steps of 10^0.2.
TARGETS = [10.0 ** (2.0 - 0.2 * i) for i in range(51)]


def run_one(sampler: str, function: str, d: int, budget: int, seed: int) -> dict[str, Any]:
    """One run; returns the best regret after each evaluation (in a fresh process)."""
    import numpy as np

    import bbopt
    import bbopt.testfunctions as tf

    f = getattr(tf, function)(n_dims=d)
    start = time.perf_counter()
    if sampler == "cma-ipop":
        import cma

        low, high = f.bounds[:, 0], f.bounds[:, 1]
        values: list[float] = []

        def scaled(u: Any) -> float:
            value = float(f(low + np.asarray(u) * (high - low)))
            values.append(value)
            return value

        x0 = np.random.default_rng(seed).random(d)
        options = {"bounds": [0.0, 1.0], "maxfevals": budget, "seed": seed + 1,
                   "verbose": -9, "tolfun": 1e-11, "tolx": 1e-11}
        cma.fmin2(scaled, x0, 0.25, options, restarts=9, incpopsize=2)
        trace = np.minimum.accumulate(np.array(values[:budget]))
    else:
        samplers = {
            "bbopt-tr": bbopt.samplers.TrustRegionGPSampler,
            "bbopt-gp": bbopt.samplers.GPSampler,
            "bbopt-tpe": bbopt.samplers.TPESampler,
        }
        study = bbopt.create_study(sampler=samplers[sampler](seed=seed))
        study.optimize(f.objective, n_trials=budget)
        trace = np.minimum.accumulate(np.array([t.value for t in study.trials]))
    regret = np.maximum(trace - f.minimum, 0.0)
    return {"sampler": sampler, "function": function, "d": d, "seed": seed,
            "budget": budget, "seconds": time.perf_counter() - start,
            "regret": regret.tolist()}


def _spawn(sampler: str, function: str, d: int, budget: int, seed: int) -> dict[str, Any]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    here = str(Path(__file__).resolve().parent)
    code = (f"import json, sys; sys.path.insert(0, {here!r}); import trust_region_quality as m; "
            f"print(json.dumps(m.run_one({sampler!r}, {function!r}, {d}, {budget}, "
            f"{seed})))")
    try:
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True, env=env)
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or "").strip().splitlines()
        return {"sampler": sampler, "function": function, "d": d, "seed": seed,
                "error": lines[-1] if lines else f"exit code {exc.returncode}"}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _regret_at(run: dict[str, Any], evaluations: int) -> float:
    regret = run["regret"]
    return float(regret[min(evaluations, len(regret)) - 1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--functions", nargs="+", default=["Ackley", "Levy", "Rosenbrock"])
    parser.add_argument("--dims", type=int, nargs="+", default=[20])
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 20, 50],
                        help="budgets in multiples of d")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=SAMPLERS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    done: dict[tuple[str, str, int, int], dict[str, Any]] = {}
    log = args.json.with_suffix(".jsonl") if args.json is not None else None
    if log is not None and log.exists():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            if "regret" in r and r["budget"] >= max(args.budgets) * r["d"]:
                done[(r["sampler"], r["function"], r["d"], r["seed"])] = r
    tasks = [(s, fn, d, max(args.budgets) * d, seed)
             for d in args.dims for fn in args.functions for seed in range(args.seeds)
             for s in args.samplers if (s, fn, d, seed) not in done]

    def work(task: tuple[str, str, int, int, int]) -> dict[str, Any]:
        r = _spawn(*task)
        if log is not None and "regret" in r:
            with open(log, "a") as f:
                f.write(json.dumps(r) + "\n")
        print(json.dumps({k: v for k, v in r.items() if k != "regret"}), flush=True)
        return r

    with ThreadPoolExecutor(args.jobs) as pool:
        for r in pool.map(work, tasks):
            if "regret" in r:
                done[(r["sampler"], r["function"], r["d"], r["seed"])] = r
    runs = [r for r in done.values() if r["sampler"] in args.samplers
            and r["function"] in args.functions and r["d"] in args.dims]

    rows = []
    for d in args.dims:
        for fn in args.functions:
            for budget in args.budgets:
                row = [fn, str(d), f"{budget} d"]
                for s in args.samplers:
                    regrets = [_regret_at(r, budget * d) for r in runs
                               if r["sampler"] == s and r["function"] == fn and r["d"] == d]
                    row.append(f"{statistics.median(regrets):.3g}" if regrets else "")
                rows.append(row)
    print(markdown_table(["function", "d", "budget"] + [f"{s} median regret"
                                                        for s in args.samplers],
                         rows, "llr" + "r" * len(args.samplers)))
    ecdf_rows = []
    for budget in args.budgets:
        row = [f"{budget} d"]
        for s in args.samplers:
            hits = [_regret_at(r, budget * r["d"]) <= t for r in runs if r["sampler"] == s
                    for t in TARGETS]
            row.append(f"{sum(hits) / len(hits):.3f}" if hits else "")
        ecdf_rows.append(row)
    print()
    print(markdown_table(["budget"] + [f"{s} ECDF" for s in args.samplers], ecdf_rows,
                         "l" + "r" * len(args.samplers)))
    seconds = {s: statistics.median(
        [r["seconds"] for r in runs if r["sampler"] == s] or [math.nan])
               for s in args.samplers}
    print("median seconds per run:", {s: round(v, 1) for s, v in seconds.items()})
    if args.json is not None:
        args.json.write_text(json.dumps({
            "machine": machine_info(), "functions": args.functions, "dims": args.dims,
            "budgets": args.budgets, "seeds": args.seeds, "samplers": args.samplers,
            "median_regret": rows, "ecdf": ecdf_rows, "median_seconds": seconds,
        }, indent=1))


if __name__ == "__main__":
    main()
