"""Sampler quality: median regret curves with quartile bands on test functions.

For each test function of ``bbopt.testfunctions``, sampler and seed, one study
of ``--budget`` evaluations is run; the regret after k evaluations is the best
value of the first k minus the known minimum (clipped at 0). Prints a table of
the median and quartiles of the final regret, writes every curve to JSON, and
optionally a plot (median curves with inter-quartile bands, matplotlib) and a
Markdown page generated from the JSON.

The runs go through ``bbopt.benchmark.run``: seed ``s`` is instance ``s + 1`` of
each function, moved so that its minimiser is a random point of the central 80 %
of the box for the functions that allow it (a sampler that starts at the centre
gains nothing from a centred optimum); ``--jobs`` runs at a time on processes;
``--results FILE.jsonl`` keeps every run and resumes from it. bbopt samplers:
``tpe``, ``gp``, ``auto``, ``cmaes``, ``random``, ``qmc`` (their defaults, driven
through ``study.ask(space)``). Anchors, run when their library is installed beside
bbopt (skipped with a message otherwise):
``optuna-tpe``, ``optuna-gp``, ``optuna-random``, ``rustuna-tpe``, ``hyperopt``
(TPE, through ``fmin``), ``skopt-gp`` (``skopt.Optimizer``, GP), ``pycma``
(IPOP-CMA-ES) and ``nevergrad-ngopt``, all with their defaults and the run's seed.

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
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from bbopt.benchmark import (
    BboptSampler,
    NevergradOptimizer,
    Optimizer,
    OptunaSampler,
    Problem,
    PyCMA,
)
from bbopt.benchmark import run as benchmark_run

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


# -- samplers: bbopt.benchmark optimizers (the anchors' libraries are imported in the runs) --


class _Rustuna(Optimizer):
    """Rustuna's TPE, define-by-run (its ``ask()`` takes no search space)."""

    label = spec = "rustuna.TPESampler"

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Any) -> None:
        import rustuna
        from rustuna.samplers import TPESampler

        study = rustuna.create_study(sampler=TPESampler(seed=seed), direction="minimize")
        bounds = [(float(lo), float(hi)) for lo, hi in problem.bounds]
        for _ in range(n_evals):
            trial = study.ask()
            x = np.array([trial.suggest_float(f"x{j}", lo, hi)
                          for j, (lo, hi) in enumerate(bounds)])
            study.tell(trial.number, evaluate(x))  # rustuna's tell takes the number


class _Hyperopt(Optimizer):
    """``hyperopt.fmin`` with TPE: it owns its loop, which calls ``evaluate``."""

    label = spec = "hyperopt.tpe"

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Any) -> None:
        import logging

        import hyperopt

        logging.getLogger("hyperopt").setLevel(logging.WARNING)
        names = [f"x{j}" for j in range(problem.n_dims)]
        space = {name: hyperopt.hp.uniform(name, float(lo), float(hi))
                 for name, (lo, hi) in zip(names, problem.bounds)}
        hyperopt.fmin(lambda p: evaluate(np.array([p[name] for name in names])), space,
                      algo=hyperopt.tpe.suggest, max_evals=n_evals, trials=hyperopt.Trials(),
                      rstate=np.random.default_rng(seed), show_progressbar=False)


class _Skopt(Optimizer):
    """``skopt.Optimizer`` (GP, 10 initial points) through its ask/tell."""

    label = spec = "skopt.gp"

    def minimize(self, problem: Problem, n_evals: int, seed: int, evaluate: Any) -> None:
        import warnings

        import skopt

        optimizer = skopt.Optimizer([(float(lo), float(hi)) for lo, hi in problem.bounds],
                                    base_estimator="GP", n_initial_points=min(10, n_evals),
                                    random_state=seed)
        with warnings.catch_warnings():  # skopt warns when it re-evaluates a point
            warnings.simplefilter("ignore")
            for _ in range(n_evals):
                x = optimizer.ask()
                optimizer.tell(x, evaluate(np.asarray(x, dtype=np.float64)))


#: name -> (module that must be installed, description, bbopt.benchmark optimizer)
SAMPLERS: dict[str, tuple[str, str, Optimizer]] = {
    "tpe": ("bbopt", "`bbopt.samplers.TPESampler(seed=seed)`", BboptSampler("tpe")),
    "gp": ("bbopt", "`bbopt.samplers.GPSampler(seed=seed)`", BboptSampler("gp")),
    "auto": ("bbopt", "`bbopt.samplers.AutoSampler(seed=seed)`", BboptSampler("auto")),
    "cmaes": ("bbopt", "`bbopt.samplers.CmaEsSampler(seed=seed)`", BboptSampler("cmaes")),
    "random": ("bbopt", "`bbopt.samplers.RandomSampler(seed=seed)`", BboptSampler("random")),
    "qmc": ("bbopt", "`bbopt.samplers.QMCSampler(seed=seed)`", BboptSampler("qmc")),
    "optuna-tpe": ("optuna", "`optuna.samplers.TPESampler(seed=seed)`",
                   OptunaSampler("TPESampler")),
    "optuna-gp": ("optuna", "`optuna.samplers.GPSampler(seed=seed)`",
                  OptunaSampler("GPSampler")),
    "optuna-random": ("optuna", "`optuna.samplers.RandomSampler(seed=seed)`",
                      OptunaSampler("RandomSampler")),
    "rustuna-tpe": ("rustuna", "`rustuna.samplers.TPESampler(seed=seed)`", _Rustuna()),
    "hyperopt": ("hyperopt", "`hyperopt.fmin(algo=tpe.suggest, rstate=default_rng(seed))`",
                 _Hyperopt()),
    "skopt-gp": ("skopt", ("`skopt.Optimizer(base_estimator='GP', n_initial_points=10, "
                           "random_state=seed)`"), _Skopt()),
    "pycma": ("cma", ("`cma.CMAEvolutionStrategy` with IPOP restarts "
                      "(`bbopt.benchmark.PyCMA()`)"), PyCMA()),
    "nevergrad-ngopt": ("nevergrad", "`nevergrad.optimizers.NGOpt` told the budget",
                        NevergradOptimizer("NGOpt")),
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
        command: str, n_jobs: int = 1, results: Path | None = None) -> dict[str, Any]:
    """Run every (function, sampler, seed) with `bbopt.benchmark.run`; return the JSON record.

    Seed ``s`` is instance ``s + 1`` of each of the examples' functions (see the
    module docstring); `bbopt.benchmark.run_one` derives each run's sampler seed
    from the instance.
    """
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
    optimizers = {name: SAMPLERS[name][2] for name in available}
    records, function_of = [], {}
    for fname in functions:
        function = registry[fname]()
        data["functions"][fname] = {"repr": repr(function), "n_dims": function.n_dims,
                                    "minimum": function.minimum,
                                    "reference": function.reference}
        problems = [Problem(function, instance=seed + 1) for seed in seeds]
        function_of.update((p.key, fname) for p in problems)
        records += benchmark_run(problems, optimizers, budget=budget / function.n_dims,
                                 seeds=[0], n_jobs=n_jobs, results=results, verbose=True)
    for record in records:
        if record.n_evals != budget:
            raise RuntimeError(f"{record.optimizer} made {record.n_evals} evaluations on "
                               f"{record.problem}, not {budget}.")
        curve = np.maximum(record.regret_at(np.arange(1, budget + 1)), 0.0)
        data["runs"].append({"function": function_of[record.problem],
                             "sampler": record.optimizer, "seed": record.instance - 1,
                             "seconds": record.time + record.eval_time,
                             "regret": curve.tolist()})
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
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time (processes)")
    parser.add_argument("--results", type=Path,
                        help="bbopt.benchmark results file (JSON lines): resume from it")
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
                   command, n_jobs=args.jobs, results=args.results)
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
