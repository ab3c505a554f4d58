"""Storages that workers on many machines share: PostgreSQL and journal files, beside Optuna's.

Two parts, each measurement in a fresh subprocess that imports only the
library it measures, repeated ``--repeats`` times in alternating order (the
table gives the median):

``asktell``
    A study already holding ``--n`` trials (10 float parameters, random
    sampler) gets ``--k`` more trials asked and told; the table gives the
    time per ask+tell. Two ways of asking: ``space`` (the whole search space
    at once: bbopt's ``study.ask(space)``, Optuna's
    ``study.ask(fixed_distributions)``) and ``define-by-run`` (ten
    ``trial.suggest_float`` calls). Storages: bbopt's ``PostgreSQLStorage``
    (by default, and with ``param_delay=0.05``: ``bbopt-postgres-delayed``)
    and Optuna 5's ``RDBStorage`` (SQLAlchemy over psycopg 3) on the same
    server, each in a database of its own created for the run; bbopt's
    ``JournalFileStorage`` and Optuna's ``JournalStorage(JournalFileBackend)``
    in the same folder; bbopt's ``SQLiteStorage`` there too (``bbopt-sqlite``).
    The ``n`` trials are added beforehand, untimed.
``tpe``
    The same study of ``--tpe-n`` trials (10 floats, values of a sphere)
    in memory and on PostgreSQL (``synchronous="full"``, the default, and
    ``"normal"``), or in an SQLite file (``--wheres``); ``--tpe-k`` trials of
    bbopt's ``TPESampler`` are asked (whole space) and told; the table gives
    the time per trial and the ratio to memory, and the CPU time per trial of
    the benchmark's process plus, on PostgreSQL, of its server process (read
    from ``/proc``, so the server must run on the same machine): unlike the
    time, it hardly moves with the load of other jobs.

``roundtrips``
    Round trips to the server per ask+tell of bbopt's ``PostgreSQLStorage``
    (whole space, define-by-run, TPE), counted in the driver (psycopg's
    waits for the server outside a pipeline, plus one per pipeline or
    statements sent together through libpq (``_raw``), plus one when the
    answer of a write sent without waiting had not arrived by the next
    call), and the parameter writes sent without waiting.

The server should be a real one (``fsync`` on): ``--url`` names a role that
may create databases.

Usage::

    python benchmarks/shared_storage.py --url postgresql://postgres:pw@localhost:5432/postgres \\
        --parts asktell tpe --json results/shared_storage.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

N_DIMS = 10
N_WARMUP = 10
LIBS = ("bbopt-postgres", "bbopt-postgres-delayed", "optuna-rdb-postgres", "bbopt-journal",
        "optuna-journal", "bbopt-sqlite")
PARAM_DELAY = 0.05  # bbopt-postgres-delayed: PostgreSQLStorage(param_delay=PARAM_DELAY)
MODES = ("space", "define-by-run")
WHERES = ("memory", "postgres", "postgres-normal", "sqlite")
ROUND_TRIP_MODES = ("space", "define-by-run", "define-by-run-delayed", "tpe")


# -- a database of its own per measurement ------------------------------------------


def _with_database(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    base, _, rest = url.rpartition("/")
    query = rest.partition("?")[2]
    return f"{base}/{name}" + (f"?{query}" if query else "")


class _Database:
    """A database created on the server of ``url`` for one measurement, then dropped."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.admin = url
        self.name = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.name}")
        self.url = _with_database(url, self.name)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE {self.name} WITH (FORCE)")


# -- workers (each in a fresh process) -------------------------------------------------


def _timed(ask: Any, tell: Any, k: int, warmup: int = N_WARMUP) -> float:
    """Milliseconds per ask+tell over ``k`` trials, after a warm-up."""
    for _ in range(warmup):
        tell(ask())
    start = time.perf_counter()
    for _ in range(k):
        tell(ask())
    return 1e3 * (time.perf_counter() - start) / k


def _fill_values(n: int) -> list[dict[str, float]]:
    draw = random.Random(0)  # the values of the filled trials do not matter
    return [{f"x{i}": draw.uniform(-5, 5) for i in range(N_DIMS)} for _ in range(n)]


def _asktell_bbopt(backend: str, mode: str, n: int, k: int, url: str,
                   folder: str) -> dict[str, Any]:
    import bbopt
    from bbopt.samplers import RandomSampler

    space = {f"x{i}": bbopt.FloatDistribution(-5, 5) for i in range(N_DIMS)}
    database = _Database(url) if backend.startswith("postgres") else None
    target = database.url if database else (
        f"sqlite:///{os.path.join(folder, 'bbopt.db')}" if backend == "sqlite"
        else f"journal:///{os.path.join(folder, 'bbopt.log')}")
    try:
        filler = bbopt.create_study(study_name="s", storage=target,
                                    sampler=RandomSampler(seed=1))
        numbers, x = filler.ask_array(n, space)  # the n trials in two writes
        filler.tell_array(numbers, x.sum(axis=1))
        storage: Any = target
        if backend == "postgres-delayed":
            storage = bbopt.storage.PostgreSQLStorage(target, param_delay=PARAM_DELAY)
        study = bbopt.load_study(study_name="s", storage=storage,
                                 sampler=RandomSampler(seed=0))
        study.get_observations()
        if mode == "space":
            def ask() -> Any:
                return study.ask(space)
        else:
            def ask() -> Any:
                trial = study.ask()
                for name in space:
                    trial.suggest_float(name, -5, 5)
                return trial
        ms = _timed(ask, lambda t: study.tell(t, sum(t.params.values())), k)
        ok = len(study.trials) == n + k + N_WARMUP
        return {"status": "ok" if ok else "wrong trial count", "per_trial_ms": ms}
    finally:
        if database:
            database.drop()


def _asktell_optuna(backend: str, mode: str, n: int, k: int, url: str,
                    folder: str) -> dict[str, Any]:
    import optuna
    from optuna.distributions import FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = {f"x{i}": FloatDistribution(-5, 5) for i in range(N_DIMS)}
    database = _Database(url) if backend == "postgres" else None
    try:
        if database:
            target = database.url.replace("postgresql://", "postgresql+psycopg://", 1)

            def storage() -> Any:
                return optuna.storages.RDBStorage(target)
        else:
            from optuna.storages.journal import JournalFileBackend, JournalStorage

            path = os.path.join(folder, "optuna.log")

            def storage() -> Any:
                return JournalStorage(JournalFileBackend(path))

        filler = optuna.create_study(study_name="s", storage=storage())
        filler.add_trials(
            optuna.trial.create_trial(params=row, distributions=space, value=sum(row.values()))
            for row in _fill_values(n))
        study = optuna.load_study(study_name="s", storage=storage(),
                                  sampler=optuna.samplers.RandomSampler(seed=0))
        study.get_trials(deepcopy=False)
        if mode == "space":
            def ask() -> Any:
                return study.ask(fixed_distributions=space)
        else:
            def ask() -> Any:
                trial = study.ask()
                for name in space:
                    trial.suggest_float(name, -5, 5)
                return trial
        ms = _timed(ask, lambda t: study.tell(t, sum(t.params.values())), k)
        ok = len(study.trials) == n + k + N_WARMUP
        return {"status": "ok" if ok else "wrong trial count", "per_trial_ms": ms}
    finally:
        if database:
            database.drop()


def _tpe(where: str, n: int, k: int, url: str) -> dict[str, Any]:
    import bbopt
    from bbopt.samplers import RandomSampler, TPESampler

    space = {f"x{i}": bbopt.FloatDistribution(-5, 5) for i in range(N_DIMS)}
    database = _Database(url) if where.startswith("postgres") else None
    folder = tempfile.TemporaryDirectory()
    try:
        storage: Any = bbopt.storage.InMemoryStorage()
        if where == "sqlite":
            storage = bbopt.storage.SQLiteStorage(os.path.join(folder.name, "bbopt.db"))
        if database:
            storage = bbopt.storage.PostgreSQLStorage(
                database.url, synchronous="normal" if where.endswith("normal") else "full")
        filler = bbopt.create_study(study_name="s", storage=storage,
                                    sampler=RandomSampler(seed=1))
        numbers, x = filler.ask_array(n, space)  # the n trials in two writes
        filler.tell_array(numbers, (x**2).sum(axis=1))
        study = bbopt.load_study(study_name="s", storage=storage, sampler=TPESampler(seed=0))
        ask = lambda: study.ask(space)  # noqa: E731
        tell = lambda t: study.tell(t, sum(v * v for v in t.params.values()))  # noqa: E731
        for _ in range(N_WARMUP):
            tell(ask())
        cpu = [time.process_time(), _backend_cpu(storage)]
        ms = _timed(ask, tell, k, warmup=0)
        # CPU seconds of this process and of its server process (same machine) per
        # timed trial: what the load of other jobs hardly changes.
        client = 1e3 * (time.process_time() - cpu[0]) / k
        server = 1e3 * (_backend_cpu(storage) - cpu[1]) / k
        return {"status": "ok", "per_trial_ms": ms, "client_cpu_ms": client,
                "server_cpu_ms": server, "best": study.best_value}
    finally:
        folder.cleanup()
        if database:
            database.drop()


def _backend_cpu(storage: Any) -> float:
    """CPU seconds used so far by the server process of a PostgreSQL storage's
    connection (0 for other storages, or if the server is on another machine)."""
    if type(storage).__name__ != "PostgreSQLStorage":
        return 0.0
    pid = storage._connection().info.backend_pid
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _roundtrips(url: str) -> dict[str, float]:
    import psycopg

    import bbopt
    from bbopt.samplers import RandomSampler, TPESampler

    count = [0]
    wait = psycopg.Connection.wait

    def counted(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        # Statements of a pipeline are sent without waiting: only its end waits.
        if self._pipeline is None or getattr(gen, "__name__", "") == "_exit_gen":
            count[0] += 1
        return wait(self, gen, *args, **kwargs)

    psycopg.Connection.wait = counted  # type: ignore[method-assign]
    sent = [0]
    send_params = bbopt.storage.PostgreSQLStorage._send_params

    def counted_send(self: Any, *args: Any) -> None:
        sent[0] += 1
        send_params(self, *args)

    bbopt.storage.PostgreSQLStorage._send_params = counted_send  # type: ignore[method-assign]
    settle = bbopt.storage.PostgreSQLStorage._settle

    def counted_settle(self: Any, conn: Any) -> None:
        conn.pgconn.consume_input()
        if conn.pgconn.is_busy():  # the answer is not there yet: a wait
            count[0] += 1
        settle(self, conn)

    bbopt.storage.PostgreSQLStorage._settle = counted_settle  # type: ignore[method-assign]
    raw = bbopt.storage.PostgreSQLStorage._raw

    def counted_raw(self: Any, *args: Any) -> Any:
        count[0] += 1  # one round trip (answers of writes in flight included)
        return raw(self, *args)

    bbopt.storage.PostgreSQLStorage._raw = counted_raw  # type: ignore[method-assign]
    space = {f"x{i}": bbopt.FloatDistribution(-5, 5) for i in range(N_DIMS)}
    result = {}
    database = _Database(url)
    try:
        for mode in ROUND_TRIP_MODES:
            sampler = TPESampler(seed=0) if mode == "tpe" else RandomSampler(seed=0)
            storage = bbopt.storage.PostgreSQLStorage(
                database.url, param_delay=PARAM_DELAY if mode.endswith("delayed") else 0.0)
            study = bbopt.create_study(study_name=mode, storage=storage, sampler=sampler)

            def ask() -> Any:
                if not mode.startswith("define-by-run"):
                    return study.ask(space)
                trial = study.ask()
                for name in space:
                    trial.suggest_float(name, -5, 5)
                return trial

            for _ in range(20):  # past TPE's start-up trials
                trial = ask()
                study.tell(trial, sum(trial.params.values()))
            count[0] = sent[0] = 0
            for _ in range(10):
                trial = ask()
                study.tell(trial, sum(trial.params.values()))
            result[mode] = count[0] / 10
            result[f"{mode} (sent without waiting)"] = sent[0] / 10
            storage.close()
    finally:
        psycopg.Connection.wait = wait  # type: ignore[method-assign]
        bbopt.storage.PostgreSQLStorage._send_params = send_params  # type: ignore[method-assign]
        bbopt.storage.PostgreSQLStorage._settle = settle  # type: ignore[method-assign]
        bbopt.storage.PostgreSQLStorage._raw = raw  # type: ignore[method-assign]
        database.drop()
    return result


def _worker(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if args.worker == "roundtrips":
            result: dict[str, Any] = _roundtrips(args.url)
        elif args.worker == "asktell":
            library, _, backend = args.lib.partition("-")
            backend = backend.removeprefix("rdb-")  # rdb-postgres -> postgres
            run = _asktell_bbopt if library == "bbopt" else _asktell_optuna
            result = run(backend, args.mode, args.n, args.k, args.url, folder)
        else:
            result = _tpe(args.where, args.tpe_n, args.tpe_k, args.url)
    print(json.dumps(result))


# -- driver ----------------------------------------------------------------------------


def _median(results: list[dict[str, Any]], *keys: str) -> float | None:
    """The median over runs of the sum of ``keys`` (default the time per trial)."""
    keys = keys or ("per_trial_ms",)
    times = [sum(r[key] for key in keys) for r in results if r.get("status") == "ok"]
    return statistics.median(times) if len(times) == len(results) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL server's URL (a role "
                        "that may create databases)")
    parser.add_argument("--parts", nargs="+", choices=["roundtrips", "asktell", "tpe"],
                        default=["asktell", "tpe"])
    parser.add_argument("--libs", nargs="+", choices=LIBS, default=list(LIBS))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--n", type=int, default=1000, help="trials in the study (asktell)")
    parser.add_argument("--k", type=int, default=200, help="trials timed (asktell)")
    parser.add_argument("--tpe-n", type=int, default=10_000)
    parser.add_argument("--tpe-k", type=int, default=30)
    parser.add_argument("--wheres", nargs="+", choices=WHERES, default=list(WHERES[:3]),
                        help="storages of the tpe part (memory first: the reference)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=1800)
    parser.add_argument("--json", default=None)
    parser.add_argument("--worker", choices=["roundtrips", "asktell", "tpe"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--lib", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    script = str(Path(__file__).resolve())
    common = ["--url", args.url]
    results: dict[str, Any] = {"machine": _common.machine_info(), "asktell": {}, "tpe": {}}
    if "roundtrips" in args.parts:
        counts = _common.run_worker([script, "--worker", "roundtrips", *common],
                                    timeout=args.max_seconds)
        results["roundtrips"] = counts
        print("\nround trips to the server per ask+tell (PostgreSQLStorage, 10 floats)\n")
        print(_common.markdown_table(
            ["ask", "round trips", "writes sent without waiting"],
            [[mode, f"{counts.get(mode, 'failed')}",
              f"{counts.get(f'{mode} (sent without waiting)', 'failed')}"]
             for mode in ROUND_TRIP_MODES], "lrr"))

    def measure(key: tuple[str, ...], argv: list[str], store: dict[str, Any]) -> None:
        result = _common.run_worker([script, *argv, *common], timeout=args.max_seconds)
        store.setdefault("/".join(key), []).append(result)
        print(json.dumps({"key": key, **result}), file=sys.stderr, flush=True)

    if "asktell" in args.parts:
        for repeat in range(args.repeats):
            libs = args.libs if repeat % 2 == 0 else args.libs[::-1]  # alternate the order
            for mode in args.modes:
                for lib in libs:
                    measure((lib, mode), ["--worker", "asktell", "--lib", lib, "--mode", mode,
                                          "--n", str(args.n), "--k", str(args.k)],
                            results["asktell"])
        rows = []
        for mode in args.modes:
            for lib in args.libs:
                ms = _median(results["asktell"][f"{lib}/{mode}"])
                anchor = None if not lib.startswith("bbopt") else (
                    "optuna-rdb-postgres" if "postgres" in lib else "optuna-journal")
                ratio = ""
                if anchor in args.libs and ms is not None:
                    other = _median(results["asktell"][f"{anchor}/{mode}"])
                    ratio = "" if other is None else f"{other / ms:.1f}x"
                rows.append([lib, mode, "failed" if ms is None else f"{ms:.3f}", ratio])
        print(f"\nask+tell per trial, random sampler, 10 floats, study of {args.n:,} trials "
              f"(median of {args.repeats} runs of {args.k} trials)\n")
        print(_common.markdown_table(["storage", "ask", "ms / trial", "Optuna / bbopt"],
                                     rows, "llrr"))
    if "tpe" in args.parts:
        wheres = tuple(args.wheres)
        for repeat in range(args.repeats):
            for where in wheres if repeat % 2 == 0 else wheres[::-1]:
                measure((where,), ["--worker", "tpe", "--where", where, "--tpe-n",
                                   str(args.tpe_n), "--tpe-k", str(args.tpe_k)],
                        results["tpe"])
        medians = {where: _median(results["tpe"][where]) for where in wheres}
        cpu = {where: _median(results["tpe"][where], "client_cpu_ms", "server_cpu_ms")
               for where in wheres}
        memory, memory_cpu = medians["memory"], cpu["memory"]
        print(f"\nTPE ask+tell per trial on a study of {args.tpe_n:,} trials (10 floats, "
              f"median of {args.repeats} runs of {args.tpe_k} trials; CPU: this process "
              "plus its server process)\n")
        print(_common.markdown_table(
            ["storage", "ms / trial", "vs memory", "CPU ms / trial", "CPU vs memory"],
            [[where, "failed" if ms is None else f"{ms:.2f}",
              f"{ms / memory:.2f}x" if ms and memory else "",
              "failed" if cpu[where] is None else f"{cpu[where]:.2f}",
              f"{cpu[where] / memory_cpu:.2f}x" if cpu[where] and memory_cpu else ""]
             for where, ms in medians.items()], "lrrrr"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
