"""Quality of AutoSampler against the single bbopt samplers and nevergrad's NGOpt.

Continuous part: shifted (and, for the non-separable variants, rotated)
instances of the bbopt test functions and of three ill-conditioned ones
defined here (an ellipsoid of condition 10^6, the bent cigar and the sharp
ridge of the BBOB suite), at the given dimensions. Budget-aware optimizers
(AutoSampler and NGOpt) get one run per budget; the single bbopt samplers
(which ignore the budget) one run at the largest budget, scored on its
prefixes. Scores: runtime-ECDF (targets 10^2 .. 10^-8 in steps of 10^0.2) and
median final regret per budget, pooled; then, per (function, dimension,
budget) cell, whether AutoSampler's ECDF score is at least the best single
bbopt sampler's; and the precision check (first evaluation with
``|f - f*| <= 1e-8`` on the 10-d sphere and rotated ellipsoid).

Mixed part: MixedAckley (bbopt.testfunctions) and a conditional problem
defined here, AutoSampler against TPESampler (final regret and ECDF score).

Every optimizer (bbopt samplers through ``set_budget``, NGOpt through its
constructor) is told the budget. NGOpt starts at the centre of the box and,
below about 50 evaluations per dimension, runs COBYLA from there: it is
deterministic, so runs should differ by instance (``--instances``), not only
by seed; every instance is shifted (and rotated where marked), so that no
optimizer gains from starting at the centre.

Usage::

    python benchmarks/auto_quality.py --dims 2 5 --budgets 10 20 50 --instances 3 --seeds 1
    python benchmarks/auto_quality.py --dims 2 5 10 20 --budgets 10 20 50 100 \
        --instances 10 --seeds 1 --results results/auto_runs.jsonl

Needs the ``bbopt.benchmark`` runner; nevergrad is optional (skipped with a
message when it is not installed).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

import bbopt
from bbopt import testfunctions
from bbopt.benchmark import (
    TARGETS,
    BboptSampler,
    NevergradOptimizer,
    Problem,
    ecdf_scores,
    load,
    run,
)

FloatArray = NDArray[np.float64]


# -- ill-conditioned test functions (BBOB f10, f12, f13 shapes), minimum 0 at the origin ----
class _Box5(testfunctions.TestFunction):
    transformable = True

    def __init__(self, n_dims: int) -> None:
        super().__init__(n_dims, [[-5.0, 5.0]] * n_dims, 0.0, np.zeros((1, n_dims)),
                         "Hansen et al. (2009), Real-parameter black-box optimization "
                         "benchmarking: noiseless functions definitions (BBOB)",
                         {"n_dims": n_dims})


class Ellipsoid(_Box5):
    """sum_i 10^(6 (i - 1) / (d - 1)) x_i^2 (condition 10^6)."""

    def _evaluate(self, x: FloatArray) -> FloatArray:
        d = x.shape[1]
        w = 10.0 ** (6.0 * np.arange(d) / max(d - 1, 1))
        return (x**2) @ w


class BentCigar(_Box5):
    """x_1^2 + 10^6 sum_{i > 1} x_i^2."""

    def _evaluate(self, x: FloatArray) -> FloatArray:
        return x[:, 0] ** 2 + 1e6 * np.sum(x[:, 1:] ** 2, axis=1)


class SharpRidge(_Box5):
    """x_1^2 + 100 sqrt(sum_{i > 1} x_i^2)."""

    def _evaluate(self, x: FloatArray) -> FloatArray:
        return x[:, 0] ** 2 + 100.0 * np.sqrt(np.sum(x[:, 1:] ** 2, axis=1))


#: (function, rotated) of the continuous suite.
SUITE: list[tuple[Any, bool]] = [
    ("sphere", False), ("rosenbrock", False), ("rosenbrock", True), ("rastrigin", False),
    ("rastrigin", True), ("ackley", True), ("levy", True), ("styblinski_tang", False),
    ("griewank", True), (Ellipsoid, True), (BentCigar, True), (SharpRidge, True),
]


def _problems(dims: list[int], instances: int) -> list[Problem]:
    return [Problem(function, n_dims=d, instance=i, rotate=rotate)
            for function, rotate in SUITE for d in dims for i in range(1, instances + 1)]


def _aware(args: argparse.Namespace) -> dict[str, Any]:
    """The budget-aware optimizers: AutoSampler, and NGOpt unless --no-nevergrad."""
    optimizers: dict[str, Any] = {"auto": BboptSampler("auto", label="auto")}
    if args.nevergrad:
        optimizers["NGOpt"] = NevergradOptimizer("NGOpt", label="NGOpt")
    return optimizers


def _score(runs: list[Any], budget: float) -> float:
    return float(ecdf_scores(runs, budgets=[budget]).rows[0][2]) if runs else math.nan


def _runs(args: argparse.Namespace, problems: list[Problem], optimizers: dict[str, Any],
          budget: float, seeds: list[int]) -> list[Any]:
    """The runs of ``optimizers`` on ``problems``; with ``--summary-only``, only those
    already in the results file."""
    if not args.summary_only:
        return run(problems, optimizers, budget=budget, seeds=seeds, results=args.results,
                   verbose=args.verbose)
    wanted = {(p.key, label, seed, math.ceil(budget * p.n_dims))
              for p in problems for label in optimizers for seed in seeds}
    if args.results not in _LOADED:
        _LOADED[args.results] = [r for path in args.results.split(",") for r in load(path)]
    return [r for r in _LOADED[args.results] if r.key in wanted]


_LOADED: dict[str, list[Any]] = {}


def continuous(args: argparse.Namespace) -> dict[str, Any]:
    problems = _problems(args.dims, args.instances)
    seeds = list(range(args.seeds))
    budgets = sorted(args.budgets)
    singles = [s for s in args.singles]
    out: dict[str, Any] = {"runs": []}
    started = time.perf_counter()
    fixed: list[Any] = []
    aware: list[Any] = []
    optimizers = _aware(args)
    running = {k: v for k, v in optimizers.items() if k in args.run}
    for d in sorted(args.dims):  # small dimensions first: a partial run is already useful
        at_d = [p for p in problems if p.n_dims == d]
        for b in budgets:
            if running:
                aware += _runs(args, at_d, running, b, seeds)
        if singles:
            fixed += _runs(args, at_d, {s: BboptSampler(s, label=s) for s in singles},
                           args.singles_budget or budgets[-1], seeds)
    out["seconds"] = time.perf_counter() - started
    if not args.summary_only and (set(running) != set(optimizers) or not singles):
        print("Runs only (not every optimizer run): summarise with --summary-only.")
        return out
    if args.summary_only:  # compare on the (problem, seed) pairs every optimizer finished
        complete = set.intersection(*[
            {(r.problem, r.seed) for r in aware + fixed if r.optimizer == label
             and (label not in optimizers or r.n_evals == math.ceil(b * r.n_dims))}
            for label in list(optimizers) + singles for b in budgets])
        aware = [r for r in aware if (r.problem, r.seed) in complete]
        fixed = [r for r in fixed if (r.problem, r.seed) in complete]
        problems = [p for p in problems if any(p.key == key for key, _ in complete)]
        print(f"--summary-only: {len(complete)} (problem, seed) pairs finished by every "
              "optimizer at every budget")

    def group(label: str, b: float, **where: Any) -> list[Any]:
        pool = aware if label in optimizers else fixed
        d_of = {p.key: p.n_dims for p in problems}
        return [r for r in pool if r.optimizer == label
                and (label not in optimizers or r.n_evals == math.ceil(b * d_of[r.problem]))
                and all(getattr(r, k) == v for k, v in where.items())]

    labels = list(optimizers) + singles
    print(f"\n### Pooled runtime-ECDF score ({len(problems)} problems x {len(seeds)} seeds, "
          f"d = {args.dims})\n")
    print("| optimizer | " + " | ".join(f"{b:g}d" for b in budgets) + " |")
    print("|---|" + "---|" * len(budgets))
    pooled: dict[str, list[float]] = {}
    for label in labels:
        pooled[label] = [_score(group(label, b), b) for b in budgets]
        print(f"| {label} | " + " | ".join(f"{s:.3f}" for s in pooled[label]) + " |")
    print("\n### Median final regret (pooled over problems and seeds)\n")
    print("| optimizer | " + " | ".join(f"{b:g}d" for b in budgets) + " |")
    print("|---|" + "---|" * len(budgets))
    for label in labels:
        med = []
        for b in budgets:
            rs = group(label, b)
            med.append(float(np.median([r.regret_at(math.ceil(b * r.n_dims)) for r in rs])))
        print(f"| {label} | " + " | ".join(f"{m:.2e}" for m in med) + " |")
    print("\n### Per dimension and budget: pooled ECDF score / median final regret\n")
    print("| d | budget | auto | NGOpt | best single bbopt sampler | auto > NGOpt | "
          "auto >= best single |")
    print("|---|---|---|---|---|---|---|")
    per_dim = []
    for d in sorted(args.dims):
        for b in budgets:
            cell = {}
            for label in labels:
                rs = group(label, b, n_dims=d)
                regret = float(np.median([r.regret_at(math.ceil(b * d)) for r in rs]))
                cell[label] = (_score(rs, b), regret)
            ng = cell.get("NGOpt", (math.nan, math.nan))
            per_dim.append({"d": d, "budget": b, **{k: list(v) for k, v in cell.items()}})
            single, versus = "-", "-"
            if singles:
                best = max(singles, key=lambda s: cell[s][0])
                single = f"{best} {cell[best][0]:.3f} / {cell[best][1]:.1e}"
                versus = "yes" if cell["auto"][0] >= cell[best][0] - 1e-12 else "no"
            print(f"| {d} | {b:g}d | {cell['auto'][0]:.3f} / {cell['auto'][1]:.1e} | "
                  f"{ng[0]:.3f} / {ng[1]:.1e} | {single} | "
                  f"{'yes' if cell['auto'][0] > ng[0] else 'no'} | {versus} |")
    out["per_dim"] = per_dim
    # Per cell: (function, n_dims, budget).
    cells = sorted({(p.name, p.n_dims) for p in problems})
    n_ok = n_ng = n_cells = 0
    worse = []
    for name, d in cells:
        for b in budgets:
            auto = _score(group("auto", b, function=name, n_dims=d), b)
            n_cells += 1
            if "NGOpt" in optimizers:
                n_ng += auto >= _score(group("NGOpt", b, function=name, n_dims=d), b) - 1e-12
            if not singles:
                continue
            best = max(_score(group(s, b, function=name, n_dims=d), b) for s in singles)
            if auto >= best - 1e-12:
                n_ok += 1
            else:
                worse.append(f"{name} d={d} {b:g}d: auto {auto:.3f} < {best:.3f}")
    if "NGOpt" in optimizers:
        print(f"\nPer cell: auto >= NGOpt in {n_ng}/{n_cells} cells "
              f"({100 * n_ng / max(n_cells, 1):.0f} %).")
    if singles:
        print(f"Per cell: auto >= best single bbopt sampler ({', '.join(singles)}) in "
              f"{n_ok}/{n_cells} cells ({100 * n_ok / max(n_cells, 1):.0f} %).")
    for line in worse:
        print("  worse:", line)
    out.update(pooled=pooled, budgets=budgets, cells_ok=n_ok, cells_ngopt_ok=n_ng,
               cells=n_cells, worse=worse)
    return out


def precision(args: argparse.Namespace) -> dict[str, Any]:
    """Evaluations to |f - f*| <= 1e-8 on the 10-d sphere and rotated ellipsoid, budget 200."""
    d, budget = 10, 200
    # One run per shifted (and rotated) instance: NGOpt is deterministic from the centre.
    instances = range(1, args.precision_seeds + 1)
    problems = [Problem("sphere", n_dims=d, instance=i) for i in instances] + [
        Problem(Ellipsoid, n_dims=d, instance=i, rotate=True) for i in instances]
    optimizers = _aware(args)
    running = {k: v for k, v in optimizers.items() if k in args.run}
    runs = run(problems, running, budget=budget / d, seeds=[0], results=args.results,
               verbose=args.verbose) if running else []
    if set(running) != set(optimizers):
        print("Runs only (not every optimizer run): run again with every optimizer.")
        return {}
    print(f"\n### Precision: evaluations to |f - f*| <= 1e-8, d = {d}, budget {budget}\n")
    print("| problem | optimizer | runs reaching 1e-8 | median evaluations | median final "
          "regret |")
    print("|---|---|---|---|---|")
    out = {}
    for name in dict.fromkeys(p.name for p in problems):
        for label in optimizers:
            rs = [r for r in runs if r.function == name
                  and r.optimizer == label]
            hits = [int(r.evals[np.argmax(r.regrets <= 1e-8)]) for r in rs
                    if np.any(r.regrets <= 1e-8)]
            final = float(np.median([r.regrets[-1] for r in rs]))
            med = f"{np.median(hits):.0f}" if hits else "-"
            print(f"| {name} | {label} | {len(hits)}/{len(rs)} | {med} | {final:.1e} |")
            out[f"{name}/{label}"] = {"hits": hits, "n_runs": len(rs), "final": final}
    return out


# -- mixed and conditional spaces ------------------------------------------------------------
def conditional_objective(trial: Any) -> float:
    """A conditional problem (minimum 0): a categorical picks which parameters exist.

    ``kind`` in {"quadratic", "ackley", "flat"}: "quadratic" uses ``x0..x2`` in
    [-5, 5] (minimum 0.5 at x = (1, -1, 2)), "ackley" uses ``a0, a1`` in
    [-3, 3] and an int ``k`` in 0..10 (minimum 0 at a = (0.5, 0.5), k = 3),
    "flat" uses a log-scaled ``lr`` in [1e-5, 1] (minimum 1 at lr = 1e-2).
    """
    kind = trial.suggest_categorical("kind", ["quadratic", "ackley", "flat"])
    if kind == "quadratic":
        x = np.array([trial.suggest_float(f"x{i}", -5, 5) for i in range(3)])
        return 0.5 + float(np.sum((x - [1.0, -1.0, 2.0]) ** 2))
    if kind == "ackley":
        a = np.array([trial.suggest_float(f"a{i}", -3, 3) for i in range(2)]) - 0.5
        k = trial.suggest_int("k", 0, 10)
        value = (-20 * math.exp(-0.2 * math.sqrt(float(np.mean(a**2))))
                 - math.exp(float(np.mean(np.cos(2 * math.pi * a)))) + 20 + math.e)
        return value + 0.3 * abs(k - 3)
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    return 1.0 + math.log10(lr / 1e-2) ** 2


def mixed(args: argparse.Namespace) -> dict[str, Any]:
    problems: dict[str, Any] = {"MixedAckley": testfunctions.MixedAckley(),
                                "Conditional": None}
    out: dict[str, Any] = {}
    print(f"\n### Mixed and conditional spaces ({args.mixed_trials} trials, "
          f"{args.seeds} seeds): median final regret, runtime-ECDF score\n")
    print("| problem | sampler | median regret | ECDF score | auto - tpe, 90 % bootstrap |")
    print("|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for pname, function in problems.items():
        per_seed: dict[str, FloatArray] = {}
        for label in ("auto", "tpe"):
            traces = []
            for seed in range(args.seeds):
                sampler = (bbopt.samplers.AutoSampler(seed=seed) if label == "auto"
                           else bbopt.samplers.TPESampler(seed=seed))
                study = bbopt.create_study(sampler=sampler)
                objective = conditional_objective if function is None else function.objective
                study.optimize(objective, n_trials=args.mixed_trials)
                minimum = 0.0 if function is None else function.minimum
                values = np.array([t.value for t in study.trials], dtype=np.float64)
                traces.append(np.minimum.accumulate(values) - minimum)
            final = float(np.median([t[-1] for t in traces]))
            per_seed[label] = np.mean([[t[-1] <= target for target in TARGETS]
                                       for t in traces], axis=1)
            reached = float(np.mean(per_seed[label]))
            interval = ""
            if label == "tpe":  # the seeds of the two samplers are independent: unpaired
                a, b = per_seed["auto"], per_seed["tpe"]
                diffs = [rng.choice(a, a.size).mean() - rng.choice(b, b.size).mean()
                         for _ in range(2000)]
                low, high = np.percentile(diffs, [5, 95])
                interval = f"{a.mean() - b.mean():+.3f} [{low:+.3f}, {high:+.3f}]"
            print(f"| {pname} | {label} | {final:.2e} | {reached:.3f} | {interval} |")
            out[f"{pname}/{label}"] = {"median_regret": final, "ecdf": float(reached)}
    return out


def overhead(args: argparse.Namespace) -> dict[str, Any]:
    """Time per trial of AutoSampler against the sampler it chose, same seeds, same space."""
    def objective(trial: Any) -> float:
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        return sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(5)) + (c == "a")

    def quadratic(trial: Any) -> float:
        return sum((trial.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(3))

    cases = [("tpe", objective, args.overhead_trials, bbopt.samplers.TPESampler),
             ("gp", quadratic, 40, lambda seed: bbopt.samplers.GPSampler(seed=seed))]
    out = {}
    print("\n### Overhead of the choice: seconds per trial (AutoSampler / the sampler it "
          "chose)\n")
    print("| chosen | trials | AutoSampler | chosen sampler alone | overhead |")
    print("|---|---|---|---|---|")
    for name, fn, n_trials, make in cases:
        times = {}
        for label in ("auto", name):
            best = math.inf
            for repeat in range(2):
                sampler = (bbopt.samplers.AutoSampler(seed=repeat, budget=10 * n_trials)
                           if label == "auto" else make(seed=repeat))
                study = bbopt.create_study(sampler=sampler)
                started = time.perf_counter()
                study.optimize(fn, n_trials=n_trials) if label != "auto" else None
                if label == "auto":
                    for _ in range(n_trials):  # no set_budget: the budget stays 10 n
                        trial = study.ask()
                        study.tell(trial, fn(trial))
                best = min(best, (time.perf_counter() - started) / n_trials)
            times[label] = best
        ratio = times["auto"] / times[name] - 1
        print(f"| {name} | {n_trials} | {times['auto']:.2e} | {times[name]:.2e} | "
              f"{100 * ratio:+.1f} % |")
        out[name] = times
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 5])
    parser.add_argument("--budgets", type=float, nargs="+", default=[10, 20, 50])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per instance")
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--singles", nargs="*", default=["gp", "tpe", "cmaes", "random"],
                        help="single bbopt samplers to compare with")
    parser.add_argument("--singles-budget", type=float,
                        help="budget of the single samplers' runs, scored on their prefixes "
                             "(default: the largest of --budgets)")
    parser.add_argument("--run", nargs="*", default=["auto", "NGOpt"],
                        choices=["auto", "NGOpt"],
                        help="budget-aware optimizers to run (the others are only read from "
                             "--results): NGOpt alone runs from a venv with numpy < 2.4, "
                             "whose NGOpt does not crash at 100 d")
    parser.add_argument("--no-nevergrad", dest="nevergrad", action="store_false")
    parts = ["continuous", "precision", "mixed", "overhead"]
    parser.add_argument("--parts", nargs="+", choices=parts, default=parts)
    parser.add_argument("--precision-seeds", type=int, default=3,
                        help="runs (shifted instances) per problem of the precision part")
    parser.add_argument("--mixed-trials", type=int, default=100)
    parser.add_argument("--overhead-trials", type=int, default=500)
    parser.add_argument("--results", help="resumable results file (JSON lines) of the runner")
    parser.add_argument("--json", help="write the summary here")
    parser.add_argument("--summary-only", action="store_true",
                        help="run nothing: summarise the runs of --results (one file or "
                             "several joined with ',')")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.nevergrad:
        try:
            import nevergrad  # noqa: F401
        except ImportError:
            print("nevergrad is not installed: NGOpt is skipped.", file=sys.stderr)
            args.nevergrad = False
    summary: dict[str, Any] = {"args": vars(args)}
    for part in args.parts:
        summary[part] = {"continuous": continuous, "precision": precision,
                         "mixed": mixed, "overhead": overhead}[part](args)
    summary.get("continuous", {}).pop("runs", None)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
