"""The automatic sampler: chooses and hands over among bbopt's samplers.

Notations
---------
d : parameters of the study's shared search space (single-valued ones left out)
n : COMPLETE trials
B : the budget hint (total trials), if any: ``AutoSampler(budget=...)`` or
    `AutoSampler.set_budget`, which `bbopt.Study.optimize` and
    `bbopt.minimize` call with their ``n_trials``

The rules (see docs/which_sampler.md for the measurements behind them):

- a conditional space (some parameter used by only part of the trials),
  or a categorical parameter: ``"tpe"`` throughout;
- several objectives: after the start below (centre, then random), ``"gp"``
  (log EHVI for 2 objectives, ParEGO beyond; constrained when trials have
  constraint values) while ``n < MAX_GP_TRIALS``, then ``"nsga2"``
  (`NSGAIISampler`, from the elite of the trials so far);
- constraints (``constraints_func``, or trials that recorded constraint
  values): the constrained models only, ``"gp"`` (log EI times the
  probability of feasibility) while ``n < MAX_GP_TRIALS``, then ``"tpe"``
  (feasible-first split), after the same start as below;
- otherwise, the first trial: ``"center"``, the centre of each continuous
  range (the usual start of local methods: nevergrad's and CMA-ES's);
- then, for ``n < n_startup``: ``"random"`` (the GP's start);
- integer or stepped parameters, or ``d > MAX_LOCAL_DIMS``: ``"gp"`` while
  ``n < MAX_GP_TRIALS``, then ``"cmaes"`` (`CmaEsSampler`, built on first use);
- all parameters continuous: ``"gp"`` for a global phase of ``n_global``
  trials (a quarter of B, clipped; see `_global_trials`), then ``"local"``:
  a trust-region method on quadratic models (`_quadratic_tr`) started at the
  incumbent with a radius from the spread of the best points; when it
  stalls (converged, or no progress), a restart: ``"gp"`` again for
  ``n_restart`` trials, and a new local run from the best point of the
  restart.

Every suggestion records its algorithm in the trial's system attribute
``"auto:algorithm"``; `AutoSampler.history` lists the switches. The phase is
derived from the observations: a sampler that meets a study it has not seen
(a study reloaded in another process) takes the same phase for the same
count of trials; past the global phase it starts a local run at the
incumbent, its radius from the spread of the best points (a restart under
way in the other process is not resumed).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution, CategoricalDistribution, FloatDistribution
from bbopt._frozen import TrialState
from bbopt._kernels._blas_threads import one_blas_thread
from bbopt._validation import ensure_int, ensure_optional_int, ensure_seed
from bbopt.samplers._base import ArraySampler, BaseSampler
from bbopt.samplers._constraints import ConstraintsFunc, check_constraints_func
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._random import RandomSampler
from bbopt.samplers._tpe import TPESampler
from bbopt.storage import Observations

if TYPE_CHECKING:
    from bbopt.samplers._gp import GPSampler
    from bbopt.samplers._quadratic_tr import QuadraticTrustRegion

FloatArray = NDArray[np.float64]

_OWNER = "AutoSampler"
_COMPLETE = int(TrialState.COMPLETE)
#: System attribute of each trial: the algorithm that proposed it.
ALGORITHM_ATTR = "auto:algorithm"
#: The GP is used up to this many COMPLETE trials (its cost grows as n^2 to n^3).
MAX_GP_TRIALS = 400
#: The local phase is used up to this dimension (its models have (d+1)(d+2)/2 terms).
MAX_LOCAL_DIMS = 40
#: Global trials before the first local run, without a budget hint.
DEFAULT_GLOBAL_TRIALS = 40


def _global_trials(d: int, budget: int | None, n_startup: int) -> int:
    """Trials of the first global (GP) phase."""
    if budget is None:
        return max(DEFAULT_GLOBAL_TRIALS, 4 * d)
    return int(min(max(budget // 4, n_startup + 2, d + 2), MAX_GP_TRIALS, 10 * d + 20))


class _StudyState:
    """What AutoSampler knows of one study: its phase and the data of its local runs."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.distributions: list[BaseDistribution] = []
        self.u = np.empty((0, 0))  # COMPLETE rows of the local space, unit coordinates
        self.f = np.empty(0)  # their values, to minimise
        self.n_rows_seen = 0
        self.local: QuadraticTrustRegion | None = None
        self.restart_from = -1  # index in (u, f) where the current restart began, or -1
        self.n_locals = 0
        self.last_algorithm = ""
        self.budget: int | None = None
        self.restored = False


class AutoSampler(ArraySampler):
    """Chooses the sampler for each trial from the study: the default sampler.

    Holds no model of its own: it hands each trial to `GPSampler`,
    `TPESampler`, `RandomSampler` (the first trial: the centre of the box) or
    a local trust-region method on quadratic models, from the search space
    (continuous, integer, categorical, conditional), its dimension, the
    number of objectives, the trials running in parallel, the budget hint and
    the study's progress. The rules
    are in the module docstring of ``bbopt.samplers._auto`` and in the guide
    "Which sampler?".

    Parameters
    ----------
    seed : int, optional
        Seed of every sampler it uses; the same seed gives the same trials.
    budget : int, optional
        Expected total number of trials. `bbopt.Study.optimize` and
        `bbopt.minimize` give it by calling `set_budget` with their
        ``n_trials``; ask/tell loops may pass it here.
    n_startup_trials : int, default 10
        Random trials before a model is used (fewer for small budgets:
        ``min(n_startup_trials, max(3, budget // 5))``).
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats`` (feasible when all
        are <= 0), called with each finishing trial; its values are stored
        with the trial and the sampler then uses the constrained GP, then the
        constrained TPE (see the rules above).

    Attributes
    ----------
    history : list of dict
        One entry per switch of algorithm: ``{"trial": number, "algorithm":
        name, "reason": text}``, in order (all studies of this sampler).

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.AutoSampler(seed=0)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=20)
    >>> [h["algorithm"] for h in sampler.history][:4]
    ['center', 'random', 'gp', 'local']
    >>> sorted({t.system_attrs["auto:algorithm"] for t in study.trials})
    ['center', 'gp', 'local', 'random']
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        budget: int | None = None,
        n_startup_trials: int = 10,
        constraints_func: ConstraintsFunc | None = None,
    ) -> None:
        self._constraints_func = check_constraints_func(constraints_func, _OWNER)
        self._seed = ensure_seed(seed, _OWNER)
        self._budget = ensure_optional_int(budget, "budget", _OWNER, minimum=1)
        self._n_startup = ensure_int(n_startup_trials, "n_startup_trials", _OWNER, 1)
        self._lock = threading.RLock()
        self._states: dict[Any, _StudyState] = {}
        # (study key, trial number) -> [algorithm name, sampler]; the name is blanked
        # once recorded on the trial.
        self._chosen: dict[tuple[Any, int], list[Any]] = {}
        self.history: list[dict[str, Any]] = []
        self._pending_budget: int | None = None
        self._budget_given = False
        self._build(seed)

    def _build(self, seed: int | None) -> None:
        seeds: list[int | None] = [None] * 4
        if seed is not None:
            seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(4)]
        self._random = RandomSampler(seed=seeds[0])
        self._center = _CenterSampler(self._random)
        self._gp_seed = seeds[1]
        self._gp_sampler: GPSampler | None = None
        self._tpe = TPESampler(seed=seeds[2])
        self._rng = np.random.default_rng(seeds[3])
        self._long_seed = seeds[2]
        self._long: BaseSampler | None = None
        self._nsga: BaseSampler | None = None

    @property
    def _gp(self) -> GPSampler:
        """The GP sampler, built (scipy and the GP kernels loaded) on first use."""
        if self._gp_sampler is None:
            from bbopt.samplers._gp import GPSampler

            self._gp_sampler = GPSampler(seed=self._gp_seed, independent_sampler=self._random)
        return self._gp_sampler

    def _evolutionary(self) -> BaseSampler:
        """`NSGAIISampler` for long studies of several objectives, built on first use.

        Its first generation is the first ``population_size`` trials and each
        selection keeps the best of the population and the trials since, so
        it starts from the elite of the GP's trials.
        """
        if self._nsga is None:
            from bbopt.samplers._nsga import NSGAIISampler

            self._nsga = NSGAIISampler(seed=self._long_seed, independent_sampler=self._random)
        return self._nsga

    def _long_study_sampler(self) -> BaseSampler:
        """`CmaEsSampler` for long studies, built (its kernels loaded) on first use."""
        if self._long is None:
            from bbopt.samplers._cmaes import CmaEsSampler

            self._long = CmaEsSampler(seed=self._long_seed)
        return self._long

    def reseed_rng(self, seed: int | None = None) -> None:
        with self._lock:
            self._states.clear()
            self._build(seed)

    def set_budget(self, n_trials: int | None) -> None:
        """Hint that ``n_trials`` more trials are coming (None: unknown).

        `bbopt.Study.optimize` and `bbopt.minimize` call it with their
        ``n_trials``; the budget becomes the trials finished so far plus
        ``n_trials`` at the next suggestion.

        Examples
        --------
        >>> import bbopt
        >>> sampler = bbopt.samplers.AutoSampler(seed=0)
        >>> sampler.set_budget(100)
        """
        with self._lock:
            self._pending_budget = ensure_optional_int(n_trials, "n_trials", _OWNER, minimum=0)
            self._budget_given = True

    # -- the choice ------------------------------------------------------
    def begin(self, context: SamplingContext) -> None:
        with self._lock:
            state = self._state(context)
            name, sampler, reason = self._choose(context, state)
            self._chosen[(context.study_key, context.trial_number)] = [name, sampler]
            if name != state.last_algorithm:
                self.history.append({"trial": context.trial_number, "algorithm": name,
                                     "reason": reason})
                state.last_algorithm = name
        if sampler is not self:
            sampler.begin(context)

    def _proposer(self, context: SamplingContext) -> BaseSampler:
        """The sampler chosen for this trial; the first call records its name on the trial."""
        chosen = self._chosen.get((context.study_key, context.trial_number))
        if chosen is None:  # a trial begun before this sampler was the study's
            return self._random
        name, sampler = chosen
        if name:
            context.set_system_attr(ALGORITHM_ATTR, name)
            chosen[0] = ""
        return sampler

    def _state(self, context: SamplingContext) -> _StudyState:
        state = self._states.get(context.study_key)
        if state is None:
            state = self._states[context.study_key] = _StudyState()
            state.budget = self._budget
        if self._budget_given:
            hint = self._pending_budget
            state.budget = None if hint is None else context.observations.n_rows + hint
            self._budget_given = False
        return state

    def _choose(self, context: SamplingContext,
                state: _StudyState) -> tuple[str, BaseSampler, str]:
        obs = context.observations
        space = _joint(obs)
        if obs.n_columns > len(obs.shared_search_space()):
            return "tpe", self._tpe, "conditional search space"
        if any(isinstance(dist, CategoricalDistribution) for dist in space.values()):
            return "tpe", self._tpe, "categorical parameters"
        budget = state.budget
        n_startup = self._n_startup if budget is None else min(self._n_startup,
                                                                max(3, budget // 5))
        n = obs.n_complete
        if obs.n_rows == 0 and not context.running.numbers.size:
            return "center", self._center, "first trial: the centre of the box"
        if n < n_startup or not space:
            return "random", self._random, f"{n} < {n_startup} startup trials"
        if context.n_objectives > 1:
            m = context.n_objectives
            if n < MAX_GP_TRIALS:
                return "gp", self._gp, f"{m} objectives, n < {MAX_GP_TRIALS}"
            return "nsga2", self._evolutionary(), f"{m} objectives, n >= {MAX_GP_TRIALS}"
        if self._constraints_func is not None or obs.constraints.shape[1]:
            if n < MAX_GP_TRIALS:
                return "gp", self._gp, f"constraints, n < {MAX_GP_TRIALS}"
            return "tpe", self._tpe, f"constraints, long study, n >= {MAX_GP_TRIALS}"
        d = len(space)
        continuous = all(isinstance(dist, FloatDistribution) and dist.step is None
                         for dist in space.values())
        if not continuous or d > MAX_LOCAL_DIMS:
            if n < MAX_GP_TRIALS:
                why = "integer or step parameters" if not continuous else f"d = {d}"
                return "gp", self._gp, f"{why}, n < {MAX_GP_TRIALS}"
            return "cmaes", self._long_study_sampler(), f"long study, n >= {MAX_GP_TRIALS}"
        self._update(obs, state, space)
        n_global = _global_trials(d, budget, n_startup)
        if state.local is None and state.restart_from < 0:
            if n < n_global:
                return "gp", self._gp, f"global phase, n < {n_global}"
            self._start_local(state, 0)
            return "local", self, f"local phase from the incumbent, n = {n}"
        if state.local is not None and state.local.stalled:
            state.local = None
            state.restart_from = state.f.size
        if state.local is None:
            n_restart = max(n_startup, d + 2)
            if state.f.size - state.restart_from < n_restart:
                if n >= MAX_GP_TRIALS:
                    return "cmaes", self._long_study_sampler(), "restart: the local run stalled"
                return "gp", self._gp, "restart: the local run stalled"
            self._start_local(state, state.restart_from)
            return "local", self, "local phase from the restart's best point"
        return "local", self, "local phase"

    # -- the local phase -------------------------------------------------
    def _update(self, obs: Observations, state: _StudyState,
                space: dict[str, BaseDistribution]) -> None:
        """Add the new COMPLETE rows of ``space`` to the study's local data."""
        names, dists = list(space), list(space.values())
        if names != state.names or dists != state.distributions:
            state.names, state.distributions = names, dists
            state.u, state.f, state.n_rows_seen = np.empty((0, len(names))), np.empty(0), 0
            state.local, state.restart_from = None, -1
        if obs.n_rows == state.n_rows_seen:
            return
        rows = np.arange(state.n_rows_seen, obs.n_rows)
        rows = rows[obs.states[rows] == _COMPLETE]
        found = [obs.column(name, dist) for name, dist in zip(names, dists)]
        columns = [c for c in found if c is not None]
        state.n_rows_seen = obs.n_rows
        if not rows.size or len(columns) < len(found):
            return
        low, width = _box(dists)
        u = (obs.x[np.ix_(rows, columns)] - low) / width
        f = obs.values[rows, 0] * obs.signs[0]
        keep = np.all(np.isfinite(u), axis=1) & np.isfinite(f)
        u, f = u[keep], f[keep]
        state.u = np.concatenate([state.u, u])
        state.f = np.concatenate([state.f, f])
        if state.local is not None:
            for ui, fi in zip(u, f):
                state.local.observe(ui, float(fi))

    def _start_local(self, state: _StudyState, first: int) -> None:
        """Start a local run at the best point of rows ``first`` and after."""
        u, f = state.u[first:], state.f[first:]
        d = u.shape[1]
        best = int(np.argmin(f))
        n_near = min(f.size, d + 1)
        top = np.argsort(f, kind="stable")[:n_near]
        spread = float(np.max(np.linalg.norm(u[top] - u[best], axis=1))) if n_near > 1 else 0.2
        radius = min(max(0.5 * spread, 1e-3), 0.2)
        from bbopt.samplers._quadratic_tr import QuadraticTrustRegion, n_coefficients

        stall_rows = max(n_coefficients(d), 30)
        state.local = QuadraticTrustRegion(u[best], float(f[best]), radius, stall_rows)
        state.restart_from = -1
        state.n_locals += 1

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        chosen = self._chosen.get((context.study_key, context.trial_number))
        if chosen is None or chosen[1] is self:
            return _joint(context.observations)
        space: dict[str, BaseDistribution] = chosen[1].joint_space(context)
        return space

    def sample_joint(
        self, context: SamplingContext, space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        if not space:
            return {}
        sampler = self._proposer(context)
        if sampler is not self:  # the model-based ones keep to one BLAS thread themselves
            return sampler.sample_joint(context, space)
        with one_blas_thread(), self._lock:
            state = self._states[context.study_key]
            local = state.local
            if local is None or list(space) != state.names:
                return {}
            low, width = _box(state.distributions)
            running = context.running
            pending = np.empty((0, len(state.names)))
            if running.numbers.size:
                obs = context.observations
                points = running.points([obs.column(name, dist) for name, dist in space.items()])
                points = points[~np.isnan(points).any(axis=1)]
                pending = (points - low) / width
            u, _ = local.propose(state.u, state.f, pending, self._rng)
        internal = low + u * width
        return dict(zip(state.names, internal.tolist()))

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        sampler = self._proposer(context)
        if sampler is self:
            sampler = self._random
        return sampler.sample_one(context, name, distribution)

    def end(
        self, context: SamplingContext, state: TrialState, values: Sequence[float] | None
    ) -> None:
        with self._lock:
            chosen = self._chosen.pop((context.study_key, context.trial_number), None)
        if chosen is not None and chosen[1] is not self:
            chosen[1].end(context, state, values)


class _CenterSampler(ArraySampler):
    """The centre of each continuous range (internal coordinates: the geometric centre of
    a log range); other parameters go to ``fallback``."""

    def __init__(self, fallback: BaseSampler) -> None:
        self._fallback = fallback

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        if isinstance(distribution, FloatDistribution) and distribution.step is None:
            low, high = distribution.internal_bounds()
            return 0.5 * low + 0.5 * high
        return self._fallback.sample_one(context, name, distribution)


def _joint(obs: Observations) -> dict[str, BaseDistribution]:
    """The shared search space without single-valued parameters, sorted by name."""
    space = obs.shared_search_space()
    return {name: space[name] for name in sorted(space) if not space[name].single()}


def _box(distributions: Sequence[BaseDistribution]) -> tuple[FloatArray, FloatArray]:
    """Internal lower bounds and widths, shape (d,) each."""
    bounds = np.array([dist.internal_bounds() for dist in distributions], dtype=np.float64)
    return bounds[:, 0], bounds[:, 1] - bounds[:, 0]
