"""`bbopt.minimize`: a scipy-style entry point over a box of real parameters."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bbopt._distributions import FloatDistribution
from bbopt._frozen import TrialState
from bbopt._named_samplers import SAMPLERS
from bbopt._study import Study, create_study
from bbopt._validation import ensure_int, ensure_seed
from bbopt.samplers import BaseSampler

if TYPE_CHECKING:
    import numpy as np

@dataclasses.dataclass
class OptimizeResult:
    """The outcome of `minimize`.

    Attributes
    ----------
    x : ndarray of shape (n_dims,)
        The best point found.
    fun : float
        ``func(x)``.
    nfev : int
        Number of evaluations of ``func``.
    x_history : ndarray of shape (nfev, n_dims)
        Every evaluated point, in order.
    fun_history : ndarray of shape (nfev,)
        Their values (NaN where ``func`` returned a non-finite value).
    study : Study
        The underlying study, for plots and further analysis.

    Examples
    --------
    >>> import bbopt
    >>> result = bbopt.minimize(lambda x: float(x[0] ** 2), [(-1, 1)], n_trials=8,
    ...                         sampler="random", seed=0)
    >>> result.nfev, result.x.shape, len(result.study.trials)
    (8, (1,), 8)
    """

    x: np.ndarray
    fun: float
    nfev: int
    x_history: np.ndarray
    fun_history: np.ndarray
    study: Study


def _check_bounds(bounds: Any) -> np.ndarray:
    import numpy as np  # here: the command line reads SAMPLERS without numpy

    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):  # scipy.optimize.Bounds
        bounds = np.column_stack(np.broadcast_arrays(bounds.lb, bounds.ub))
    try:
        array = np.asarray(bounds, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty(0)
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 1:
        raise ValueError(
            "The 'bounds' parameter of minimize must be a sequence of (low, high) pairs. "
            f"Got {bounds!r} instead."
        )
    if not np.all(np.isfinite(array)) or np.any(array[:, 0] > array[:, 1]):
        raise ValueError(
            "The 'bounds' parameter of minimize must hold finite pairs with low <= high. "
            f"Got {bounds!r} instead."
        )
    return array


def _resolve_sampler(sampler: str | BaseSampler, seed: int | None) -> BaseSampler:
    if isinstance(sampler, BaseSampler):
        return sampler
    if sampler not in SAMPLERS:
        raise ValueError(
            f"The 'sampler' parameter of minimize must be one of {sorted(SAMPLERS)} or a "
            f"sampler object. Got {sampler!r} instead."
        )
    return SAMPLERS[sampler](seed)


def minimize(
    func: Callable[[np.ndarray], float],
    bounds: Sequence[tuple[float, float]] | np.ndarray,
    *,
    n_trials: int,
    sampler: str | BaseSampler = "auto",
    seed: int | None = None,
    x0: Sequence[float] | np.ndarray | None = None,
    callback: Callable[[OptimizeResult], bool | None] | None = None,
) -> OptimizeResult:
    """Minimise ``func`` over a box, in the style of `scipy.optimize.minimize`.

    Parameters
    ----------
    func : callable
        ``func(x) -> float`` with ``x`` of shape (n_dims,).
    bounds : sequence of (low, high) or ndarray of shape (n_dims, 2)
        The box (a `scipy.optimize.Bounds` works too).
    n_trials : int
        Number of evaluations.
    sampler : str or BaseSampler, default "auto"
        A name from ``bbopt._minimize.SAMPLERS`` (``"auto"``: `AutoSampler`)
        or a sampler object. Its `BaseSampler.set_budget` is called with
        ``n_trials`` (``x0``, if given, counts as one of them).
    seed : int, optional
        Seed of a sampler given by name.
    x0 : array-like of shape (n_dims,), optional
        A first point to evaluate (inside the bounds).
    callback : callable, optional
        Called after each evaluation with the `OptimizeResult` so far;
        returning True stops the search.

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.testfunctions import Sphere
    >>> f = Sphere(n_dims=3)
    >>> result = bbopt.minimize(f, f.bounds, n_trials=24, seed=0)
    >>> result.nfev, result.x_history.shape
    (24, (24, 3))
    >>> bool(result.fun == result.fun_history.min())
    True
    """
    import numpy as np

    owner = "minimize"
    if not callable(func):
        raise TypeError(f"The 'func' parameter of {owner} must be callable. Got {func!r}.")
    box = _check_bounds(bounds)
    n_trials = ensure_int(n_trials, "n_trials", owner, minimum=1)
    seed = ensure_seed(seed, owner)
    if callback is not None and not callable(callback):
        raise TypeError(f"The 'callback' parameter of {owner} must be callable. Got {callback!r}.")
    names = [f"x{i}" for i in range(box.shape[0])]
    space = {name: FloatDistribution(low, high) for name, (low, high) in zip(names, box)}
    study = create_study(sampler=_resolve_sampler(sampler, seed))
    study.sampler.set_budget(n_trials)
    if x0 is not None:
        start = np.asarray(x0, dtype=np.float64)
        fits = start.shape == (box.shape[0],) and bool(
            np.all((box[:, 0] <= start) & (start <= box[:, 1]))
        )
        if not fits:
            raise ValueError(
                f"The 'x0' parameter of {owner} must have shape ({box.shape[0]},) and lie in "
                f"the bounds. Got {x0!r} instead."
            )
        study.enqueue_trial(dict(zip(names, start.tolist())))

    xs = np.empty((n_trials, box.shape[0]))
    funs = np.full(n_trials, np.nan)
    best = -1
    nfev = 0
    for i in range(n_trials):
        trial = study.ask(space)
        x = np.fromiter((trial._params[name] for name in names), np.float64, len(names))
        xs[i] = x  # recorded before the call: ``func`` may change its argument in place
        try:
            value = float(func(x))
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
        nfev = i + 1
        frozen = study.tell(trial, value)
        if frozen.state == TrialState.COMPLETE:
            funs[i] = value
            if best < 0 or value < funs[best]:
                best = i
        # The callback sees views of the history: O(1) per evaluation.
        if callback is not None and callback(_result(xs, funs, nfev, best, study, copy=False)):
            break
    return _result(xs, funs, nfev, best, study, copy=True)


def _result(
    xs: np.ndarray, funs: np.ndarray, nfev: int, best: int, study: Study, copy: bool
) -> OptimizeResult:
    import numpy as np

    x_history, fun_history = xs[:nfev], funs[:nfev]
    if copy:
        x_history, fun_history = x_history.copy(), fun_history.copy()
    return OptimizeResult(
        x=xs[best].copy() if best >= 0 else np.full(xs.shape[1], np.nan),
        fun=float(funs[best]) if best >= 0 else math.nan,
        nfev=nfev,
        x_history=x_history,
        fun_history=fun_history,
        study=study,
    )
