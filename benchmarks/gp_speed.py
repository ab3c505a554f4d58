"""Time per suggestion of GP samplers: bbopt beside Optuna (PyTorch CPU) and scikit-optimize.

For each library, number of observations ``n`` and dimension ``d``, a fresh
process builds a study over ``d`` floats in [0, 1] holding ``n`` observations
of ``f(x) = sum((x - 0.3)^2) + 0.1 sum(sin(7 x))`` at uniform random points
(outside the timing), asks one untimed suggestion (the first, cold
hyperparameter fit), then times ``--k`` ask/evaluate/tell rounds. The study
grows from ``n`` to ``n + k``; the mean time per round is the amortised cost
per suggestion at that size, refits included (bbopt refits its
hyperparameters on a schedule, Optuna and scikit-optimize at every
suggestion, so ``--k-anchor`` rounds suffice for them). Peak RSS growth of
the process is reported too.

Libraries (skipped with a message if not installed):

- ``bbopt``: ``bbopt.samplers.GPSampler(seed=0)``;
- ``optuna``: ``optuna.samplers.GPSampler(seed=0)``;
- ``skopt``: ``skopt.Optimizer`` with ``base_estimator="GP"`` (its defaults).

Caps: a run whose untimed first suggestion or any timed round exceeds
``--max-seconds`` (30) is stopped and shown as ``> 30 s``; larger ``n`` of
that library and ``d`` are then not run (shown as ``skipped``). A run is not
started either when the previous ``n`` of that library, scaled as ``n^2``
(a lower bound for exact GPs), predicts more than the cap (``> 30 s
(predicted)``).

Threads: runs are sequential; ``--threads`` (default 1) sets
OPENBLAS/OMP/MKL threads and ``torch.set_num_threads`` for every library,
because on a shared machine multi-threaded BLAS timings are erratic.

Usage::

    python benchmarks/gp_speed.py --n 50 200 500 1000 2000 5000 --dims 2 10 50 \\
        --json benchmarks/results/gp_speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    is_installed,
    library_version,
    machine_info,
    markdown_table,
    peak_rss_bytes,
    reset_peak_rss,
)

LIBS = ("bbopt", "optuna", "skopt")
MODULES = {"bbopt": "bbopt", "optuna": "optuna", "skopt": "skopt"}


def _f(x: Any) -> float:
    import numpy as np

    x = np.asarray(x, dtype=float)
    return float(np.sum((x - 0.3) ** 2) + 0.1 * np.sum(np.sin(7 * x)))


def _points(n: int, d: int) -> Any:
    import numpy as np

    return np.random.default_rng(12345).random((n, d))


class _Timeout(Exception):
    pass


def run_one(lib: str, n: int, d: int, k: int, max_seconds: float, threads: int) -> dict[str, Any]:
    """Build the study, then time k suggestions (runs in a fresh process)."""
    names = [f"x{j}" for j in range(d)]
    points = _points(n, d)
    values = [_f(p) for p in points]
    if lib == "bbopt":
        import bbopt

        dist = bbopt.FloatDistribution(0.0, 1.0)
        study = bbopt.create_study(sampler=bbopt.samplers.GPSampler(seed=0))
        study.add_trials(
            bbopt.create_trial(params=dict(zip(names, map(float, p))),
                               distributions=dict.fromkeys(names, dist), value=v)
            for p, v in zip(points, values))
        space = dict.fromkeys(names, dist)

        def step() -> None:
            trial = study.ask(space)
            study.tell(trial, _f([trial.params[name] for name in names]))
    elif lib == "optuna":
        import warnings

        import optuna
        import torch

        torch.set_num_threads(threads)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        dist = optuna.distributions.FloatDistribution(0.0, 1.0)
        study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=0))
        study.add_trials([
            optuna.trial.create_trial(params=dict(zip(names, map(float, p))),
                                      distributions=dict.fromkeys(names, dist), value=v)
            for p, v in zip(points, values)])
        space = dict.fromkeys(names, dist)

        def step() -> None:
            trial = study.ask(space)
            study.tell(trial, _f([trial.params[name] for name in names]))
    else:
        import warnings

        import skopt

        warnings.filterwarnings("ignore")
        opt = skopt.Optimizer([(0.0, 1.0)] * d, base_estimator="GP", random_state=0,
                              n_initial_points=0)
        opt.tell([list(map(float, p)) for p in points], values)

        def step() -> None:
            x = opt.ask()
            opt.tell(x, _f(x))

    reset_peak_rss()
    rss_before = peak_rss_bytes()
    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    result: dict[str, Any] = {"lib": lib, "n": n, "d": d, "first_seconds": first}
    if first > max_seconds:
        result["capped"] = True
        return result
    times = []
    for _ in range(k):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
        if times[-1] > max_seconds:
            result["capped"] = True
            break
    result.update(seconds=sum(times) / len(times), rounds=len(times),
                  max_seconds=max(times), rss_mb=(peak_rss_bytes() - rss_before) / 2**20)
    return result


def _spawn(lib: str, n: int, d: int, args: argparse.Namespace) -> dict[str, Any]:
    threads = str(args.threads)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
           "MKL_NUM_THREADS": threads}
    here = str(Path(__file__).resolve().parent)
    k = int(args.k if lib == "bbopt" else args.k_anchor)
    code = (f"import json, sys; sys.path.insert(0, {here!r}); import gp_speed; "
            f"print(json.dumps(gp_speed.run_one({lib!r}, {int(n)}, {int(d)}, {k}, "
            f"{args.max_seconds!r}, {int(args.threads)})))")
    # Budget: the untimed first suggestion plus k rounds, each at most max_seconds, plus set-up.
    limit = args.max_seconds * (max(args.k, args.k_anchor) + 2) + 300
    try:
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True, env=env, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"lib": lib, "n": n, "d": d, "capped": True, "killed": True}
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or "").strip().splitlines()
        error = lines[-1] if lines else f"exit code {exc.returncode}"
        return {"lib": lib, "n": n, "d": d, "error": error}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[50, 200, 500, 1000, 2000, 5000])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 10, 50])
    parser.add_argument("--libs", nargs="+", default=list(LIBS), choices=LIBS)
    parser.add_argument("--k", type=int, default=20, help="timed suggestions per bbopt run")
    parser.add_argument("--k-anchor", type=int, default=3,
                        help="timed suggestions per Optuna / scikit-optimize run (they refit "
                             "at every suggestion, so a few rounds give the amortised cost)")
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    libs = []
    for lib in args.libs:
        if is_installed(MODULES[lib]):
            libs.append(lib)
        else:
            print(f"skipping {lib}: not installed")
    results: list[dict[str, Any]] = []
    for d in args.dims:
        for lib in libs:
            capped = False
            previous: dict[str, Any] | None = None
            for n in sorted(args.n):
                if not capped and previous is not None:
                    # At least O(n^2) per suggestion: skip a run predicted over the cap.
                    slowest = max(previous["seconds"], previous["first_seconds"])
                    if slowest * (n / previous["n"]) ** 2 > args.max_seconds:
                        results.append({"lib": lib, "n": n, "d": d, "capped": True,
                                        "predicted": True})
                        print(json.dumps(results[-1]), flush=True)
                        capped = True
                        continue
                if capped:
                    results.append({"lib": lib, "n": n, "d": d, "skipped": True})
                    continue
                r = _spawn(lib, n, d, args)
                results.append(r)
                capped = bool(r.get("capped") or r.get("error"))
                previous = r
                print(json.dumps(r), flush=True)

    def cell(r: dict[str, Any]) -> str:
        if r.get("skipped"):
            return "skipped"
        if r.get("error"):
            return "error"
        if r.get("predicted"):
            return f"> {args.max_seconds:g} s (predicted)"
        if r.get("capped"):
            return f"> {args.max_seconds:g} s"
        return f"{r['seconds']:.3g}"

    by_key = {(r["lib"], r["n"], r["d"]): r for r in results}
    rows = []
    for d in args.dims:
        for n in sorted(args.n):
            row = [str(d), str(n)] + [cell(by_key[(lib, n, d)]) for lib in libs]
            base = by_key.get(("bbopt", n, d))
            for lib in libs:
                if lib == "bbopt":
                    continue
                other = by_key[(lib, n, d)]
                if (base and other and not base.get("capped") and not other.get("capped")
                        and "seconds" in base and "seconds" in other):
                    row.append(f"{other['seconds'] / base['seconds']:.1f}")
                else:
                    row.append("")
            rows.append(row)
    header = (["d", "n"] + [f"{lib} s/suggestion" for lib in libs]
              + [f"{lib}/bbopt" for lib in libs if lib != "bbopt"])
    print(markdown_table(header, rows))
    if args.json is not None:
        args.json.write_text(json.dumps({
            "machine": machine_info(), "threads": args.threads, "k": args.k,
            "k_anchor": args.k_anchor,
            "versions": {lib: library_version(lib) for lib in ("bbopt", "optuna", "torch",
                                                               "scikit-optimize")},
            "results": results,
        }, indent=1))


if __name__ == "__main__":
    main()
