"""Sampler speed: time per suggestion on a study that already holds n trials.

For each sampler, trial count ``n`` and dimension ``d``, a study is given
``n`` finished trials (uniform random points of ``d`` floats in [-5, 5], value
the sum of squares, added with ``add_trials``/``add_trial``: no suggestion is
made to build it). One suggestion is made untimed (first-call paths, cold
surrogate fits), then ``--repeat`` are timed: ``ask()``, ``d`` define-by-run
``suggest_float`` calls (the same loop for every library) and ``tell``. The
table gives the median time in milliseconds; each timed suggestion adds one
trial. By default every (sampler, n, d) runs in a fresh process
(``--in-process`` to run them all in this one).

bbopt samplers: ``tpe``, ``gp``, ``random``, ``qmc``. Anchors, run when their
library is installed beside bbopt (skipped with a message otherwise):
``optuna-tpe``, ``optuna-gp``, ``optuna-random``, ``rustuna-tpe``,
``rustuna-random``.

Run from the repository root::

    python -m benchmarks.speed --samplers tpe gp random optuna-tpe rustuna-tpe \\
        --n 100 1000 --dims 2 10 --json benchmarks/results/speed.json --markdown speed.md
    python -m benchmarks.speed --from-json benchmarks/results/speed.json --markdown speed.md
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ._common import git_revision, is_installed, machine_info, run_worker
from ._report import SCHEMA_VERSION, load_json, speed_markdown, speed_table, versions, write_json

REPO = Path(__file__).resolve().parent.parent

#: name -> (library, sampler class path, description)
SAMPLERS: dict[str, tuple[str, str, str]] = {
    "tpe": ("bbopt", "bbopt.samplers.TPESampler", "`bbopt.samplers.TPESampler(seed=0)`"),
    "gp": ("bbopt", "bbopt.samplers.GPSampler", "`bbopt.samplers.GPSampler(seed=0)`"),
    "random": ("bbopt", "bbopt.samplers.RandomSampler",
               "`bbopt.samplers.RandomSampler(seed=0)`"),
    "qmc": ("bbopt", "bbopt.samplers.QMCSampler", "`bbopt.samplers.QMCSampler(seed=0)`"),
    "optuna-tpe": ("optuna", "optuna.samplers.TPESampler",
                   "`optuna.samplers.TPESampler(seed=0)`"),
    "optuna-gp": ("optuna", "optuna.samplers.GPSampler", "`optuna.samplers.GPSampler(seed=0)`"),
    "optuna-random": ("optuna", "optuna.samplers.RandomSampler",
                      "`optuna.samplers.RandomSampler(seed=0)`"),
    "rustuna-tpe": ("rustuna", "rustuna.samplers.TPESampler",
                    "`rustuna.samplers.TPESampler(seed=0)`"),
    "rustuna-random": ("rustuna", "rustuna.samplers.RandomSampler",
                       "`rustuna.samplers.RandomSampler(seed=0)`"),
}


def _study(sampler: str, n: int, d: int) -> tuple[Any, Any]:
    """A study of ``sampler`` holding ``n`` finished trials, and its tell function."""
    import importlib

    import numpy as np

    lib, path, _ = SAMPLERS[sampler]
    module, cls = path.rsplit(".", 1)
    sampler_obj = getattr(importlib.import_module(module), cls)(seed=0)
    names = [f"x{j}" for j in range(d)]
    points = np.random.default_rng(12345).uniform(-5.0, 5.0, (n, d))
    values = (points**2).sum(axis=1)
    params = [dict(zip(names, map(float, p))) for p in points]
    if lib == "bbopt":
        import bbopt

        dists = dict.fromkeys(names, bbopt.FloatDistribution(-5.0, 5.0))
        study = bbopt.create_study(sampler=sampler_obj)
        study.add_trials(bbopt.create_trial(params=p, distributions=dists, value=float(v))
                         for p, v in zip(params, values))
        return study, lambda trial, v: study.tell(trial, v)
    if lib == "optuna":
        import warnings

        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        dists = dict.fromkeys(names, optuna.distributions.FloatDistribution(-5.0, 5.0))
        study = optuna.create_study(sampler=sampler_obj)
        study.add_trials([optuna.trial.create_trial(params=p, distributions=dists,
                                                    value=float(v))
                          for p, v in zip(params, values)])
        return study, lambda trial, v: study.tell(trial, v)
    import rustuna

    dists = dict.fromkeys(names, rustuna.distributions.FloatDistribution(-5.0, 5.0))
    study = rustuna.create_study(sampler=sampler_obj, direction="minimize")
    for p, v in zip(params, values):
        study.add_trial(rustuna.create_trial(params=p, distributions=dists, value=float(v)))
    return study, lambda trial, v: study.tell(trial.number, v)


def measure(sampler: str, n: int, d: int, repeat: int) -> dict[str, Any]:
    """Build the study, make one untimed suggestion, then time ``repeat`` of them."""
    names = [f"x{j}" for j in range(d)]
    start = time.perf_counter()
    study, tell = _study(sampler, n, d)
    build = time.perf_counter() - start

    def suggestion() -> float:
        start = time.perf_counter()
        trial = study.ask()
        value = sum(trial.suggest_float(name, -5.0, 5.0) ** 2 for name in names)
        tell(trial, value)
        return time.perf_counter() - start

    first = suggestion()
    times = [suggestion() for _ in range(repeat)]
    return {"sampler": sampler, "n": n, "d": d, "status": "ok", "build_s": build,
            "first_ms": first * 1e3, "median_ms": statistics.median(times) * 1e3,
            "times_ms": [t * 1e3 for t in times]}


def run(samplers: list[str], ns: list[int], dims: list[int], repeat: int, subprocess: bool,
        timeout: float, command: str) -> dict[str, Any]:
    """Measure every (sampler, n, d) and return the result record (the JSON)."""
    available, skipped = [], {}
    for name in samplers:
        lib = SAMPLERS[name][0]
        if is_installed(lib):
            available.append(name)
        else:
            skipped[name] = f"{lib} is not installed"
            print(f"skipping {name}: {lib} is not installed", file=sys.stderr)
    data: dict[str, Any] = {
        "benchmark": "speed", "schema": SCHEMA_VERSION, "command": command,
        "created": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "git": git_revision(REPO), "machine": machine_info(),
        "versions": versions(["bbopt", *(SAMPLERS[s][0] for s in available)]),
        "n": ns, "dims": dims, "repeat": repeat, "subprocess": subprocess,
        "samplers": {s: {"library": SAMPLERS[s][0], "description": SAMPLERS[s][2]}
                     for s in available},
        "skipped": skipped, "runs": [],
    }
    for sampler in available:
        for d in dims:
            for n in ns:
                if subprocess:
                    result = run_worker(["-m", "benchmarks.speed", "--worker",
                                         json.dumps([sampler, n, d, repeat])], timeout)
                    result = {"sampler": sampler, "n": n, "d": d, **result}
                else:
                    result = measure(sampler, n, d, repeat)
                data["runs"].append(result)
                shown = (f"{result['median_ms']:.3g} ms" if result["status"] == "ok"
                         else f"{result['status']} {result.get('error', '')}")
                print(f"{sampler:>14} n {n:>7} d {d:>4}: {shown}", file=sys.stderr, flush=True)
    return data


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    """Command line: run (or load with ``--from-json``), print, write JSON/Markdown."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--samplers", nargs="+", choices=list(SAMPLERS),
                        default=["tpe", "gp", "random"])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000],
                        help="trials in the study before timing")
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 10])
    parser.add_argument("--repeat", type=int, default=5, help="timed suggestions per run")
    parser.add_argument("--in-process", action="store_true",
                        help="run every measurement in this process")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds after which a run's process is killed")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--markdown", type=Path, help="write a Markdown page here")
    parser.add_argument("--from-json", type=Path,
                        help="load results from this file instead of running")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:  # one measurement in a fresh process, JSON on the last line
        sampler, n, d, repeat = json.loads(args.worker)
        print(json.dumps(measure(sampler, n, d, repeat)))
        return None
    if args.from_json is not None:
        data = load_json(args.from_json, "speed")
    else:
        if min(args.n) < 0 or min(args.dims) < 1 or args.repeat < 1:
            parser.error(f"--n must be >= 0, --dims and --repeat >= 1. Got {args.n}, "
                         f"{args.dims} and {args.repeat} instead.")
        command = "python -m benchmarks.speed " + " ".join(
            sys.argv[1:] if argv is None else argv)
        data = run(args.samplers, args.n, args.dims, args.repeat, not args.in_process,
                   args.timeout, command)
        if args.json is not None:
            write_json(data, args.json)
            print(f"results written to {args.json}")
    print(speed_table(data))
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(speed_markdown(data))
        print(f"Markdown page written to {args.markdown}")
    return data


if __name__ == "__main__":
    main()
