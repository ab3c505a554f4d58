"""The cost of ``bbopt.benchmark``'s runner, and the time of a TPE suite on 2 cores.

Two measurements (the goals of the benchmarking issue):

``overhead``
    On a 10-dimensional function (shifted Rastrigin, instance 1) with a budget
    of 500 evaluations, each seed runs bbopt's TPE twice, alternately: once in
    a bare loop (``study.ask(space)``, the point from ``trial.params``, the
    function, ``study.tell``) and once through ``bbopt.benchmark.run_one``
    (with the same sampler seed, so that both do the same work), which adds the
    evaluation counter and timers, the trace and the JSON record. The overhead
    is (runner wall time - bare wall time) / (bare wall time - function time),
    the median over seeds: on a loaded machine, noise of a few % either way.
    So the runner's cost is also timed alone, with nothing else in the run: a
    run of the same number of evaluations of a free function by an optimizer
    that does nothing (the counter and timers of each evaluation, the seed,
    the trace, the record and its JSON line), the median of 200, divided by
    TPE's own time per run; and the evaluation wrapper by itself (100 000 calls
    of ``evaluate`` on a function that returns 0).

``suite``
    ``bbopt.benchmark.run`` of bbopt's default TPE on 24 problems in d = 10:
    the 8 scalable classic test functions of ``bbopt.testfunctions`` (moved
    instances), 7 of them also rotated, and the 9 BBOB functions (each
    instance its own rotation and optimum), at 50 d evaluations, on a pool of
    ``--n-jobs`` processes; prints the wall time of the whole run.

Usage::

    python benchmarks/runner.py overhead --seeds 5 --json benchmarks/results/runner_overhead.json
    python benchmarks/runner.py suite --instances 3 --seeds 5 --n-jobs 2 \\
        --json benchmarks/results/runner_suite.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine_info

import bbopt
from bbopt.benchmark import Optimizer, Problem, ecdf_scores, make_problems, run, run_one
from bbopt.benchmark._optimizers import BboptSampler
from bbopt.benchmark._runner import _Evaluator


def _bare_loop(problem: Problem, n_evals: int, sampler_seed: int) -> tuple[float, float, float]:
    """Wall and CPU seconds of the plain ask/tell loop, and wall seconds of its function calls."""
    start, cpu = time.perf_counter(), time.process_time()
    study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=sampler_seed))
    space = problem.search_space
    names = list(space)
    in_function = 0.0
    for _ in range(n_evals):
        trial = study.ask(space)
        params = trial.params
        x = np.fromiter((params[name] for name in names), np.float64, len(names))
        t = time.perf_counter()
        value = problem(x)
        in_function += time.perf_counter() - t
        study.tell(trial, value)
    return time.perf_counter() - start, time.process_time() - cpu, in_function


def _runner(problem: Problem, tpe: BboptSampler, seed: int, n_evals: int
            ) -> tuple[float, float]:
    """Wall and CPU seconds of `run_one` and of writing its record."""
    start, cpu = time.perf_counter(), time.process_time()
    run_one(problem, tpe, seed, n_evals).to_json()
    return time.perf_counter() - start, time.process_time() - cpu


def _zero(x: np.ndarray) -> float:
    return 0.0


class _Null(Optimizer):
    """Evaluates the centre of the box ``n_evals`` times and does nothing else."""

    label = spec = "null"

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Any) -> None:
        x = problem.bounds.mean(axis=1)
        for _ in range(n_evals):
            evaluate(x)


def overhead(seeds: int, n_evals: int) -> dict[str, Any]:
    problem = Problem("rastrigin", 10, 1)
    tpe = BboptSampler("tpe")
    run_one(problem, tpe, 0, 50)  # warm-up: imports and first calls
    rows = []
    for seed in range(seeds):
        sampler_seed = int(np.random.SeedSequence([seed, problem.instance]).generate_state(1)[0]
                           >> 1)
        # Both arms do the same work (same sampler seed); their order alternates by seed
        # so that a drift of the machine's load does not favour one.
        if seed % 2 == 0:
            bare_wall, bare_cpu, bare_function = _bare_loop(problem, n_evals, sampler_seed)
            runner_wall, runner_cpu = _runner(problem, tpe, seed, n_evals)
        else:
            runner_wall, runner_cpu = _runner(problem, tpe, seed, n_evals)
            bare_wall, bare_cpu, bare_function = _bare_loop(problem, n_evals, sampler_seed)
        optimizer = bare_wall - bare_function
        rows.append({"seed": seed, "bare_wall": bare_wall, "bare_cpu": bare_cpu,
                     "bare_function": bare_function, "runner_wall": runner_wall,
                     "runner_cpu": runner_cpu,
                     "overhead_wall": (runner_wall - bare_wall) / optimizer,
                     "overhead_cpu": (runner_cpu - bare_cpu) / (bare_cpu - bare_function)})
        print(f"seed {seed}: bare {bare_wall:.3f} s wall / {bare_cpu:.3f} s CPU (function "
              f"{bare_function:.4f} s), runner {runner_wall:.3f} s / {runner_cpu:.3f} s: "
              f"overhead {100 * rows[-1]['overhead_wall']:+.2f} % wall, "
              f"{100 * rows[-1]['overhead_cpu']:+.2f} % CPU", flush=True)
    # What the runner adds to a run, measured alone: a run of n_evals evaluations of a free
    # function by an optimizer that does nothing (the counter and timers of every evaluation,
    # the seed, the trace, the record and its JSON line).
    zero = Problem.from_function(_zero, problem.bounds, 0.0, name="zero")
    null_wall, null_cpu = [], []
    for seed in range(200):
        wall, cpu = _runner(zero, _Null(), seed, n_evals)
        null_wall.append(wall)
        null_cpu.append(cpu)
    evaluator = _Evaluator(lambda x: 0.0, 100_000)
    x = np.zeros(10)
    start = time.perf_counter()
    for _ in range(100_000):
        evaluator(x)
    per_eval = (time.perf_counter() - start) / 100_000
    optimizer_per_run = statistics.median(r["bare_wall"] - r["bare_function"] for r in rows)
    optimizer_cpu_per_run = statistics.median(r["bare_cpu"] - r["bare_function"] for r in rows)
    result = {
        "problem": problem.key, "n_evals": n_evals, "runs": rows,
        "null_run_wall": statistics.median(null_wall),
        "null_run_cpu": statistics.median(null_cpu),
        "optimizer_wall_per_run": optimizer_per_run,
        "optimizer_cpu_per_run": optimizer_cpu_per_run,
        "runner_share_wall": statistics.median(null_wall) / optimizer_per_run,
        "runner_share_cpu": statistics.median(null_cpu) / optimizer_cpu_per_run,
        "median_overhead_wall": statistics.median(r["overhead_wall"] for r in rows),
        "median_overhead_cpu": statistics.median(r["overhead_cpu"] for r in rows),
        "wrapper_seconds_per_eval": per_eval,
        "wrapper_share": per_eval * n_evals / optimizer_per_run,
    }
    print(f"median overhead {100 * result['median_overhead_wall']:+.2f} % (wall), "
          f"{100 * result['median_overhead_cpu']:+.2f} % (CPU) of the optimizer's time "
          f"({optimizer_per_run:.3f} s per run); the evaluate wrapper alone: "
          f"{1e6 * per_eval:.2f} us per evaluation = {100 * result['wrapper_share']:.3f} %")
    print(f"the runner alone (a run of {n_evals} evaluations of a free function by an optimizer "
          f"that does nothing): {1e3 * result['null_run_wall']:.2f} ms wall, "
          f"{1e3 * result['null_run_cpu']:.2f} ms CPU per run = "
          f"{100 * result['runner_share_wall']:.2f} % (wall), "
          f"{100 * result['runner_share_cpu']:.2f} % (CPU) of TPE's own time")
    return result


def suite(instances: int, seeds: int, n_jobs: int, budget: float) -> dict[str, Any]:
    scalable = ["sphere", "ackley", "griewank", "levy", "rastrigin", "rosenbrock",
                "styblinskitang", "michalewicz"]
    problems = make_problems(scalable, dims=10, instances=instances)
    problems += make_problems([p for p in scalable if p != "michalewicz"], dims=10,
                              instances=instances, rotate=True)
    bbob = ["rotatedellipsoid", "discus", "bentcigar", "differentpowers", "schafferf7",
            "griewankrosenbrock", "attractivesector", "sharpridge", "rotatedrastrigin"]
    problems += make_problems(bbob, dims=10, instances=instances)
    n_problems = len({p.name for p in problems})
    print(f"{n_problems} problems x {instances} instances x {seeds} seeds of TPE in d = 10, "
          f"{budget:g} d evaluations, n_jobs = {n_jobs}", flush=True)
    load_before = [round(v, 2) for v in os.getloadavg()]
    start = time.perf_counter()
    runs = run(problems, ["tpe"], budget=budget, seeds=seeds, n_jobs=n_jobs)
    wall = time.perf_counter() - start
    load_after = [round(v, 2) for v in os.getloadavg()]
    optimizer = sum(r.time for r in runs)
    cpu = sum(r.cpu_time for r in runs)
    function = sum(r.eval_time for r in runs)
    print(f"{len(runs)} runs of {runs[0].n_evals} evaluations in {wall:.1f} s wall "
          f"(optimizer {optimizer:.1f} s wall / {cpu:.1f} s CPU summed over runs, function "
          f"{function:.1f} s); load average {load_before} -> {load_after}")
    print(ecdf_scores(runs, [1, 10, budget]))
    return {"n_problems": n_problems, "instances": instances, "seeds": seeds,
            "n_jobs": n_jobs, "budget": budget, "n_runs": len(runs),
            "n_evals": runs[0].n_evals, "wall": wall, "optimizer_wall_sum": optimizer,
            "optimizer_cpu_sum": cpu, "function_sum": function,
            "load_before": load_before, "load_after": load_after}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python benchmarks/runner.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("measure", choices=["overhead", "suite"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-evals", type=int, default=500, help="overhead: evaluations")
    parser.add_argument("--instances", type=int, default=3, help="suite: instances")
    parser.add_argument("--n-jobs", type=int, default=2, help="suite: processes")
    parser.add_argument("--budget", type=float, default=50, help="suite: x dimension")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.measure == "overhead":
        result = overhead(args.seeds, args.n_evals)
    else:
        result = suite(args.instances, args.seeds, args.n_jobs, args.budget)
    result.update(measure=args.measure, machine=machine_info(),
                  command="python benchmarks/runner.py " + " ".join(
                      sys.argv[1:] if argv is None else argv))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=float) + "\n")
    return result


if __name__ == "__main__":
    main()
