"""Gaussian-process Bayesian optimisation sampler on compiled GP kernels.

Notations
---------
d : parameters of the relative search space (the study's shared space,
    single-valued ones left out), sorted by name
n : COMPLETE trials of that space (PRUNED and FAIL trials are left out)
model coordinates : numeric parameters mapped to [0, 1] over their internal
    bounds (log-scaled ones in log space, grids by cell), categorical ones as
    choice indices (``categorical`` flags)

Per suggestion: the new COMPLETE rows of the study's observation arrays are
added to a `bbopt.surrogates.GaussianProcess` (outputs standardised, signs
flipped for maximisation) by extending its Cholesky factor; its MAP
hyperparameters are refitted only when ``n`` has grown by `REFIT_GROWTH`
since the last fit (every trial while ``n < REFIT_EVERY_TRIAL_BELOW``).
Running trials are added as fantasised observations at the posterior mean
(Kriging believer), so that parallel workers get different points. The log
expected improvement is scored on a scrambled Sobol set plus perturbations
of the best observations, the best candidates are refined by L-BFGS-B over
the continuous coordinates, and by a greedy local search over grid and
categorical ones.

Long studies: above ``max_exact_observations`` COMPLETE trials, the GP is
fitted to a subset of that size: the best half by value and the most recent
others (see `GPSampler`).
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy import optimize

from bbopt._distributions import (
    BaseDistribution,
)
from bbopt._encoding import CONTINUOUS, GRID, LOG_INT, Encoding
from bbopt._frozen import TrialState
from bbopt._kernels._blas_threads import one_blas_thread
from bbopt._validation import (
    ensure_bool,
    ensure_finite_real,
    ensure_int,
    ensure_one_of,
    ensure_seed,
)
from bbopt.samplers._base import BaseSampler
from bbopt.samplers._constraints import (
    ConstrainedAcquisition,
    ConstraintsFunc,
    check_constraints_func,
    standardised_best,
    violations,
)
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._ehvi import LogEHVI, parego_scalarise, pareto_rows, reference_point
from bbopt.samplers._joint import JointSampler
from bbopt.samplers._per_study import PerStudy
from bbopt.storage import Observations
from bbopt.surrogates import GaussianProcess

FloatArray = NDArray[np.float64]
# What the acquisition search maximises: ``log_ei(x, best, grad)`` of either.
_Acquisition: TypeAlias = GaussianProcess | ConstrainedAcquisition | LogEHVI

_OWNER = "GPSampler"
_COMPLETE = int(TrialState.COMPLETE)
#: Refit the hyperparameters at every trial while n is below this.
REFIT_EVERY_TRIAL_BELOW = 100
#: Above it, refit when n has grown by this fraction since the last fit.
REFIT_GROWTH = 0.04
#: Hyperparameters are fitted to at most this many observations (evenly spaced in
#: time); the GP then conditions on all of them.
MAX_FIT_POINTS = 300
#: L-BFGS-B iterations of a first fit, and of a warm-started refit.
FIT_MAX_ITER = 200
REFIT_MAX_ITER = 50
#: Candidates scored per suggestion at least (see GPSampler's Notes).
MIN_CANDIDATES = 64
#: Starting points of the gradient refinement of the acquisition.
N_STARTS = 3
#: L-BFGS-B iterations of the batched refinement of all starts.
ACQ_MAX_ITER = 50
#: Rounds of the discrete local search.
LOCAL_SEARCH_ROUNDS = 8
#: At most this many choices of a categorical parameter are tried per round.
MAX_CHOICES_PER_ROUND = 32
#: multi_objective_acquisition="auto": log EHVI up to this many objectives, ParEGO beyond.
AUTO_EHVI_OBJECTIVES = 2



class _Space:
    """Map between internal values of a search space and model coordinates."""

    def __init__(self, space: dict[str, BaseDistribution]) -> None:
        self.names = list(space)
        self.distributions = list(space.values())
        encoding = Encoding(self.distributions, _OWNER)
        self.kind = encoding.kind
        self.categorical = encoding.is_categorical
        # Numeric dimensions: internal lower bound and width (cells included).
        self.low = np.where(self.categorical, 0.0, encoding.internal_low)
        self.width = np.where(self.categorical, 1.0,
                              encoding.internal_high - encoding.internal_low)
        self.n_cells = encoding.n_cells  # grid cells / choices
        self.int_low = np.zeros(self.d)  # log ints: bounds of the values
        self.int_high = np.zeros(self.d)
        for j in np.flatnonzero(self.kind == LOG_INT):
            dist = self.distributions[j]
            self.int_low[j], self.int_high[j] = dist.low, dist.high  # type: ignore[attr-defined]
        self.continuous = np.flatnonzero(self.kind == CONTINUOUS)
        self.discrete = np.flatnonzero(self.kind != CONTINUOUS)

    @property
    def d(self) -> int:
        return len(self.names)

    def to_model(self, internal: FloatArray) -> FloatArray:
        """Model coordinates of internal values, shape (n, d)."""
        u = (internal - self.low) / self.width
        u[:, self.categorical] = internal[:, self.categorical]
        return np.ascontiguousarray(u)

    def to_internal(self, u: FloatArray) -> list[float]:
        """Internal values of one model point, shape (d,)."""
        internal = self.low + np.clip(u, 0.0, 1.0) * self.width
        internal[self.categorical] = u[self.categorical]
        return [float(v) for v in internal]

    def snap(self, u: FloatArray) -> FloatArray:
        """Move points (m, d) in place onto the values the parameters can take."""
        numeric = ~self.categorical
        u[:, numeric] = np.clip(u[:, numeric], 0.0, 1.0)
        for j in self.discrete:
            kind, col = self.kind[j], u[:, j]
            if kind == GRID:
                cells = self.n_cells[j]
                u[:, j] = (np.clip(np.floor(col * cells), 0, cells - 1) + 0.5) / cells
            elif kind == LOG_INT:
                value = np.floor(np.exp(self.low[j] + col * self.width[j]) + 0.5)
                value = np.clip(value, self.int_low[j], self.int_high[j])
                u[:, j] = (np.log(value) - self.low[j]) / self.width[j]
            else:
                u[:, j] = np.clip(np.round(col), 0, self.n_cells[j] - 1)
        return u

    def from_unit(self, unit: FloatArray) -> FloatArray:
        """Points of the unit cube (m, d) as snapped model points."""
        u = unit.copy()
        cat = self.categorical
        u[:, cat] = np.minimum(np.floor(unit[:, cat] * self.n_cells[cat]), self.n_cells[cat] - 1)
        return self.snap(u)

    def neighbours(self, point: FloatArray, rng: np.random.Generator) -> FloatArray:
        """Points that differ from ``point`` (d,) by one discrete move, shape (k, d)."""
        moves = []
        for j in self.discrete:
            kind = self.kind[j]
            if kind == GRID:
                cells = self.n_cells[j]
                cell = math.floor(point[j] * cells)
                values = [(c + 0.5) / cells for c in (cell - 2, cell - 1, cell + 1, cell + 2)
                          if 0 <= c < cells]
            elif kind == LOG_INT:
                value = math.floor(math.exp(self.low[j] + point[j] * self.width[j]) + 0.5)
                values = [(math.log(v) - self.low[j]) / self.width[j]
                          for v in (value - 1, value + 1, 2 * value, value // 2)
                          if self.int_low[j] <= v <= self.int_high[j] and v != value]
            else:
                choices = np.flatnonzero(np.arange(self.n_cells[j]) != point[j])
                if len(choices) > MAX_CHOICES_PER_ROUND:
                    choices = rng.choice(choices, MAX_CHOICES_PER_ROUND, replace=False)
                values = choices.tolist()
            for v in values:
                moved = point.copy()
                moved[j] = v
                moves.append(moved)
        return np.array(moves) if moves else np.empty((0, self.d))


class _Model:
    """The GP of one search space and the observations it has seen."""

    def __init__(self, space: _Space, noise_floor: float, fixed_noise: bool) -> None:
        self.space = space
        self.gp = GaussianProcess(space.categorical, noise_floor, fixed_noise)
        self.x = np.empty((0, space.d))  # every COMPLETE row, model coordinates
        self.y = np.empty(0)  # their values, to minimise
        self.rows = np.empty(0, dtype=np.int64)  # their observation rows
        self.c = np.empty((0, 0))  # their constraint values (constrained samplers only)
        self.constraint_gps: list[GaussianProcess] = []
        self.scalar_gp: GaussianProcess | None = None  # ParEGO's (multi-objective, k > 3)
        self.n_rows_seen = 0
        self.n_at_fit = -1  # observations at the last hyperparameter fit
        self.subset = False  # whether the GP holds a subset of (x, y)


def _no_model() -> list[_Model | None]:
    """A study's model slot before its first fit (a function, so that the sampler pickles)."""
    return [None]


def _refit_due(n: int, n_at_fit: int) -> bool:
    if n_at_fit < 0 or n < REFIT_EVERY_TRIAL_BELOW:
        return True
    return n >= n_at_fit * (1.0 + REFIT_GROWTH)


class GPSampler(JointSampler):
    """Bayesian optimisation with a Gaussian process and log expected improvement.

    Suited to expensive objectives and budgets from tens to thousands of
    trials. The GP (Matern 5/2, one length scale per parameter, a Hamming
    term for categorical parameters) models the study's shared search
    space; parameters outside it are drawn by ``independent_sampler``.
    Floats, ints, log-scaled and step parameters and categoricals are
    supported. Only COMPLETE trials feed the GP: PRUNED and FAIL trials are
    ignored (a NaN or infinite objective value makes a trial FAIL).

    Several objectives: one GP per objective, and the acquisition is the log
    expected hypervolume improvement over the observed Pareto front, or log
    EI on a ParEGO scalarisation (see ``multi_objective_acquisition``).

    Parameters
    ----------
    seed : int, optional
        Seed of the random streams (candidates, independent sampling).
    n_startup_trials : int, default 10
        COMPLETE trials drawn by ``independent_sampler`` before the GP is used.
    deterministic_objective : bool, default False
        The objective has no noise: fix the GP's noise variance at
        ``noise_floor`` instead of fitting it.
    noise_floor : float, default 1e-6
        Smallest noise variance, relative to the variance of the values, >= 0
        (a jitter is added if the kernel matrix is still singular).
    independent_sampler : BaseSampler, optional
        For startup trials and parameters outside the shared space;
        ``RandomSampler(seed)`` by default.
    n_candidates : int, default 1024
        Quasi-random candidates scored per suggestion (fewer when ``n`` is
        large, see Notes).
    max_exact_observations : int, default 1000
        Above this many COMPLETE trials the GP is fitted to a subset of this
        size: the best half by value and the most recent others.
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats`` (feasible when all
        are <= 0), called with the `bbopt.FrozenTrial` of each trial that
        finishes COMPLETE or PRUNED; the values are kept with the trial. When
        trials have constraint values (from this function or
        `bbopt.Trial.set_constraint`), each constraint gets its own GP, and
        the acquisition is log EI over
        the best feasible value plus the log probability that every
        constraint is <= 0 (that probability alone while no trial is
        feasible). With several objectives the Pareto front is that of the
        feasible trials.
    multi_objective_acquisition : {"auto", "ehvi", "parego"}, default "auto"
        With several objectives: ``"ehvi"``, the log expected hypervolume
        improvement (Emmerich et al. 2006) over a box decomposition of the
        region the front does not dominate, with a reference point beyond
        the worst values of the front's central part by half its range
        (cost grows as ``n_front^(k - 1)`` boxes: for 2 and 3 objectives);
        ``"parego"``, log EI on a GP of the augmented Chebyshev
        scalarisation of the normalised objectives, with random weights
        drawn anew for each suggestion (Knowles 2006; any number of
        objectives); ``"auto"``, EHVI for 2 objectives and ParEGO beyond
        (on 3-objective DTLZ2 the EHVI's estimated reference point lets it
        spend evaluations on dominance-resistant points near the axes,
        where ParEGO reaches a larger hypervolume: see docs/benchmarks.md).

    Notes
    -----
    Cost per suggestion: O(n^2) to add an observation, a hyperparameter
    refit (every trial below 100 observations, then every 4 % growth of n)
    of O(min(n, 300)^3) per L-BFGS-B step and one O(n^3) factorisation,
    O(m n^2) to score ``m`` candidates, where
    ``m = n_candidates`` up to 128 observations and shrinks as ``1 / n``
    beyond (at least 64; plus a quarter as many perturbations of the best
    observations). With the subset above ``max_exact_observations``
    the cost stops growing with ``n``.

    Batches: running trials are treated as observed at the GP's posterior
    mean (Kriging believer), whether they were asked by this process
    (`bbopt.Study.ask_batch`) or have their parameters in the storage.

    If the GP cannot be fitted (a kernel matrix that stays singular after
    jitter, non-finite values), the suggestion falls back to
    ``independent_sampler`` with a warning.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.GPSampler(seed=0, n_startup_trials=5)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=15)
    >>> bool(study.best_value < 0.1)
    True

    Two objectives (log EHVI):

    >>> study = bbopt.create_study(directions=["minimize", "minimize"],
    ...                            sampler=bbopt.samplers.GPSampler(seed=0, n_startup_trials=5))
    >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), (1 - t.params["x"]) ** 2),
    ...                n_trials=10)
    >>> len(study.best_trials) > 1
    True
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        noise_floor: float = 1e-6,
        independent_sampler: BaseSampler | None = None,
        n_candidates: int = 1024,
        max_exact_observations: int = 1000,
        constraints_func: ConstraintsFunc | None = None,
        multi_objective_acquisition: str = "auto",
    ) -> None:
        self._seed = ensure_seed(seed, _OWNER)
        self._mo_acquisition = ensure_one_of(multi_objective_acquisition,
                                             "multi_objective_acquisition", _OWNER,
                                             ("auto", "ehvi", "parego"))
        self._n_startup_trials = ensure_int(n_startup_trials, "n_startup_trials", _OWNER, 0)
        self._deterministic = ensure_bool(deterministic_objective, "deterministic_objective",
                                          _OWNER)
        noise_floor = ensure_finite_real(noise_floor, "noise_floor", _OWNER)
        if noise_floor < 0.0:
            raise ValueError(
                f"The 'noise_floor' parameter of {_OWNER} must be >= 0. Got {noise_floor!r} "
                "instead."
            )
        self._noise_floor = noise_floor
        self._set_independent(independent_sampler, seed, _OWNER)
        self._n_candidates = ensure_int(n_candidates, "n_candidates", _OWNER, 1)
        self._max_exact = ensure_int(max_exact_observations, "max_exact_observations", _OWNER, 2)
        self._constraints_func: ConstraintsFunc | None = check_constraints_func(
            constraints_func, _OWNER)
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        # The model of each study served (SamplingContext.study_key); None before the first.
        self._models: PerStudy[list[_Model | None]] = PerStudy(_no_model)

    @one_blas_thread()
    def sample_joint(
        self, context: SamplingContext, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        if not search_space:
            return {}
        observations = context.observations
        if observations.n_complete < max(self._n_startup_trials, 1):
            return {}
        with self._lock:
            key = tuple(search_space.items())
            slot = self._models.get(context.study_key)
            n_objectives = len(context.directions)
            slot.extend([None] * (n_objectives - len(slot)))
            try:
                models = [self._update_model(slot, j, observations, key, search_space)
                          for j in range(n_objectives)]
                model = models[0]
                if model is None:
                    return {}
                pending = self._pending_points(context, model.space)
                if n_objectives == 1:
                    point = self._suggest(model, pending)
                else:
                    point = self._suggest_multi([m for m in models if m is not None], pending)
            except np.linalg.LinAlgError as exc:  # not positive definite, even jittered
                warnings.warn(
                    f"{_OWNER} could not fit its Gaussian process ({exc}); trial "
                    f"{context.trial_number} is sampled by {type(self._independent).__name__} "
                    "instead.",
                    stacklevel=2,
                )
                return {}
            return dict(zip(model.space.names, model.space.to_internal(point)))

    # -- the model -------------------------------------------------------
    def _update_model(
        self, slot: list[_Model | None], objective: int, observations: Observations,
        key: tuple[Any, ...], search_space: dict[str, BaseDistribution],
    ) -> _Model | None:
        """The model of one objective, with the new COMPLETE rows added."""
        model = slot[objective]
        if model is None or tuple(zip(model.space.names, model.space.distributions)) != key:
            model = slot[objective] = _Model(_Space(search_space), self._noise_floor,
                                             self._deterministic)
        space = model.space
        n_rows = observations.n_rows
        if n_rows > model.n_rows_seen:
            rows = np.arange(model.n_rows_seen, n_rows)
            rows = rows[observations.states[rows] == _COMPLETE]
            found = [observations.column(name, dist)
                     for name, dist in zip(space.names, space.distributions)]
            columns = [c for c in found if c is not None]
            if rows.size and len(columns) == len(found):
                x_new = space.to_model(observations.x[np.ix_(rows, columns)])
                y_new = observations.values[rows, objective] * observations.signs[objective]
                # The same rows for every objective's model.
                keep = (np.all(np.isfinite(x_new), axis=1)
                        & np.all(np.isfinite(observations.values[rows]), axis=1))
                x_new, y_new = x_new[keep], y_new[keep]
                model.rows = np.concatenate([model.rows, rows[keep]])
            else:
                x_new, y_new = np.empty((0, space.d)), np.empty(0)
            model.n_rows_seen = n_rows
            self._add(model, x_new, y_new)
        model.c = observations.constraints[model.rows]
        return model if model.y.size else None

    def _add(self, model: _Model, x_new: FloatArray, y_new: FloatArray) -> None:
        model.x = np.concatenate([model.x, x_new])
        model.y = np.concatenate([model.y, y_new])
        n = model.y.size
        gp = model.gp
        refit = _refit_due(n, model.n_at_fit)
        max_iter = FIT_MAX_ITER if model.n_at_fit < 0 else REFIT_MAX_ITER
        if n > self._max_exact:
            x, y = self._subset(model)
            if refit:
                gp.fit(x, y, max_iter, restart=False, max_fit_points=MAX_FIT_POINTS)
            else:
                gp.set_data(x, y)
            model.subset = True
        elif refit or model.subset:
            gp.fit(model.x, model.y, max_iter, restart=n < REFIT_EVERY_TRIAL_BELOW,
                   max_fit_points=MAX_FIT_POINTS)
            model.subset = False
        else:
            gp.append(x_new, y_new)
        if refit:
            model.n_at_fit = n

    def _subset(self, model: _Model) -> tuple[FloatArray, FloatArray]:
        """The best half by value and the most recent others, ``max_exact`` rows."""
        chosen = self._subset_rows(model.y)
        return model.x[chosen], model.y[chosen]

    def _subset_rows(self, y: FloatArray) -> NDArray[np.bool_]:
        """Mask of the best half of ``y`` and the most recent others, ``max_exact`` rows."""
        n, size = y.size, self._max_exact
        n_best = size // 2
        chosen = np.zeros(n, dtype=bool)
        chosen[np.argpartition(y, n_best)[:n_best]] = True
        recent = np.flatnonzero(~chosen)[-(size - n_best):]
        chosen[recent] = True
        return chosen

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

    # -- the acquisition -------------------------------------------------
    def _n_candidates_for(self, n: int) -> int:
        """Candidates scored with ``n`` training points: fewer as the O(m n^2) scoring grows."""
        m = self._n_candidates if n <= 128 else self._n_candidates * 128 // n
        return min(max(m, MIN_CANDIDATES), self._n_candidates)

    def _suggest(self, model: _Model, pending: FloatArray) -> FloatArray:
        gp = model.gp
        best: float | None = gp.best
        if pending.shape[0]:
            gp = gp.fantasised(pending)
        if model.c.shape[1]:  # log EI of the best feasible value plus log P(feasible)
            best = standardised_best(model.gp, model.y, violations(model.c) == 0.0)
            acquisition: _Acquisition = ConstrainedAcquisition(gp, self._fit_constraints(model))
        else:
            acquisition = gp
        # The incumbent (the best observation) is refined beside the best candidates.
        return self._maximise(acquisition, model, best, self._n_candidates_for(gp.n),
                              lambda: int(np.argmin(model.y)))

    def _maximise(
        self, acquisition: _Acquisition, model: _Model, best: float | None, m: int,
        start_row: Callable[[], int], centres: FloatArray | None = None,
    ) -> FloatArray:
        """The point of largest ``acquisition``: about ``m`` Sobol candidates and local ones
        around ``centres`` are scored, the `N_STARTS` best and the observation
        ``start_row()`` (drawn after the candidates) refined."""
        space, rng = model.space, self._rng
        from scipy.stats import qmc  # scipy.stats takes ~0.3 s to import: only when used

        sobol = qmc.Sobol(space.d, scramble=True, seed=rng)
        candidates = space.from_unit(sobol.random_base2(max(m.bit_length() - 1, 0)))  # <= m
        local = self._local_candidates(model, rng, max(m // 4, 16), centres)
        candidates = np.concatenate([candidates, local])
        scores = acquisition.log_ei(candidates, best)[0]
        order = np.argsort(-scores, kind="stable")
        starts = np.concatenate([candidates[order[:N_STARTS]], model.x[[start_row()]]])
        points, values = self._refine(acquisition, space, starts, best, rng)
        if not np.any(np.isfinite(values)):
            raise ArithmeticError("the acquisition function is not finite anywhere")
        point = points[int(np.nanargmax(values))]
        if not np.all(np.isfinite(point)):
            raise ArithmeticError("the suggested point is not finite")
        return point

    def _suggest_multi(self, models: list[_Model], pending: FloatArray) -> FloatArray:
        """The point of largest log EHVI or ParEGO log EI, times P(feasible) if constrained."""
        model = models[0]
        rng = self._rng
        values = np.column_stack([m.y for m in models])  # (n, k), to minimise
        feasible = (violations(model.c) == 0.0 if model.c.shape[1]
                    else np.ones(values.shape[0], dtype=bool))
        acquisition: _Acquisition
        best: float | None = 0.0  # ignored by LogEHVI
        ehvi = self._mo_acquisition == "ehvi" or (
            self._mo_acquisition == "auto" and len(models) <= AUTO_EHVI_OBJECTIVES)
        if ehvi:
            gps = [m.gp.fantasised(pending) if pending.shape[0] else m.gp for m in models]
            scaled = np.column_stack([(values[:, j] - m.gp.y_shift) / m.gp.y_scale
                                      for j, m in enumerate(models)])
            observed = scaled[feasible]
            if pending.shape[0]:  # Kriging believer: the pending points at their means
                observed = np.concatenate([observed, np.column_stack(
                    [gp.posterior(pending)[0] for gp in gps])])
            if observed.shape[0]:
                front = observed[pareto_rows(observed)]
                acquisition = LogEHVI(gps, front, reference_point(front))
            else:
                acquisition, best = LogEHVI(gps, scaled[:1], scaled[0]), None
        else:
            scalar = parego_scalarise(values, rng.dirichlet(np.ones(len(models))))
            gp = self._fit_scalar(model, scalar)
            best = standardised_best(gp, scalar, feasible)
            acquisition = gp.fantasised(pending) if pending.shape[0] else gp
        if model.c.shape[1]:
            acquisition = ConstrainedAcquisition(acquisition, self._fit_constraints(model))
        elif best is None:
            raise ArithmeticError("no observation to improve on")
        front_rows = np.flatnonzero(feasible) if feasible.any() else np.arange(values.shape[0])
        front_rows = front_rows[pareto_rows(values[front_rows])]
        return self._maximise(acquisition, model, best, self._n_candidates_for(model.y.size),
                              lambda: int(rng.choice(front_rows)), model.x[front_rows])

    def _fit_scalar(self, model: _Model, scalar: FloatArray) -> GaussianProcess:
        """ParEGO's GP of the scalarised values, warm-started from its last fit."""
        first = model.scalar_gp is None
        if model.scalar_gp is None:
            model.scalar_gp = GaussianProcess(model.space.categorical, self._noise_floor,
                                              self._deterministic)
        x = model.x
        if scalar.size > self._max_exact:
            chosen = self._subset_rows(scalar)
            x, scalar = x[chosen], scalar[chosen]
        model.scalar_gp.fit(x, scalar, FIT_MAX_ITER if first else REFIT_MAX_ITER,
                            restart=first, max_fit_points=MAX_FIT_POINTS)
        return model.scalar_gp

    def _fit_constraints(self, model: _Model) -> list[GaussianProcess]:
        """One GP per constraint on the observations that have its value, warm-started."""
        gps = model.constraint_gps
        x, c = model.x[-self._max_exact:], model.c[-self._max_exact:]
        while len(gps) < c.shape[1]:
            gps.append(GaussianProcess(model.space.categorical, self._noise_floor,
                                       self._deterministic))
        for k, cgp in enumerate(gps):
            known = np.isfinite(c[:, k])
            cgp.fit(x[known], c[known, k], REFIT_MAX_ITER, restart=False,
                    max_fit_points=MAX_FIT_POINTS)
        return gps

    def _local_candidates(self, model: _Model, rng: np.random.Generator, k: int,
                          top: FloatArray | None = None) -> FloatArray:
        """Gaussian perturbations (scale 0.01 to 0.2) of ``top`` (the 5 best observations)."""
        space = model.space
        if top is None:
            n_top = min(5, model.y.size)
            top = model.x[np.argpartition(model.y, n_top - 1)[:n_top]]
        n_top = top.shape[0]
        points = top[rng.integers(0, n_top, k)].copy()
        scale = rng.choice([0.01, 0.05, 0.1, 0.2], size=(k, 1))
        points[:, ~space.categorical] += scale * rng.standard_normal(
            (k, int((~space.categorical).sum())))
        cat = np.flatnonzero(space.categorical)
        if cat.size:
            flip = rng.random((k, cat.size)) < 1.0 / max(space.d, 1)
            draws = np.floor(rng.random((k, cat.size)) * space.n_cells[cat])
            points[:, cat] = np.where(flip, draws, points[:, cat])
        return space.snap(points)

    def _refine(
        self, gp: _Acquisition, space: _Space, starts: FloatArray, best: float | None,
        rng: np.random.Generator,
    ) -> tuple[FloatArray, FloatArray]:
        """L-BFGS-B on continuous coordinates, alternated with a discrete local search.

        Returns the refined points (k, d) and their log EI (k,).
        """
        points = starts.copy()
        values = gp.log_ei(points, best)[0]
        for _ in range(2):
            if space.continuous.size:
                points, values = self._gradient_step(gp, space, points, values, best)
            if not space.discrete.size:
                break
            moved = False
            for i in range(points.shape[0]):
                points[i], values[i], moved_i = self._local_search(
                    gp, space, points[i], float(values[i]), best, rng)
                moved |= moved_i
            if not moved:
                break
        return points, values

    def _gradient_step(
        self, gp: _Acquisition, space: _Space, points: FloatArray, values: FloatArray,
        best: float | None,
    ) -> tuple[FloatArray, FloatArray]:
        """One L-BFGS-B run over the continuous coordinates of all points at once.

        The objective is the sum of the points' negative log EI: separable, so
        the points move independently, but one scipy call and one kernel call
        per iteration serve them all (as BoTorch's batched restarts).
        """
        cont = space.continuous
        work = points.copy()
        k = points.shape[0]

        def negative(z: FloatArray) -> tuple[float, FloatArray]:
            work[:, cont] = z.reshape(k, cont.size)
            log_ei, grad = gp.log_ei(work, best, grad=True)
            assert grad is not None
            return -float(log_ei.sum()), -grad[:, cont].ravel()

        result = optimize.minimize(
            negative, points[:, cont].ravel(), jac=True, method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * (k * cont.size), options={"maxiter": ACQ_MAX_ITER},
        )
        moved = points.copy()
        moved[:, cont] = np.clip(result.x.reshape(k, cont.size), 0.0, 1.0)
        moved_values = gp.log_ei(moved, best)[0]
        better = np.isfinite(moved_values) & (moved_values > values)
        points = np.where(better[:, None], moved, points)
        return points, np.where(better, moved_values, values)

    def _local_search(
        self, gp: _Acquisition, space: _Space, point: FloatArray, value: float,
        best: float | None,
        rng: np.random.Generator,
    ) -> tuple[FloatArray, float, bool]:
        moved = False
        for _ in range(LOCAL_SEARCH_ROUNDS):
            neighbours = space.neighbours(point, rng)
            if neighbours.shape[0] == 0:
                break
            scores = gp.log_ei(neighbours, best)[0]
            i = int(np.argmax(scores))
            if not scores[i] > value + 1e-12:
                break
            point, value, moved = neighbours[i], float(scores[i]), True
        return point, value, moved
