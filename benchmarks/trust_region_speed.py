"""Time and memory per suggestion of TrustRegionGPSampler beside bbopt's GPSampler.

For each sampler, number of observations ``n`` and dimension ``d``, a fresh
process (one BLAS thread by default) builds a study over ``d`` floats in
[0, 1] holding ``n`` observations of
``f(x) = sum((x - 0.3)^2) + 0.1 sum(sin(7 x))`` at uniform random points
(outside the timing), asks one untimed suggestion (the first, cold fit), then
times ``--k`` ask/evaluate/tell rounds: the mean is the amortised cost per
suggestion at that size, refits included, as wall-clock time and as CPU time
of the process (with one BLAS thread, the CPU time is what the suggestion
costs on an idle core; on a loaded machine the wall-clock time is larger). The
peak RSS of the process
(everything: the study's arrays, the model, the interpreter) is reported too.

Samplers:

- ``bbopt-tr``: ``bbopt.samplers.TrustRegionGPSampler(seed=0)``;
- ``bbopt-tr-full``: the same with ``restart="incumbent"``, the worst case: the
  random observations make a region collapse again and again while they are
  replayed, and with the default fresh restarts its GP then holds only the
  points since the last restart; restarted at the incumbent it holds the full
  ``max_region_points = 256`` nearest points, as any region does once it has
  had 256 evaluations;
- ``bbopt-gp``: ``bbopt.samplers.GPSampler(seed=0)`` (the global GP; the
  anchor of the same run).

A run whose first suggestion or a timed round exceeds ``--max-seconds`` is
stopped (``> cap``) and larger ``n`` of that sampler and ``d`` are skipped.

Usage::

    python benchmarks/trust_region_speed.py --n 1000 3000 10000 --dims 20 100 \\
        --json benchmarks/results/trust_region_speed.json
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

from _common import machine_info, markdown_table, peak_rss_bytes

SAMPLERS = ("bbopt-tr", "bbopt-tr-full", "bbopt-gp")


def _f(x: Any) -> float:
    import numpy as np

    x = np.asarray(x, dtype=float)
    return float(np.sum((x - 0.3) ** 2) + 0.1 * np.sum(np.sin(7 * x)))


def run_one(sampler: str, n: int, d: int, k: int, max_seconds: float) -> dict[str, Any]:
    """Build the study, then time k suggestions (runs in a fresh process)."""
    import numpy as np

    import bbopt

    names = [f"x{j}" for j in range(d)]
    points = np.random.default_rng(12345).random((n, d))
    dist = bbopt.FloatDistribution(0.0, 1.0)
    space = dict.fromkeys(names, dist)
    s: bbopt.samplers.BaseSampler
    if sampler == "bbopt-tr":
        s = bbopt.samplers.TrustRegionGPSampler(seed=0)
    elif sampler == "bbopt-tr-full":
        s = bbopt.samplers.TrustRegionGPSampler(seed=0, restart="incumbent")
    else:
        s = bbopt.samplers.GPSampler(seed=0)
    study = bbopt.create_study(sampler=s)
    study.add_trials(
        bbopt.create_trial(params=dict(zip(names, map(float, p))), distributions=space,
                           value=_f(p))
        for p in points)

    def step() -> None:
        trial = study.ask(space)
        study.tell(trial, _f([trial.params[name] for name in names]))

    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    result: dict[str, Any] = {"sampler": sampler, "n": n, "d": d, "first_seconds": first}
    if first > max_seconds:
        result["capped"] = True
        return result
    times, cpu_times = [], []
    for _ in range(k):
        start, cpu_start = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        if times[-1] > max_seconds:
            result["capped"] = True
            break
    result.update(seconds=sum(times) / len(times), cpu_seconds=sum(cpu_times) / len(times),
                  rounds=len(times), max_seconds=max(times),
                  peak_rss_mb=peak_rss_bytes() / 2**20)
    return result


def _spawn(sampler: str, n: int, d: int, args: argparse.Namespace) -> dict[str, Any]:
    threads = str(args.threads)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads,
           "MKL_NUM_THREADS": threads}
    here = str(Path(__file__).resolve().parent)
    code = (f"import json, sys; sys.path.insert(0, {here!r}); import trust_region_speed as m; "
            f"print(json.dumps(m.run_one({sampler!r}, {n}, {d}, {args.k}, "
            f"{args.max_seconds!r})))")
    try:
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True, env=env, timeout=args.max_seconds * (args.k + 2) + 600)
    except subprocess.TimeoutExpired:
        return {"sampler": sampler, "n": n, "d": d, "capped": True}
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or "").strip().splitlines()
        return {"sampler": sampler, "n": n, "d": d,
                "error": lines[-1] if lines else f"exit code {exc.returncode}"}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--dims", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=SAMPLERS)
    parser.add_argument("--k", type=int, default=20, help="timed suggestions per run")
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    results = []
    for d in args.dims:
        for sampler in args.samplers:
            capped = False
            for n in sorted(args.n):
                r = ({"sampler": sampler, "n": n, "d": d, "skipped": True} if capped
                     else _spawn(sampler, n, d, args))
                capped = capped or bool(r.get("capped") or r.get("error"))
                results.append(r)
                print(json.dumps(r), flush=True)

    def cell(r: dict[str, Any]) -> str:
        if r.get("skipped"):
            return "skipped"
        if r.get("error"):
            return "error"
        if "seconds" not in r:
            return f"> {args.max_seconds:g} s"
        return f"{r['seconds']:.3g} / {r['cpu_seconds']:.3g} ({r['peak_rss_mb']:.0f} MB)"

    by_key = {(r["sampler"], r["n"], r["d"]): r for r in results}
    rows = []
    for d in args.dims:
        for n in sorted(args.n):
            row = [str(d), str(n)] + [cell(by_key[(s, n, d)]) for s in args.samplers]
            tr, gp = by_key.get(("bbopt-tr", n, d)), by_key.get(("bbopt-gp", n, d))
            if tr and gp and "seconds" in tr and "seconds" in gp:
                row.append(f"{gp['cpu_seconds'] / tr['cpu_seconds']:.1f}")
            elif "bbopt-gp" in args.samplers and "bbopt-tr" in args.samplers:
                row.append("")
            rows.append(row)
    header = ["d", "n"] + [f"{s} wall / CPU s per suggestion (peak RSS)"
                           for s in args.samplers]
    if "bbopt-gp" in args.samplers and "bbopt-tr" in args.samplers:
        header.append("gp/tr (CPU)")
    print(markdown_table(header, rows))
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": machine_info(), "threads": args.threads,
                                         "k": args.k, "results": results}, indent=1))


if __name__ == "__main__":
    main()
