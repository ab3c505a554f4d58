"""The ``bbopt`` command line: a demo, ask/tell on a storage for any language, workers.

Every subcommand exits with 0 on success and prints its result on stdout
(JSON, or CSV for ``trials --format csv``); on failure it exits with 1 (2 for
bad usage) and prints one line ``bbopt: error: ...`` on stderr, having changed
nothing in the storage.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import importlib.util
import io
import json
import math
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

# Only what every storage command needs: a sampler, a storage backend, the plots or
# the test functions are imported by the command that uses them.
from bbopt._distributions import BaseDistribution, distribution_from_dict
from bbopt._frozen import FrozenTrial, TrialState
from bbopt._named_samplers import SAMPLERS
from bbopt._study import Study, copy_study, create_study, delete_study, load_study
from bbopt.samplers._base import BaseSampler
from bbopt.storage._urls import (
    URL_FORMS,
    is_postgresql_url,
    parse_journal_url,
    parse_sqlite_url,
    storage_from_url,
)

if TYPE_CHECKING:
    from bbopt.storage import BaseStorage

# name -> (bbopt.testfunctions class, its arguments); imported by the demo only.
_DEMO_FUNCTIONS: dict[str, tuple[str, dict[str, int]]] = {
    "branin": ("Branin", {}),
    "hartmann6": ("Hartmann6", {}),
    "rosenbrock": ("Rosenbrock", {"n_dims": 4}),
    "ackley": ("Ackley", {"n_dims": 5}),
    "mixed": ("MixedAckley", {}),
}

# The kinds of bbopt.visualization.save_plot (listed here so that --help imports no plot code).
_PLOT_KINDS = ["contour", "optimization_history", "slice", "parallel_coordinate",
               "param_importances", "edf", "intermediate_values", "rank", "timeline",
               "pareto_front", "hypervolume_history"]

_NEGATIVE_NUMBER = re.compile(
    r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)


class CommandError(Exception):
    """A failure to report as one line on stderr, with exit code 1."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _benchmark_command() -> Any:
    """The module of ``bbopt benchmark`` (its options and its run), imported when needed."""
    from bbopt.benchmark import _command

    return _command


def _demo(args: argparse.Namespace) -> int:
    """Optimise a test function and print progress and the result."""
    from bbopt import testfunctions

    class_name, arguments = _DEMO_FUNCTIONS[args.function]
    function = getattr(testfunctions, class_name)(**arguments)
    sampler = SAMPLERS[args.sampler](args.seed)
    study = create_study(study_name=f"demo-{args.function}", sampler=sampler)
    print(f"bbopt demo: minimising {function!r} ({function.n_dims} parameters) with "
          f"{type(sampler).__name__}, {args.n_trials} trials; "
          f"known minimum {function.minimum:.6g}")
    print(f"{'trial':>7} {'value':>12} {'best':>12} {'regret':>12}")
    every = max(1, args.n_trials // 20)
    start = time.perf_counter()

    def report(study: Study, trial: FrozenTrial) -> None:
        if trial.number % every == 0 or trial.number == args.n_trials - 1:
            value = trial.value if trial.state == TrialState.COMPLETE else float("nan")
            best = study.best_value
            print(f"{trial.number:>7} {value:>12.6g} {best:>12.6g} "
                  f"{function.regret(best):>12.4g}")

    study.optimize(function.objective, n_trials=args.n_trials, callbacks=[report])
    elapsed = time.perf_counter() - start
    best = study.best_trial
    print(f"best value {best.value:.6g} (regret {function.regret(best.value or 0.0):.4g}) "
          f"at trial {best.number}, {elapsed:.2f} s in all")
    for name, value in best.params.items():
        print(f"  {name} = {value!r}")
    if not args.no_plots:
        _demo_plots(study, args.plot_dir)
    return 0


def _demo_plots(study: Study, directory: str) -> None:
    """Write the contour and optimization-history plots of the demo's study as PNG."""
    from bbopt.visualization import save_plot

    os.makedirs(directory, exist_ok=True)
    for kind in ("contour", "optimization_history"):
        path = os.path.join(directory, f"{study.study_name}-{kind}.png")
        try:
            save_plot(study, kind, path)
        except ImportError as error:
            print(f"bbopt demo: no plots: {_one_line(str(error))}", file=sys.stderr)
            return
        print(f"wrote {path}")


def _plot(args: argparse.Namespace, storage: BaseStorage) -> int:
    from bbopt.visualization import save_plot

    with_params = ["contour", "slice", "parallel_coordinate", "param_importances", "rank"]
    if args.params is not None and args.kind not in with_params:
        raise CommandError(f"--params applies to the kinds {', '.join(with_params)}; "
                           f"not to {args.kind!r}.")
    if (args.reference_point is None) == (args.kind == "hypervolume_history"):
        raise CommandError("--reference-point is needed by the kind hypervolume_history, "
                           f"and only by it (kind {args.kind!r}).")
    study = _load(args, storage)
    options: dict[str, Any] = {} if args.params is None else {"params": args.params}
    if args.reference_point is not None:
        options["reference_point"] = args.reference_point
    path = save_plot(study, args.kind, args.output, dpi=args.dpi, **options)
    _print_json({"kind": args.kind, "path": str(path)})
    return 0


# -- storage commands ------------------------------------------------------------


def _storage(url: str, create: bool = False, **options: Any) -> BaseStorage:
    """Open the storage of ``--storage`` (``options`` to its class); a file must exist
    unless ``create``."""
    if not create and not is_postgresql_url(url):
        path = (parse_journal_url(url) if url.startswith("journal:")
                else parse_sqlite_url(url) if url.startswith("sqlite:") else url)
        if "://" not in path and path != ":memory:" and not os.path.exists(path):
            raise CommandError(
                f"No storage file {path!r} (--storage {url}); create a study in it first with "
                "'bbopt create-study'."
            )
    try:
        return storage_from_url(url, **options)
    except ValueError as error:
        if "'storage' parameter" in str(error):
            raise CommandError(f"--storage must be {URL_FORMS}. Got {url!r}.") from None
        raise


def _print_json(data: Any) -> None:
    print(json.dumps(data, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{value!r} is not JSON serialisable")


def _trial_json(trial: FrozenTrial) -> dict[str, Any]:
    return {
        "number": trial.number,
        "state": trial.state.name,
        "values": trial.values,
        "params": trial.params,
    }


def _create_study(args: argparse.Namespace, storage: BaseStorage) -> int:
    directions = args.directions or [args.direction]
    study = create_study(study_name=args.study, directions=directions, storage=storage,
                         load_if_exists=args.skip_if_exists, sampler=_NoSampling())
    _print_json({"study": study.study_name,
                 "directions": [d.name.lower() for d in study.directions]})
    return 0


def _search_space(text: str) -> dict[str, BaseDistribution]:
    """Parse ``--search-space``: inline JSON, or ``@file.json``."""
    if text.startswith("@"):
        try:
            with open(text[1:], encoding="utf-8") as f:
                text = f.read()
        except OSError as error:
            raise CommandError(f"Cannot read the search space file {text[1:]!r}: {error}.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"--search-space is not valid JSON ({error}): {text!r}.") from None
    if not isinstance(data, dict) or not data:
        raise CommandError(
            f"--search-space must be a non-empty JSON object of name to distribution. "
            f"Got {text!r}."
        )
    space = {}
    for name, description in data.items():
        try:
            space[name] = distribution_from_dict(description)
        except (TypeError, ValueError) as error:
            raise CommandError(f"--search-space parameter {name!r}: {error}") from None
    return space


class _NoSampling(BaseSampler):
    """The sampler of a command that samples nothing (create-study, tell, trials, best...).

    It stands in for the default one: a new process has no sampler state to
    update, the default (AutoSampler) would load its models, and even a random
    sampler would load numpy's random module.
    """

    def sample_independent(self, study: Study, trial: Any, name: str,
                           distribution: BaseDistribution) -> float:
        raise RuntimeError(f"bbopt: this command cannot sample the parameter {name!r}.")


def _load(args: argparse.Namespace, storage: BaseStorage) -> Study:
    """The study, for a command that samples nothing."""
    return load_study(study_name=args.study, storage=storage, sampler=_NoSampling())


def _ask_sampler(args: argparse.Namespace, storage: BaseStorage) -> BaseSampler:
    seed = args.seed
    if seed is not None:
        # Each ask is a new process: vary the seed with the study's size so that
        # a fixed --seed gives reproducible, not repeated, suggestions.
        study_id = storage.get_study_id_from_name(args.study)
        seed = (seed * 1_000_003 + storage.get_n_trials(study_id)) % 2**32
    return SAMPLERS[args.sampler](seed)


def _ask(args: argparse.Namespace, storage: BaseStorage) -> int:
    space = _search_space(args.search_space)  # before anything touches the storage
    study = load_study(study_name=args.study, storage=storage,
                       sampler=_ask_sampler(args, storage))
    trial = study.ask(space)
    sync = getattr(storage, "sync", None)  # SQLite, PostgreSQL
    if sync is not None:
        sync()  # the simulation may run for days: the trial must survive a power cut
    _print_json({"number": trial.number, "params": trial.params})
    return 0


def _tell(args: argparse.Namespace, storage: BaseStorage) -> int:
    study = _load(args, storage)
    state = None if args.state is None else TrialState[args.state.upper()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frozen = study.tell(args.trial_number, args.values, state=state,
                            skip_if_finished=args.skip_if_finished)
    for warning in caught:
        print(f"bbopt: warning: {_one_line(str(warning.message))}", file=sys.stderr)
    _print_json(_trial_json(frozen))
    return 0


def _records(study: Study) -> list[dict[str, Any]]:
    records = study.trials_records()
    for record in records:
        for key, value in record.items():
            if isinstance(value, datetime.datetime):
                record[key] = value.isoformat()
    return records


def _trials(args: argparse.Namespace, storage: BaseStorage) -> int:
    study = _load(args, storage)
    records = _records(study)
    if args.format == "json":
        _print_json(records)
        return 0
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns) or ["number"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    sys.stdout.write(out.getvalue())
    return 0


def _best(args: argparse.Namespace, storage: BaseStorage) -> int:
    study = _load(args, storage)
    if len(study.directions) == 1:
        _print_json(_trial_json(study.best_trial))
    else:
        _print_json([_trial_json(t) for t in study.best_trials])
    return 0


def _import_optuna(args: argparse.Namespace, storage: BaseStorage) -> int:
    from bbopt._import_optuna import import_optuna

    names = import_optuna(args.source, storage, study_names=args.studies)
    _print_json({"imported": names})
    return 0


def _studies(args: argparse.Namespace, storage: BaseStorage) -> int:
    rows = []
    for name in storage.get_all_study_names():
        study_id = storage.get_study_id_from_name(name)
        rows.append({
            "study": name,
            "directions": [d.name.lower() for d in storage.get_study_directions(study_id)],
            "n_trials": storage.get_n_trials(study_id),
            "n_complete": storage.get_n_trials(study_id, states=[TrialState.COMPLETE]),
        })
    _print_json(rows)
    return 0


def _delete_study(args: argparse.Namespace, storage: BaseStorage) -> int:
    delete_study(args.study, storage)
    _print_json({"deleted": args.study})
    return 0


def _fail_stale(args: argparse.Namespace, storage: BaseStorage) -> int:
    from bbopt.storage import JournalFileStorage, PostgreSQLStorage, SQLiteStorage

    assert isinstance(storage, (SQLiteStorage, JournalFileStorage, PostgreSQLStorage))
    study_id = storage.get_study_id_from_name(args.study)
    failed = storage.fail_stale_trials(study_id, grace_period=args.grace_period)
    _print_json({"failed": failed})
    return 0


def _copy_study(args: argparse.Namespace, storage: BaseStorage) -> int:
    target = _storage(args.to, create=True)
    name = args.study if args.to_study is None else args.to_study
    try:
        copy_study(from_study_name=args.study, from_storage=storage, to_storage=target,
                   to_study_name=name)
        n_trials = target.get_n_trials(target.get_study_id_from_name(name))
    finally:
        _close(target)
    _print_json({"copied": args.study, "to": name, "n_trials": n_trials})
    return 0


# -- workers ----------------------------------------------------------------------------


def _objective(spec: str) -> Callable[..., Any]:
    """The function of ``--objective``: ``module:function`` or ``path/file.py:function``."""
    where, _, name = spec.rpartition(":")
    if not where or not name.isidentifier():
        raise CommandError(
            f"--objective must be 'module:function' or 'path/to/file.py:function'. "
            f"Got {spec!r}."
        )
    if where.endswith(".py"):
        if not os.path.isfile(where):
            raise CommandError(f"--objective: no file {where!r}.")
        # Its folder first on the path, as for 'python file.py': it may import its siblings.
        sys.path.insert(0, os.path.dirname(os.path.abspath(where)))
        loaded = importlib.util.spec_from_file_location("__bbopt_objective__", where)
        assert loaded is not None and loaded.loader is not None
        module = importlib.util.module_from_spec(loaded)
        sys.modules[loaded.name] = module  # so that the objective pickles for process pools
        loaded.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())  # as for 'python -m module'
        module = importlib.import_module(where)
    function = getattr(module, name, None)
    if not callable(function):
        raise CommandError(f"--objective: {where!r} has no function {name!r}.")
    return function  # type: ignore[no-any-return]


class _Terminated(BaseException):
    """The worker received SIGTERM (raised in the main thread by its handler)."""


def _worker(args: argparse.Namespace, storage: BaseStorage) -> int:
    import signal
    import socket

    objective = _objective(args.objective)  # before anything touches the storage
    sampler = None if args.sampler is None else SAMPLERS[args.sampler](args.seed)
    if args.create:
        study = create_study(study_name=args.study, storage=storage, sampler=sampler,
                             directions=args.directions or [args.direction],
                             load_if_exists=True)
    else:
        study = load_study(study_name=args.study, storage=storage, sampler=sampler)
    ran = []
    callbacks: list[Callable[[Study, FrozenTrial], None]] = [
        lambda study, trial: ran.append(trial.state)]
    if args.max_trials is not None:
        from bbopt.callbacks import MaxTrialsCallback

        # Every trial counts, running ones too: workers stop as soon as the study is full.
        callbacks.append(MaxTrialsCallback(args.max_trials, states=None))
    full = args.max_trials is not None and len(study.trials) >= args.max_trials

    def terminate(signum: int, frame: Any) -> None:
        # A job scheduler's SIGTERM (SLURM's scancel, Kubernetes): the running trial
        # is marked FAIL (as for Ctrl-C) before the worker exits. Not a KeyboardInterrupt:
        # `python -m` would then end the process by SIGINT instead of exit code 130.
        raise _Terminated(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        if not full:
            study.optimize(objective, n_trials=args.n_trials, timeout=args.timeout,
                           catch=(Exception,) if args.catch else (), callbacks=callbacks)
    except (KeyboardInterrupt, _Terminated):
        print(f"bbopt worker: interrupted after {len(ran)} trials", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    states = [state.name for state in ran]
    best = None
    with contextlib.suppress(ValueError):  # no complete trial yet
        best = study.best_value if len(study.directions) == 1 else None
    _print_json({"study": args.study, "worker": f"{socket.gethostname()}:{os.getpid()}",
                 "n_trials": len(ran), "n_complete": states.count("COMPLETE"),
                 "study_n_trials": len(study.trials), "best_value": best})
    return 0


# -- parser --------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit code 2.

    Values such as ``-1e+16`` or ``-inf`` are read as numbers, not as options.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {_one_line(message)} (see usage: {self.prog} "
                     "--help)\n")


def _version() -> str:
    from bbopt._version import __version__

    return __version__


def _finite_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _grace(text: str) -> float:
    value = _finite_or_nan(text)
    if not value >= 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0: {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an int: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


class _NotBuilt:
    """Stands in for the parser of a subcommand other than the one run: its options are
    not built (each subcommand's parser costs about a millisecond, every call)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        pass

    def add_mutually_exclusive_group(self, **kwargs: Any) -> _NotBuilt:
        return self

    def set_defaults(self, **kwargs: Any) -> None:
        pass


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of the command line ``argv`` (default: ``sys.argv[1:]``).

    When ``argv`` starts with a subcommand, only that subcommand is built; the
    usage of ``bbopt``, ``bbopt --help`` and a misspelt subcommand get them all.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words and not words[0].startswith("-"):
        parser = _build_parser(words, only=words[0])
        if parser is not None:
            return parser
    full = _build_parser(words, only=None)
    assert full is not None
    return full


def _build_parser(words: list[str], only: str | None) -> argparse.ArgumentParser | None:
    """The parser of every subcommand, or of ``only`` (None if it names none)."""
    parser = _Parser(prog="bbopt", description="bbopt command line")
    parser.add_argument("--version", action="version", version=f"bbopt {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    built = []

    def add(name: str, **kwargs: Any) -> Any:
        if only is not None and name != only:
            return _NotBuilt()
        built.append(name)
        return commands.add_parser(name, **kwargs)

    demo_help = "optimise a test function and print the progress"
    demo = add(
        "demo", help=demo_help, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=f"{demo_help[0].upper()}{demo_help[1:]}: minimise a test function with a "
                    "known minimum, print a progress table (value, best so far, regret) and "
                    "the best parameters, and write a contour and an optimization-history "
                    "plot.")
    demo.add_argument("--function", choices=sorted(_DEMO_FUNCTIONS), default="hartmann6",
                      help="the test function")
    demo.add_argument("--sampler", choices=sorted(SAMPLERS), default="auto",
                      help="the sampler (auto: the default of create_study)")
    demo.add_argument("--n-trials", type=int, default=200, help="number of trials")
    demo.add_argument("--seed", type=int, default=0, help="seed of the sampler")
    demo.add_argument("--plot-dir", default=".",
                      help="where to write the contour and optimization-history plots (PNG; "
                           "needs the 'plot' extra)")
    demo.add_argument("--no-plots", action="store_true", help="write no plots")
    demo.set_defaults(run=_demo)
    bench = add(
        "benchmark", help="run optimizers on test functions; print runtime-ECDF scores",
        description="Run optimizers on test functions (resumable with --results) and print "
                    "runtime-ECDF scores, ranks and a paired test (see bbopt.benchmark).")
    # The benchmark's options need bbopt.benchmark: imported only for that command.
    if "benchmark" in words and not isinstance(bench, _NotBuilt):
        _benchmark_command().add_arguments(bench)

    def command(name: str, run: Any, help: str, study: bool = True,
                flags: tuple[str, ...] = ("--storage",)) -> Any:
        sub = add(name, help=help, description=help)
        sub.add_argument(*flags, dest="storage", required=True,
                         help="the storage: 'sqlite:///path.db' (or a path), "
                              "'journal:///path.log' or 'postgresql://user:pw@host/db'")
        if study:
            sub.add_argument("--study", required=True, help="the study name")
        sub.set_defaults(run=run, create=name in ("create-study", "import-optuna"))
        return sub

    def positive(kind: type) -> Any:
        def parse(text: str) -> Any:
            try:
                value = kind(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
            if not value > 0 or (kind is float and math.isinf(value)):
                raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
            return value
        return parse

    create = command("create-study", _create_study, "create a study (prints its name)")
    objectives = create.add_mutually_exclusive_group()
    objectives.add_argument("--direction", choices=["minimize", "maximize"], default="minimize")
    objectives.add_argument("--directions", nargs="+", choices=["minimize", "maximize"],
                            help="one per objective, for several objectives")
    create.add_argument("--skip-if-exists", action="store_true",
                        help="succeed if the study exists with the same directions")

    ask = command("ask", _ask, "start a trial; print {\"number\": N, \"params\": {...}}")
    ask.add_argument("--search-space", required=True,
                     help='JSON (or @file.json): {"x": {"type": "float", "low": 0, "high": 1}}')
    ask.add_argument("--sampler", choices=sorted(SAMPLERS), default="tpe")
    ask.add_argument("--seed", type=_seed, default=None)

    tell = command("tell", _tell, "finish a trial with its value(s) or a state")
    tell.add_argument("--trial-number", type=int, required=True)
    outcome = tell.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--values", nargs="+", type=_finite_or_nan,
                         help="one value per objective (NaN or inf marks the trial FAIL)")
    outcome.add_argument("--state", choices=["fail", "pruned"])
    tell.add_argument("--skip-if-finished", action="store_true",
                      help="succeed without change if the trial already finished")

    trials = command("trials", _trials, "print every trial (CSV or JSON)")
    trials.add_argument("--format", choices=["csv", "json"], default="csv")
    command("best", _best, "print the best trial (the Pareto set with several objectives)")
    command("studies", _studies, "print the studies of the storage", study=False)
    command("delete-study", _delete_study, "delete a study and its trials")
    stale = command("fail-stale-trials", _fail_stale,
                    "mark FAIL the RUNNING trials silent for --grace-period seconds")
    stale.add_argument("--grace-period", type=_grace, required=True)
    imported = command("import-optuna", _import_optuna,
                       "copy the studies of an Optuna storage file (RDB on SQLite, or "
                       "journal) into the storage; prints {\"imported\": [names]}; needs "
                       "no Optuna", study=False)
    imported.add_argument("source", help="the Optuna file: 'sqlite:///optuna.db', a .db "
                          "path or a journal file")
    imported.add_argument("--study", dest="studies", nargs="+", default=None,
                          help="the studies to import (default: all)")
    worker = command(
        "worker", _worker,
        "run trials of an objective on a shared study until a budget is spent; start as "
        "many as you like, on any machines (see docs/scaling.md); prints a summary as JSON")
    worker.add_argument("--objective", required=True,
                        help="the objective: 'module:function' (importable from the current "
                             "folder) or 'path/to/file.py:function'; it takes a trial")
    worker.add_argument("--n-trials", type=positive(int), default=None,
                        help="trials this worker runs (default: no limit)")
    worker.add_argument("--max-trials", type=positive(int), default=None,
                        help="stop when the study holds this many trials, counting every "
                             "worker's (it may exceed it by up to one per worker)")
    worker.add_argument("--timeout", type=positive(float), default=None,
                        help="seconds after which this worker starts no new trial")
    worker.add_argument("--sampler", choices=sorted(SAMPLERS), default=None,
                        help="default: the study's default (auto)")
    worker.add_argument("--seed", type=_seed, default=None,
                        help="seed of the sampler (give each worker its own)")
    worker.add_argument("--create", action="store_true",
                        help="create the study if it does not exist (workers may race)")
    directions = worker.add_mutually_exclusive_group()
    directions.add_argument("--direction", choices=["minimize", "maximize"],
                            default="minimize", help="with --create")
    directions.add_argument("--directions", nargs="+", choices=["minimize", "maximize"],
                            help="with --create, for several objectives")
    worker.add_argument("--catch", action="store_true",
                        help="a trial whose objective raises fails alone; the worker goes on")
    worker.add_argument("--heartbeat-interval", type=positive(float), default=60.0,
                        help="seconds between heartbeats of the running trial; a trial silent "
                             "for twice as long (its worker died) is failed by the next "
                             "worker's ask")
    copy = command("copy-study", _copy_study,
                   "copy a study and its trials into another storage (laptop to cluster "
                   "and back); prints {\"copied\": name, \"to\": name, \"n_trials\": N}",
                   flags=("--from", "--storage"))
    copy.add_argument("--to", required=True, help="the target storage URL (created if absent)")
    copy.add_argument("--to-study", default=None, help="the copy's name (default: the same)")
    plot = command("plot", _plot, "draw a plot of the study to a PNG, SVG or PDF file "
                   "(needs matplotlib: pip install \"bbopt[plot]\")")
    plot.add_argument("--kind", required=True, choices=_PLOT_KINDS)
    plot.add_argument("--output", required=True, help="the file: .png, .svg or .pdf")
    plot.add_argument("--params", nargs="+", default=None, help="parameters to show")
    plot.add_argument("--dpi", type=_seed, default=100)
    plot.add_argument("--reference-point", nargs="+", type=float, default=None,
                      help="hypervolume_history: one value per objective")
    return parser if built else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser(argv).parse_args(argv)
    if args.command == "benchmark":
        try:
            return _benchmark_command().main(args)
        except (ValueError, TypeError, OSError, ImportError) as error:
            print(f"bbopt benchmark: error: {_one_line(str(error))}", file=sys.stderr)
            return 1
    if args.command == "demo":
        if args.n_trials < 1:
            print("bbopt: error: --n-trials must be >= 1", file=sys.stderr)
            return 2
        if args.seed < 0:
            print("bbopt: error: --seed must be >= 0", file=sys.stderr)
            return 2
        return int(args.run(args))
    storage: BaseStorage | None = None
    options = {}
    if args.command == "worker":
        options = {"heartbeat_interval": args.heartbeat_interval}
    try:
        storage = _storage(args.storage, create=args.create, **options)
        return int(args.run(args, storage))
    # OSError includes TimeoutError, whose subclass StorageLockedError is a locked file.
    except (CommandError, ValueError, TypeError, KeyError, RuntimeError, OSError,
            ImportError) as error:
        print(f"bbopt {args.command}: error: {_one_line(str(error))}", file=sys.stderr)
        return 1
    finally:
        if storage is not None:
            _close(storage)


def _close(storage: BaseStorage) -> None:
    """Stop a storage's heartbeat thread and close its connection, if it has them."""
    close = getattr(storage, "close", None)
    if close is not None:
        close()
