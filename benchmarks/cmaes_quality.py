"""Quality of bbopt's CMA-ES against pycma (IPOP) and Optuna's CmaEsSampler, in one run.

For each test function, dimension ``d`` (``--dims``, default 10 and 40) and
seed, each library minimises the function over its box with IPOP restarts
for ``max(--budgets) * d`` evaluations; the best value so far is read at
every budget (default 100 d and 1,000 d evaluations). Scores per (function,
d, budget) cell, over seeds:

- runtime-ECDF score: the fraction of (run, target) pairs reached, targets
  |f - f*| <= 10^2 down to 10^-8 in steps of 10^0.2 (51 targets);
- median regret f_best - f*.

Libraries (``--libs``):

``bbopt``
    The array-level `bbopt.samplers.CmaEs` (``restart_strategy="ipop"``,
    default variant and sigma0 = 0.3 of the box, the mean at the box's
    centre): the engine of `CmaEsSampler`, without the study around it, so
    that 20 seeds fit in minutes.
``bbopt-sampler``
    `bbopt.samplers.CmaEsSampler(restart_strategy="ipop")` through
    ``study.ask(space)`` / ``tell``: the same search as ``bbopt`` but for
    the first (random) trial; slower.
``pycma``
    ``cma.CMAEvolutionStrategy`` (pycma 4.5) driven through its own
    ask/tell, mean at the box's centre, sigma0 = 0.3 of the width,
    ``bounds`` option; on ``es.stop()`` a new instance with a doubled
    population from a uniformly random mean (IPOP).
``optuna``
    ``optuna.samplers.CmaEsSampler()`` through ``study.ask`` / ``tell``
    (Optuna 5 ignores ``restart_strategy``: deprecated since 4.4, it falls
    back to no restart). Optuna's sampler costs about 10 ms per trial
    and grows with the trial count, so it runs only up to
    ``--optuna-max-evals`` evaluations (its cells beyond are empty).

A cell counts as "no worse" for bbopt against an anchor when bbopt's ECDF
score is at least the anchor's and, where both are below 1, its median
regret is at most the anchor's; the pooled score is the mean ECDF score of
all cells of a budget.

Usage::

    python benchmarks/cmaes_quality.py --seeds 20 --json benchmarks/results/cmaes_quality.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import library_version, machine_info, markdown_table

#: name -> (bbopt.testfunctions class, where it is defined)
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
TARGETS = 10.0 ** np.arange(2.0, -8.0 - 1e-9, -0.2)


def _function(name: str, d: int) -> Any:
    import bbopt.testfunctions as tf

    return getattr(tf, name)(d)


def _trace(f: Any, values: list[float], budgets: list[int]) -> list[float]:
    """Best regret after each budget, from the values in evaluation order."""
    best = np.minimum.accumulate(np.asarray(values, dtype=np.float64))
    return [float(max(best[min(b, len(best)) - 1] - f.minimum, 0.0)) for b in budgets]


def _run_bbopt(f: Any, n_evals: int, seed: int) -> list[float]:
    from bbopt.samplers import CmaEs

    low, width = f.bounds[:, 0], f.bounds[:, 1] - f.bounds[:, 0]
    es = CmaEs(f.n_dims, seed=seed, restart_strategy="ipop")
    values: list[float] = []
    while len(values) < n_evals:
        u = es.ask()
        v = f(low + u * width)
        values.extend(v.tolist())
        es.tell(u, v)
    return values[:n_evals]


def _run_bbopt_sampler(f: Any, n_evals: int, seed: int) -> list[float]:
    import bbopt

    study = bbopt.create_study(sampler=bbopt.samplers.CmaEsSampler(seed=seed,
                                                                 restart_strategy="ipop"))
    space = f.search_space()
    values = []
    for _ in range(n_evals):
        trial = study.ask(space)
        value = float(f([trial.params[k] for k in space]))
        study.tell(trial, value)
        values.append(value)
    return values


def _run_pycma(f: Any, n_evals: int, seed: int) -> list[float]:
    import cma

    rng = np.random.default_rng(seed)
    low, high = f.bounds[:, 0], f.bounds[:, 1]
    x0, popsize = (low + high) / 2, None
    values: list[float] = []
    while len(values) < n_evals:
        options = {"bounds": [low.tolist(), high.tolist()], "seed": int(rng.integers(1, 2**31)),
                   "verbose": -9, "CMA_stds": (high - low).tolist()}
        if popsize is not None:
            options["popsize"] = popsize
        es = cma.CMAEvolutionStrategy(x0.tolist(), 0.3, options)
        popsize = es.popsize
        while not es.stop() and len(values) < n_evals:
            x = es.ask()
            v = f(np.array(x)).tolist()
            values.extend(v)
            es.tell(x, v)
        popsize *= 2
        x0 = rng.uniform(low, high)
    return values[:n_evals]


def _run_optuna(f: Any, n_evals: int, seed: int) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.CmaEsSampler(seed=seed)  # restart_strategy: deprecated, ignored
    study = optuna.create_study(sampler=sampler)
    dists = {name: optuna.distributions.FloatDistribution(d.low, d.high)
             for name, d in f.search_space().items()}
    values = []
    for _ in range(n_evals):
        trial = study.ask(dists)
        value = float(f([trial.params[k] for k in dists]))
        study.tell(trial, value)
        values.append(value)
    return values


RUNNERS = {"bbopt": _run_bbopt, "bbopt-sampler": _run_bbopt_sampler, "pycma": _run_pycma,
           "optuna": _run_optuna}


def _ecdf(regrets: list[float]) -> float:
    reached = [(r <= TARGETS).mean() for r in regrets]
    return float(np.mean(reached))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--functions", nargs="+", default=list(FUNCTIONS))
    parser.add_argument("--dims", nargs="+", type=int, default=[10, 40])
    parser.add_argument("--budgets", nargs="+", type=int, default=[100, 1000],
                        help="evaluations per dimension")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--libs", nargs="+", default=["bbopt", "pycma", "optuna"])
    parser.add_argument("--optuna-max-evals", type=int, default=1000)
    parser.add_argument("--optuna-seeds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.time()
    runs: dict[str, dict[str, list[list[float]]]] = {}
    for name in args.functions:
        for d in args.dims:
            f = _function(name, d)
            budgets = [b * d for b in args.budgets]
            for lib in args.libs:
                n_evals = max(budgets)
                n_seeds = args.seeds
                if lib == "optuna":
                    n_evals = min(n_evals, args.optuna_max_evals)
                    n_seeds = min(n_seeds, args.optuna_seeds)
                usable = [b for b in budgets if b <= n_evals]
                if not usable:
                    continue
                traces = [_trace(f, RUNNERS[lib](f, n_evals, seed), usable)
                          for seed in range(n_seeds)]
                runs.setdefault(f"{name}-{d}", {})[lib] = traces
                print(f"{name}-{d} {lib}: median regret "
                      f"{[statistics.median(t[k] for t in traces) for k in range(len(usable))]}"
                      f" ({time.time() - started:.0f} s)", flush=True)
    result = {"machine": machine_info(), "args": vars(args) | {"json": None},
              "versions": {m: library_version(m) for m in ("cma", "optuna")},
              "runs": runs}
    print(_report(runs, args))
    result["seconds"] = time.time() - started
    if args.json:
        args.json.write_text(json.dumps(result))


def _report(runs: dict[str, dict[str, list[list[float]]]], args: argparse.Namespace) -> str:
    lines = []
    anchors = [lib for lib in args.libs if not lib.startswith("bbopt")]
    for k, per_d in enumerate(args.budgets):
        rows, wins, pooled = [], {a: [0, 0] for a in anchors}, {lib: [] for lib in args.libs}
        for cell, libs in runs.items():
            scores = {lib: (_ecdf([t[k] for t in tr]), statistics.median(t[k] for t in tr))
                      for lib, tr in libs.items() if len(tr[0]) > k}
            if "bbopt" not in scores:
                continue
            for lib, (score, _) in scores.items():
                pooled[lib].append(score)
            ours = scores["bbopt"]
            for a in anchors:
                if a in scores:
                    theirs = scores[a]
                    no_worse = ours[0] >= theirs[0] and (ours[0] == 1.0 or theirs[0] == 1.0
                                                         or ours[1] <= theirs[1])
                    wins[a][0] += no_worse
                    wins[a][1] += 1
            rows.append([cell] + [f"{scores[lib][0]:.3f} / {scores[lib][1]:.2e}"
                                  if lib in scores else "-" for lib in args.libs])
        lines.append(f"\nbudget {per_d} d: ECDF score / median regret")
        lines.append(markdown_table(["function-d", *args.libs], rows))
        lines.append("pooled ECDF: " + ", ".join(
            f"{lib} {np.mean(v):.3f} ({len(v)} cells)" for lib, v in pooled.items() if v))
        lines.append("bbopt no worse than: " + ", ".join(
            f"{a} in {w}/{n} cells" for a, (w, n) in wins.items() if n))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
