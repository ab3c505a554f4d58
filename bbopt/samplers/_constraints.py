"""Constraints shared by the samplers: recording, violations, and the models' uses.

A sampler given ``constraints_func(trial) -> sequence of floats`` keeps it as
``_constraints_func``; `bbopt.Study.tell` calls it when a trial finishes
COMPLETE or PRUNED (`record`, before the sampler's ``end``): the values are checked
and kept as the trial's system attribute ``"constraints"`` (a trial is
feasible when all its values are <= 0). Storages copy them into
`bbopt.storage.Observations.constraints`, so the models read them as one
array, never by loading trials:

- `violations`: the summed positive parts of each row (0 when feasible, inf
  for a row without constraint values);
- `constrained_keys`: TPE's ranking keys, feasible rows first by value, then
  infeasible ones by violation (the feasible-first split);
- `constrained_ranks`: NSGA-II/III's constrained domination (Deb, Pratap,
  Agarwal and Meyarivan 2002, section VI): feasible rows by non-domination
  rank, then infeasible ones by violation;
- `ConstrainedAcquisition`: the GP's log EI plus the log probability of
  feasibility under one GP per constraint (Gardner, Kusner, Xu, Weinberger
  and Cunningham 2014, "Bayesian optimization with inequality constraints").
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from bbopt._exceptions import BboptError
from bbopt._frozen import CONSTRAINTS_KEY, TrialState
from bbopt._validation import ensure_callable, is_numpy
from bbopt.samplers._context import SamplingContext

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from bbopt.surrogates import GaussianProcess

    FloatArray = NDArray[np.float64]

ConstraintsFunc = Callable[[Any], Sequence[float]]


class ConstraintsError(BboptError, ValueError):
    """A ``constraints_func`` raised or returned unusable values: its trial fails.

    `bbopt.Study.tell` marks the trial FAIL with this message as its
    ``fail_reason`` (a warning for bad values; the exception raised by the
    function itself is raised again).

    Examples
    --------
    >>> import warnings
    >>> import bbopt
    >>> sampler = bbopt.samplers.RandomSampler(constraints_func=lambda t: [float("nan")])
    >>> study = bbopt.create_study(sampler=sampler)
    >>> with warnings.catch_warnings(record=True):
    ...     frozen = study.tell(study.ask(), 1.0)
    >>> frozen.state.name, frozen.system_attrs["fail_reason"]
    ('FAIL', 'constraints_func of trial 0 returned NaN: [nan]. Constraint values must be ...')
    """


def check_constraints_func(value: Any, owner: str) -> ConstraintsFunc | None:
    """Check the ``constraints_func`` argument of a sampler (None or a callable)."""
    func: ConstraintsFunc | None = ensure_callable(value, "constraints_func", owner,
                                                   optional=True)
    return func


def constraints_func_of(sampler: Any) -> ConstraintsFunc | None:
    """The ``constraints_func`` a built-in sampler was given (None for any other sampler).

    `bbopt.Study.tell` calls `record` with it before the sampler's ``end``
    hook, so that a sampler needs no hook of its own to record constraints.
    """
    func: ConstraintsFunc | None = getattr(sampler, "_constraints_func", None)
    return func if callable(func) else None


def record(func: ConstraintsFunc | None, context: SamplingContext, state: TrialState) -> None:
    """Evaluate ``func`` on a finishing trial and keep its values (COMPLETE or PRUNED only).

    The function gets the trial as a `bbopt.FrozenTrial` (its parameters and
    attributes; its values are not stored yet), as in Optuna.

    Raises
    ------
    ConstraintsError
        The function raised, or returned something other than a sequence of
        finite-or-infinite floats of the study's constraint count.
    """
    if func is None or context.study is None or state not in (
            TrialState.COMPLETE, TrialState.PRUNED):
        return
    number = context.trial_number
    frozen = context.study._storage.get_trial(context.study._study_id, number)
    try:
        raw = func(frozen)
    except Exception as error:
        raise ConstraintsError(
            f"constraints_func raised {type(error).__name__} on trial {number}: {error}"
        ) from error
    values = _checked(raw, number, context.observations.constraints.shape[1])
    context.set_system_attr(CONSTRAINTS_KEY, values)
    context.constraints = values


def _checked(raw: Any, number: int, n_constraints: int) -> list[float]:
    """``raw`` as a list of floats, or ConstraintsError saying what is wrong."""
    rule = ("Constraint values must be a sequence of floats (real numbers, not NaN), "
            "feasible when all are <= 0")
    if isinstance(raw, (str, bytes)) or not hasattr(raw, "__len__") or not hasattr(
            raw, "__iter__"):
        raise ConstraintsError(
            f"constraints_func of trial {number} returned {raw!r}. {rule}.")
    items = list(raw)
    if not items or not all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                            and not is_numpy(v, "bool_") for v in items):
        raise ConstraintsError(
            f"constraints_func of trial {number} returned {raw!r}. {rule}.")
    values = [float(v) for v in items]
    if any(math.isnan(v) for v in values):
        raise ConstraintsError(
            f"constraints_func of trial {number} returned NaN: {values!r}. {rule}.")
    if n_constraints and len(values) != n_constraints:
        raise ConstraintsError(
            f"constraints_func of trial {number} returned {len(values)} values; earlier trials "
            f"of the study returned {n_constraints}. {rule}, as many for every trial.")
    return values


def violations(constraints: FloatArray) -> FloatArray:
    """Summed positive parts of each row of ``constraints`` (n, k): 0 when feasible.

    A row without constraint values (NaN) counts as infinitely violated; with
    ``k == 0`` every row is feasible.

    Examples
    --------
    >>> import numpy as np
    >>> violations(np.array([[-1.0, 0.0], [0.5, 2.0], [np.nan, np.nan]])).tolist()
    [0.0, 2.5, inf]
    """
    import numpy as np

    if constraints.shape[1] == 0:
        return np.zeros(constraints.shape[0])
    total = np.maximum(constraints, 0.0).sum(axis=1)
    return np.where(np.isnan(total), np.inf, total)


def constrained_keys(constraints: FloatArray, tier: FloatArray,
                     score: FloatArray) -> tuple[FloatArray, FloatArray]:
    """TPE's ranking keys with infeasible COMPLETE rows (tier 0) after the feasible ones.

    Keys sort by tier, then score (smaller is better): an infeasible complete
    row moves to tier 0.5, scored by its violation, so the good group is the
    best feasible trials, filled up with the least violating ones.
    """
    import numpy as np

    violation = violations(constraints)
    infeasible = (violation > 0.0) & (tier == 0.0)
    return np.where(infeasible, 0.5, tier), np.where(infeasible, violation, score)


def constrained_ranks(scores: FloatArray, violation: FloatArray) -> NDArray[np.int64]:
    """Ranks under constrained domination: feasible rows by non-domination, then violations.

    Parameters
    ----------
    scores : ndarray of shape (n, n_objectives)
        Minimised objectives.
    violation : ndarray of shape (n,)
        From `violations`.

    Returns
    -------
    ndarray of shape (n,)
        0 for the feasible Pareto set; infeasible rows after every feasible
        front, one rank per distinct violation, smallest first.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 2.0], [0.0, 3.0]])
    >>> constrained_ranks(scores, np.array([0.0, 1.0, 0.0, 0.5])).tolist()
    [0, 3, 1, 2]
    """
    import numpy as np

    from bbopt._kernels import nondominated_rank

    n = scores.shape[0]
    rank = np.empty(n, dtype=np.int64)
    feasible = np.flatnonzero(violation <= 0.0)
    n_fronts = 0
    if feasible.size:
        sub = np.ascontiguousarray(scores[feasible], dtype=np.float64)
        feasible_rank = np.empty(feasible.size, dtype=np.int64)
        nondominated_rank(sub, feasible.size, feasible_rank)
        rank[feasible] = feasible_rank
        n_fronts = int(feasible_rank.max()) + 1
    infeasible = np.flatnonzero(violation > 0.0)
    if infeasible.size:
        levels = np.unique(violation[infeasible], return_inverse=True)[1]
        rank[infeasible] = n_fronts + levels.ravel()
    return rank


def standardised_best(gp: GaussianProcess, y: FloatArray,
                      feasible: NDArray[np.bool_]) -> float | None:
    """The best feasible value of ``y`` on ``gp``'s standardised scale; None if none."""
    if not feasible.any():
        return None
    return float((y[feasible].min() - gp.y_shift) / gp.y_scale)


class LogAcquisition(Protocol):
    """What `ConstrainedAcquisition` wraps: a GP, or the multi-objective `LogEHVI`."""

    d: int

    def log_ei(self, x_new: FloatArray, best: float | None = None, grad: bool = False
               ) -> tuple[FloatArray, FloatArray | None]: ...


class ConstrainedAcquisition:
    """Log EI of ``gp`` plus the log probability that every constraint is <= 0.

    Parameters
    ----------
    gp : GaussianProcess or LogEHVI
        Of the objective (minimised), or the multi-objective acquisition.
    constraint_gps : sequence of GaussianProcess
        One per constraint, fitted to its values on the same inputs.

    ``log_ei(x, best, grad)`` has the signature of `GaussianProcess.log_ei`,
    so it stands in for it in the acquisition search. With ``best=None`` (no
    feasible observation yet) the score is the log probability of
    feasibility alone.
    """

    def __init__(self, gp: LogAcquisition, constraint_gps: Sequence[GaussianProcess]) -> None:
        self.gp = gp
        self.constraint_gps = list(constraint_gps)

    def log_ei(
        self, x_new: FloatArray, best: float | None = None, grad: bool = False
    ) -> tuple[FloatArray, FloatArray | None]:
        """Log EI (if ``best`` is not None) plus the summed log probabilities of feasibility."""
        import numpy as np
        from scipy import special  # with the GP, already loaded

        m = x_new.shape[0]
        if best is None:
            total, total_grad = np.zeros(m), (np.zeros((m, self.gp.d)) if grad else None)
        else:
            total, total_grad = self.gp.log_ei(x_new, best, grad)
        for cgp in self.constraint_gps:
            mean, var, grad_mean, grad_var = cgp.posterior(x_new, grad)
            var = np.maximum(var, 1e-12)
            sd = np.sqrt(var)
            threshold = -cgp.y_shift / cgp.y_scale  # 0 on the standardised scale
            z = (threshold - mean) / sd
            log_pof = special.log_ndtr(z)
            total = total + log_pof
            if grad:
                assert grad_mean is not None and grad_var is not None and total_grad is not None
                # d log Phi(z) / dz = phi(z) / Phi(z), computed in logs for large negative z.
                ratio = np.exp(-0.5 * z * z - 0.5 * math.log(2.0 * math.pi) - log_pof)
                dz = -grad_mean / sd[:, None] - (z / (2.0 * var))[:, None] * grad_var
                total_grad = total_grad + ratio[:, None] * dz
        return total, total_grad
