"""Constrained optimization: bbopt's constrained samplers beside Optuna's, in one run.

Each run is an ask/tell loop with ``constraints_func`` given to the sampler
(bbopt and Optuna share the API), on:

- ``welded_beam`` and ``pressure_vessel`` (one objective; bbopt's
  `WeldedBeam` and `PressureVessel`): the best feasible value after the
  budget, and the number of infeasible evaluations;
- ``c2dtlz2`` (C2-DTLZ2, 3 objectives, 12 parameters): the hypervolume of
  the feasible evaluations (at the problem's reference point) and the number of
  infeasible evaluations; ``c2dtlz2_100`` is the same at 100 evaluations,
  where the GP samplers (bbopt's log EHVI, Optuna's, which needs torch) run.

Each (problem, sampler, seed) result is appended to a JSON-lines file as it
finishes (``--out``), so an interrupted run resumes where it stopped; the
table reports medians over the seeds found in the file.

Usage::

    python benchmarks/constrained.py --seeds 10 --out results/constrained.jsonl
    python benchmarks/constrained.py --seeds 5 --only "bbopt GP" --out ...
    python benchmarks/constrained.py --speed 2000 --sampler tpe
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import bbopt
import bbopt.distributions
from bbopt.testfunctions import C2DTLZ2, PressureVessel, WeldedBeam

PROBLEMS: dict[str, tuple[Callable[[], Any], int]] = {
    "welded_beam": (WeldedBeam, 100),
    "pressure_vessel": (PressureVessel, 100),
    "c2dtlz2": (lambda: C2DTLZ2(n_objectives=3), 500),
    # The same at 100 evaluations, where the GP samplers can run.
    "c2dtlz2_100": (lambda: C2DTLZ2(n_objectives=3), 100),
}


def _optuna() -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _samplers(multi: bool) -> dict[str, Callable[[Any, int, Any], Any]]:
    """Label to ``make(lib_module, seed, constraints_func)`` of the samplers for a problem."""
    def bbopt_tpe(seed: int, cf: Any) -> Any:
        return bbopt, bbopt.samplers.TPESampler(seed=seed, constraints_func=cf)

    def optuna_tpe(seed: int, cf: Any) -> Any:
        optuna = _optuna()
        return optuna, optuna.samplers.TPESampler(seed=seed, constraints_func=cf)

    def bbopt_gp(seed: int, cf: Any) -> Any:
        return bbopt, bbopt.samplers.GPSampler(seed=seed, constraints_func=cf)

    def optuna_gp(seed: int, cf: Any) -> Any:  # needs torch
        optuna = _optuna()
        return optuna, optuna.samplers.GPSampler(seed=seed, constraints_func=cf)

    if multi:
        def bbopt_nsga2(seed: int, cf: Any) -> Any:
            return bbopt, bbopt.samplers.NSGAIISampler(seed=seed, constraints_func=cf)

        def optuna_nsga2(seed: int, cf: Any) -> Any:
            optuna = _optuna()
            return optuna, optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf)

        return {"bbopt NSGA-II": bbopt_nsga2, "bbopt TPE": bbopt_tpe, "bbopt GP": bbopt_gp,
                "Optuna NSGA-II": optuna_nsga2, "Optuna TPE": optuna_tpe,
                "Optuna GP": optuna_gp}

    def bbopt_cmaes(seed: int, cf: Any) -> Any:
        return bbopt, bbopt.samplers.CmaEsSampler(seed=seed, constraints_func=cf)

    def bbopt_random(seed: int, cf: Any) -> Any:
        return bbopt, bbopt.samplers.RandomSampler(seed=seed, constraints_func=cf)

    return {"bbopt TPE": bbopt_tpe, "bbopt GP": bbopt_gp, "bbopt CMA-ES": bbopt_cmaes,
            "Optuna TPE": optuna_tpe, "Optuna GP": optuna_gp, "random": bbopt_random}


def run(problem: str, label: str, seed: int) -> dict[str, Any]:
    """One ask/tell loop; returns the result row."""
    make, budget = PROBLEMS[problem]
    f = make()
    multi = getattr(f, "n_objectives", 1) > 1
    lib, sampler = _samplers(multi)[label](seed, f.trial_constraints)
    study = lib.create_study(directions=["minimize"] * (f.n_objectives if multi else 1),
                             sampler=sampler)
    space = {name: lib.distributions.FloatDistribution(d.low, d.high)
             for name, d in f.search_space().items()}
    values, constraints = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(budget):
            trial = study.ask(space)
            x = np.array([trial.params[name] for name in space])
            y = f(x)
            study.tell(trial, y.tolist() if multi else float(y))
            values.append(np.atleast_1d(y))
            constraints.append(f.constraints(x))
    v, c = np.array(values), np.array(constraints)
    feasible = (c <= 0).all(axis=1)
    row: dict[str, Any] = {"problem": problem, "sampler": label, "seed": seed,
                           "budget": budget, "infeasible": int((~feasible).sum())}
    if multi:
        row["score"] = (bbopt.hypervolume(v[feasible], f.reference_point)
                        if feasible.any() else 0.0)
    else:
        row["score"] = float(v[feasible, 0].min()) if feasible.any() else float("inf")
    return row


def speed(n: int, sampler: str) -> None:
    """Milliseconds per ask+tell over ``n`` trials (10 parameters, 2 constraints, random
    objective values), with and without ``constraints_func``, bbopt beside Optuna."""
    rng = np.random.default_rng(0)
    names = [f"x{j}" for j in range(10)]
    print("| sampler | n | constraints | bbopt (ms) | Optuna (ms) | Optuna / bbopt |")
    print("| --- | --- | --- | --- | --- | --- |")
    for constrained in (False, True):
        times = []
        for lib in (bbopt, _optuna()):
            cf = (lambda t: [t.params["x0"] - 0.5, t.params["x1"] - 0.5]) if constrained else None
            kwargs: dict[str, Any] = {"seed": 0, "constraints_func": cf}
            if sampler == "nsga2":
                made, m = lib.samplers.NSGAIISampler(**kwargs), 2
            else:
                made, m = lib.samplers.TPESampler(**kwargs), 1
            study = lib.create_study(directions=["minimize"] * m, sampler=made)
            space = {name: lib.distributions.FloatDistribution(0.0, 1.0) for name in names}
            values = rng.random((n, m)).tolist()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                for k in range(n):
                    study.tell(study.ask(space), values[k] if m > 1 else values[k][0])
                times.append((time.perf_counter() - start) / n)
        print(f"| {sampler} | {n} | {'yes' if constrained else 'no'} | {1e3 * times[0]:.3f} "
              f"| {1e3 * times[1]:.3f} | x{times[1] / times[0]:.1f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=int, default=None,
                        help="instead of quality: ms per ask+tell over this many trials")
    parser.add_argument("--sampler", default="tpe", choices=["tpe", "nsga2"],
                        help="--speed: the sampler")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    parser.add_argument("--only", nargs="+", help="only these samplers (labels)")
    parser.add_argument("--out", help="JSON-lines file (appended, resumable); required "
                        "for the quality run")
    args = parser.parse_args(argv)
    if args.speed is not None:
        speed(args.speed, args.sampler)
        return
    if args.out is None:
        parser.error("--out is required for the quality run")
    done: list[dict[str, Any]] = []
    if os.path.exists(args.out):
        with open(args.out) as lines:
            done = [json.loads(line) for line in lines if line.strip()]
    seen = {(r["problem"], r["sampler"], r["seed"]) for r in done}
    for problem in args.problems:
        multi = problem.startswith("c2dtlz2")
        for label in _samplers(multi):
            if args.only and label not in args.only:
                continue
            for seed in range(args.seeds):
                if (problem, label, seed) in seen:
                    continue
                row = run(problem, label, seed)
                done.append(row)
                with open(args.out, "a") as out:
                    out.write(json.dumps(row) + "\n")
    print("| problem | sampler | seeds | median best feasible (HV for c2dtlz2) "
          "| median infeasible evaluations |")
    print("| --- | --- | --- | --- | --- |")
    for problem in args.problems:
        for label in _samplers(problem.startswith("c2dtlz2")):
            rows = [r for r in done if r["problem"] == problem and r["sampler"] == label]
            if rows:
                score = np.median([r["score"] for r in rows])
                bad = np.median([r["infeasible"] for r in rows])
                print(f"| {problem} | {label} | {len(rows)} | {score:.6g} | {bad:.0f} "
                      f"of {rows[0]['budget']} |")


if __name__ == "__main__":
    main()
