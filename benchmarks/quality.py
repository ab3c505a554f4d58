"""Sampler quality: median regret curves with quartile bands on test functions.

For each test function of ``bbopt.testfunctions``, sampler and seed, one study
of ``--budget`` evaluations is run; the regret after k evaluations is the best
value of the first k minus the known minimum (clipped at 0). Prints a table of
the median and quartiles of the final regret, writes every curve to JSON, and
optionally a plot (median curves with inter-quartile bands, matplotlib) and a
Markdown page generated from the JSON.

bbopt samplers: ``tpe``, ``gp``, ``random``, ``qmc`` (their defaults, through
``bbopt.minimize``). Anchors, run when their library is installed beside bbopt
(skipped with a message otherwise): ``optuna-tpe``, ``optuna-gp``,
``optuna-random``, ``rustuna-tpe``, ``hyperopt`` (TPE) and ``skopt-gp``
(``skopt.gp_minimize``), all with their defaults and the seed.

Run from the repository root::

    python -m benchmarks.quality --samplers tpe gp random optuna-tpe \\
        --functions branin hartmann6 --seeds 10 --budget 100 \\
        --json benchmarks/results/quality.json --plot regret.png --markdown quality.md
    python -m benchmarks.quality --from-json benchmarks/results/quality.json \\
        --markdown quality.md   # regenerate the page (and plot) without rerunning
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ._common import git_revision, is_installed, machine_info
from ._report import (
    SCHEMA_VERSION,
    load_json,
    quality_curves,
    quality_markdown,
    quality_table,
    versions,
    write_json,
)

REPO = Path(__file__).resolve().parent.parent
_EXAMPLE = REPO / "examples" / "benchmark_samplers.py"


def _example() -> ModuleType:
    """``examples/benchmark_samplers.py`` (test-function registry, bbopt runs, the plot)."""
    module = sys.modules.get("_bbopt_benchmark_samplers_example")
    if module is None:
        spec = importlib.util.spec_from_file_location("_bbopt_benchmark_samplers_example",
                                                      _EXAMPLE)
        if spec is None or spec.loader is None:
            raise ImportError(f"Cannot load {_EXAMPLE}: run from a bbopt checkout.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


# -- samplers: each returns the objective values of one seeded run, in order ----------------


def _run_bbopt(name: str) -> Callable[[Any, int, int], list[float]]:
    def run(function: Any, seed: int, budget: int) -> list[float]:
        curve = _example().regret_curves(function, name, [seed], budget)[0]
        return [float(v) + function.minimum for v in curve]  # best-so-far values

    return run


def _run_optuna(kind: str) -> Callable[[Any, int, int], list[float]]:
    def run(function: Any, seed: int, budget: int) -> list[float]:
        import warnings

        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        sampler = {"tpe": optuna.samplers.TPESampler, "gp": optuna.samplers.GPSampler,
                   "random": optuna.samplers.RandomSampler}[kind](seed=seed)
        study = optuna.create_study(sampler=sampler)
        study.optimize(function.objective, n_trials=budget)
        return [math.inf if t.value is None else t.value for t in study.trials]

    return run


def _run_rustuna(function: Any, seed: int, budget: int) -> list[float]:
    import rustuna
    from rustuna.samplers import TPESampler

    study = rustuna.create_study(sampler=TPESampler(seed=seed), direction="minimize")
    study.optimize(function.objective, n_trials=budget)
    return [math.inf if t.value is None else t.value for t in study.trials]


def _run_hyperopt(function: Any, seed: int, budget: int) -> list[float]:
    import logging

    import hyperopt
    import numpy as np

    logging.getLogger("hyperopt").setLevel(logging.WARNING)
    names = [f"x{j}" for j in range(function.n_dims)]
    space = {name: hyperopt.hp.uniform(name, float(lo), float(hi))
             for name, (lo, hi) in zip(names, function.bounds)}
    trials = hyperopt.Trials()
    hyperopt.fmin(lambda p: function([p[name] for name in names]), space,
                  algo=hyperopt.tpe.suggest, max_evals=budget, trials=trials,
                  rstate=np.random.default_rng(seed), show_progressbar=False)
    return [float(v) for v in trials.losses()]


def _run_skopt(function: Any, seed: int, budget: int) -> list[float]:
    import warnings

    import skopt

    with warnings.catch_warnings():  # skopt warns when it re-evaluates a point
        warnings.simplefilter("ignore")
        result = skopt.gp_minimize(lambda x: function(x),
                                   [(float(lo), float(hi)) for lo, hi in function.bounds],
                                   n_calls=budget, n_initial_points=min(10, budget),
                                   random_state=seed)
    return [float(v) for v in result.func_vals]


#: name -> (module that must be installed, description, runner)
SAMPLERS: dict[str, tuple[str, str, Callable[[Any, int, int], list[float]]]] = {
    "tpe": ("bbopt", "`bbopt.samplers.TPESampler(seed=seed)` (via `bbopt.minimize`)",
            _run_bbopt("tpe")),
    "gp": ("bbopt", "`bbopt.samplers.GPSampler(seed=seed)` (via `bbopt.minimize`)",
           _run_bbopt("gp")),
    "random": ("bbopt", "`bbopt.samplers.RandomSampler(seed=seed)`", _run_bbopt("random")),
    "qmc": ("bbopt", "`bbopt.samplers.QMCSampler(seed=seed)`", _run_bbopt("qmc")),
    "optuna-tpe": ("optuna", "`optuna.samplers.TPESampler(seed=seed)`", _run_optuna("tpe")),
    "optuna-gp": ("optuna", "`optuna.samplers.GPSampler(seed=seed)`", _run_optuna("gp")),
    "optuna-random": ("optuna", "`optuna.samplers.RandomSampler(seed=seed)`",
                      _run_optuna("random")),
    "rustuna-tpe": ("rustuna", "`rustuna.samplers.TPESampler(seed=seed)`", _run_rustuna),
    "hyperopt": ("hyperopt", "`hyperopt.fmin(algo=tpe.suggest, rstate=default_rng(seed))`",
                 _run_hyperopt),
    "skopt-gp": ("skopt", "`skopt.gp_minimize(n_initial_points=10, random_state=seed)`",
                 _run_skopt),
}


def regret_curve(values: list[float], minimum: float) -> list[float]:
    """Best-so-far regret after each evaluation, clipped at 0 (inf before a finite value)."""
    curve, best = [], math.inf
    for v in values:
        if math.isfinite(v):
            best = min(best, v)
        curve.append(max(best - minimum, 0.0))
    return curve


def run(samplers: list[str], functions: list[str], seeds: list[int], budget: int,
        command: str) -> dict[str, Any]:
    """Run every (function, sampler, seed) and return the result record (the JSON)."""
    registry = _example().FUNCTIONS
    available, skipped = [], {}
    for name in samplers:
        module = SAMPLERS[name][0]
        if is_installed(module):
            available.append(name)
        else:
            skipped[name] = f"{module} is not installed"
            print(f"skipping {name}: {module} is not installed", file=sys.stderr)
    data: dict[str, Any] = {
        "benchmark": "quality", "schema": SCHEMA_VERSION, "command": command,
        "created": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": git_revision(REPO), "machine": machine_info(),
        "versions": versions(["bbopt", *(SAMPLERS[s][0] for s in available)]),
        "budget": budget, "seeds": seeds,
        "functions": {}, "samplers": {s: {"library": SAMPLERS[s][0],
                                          "description": SAMPLERS[s][1]} for s in available},
        "skipped": skipped, "runs": [],
    }
    for fname in functions:
        function = registry[fname]()
        data["functions"][fname] = {"repr": repr(function), "n_dims": function.n_dims,
                                    "minimum": function.minimum,
                                    "reference": function.reference}
        for sampler in available:
            for seed in seeds:
                start = time.perf_counter()
                values = SAMPLERS[sampler][2](function, seed, budget)
                seconds = time.perf_counter() - start
                if len(values) != budget:
                    raise RuntimeError(f"{sampler} made {len(values)} evaluations on {fname}, "
                                       f"not {budget}.")
                curve = regret_curve(values, function.minimum)
                data["runs"].append({"function": fname, "sampler": sampler, "seed": seed,
                                     "seconds": seconds, "regret": curve})
                print(f"{fname:>16} {sampler:>14} seed {seed:>3}: regret {curve[-1]:.3g} "
                      f"({seconds:.1f} s)", file=sys.stderr, flush=True)
    return data


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: run (or load with ``--from-json``), print, write JSON/plot/Markdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", nargs="+", choices=list(SAMPLERS),
                        default=["tpe", "gp", "random", "qmc"])
    parser.add_argument("--functions", nargs="+", default=["branin", "hartmann6"],
                        help="names from examples/benchmark_samplers.py (FUNCTIONS)")
    parser.add_argument("--seeds", type=int, default=10, help="number of seeds (0, 1, ...)")
    parser.add_argument("--budget", type=int, default=100, help="evaluations per run")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--plot", help="draw the regret curves here (needs matplotlib)")
    parser.add_argument("--markdown", type=Path, help="write a Markdown page here")
    parser.add_argument("--from-json", type=Path,
                        help="load results from this file instead of running")
    args = parser.parse_args(argv)

    if args.from_json is not None:
        data = load_json(args.from_json, "quality")
    else:
        unknown = sorted(set(args.functions) - set(_example().FUNCTIONS))
        if unknown:
            parser.error(f"argument --functions: unknown {unknown}; "
                         f"choose from {sorted(_example().FUNCTIONS)}")
        if args.seeds < 1 or args.budget < 1:
            parser.error(f"--seeds and --budget must be >= 1. Got {args.seeds} and "
                         f"{args.budget} instead.")
        command = "python -m benchmarks.quality " + " ".join(
            sys.argv[1:] if argv is None else argv)
        data = run(args.samplers, args.functions, list(range(args.seeds)), args.budget,
                   command)
        if args.json is not None:
            write_json(data, args.json)
            print(f"results written to {args.json}")
    print(quality_table(data))
    plotted = False
    if args.plot:
        plotted = _example().plot(quality_curves(data), args.plot)
    if args.markdown is not None:
        plot_ref = None
        if plotted:
            plot_path = Path(args.plot).resolve()
            try:
                plot_ref = str(plot_path.relative_to(args.markdown.resolve().parent))
            except ValueError:
                plot_ref = str(plot_path)
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(quality_markdown(data, plot_ref))
        print(f"Markdown page written to {args.markdown}")
    return data


if __name__ == "__main__":
    main()
