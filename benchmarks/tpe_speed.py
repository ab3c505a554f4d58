"""Time per TPE suggestion as a study grows: bbopt against Optuna and Rustuna.

For each library, trial count ``n`` and dimension ``d``, a worker process
builds a study holding ``n`` finished trials (random points of ``d`` float
parameters in [-5, 5], value = sum of squares, added as finished trials so
that building the history costs no TPE suggestion), then times complete
suggestions with the library's default TPE sampler: ``ask``, ``d`` calls to
``suggest_float`` (define-by-run, the same loop for every library), ``tell``
with the sum of squares. The first suggestion (bbopt builds its incremental
state from the whole history there) is reported apart as ``first``; ``ms`` is
the median of the following ones, each adding one trial (the steady state of
a long study), at most ``--max-timed`` of them; the JSON also has their mean
and the medians of each quarter (``ms_by_quarter``: how the time moves as the
library's own suggestions join the random history). Peak memory is the
worker's peak resident set size.

An anchor is no longer measured at larger ``n`` once one of its suggestions
took more than ``--max-suggestion-seconds`` (10 s) at some ``n`` for that
``d``, or when its time at the previous ``n``, extrapolated linearly (the
anchors' cost grows linearly in ``n``), exceeds that limit; the table says so.

Usage::

    python benchmarks/tpe_speed.py --n 100 1000 10000 100000 --dims 2 10 100 \\
        --libs bbopt optuna rustuna --json benchmarks/results/tpe_speed.json
    python benchmarks/tpe_speed.py --n 10000 --dims 100 --libs bbopt bbopt-univariate
    python benchmarks/tpe_speed.py --kernel  # C kernel against numba-compiled reference
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
    run_worker,
)

LIBS = ("bbopt", "bbopt-univariate", "optuna", "rustuna")
# bbopt-univariate: bbopt's TPESampler(multivariate=False), timed beside the default.


# -- worker side ---------------------------------------------------------------------------


def _history(n: int, d: int, seed: int) -> tuple[list[list[float]], list[float]]:
    import random

    rng = random.Random(seed)
    points = [[rng.uniform(-5.0, 5.0) for _ in range(d)] for _ in range(n)]
    return points, [sum(v * v for v in p) for p in points]


def _package(lib: str) -> str:
    """The installed package a ``--libs`` entry runs."""
    return "bbopt" if lib == "bbopt-univariate" else lib


def _study(lib: str, n: int, d: int, seed: int) -> tuple[Any, Any]:
    """A study of ``lib`` holding ``n`` finished trials, and its tell function."""
    points, values = _history(n, d, seed)
    names = [f"x{i}" for i in range(d)]
    if lib in ("bbopt", "bbopt-univariate"):
        import bbopt

        dist = bbopt.FloatDistribution(-5.0, 5.0)
        study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(
            seed=seed, multivariate=lib == "bbopt"))
        dists = dict.fromkeys(names, dist)
        for p, v in zip(points, values):
            study.add_trial(bbopt.create_trial(params=dict(zip(names, p)), distributions=dists,
                                               value=v))
        return study, lambda s, t, v: s.tell(t, v)
    if lib == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        dist = optuna.distributions.FloatDistribution(-5.0, 5.0)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        dists = dict.fromkeys(names, dist)
        study.add_trials([
            optuna.trial.create_trial(params=dict(zip(names, p)), distributions=dists, value=v)
            for p, v in zip(points, values)
        ])
        return study, lambda s, t, v: s.tell(t, v)
    if lib == "rustuna":
        import rustuna
        from rustuna.samplers import TPESampler

        dist = rustuna.distributions.FloatDistribution(-5.0, 5.0)
        study = rustuna.create_study(sampler=TPESampler(seed=seed))
        dists = dict.fromkeys(names, dist)
        for p, v in zip(points, values):
            study.add_trial(rustuna.create_trial(params=dict(zip(names, p)), distributions=dists,
                                                 value=v))
        return study, lambda s, t, v: s.tell(t.number, v)
    raise ValueError(f"Unknown library {lib!r}.")


def _worker(lib: str, n: int, d: int, seed: int, min_timed: int, max_timed: int,
            budget: float) -> dict[str, Any]:
    names = [f"x{i}" for i in range(d)]
    t0 = time.perf_counter()
    study, tell = _study(lib, n, d, seed)
    build = time.perf_counter() - t0

    cpu_times: list[float] = []  # process CPU time (all threads) of each suggestion

    def suggestion() -> float:
        start, cpu = time.perf_counter(), time.process_time()
        trial = study.ask()
        value = sum(trial.suggest_float(name, -5.0, 5.0) ** 2 for name in names)
        tell(study, trial, value)
        cpu_times.append(time.process_time() - cpu)
        return time.perf_counter() - start

    first = suggestion()
    cpu_times.clear()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < min_timed or (
            time.perf_counter() - started < budget and len(times) < max_timed):
        times.append(suggestion())
    quarter = max(1, len(times) // 4)
    return {
        "status": "ok", "lib": lib, "n": n, "d": d, "build_s": build, "first_ms": first * 1e3,
        "ms": statistics.median(times) * 1e3, "mean_ms": statistics.fmean(times) * 1e3,
        # On a loaded machine wall time penalises long suggestions (they are descheduled
        # more often): compare CPU times there.
        "cpu_ms": statistics.median(cpu_times) * 1e3,
        # How the time moves as the timed suggestions add trials to the history.
        "ms_by_quarter": [statistics.median(times[i:i + quarter]) * 1e3
                          for i in range(0, quarter * 4, quarter)],
        "n_timed": len(times), "peak_rss_mb": peak_rss_bytes() / 2**20,
    }


# -- kernel comparison ---------------------------------------------------------------------


def kernel_comparison(sizes: list[tuple[int, int]], repeat: int) -> list[dict[str, Any]]:
    """Time the C ``parzen_log_pdf`` against its NumPy twin compiled by numba."""
    import numpy as np

    from bbopt._kernels import parzen_log_pdf, parzen_prepare
    from bbopt._kernels._reference import parzen_log_pdf_ref

    try:
        import numba
    except ImportError:
        numba = None

    if numba is not None:
        @numba.njit(cache=False, fastmath=False)
        def numba_log_pdf(x, mu, inv_sigma, log_const, out):  # the twin's loops, continuous dims
            n_x, d = x.shape
            n_comp = log_const.shape[0]
            terms = np.empty(n_comp)
            for i in range(n_x):
                for k in range(n_comp):
                    acc = 0.0
                    for j in range(d):
                        z = (x[i, j] - mu[j, k]) * inv_sigma[j, k]
                        acc += z * z
                    terms[k] = log_const[k] - 0.5 * acc
                m = terms.max()
                out[i] = m + np.log(np.exp(terms - m).sum())

    rows = []
    rng = np.random.default_rng(0)
    for n_comp, d in sizes:
        mu = rng.uniform(size=(d, n_comp))
        sigma = np.full((d, n_comp), 0.2)
        inv, norm, total = np.empty((d, n_comp)), np.empty((d, n_comp)), np.empty(n_comp)
        parzen_prepare(mu, sigma, np.zeros(d), np.ones(d), np.zeros(d), inv, norm, total)
        x = rng.uniform(size=(24, d))
        out = np.empty(24)
        empty_cat = (np.zeros((24, 0)), np.zeros((0, n_comp)), np.zeros(0), np.zeros(0))

        def run_c() -> None:
            parzen_log_pdf(x, empty_cat[0], mu, inv, np.zeros(d), empty_cat[1], empty_cat[2],
                           empty_cat[3], total, out)

        def best_of(fn) -> float:
            fn()
            best = float("inf")
            for _ in range(repeat):
                t = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t)
            return best * 1e3

        row = {"n_comp": n_comp, "d": d, "c_ms": best_of(run_c)}
        ref_out = np.empty(24)
        if n_comp * d <= 10**6:
            row["numpy_ms"] = best_of(lambda: parzen_log_pdf_ref(
                x, empty_cat[0], mu, inv, np.zeros(d), empty_cat[1], empty_cat[2], empty_cat[3],
                total, ref_out))
        if numba is not None:
            nb_out = np.empty(24)
            row["numba_ms"] = best_of(lambda: numba_log_pdf(x, mu, inv, total, nb_out))
            np.testing.assert_allclose(nb_out, out, rtol=1e-9)
        rows.append(row)
    return rows


# -- parent --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 10, 100])
    parser.add_argument("--libs", nargs="+", default=list(LIBS), choices=LIBS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-timed", type=int, default=5)
    parser.add_argument("--max-timed", type=int, default=200)
    parser.add_argument("--budget", type=float, default=3.0,
                        help="seconds of timed suggestions per cell (after --min-timed)")
    parser.add_argument("--max-suggestion-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--kernel", action="store_true",
                        help="compare the C kernel with its numba-compiled reference instead")
    parser.add_argument("--worker", nargs=4, metavar=("LIB", "N", "D", "SEED"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        lib, n, d, seed = args.worker
        print(json.dumps(_worker(lib, int(n), int(d), int(seed), args.min_timed, args.max_timed,
                                 args.budget)))
        return

    if args.kernel:
        sizes = [(n, d) for d in args.dims for n in args.n]
        rows = kernel_comparison(sizes, repeat=5)
        print(markdown_table(
            ["n_comp", "d", "C kernel (ms)", "numba twin (ms)", "NumPy twin (ms)"],
            [[str(r["n_comp"]), str(r["d"]), f"{r['c_ms']:.3f}",
              f"{r['numba_ms']:.3f}" if "numba_ms" in r else "-",
              f"{r['numpy_ms']:.3f}" if "numpy_ms" in r else "-"] for r in rows],
            align="rrrrr"))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"machine": machine_info(), "kernel": rows},
                                            indent=1))
        return

    results: list[dict[str, Any]] = []
    for d in args.dims:
        stopped: dict[str, str] = {}
        for n in sorted(args.n):
            for lib in args.libs:
                if not is_installed(_package(lib)):
                    results.append({"status": "missing", "lib": lib, "n": n, "d": d})
                    continue
                if lib in stopped:
                    results.append({"status": "stopped", "lib": lib, "n": n, "d": d,
                                    "why": stopped[lib]})
                    continue
                res = run_worker([__file__, "--worker", lib, str(n), str(d), str(args.seed),
                                  "--min-timed", str(args.min_timed),
                                  "--max-timed", str(args.max_timed),
                                  "--budget", str(args.budget)], args.timeout)
                res.setdefault("lib", lib)
                res.update(n=n, d=d)
                results.append(res)
                limit_ms = args.max_suggestion_seconds * 1e3
                if lib.startswith("bbopt"):
                    pass
                elif res.get("status") != "ok":
                    stopped[lib] = f"{res.get('status')} at n={n}"
                elif max(res["ms"], res["first_ms"]) > limit_ms:
                    stopped[lib] = f"over {args.max_suggestion_seconds:g} s at n={n}"
                else:
                    # Its cost grows linearly in n: do not build a history whose suggestion
                    # would take over the limit.
                    bigger = [m for m in sorted(args.n) if m > n]
                    if bigger and res["ms"] * bigger[0] / n > limit_ms:
                        stopped[lib] = (f"predicted {res['ms'] * bigger[0] / n / 1e3:.0f} s "
                                        f"(linear from n={n})")
                print(json.dumps(res), file=sys.stderr, flush=True)

    by_key = {(r["lib"], r["n"], r["d"]): r for r in results}
    rows = []
    for d in args.dims:
        for n in sorted(args.n):
            row = [str(d), str(n)]
            base = by_key.get(("bbopt", n, d))
            for lib in args.libs:
                r = by_key.get((lib, n, d), {})
                if r.get("status") == "ok":
                    cell = (f"{r['ms']:.2f} (first {r['first_ms']:.0f}, {r['peak_rss_mb']:.0f} MB"
                            f", CPU {r['cpu_ms']:.2f})")
                    if lib != "bbopt" and base and base.get("status") == "ok":
                        cell += (f" x{r['ms'] / base['ms']:.1f}"
                                 f" (CPU x{r['cpu_ms'] / base['cpu_ms']:.1f})")
                else:
                    cell = r.get("status", "-") + (f" ({r['why']})" if "why" in r else "")
                row.append(cell)
            rows.append(row)
    print(f"TPE ms per suggestion (median wall; first suggestion, peak RSS and median CPU "
          f"time of the process in parentheses; xN = time relative to bbopt); "
          f"{os.cpu_count()} CPUs")
    print(markdown_table(["d", "n"] + [f"{lib} {library_version(_package(lib)) or ''}".strip()
                                       for lib in args.libs], rows, align="rr" + "l" * len(
                                           args.libs)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": machine_info(), "results": results},
                                        indent=1))


if __name__ == "__main__":
    main()
