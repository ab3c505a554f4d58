"""Persistent storage: per-trial ask+tell cost, processes sharing a file, a Dask cluster.

Three parts, each run in fresh subprocesses that import only what they measure:

``overhead``
    A study already holding ``n`` trials (10 float parameters, random
    sampler) is opened with the library's default settings, then ``--k``
    more trials are asked (whole search space at once) and told; the table
    gives the mean time per ask+tell of those trials, and the time to open
    the study and read it once (``open``). Storages: bbopt's
    ``SQLiteStorage`` (default ``synchronous="full"``: every tell is flushed
    to disk; and ``"normal"``), Optuna's ``RDBStorage`` on SQLite and its
    ``JournalStorage`` on a file. The ``n`` trials are filled beforehand with
    ``add_trials`` under the fastest settings each library allows (bbopt:
    ``synchronous="normal"``; Optuna RDB: ``PRAGMA synchronous=OFF``), which
    is not timed. A flat cost in ``n`` means the suggestion path does not
    re-read the study.
``processes``
    ``k`` processes share one SQLite file, each running ``--trials`` /
    ``k`` trials of a trivial objective with ``study.optimize``: total
    trials per second. Writers are serialised by the file's lock, so with
    ``--synchronous full`` the total is bounded by the disk's flush rate.
``dask``
    ``study.optimize`` of an objective that sleeps ``--sleep`` seconds
    (a stand-in for a simulation), serially and on a
    ``dask.distributed.LocalCluster`` of ``k`` worker processes.

Usage::

    python benchmarks/storage_overhead.py --parts overhead --n 1000 10000 100000 \\
        --libs bbopt-sqlite bbopt-sqlite-normal optuna-rdb optuna-journal \\
        --json results/storage_overhead.json
    python benchmarks/storage_overhead.py --parts processes dask --workers 1 2 4
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

LIBS = ("bbopt-sqlite", "bbopt-sqlite-normal", "optuna-rdb", "optuna-journal")
N_DIMS = 10
N_WARMUP = 20


# -- workers (run in a fresh process) -----------------------------------------------------


def _overhead_bbopt(n: int, k: int, folder: str, synchronous: str) -> dict[str, Any]:
    import bbopt
    from bbopt.samplers import RandomSampler
    from bbopt.storage import SQLiteStorage

    path = os.path.join(folder, "bbopt.db")
    space = {f"x{i}": bbopt.FloatDistribution(-5, 5) for i in range(N_DIMS)}
    filler = bbopt.create_study(study_name="s", storage=SQLiteStorage(path, synchronous="normal"))
    sampler = RandomSampler(seed=0)
    draw = random.Random(0)  # the values of the filled trials do not matter
    filler.add_trials(
        bbopt.create_trial(params={name: draw.uniform(-5, 5) for name in space},
                           distributions=space, value=draw.random())
        for _ in range(n)
    )
    filler._storage.close()
    t0 = time.perf_counter()
    study = bbopt.load_study(study_name="s", storage=SQLiteStorage(path, synchronous=synchronous),
                             sampler=sampler)
    study.get_observations()
    t_open = time.perf_counter() - t0
    return _timed_loop(study, space, k, lambda t: t.params, t_open)


def _timed_loop(study: Any, space: Any, k: int, params: Any, t_open: float,
                ask_kwargs: str | None = None) -> dict[str, Any]:
    def ask() -> Any:
        return study.ask(space) if ask_kwargs is None else study.ask(**{ask_kwargs: space})

    for _ in range(N_WARMUP):
        trial = ask()
        study.tell(trial, sum(params(trial).values()))
    start = time.perf_counter()
    for _ in range(k):
        trial = ask()
        study.tell(trial, sum(params(trial).values()))
    elapsed = time.perf_counter() - start
    return {"status": "ok", "per_trial_ms": 1e3 * elapsed / k, "open_s": t_open}


def _overhead_optuna(n: int, k: int, folder: str, kind: str) -> dict[str, Any]:
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {f"x{i}": FloatDistribution(-5, 5) for i in range(N_DIMS)}
    draw = random.Random(0)
    trials = [
        optuna.trial.create_trial(params={name: draw.uniform(-5, 5) for name in space},
                                  distributions=space, value=draw.random())
        for _ in range(n)
    ]
    if kind == "rdb":
        url = f"sqlite:///{os.path.join(folder, 'optuna.db')}"
        import sqlalchemy

        fast = optuna.storages.RDBStorage(url)
        sqlalchemy.event.listen(fast.engine, "connect",
                                lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
        fast.engine.dispose()
        optuna.create_study(study_name="s", storage=fast).add_trials(trials)
        fast.engine.dispose()

        def open_storage() -> Any:
            return optuna.storages.RDBStorage(url)
    else:
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        path = os.path.join(folder, "optuna.log")
        optuna.create_study(study_name="s", storage=JournalStorage(JournalFileBackend(path))
                            ).add_trials(trials)

        def open_storage() -> Any:
            return JournalStorage(JournalFileBackend(path))

    t0 = time.perf_counter()
    study = optuna.load_study(study_name="s", storage=open_storage(),
                              sampler=optuna.samplers.RandomSampler(seed=0))
    study.get_trials(deepcopy=False)
    t_open = time.perf_counter() - t0
    return _timed_loop(study, space, k, lambda t: t.params, t_open,
                       ask_kwargs="fixed_distributions")


def _processes_worker(path: str, n_trials: int, seed: int, synchronous: str) -> None:
    import bbopt
    from bbopt.storage import SQLiteStorage

    study = bbopt.create_study(study_name="shared", load_if_exists=True,
                               storage=SQLiteStorage(path, synchronous=synchronous),
                               sampler=bbopt.samplers.RandomSampler(seed=seed))
    study.optimize(_cheap, n_trials=n_trials)


def _cheap(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(N_DIMS))


def _processes(k: int, total: int, folder: str, synchronous: str) -> dict[str, Any]:
    import multiprocessing

    import bbopt

    path = os.path.join(folder, "shared.db")
    bbopt.create_study(study_name="shared", storage=path)
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_processes_worker,
                             args=(path, total // k, seed, synchronous)) for seed in range(k)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - start
    study = bbopt.load_study(study_name="shared", storage=path)
    n_complete = len(study.get_trials(states=[bbopt.TrialState.COMPLETE]))
    numbers = [t.number for t in study.trials]
    return {"status": "ok", "trials_per_s": n_complete / elapsed, "n_complete": n_complete,
            "unique_numbers": len(set(numbers)) == len(numbers) == n_complete,
            "exit_codes": [p.exitcode for p in procs]}


def _sleepy(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    time.sleep(float(os.environ.get("BBOPT_BENCH_SLEEP", "0.1")))
    return (x - 1) ** 2 + (y + 2) ** 2


def _dask(k: int, n_trials: int, sleep: float) -> dict[str, Any]:
    import bbopt

    os.environ["BBOPT_BENCH_SLEEP"] = str(sleep)
    serial = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=0))
    start = time.perf_counter()
    serial.optimize(_sleepy, n_trials=n_trials)
    t_serial = time.perf_counter() - start
    try:
        import cloudpickle
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return {"status": "skipped: pip install 'bbopt[dask]'"}
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(os.environ.__setitem__, "BBOPT_BENCH_SLEEP", str(sleep))
        client.run(__import__, "bbopt._optimize")  # workers import bbopt before the clock
        study = bbopt.create_study(sampler=bbopt.samplers.TPESampler(seed=0))
        start = time.perf_counter()
        study.optimize(_sleepy, n_trials=n_trials, n_jobs=k, executor=client.get_executor())
        t_dask = time.perf_counter() - start
    return {"status": "ok", "serial_s": t_serial, "dask_s": t_dask,
            "speedup": t_serial / t_dask, "serial_best": serial.best_value,
            "dask_best": study.best_value}


def _worker(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if args.worker == "overhead":
            if args.lib.startswith("bbopt"):
                sync = "normal" if args.lib.endswith("normal") else "full"
                result = _overhead_bbopt(args.n[0], args.k, folder, sync)
            else:
                result = _overhead_optuna(args.n[0], args.k, folder, args.lib.split("-")[1])
        elif args.worker == "processes":
            result = _processes(args.workers[0], args.trials, folder, args.synchronous)
        else:
            result = _dask(args.workers[0], args.trials, args.sleep)
    print(json.dumps(result))


# -- driver ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", choices=["overhead", "processes", "dask"],
                        default=["overhead", "processes", "dask"])
    parser.add_argument("--n", nargs="+", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--k", type=int, default=200, help="trials timed per (lib, n)")
    parser.add_argument("--libs", nargs="+", choices=LIBS, default=list(LIBS))
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--trials", type=int, default=1000,
                        help="trials of the processes part (the dask part uses --dask-trials)")
    parser.add_argument("--dask-trials", type=int, default=40)
    parser.add_argument("--sleep", type=float, default=0.1)
    parser.add_argument("--synchronous", choices=["full", "normal"], default="full",
                        help="SQLiteStorage durability of the processes part")
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--json", type=str, default=None)
    parser.add_argument("--worker", choices=["overhead", "processes", "dask"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--lib", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return

    script = str(Path(__file__).resolve())
    results: dict[str, Any] = {"machine": _common.machine_info(), "overhead": [],
                               "processes": [], "dask": []}
    if "overhead" in args.parts:
        rows = []
        for n in args.n:
            for lib in args.libs:
                module = lib.split("-")[0]
                if not _common.is_installed(module):
                    result: dict[str, Any] = {"status": f"skipped: {module} not installed"}
                else:
                    result = _common.run_worker(
                        [script, "--worker", "overhead", "--lib", lib, "--n", str(n),
                         "--k", str(args.k)], timeout=args.max_seconds)
                result.update(lib=lib, n=n, k=args.k)
                results["overhead"].append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
        by_key = {(r["lib"], r["n"]): r for r in results["overhead"]}
        for r in results["overhead"]:
            base = by_key.get(("bbopt-sqlite", r["n"]), {})
            ok = r.get("status") == "ok" and base.get("status") == "ok"
            rows.append([
                r["lib"], f"{r['n']:,}",
                f"{r['per_trial_ms']:.3f}" if r.get("status") == "ok" else r.get("status", "?"),
                f"{r['open_s']:.2f}" if r.get("status") == "ok" else "",
                f"{r['per_trial_ms'] / base['per_trial_ms']:.1f}x" if ok else "",
            ])
        print("\nask+tell per trial on a study of n trials (10 floats, random sampler)\n")
        print(_common.markdown_table(
            ["storage", "n", "ms / trial", "open (s)", "vs bbopt-sqlite"], rows, "lrrrr"))
    if "processes" in args.parts:
        rows = []
        for k in args.workers:
            result = _common.run_worker(
                [script, "--worker", "processes", "--workers", str(k), "--trials",
                 str(args.trials), "--synchronous", args.synchronous], timeout=args.max_seconds)
            result.update(workers=k, trials=args.trials, synchronous=args.synchronous)
            results["processes"].append(result)
            rows.append([str(k), f"{result.get('trials_per_s', float('nan')):.0f}",
                         str(result.get("n_complete")), str(result.get("unique_numbers"))])
        print(f"\n{args.trials} trials by k processes sharing one SQLite file "
              f"(synchronous={args.synchronous})\n")
        print(_common.markdown_table(["processes", "trials / s", "complete", "unique numbers"],
                                     rows, "rrrr"))
    if "dask" in args.parts:
        rows = []
        for k in [w for w in args.workers if w > 1] or [2]:
            result = _common.run_worker(
                [script, "--worker", "dask", "--workers", str(k), "--trials",
                 str(args.dask_trials), "--sleep", str(args.sleep)], timeout=args.max_seconds)
            result.update(workers=k, trials=args.dask_trials, sleep=args.sleep)
            results["dask"].append(result)
            if result.get("status") == "ok":
                rows.append([str(k), f"{result['serial_s']:.2f}", f"{result['dask_s']:.2f}",
                             f"{result['speedup']:.2f}", f"{result['serial_best']:.3g}",
                             f"{result['dask_best']:.3g}"])
            else:
                rows.append([str(k), result.get("status", "?"), "", "", "", ""])
        print(f"\n{args.dask_trials} trials of a {args.sleep} s objective: serial vs "
              "Dask LocalCluster\n")
        print(_common.markdown_table(
            ["workers", "serial (s)", "dask (s)", "speedup", "serial best", "dask best"],
            rows, "rrrrrr"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
