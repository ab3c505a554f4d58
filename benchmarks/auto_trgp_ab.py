"""A/B of AutoSampler's global phase: the global GP (as shipped) or the trust-region GP.

An experiment behind a rule of AutoSampler (docs/which_sampler.md): for
d <= 40 continuous spaces it runs `GPSampler` for its global phase; this
script runs the same AutoSampler with `TrustRegionGPSampler` in that place
(a subclass replacing the private ``_gp`` builder, nothing else changed) on
the continuous suite of ``auto_quality.py`` (shifted, rotated instances), and
prints the runtime-ECDF score at the budget, the median final regret, the
problems each variant wins, and the median final regret per function.

Usage::

    python benchmarks/auto_trgp_ab.py --dim 20 --budget 10 --instances 1 2 3 \
        --results benchmarks/results/auto_trgp_ab_d20.jsonl

Resumable: runs already in ``--results`` (JSON lines) are not run again.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import sys
import time
from typing import Any

import numpy as np

import bbopt
from bbopt.benchmark import TARGETS, Problem
from bbopt.samplers import AutoSampler, TrustRegionGPSampler


class _AutoTrustRegion(AutoSampler):
    """AutoSampler whose global phase is the trust-region GP."""

    @property
    def _gp(self) -> Any:
        if self._gp_sampler is None:
            self._gp_sampler = TrustRegionGPSampler(seed=self._gp_seed,
                                                    independent_sampler=self._random)
        return self._gp_sampler


VARIANTS = {"auto": AutoSampler, "auto_trgp": _AutoTrustRegion}


def _suite() -> list[tuple[Any, bool]]:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "auto_quality.py")
    spec = importlib.util.spec_from_file_location("auto_quality", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    suite: list[tuple[Any, bool]] = module.SUITE
    return suite


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dim", type=int, default=20)
    parser.add_argument("--budget", type=int, default=10, help="evaluations per dimension")
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--results", required=True)
    args = parser.parse_args(argv)
    budget = args.budget * args.dim
    records = []
    if os.path.exists(args.results):
        with open(args.results) as f:
            records = [json.loads(line) for line in f]
    done = {(r["problem"], r["variant"], r["budget"]) for r in records}
    for function, rotate in _suite():
        for instance in args.instances:
            problem = Problem(function, n_dims=args.dim, instance=instance, rotate=rotate)
            for label, cls in VARIANTS.items():
                if (problem.key, label, budget) in done:
                    continue
                sampler = cls(seed=0)
                study = bbopt.create_study(sampler=sampler)
                sampler.set_budget(budget)
                names = list(problem.search_space)
                best, trace = np.inf, []
                started = time.process_time()
                for _ in range(budget):
                    trial = study.ask(problem.search_space)
                    value = float(problem(np.array([trial.params[n] for n in names])))
                    study.tell(trial, value)
                    best = min(best, value)
                    trace.append(best - problem.minimum)
                record = {"problem": problem.key, "function": problem.name, "variant": label,
                          "budget": budget, "trace": trace,
                          "cpu_time": time.process_time() - started,
                          "history": [h["algorithm"] for h in sampler.history]}
                with open(args.results, "a") as f:
                    f.write(json.dumps(record) + "\n")
                records.append(record)
                print(problem.key, label, f"{trace[-1]:.3g}", flush=True)
    finals: dict[str, dict[str, float]] = collections.defaultdict(dict)
    for r in records:
        if r["budget"] == budget:
            finals[r["problem"]][r["variant"]] = r["trace"][-1]
    problems = [p for p, v in finals.items() if len(v) == len(VARIANTS)]
    print(f"\nd = {args.dim}, budget {budget}, {len(problems)} problems\n")
    print("| variant | ECDF score | median final regret | problems won |")
    print("|---|---|---|---|")
    for label in VARIANTS:
        values = [finals[p][label] for p in problems]
        ecdf = float(np.mean([[v <= t for t in TARGETS] for v in values]))
        won = sum(finals[p][label] < min(finals[p][o] for o in VARIANTS if o != label)
                  for p in problems)
        print(f"| {label} | {ecdf:.3f} | {np.median(values):.3g} | {won} |")
    print("\n| function | " + " | ".join(VARIANTS) + " |")
    print("|---|" + "---|" * len(VARIANTS))
    for name in dict.fromkeys(p.split("/")[0] for p in problems):
        medians = [np.median([finals[p][label] for p in problems if p.split("/")[0] == name])
                   for label in VARIANTS]
        print(f"| {name} | " + " | ".join(f"{m:.3g}" for m in medians) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
