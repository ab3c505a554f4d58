"""Trust-region Bayesian optimisation (TuRBO-1) on the compiled GP kernels.

Notations
---------
d : parameters of the joint search space (the study's shared space, single-valued
    ones left out), sorted by name; model coordinates as in `GPSampler`
    (numeric parameters in [0, 1], categorical ones as choice indices)
n : COMPLETE trials of that space, in the order they were told
K : ``max_region_points``, the most observations the local GP holds
m : candidates per suggestion
L : length of the trust region (edge of the box, in units of the unit cube,
    before the per-dimension weights)

The region state (length ``L``, success and failure counters, incumbent,
restarts) is a function of the sequence of observations: each new COMPLETE
row is replayed through the rules of Eriksson et al. (2019), "Scalable Global
Optimization via Local Bayesian Optimization", Algorithm 1:

- the first ``n_startup_trials`` rows of a region are its design (scrambled
  Sobol points of the whole space handed out by this sampler, or any rows the
  study already had); they only set the incumbent;
- afterwards a row is a success when it improves the region's best value by
  more than ``1e-3 |best|`` and a failure otherwise; ``success_tolerance``
  successes in a row double ``L`` (at most ``max_length``),
  ``failure_tolerance`` failures in a row halve it;
- when ``L < min_length`` the region restarts: ``L = init_length``, new
  counters, and the next ``n_startup_trials`` rows are its design (a new Sobol
  set). With ``restart="fresh"`` (the default, TuRBO's rule) it forgets the
  earlier rows: its incumbent is the best of its own rows and the rows before
  the restart no longer feed its GP; ``restart="global"`` restarts the same way
  but draws the new design from a GP of all the observations (the point of
  largest expected improvement, one per design row) instead of Sobol points,
  as CASMOPOLITAN's restarts do (Wan et al. 2021, "Think Global and Act Local:
  Bayesian Optimisation over High-Dimensional Categorical and Mixed Search
  Spaces", where a global GP picks the centre of each new region); with
  ``restart="incumbent"`` the restarted
  region keeps the incumbent as its centre (a design row that beats it moves
  it) and its GP keeps choosing among all the observations.

So a second process that reads the same study from storage rebuilds the same
state (given the same ``seed``), and the region state never has to be stored.

Per suggestion: the local GP (`bbopt.surrogates.GaussianProcess`, Matern 5/2
ARD with the Hamming term for categorical parameters) holds the ``K``
observations of the current region nearest to its centre (the incumbent) in
the region's scaled metric (offsets divided by the box weights, categorical
mismatches counted 1). While the centre stays, new observations are appended by
extending the Cholesky factor (O(K^2 d) each); the set is chosen again and
factorised (O(K^3)) when the centre moves or the set would outgrow ``K``, and
the MAP hyperparameters are refitted (warm-started) when `REFIT_FRACTION` of
the set was observed after the last fit (rows that enter the set because the
centre moved do not count: in 100 dimensions the nearest ``K`` rows change
with every move of the centre, which otherwise refitted at every suggestion).
The box is centred on the incumbent with edges ``L w_j``, ``w`` the fitted
length scales normalised to a geometric mean of 1. Candidates perturb a random
subset of the centre's coordinates (each with probability ``min(1, 20 / d)``)
to scrambled Sobol points of the box; the suggestion is the minimiser of one
Thompson sample of the GP over them, drawn pathwise (Wilson et al. 2020,
"Efficiently Sampling Functions from Gaussian Process Posteriors"): a prior
sample from random Fourier features plus the kernel-weighted correction that
conditions it on the data. Running trials are conditioned on as fantasised
observations at the posterior mean (Kriging believer), so parallel workers draw
distinct points.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution
from bbopt._frozen import TrialState
from bbopt._kernels._blas_threads import one_blas_thread
from bbopt._validation import ensure_finite_real, ensure_int, ensure_seed
from bbopt.samplers._base import BaseSampler
from bbopt.samplers._constraints import ConstraintsFunc, check_constraints_func, violations
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._gp import MAX_FIT_POINTS, _Space
from bbopt.samplers._joint import JointSampler
from bbopt.storage import Observations
from bbopt.surrogates import GaussianProcess

FloatArray = NDArray[np.float64]

_OWNER = "TrustRegionGPSampler"
_COMPLETE = int(TrialState.COMPLETE)
#: Relative improvement of the region's best value that counts as a success.
SUCCESS_MARGIN = 1e-3
#: Refit the hyperparameters when this fraction of the local set is new since the last fit.
REFIT_FRACTION = 0.1
#: L-BFGS-B iterations of a first fit, and of a warm-started refit.
FIT_MAX_ITER = 100
REFIT_MAX_ITER = 30
#: Each coordinate of the centre is perturbed with probability min(1, PERTURB_DIMS / d).
PERTURB_DIMS = 20.0


class _Region:
    """Trust-region state, updated row by row (see the module docstring)."""

    def __init__(self, start: int, length: float, n_restarts: int) -> None:
        self.start = start  # first row of the region (model rows)
        self.length = length
        self.n_restarts = n_restarts
        self.n_design = 0  # design rows seen
        self.n_success = 0
        self.n_failure = 0
        self.best = math.inf
        self.best_violation = math.inf  # of the best row (0 when feasible)
        self.best_row = -1
        self.n_moves = 0  # successes since the region started (the centre moved)


class _Model:
    """Observations of one joint space, the region and its local GP."""

    def __init__(self, space: _Space, study_key: Any, noise_floor: float, fixed_noise: bool,
                 init_length: float) -> None:
        self.space = space
        self.study_key = study_key
        self.x = np.empty((0, space.d))  # every COMPLETE row, model coordinates
        self.y = np.empty(0)  # their values, to minimise
        self.numbers = np.empty(0, dtype=np.int64)  # their trial numbers
        self.rows = np.empty(0, dtype=np.int64)  # their observation rows
        self.c = np.empty((0, 0))  # their constraint values (NaN: none recorded)
        self.violation = np.empty(0)  # their summed violations (0 without constraints)
        self.constraint_gps: list[GaussianProcess] = []
        self.seen: set[bytes] = set()  # _keys(x): the points observed
        self.n_rows_seen = 0
        self.region = _Region(0, init_length, 0)
        self.gp = GaussianProcess(space.categorical, noise_floor, fixed_noise)
        self.gp_rows = np.empty(0, dtype=np.int64)  # rows of x held by the GP
        self.gp_n_seen = 0  # rows of x when the GP's set was last updated
        self.gp_centre = -1  # centre row when the set was chosen
        self.gp_region = -1  # n_restarts when the set was chosen
        self.fit_n = -1  # rows of x at the last hyperparameter fit; -1: never fitted
        self.weights = np.ones(space.d)  # box weights (numeric dims; 1 for categorical)
        self.global_gp: GaussianProcess | None = None  # restart="global": the global GP
        self.global_region = -1  # n_restarts when it was fitted
        self.global_n = 0  # rows of x it holds


class TrustRegionGPSampler(JointSampler):
    """Trust-region Bayesian optimisation (TuRBO-1) with a local Gaussian process.

    Suited to high-dimensional problems (tens to hundreds of parameters) and
    long studies (thousands to tens of thousands of trials), where a global GP
    over-explores and costs too much. One trust region (a box) sits on the
    incumbent; a GP fitted to at most ``max_region_points`` observations of
    the region proposes the next point by Thompson sampling among
    perturbations of the incumbent; the box grows after successes, shrinks
    after failures and restarts from fresh space-filling points when it
    collapses. The module docstring of ``bbopt.samplers._trust_region``
    gives the rules. Single objective only; only COMPLETE trials feed the
    model.

    Parameters
    ----------
    seed : int, optional
        Seed of the random streams (design points, candidates, samples).
    n_startup_trials : int, default 10
        Design points (scrambled Sobol) of a region before its GP is used, at
        the start and after each restart. Rows the study already has count.
    init_length : float, default 0.8
        Length of a new region, in (0, ``max_length``].
    min_length, max_length : float, default 2**-7, 1.6
        A region restarts when shorter than ``min_length``; it never grows
        beyond ``max_length``.
    success_tolerance : int, default 3
        Successes in a row that double the length.
    failure_tolerance : int, optional
        Failures in a row that halve the length; default ``max(4, d)`` capped
        at 32 (TuRBO uses ``max(4, d)``; the cap lets a 100-dimensional region
        shrink within budgets of ``10 d``).
    max_region_points : int, default 256
        Observations held by the local GP (the nearest to the centre): bounds
        the cost per suggestion whatever ``n``.
    n_candidates : int, optional
        Candidates per suggestion; default ``min(100 d, 4096)``.
    init_center : dict of str to value, optional
        Centre of the first region (user values of the joint space's
        parameters), until the region records a success; for starting the
        sampler mid-study around a known point. Default: the incumbent.
    first_trial : int, default 0
        Observations of trials numbered below this set the incumbent and
        feed the GP but do not count as successes or failures of the first
        region (a sampler handed a study at trial ``first_trial`` starts its
        region with ``init_length``).
    deterministic_objective : bool, default False
        Fix the GP's noise variance at ``noise_floor``.
    noise_floor : float, default 1e-6
        Smallest noise variance, relative to the variance of the values.
    independent_sampler : BaseSampler, optional
        For parameters outside the joint space; ``RandomSampler(seed)`` by
        default.
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats`` (feasible when all
        are <= 0), called with the `bbopt.FrozenTrial` of each trial that
        finishes COMPLETE or PRUNED; the values are kept with the trial. As
        in SCBO (Eriksson and Poloczek 2021, "Scalable Constrained Bayesian
        Optimization"): the incumbent and the region's successes compare
        rows feasible first (by value), then by summed violation; each
        constraint gets a local GP on the region's set, and the suggestion
        is the candidate of best sampled value among those whose sampled
        constraints are all <= 0, or of least sampled violation if none.
    restart : {"fresh", "global", "incumbent"}, default "fresh"
        What a collapsed region restarts from. Each spends ``n_startup_trials``
        evaluations on new design points first. ``"fresh"``: TuRBO's
        restart, a new region around the best of new space-filling points
        that forgets the earlier observations (a sequential multi-start).
        ``"global"``: the same, but each design point is the maximiser of the
        expected improvement of a GP of all the observations (the ``K`` best
        and ``K`` others above ``2 K``), so that the new region starts where
        the whole history points rather than anywhere (a guided multi-start,
        as in CASMOPOLITAN; Sobol points when there are constraints). In 20
        dimensions it helped on Levy and hurt on Rastrigin, whose ripples
        hide the trend from the GP (docs/benchmarks.md, sixth session).
        ``"incumbent"``:
        the region grows back to ``init_length`` around the best point seen so
        far (unless a new point beats it), its GP on the observations nearest
        to it. On Levy in 20 dimensions the regrown region rarely improved and
        fresh restarts halved the median regret after ``50 d`` evaluations
        (docs/benchmarks.md, issue 14, fifth session).

    Notes
    -----
    Cost per suggestion, with ``K = max_region_points`` and ``m`` candidates:
    O(n d) to choose the local set (only when the centre moves), O(K^2 d)
    to append an observation, a warm-started hyperparameter refit of
    O(K^2 d) per L-BFGS-B step every ``0.1 K`` new observations in the region,
    and O(m (K + 256) d) to draw the Thompson sample: flat in ``n``.
    ``K = 256``: above ``2 d`` points even in 100 dimensions, and about as many
    as a region of TuRBO holds between restarts at the budgets it targets
    (``fail_tol`` failures per halving, 7 halvings); beyond that the far
    points of a region barely change the posterior inside the box.

    Batches (`bbopt.Study.ask_batch`, parallel workers): each suggestion is
    a separate Thompson sample of a GP that also holds the running trials at
    their posterior mean, so the points differ; design points already handed
    out are skipped.

    Grid parameters (ints, ``step``) are snapped to their grid; categorical
    parameters are perturbed to a uniformly drawn choice, with the
    probability of a numeric coordinate scaled by ``L / init_length``.
    Candidates equal to an observed or running point are dropped; when the
    box holds no other grid point, the candidates come from a box of edge
    ``max_length`` around the centre.

    A change of the joint search space (define-by-run objectives) starts a
    new region on the new space, replaying its observations, with one
    warning; parameters outside it are drawn by ``independent_sampler``. If the
    GP cannot be fitted, the suggestion falls back to ``independent_sampler``
    with a warning.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.TrustRegionGPSampler(seed=0, n_startup_trials=5)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> def objective(trial):
    ...     return sum((trial.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(3))
    >>> study.optimize(objective, n_trials=25)
    >>> bool(study.best_value < 1.0)
    True
    """

    supports_multi_objective = False

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        init_length: float = 0.8,
        min_length: float = 0.5**7,
        max_length: float = 1.6,
        success_tolerance: int = 3,
        failure_tolerance: int | None = None,
        max_region_points: int = 256,
        n_candidates: int | None = None,
        init_center: Mapping[str, Any] | None = None,
        first_trial: int = 0,
        deterministic_objective: bool = False,
        noise_floor: float = 1e-6,
        independent_sampler: BaseSampler | None = None,
        constraints_func: ConstraintsFunc | None = None,
        restart: str = "fresh",
    ) -> None:
        self._seed = ensure_seed(seed, _OWNER)
        self._constraints_func = check_constraints_func(constraints_func, _OWNER)
        self._n_startup = ensure_int(n_startup_trials, "n_startup_trials", _OWNER, 1)
        self._min_length = _positive(min_length, "min_length")
        self._max_length = _positive(max_length, "max_length")
        self._init_length = _positive(init_length, "init_length")
        if not self._min_length <= self._init_length <= self._max_length:
            raise ValueError(
                f"The 'init_length' parameter of {_OWNER} must be between min_length "
                f"({self._min_length!r}) and max_length ({self._max_length!r}). "
                f"Got {init_length!r} instead."
            )
        self._success_tol = ensure_int(success_tolerance, "success_tolerance", _OWNER, 1)
        self._failure_tol = (None if failure_tolerance is None else
                             ensure_int(failure_tolerance, "failure_tolerance", _OWNER, 1))
        self._max_points = ensure_int(max_region_points, "max_region_points", _OWNER, 2)
        self._n_candidates = (None if n_candidates is None else
                              ensure_int(n_candidates, "n_candidates", _OWNER, 1))
        if init_center is not None and not isinstance(init_center, Mapping):
            raise TypeError(
                f"The 'init_center' parameter of {_OWNER} must be a dict of parameter names to "
                f"values. Got {init_center!r} instead."
            )
        self._init_center = dict(init_center) if init_center is not None else None
        self._first_trial = ensure_int(first_trial, "first_trial", _OWNER, 0)
        if not isinstance(deterministic_objective, (bool, np.bool_)):
            raise TypeError(
                f"The 'deterministic_objective' parameter of {_OWNER} must be a bool. "
                f"Got {deterministic_objective!r} instead."
            )
        self._deterministic = bool(deterministic_objective)
        self._noise_floor = ensure_finite_real(noise_floor, "noise_floor", _OWNER)
        if self._noise_floor < 0.0:
            raise ValueError(
                f"The 'noise_floor' parameter of {_OWNER} must be >= 0. Got {noise_floor!r} "
                "instead."
            )
        self._set_independent(independent_sampler, seed, _OWNER)
        if restart not in ("incumbent", "fresh", "global"):
            raise ValueError(
                f"The 'restart' parameter of {_OWNER} must be 'fresh', 'global' or "
                f"'incumbent'. "
                f"Got {restart!r} instead."
            )
        self._restart = restart
        # Design points depend on the seed only, so that another process rebuilds them.
        self._design_seed = (self._seed if self._seed is not None
                             else int(np.random.default_rng().integers(2**31)))
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._model: _Model | None = None
        self._warned_space_change = False

    @one_blas_thread()
    def sample_joint(
        self, context: SamplingContext, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        if not search_space:
            return {}
        with self._lock:
            model = self._model_for(context, search_space)
            try:
                self._update(model, context.observations)
                point = self._suggest(model, self._pending_points(context, model.space))
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                warnings.warn(
                    f"{_OWNER} could not fit its Gaussian process ({exc}); trial "
                    f"{context.trial_number} is sampled by {type(self._independent).__name__} "
                    "instead.",
                    stacklevel=2,
                )
                return {}
            return dict(zip(model.space.names, model.space.to_internal(point)))

    # -- region state: a function of the observation sequence --------------
    def _model_for(self, context: SamplingContext,
                   search_space: dict[str, BaseDistribution]) -> _Model:
        model = self._model
        key = tuple(search_space.items())
        if model is not None and model.study_key == context.study_key:
            if tuple(zip(model.space.names, model.space.distributions)) == key:
                return model
            if not self._warned_space_change:
                self._warned_space_change = True
                warnings.warn(
                    f"The joint search space of {_OWNER} changed (trial "
                    f"{context.trial_number}); its trust region restarts on the new space and "
                    f"parameters outside it are sampled by "
                    f"{type(self._independent).__name__}.",
                    stacklevel=3,
                )
        if self._init_center is not None:
            missing = sorted(set(search_space) - set(self._init_center))
            if missing:
                raise ValueError(
                    f"The 'init_center' parameter of {_OWNER} must give a value to every "
                    f"parameter of the joint search space; {missing} missing. "
                    f"Got {self._init_center!r} instead."
                )
        model = self._model = _Model(_Space(search_space), context.study_key, self._noise_floor,
                                     self._deterministic, self._init_length)
        return model

    def _centre_of(self, model: _Model) -> FloatArray | None:
        region = model.region
        if region.n_moves == 0 and region.n_restarts == 0 and self._init_center is not None:
            space = model.space
            internal = np.array([[dist.to_internal(self._init_center[name])
                                  for name, dist in zip(space.names, space.distributions)]])
            return space.snap(space.to_model(internal))[0]
        return model.x[region.best_row] if region.best_row >= 0 else None

    def _failure_tol_for(self, d: int) -> int:
        return self._failure_tol or min(max(4, d), 32)

    def _update(self, model: _Model, observations: Observations) -> None:
        """Read the new COMPLETE rows and replay them through the region rules."""
        n_rows = observations.n_rows
        if n_rows <= model.n_rows_seen:
            return
        space = model.space
        rows = np.arange(model.n_rows_seen, n_rows)
        rows = rows[observations.states[rows] == _COMPLETE]
        model.n_rows_seen = n_rows
        found = [observations.column(name, dist)
                 for name, dist in zip(space.names, space.distributions)]
        columns = [c for c in found if c is not None]
        if not rows.size or len(columns) < space.d:
            return
        x_new = space.to_model(observations.x[np.ix_(rows, columns)])
        y_new = observations.values[rows, 0] * observations.signs[0]
        keep = np.all(np.isfinite(x_new), axis=1) & np.isfinite(y_new)
        first = model.y.size
        model.x = np.concatenate([model.x, x_new[keep]])
        model.y = np.concatenate([model.y, y_new[keep]])
        model.numbers = np.concatenate([model.numbers, observations.numbers[rows[keep]]])
        model.rows = np.concatenate([model.rows, rows[keep]])
        model.c = observations.constraints[model.rows]
        model.violation = (violations(model.c) if model.c.shape[1]
                           else np.zeros(model.y.size))
        model.seen.update(_keys(x_new[keep]))
        fail_tol = self._failure_tol_for(space.d)
        for row in range(first, model.y.size):
            self._replay(model, row, fail_tol)

    def _replay(self, model: _Model, row: int, fail_tol: int) -> None:
        region, value = model.region, float(model.y[row])
        violation = float(model.violation[row])
        # Feasible first: a smaller violation is better; among feasible rows, the value.
        better = (violation < region.best_violation
                  or (violation == region.best_violation and value < region.best))
        counted = (region.n_design >= self._n_startup
                   and not (region.n_restarts == 0 and model.numbers[row] < self._first_trial))
        if not counted:
            region.n_design += 1
            if better:
                region.best, region.best_violation, region.best_row = value, violation, row
            return
        if region.best_violation > 0.0:
            success = violation < region.best_violation * (1.0 - SUCCESS_MARGIN)
        else:
            success = violation == 0.0 and value < region.best - SUCCESS_MARGIN * abs(
                region.best)
        if success:
            region.n_success += 1
            region.n_failure = 0
            region.n_moves += 1
        else:
            region.n_success = 0
            region.n_failure += 1
        if better:
            region.best, region.best_violation, region.best_row = value, violation, row
        if region.n_success >= self._success_tol:
            region.length = min(2.0 * region.length, self._max_length)
            region.n_success = 0
        elif region.n_failure >= fail_tol:
            region.length /= 2.0
            region.n_failure = 0
        if region.length < self._min_length:
            if self._restart != "incumbent":  # "fresh" or "global"
                model.region = _Region(row + 1, self._init_length, region.n_restarts + 1)
            else:  # "incumbent": the same observations and centre, the initial length again
                restarted = _Region(region.start, self._init_length, region.n_restarts + 1)
                restarted.best, restarted.best_row = region.best, region.best_row
                restarted.best_violation = region.best_violation
                model.region = restarted

    def _pending_points(self, context: SamplingContext, space: _Space) -> FloatArray:
        """Model coordinates of the other running trials that set the whole space, (k, d)."""
        running = context.running
        if running.numbers.size == 0:
            return np.empty((0, space.d))
        observations = context.observations
        internal = running.points([observations.column(name, dist)
                                   for name, dist in zip(space.names, space.distributions)])
        internal = internal[~np.isnan(internal).any(axis=1)]
        return space.to_model(internal) if internal.shape[0] else np.empty((0, space.d))

    # -- suggestion ---------------------------------------------------------
    def _suggest(self, model: _Model, pending: FloatArray) -> FloatArray:
        region, space = model.region, model.space
        centre = self._centre_of(model)
        if region.n_design < self._n_startup or centre is None:
            design = self._design_point(model, pending)
            if design is not None:
                return design
            if centre is None:  # every design point handed out, none told yet
                return space.from_unit(self._rng.random((1, space.d)))[0]
        gp = self._local_gp(model, centre)
        if pending.shape[0]:
            gp = gp.fantasised(pending)
        # Drop candidates that repeat a running trial or any observation (on grids, a
        # restarted region could otherwise suggest an earlier region's points again); when
        # the box holds no fresh grid point, draw from a box of the largest length.
        running = set(_keys(pending))
        for length in (region.length, self._max_length):
            candidates = self._candidates(model, centre, length)
            fresh = _fresh(candidates, model.seen, running)
            if np.any(fresh):
                candidates = candidates[fresh]
                break
        sample = gp.thompson_sample(candidates, space.n_cells, self._rng)
        if model.c.shape[1]:
            sample = self._constrained_sample(model, candidates, pending, sample)
        point = candidates[int(np.argmin(sample))]
        if not np.all(np.isfinite(point)):
            raise ArithmeticError("the suggested point is not finite")
        return point

    def _constrained_sample(self, model: _Model, candidates: FloatArray, pending: FloatArray,
                            sample: FloatArray) -> FloatArray:
        """Scores to minimise: the objective sample where every sampled constraint is <= 0,
        else (no such candidate) the sampled summed violation."""
        rows = model.gp_rows
        gps = model.constraint_gps
        while len(gps) < model.c.shape[1]:
            gps.append(GaussianProcess(model.space.categorical, self._noise_floor,
                                       self._deterministic))
        sampled_violation = np.zeros(candidates.shape[0])
        for k, cgp in enumerate(gps):
            known = rows[np.isfinite(model.c[rows, k])]
            if known.size < 2:
                continue
            first = cgp.n == 0
            cgp.fit(model.x[known], model.c[known, k], FIT_MAX_ITER if first else REFIT_MAX_ITER,
                    restart=first, max_fit_points=MAX_FIT_POINTS)
            fantasy = cgp.fantasised(pending) if pending.shape[0] else cgp
            values = cgp.unstandardise(fantasy.thompson_sample(candidates, model.space.n_cells,
                                                               self._rng))
            sampled_violation += np.maximum(values, 0.0)
        feasible = sampled_violation == 0.0
        if feasible.any():
            return np.where(feasible, sample, np.inf)  # type: ignore[no-any-return]
        return sampled_violation

    def _design_point(self, model: _Model, pending: FloatArray) -> FloatArray | None:
        """The first Sobol point of the region's design not yet observed nor running."""
        from scipy.stats import qmc  # scipy.stats takes ~0.3 s to import: only when used

        region, space = model.region, model.space
        if self._restart == "global" and region.n_restarts > 0 and not model.c.shape[1]:
            return self._global_point(model, pending)
        sobol = qmc.Sobol(space.d, scramble=True,
                          seed=np.random.default_rng([self._design_seed, region.n_restarts]))
        n_points = self._n_startup
        design = space.from_unit(sobol.random_base2((n_points - 1).bit_length())[:n_points])
        fresh = np.flatnonzero(_fresh(design, model.seen, set(_keys(pending))))
        return design[fresh[0]] if fresh.size else None

    def _global_point(self, model: _Model, pending: FloatArray) -> FloatArray | None:
        """A design point of a restarted region chosen by a GP of the whole space.

        The GP holds every observation (above ``2 K`` of them: the ``K`` best and
        ``K`` spread evenly over the others, ``K = max_region_points``), is fitted
        once per restart and extended with the region's design rows; the point
        is the candidate of largest expected improvement among scrambled Sobol
        points of the whole space and Gaussian perturbations of the five best
        observations (scales 0.01 to 0.2), as `GPSampler` proposes.
        """
        from scipy.stats import qmc

        space, region, rng = model.space, model.region, self._rng
        n = model.y.size
        gp = model.global_gp
        if gp is None or model.global_region != region.n_restarts:
            k = self._max_points
            if n <= 2 * k:
                rows = np.arange(n)
            else:
                order = np.argsort(model.y, kind="stable")
                rest = np.sort(order[k:])
                rows = np.sort(np.concatenate(
                    [order[:k], rest[np.linspace(0, rest.size - 1, k).astype(np.int64)]]))
            gp = GaussianProcess(space.categorical, self._noise_floor, self._deterministic)
            gp.fit(model.x[rows], model.y[rows], FIT_MAX_ITER, restart=True,
                   max_fit_points=MAX_FIT_POINTS)
            model.global_gp, model.global_region = gp, region.n_restarts
        elif n > model.global_n:
            gp.append(model.x[model.global_n:], model.y[model.global_n:])
        model.global_n = n
        if pending.shape[0]:
            gp = gp.fantasised(pending)
        m = self._n_candidates or min(100 * space.d, 4096)
        unit = qmc.Sobol(space.d, scramble=True, seed=rng).random_base2(
            max(m - 1, 0).bit_length())[:m]
        n_top = min(5, n)
        top = model.x[np.argpartition(model.y, n_top - 1)[:n_top]]
        near = top[rng.integers(0, n_top, m // 4)]
        numeric = ~space.categorical
        scale = rng.choice([0.01, 0.05, 0.1, 0.2], size=(near.shape[0], 1))
        near[:, numeric] += scale * rng.standard_normal((near.shape[0], int(numeric.sum())))
        candidates = np.concatenate([space.from_unit(unit), space.snap(near)])
        fresh = _fresh(candidates, model.seen, set(_keys(pending)))
        if not np.any(fresh):
            return None
        candidates = candidates[fresh]
        return candidates[int(np.argmax(gp.log_ei(candidates)[0]))]  # type: ignore[no-any-return]

    def _local_gp(self, model: _Model, centre: FloatArray) -> GaussianProcess:
        """The GP on the region's observations nearest to ``centre``."""
        region, gp, space = model.region, model.gp, model.space
        start, n = region.start, model.y.size
        new = np.arange(max(model.gp_n_seen, start), n)
        same = (model.fit_n >= 0 and model.gp_region == region.n_restarts
                and model.gp_centre == region.best_row)
        if same and model.gp_rows.size + new.size <= self._max_points:
            rows = np.concatenate([model.gp_rows, new])
        elif n - start <= self._max_points:
            rows = np.arange(start, n)
        else:
            scaled = (model.x[start:] - centre) / model.weights
            cat = space.categorical
            scaled[:, cat] = model.x[start:, cat] != centre[cat]
            dist = np.einsum("ij,ij->i", scaled, scaled)
            rows = start + np.sort(np.argpartition(dist, self._max_points - 1)[:self._max_points])
        appended = same and rows.size > model.gp_rows.size
        changed = appended or not np.array_equal(rows, model.gp_rows)
        # Refit for new observations only: rows that enter the set because the centre
        # moved were observed before the last fit, which saw the same function nearby.
        first = model.fit_n < 0
        n_new = int((rows >= model.fit_n).sum())
        refit = first or n_new >= max(1.0, REFIT_FRACTION * rows.size)
        if refit:
            gp.fit(model.x[rows], model.y[rows], FIT_MAX_ITER if first else REFIT_MAX_ITER,
                   restart=first, max_fit_points=MAX_FIT_POINTS)
            model.fit_n = n
            self._set_weights(model)
        elif appended:
            tail = rows[model.gp_rows.size:]
            gp.append(model.x[tail], model.y[tail])
        elif changed:
            gp.set_data(model.x[rows], model.y[rows])
        model.gp_rows, model.gp_n_seen = rows, n
        model.gp_centre, model.gp_region = region.best_row, region.n_restarts
        return gp

    def _set_weights(self, model: _Model) -> None:
        """Box edges per dimension: length scales normalised to a geometric mean of 1."""
        space = model.space
        numeric = ~space.categorical
        weights = np.ones(space.d)
        if np.any(numeric):
            scales = np.exp(model.gp.theta[: space.d][numeric])
            scales = scales / scales.mean()
            weights[numeric] = scales / math.exp(float(np.mean(np.log(scales))))
        model.weights = weights

    def _candidates(self, model: _Model, centre: FloatArray, length: float) -> FloatArray:
        """Perturbations of ``centre`` inside the box of edge ``length``, shape (m, d)."""
        from scipy.stats import qmc

        space, rng = model.space, self._rng
        d = space.d
        m = self._n_candidates or min(100 * d, 4096)
        half = 0.5 * length * model.weights
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
        unit = qmc.Sobol(d, scramble=True, seed=rng).random_base2(max(m - 1, 0).bit_length())[:m]
        perturbed = low + (high - low) * unit
        probability = min(1.0, PERTURB_DIMS / d)
        mask = rng.random((m, d)) < probability
        cat = space.categorical
        if np.any(cat):
            # Categorical coordinates: a uniform choice, less often as the region shrinks.
            scale = min(1.0, length / self._init_length)
            mask[:, cat] &= rng.random((m, int(cat.sum()))) < scale
            perturbed[:, cat] = np.floor(unit[:, cat] * space.n_cells[cat])
        lonely = ~mask.any(axis=1)
        mask[np.flatnonzero(lonely), rng.integers(0, d, int(lonely.sum()))] = True
        candidates = np.where(mask, perturbed, centre)
        return space.snap(candidates)


def _positive(value: Any, name: str) -> float:
    value = ensure_finite_real(value, name, _OWNER)
    if value <= 0.0:
        raise ValueError(f"The '{name}' parameter of {_OWNER} must be > 0. Got {value!r} instead.")
    return value


def _keys(points: FloatArray) -> list[bytes]:
    """The bytes of each row of ``points`` (k, d), -0.0 read as 0.0: equal rows, equal keys."""
    rows = np.ascontiguousarray(points + 0.0)
    return rows.view(np.dtype((np.void, rows.itemsize * rows.shape[1]))).ravel().tolist()  # type: ignore[return-value]


def _fresh(points: FloatArray, seen: set[bytes], running: set[bytes]) -> NDArray[np.bool_]:
    """Whether each row of ``points`` is neither in ``seen`` nor in ``running``."""
    return np.array([key not in seen and key not in running for key in _keys(points)],
                    dtype=bool)
