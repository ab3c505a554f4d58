"""The runner: every (problem, optimizer, seed) run, in parallel, resumable.

Notations: a run spends ``n_evals`` evaluations; its best-so-far trace is kept
compact, as the evaluation counts ``evals`` (1-based, increasing) at which the
best value improved and the regrets ``regrets`` (best value minus the known
minimum, decreasing) from there on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bbopt._validation import ensure_bool, ensure_finite_real, ensure_int
from bbopt.benchmark._optimizers import BudgetExhausted, Optimizer, make_optimizer
from bbopt.benchmark._problems import Problem, budget_evaluations

#: Version of the results-file format (a field of every record).
FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Run:
    """The record of one run: which problem, optimizer and seed, its trace and times.

    Attributes
    ----------
    problem : str
        The problem's key, ``"name/d<n_dims>/i<instance>"``.
    function : str
        The function's name (``-rot`` when rotated).
    n_dims, instance : int
    minimum : float
        The known minimum.
    optimizer : str
        The optimizer's label.
    spec : str
        The optimizer's full specification.
    seed : int
        The seed of the run, as given to `run`.
    n_evals : int
        Evaluations spent (the budget).
    evals : ndarray of int64, shape (k,)
        Evaluation counts (1-based, increasing) at which the best value improved.
    regrets : ndarray of float64, shape (k,)
        The best regret (best value minus ``minimum``) from each of ``evals`` on.
    time : float
        Wall-clock seconds of the optimizer itself (the run minus the evaluations).
    cpu_time : float
        CPU seconds of the optimizer's process, minus those of the evaluations.
    eval_time : float
        Wall-clock seconds spent in the function.
    max_evals : int
        The budget in evaluations (default ``n_evals``); an optimizer that
        stops by itself spends fewer.

    Examples
    --------
    >>> from bbopt.benchmark import Problem, run
    >>> (record,) = run([Problem("sphere", 3, instance=1)], ["random"], budget=10, seeds=1)
    >>> record.key
    ('Sphere/d3/i1', 'random', 0, 30)
    >>> bool(record.regret_at(30) == record.regrets[-1] == min(record.regrets))
    True
    """

    problem: str
    function: str
    n_dims: int
    instance: int
    minimum: float
    optimizer: str
    spec: str
    seed: int
    n_evals: int
    evals: NDArray[np.int64]
    regrets: NDArray[np.float64]
    time: float
    cpu_time: float
    eval_time: float
    max_evals: int = -1

    def __post_init__(self) -> None:
        if self.max_evals < 0:
            object.__setattr__(self, "max_evals", self.n_evals)

    @property
    def key(self) -> tuple[str, str, int, int]:
        """``(problem, optimizer, seed, max_evals)``: what identifies a run in a results file."""
        return (self.problem, self.optimizer, self.seed, self.max_evals)

    def regret_at(self, n: ArrayLikeInt) -> NDArray[np.float64]:
        """Best regret after ``n`` evaluations (inf before the first; past the end: the last).

        Examples
        --------
        >>> import numpy as np
        >>> from bbopt.benchmark import Run
        >>> run = Run("f/d1/i0", "f", 1, 0, 0.0, "opt", "opt", 0, 10,
        ...           np.array([2, 5]), np.array([3.0, 0.5]), 0.0, 0.0, 0.0)
        >>> run.regret_at([1, 2, 4, 5, 100]).tolist()
        [inf, 3.0, 3.0, 0.5, 0.5]
        """
        index = np.searchsorted(self.evals, np.asarray(n), side="right") - 1
        padded = np.concatenate(([math.inf], self.regrets))
        return padded[index + 1]

    def to_json(self) -> str:
        """One line of a results file."""
        fields = dataclasses.asdict(self)
        fields["evals"] = self.evals.tolist()
        fields["regrets"] = self.regrets.tolist()
        fields["format"] = FORMAT_VERSION
        return json.dumps(fields, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Run:
        """A record from one line of a results file."""
        fields = json.loads(line)
        fields.pop("format", None)
        fields["evals"] = np.asarray(fields["evals"], dtype=np.int64)
        fields["regrets"] = np.asarray(fields["regrets"], dtype=np.float64)
        return cls(**fields)


ArrayLikeInt = int | Sequence[int] | NDArray[np.int64]


class _Evaluator:
    """``evaluate(x)`` for one run: stores the value, times the function, stops at the budget."""

    __slots__ = ("count", "cpu", "function", "n_evals", "values", "wall")

    def __init__(self, function: Callable[[NDArray[np.float64]], float], n_evals: int) -> None:
        self.function = function
        self.n_evals = n_evals
        self.values = np.full(n_evals, math.inf)
        self.count = 0
        self.wall = 0.0
        self.cpu = 0.0

    def __call__(self, x: NDArray[np.float64]) -> float:
        if self.count >= self.n_evals:
            raise BudgetExhausted
        wall, cpu = time.perf_counter(), time.process_time()
        value = self.function(x)
        self.cpu += time.process_time() - cpu
        self.wall += time.perf_counter() - wall
        self.values[self.count] = value
        self.count += 1
        return value


def _trace(values: NDArray[np.float64], minimum: float
           ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The compact best-so-far trace of a run's values (NaN counts as no value)."""
    best = np.minimum.accumulate(np.where(np.isnan(values), math.inf, values))
    previous = np.concatenate(([math.inf], best[:-1]))
    improved = np.flatnonzero(best < previous)
    return (improved + 1).astype(np.int64), best[improved] - minimum


def run_one(problem: Problem, optimizer: Optimizer, seed: int, n_evals: int) -> Run:
    """Run one seeded search of ``problem`` with ``n_evals`` evaluations; return its record.

    The optimizer's seed is derived from ``seed`` and the problem's instance,
    so that runs of a function that cannot be moved still differ by instance.

    Parameters
    ----------
    problem : Problem
    optimizer : Optimizer
    seed : int
    n_evals : int

    Returns
    -------
    Run

    Examples
    --------
    >>> from bbopt.benchmark import BboptSampler, Problem, run_one
    >>> record = run_one(Problem("branin"), BboptSampler("qmc"), seed=0, n_evals=16)
    >>> record.n_evals, record.optimizer
    (16, 'qmc')
    """
    evaluator = _Evaluator(problem, n_evals)
    optimizer_seed = int(np.random.SeedSequence([seed, problem.instance]).generate_state(1)[0]
                         >> 1)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        optimizer.minimize(problem, n_evals, optimizer_seed, evaluator)
    except BudgetExhausted:
        pass
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    values = evaluator.values[: evaluator.count]
    evals, regrets = _trace(values, problem.minimum)
    return Run(**problem.record(), optimizer=optimizer.label, spec=optimizer.spec, seed=seed,
               n_evals=evaluator.count, evals=evals, regrets=regrets,
               time=max(wall - evaluator.wall, 0.0), cpu_time=max(cpu - evaluator.cpu, 0.0),
               eval_time=evaluator.wall, max_evals=n_evals)


def _run_task(task: tuple[Problem, Optimizer, int, int]) -> str:
    return run_one(*task).to_json()


def load(path: str | os.PathLike[str]) -> list[Run]:
    """Return the runs of a results file (JSON lines), in order.

    A last line cut short (a run interrupted while being written) is ignored.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    list of Run

    Examples
    --------
    >>> import os, tempfile
    >>> from bbopt.benchmark import Problem, load, run
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.jsonl")
    >>> runs = run([Problem("sphere", 2)], ["random"], budget=5, seeds=3, results=path)
    >>> [r.key for r in load(path)] == [r.key for r in runs]
    True
    """
    runs = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            runs.append(Run.from_json(line))
        except (json.JSONDecodeError, TypeError, KeyError) as exc:
            if number == len(lines):
                break  # an interrupted write
            raise ValueError(f"{path}:{number} is not a run record: {exc}") from None
    return runs


def _optimizers(optimizers: Any, owner: str) -> list[Optimizer]:
    if isinstance(optimizers, (str, Optimizer)):
        optimizers = [optimizers]
    if isinstance(optimizers, Mapping):
        built = []
        for label, spec in optimizers.items():
            optimizer = make_optimizer(spec)
            if label != optimizer.label:
                optimizer = _relabel(optimizer, label)
            built.append(optimizer)
    elif isinstance(optimizers, Iterable):
        built = [make_optimizer(spec) for spec in optimizers]
    else:
        raise TypeError(f"The 'optimizers' parameter of {owner} must be a list of optimizers "
                        f"(or names), or a dict of labels to them. Got {optimizers!r} instead.")
    labels = [o.label for o in built]
    if not built or len(set(labels)) != len(labels):
        raise ValueError(f"The 'optimizers' parameter of {owner} must hold at least one "
                         f"optimizer, with distinct labels. Got labels {labels!r} instead.")
    return built


def _relabel(optimizer: Optimizer, label: Any) -> Optimizer:
    if not isinstance(label, str) or not label:
        raise ValueError(f"The labels of 'optimizers' must be non-empty str. Got {label!r}.")
    import copy

    renamed = copy.copy(optimizer)
    renamed.label = label
    return renamed


def _problems(problems: Any, owner: str) -> list[Problem]:
    if isinstance(problems, Problem):
        problems = [problems]
    if not isinstance(problems, Iterable) or isinstance(problems, str):
        raise TypeError(f"The 'problems' parameter of {owner} must be a list of Problem. "
                        f"Got {problems!r} instead.")
    problems = list(problems)
    if not problems or not all(isinstance(p, Problem) for p in problems):
        raise TypeError(f"The 'problems' parameter of {owner} must be a non-empty list of "
                        f"Problem (see make_problems). Got {problems!r} instead.")
    keys = [p.key for p in problems]
    if len(set(keys)) != len(keys):
        raise ValueError(f"The 'problems' parameter of {owner} must hold distinct problems. "
                         f"Got keys {keys!r} instead.")
    return problems


def _seeds(seeds: Any, owner: str) -> list[int]:
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        return list(range(ensure_int(seeds, "seeds", owner, minimum=1)))
    if not isinstance(seeds, Iterable):
        raise TypeError(f"The 'seeds' parameter of {owner} must be an int or a list of ints. "
                        f"Got {seeds!r} instead.")
    out = [ensure_int(s, "seeds", owner, minimum=0) for s in seeds]
    if not out or len(set(out)) != len(out):
        raise ValueError(f"The 'seeds' parameter of {owner} must hold distinct seeds. "
                         f"Got {seeds!r} instead.")
    return out


def run(
    problems: Problem | Sequence[Problem],
    optimizers: str | Optimizer | Sequence[str | Optimizer] | Mapping[str, str | Optimizer],
    *,
    budget: float = 100,
    seeds: int | Sequence[int] = 5,
    n_jobs: int = 1,
    executor: concurrent.futures.Executor | str | None = None,
    results: str | os.PathLike[str] | None = None,
    verbose: bool = False,
) -> list[Run]:
    """Run every optimizer on every problem with every seed; return the records.

    Parameters
    ----------
    problems : Problem or sequence of Problem
        See `Problem` and `make_problems`.
    optimizers : optimizer, name, or a list or dict of them
        `Optimizer` objects or texts of `make_optimizer` (``"tpe"``,
        ``"optuna.TPESampler"``, ...); a dict gives them labels.
    budget : float, default 100
        Evaluations per run, as a multiple of the problem's dimension
        (``budget * n_dims``, rounded up).
    seeds : int or sequence of int, default 5
        Seeds, or a count ``k`` for seeds ``0, ..., k - 1``.
    n_jobs : int, default 1
        Runs at a time. With ``n_jobs > 1`` and no ``executor``, they run on a
        pool of ``n_jobs`` processes (problems and optimizers must then be
        picklable).
    executor : "process" or concurrent.futures.Executor, optional
        Where runs go: ``"process"`` (a new process pool of ``n_jobs``
        workers), or your executor (a ``ProcessPoolExecutor``, a Dask
        client's ``client.get_executor()``...).
    results : str or path-like, optional
        A results file (JSON lines). Each finished run is appended to it at
        once; runs already in it are not run again (an interrupted benchmark
        resumes where it stopped).
    verbose : bool, default False
        Print a line per finished run.

    Returns
    -------
    list of Run
        One per (problem, optimizer, seed), in that order (problems outermost).

    Raises
    ------
    ValueError
        If the results file holds a run with the same label but another
        specification of its optimizer.

    Examples
    --------
    >>> from bbopt.benchmark import ecdf_scores, make_problems, run
    >>> problems = make_problems(["sphere", "rastrigin"], dims=2, instances=2)
    >>> runs = run(problems, ["random", "tpe"], budget=20, seeds=2)
    >>> len(runs), runs[0].n_evals
    (16, 40)
    >>> ecdf_scores(runs, budgets=[1, 20]).column("n_runs")
    [8, 8]
    """
    owner = "run"
    problem_list = _problems(problems, owner)
    optimizer_list = _optimizers(optimizers, owner)
    budget = ensure_finite_real(budget, "budget", owner)
    if not budget > 0:
        raise ValueError(f"The 'budget' parameter of {owner} must be > 0. Got {budget!r} instead.")
    seed_list = _seeds(seeds, owner)
    n_jobs = ensure_int(n_jobs, "n_jobs", owner, minimum=1)
    verbose = ensure_bool(verbose, "verbose", owner)
    if not (executor is None or executor == "process"
            or isinstance(executor, concurrent.futures.Executor)):
        raise ValueError(f"The 'executor' parameter of {owner} must be None, 'process' or a "
                         f"concurrent.futures.Executor. Got {executor!r} instead.")

    tasks = [(p, o, s, budget_evaluations(budget, p.n_dims))
             for p in problem_list for o in optimizer_list for s in seed_list]
    done: dict[tuple[str, str, int, int], Run] = {}
    path = None if results is None else Path(results)
    if path is not None and path.exists():
        specs = {o.label: o.spec for o in optimizer_list}
        for record in load(path):
            if record.optimizer in specs and record.spec != specs[record.optimizer]:
                raise ValueError(
                    f"The 'results' file {str(path)!r} holds runs of optimizer "
                    f"{record.optimizer!r} as {record.spec!r}, not {specs[record.optimizer]!r}: "
                    "give this optimizer another label, or use another file."
                )
            done[record.key] = record
    todo = [t for t in tasks if (t[0].key, t[1].label, t[2], t[3]) not in done]

    with _Writer(path) as write:
        for line in _execute(todo, n_jobs, executor):
            record = Run.from_json(line)
            write(line)
            done[record.key] = record
            if verbose:
                print(f"{record.problem} {record.optimizer} seed {record.seed}: regret "
                      f"{record.regrets[-1] if record.regrets.size else math.inf:.3g} "
                      f"({record.time:.2f} s)", flush=True)
    return [done[(p.key, o.label, s, n)] for p, o, s, n in tasks]


class _Writer:
    """Appends run records to a results file; several processes may share the file (each
    record is written under an exclusive lock where the platform has ``fcntl``)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.file: Any = None

    def __enter__(self) -> Callable[[str], None]:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(self.path, "a", encoding="utf-8")
            with _locked(self.file):
                # A record cut short by an interruption (no final newline) is dropped.
                data = self.path.read_bytes()
                if data and not data.endswith(b"\n"):
                    with open(self.path, "r+b") as f:
                        f.truncate(data.rfind(b"\n") + 1)
        return self.write

    def write(self, line: str) -> None:
        if self.file is not None:
            with _locked(self.file):
                self.file.write(line + "\n")
                self.file.flush()

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()


@contextlib.contextmanager
def _locked(file: Any) -> Iterator[None]:
    """Hold an exclusive lock on ``file`` (no lock without ``fcntl``: Windows)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fcntl.flock(file.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _execute(tasks: list[tuple[Problem, Optimizer, int, int]], n_jobs: int,
             executor: concurrent.futures.Executor | str | None) -> Iterator[str]:
    """Yield the JSON line of each task as it finishes (in order when serial)."""
    if not tasks:
        return
    if executor is None and n_jobs == 1:
        for task in tasks:
            yield _run_task(task)
        return
    own = not isinstance(executor, concurrent.futures.Executor)
    pool = (concurrent.futures.ProcessPoolExecutor(max_workers=n_jobs) if own
            else executor)
    assert isinstance(pool, concurrent.futures.Executor)
    try:
        futures = [pool.submit(_run_task, task) for task in tasks]
        try:
            for future in concurrent.futures.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
