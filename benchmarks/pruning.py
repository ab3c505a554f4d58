"""Pruning benchmark: training steps saved by each pruner against the best value reached.

Two workloads, each run for every pruner over the same seeds:

``synthetic``
    Learning curves from a known family (inverse power laws, as in Domhan
    et al., IJCAI 2015). A trial draws ``u, v`` in [0, 1] and ``w`` in [0, 1]
    (a nuisance parameter) and reports, at steps ``t = 1..T``::

        y(t) = f(u, v) + b(v) * (t ** -c(u) - T ** -c(u)) + noise(t)
        f(u, v) = (u - 0.7) ** 2 + 0.5 * (v - 0.3) ** 2 + 0.05 * w,
        c(u) = 0.3 + 1.2 * (1 - u),  b(v) = 1 + v

    so the final value is ``f`` plus noise (sd ``--noise``), and
    configurations with a good final value (``u`` near 0.7) converge more
    slowly than poor ones with small ``u``: early values mislead, as they do
    in real training. The noise of trial ``k`` under seed ``s`` is drawn from
    ``default_rng([s, k])``, identical for every pruner.
``example``
    The NumPy MLP of ``examples/tune_mlp_pruning.py`` on scikit-learn's
    digits (validation log loss per epoch); needs scikit-learn. Training is
    deterministic given the trial number, so with the random sampler a pruned
    study trains a prefix of the unpruned study's curves.

With the random sampler (the default), the parameters of trial ``k`` do not
depend on the pruner, so every pruner sees the same configurations as the
unpruned run and the difference in best value is the cost of pruning alone.
With ``--sampler tpe``, pruning also changes which configurations are tried.

Columns: ``steps saved`` is ``1 - steps run / steps of the unpruned run``
(same seed), mean and standard deviation over seeds; ``best`` is the best
final value of the COMPLETE trials (mean over seeds); ``regret`` is that best
minus the unpruned run's best (same seed), mean and worst over seeds;
``same best`` counts the seeds where the pruned study found a best value no
worse than the unpruned study; ``f of best`` (synthetic) is the noise-free
final value ``f`` of the best trial, free of the luck of the noise.
``--equal-budget`` adds a table where each pruner runs trials until it has
spent as many steps as the unpruned study of the same seed.

Run::

    python benchmarks/pruning.py --seeds 10 --json results/pruning.json
    python benchmarks/pruning.py --workloads example --seeds 10
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

import bbopt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

PRUNERS: dict[str, Callable[[int], bbopt.pruners.BasePruner]] = {
    # name -> factory of the max step T
    "none": lambda T: bbopt.pruners.NopPruner(),
    "median": lambda T: bbopt.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=T // 10),
    "percentile-25": lambda T: bbopt.pruners.PercentilePruner(
        25.0, n_startup_trials=5, n_warmup_steps=T // 10),
    "successive-halving": lambda T: bbopt.pruners.SuccessiveHalvingPruner(1, 3),
    "hyperband": lambda T: bbopt.pruners.HyperbandPruner(1, T, 3),
    "patient-median": lambda T: bbopt.pruners.PatientPruner(
        bbopt.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=T // 10), patience=3),
}


def make_sampler(name: str, seed: int) -> bbopt.samplers.BaseSampler:
    if name == "random":
        return bbopt.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return bbopt.samplers.TPESampler(seed=seed, n_startup_trials=10)
    raise ValueError(f"Unknown sampler {name!r}: use 'random' or 'tpe'.")


# -- workloads: each returns (steps run, best final value) of one study ---------------------


def run_synthetic(pruner: str, sampler: str, seed: int, n_trials: int, n_steps: int,
                  noise: float, step_budget: int | None = None) -> dict[str, Any]:
    """One study; with ``step_budget``, trials run until that many steps are spent."""
    def objective(trial: bbopt.Trial) -> float:
        u = trial.suggest_float("u", 0.0, 1.0)
        v = trial.suggest_float("v", 0.0, 1.0)
        w = trial.suggest_float("w", 0.0, 1.0)
        final = (u - 0.7) ** 2 + 0.5 * (v - 0.3) ** 2 + 0.05 * w
        c, b = 0.3 + 1.2 * (1.0 - u), 1.0 + v
        t = np.arange(1, n_steps + 1, dtype=float)
        curve = final + b * (t ** -c - n_steps ** -c)
        curve += np.random.default_rng([seed, trial.number]).normal(0.0, noise, n_steps)
        trial.set_user_attr("true_final", final)
        for step in range(1, n_steps + 1):
            trial.report(float(curve[step - 1]), step)
            if trial.should_prune():
                trial.set_user_attr("steps", step)
                raise bbopt.TrialPruned()
        trial.set_user_attr("steps", n_steps)
        return float(curve[-1])

    study = bbopt.create_study(study_name=f"synthetic-{seed}",  # fixes Hyperband's brackets
                               sampler=make_sampler(sampler, seed),
                               pruner=PRUNERS[pruner](n_steps))
    if step_budget is None:
        study.optimize(objective, n_trials=n_trials)
    else:
        spent = [0]

        def stop_when_spent(study: bbopt.Study, trial: bbopt.FrozenTrial) -> None:
            spent[0] += trial.user_attrs.get("steps", 0)
            if spent[0] >= step_budget:
                study.stop()

        study.optimize(objective, n_trials=100 * n_trials, callbacks=[stop_when_spent])
    return summarise(study)


def load_example() -> Any:
    path = ROOT / "examples" / "tune_mlp_pruning.py"
    spec = importlib.util.spec_from_file_location("_tune_mlp_pruning", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_EXAMPLE: dict[str, Any] = {}


def run_example(pruner: str, sampler: str, seed: int, n_trials: int, n_epochs: int,
                noise: float) -> dict[str, Any]:
    if "module" not in _EXAMPLE:
        _EXAMPLE["module"] = load_example()
        _EXAMPLE["task"] = _EXAMPLE["module"].load_task("digits", 0)
    example, task = _EXAMPLE["module"], _EXAMPLE["task"]

    def objective(trial: bbopt.Trial) -> float:
        config = example.suggest_config(trial)
        try:
            return float(example.train(config, task, n_epochs, seed * 10**4 + trial.number,
                                       trial)[1])
        finally:
            trial.set_user_attr("steps", trial.user_attrs["epochs"])

    study = bbopt.create_study(study_name=f"example-{seed}",  # fixes Hyperband's brackets
                               sampler=make_sampler(sampler, seed),
                               pruner=PRUNERS[pruner](n_epochs))
    study.optimize(objective, n_trials=n_trials)
    return summarise(study)


def summarise(study: bbopt.Study) -> dict[str, Any]:
    trials = study.trials
    return {
        "steps": sum(t.user_attrs.get("steps", 0) for t in trials),
        "best": study.best_value,
        # Noise-free final value of the best trial (synthetic curves only).
        "true_best": study.best_trial.user_attrs.get("true_final"),
        "n_pruned": sum(t.state == bbopt.TrialState.PRUNED for t in trials),
        "n_trials": len(trials),
    }


WORKLOADS = {"synthetic": run_synthetic, "example": run_example}


def overhead(sizes: list[int], n_steps: int, n_calls: int = 200) -> str:
    """Time one `Trial.should_prune` call against a study of n finished trials.

    The study holds n trials with ``n_steps`` intermediate values each (80%
    COMPLETE, 20% PRUNED at a random step; the pruned ones carry rung values
    0 and 1); a running trial then reports a step and asks ``n_calls`` times.
    ``first call`` includes reading the n trials into the pruner's cache
    once; ``per call`` is the steady state afterwards (fastest of 5 batches).
    """
    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        templates = []
        for i in range(n):
            values = rng.random() + 1.0 / np.arange(1, n_steps + 1)
            curve = {s: float(v) for s, v in enumerate(values)}
            if i % 5 == 4:
                last = int(rng.integers(1, n_steps))
                curve = {s: v for s, v in curve.items() if s <= last}
                trial = bbopt.create_trial(params={}, distributions={}, value=None,
                                           state=bbopt.TrialState.PRUNED,
                                           intermediate_values=curve)
                trial.system_attrs.update({"completed_rung_0": curve[0],
                                           "completed_rung_1": curve[0]})
            else:
                trial = bbopt.create_trial(params={}, distributions={}, value=curve[n_steps - 1],
                                           intermediate_values=curve)
            templates.append(trial)
        for name in ["median", "successive-halving", "hyperband"]:
            study = bbopt.create_study(study_name=f"overhead-{n}", pruner=PRUNERS[name](n_steps))
            for trial in templates:
                study._storage.create_new_trial(study._study_id, trial)
            running = study.ask()
            for step in range(n_steps // 2):
                running.report(0.5, step)
            started = time.perf_counter()
            running.should_prune()
            first = time.perf_counter() - started
            batches = []  # the fastest of 5 batches: the machine may be shared
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(n_calls):
                    running.should_prune()
                batches.append((time.perf_counter() - started) / n_calls)
            per_call = min(batches)
            rows.append([name, str(n), f"{first * 1e3:.1f} ms", f"{per_call * 1e6:.0f} µs"])
    return _common.markdown_table(["pruner", "finished trials", "first call", "per call"],
                                  rows, "lrrr")


# -- driver -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["synthetic", "example"],
                        choices=[*WORKLOADS, "overhead"])
    parser.add_argument("--overhead-sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--pruners", nargs="+", default=list(PRUNERS), choices=list(PRUNERS))
    parser.add_argument("--sampler", default="random", choices=["random", "tpe"])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument("--trials", type=int, default=100, help="synthetic: trials per study")
    parser.add_argument("--steps", type=int, default=100, help="synthetic: steps per curve")
    parser.add_argument("--noise", type=float, default=0.01, help="synthetic: noise sd")
    parser.add_argument("--example-trials", type=int, default=30)
    parser.add_argument("--example-epochs", type=int, default=27)
    parser.add_argument("--equal-budget", action="store_true",
                        help="synthetic: also run each pruner until it has spent the steps of "
                             "the unpruned run, and compare the best values")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args(argv)
    pruners = ["none"] + [p for p in args.pruners if p != "none"]

    raw: dict[str, Any] = {"machine": _common.machine_info(), "args": {
        k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, "runs": []}
    for workload in args.workloads:
        if workload == "overhead":
            print(f"\n### overhead of should_prune, {args.steps} steps per trial\n")
            print(overhead(args.overhead_sizes, args.steps))
            continue
        if workload == "example" and not _common.is_installed("sklearn"):
            print("example: skipped (scikit-learn is not installed: pip install "
                  "'bbopt[examples]')")
            continue
        trials, steps = ((args.trials, args.steps) if workload == "synthetic"
                         else (args.example_trials, args.example_epochs))
        results: dict[str, list[dict[str, Any]]] = {p: [] for p in pruners}
        started = time.perf_counter()
        for seed in range(args.seeds):
            for pruner in pruners:
                result = WORKLOADS[workload](pruner, args.sampler, seed, trials, steps,
                                             args.noise)
                result.update(workload=workload, pruner=pruner, seed=seed,
                              sampler=args.sampler)
                results[pruner].append(result)
                raw["runs"].append(result)
        seconds = time.perf_counter() - started
        unit = "steps" if workload == "synthetic" else "epochs"
        print(f"\n### {workload}: {trials} trials of up to {steps} {unit}, sampler "
              f"{args.sampler}, {args.seeds} seeds ({seconds:.0f} s)\n")
        print(table(results, args.seeds))
        if args.equal_budget and workload == "synthetic":
            equal: dict[str, list[dict[str, Any]]] = {"none": results["none"]}
            for pruner in pruners[1:]:
                equal[pruner] = []
                for seed in range(args.seeds):
                    result = run_synthetic(pruner, args.sampler, seed, trials, steps,
                                           args.noise, results["none"][seed]["steps"])
                    result.update(workload="synthetic-equal-budget", pruner=pruner, seed=seed,
                                  sampler=args.sampler)
                    equal[pruner].append(result)
                    raw["runs"].append(result)
            print(f"\n### synthetic at equal step budget ({trials} x {steps} steps), sampler "
                  f"{args.sampler}, {args.seeds} seeds\n")
            print(equal_table(equal, args.seeds))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(raw, indent=1))


def table(results: dict[str, list[dict[str, Any]]], n_seeds: int) -> str:
    base = results["none"]
    rows = []
    for pruner, runs in results.items():
        saved = [1.0 - r["steps"] / b["steps"] for r, b in zip(runs, base)]
        regret = [r["best"] - b["best"] for r, b in zip(runs, base)]
        pruned = [r["n_pruned"] / r["n_trials"] for r in runs]
        rows.append([
            pruner,
            f"{statistics.mean(saved):.1%} ± {statistics.pstdev(saved):.1%}",
            f"{statistics.mean(pruned):.0%}",
            f"{statistics.mean(r['best'] for r in runs):.4f}",
            f"{statistics.mean(regret):+.4f}",
            f"{max(regret):+.4f}",
            f"{sum(g <= 1e-12 for g in regret)}/{n_seeds}",
        ])
        if runs[0]["true_best"] is not None:
            rows[-1].append(f"{statistics.mean(r['true_best'] for r in runs):.4f}")
    headers = ["pruner", "steps saved", "trials pruned", "best", "regret (mean)",
               "regret (worst)", "same best"]
    if base[0]["true_best"] is not None:
        headers.append("f of best (no noise)")
    return _common.markdown_table(headers, rows, "lrrrrrr" + "r" * (len(headers) - 7))


def equal_table(results: dict[str, list[dict[str, Any]]], n_seeds: int) -> str:
    base = results["none"]
    rows = []
    for pruner, runs in results.items():
        gain = [b["best"] - r["best"] for r, b in zip(runs, base)]
        rows.append([
            pruner,
            f"{statistics.mean(r['n_trials'] for r in runs):.0f}",
            f"{statistics.mean(r['best'] for r in runs):.4f}",
            f"{statistics.mean(gain):+.4f}",
            f"{sum(g >= -1e-12 for g in gain)}/{n_seeds}",
            f"{statistics.mean(r['true_best'] for r in runs):.4f}",
        ])
    return _common.markdown_table(
        ["pruner", "trials run", "best", "gain over none (mean)", "as good or better",
         "f of best (no noise)"], rows, "lrrrrr")


if __name__ == "__main__":
    main()
