"""Scores of benchmark runs: runtime ECDFs, median regrets, ranks, paired tests.

Notations: ``runs`` records of `bbopt.benchmark.run`; a *target* ``t`` is a
precision, reached by a run after ``n`` evaluations when its best regret
(best value minus the known minimum) after ``n`` evaluations is ``<= t``; the
*runtime* of a (run, target) pair is the first such ``n`` (inf if never).
Budgets are multiples of the dimension ``d``: budget ``b`` is ``ceil(b d)``
evaluations. A run that ended before a budget counts with what it had reached
at its end (no simulated restarts, unlike COCO's bootstrapped ECDFs).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bbopt._validation import ensure_finite_real, ensure_int
from bbopt.benchmark._problems import budget_evaluations
from bbopt.benchmark._runner import Run

#: The 51 targets of the runtime ECDF: 10^2, 10^1.8, ..., 10^-8 (COCO's default precisions).
TARGETS: NDArray[np.float64] = 10.0 ** np.linspace(2.0, -8.0, 51)

#: Regrets below this are equal for ranks and tests (the smallest target).
REGRET_FLOOR = 1e-8

_FIELDS = ("optimizer", "function", "n_dims", "problem", "instance", "seed")


class Table:
    """Rows of named columns, printed as a Markdown table.

    Attributes
    ----------
    columns : tuple of str
    rows : list of tuple

    Examples
    --------
    >>> from bbopt.benchmark import Table
    >>> table = Table(["optimizer", "score"], [("tpe", 0.51234), ("random", 0.25)])
    >>> print(table)
    | optimizer | score |
    |-----------|------:|
    | tpe       | 0.512 |
    | random    |  0.25 |
    >>> table.column("score")
    [0.51234, 0.25]
    """

    def __init__(self, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.columns = tuple(columns)
        self.rows = [tuple(row) for row in rows]

    def column(self, name: str) -> list[Any]:
        """The values of one column."""
        j = self.columns.index(name)
        return [row[j] for row in self.rows]

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts of column name to value."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Table(columns={self.columns!r}, n_rows={len(self.rows)})"

    def __str__(self) -> str:
        return self.to_markdown()

    def to_markdown(self, digits: int = 3) -> str:
        """The table in GitHub Markdown, numbers with ``digits`` significant digits."""
        def cell(value: Any) -> str:
            if isinstance(value, float):
                return f"{value:.{digits}g}"
            return str(value)

        text = [[cell(v) for v in row] for row in self.rows]
        numeric = [all(isinstance(row[j], (int, float)) and not isinstance(row[j], bool)
                       for row in self.rows) and bool(self.rows)
                   for j in range(len(self.columns))]
        widths = [max([len(c)] + [len(row[j]) for row in text])
                  for j, c in enumerate(self.columns)]

        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(c.rjust(w) if r else c.ljust(w)
                                     for c, w, r in zip(cells, widths, numeric)) + " |"

        rule = "|" + "|".join("-" * (w + 1) + ":" if r else "-" * (w + 2)
                              for w, r in zip(widths, numeric)) + "|"
        return "\n".join([line(self.columns), rule, *(line(row) for row in text)])


def _by(by: str | Sequence[str], owner: str) -> tuple[str, ...]:
    fields = (by,) if isinstance(by, str) else tuple(by)
    for field in fields:
        if field not in _FIELDS:
            raise ValueError(f"The 'by' parameter of {owner} must name fields among "
                             f"{_FIELDS}. Got {by!r} instead.")
    return fields


def _runs(runs: Iterable[Run], owner: str) -> list[Run]:
    out = list(runs)
    if not out or not all(isinstance(r, Run) for r in out):
        raise ValueError(f"The 'runs' parameter of {owner} must be a non-empty list of Run "
                         f"(from run or load). Got {len(out)} items instead.")
    return out


def _groups(runs: list[Run], fields: tuple[str, ...]) -> dict[tuple[Any, ...], list[Run]]:
    groups: dict[tuple[Any, ...], list[Run]] = {}
    for r in runs:
        groups.setdefault(tuple(getattr(r, f) for f in fields), []).append(r)
    return groups


def _targets(targets: ArrayLike | None, owner: str) -> NDArray[np.float64]:
    if targets is None:
        return TARGETS
    array = np.asarray(targets, dtype=np.float64).ravel()
    if array.size == 0 or not np.all(array > 0) or not np.all(np.isfinite(array)):
        raise ValueError(f"The 'targets' parameter of {owner} must be positive finite "
                         f"precisions. Got {targets!r} instead.")
    return array


def _budgets(budgets: ArrayLike, owner: str) -> list[float]:
    values = np.atleast_1d(np.asarray(budgets, dtype=np.float64)).tolist()
    if not values or not all(math.isfinite(b) and b > 0 for b in values):
        raise ValueError(f"The 'budgets' parameter of {owner} must be positive multiples of "
                         f"the dimension. Got {budgets!r} instead.")
    return values


def runtimes(run: Run, targets: ArrayLike | None = None) -> NDArray[np.float64]:
    """Return the runtime of each target: the first evaluation count that reaches it.

    Parameters
    ----------
    run : Run
    targets : array-like of shape (n_targets,), optional
        Precisions (default `TARGETS`).

    Returns
    -------
    ndarray of shape (n_targets,)
        Evaluation counts (floats), inf for targets never reached.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Run, runtimes
    >>> run = Run("f/d2/i0", "f", 2, 0, 0.0, "opt", "opt", 0, 20,
    ...           np.array([1, 4, 9]), np.array([50.0, 2.0, 0.01]), 0.0, 0.0, 0.0)
    >>> runtimes(run, [100, 10, 1, 1e-3]).tolist()
    [1.0, 4.0, 9.0, inf]
    """
    targets = _targets(targets, "runtimes")
    # The regrets decrease: the first one <= t is found by bisection on -regrets.
    index = np.searchsorted(-run.regrets, -targets, side="left")
    found = index < run.regrets.size
    out = np.full(targets.shape, math.inf)
    out[found] = run.evals[index[found]]
    return out


def ecdf_scores(
    runs: Iterable[Run],
    budgets: ArrayLike = (1, 2, 5, 10, 20, 50, 100),
    *,
    by: str | Sequence[str] = "optimizer",
    targets: ArrayLike | None = None,
) -> Table:
    """Runtime-ECDF score: the fraction of (run, target) pairs reached within each budget.

    For a group of runs and a budget ``b`` (a multiple of the dimension), the
    score is the mean over runs and targets of [best regret after
    ``ceil(b d)`` evaluations ``<= t``]: 1 when every run reached 10^-8 of the
    minimum, 0 when none came within 10^2. It is the height of the COCO-style
    ECDF curve at ``b``.

    Parameters
    ----------
    runs : iterable of Run
    budgets : array-like of float, default (1, 2, 5, 10, 20, 50, 100)
        Multiples of the dimension.
    by : str or sequence of str, default "optimizer"
        Group by these fields (among ``optimizer``, ``function``, ``n_dims``,
        ``problem``, ``instance``, ``seed``): ``"optimizer"`` pools every
        problem, ``("function", "n_dims", "optimizer")`` scores each.
    targets : array-like, optional
        Precisions (default `TARGETS`).

    Returns
    -------
    Table
        The ``by`` columns, ``n_runs``, then one column per budget (``"10d"``).

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Run, ecdf_scores
    >>> run = Run("f/d2/i0", "f", 2, 0, 0.0, "opt", "opt", 0, 20,
    ...           np.array([1, 4, 9]), np.array([50.0, 2.0, 0.01]), 0.0, 0.0, 0.0)
    >>> ecdf_scores([run], budgets=[1, 2, 5, 100], targets=[100, 10, 1, 1e-3]).rows
    [('opt', 1, 0.25, 0.5, 0.75, 0.75)]
    """
    owner = "ecdf_scores"
    runs = _runs(runs, owner)
    fields = _by(by, owner)
    targets = _targets(targets, owner)
    budget_list = _budgets(budgets, owner)
    rows = []
    for key, group in _groups(runs, fields).items():
        scores = []
        times = np.stack([runtimes(r, targets) for r in group])  # (n_runs, n_targets)
        limits = np.array([[budget_evaluations(b, r.n_dims) for b in budget_list]
                           for r in group], dtype=np.float64)  # (n_runs, n_budgets)
        for j in range(len(budget_list)):
            scores.append(float(np.mean(times <= limits[:, j : j + 1])))
        rows.append((*key, len(group), *scores))
    return Table([*fields, "n_runs", *(f"{b:g}d" for b in budget_list)], rows)


@dataclasses.dataclass(frozen=True)
class ECDFCurve:
    """The runtime ECDF of a group of runs, as a step function of the budget.

    Attributes
    ----------
    label : str
    budgets : ndarray of shape (k,)
        Increasing budgets (multiples of the dimension) where the curve steps up.
    fractions : ndarray of shape (k,)
        Fraction of (run, target) pairs reached within each budget.
    max_budget : float
        The longest run of the group (the curve is flat after its last step).

    Examples
    --------
    See `ecdf_curves`, which returns them:

    >>> from bbopt.benchmark import ECDFCurve, Problem, ecdf_curves, run
    >>> runs = run([Problem("sphere", 2)], ["random"], budget=5, seeds=2)
    >>> curve = ecdf_curves(runs)[0]
    >>> isinstance(curve, ECDFCurve), curve.label, curve.max_budget
    (True, 'random', 5.0)
    """

    label: str
    budgets: NDArray[np.float64]
    fractions: NDArray[np.float64]
    max_budget: float


def ecdf_curves(runs: Iterable[Run], *, by: str | Sequence[str] = "optimizer",
                targets: ArrayLike | None = None) -> list[ECDFCurve]:
    """Return the runtime ECDF of each group of runs (the data of `plot_ecdf`).

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Run, ecdf_curves
    >>> run = Run("f/d2/i0", "f", 2, 0, 0.0, "opt", "opt", 0, 20,
    ...           np.array([1, 4, 9]), np.array([50.0, 2.0, 0.01]), 0.0, 0.0, 0.0)
    >>> curve = ecdf_curves([run], targets=[100, 10, 1, 1e-3])[0]
    >>> curve.budgets.tolist(), curve.fractions.tolist(), curve.max_budget
    ([0.5, 2.0, 4.5], [0.25, 0.5, 0.75], 10.0)
    """
    owner = "ecdf_curves"
    runs = _runs(runs, owner)
    fields = _by(by, owner)
    targets = _targets(targets, owner)
    curves = []
    for key, group in _groups(runs, fields).items():
        scaled = np.concatenate([runtimes(r, targets) / r.n_dims for r in group])
        finite = np.sort(scaled[np.isfinite(scaled)])
        budgets, counts = np.unique(finite, return_counts=True)
        curves.append(ECDFCurve(
            label=" ".join(str(k) for k in key), budgets=budgets,
            fractions=np.cumsum(counts) / scaled.size,
            max_budget=max(r.n_evals / r.n_dims for r in group)))
    return curves


def _final_regrets(group: list[Run], budget: float | None) -> NDArray[np.float64]:
    if budget is None:
        return np.array([r.regret_at(r.n_evals) for r in group], dtype=np.float64)
    return np.array([r.regret_at(budget_evaluations(budget, r.n_dims)) for r in group],
                    dtype=np.float64)


def median_regret(
    runs: Iterable[Run],
    budget: float | None = None,
    *,
    by: str | Sequence[str] = ("function", "n_dims", "optimizer"),
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Table:
    """Median best regret at a budget, with a bootstrap confidence interval.

    Parameters
    ----------
    runs : iterable of Run
    budget : float, optional
        Multiple of the dimension (default: each run's end).
    by : str or sequence of str, default ("function", "n_dims", "optimizer")
        Group by these fields.
    n_bootstrap : int, default 1000
        Resamples of the runs of a group (with replacement).
    confidence : float, default 0.95
        Level of the percentile interval.
    seed : int, default 0
        Seed of the resampling.

    Returns
    -------
    Table
        The ``by`` columns, ``n_runs``, ``median``, ``low``, ``high``.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Run, median_regret
    >>> runs = [Run("f/d1/i0", "f", 1, 0, 0.0, "opt", "opt", s, 10,
    ...             np.array([1]), np.array([float(s)]), 0.0, 0.0, 0.0) for s in range(5)]
    >>> median_regret(runs).rows
    [('f', 1, 'opt', 5, 2.0, 0.0, 4.0)]
    """
    owner = "median_regret"
    runs = _runs(runs, owner)
    fields = _by(by, owner)
    if budget is not None:
        budget = ensure_finite_real(budget, "budget", owner)
    n_bootstrap = ensure_int(n_bootstrap, "n_bootstrap", owner, minimum=1)
    confidence = ensure_finite_real(confidence, "confidence", owner)
    if not 0 < confidence < 1:
        raise ValueError(f"The 'confidence' parameter of {owner} must be in (0, 1). "
                         f"Got {confidence!r} instead.")
    rng = np.random.default_rng(ensure_int(seed, "seed", owner, minimum=0))
    alpha = 100 * (1 - confidence) / 2
    rows = []
    for key, group in _groups(runs, fields).items():
        regrets = _final_regrets(group, budget)
        resampled = regrets[rng.integers(0, regrets.size, (n_bootstrap, regrets.size))]
        medians = np.median(resampled, axis=1)
        low, high = np.percentile(medians, [alpha, 100 - alpha])
        rows.append((*key, len(group), float(np.median(regrets)), float(low), float(high)))
    return Table([*fields, "n_runs", "median", "low", "high"], rows)


def _blocks(runs: list[Run], budget: float | None) -> tuple[list[str], dict[tuple[Any, ...],
                                                                          dict[str, float]]]:
    """Regret of each optimizer per (problem, seed) block, floored at `REGRET_FLOOR`."""
    optimizers = list(dict.fromkeys(r.optimizer for r in runs))
    blocks: dict[tuple[Any, ...], dict[str, float]] = {}
    for r in runs:
        value = _final_regrets([r], budget)[0]
        blocks.setdefault((r.function, r.n_dims, r.problem, r.seed), {})[r.optimizer] = \
            max(float(value), REGRET_FLOOR)
    return optimizers, blocks


def rank_table(runs: Iterable[Run], budget: float | None = None) -> Table:
    """Mean rank of each optimizer per function and dimension, and over all problems.

    In each block of runs of the same problem and seed, the optimizers are
    ranked by best regret at ``budget`` (1 = best; ties share the mean rank;
    regrets below `REGRET_FLOOR` are equal). Blocks that miss an optimizer are
    left out.

    Parameters
    ----------
    runs : iterable of Run
    budget : float, optional
        Multiple of the dimension (default: each run's end).

    Returns
    -------
    Table
        ``function``, ``n_dims``, then one column per optimizer; the last row
        (``"all"``) averages every block.

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Run, rank_table
    >>> def record(optimizer, seed, regret):
    ...     return Run("f/d1/i0", "f", 1, 0, 0.0, optimizer, optimizer, seed, 10,
    ...                np.array([1]), np.array([regret]), 0.0, 0.0, 0.0)
    >>> runs = [record("a", 0, 1.0), record("b", 0, 2.0), record("a", 1, 3.0), record("b", 1, 2.0)]
    >>> rank_table(runs).rows
    [('f', 1, 1.5, 1.5), ('all', '', 1.5, 1.5)]
    """
    from scipy.stats import rankdata

    owner = "rank_table"
    runs = _runs(runs, owner)
    if budget is not None:
        budget = ensure_finite_real(budget, "budget", owner)
    optimizers, blocks = _blocks(runs, budget)
    per_function: dict[tuple[Any, ...], list[NDArray[np.float64]]] = {}
    for (function, n_dims, _, _), values in blocks.items():
        if len(values) == len(optimizers):
            ranks = rankdata([values[o] for o in optimizers])
            per_function.setdefault((function, n_dims), []).append(ranks)
    rows: list[tuple[Any, ...]] = [
        (*key, *np.mean(ranks, axis=0).tolist()) for key, ranks in per_function.items()]
    every = [r for ranks in per_function.values() for r in ranks]
    if every:
        rows.append(("all", "", *np.mean(every, axis=0).tolist()))
    return Table(["function", "n_dims", *optimizers], rows)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The paired comparison of two optimizers (see `compare`).

    Attributes
    ----------
    a, b : str
        The optimizers' labels.
    n_pairs : int
        Runs paired by problem (function, dimension, instance) and seed.
    n_a_better, n_b_better, n_ties : int
        Pairs where ``a``'s regret is lower, higher, equal.
    median_log10_ratio : float
        Median of log10(regret of a / regret of b): negative when ``a`` is better.
    statistic, pvalue : float
        Wilcoxon signed-rank test (two-sided) of the log-ratios; NaN statistic
        and p-value 1 when every pair is a tie.

    Examples
    --------
    >>> from bbopt.benchmark import Comparison
    >>> print(Comparison("a", "b", 10, 8, 2, 0, -0.7, 6.0, 0.037))
    a vs b: 10 pairs, a better in 8, b better in 2, ties 0; median log10 regret ratio -0.7; Wilcoxon signed-rank p = 0.037
    """

    a: str
    b: str
    n_pairs: int
    n_a_better: int
    n_b_better: int
    n_ties: int
    median_log10_ratio: float
    statistic: float
    pvalue: float

    def __str__(self) -> str:
        return (f"{self.a} vs {self.b}: {self.n_pairs} pairs, {self.a} better in "
                f"{self.n_a_better}, {self.b} better in {self.n_b_better}, ties {self.n_ties}; "
                f"median log10 regret ratio {self.median_log10_ratio:+.3g}; Wilcoxon "
                f"signed-rank p = {self.pvalue:.3g}")


def compare(runs: Iterable[Run], a: str, b: str, budget: float | None = None) -> Comparison:
    """Paired statistical test of two optimizers: Wilcoxon signed-rank on log regrets.

    Runs of ``a`` and ``b`` are paired by problem (function, dimension,
    instance) and seed; the test is on the log10 ratios of their best regrets
    at ``budget`` (floored at `REGRET_FLOOR`), so that functions of different
    scales weigh alike. ``scipy.stats.wilcoxon`` does the test.

    Parameters
    ----------
    runs : iterable of Run
    a, b : str
        Optimizer labels.
    budget : float, optional
        Multiple of the dimension (default: each run's end).

    Returns
    -------
    Comparison

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Run, compare
    >>> def record(optimizer, seed, regret):
    ...     return Run("f/d1/i0", "f", 1, 0, 0.0, optimizer, optimizer, seed, 10,
    ...                np.array([1]), np.array([regret]), 0.0, 0.0, 0.0)
    >>> runs = [record("a", s, 1.0) for s in range(8)] + [
    ...     record("b", s, 10.0 * (s + 1)) for s in range(8)]
    >>> result = compare(runs, "a", "b")
    >>> result.n_a_better, round(result.pvalue, 4)
    (8, 0.0078)
    """
    from scipy.stats import wilcoxon

    owner = "compare"
    runs = _runs(runs, owner)
    labels = {r.optimizer for r in runs}
    for name, label in (("a", a), ("b", b)):
        if label not in labels:
            raise ValueError(f"The '{name}' parameter of {owner} must be an optimizer of the "
                             f"runs, one of {sorted(labels)}. Got {label!r} instead.")
    if a == b:
        raise ValueError(f"The 'a' and 'b' parameters of {owner} must differ. Got {a!r} twice.")
    if budget is not None:
        budget = ensure_finite_real(budget, "budget", owner)
    _, blocks = _blocks([r for r in runs if r.optimizer in (a, b)], budget)
    pairs = [(v[a], v[b]) for v in blocks.values() if a in v and b in v]
    if not pairs:
        raise ValueError(f"The runs of {a!r} and {b!r} passed to {owner} share no "
                         "(problem, seed): nothing to pair.")
    big = np.finfo(np.float64).max
    ra, rb = (np.minimum(np.array(x, dtype=np.float64), big) for x in zip(*pairs))
    ratios = np.log10(ra) - np.log10(rb)
    n_ties = int(np.sum(ratios == 0))
    if n_ties == len(ratios):
        statistic, pvalue = math.nan, 1.0
    else:
        test = wilcoxon(ratios, zero_method="wilcox", alternative="two-sided")
        statistic, pvalue = float(test.statistic), float(test.pvalue)
    return Comparison(a=a, b=b, n_pairs=len(pairs), n_a_better=int(np.sum(ratios < 0)),
                      n_b_better=int(np.sum(ratios > 0)), n_ties=n_ties,
                      median_log10_ratio=float(np.median(ratios)),
                      statistic=statistic, pvalue=pvalue)


@dataclasses.dataclass(frozen=True)
class RegretCurve:
    """Quartiles of the best regret over the runs of one optimizer, after each evaluation.

    Attributes
    ----------
    label : str
    evals : ndarray of shape (n,)
        1, 2, ..., the longest run.
    median, lower, upper : ndarray of shape (n,)
        Median, first and third quartiles (inf before a run's first value).

    Examples
    --------
    See `regret_curves`, which returns them.

    >>> from bbopt.benchmark import Problem, RegretCurve, regret_curves, run
    >>> runs = run([Problem("sphere", 2)], ["random"], budget=5, seeds=3)
    >>> curve = regret_curves(runs)[0]
    >>> isinstance(curve, RegretCurve), curve.evals[-1]
    (True, np.int64(10))
    """

    label: str
    evals: NDArray[np.int64]
    median: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]


def regret_curves(runs: Iterable[Run], function: str | None = None,
                  n_dims: int | None = None) -> list[RegretCurve]:
    """Quartile curves of the best regret of each optimizer (the data of `plot_regret`).

    Parameters
    ----------
    runs : iterable of Run
    function : str, optional
        Keep the runs of this function only.
    n_dims : int, optional
        Keep the runs of this dimension only.

    Returns
    -------
    list of RegretCurve

    Examples
    --------
    >>> import numpy as np
    >>> from bbopt.benchmark import Problem, regret_curves, run
    >>> runs = run([Problem("sphere", 2)], ["random", "tpe"], budget=10, seeds=3)
    >>> [c.label for c in regret_curves(runs)]
    ['random', 'tpe']
    >>> curve = regret_curves(runs)[1]
    >>> bool(np.all(np.diff(curve.median) <= 0))  # a best-so-far regret never rises
    True
    """
    owner = "regret_curves"
    kept = [r for r in _runs(runs, owner)
            if (function is None or r.function == function)
            and (n_dims is None or r.n_dims == n_dims)]
    if not kept:
        raise ValueError(f"No run of {owner}'s runs matches function={function!r}, "
                         f"n_dims={n_dims!r}.")
    curves = []
    for (label,), group in _groups(kept, ("optimizer",)).items():
        evals = np.arange(1, max(r.n_evals for r in group) + 1)
        regrets = np.stack([r.regret_at(evals) for r in group])  # (n_runs, n)
        lower, median, upper = np.percentile(regrets, [25, 50, 75], axis=0)
        curves.append(RegretCurve(label, evals, median, lower, upper))
    return curves


def score_matrix(runs: Iterable[Run], budget: float,
                 targets: ArrayLike | None = None
                 ) -> tuple[list[str], list[str], NDArray[np.float64]]:
    """ECDF score of each optimizer on each function and dimension at one budget.

    The data of `plot_score_heatmap`.

    Returns
    -------
    problems : list of str
        Row labels, ``"function d=<n_dims>"``.
    optimizers : list of str
        Column labels.
    scores : ndarray of shape (n_problems, n_optimizers)
        NaN where an optimizer has no run of a problem.

    Examples
    --------
    >>> from bbopt.benchmark import make_problems, run, score_matrix
    >>> runs = run(make_problems(["sphere", "branin"], dims=2, instances=1), ["random"],
    ...            budget=5, seeds=2)
    >>> problems, optimizers, scores = score_matrix(runs, 5)
    >>> problems, optimizers, scores.shape
    (['Sphere d=2', 'Branin d=2'], ['random'], (2, 1))
    """
    table = ecdf_scores(runs, [budget], by=("function", "n_dims", "optimizer"),
                        targets=targets)
    rows = list(dict.fromkeys(f"{f} d={d}" for f, d, *_ in table.rows))
    columns = list(dict.fromkeys(o for _, _, o, *_ in table.rows))
    scores = np.full((len(rows), len(columns)), math.nan)
    for f, d, o, _, score in table.rows:
        scores[rows.index(f"{f} d={d}"), columns.index(o)] = score
    return rows, columns, scores
