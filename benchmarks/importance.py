"""Parameter importance against known truth: bbopt's evaluators beside Optuna's.

Each objective has a known importance: the total Sobol index of each
parameter (its share of the variance of f under uniform sampling, with its
interactions), computed once by the Jansen estimator on 2^12 uniform points.
Studies of ``n`` trials are drawn by a random or a TPE sampler (bbopt's); the
same trials are copied into an Optuna study, so both libraries rate the same
data. Score: Spearman rank correlation between an evaluator's importances and
the truth, and whether the unused parameter is ranked last; mean over seeds.

    python benchmarks/importance.py --n 30 100 300 --seeds 10 --json results/importance.json

With ``--json``, each finished row (case, sampler, n, all seeds) is written at
once and rows already in the file for the same seeds and evaluators are not
run again: an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import spearmanr

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution

Params = dict[str, Any]


@dataclass
class Case:
    """An objective on a space, with the name of its unused parameter."""

    name: str
    space: dict[str, bbopt.BaseDistribution]
    func: Callable[[Params], float]
    unused: str
    active: Callable[[Params], set[str]] | None = None  # conditional parameters


def _additive(p: Params) -> float:
    return (8 * (p["x1"] - 0.2) ** 2 + 2 * (math.log10(p["lr"]) + 2) ** 2 / 4
            + 0.5 * (p["n"] - 3) ** 2 / 25)


def _interacting(p: Params) -> float:
    shift = {"a": 0.0, "b": 1.0, "c": 2.5}[p["c"]]
    return 4 * (p["x1"] - 0.1) ** 2 * (1 + 3 * p["x2"] ** 2) + shift + 0.3 * p["x3"]


def _conditional(p: Params) -> float:
    if p["kind"] == "sgd":
        return 3 * (math.log10(p["lr"]) + 2.5) ** 2 / 4 + 0.2 * p["x"] ** 2
    return 0.5 * (p["depth"] - 4) ** 2 / 16 + 0.2 * p["x"] ** 2


CASES = [
    Case("additive", {"x1": FloatDistribution(-1, 1), "lr": FloatDistribution(1e-4, 1, log=True),
                      "n": IntDistribution(0, 10), "noise": FloatDistribution(-1, 1)},
         _additive, "noise"),
    Case("interacting", {"x1": FloatDistribution(-1, 1), "x2": FloatDistribution(-1, 1),
                         "x3": FloatDistribution(-1, 1),
                         "c": CategoricalDistribution(["a", "b", "c"]),
                         "noise": FloatDistribution(-1, 1)},
         _interacting, "noise"),
    Case("conditional", {"kind": CategoricalDistribution(["sgd", "tree"]),
                         "lr": FloatDistribution(1e-5, 1, log=True),
                         "depth": IntDistribution(1, 12), "x": FloatDistribution(-1, 1),
                         "noise": FloatDistribution(-1, 1)},
         _conditional, "noise",
         lambda p: {"kind", "x", "noise", "lr" if p.get("kind") == "sgd" else "depth"}),
]


def _uniform(space: dict[str, bbopt.BaseDistribution], u: np.ndarray) -> Params:
    """The point of ``space`` at uniform coordinates ``u`` in [0, 1)^d (internal scale)."""
    out = {}
    for (name, dist), ui in zip(space.items(), u, strict=True):
        low, high = dist.internal_bounds()
        out[name] = dist.to_external(low + ui * (high - low) if high > low else low)
    return out


def truth(case: Case, n: int = 1 << 12, seed: int = 12345) -> dict[str, float]:
    """Total Sobol indices of ``case.func`` (Jansen's estimator), in internal coordinates."""
    rng = np.random.default_rng(seed)
    names = list(case.space)
    a, b = rng.random((n, len(names))), rng.random((n, len(names)))

    def values(u: np.ndarray) -> np.ndarray:
        return np.array([case.func(_uniform(case.space, row)) for row in u])

    fa = values(a)
    var = float(np.var(np.concatenate([fa, values(b)])))
    out = {}
    for j, name in enumerate(names):
        ab = a.copy()
        ab[:, j] = b[:, j]
        out[name] = float(np.mean((fa - values(ab)) ** 2) / (2 * var))
    return out


def make_study(case: Case, sampler: str, n_trials: int, seed: int) -> bbopt.Study:
    sampler_obj = (bbopt.samplers.RandomSampler(seed=seed) if sampler == "random"
                   else bbopt.samplers.TPESampler(seed=seed))
    study = bbopt.create_study(sampler=sampler_obj)

    def objective(trial: bbopt.Trial) -> float:
        params: Params = {}
        for name, dist in case.space.items():
            if case.active is not None and name not in case.active(params):
                continue
            params[name] = _suggest(trial, name, dist)
        return case.func(params)

    study.optimize(objective, n_trials=n_trials)
    return study


def _suggest(trial: bbopt.Trial, name: str, dist: bbopt.BaseDistribution) -> Any:
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, int(dist.low), int(dist.high), log=dist.log,
                                 step=int(dist.step))
    return trial.suggest_categorical(name, list(dist.choices))


def optuna_copy(study: bbopt.Study) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    out = optuna.create_study()
    convert = {
        FloatDistribution: lambda d: optuna.distributions.FloatDistribution(
            d.low, d.high, log=d.log, step=d.step),
        IntDistribution: lambda d: optuna.distributions.IntDistribution(
            d.low, d.high, log=d.log, step=d.step),
        CategoricalDistribution: lambda d: optuna.distributions.CategoricalDistribution(
            d.choices),
    }
    out.add_trials([
        optuna.trial.create_trial(
            params=t.params, value=t.value,
            distributions={k: convert[type(d)](d) for k, d in t.distributions.items()})
        for t in study.get_trials(states=[bbopt.TrialState.COMPLETE])
    ])
    return out


def evaluators(libs: list[str]) -> dict[str, Callable[[bbopt.Study, Any], dict[str, float]]]:
    out: dict[str, Callable[[bbopt.Study, Any], dict[str, float]]] = {}
    if "bbopt" in libs:
        from bbopt.importance import (
            MainEffectImportanceEvaluator,
            PedAnovaImportanceEvaluator,
            SobolImportanceEvaluator,
            get_param_importances,
        )
        out["bbopt PED-ANOVA"] = lambda s, o: get_param_importances(
            s, evaluator=PedAnovaImportanceEvaluator())
        out["bbopt main-effect"] = lambda s, o: get_param_importances(
            s, evaluator=MainEffectImportanceEvaluator(seed=0))
        out["bbopt Sobol (default)"] = lambda s, o: get_param_importances(
            s, evaluator=SobolImportanceEvaluator(seed=0))
    if "optuna" in libs:
        import optuna

        out["Optuna PED-ANOVA"] = lambda s, o: optuna.importance.get_param_importances(
            o, evaluator=optuna.importance.PedAnovaImportanceEvaluator())
        out["Optuna fANOVA"] = lambda s, o: optuna.importance.get_param_importances(
            o, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
    return out


def score(importances: dict[str, float], true: dict[str, float], unused: str
          ) -> tuple[float, bool]:
    names = list(true)
    got = [importances.get(name, 0.0) for name in names]
    rho = spearmanr(got, [true[name] for name in names]).statistic
    rho = 0.0 if not np.isfinite(rho) else float(rho)
    lowest = min(got)
    # Last: strictly below every other parameter, or tied at the bottom with zero importance.
    last = importances.get(unused, 0.0) <= lowest and sum(g == lowest for g in got) == 1
    return rho, bool(last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[30, 100, 300])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--samplers", nargs="+", default=["random", "tpe"])
    parser.add_argument("--cases", nargs="+", default=[c.name for c in CASES])
    parser.add_argument("--libs", nargs="+", default=["bbopt", "optuna"])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    evals = evaluators(args.libs)
    done: dict[tuple[str, str, int], dict[str, Any]] = {}
    if args.json and os.path.exists(args.json):
        with open(args.json) as f:
            stored = json.load(f)
        if stored["args"]["seeds"] == args.seeds:
            done = {(r["case"], r["sampler"], r["n"]): r for r in stored["rows"]}
    rows = []
    started = time.perf_counter()
    for case in [c for c in CASES if c.name in args.cases]:
        true = truth(case)
        print(f"{case.name}: truth " + ", ".join(f"{k}={v:.3f}" for k, v in true.items()))
        for sampler in args.samplers:
            for n in args.n:
                if all(name in done.get((case.name, sampler, n), {}) for name in evals):
                    rows.append(done[case.name, sampler, n])
                    continue
                scores: dict[str, list[tuple[float, bool]]] = {name: [] for name in evals}
                for seed in range(args.seeds):
                    study = make_study(case, sampler, n, seed)
                    other = optuna_copy(study) if "optuna" in args.libs else None
                    for name, evaluate in evals.items():
                        scores[name].append(score(evaluate(study, other), true, case.unused))
                row = {"case": case.name, "sampler": sampler, "n": n}
                for name, got in scores.items():
                    row[name] = {"spearman": float(np.mean([g[0] for g in got])),
                                 "unused_last": float(np.mean([g[1] for g in got]))}
                rows.append(row)
                if args.json:
                    with open(args.json + ".tmp", "w") as f:
                        json.dump({"args": vars(args), "rows": rows}, f, indent=1)
                    os.replace(args.json + ".tmp", args.json)
    names = list(evals)
    print(f"\nmean Spearman rho with the truth (fraction of seeds with the unused parameter "
          f"ranked last); {args.seeds} seeds, {time.perf_counter() - started:.0f} s\n")
    print("| case | sampler | n | " + " | ".join(names) + " |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in names) + " |")
    for row in rows:
        cells = [f"{row[n]['spearman']:.2f} ({row[n]['unused_last']:.1f})" for n in names]
        print(f"| {row['case']} | {row['sampler']} | {row['n']} | " + " | ".join(cells) + " |")
    optuna_names = [n for n in names if n.startswith("Optuna")]
    for name in [n for n in names if n.startswith("bbopt")] if optuna_names else []:
        met = sum(row[name]["spearman"] >= max(row[o]["spearman"] for o in optuna_names) - 1e-9
                  for row in rows)
        print(f"{name}: Spearman at least Optuna's best evaluator in {met} of {len(rows)} cases")


if __name__ == "__main__":
    main()
