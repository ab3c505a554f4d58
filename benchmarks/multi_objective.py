"""Multi-objective: hypervolume and NSGA-II speed, and quality, bbopt beside the anchors.

Three parts, each printing a Markdown table (and JSON with ``--json``):

- ``hypervolume``: seconds to compute the exact hypervolume of ``n`` points
  of a 3-objective front (the positive unit sphere, DTLZ2's, with noise so
  that a share of the points are dominated), bbopt against
  ``optuna._hypervolume.compute_hypervolume`` and pymoo's ``Hypervolume``
  indicator; all three must agree.
- ``speed``: CPU seconds per ask+tell of NSGA-II in a ``d``-parameter study with 2
  and 3 objectives over ``n`` trials (objective values drawn at random, so
  only the sampler and study cost), bbopt against Optuna's ``NSGAIISampler``,
  population 50 for both.
- ``quality``: hypervolume of the non-dominated trials after 100, 300 and
  1,000 evaluations on ZDT1, ZDT2, ZDT3, DTLZ2 and DTLZ7 (3 objectives),
  ``--seeds`` seeds: bbopt's NSGA-II, NSGA-III and TPE, Optuna's NSGA-II and TPE,
  bbopt's GP (log EHVI) and AutoSampler (the GP, then NSGA-II), Optuna's GP
  (needs torch; slow beyond a few hundred evaluations: ``--max-budget``),
  and pymoo's NSGA-II (population 50 for the evolutionary ones). Runs are
  appended to ``--results`` as they finish (resumable); the tables are
  medians over the runs in the file, and the goal table compares bbopt's
  best optimizer per (problem, budget) cell with the best anchor there.

Usage::

    python benchmarks/multi_objective.py hypervolume --n 1000 10000
    python benchmarks/multi_objective.py speed --n 10000
    python benchmarks/multi_objective.py quality --seeds 10 --results results/mo.jsonl
    python benchmarks/multi_objective.py quality --seeds 10 --only "bbopt GP" \\
        --max-budget 300 --results results/mo.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import bbopt
import bbopt.distributions
from bbopt.testfunctions import DTLZ2, DTLZ7, ZDT1, ZDT2, ZDT3

POPULATION = 50
#: Fewer runs of an anchor than this at a cell: its ``--anchor-medians`` median is used.
MIN_ANCHOR_SEEDS = 5


def _timed(func: Callable[[], Any], budget: float = 2.0) -> tuple[float, Any]:
    """Smallest CPU time of repeated calls (at most 7, while under ``budget`` seconds).

    CPU time, and the best of several calls, so that other jobs on a shared
    machine change the figures less.
    """
    best, spent, out = float("inf"), 0.0, None
    for _ in range(7):
        start = time.process_time()
        out = func()
        elapsed = time.process_time() - start
        best, spent = min(best, elapsed), spent + elapsed
        if spent > budget:
            break
    return best, out


# -- hypervolume ----------------------------------------------------------------------
def _hypervolume_case(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = np.abs(rng.standard_normal((n, 3)))
    points = w / np.linalg.norm(w, axis=1, keepdims=True) * (1.0 + 0.1 * rng.random((n, 1)))
    return points, np.full(3, 1.5)


def hypervolume_table(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        points, ref = _hypervolume_case(n, 0)
        row: dict[str, Any] = {"n": n}
        row["bbopt_s"], value = _timed(lambda: bbopt.hypervolume(points, ref))
        row["value"] = value
        # Where the time goes: the compiled kernel without the public checks, and one
        # sort of the n values of a coordinate (numpy's), the step every O(n log n)
        # sweep starts with.
        from bbopt._kernels import hypervolume_exact

        contiguous = np.ascontiguousarray(points)
        row["kernel_s"], _ = _timed(lambda: hypervolume_exact(contiguous, ref))
        column = contiguous[:, 2].copy()
        row["sort_s"], _ = _timed(lambda: np.sort(column))
        try:
            from optuna._hypervolume import compute_hypervolume

            row["optuna_s"], other = _timed(lambda: compute_hypervolume(points, ref))
            assert abs(other - value) <= 1e-9 * value, (other, value)
        except ImportError:
            row["optuna_s"] = None
        try:
            from pymoo.indicators.hv import Hypervolume

            indicator = Hypervolume(ref_point=ref)
            row["pymoo_s"], other = _timed(lambda: indicator(points))
            assert abs(other - value) <= 1e-9 * value, (other, value)
        except ImportError:
            row["pymoo_s"] = None
        try:
            import moocore

            row["moocore_s"], other = _timed(lambda: moocore.hypervolume(points, ref=ref))
            assert abs(other - value) <= 1e-9 * value, (other, value)
        except ImportError:
            row["moocore_s"] = None
        rows.append(row)
    print("| n | bbopt kernel alone (s) | numpy sort of one coordinate (s) |")
    print("| --- | --- | --- |")
    for r in rows:
        print(f"| {r['n']} | {r['kernel_s']:.5f} | {r['sort_s']:.5f} |")
    print()
    libs = ("optuna", "pymoo", "moocore")
    print("| n | bbopt (s) | " + " | ".join(f"{lib} (s)" for lib in libs) + " | "
          + " | ".join(f"{lib} / bbopt" for lib in libs) + " |")
    print("| --- |" + " --- |" * (1 + 2 * len(libs)))
    for r in rows:
        times = [r[f"{lib}_s"] for lib in libs]
        print(f"| {r['n']} | {r['bbopt_s']:.4f} | "
              + " | ".join("-" if t is None else f"{t:.4f}" for t in times) + " | "
              + " | ".join("-" if t is None else f"x{t / r['bbopt_s']:.1f}" for t in times)
              + " |")
    return rows


# -- speed ----------------------------------------------------------------------------
def _speed_loop(lib: Any, n: int, d: int, m: int) -> float:
    """Seconds per ask+tell of ``lib``'s NSGA-II (``lib`` is bbopt or optuna: same API)."""
    values = np.random.default_rng(0).random((n, m)).tolist()
    space = {f"x{j}": lib.distributions.FloatDistribution(0.0, 1.0) for j in range(d)}
    study = lib.create_study(directions=["minimize"] * m,
                             sampler=lib.samplers.NSGAIISampler(population_size=POPULATION,
                                                                seed=0))
    start = time.process_time()  # CPU time: other jobs on a shared machine count less
    for k in range(n):
        study.tell(study.ask(space), values[k])
    return (time.process_time() - start) / n


def _optuna() -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def speed_table(sizes: list[int], d: int) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        for m in (2, 3):
            row = {"n": n, "d": d, "m": m, "bbopt_s": _speed_loop(bbopt, n, d, m)}
            try:
                row["optuna_s"] = _speed_loop(_optuna(), n, d, m)
            except ImportError:
                row["optuna_s"] = None
            rows.append(row)
    print("| n | d | objectives | bbopt (ms/trial) | Optuna (ms/trial) | Optuna / bbopt |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        o, b = r["optuna_s"], r["bbopt_s"]
        optuna_ms = "-" if o is None else f"{1e3 * o:.3f}"
        ratio = "-" if o is None else f"x{o / b:.0f}"
        print(f"| {r['n']} | {r['d']} | {r['m']} | {1e3 * b:.3f} | {optuna_ms} | {ratio} |")
    return rows


# -- quality --------------------------------------------------------------------------
PROBLEMS = {
    "ZDT1": lambda: ZDT1(n_dims=10),
    "ZDT2": lambda: ZDT2(n_dims=10),
    "ZDT3": lambda: ZDT3(n_dims=10),
    "DTLZ2": lambda: DTLZ2(n_objectives=3),
    "DTLZ7": lambda: DTLZ7(n_objectives=3),
}
BUDGETS = (100, 300, 1000)


def _hv_trace(values: np.ndarray, ref: np.ndarray) -> list[float]:
    return [bbopt.hypervolume(values[:b], ref) for b in BUDGETS]


def _ask_tell(lib: Any, sampler: Any, f: Any, budget: int) -> np.ndarray:
    """Objective vectors of ``budget`` ask/tell rounds of a bbopt or optuna study on ``f``."""
    study = lib.create_study(directions=["minimize"] * f.n_objectives, sampler=sampler)
    space = {name: lib.distributions.FloatDistribution(d.low, d.high)
             for name, d in f.search_space().items()}
    out = []
    for _ in range(budget):
        trial = study.ask(space)
        y = f([trial.params[name] for name in space])
        study.tell(trial, y.tolist())
        out.append(y)
    return np.array(out)


def _run_optuna(kind: str, f: Any, budget: int, seed: int) -> np.ndarray:
    optuna = _optuna()
    sampler = {
        "nsga2": lambda: optuna.samplers.NSGAIISampler(population_size=POPULATION, seed=seed),
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "gp": lambda: optuna.samplers.GPSampler(seed=seed),  # needs torch
    }[kind]()
    return _ask_tell(optuna, sampler, f, budget)


def _run_pymoo(f: Any, budget: int, seed: int) -> np.ndarray:
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.core.termination import NoTermination
    from pymoo.problems.static import StaticProblem

    problem = Problem(n_var=f.n_dims, n_obj=f.n_objectives, xl=f.bounds[:, 0],
                      xu=f.bounds[:, 1])
    algorithm = NSGA2(pop_size=POPULATION)
    algorithm.setup(problem, termination=NoTermination(), seed=seed, verbose=False)
    out: list[np.ndarray] = []
    while len(out) < budget:
        pop = algorithm.ask()
        values = f(pop.get("X"))
        Evaluator().eval(StaticProblem(problem, F=values), pop)
        algorithm.tell(infills=pop)
        out.extend(values)
    return np.array(out[:budget])


OPTIMIZERS: dict[str, Callable[[Any, int, int], np.ndarray]] = {
    "bbopt NSGA-II": lambda f, s, n: _ask_tell(
        bbopt, bbopt.samplers.NSGAIISampler(population_size=POPULATION, seed=s), f, n),
    "bbopt NSGA-III": lambda f, s, n: _ask_tell(
        bbopt, bbopt.samplers.NSGAIIISampler(population_size=POPULATION, seed=s), f, n),
    "bbopt TPE": lambda f, s, n: _ask_tell(bbopt, bbopt.samplers.TPESampler(seed=s), f, n),
    "bbopt GP": lambda f, s, n: _ask_tell(bbopt, bbopt.samplers.GPSampler(seed=s), f, n),
    "bbopt Auto": lambda f, s, n: _ask_tell(bbopt, bbopt.samplers.AutoSampler(seed=s), f, n),
    "Optuna NSGA-II": lambda f, s, n: _run_optuna("nsga2", f, n, s),
    "Optuna TPE": lambda f, s, n: _run_optuna("tpe", f, n, s),
    "Optuna GP": lambda f, s, n: _run_optuna("gp", f, n, s),
    "pymoo NSGA-II": lambda f, s, n: _run_pymoo(f, n, s),
}


def _load(path: str | None) -> list[dict[str, Any]]:
    if not path or not os.path.exists(path):
        return []
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def quality_table(n_seeds: int, only: list[str] | None = None, results: str | None = None,
                  problems: list[str] | None = None, max_budget: int = max(BUDGETS),
                  anchor_medians: str | None = None) -> list[dict[str, Any]]:
    """Run the missing (problem, optimizer, seed) runs, then tabulate every run in ``results``.

    Each run is appended to ``results`` (JSON lines) as it finishes, with the
    hypervolume at each budget it reached (``max_budget`` evaluations at
    most): an interrupted run resumes where it stopped.
    """
    done = {(r["problem"], r["optimizer"], r["seed"]): r["evaluations"] for r in _load(results)}
    new: list[dict[str, Any]] = []
    for problem, make in PROBLEMS.items():
        if problems and problem not in problems:
            continue
        f = make()
        for name, run in OPTIMIZERS.items():
            if only and name not in only:
                continue
            for seed in range(n_seeds):
                if done.get((problem, name, seed), 0) >= max_budget:
                    continue
                start = time.process_time()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        values = run(f, seed, max_budget)
                except ImportError as error:
                    print(f"skipped {name}: {error}", file=sys.stderr)
                    break
                record = {"problem": problem, "optimizer": name, "seed": seed,
                          "evaluations": max_budget,
                          "cpu_s": round(time.process_time() - start, 2),
                          "hv": {str(b): bbopt.hypervolume(values[:b], f.reference_point)
                                 for b in BUDGETS if b <= max_budget}}
                new.append(record)
                if results:
                    with open(results, "a") as out:
                        out.write(json.dumps(record) + "\n")
    return summarise(_load(results) if results else new, anchor_medians)


def summarise(records: list[dict[str, Any]],
              anchor_medians: str | None = None) -> list[dict[str, Any]]:
    """Median hypervolume per (problem, optimizer, budget), and the goal per cell.

    A cell (problem, budget) meets the goal when bbopt's best median is at
    least every Optuna sampler's median there (those with runs at that
    budget); at 1,000 evaluations also at least pymoo's NSGA-II.
    ``anchor_medians``: a JSON file of earlier medians (rows ``{"problem",
    "optimizer", "100", "300", "1000"}``, as the third session's
    ``mo_quality.json``), used for an anchor with fewer than
    `MIN_ANCHOR_SEEDS` runs in ``records`` at that cell (marked ``*``).
    """
    longest: dict[tuple[str, str, int], dict[str, Any]] = {}
    for r in records:  # a seed run again with a larger budget: its longest run
        key = (r["problem"], r["optimizer"], r["seed"])
        if key not in longest or r["evaluations"] > longest[key]["evaluations"]:
            longest[key] = r
    runs: dict[tuple[str, str, str], list[float]] = {}
    for r in longest.values():
        for b, value in r["hv"].items():
            runs.setdefault((r["problem"], r["optimizer"], b), []).append(value)
    rows = [{"problem": p, "optimizer": o, "budget": int(b), "seeds": len(v),
             "median": float(np.median(v))} for (p, o, b), v in runs.items()]
    if anchor_medians:
        with open(anchor_medians) as earlier:
            for m in json.load(earlier):
                if m["optimizer"].startswith("bbopt"):
                    continue
                for b in map(str, BUDGETS):
                    if b in m and len(runs.get((m["problem"], m["optimizer"], b), [])
                                      ) < MIN_ANCHOR_SEEDS:
                        rows = [r for r in rows if (r["problem"], r["optimizer"], str(
                            r["budget"])) != (m["problem"], m["optimizer"], b)]
                        rows.append({"problem": m["problem"], "optimizer": m["optimizer"] + "*",
                                     "budget": int(b), "seeds": None, "median": m[b]})
    print("| problem | optimizer | " + " | ".join(f"HV @ {b} (seeds)" for b in BUDGETS) + " |")
    print("| --- | --- |" + " --- |" * len(BUDGETS))
    for p in PROBLEMS:
        for o in OPTIMIZERS:
            cells = [runs.get((p, o, str(b))) for b in BUDGETS]
            if any(cells):
                print(f"| {p} | {o} | " + " | ".join(
                    "-" if c is None else f"{np.median(c):.4g} ({len(c)})" for c in cells) + " |")
    print()
    print("| problem | budget | bbopt best | its median | best anchor | its median | met |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    met = total = 0
    for p in PROBLEMS:
        for b in BUDGETS:
            here = {r["optimizer"]: r["median"] for r in rows
                    if r["problem"] == p and r["budget"] == b}
            ours = {o: v for o, v in here.items() if o.startswith("bbopt")}
            anchors = {o: v for o, v in here.items() if o.startswith("Optuna")
                       or (o.startswith("pymoo") and b == max(BUDGETS))}
            if not ours or not anchors:
                continue
            best_o, best_a = max(ours, key=ours.__getitem__), max(anchors, key=anchors.__getitem__)
            ok = ours[best_o] >= anchors[best_a]
            met, total = met + ok, total + 1
            print(f"| {p} | {b} | {best_o} | {ours[best_o]:.4g} | {best_a} | "
                  f"{anchors[best_a]:.4g} | {'yes' if ok else 'no'} |")
    if total:
        print(f"\ncells met: {met} of {total} ({100 * met / total:.0f} %)")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["hypervolume", "speed", "quality"])
    parser.add_argument("--n", type=int, nargs="+", default=[10000])
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--only", nargs="+", help="quality: only these optimizers (labels)")
    parser.add_argument("--problems", nargs="+", choices=list(PROBLEMS),
                        help="quality: only these problems")
    parser.add_argument("--max-budget", type=int, default=max(BUDGETS),
                        help="quality: evaluations per run (slow optimizers: 100 or 300)")
    parser.add_argument("--results", help="quality: JSON-lines file of the runs (resumable)")
    parser.add_argument("--anchor-medians",
                        help="quality: JSON file of earlier anchor medians (mo_quality.json), "
                             "used where an anchor has fewer than 5 runs")
    parser.add_argument("--json", help="write the rows to this JSON file")
    args = parser.parse_args(argv)
    if args.part == "hypervolume":
        rows = hypervolume_table(args.n)
    elif args.part == "speed":
        rows = speed_table(args.n, args.d)
    else:
        rows = quality_table(args.seeds, args.only, args.results, args.problems,
                             args.max_budget, args.anchor_medians)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
