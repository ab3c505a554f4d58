"""Per-trial overhead of an ask/tell loop: bbopt against Optuna and Rustuna.

The loop asks a trial, samples ``d`` float parameters in [-5, 5] with the
random sampler, and tells the sum of the parameters (a trivial objective), so
that what is measured is the library's own cost per trial: creating the trial,
sampling, recording the parameters and the value. Two modes:

- ``define-by-run``: ``trial = study.ask()`` then ``trial.suggest_float`` for
  each parameter.
- ``fixed-space``: ``trial = study.ask(space)`` with the whole search space
  (``fixed_distributions=`` in Optuna); all parameters are sampled at ask
  time. Rustuna has no such mode.
- ``array`` (bbopt only): ``numbers, X = study.ask_array(batch, space)`` then
  ``study.tell_array(numbers, X.sum(axis=1))``, ``--batch`` trials at a time
  (1000). Its row also reports the floor of this mode measured in the same
  process: NumPy drawing the same uniform batches and copying points and
  values into growing arrays (``floor_us_per_trial``).

Each (library, mode, n) runs in its own subprocess that imports only the
library it measures, so that its memory is measured alone: the peak resident
set size growth over the loop (Python objects and native allocations alike)
divided by n. The time per trial is reported over the whole loop and over
its last 10% of trials, which shows whether the cost per trial grows with n.

Usage::

    python benchmarks/overhead.py --n 1000 10000 100000 1000000 \\
        --libs bbopt optuna rustuna --json results.json
    python benchmarks/overhead.py --profile --libs bbopt --modes define-by-run --n 10000
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

LIBRARIES = ("bbopt", "optuna", "rustuna")
MODES = ("define-by-run", "fixed-space", "array")
SUPPORTED_MODES = {
    "bbopt": ("define-by-run", "fixed-space", "array"),
    "optuna": ("define-by-run", "fixed-space"),
    "rustuna": ("define-by-run",),  # rustuna.Study.ask() takes no search space
}
LOW, HIGH = -5.0, 5.0
_BATCH = 1000  # trials per ask_array call in the array mode (--batch)
N_WARMUP = 200
LAST_FRACTION = 0.1


# --------------------------------------------------------------------------
# Worker side: runs in a fresh process, imports one library only.
# --------------------------------------------------------------------------


class _Case:
    """A study factory and the ask/tell loop of one (library, mode)."""

    def __init__(
        self,
        new_study: Callable[[], Any],
        loop: Callable[[Any, int], tuple[float, float, float, int]],
    ) -> None:
        self.new_study = new_study
        self.loop = loop


def _mark(n: int) -> int:
    """Index of the first trial of the last 10%."""
    return n - max(1, int(n * LAST_FRACTION))


def _define_by_run_loop(names: list[str], tell_number: bool) -> Callable[..., Any]:
    def loop(study: Any, n: int) -> tuple[float, float, float, int]:
        ask, tell = study.ask, study.tell
        mark = _mark(n)
        number = -1
        t_start = time.perf_counter()
        t_mark = t_start
        for k in range(n):
            if k == mark:
                t_mark = time.perf_counter()
            trial = ask()
            value = 0.0
            for name in names:
                value += trial.suggest_float(name, LOW, HIGH)
            number = trial.number
            tell(number if tell_number else trial, value)
        return t_start, t_mark, time.perf_counter(), number

    return loop


def _fixed_space_loop(ask_keyword: str | None, space: dict[str, Any]) -> Callable[..., Any]:
    def loop(study: Any, n: int) -> tuple[float, float, float, int]:
        tell = study.tell
        if ask_keyword is None:

            def ask() -> Any:
                return study.ask(space)

        else:
            kwargs = {ask_keyword: space}

            def ask() -> Any:
                return study.ask(**kwargs)

        mark = _mark(n)
        number = -1
        t_start = time.perf_counter()
        t_mark = t_start
        for k in range(n):
            if k == mark:
                t_mark = time.perf_counter()
            trial = ask()
            value = sum(trial.params.values())
            number = trial.number
            tell(trial, value)
        return t_start, t_mark, time.perf_counter(), number

    return loop


def _array_loop(space: dict[str, Any], batch: int) -> Callable[..., Any]:
    def loop(study: Any, n: int) -> tuple[float, float, float, int]:
        mark = _mark(n)
        number = -1
        t_start = time.perf_counter()
        t_mark = t_start
        done = 0
        while done < n:
            if done >= mark and t_mark == t_start:
                t_mark = time.perf_counter()
            k = min(batch, n - done)
            numbers, X = study.ask_array(k, space)
            study.tell_array(numbers, X.sum(axis=1))
            number = int(numbers[-1])
            done += k
        return t_start, t_mark, time.perf_counter(), number

    return loop


def _array_floor(n: int, n_dims: int, batch: int, seed: int) -> float:
    """Seconds NumPy takes to draw ``n`` uniform points in batches and keep them, values too."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x, values = np.empty((64, n_dims)), np.empty(64)
    t_start = time.perf_counter()
    done = 0
    while done < n:
        k = min(batch, n - done)
        u = rng.random((k, n_dims))
        points = LOW * (1.0 - u) + HIGH * u
        if done + k > x.shape[0]:  # amortised growth, as a storage keeps its arrays
            size = max(2 * x.shape[0], done + k)
            x = np.concatenate([x, np.empty((size - x.shape[0], n_dims))])
            values = np.concatenate([values, np.empty(size - values.shape[0])])
        x[done:done + k] = points
        values[done:done + k] = points.sum(axis=1)
        done += k
    return time.perf_counter() - t_start


def _case_bbopt(mode: str, n_dims: int, seed: int) -> _Case:
    import bbopt
    from bbopt.samplers import RandomSampler

    def new_study() -> Any:
        return bbopt.create_study(sampler=RandomSampler(seed=seed), direction="minimize")

    names = [f"x{i}" for i in range(n_dims)]
    if mode == "define-by-run":
        return _Case(new_study, _define_by_run_loop(names, tell_number=False))
    space = {name: bbopt.FloatDistribution(LOW, HIGH) for name in names}
    if mode == "array":
        return _Case(new_study, _array_loop(space, _BATCH))
    return _Case(new_study, _fixed_space_loop(None, space))


def _case_optuna(mode: str, n_dims: int, seed: int) -> _Case:
    import optuna
    from optuna.samplers import RandomSampler

    # Optuna logs every finished trial at INFO level: that is I/O, not overhead.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)

    def new_study() -> Any:
        return optuna.create_study(sampler=RandomSampler(seed=seed), direction="minimize")

    names = [f"x{i}" for i in range(n_dims)]
    if mode == "define-by-run":
        return _Case(new_study, _define_by_run_loop(names, tell_number=False))
    space = {name: optuna.distributions.FloatDistribution(LOW, HIGH) for name in names}
    return _Case(new_study, _fixed_space_loop("fixed_distributions", space))


def _case_rustuna(mode: str, n_dims: int, seed: int) -> _Case:
    import rustuna
    from rustuna.samplers import RandomSampler

    def new_study() -> Any:
        return rustuna.create_study(sampler=RandomSampler(seed=seed), direction="minimize")

    names = [f"x{i}" for i in range(n_dims)]
    # rustuna.Study.tell takes the trial number, not the trial.
    return _Case(new_study, _define_by_run_loop(names, tell_number=True))


_CASES = {"bbopt": _case_bbopt, "optuna": _case_optuna, "rustuna": _case_rustuna}


def _worker(lib: str, mode: str, n: int, n_dims: int, seed: int) -> dict[str, Any]:
    case = _CASES[lib](mode, n_dims, seed)
    # Warm-up in a throw-away study: lazy imports, caches, first-call paths.
    warm = case.new_study()
    case.loop(warm, min(n, N_WARMUP))
    del warm
    gc.collect()

    peak_reset = _common.reset_peak_rss()
    rss_before = _common.current_rss_bytes()
    peak_before = _common.peak_rss_bytes()
    study = case.new_study()
    cpu_start = time.process_time()
    t_start, t_mark, t_end, last_number = case.loop(study, n)
    cpu_seconds = time.process_time() - cpu_start
    peak_after = _common.peak_rss_bytes()
    rss_after = _common.current_rss_bytes()
    if last_number != n - 1:
        raise RuntimeError(f"{lib} numbered the last of {n} trials {last_number}, not {n - 1}.")

    baseline = rss_before if (peak_reset and rss_before is not None) else peak_before
    n_last = n - _mark(n)
    floor = (min(_array_floor(n, n_dims, _BATCH, seed) for _ in range(3)) / n * 1e6
             if mode == "array" else None)
    return {
        "floor_us_per_trial": floor,
        "status": "ok",
        "library": lib,
        "version": _common.library_version(lib),
        "mode": mode,
        "n": n,
        "n_dims": n_dims,
        "seconds": t_end - t_start,
        "us_per_trial": (t_end - t_start) / n * 1e6,
        "us_per_trial_last10": (t_end - t_mark) / n_last * 1e6,
        "cpu_seconds": cpu_seconds,
        "cpu_us_per_trial": cpu_seconds / n * 1e6,
        "peak_rss_growth_bytes": max(0, peak_after - baseline),
        "retained_rss_growth_bytes": (
            None if rss_before is None or rss_after is None else rss_after - rss_before
        ),
        "bytes_per_trial": max(0, peak_after - baseline) / n,
        "peak_reset": peak_reset,
    }


def _profile_worker(lib: str, mode: str, n: int, n_dims: int, seed: int, top: int) -> None:
    import cProfile
    import pstats

    case = _CASES[lib](mode, n_dims, seed)
    warm = case.new_study()
    case.loop(warm, min(n, N_WARMUP))
    study = case.new_study()
    profiler = cProfile.Profile()
    profiler.enable()
    case.loop(study, n)
    profiler.disable()
    print(f"## cProfile: {lib} {_common.library_version(lib)}, {mode}, n={n}, d={n_dims}\n")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------
# Driver side.
# --------------------------------------------------------------------------


def _predict_seconds(previous: dict[str, Any], n: int) -> float:
    """Predict the loop time at ``n`` trials from a run at a smaller n.

    The cost of trial k is modelled as a + b k, fitted to the mean cost over
    the whole previous run (a + b n'/2) and over its last 10% (a + 0.95 b n').
    A cost that is flat in n gives b = 0 and a linear prediction; a growing
    one is extrapolated quadratically, so the prediction errs on the high side.
    """
    n_prev = previous["n"]
    r_total, r_last = previous["us_per_trial"], previous["us_per_trial_last10"]
    mid_last = 1.0 - LAST_FRACTION / 2.0
    slope = (r_last - r_total) / ((mid_last - 0.5) * n_prev)
    if slope <= 0.0:
        return max(r_total, r_last) * n * 1e-6
    intercept = max(0.0, r_total - slope * n_prev / 2.0)
    return (intercept * n + slope * n * n / 2.0) * 1e-6


def _run(args: argparse.Namespace) -> list[dict[str, Any]]:
    script = str(Path(__file__).resolve())
    results: list[dict[str, Any]] = []
    for lib in args.libs:
        if not _common.is_installed(lib):
            print(f"{lib}: not installed, skipped", file=sys.stderr)
            continue
        for mode in args.modes:
            if mode not in SUPPORTED_MODES[lib]:
                print(f"{lib} {mode}: not supported by {lib}, skipped", file=sys.stderr)
                continue
            previous: dict[str, Any] | None = None
            stop_reason: str | None = None
            for n in sorted(args.n):
                row: dict[str, Any] = {"library": lib, "mode": mode, "n": n}
                if stop_reason is None and previous is not None:
                    predicted = _predict_seconds(previous, n)
                    predicted_bytes = previous["bytes_per_trial"] * n
                    if predicted > args.max_seconds:
                        stop_reason = "skipped (predicted > cap)"
                        row["predicted_seconds"] = predicted
                    elif predicted_bytes > args.max_memory_gb * 2**30:
                        stop_reason = "skipped (predicted memory > cap)"
                        row["predicted_bytes"] = predicted_bytes
                if stop_reason is not None:
                    row["status"] = stop_reason
                    print(f"{lib} {mode} n={n}: {stop_reason}", file=sys.stderr)
                    results.append(row)
                    continue
                best: dict[str, Any] | None = None
                for _ in range(args.repeat):
                    argv = [
                        script, "--worker", lib, mode, str(n),
                        "--dims", str(args.dims), "--seed", str(args.seed),
                        "--batch", str(args.batch),
                    ]  # fmt: skip
                    outcome = _common.run_worker(argv, timeout=2 * args.max_seconds + 120)
                    if outcome.get("status") != "ok":
                        best = {**row, **outcome}
                        break
                    if best is None or outcome["seconds"] < best["seconds"]:
                        best = outcome
                    if outcome["seconds"] > args.repeat_max_seconds:
                        break  # long runs are stable enough: do not repeat them
                assert best is not None
                results.append(best)
                if best["status"] == "ok":
                    previous = best
                    print(
                        f"{lib} {mode} n={n}: {best['us_per_trial']:.2f} us/trial, "
                        f"last 10% {best['us_per_trial_last10']:.2f}, "
                        f"CPU {best['cpu_us_per_trial']:.2f}, "
                        f"{best['bytes_per_trial']:.0f} B/trial",
                        file=sys.stderr,
                    )
                else:
                    stop_reason = "skipped (previous n failed)"
                    print(f"{lib} {mode} n={n}: {best['status']} {best.get('error', '')}",
                          file=sys.stderr)  # fmt: skip
    return results


def _format_bytes(value: float) -> str:
    return f"{value:,.0f}"


def _report(results: list[dict[str, Any]]) -> str:
    reference = {
        (r["mode"], r["n"]): r
        for r in results
        if r["library"] == "bbopt" and r.get("status") == "ok"
    }
    rows = []
    for r in results:
        label = r["library"] + (f" {r['version']}" if r.get("version") else "")
        if r.get("status") != "ok":
            status = r.get("status", "?") + (f": {r['error']}" if r.get("error") else "")
            rows.append([label, r["mode"], f"{r['n']:,}", status, "", "", "", "", ""])
            continue
        ref = reference.get((r["mode"], r["n"]))
        ratio = f"{r['us_per_trial'] / ref['us_per_trial']:.1f}" if ref else "n/a"
        rows.append([
            label,
            r["mode"],
            f"{r['n']:,}",
            f"{r['us_per_trial']:.2f}",
            f"{r['us_per_trial_last10']:.2f}",
            f"{r['cpu_us_per_trial']:.2f}",
            _format_bytes(r["bytes_per_trial"]),
            ratio,
            "" if r.get("floor_us_per_trial") is None else f"{r['floor_us_per_trial']:.2f}",
        ])  # fmt: skip
    table = _common.markdown_table(
        ["library", "mode", "n", "µs/trial (total)", "µs/trial (last 10%)", "CPU µs/trial",
         "bytes/trial", "ratio lib/bbopt", "NumPy floor µs/trial"],
        rows,
        align="llrrrrrrr",
    )  # fmt: skip

    # Summary: the anchors' time per trial over bbopt's, same mode and n.
    by_key = {(r["library"], r["mode"], r["n"]): r for r in results if r.get("status") == "ok"}
    summary_rows = []
    for mode, n in sorted(reference, key=lambda k: (MODES.index(k[0]), k[1])):
        bb = reference[(mode, n)]
        cells = [mode, f"{n:,}"]
        for anchor in ("optuna", "rustuna"):
            a = by_key.get((anchor, mode, n))
            cells.append(
                f"{a['us_per_trial'] / bb['us_per_trial']:.1f} / "
                f"{a['us_per_trial_last10'] / bb['us_per_trial_last10']:.1f} / "
                f"{a['cpu_us_per_trial'] / bb['cpu_us_per_trial']:.1f}"
                if a
                else "-"
            )
        summary_rows.append(cells)
    if not summary_rows:
        return table
    summary = _common.markdown_table(
        ["mode", "n", "optuna/bbopt (total / last 10% / CPU)",
         "rustuna/bbopt (total / last 10% / CPU)"],
        summary_rows,
        align="lrrr",
    )
    return table + "\n\nTime ratios, anchor over bbopt (>1: bbopt is faster):\n\n" + summary


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Per-trial overhead of ask/tell with the random sampler.",
    )
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000],
                        help="numbers of trials (default: 1e3 1e4 1e5 1e6)")  # fmt: skip
    parser.add_argument("--libs", nargs="+", choices=LIBRARIES, default=list(LIBRARIES))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--dims", type=int, default=10, help="number of float params (10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=1000,
                        help="trials per ask_array call in the array mode (1000)")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="time cap per configuration, from the previous n (600)")  # fmt: skip
    parser.add_argument("--max-memory-gb", type=float, default=8.0,
                        help="memory cap per configuration, from the previous n (8)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per configuration; the fastest is kept (1)")  # fmt: skip
    parser.add_argument("--repeat-max-seconds", type=float, default=60.0,
                        help="no repeat after a run longer than this (60)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of each configuration, not times")  # fmt: skip
    parser.add_argument("--profile-top", type=int, default=15,
                        help="functions shown by --profile, by tottime (15)")  # fmt: skip
    parser.add_argument("--worker", nargs=3, metavar=("LIB", "MODE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name, value, minimum in [
        ("--dims", args.dims, 1),
        ("--batch", args.batch, 1),
        ("--repeat", args.repeat, 1),
        ("--profile-top", args.profile_top, 1),
        *(("--n", n, 10) for n in args.n),
    ]:
        if value < minimum:
            parser.error(f"The '{name}' option must be an int >= {minimum}. Got {value} instead.")
    for name, value in [("--max-seconds", args.max_seconds),
                        ("--max-memory-gb", args.max_memory_gb),
                        ("--repeat-max-seconds", args.repeat_max_seconds)]:  # fmt: skip
        if not (value > 0 and math.isfinite(value)):
            parser.error(f"The '{name}' option must be a finite number > 0. Got {value} instead.")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    args = _parse(argv)
    global _BATCH
    _BATCH = args.batch
    if args.worker is not None:
        lib, mode, n = args.worker
        if args.profile:
            _profile_worker(lib, mode, int(n), args.dims, args.seed, args.profile_top)
        else:
            print(json.dumps(_worker(lib, mode, int(n), args.dims, args.seed)))
        return 0
    if args.profile:
        for lib in args.libs:
            if not _common.is_installed(lib):
                print(f"{lib}: not installed, skipped", file=sys.stderr)
                continue
            for mode in (m for m in args.modes if m in SUPPORTED_MODES[lib]):
                for n in sorted(args.n):
                    subprocess.run(
                        [sys.executable, str(Path(__file__).resolve()), "--worker", lib, mode,
                         str(n), "--profile", "--profile-top", str(args.profile_top),
                         "--dims", str(args.dims), "--seed", str(args.seed)],
                        check=False,
                    )  # fmt: skip
        return 0

    machine = _common.machine_info()  # its load average is the one before the runs
    revision = _common.git_revision(Path(__file__).resolve().parent)  # bbopt's, at the start
    results = _run(args)
    report = _report(results)
    print(
        f"Ask/tell overhead, RandomSampler, d={args.dims} float params, objective = sum of "
        f"params, one fresh process per row (cap {args.max_seconds:g} s).\n"
    )
    print(report)
    if args.json is not None:
        payload = {
            "benchmark": "overhead",
            "command": "python benchmarks/overhead.py " + " ".join(sys.argv[1:]),
            "settings": {
                "n": sorted(args.n),
                "libs": args.libs,
                "modes": args.modes,
                "dims": args.dims,
                "batch": args.batch,
                "seed": args.seed,
                "max_seconds": args.max_seconds,
                "max_memory_gb": args.max_memory_gb,
                "repeat": args.repeat,
                "repeat_max_seconds": args.repeat_max_seconds,
            },
            "machine": machine,
            "load_average_after": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "versions": {lib: _common.library_version(lib) for lib in args.libs},
            "bbopt_git": revision,
            "results": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
