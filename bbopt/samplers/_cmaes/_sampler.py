"""`CmaEsSampler`: CMA-ES over a study's numeric parameters, generation by generation.

Notations
---------
space : the joint search space (names to distributions: the numeric
    parameters sorted, then the categorical ones sorted), fixed when the
    sampler starts its search in a study
u : a point of the unit cube [0, 1]^d; parameter j takes the internal value
    ``low_j + u_j (high_j - low_j)`` over its internal bounds (log-scaled for
    log=True; for an int or a stepped float, the bounds extend half a step
    beyond the end values, so every grid value gets an equal cell); a
    categorical parameter's internal value (its choice index) is drawn
    jointly by the engine's categorical part (see `_engine.Categories`)

Generations under parallel asks: a generation's points are handed out to
trials in ask order (more points of the same distribution if more trials
are running than the population holds); the generation is told to CMA-ES
when the first ``popsize`` of them finish, in finish order, and a trial of
an earlier generation that finishes later is ignored. A FAIL trial ranks
worst; a PRUNED one ranks by its last intermediate value if
``consider_pruned_trials`` (and it has one), else worst.

State in storage: each trial the sampler proposes gets the system attribute
``cmaes:gen`` = "search-id fingerprint restart generation" (four integers
in one string, which the storage's JSON check writes several times faster
than a list; the search id is the number of the search's first trial, the
fingerprint that of the options); the first trial of
each run also gets ``cmaes:run`` = [mean, sigma, popsize, small], and, when
the space has int or stepped parameters (whose recorded values are rounded),
each trial gets its cube point in ``cmaes:x``. A sampler that meets a study
it has no state for (a new process, a reloaded study) reads these once and
replays the told generations in finish order: it continues the latest
search it recorded with the same options, or starts a new one.
"""

from __future__ import annotations

import math
import threading
import warnings
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from bbopt._distributions import BaseDistribution, CategoricalDistribution, FloatDistribution
from bbopt._frozen import FrozenTrial, StudyDirection, TrialState
from bbopt._validation import ensure_bool, ensure_int, ensure_one_of, ensure_seed
from bbopt.samplers._base import ArraySampler, BaseSampler
from bbopt.samplers._cmaes._array import (
    RESTART_STRATEGIES,
    VARIANTS,
    CmaEs,
    ensure_lr_adapt,
    ensure_popsize,
    ensure_sigma0,
)
from bbopt.samplers._constraints import ConstraintsFunc, check_constraints_func, violations
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._random import RandomSampler

_GEN_ATTR = "cmaes:gen"
_RUN_ATTR = "cmaes:run"
_X_ATTR = "cmaes:x"
_OWNER = "CmaEsSampler"


def _derived_seed(seed: int, salt: int) -> int:
    """A seed for the engine of one search, from the sampler's seed and a salt."""
    return int(np.random.SeedSequence([seed, salt]).generate_state(1)[0])


_MAX_CELLS = 10_000


def _cell_boundaries(distribution: BaseDistribution) -> np.ndarray | None:
    """Internal values where an int or stepped parameter changes value; None if continuous.

    The values are ``low + i step``; the boundary between two consecutive
    ones is their midpoint, log-scaled for ``log=True`` (as the trial
    rounds). None also for more than ``_MAX_CELLS`` values.
    """
    if not _is_discrete(distribution) or isinstance(distribution, CategoricalDistribution):
        return None
    low, high, step = distribution.low, distribution.high, distribution.step  # type: ignore[attr-defined]
    n_values = round((high - low) / step) + 1
    if n_values < 2 or n_values > _MAX_CELLS:
        return None
    mids = low + (np.arange(n_values - 1) + 0.5) * step
    return np.log(mids) if distribution.log else mids  # type: ignore[attr-defined]


def _gen_key(value: Any) -> tuple[int, int, int, int] | None:
    """(search id, fingerprint, restart, generation) of a ``cmaes:gen`` value, or None.

    None for a value in another format (such as the list earlier versions
    wrote): the trial then belongs to no search of this sampler.
    """
    if not isinstance(value, str):
        return None
    parts = value.split()
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    origin, fingerprint, restart, generation = map(int, parts)
    return origin, fingerprint, restart, generation


def _is_discrete(distribution: BaseDistribution) -> bool:
    return not isinstance(distribution, FloatDistribution) or distribution.step is not None


def feasible_first(values: np.ndarray, violation: np.ndarray) -> np.ndarray:
    """Values whose order ranks feasible members by value, then the others by violation.

    Deb's rules (Deb 2000, "An efficient constraint handling method for genetic
    algorithms"): an infeasible member scores the generation's worst
    finite feasible value (0 if none) plus its summed violation, so it ranks
    after every feasible one and among the infeasible ones by violation;
    CMA-ES uses only the ranks (and the value spread for its stopping tests).

    Examples
    --------
    >>> feasible_first(np.array([5.0, 1.0, -3.0, 2.0]), np.array([0.0, 0.5, 2.0, 0.0]))
    array([5. , 5.5, 7. , 2. ])
    """
    infeasible = violation > 0.0
    if not infeasible.any():
        return values
    feasible = values[~infeasible]
    feasible = feasible[np.isfinite(feasible)]
    base = feasible.max() if feasible.size else 0.0
    return np.where(infeasible, base + violation, values)


class _Search:
    """One CMA-ES search of a study: the engine and its generation bookkeeping."""

    def __init__(self, space: dict[str, BaseDistribution], engine: CmaEs, origin: int,
                 fingerprint: int) -> None:
        self.space = space
        numeric = [d for d in space.values() if not isinstance(d, CategoricalDistribution)]
        self.n_numeric = len(numeric)
        bounds = np.array([d.internal_bounds() for d in numeric], dtype=np.float64)
        n_cat = len(space) - self.n_numeric
        self.low = np.concatenate([bounds[:, 0], np.zeros(n_cat)])  # choice indices as they are
        self.width = np.concatenate([bounds[:, 1] - bounds[:, 0], np.ones(n_cat)])
        self.discrete = any(_is_discrete(d) for d in space.values())
        self.engine = engine
        self.origin = origin
        self.fingerprint = fingerprint
        self.tag = f"{origin} {fingerprint}"  # the start of each member's cmaes:gen
        self.names = list(space)
        self.key = (0, 0)  # (restart, generation) being filled
        self.queue: list[tuple[np.ndarray, list[float]]] = []  # drawn, not handed out yet
        self.members: dict[int, tuple[tuple[int, int], np.ndarray]] = {}
        self.points: list[np.ndarray] = []  # finished members of the generation
        self.values: list[float] = []
        self.violations: list[float] = []  # summed constraint violations (0: feasible)
        self.run_announced = False  # the current run's start is recorded in a trial

    def draw(self) -> tuple[np.ndarray, list[float]]:
        """The next point of the generation: in the cube, and as internal values."""
        if not self.queue:
            points = self.engine.ask()
            internal = (self.low + points * self.width).tolist()
            self.queue = list(zip(points, internal))
            self.queue.reverse()
        return self.queue.pop()

    def add(self, key: tuple[int, int], point: np.ndarray, value: float,
            violation: float = 0.0) -> None:
        """Record a finished member; tell the generation once it is complete."""
        if key != self.key:
            return  # a late member of a generation already told
        self.points.append(point)
        self.values.append(value)
        self.violations.append(violation)
        if len(self.values) < self.engine.popsize:
            return
        restarted = self.engine.tell(np.array(self.points),
                                     feasible_first(np.array(self.values),
                                                    np.array(self.violations)))
        self.points, self.values, self.violations = [], [], []
        self.queue = []
        if restarted:
            self.key = (self.key[0] + 1, 0)
            self.run_announced = False
        else:
            self.key = (self.key[0], self.key[1] + 1)


class CmaEsSampler(ArraySampler):
    """Covariance matrix adaptation evolution strategy (CMA-ES).

    Samples the study's numeric parameters (float, int, log-scaled, stepped)
    jointly from a multivariate normal distribution adapted generation by
    generation [H16], and its categorical parameters beside them from
    categorical distributions updated with the same ranking of the joint
    points (the categorical part of CatCMA [HNSO24]); parameters outside the
    search space shared by all finished trials and the first
    ``n_startup_trials`` trials go to ``independent_sampler``. The search runs in the unit cube
    of the parameters' internal coordinates; a point drawn outside it is drawn
    again (up to 10 d times, as Optuna does), then mirrored at its faces.
    The numerical core (sampling, rank-one and rank-mu updates, step-size
    adaptation, lazy eigendecomposition) is compiled.

    Parameters
    ----------
    x0 : dict, optional
        Initial mean, as user values of every numeric parameter of the search
        space (default: the centre of each range); categorical parameters
        start uniform.
    sigma0 : float, optional
        Step size at the start of each run, as a fraction of each range's
        width (default: 1/6 for the first run, so that ``x0 +- 3 sigma0``
        spans the ranges from their centres, and 0.3 for restarts, which
        start from random means; or derived from ``source_trials``).
    n_startup_trials : int, default 0
        Complete trials (of any sampler) to wait for before CMA-ES starts.
    independent_sampler : BaseSampler, optional
        For parameters outside the joint draw (default: a `RandomSampler`).
    warn_independent_sampling : bool, default True
        Warn once per study when a parameter goes to ``independent_sampler``
        after CMA-ES started (a changed space or a conditional parameter).
    seed : int, optional
    consider_pruned_trials : bool, default False
        Rank a pruned trial by its last intermediate value (else worst).
    restart_strategy : {"ipop", "bipop", None}, default "ipop"
        Restart when a run stops (tolx, tolfun, condition number, no effect
        of an axis or a coordinate, flat fitness): with a doubled population
        from a random mean (IPOP [AH05], the default) or alternating large
        and small populations (BIPOP [H09]); None continues the stopped run
        (Optuna's behaviour: its sampler has no restarts).
    popsize : int, optional
        Population size, >= 2 (default 4 + floor(3 ln d)).
    inc_popsize : int, default 2
        Population growth factor between (large) restarts.
    use_separable_cma : bool, default False
        Diagonal covariance (sep-CMA-ES [RH08]): the same as ``variant="sep"``.
    with_margin : bool, default False
        Keep the probability of leaving the current grid value of int and
        stepped parameters at least 1 / (d popsize) (CMA-ES with margin
        [HSNO22]: the mean is corrected and the marginal deviation widened),
        so that the search does not stall on one grid value. Not for the
        "lm" variant, nor parameters of more than 10^4 values.
    lr_adapt : bool, default False
        Learning-rate adaptation [NAO23]: damp the updates of the mean and
        covariance by rates adapted to their signal-to-noise ratio, for
        noisy or multimodal objectives at the default population size.
        Needs the full variant ("auto" then means "full").
    variant : {"auto", "full", "sep", "lm"}, default "auto"
        Full covariance, diagonal, or limited-memory (LM-MA-ES [LGB17],
        O(m d) per point); "auto" is "full" up to 200 parameters, "lm" above.
    source_trials : sequence of FrozenTrial, optional
        Finished trials of an earlier, similar study: the search starts from
        the mean and covariance of their best tenth (warm start); not with ``x0``
        or ``sigma0``.
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats`` (feasible when all
        are <= 0), called with the `bbopt.FrozenTrial` of each trial that
        finishes COMPLETE or PRUNED; the values are kept with the trial.
        Each generation is ranked feasible first (by value), then the
        infeasible members by their summed violation (Deb's rules, see
        `feasible_first`): with no feasible member, CMA-ES minimises the
        violation.

    Notes
    -----
    Only trials this sampler proposed (and ``source_trials``) feed CMA-ES, so
    it can be handed a study whose earlier trials came from other samplers;
    give ``x0`` (user values) and ``sigma0`` to start it at an incumbent. It
    needs one objective and at least two numeric parameters (ValueError
    otherwise). See the module notes for parallel trials and reloaded studies.

    The categorical part differs from CatCMA [HNSO24] in two stated ways:
    a fixed learning rate instead of CatCMA's Fisher-metric step, and no
    coupling of that rate with the Gaussian's step size.

    References: [H16] Hansen, The CMA Evolution Strategy: A Tutorial (2016);
    [AH05] Auger and Hansen, CEC 2005; [H09] Hansen, GECCO BBOB 2009; [RH08]
    Ros and Hansen, PPSN 2008; [LGB17] Loshchilov, Glasmachers and Beyer (2017);
    [HSNO22] Hamano, Saito, Nomura and Shirakawa, GECCO 2022; [NAO23] Nomura,
    Akimoto and Ono, GECCO 2023; [HNSO24] Hamano, Nomura, Saito, Uchida and
    Shirakawa, CatCMA, GECCO 2024.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.CmaEsSampler(seed=0)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -5, 5)
    ...     y = trial.suggest_float("y", -5, 5)
    ...     return (x - 1) ** 2 + (y + 2) ** 2
    >>> study.optimize(objective, n_trials=300)
    >>> round(study.best_value, 6)
    0.0
    """

    supports_multi_objective = False

    def __init__(
        self,
        x0: dict[str, Any] | None = None,
        sigma0: float | None = None,
        n_startup_trials: int = 0,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        seed: int | None = None,
        *,
        consider_pruned_trials: bool = False,
        restart_strategy: str | None = "ipop",
        popsize: int | None = None,
        inc_popsize: int = 2,
        use_separable_cma: bool = False,
        with_margin: bool = False,
        lr_adapt: bool = False,
        variant: str = "auto",
        source_trials: Sequence[FrozenTrial] | None = None,
        constraints_func: ConstraintsFunc | None = None,
    ) -> None:
        if x0 is not None and not isinstance(x0, dict):
            raise TypeError(f"The 'x0' parameter of {_OWNER} must be a dict of parameter "
                            f"names to values. Got {x0!r} instead.")
        self._x0 = None if x0 is None else dict(x0)
        self._sigma0 = None if sigma0 is None else ensure_sigma0(sigma0, _OWNER)
        self._n_startup = ensure_int(n_startup_trials, "n_startup_trials", _OWNER, minimum=0)
        if independent_sampler is not None and not isinstance(independent_sampler, BaseSampler):
            raise TypeError(f"The 'independent_sampler' parameter of {_OWNER} must be a "
                            f"sampler. Got {independent_sampler!r} instead.")
        self._independent = independent_sampler or RandomSampler(seed)
        self._warn = ensure_bool(warn_independent_sampling, "warn_independent_sampling", _OWNER)
        self._seed = ensure_seed(seed, _OWNER)
        self._consider_pruned = ensure_bool(consider_pruned_trials, "consider_pruned_trials",
                                            _OWNER)
        self._restart = ensure_one_of(restart_strategy, "restart_strategy", _OWNER,
                                      RESTART_STRATEGIES)
        self._popsize = ensure_popsize(popsize, _OWNER)
        self._inc_popsize = ensure_int(inc_popsize, "inc_popsize", _OWNER, minimum=1)
        ensure_bool(use_separable_cma, "use_separable_cma", _OWNER)
        self._with_margin = ensure_bool(with_margin, "with_margin", _OWNER)
        self._variant = ensure_one_of(variant, "variant", _OWNER, VARIANTS)
        if use_separable_cma:
            if variant not in ("auto", "sep"):
                raise ValueError(f"The 'variant' parameter of {_OWNER} must be 'auto' or "
                                 f"'sep' with use_separable_cma=True. Got {variant!r} instead.")
            self._variant = "sep"
        self._lr_adapt = ensure_lr_adapt(lr_adapt, self._variant, _OWNER)
        self._source = self._checked_source(source_trials)
        self._constraints_func = check_constraints_func(constraints_func, _OWNER)
        self._lock = threading.RLock()
        self._searches: dict[Any, _Search | None] = {}
        self._warned: set[Any] = set()
        self._n_runs = 0

    def _checked_source(self, source_trials: Any) -> list[FrozenTrial] | None:
        if source_trials is None:
            return None
        trials = list(source_trials)
        if not all(isinstance(t, FrozenTrial) for t in trials):
            raise TypeError(f"The 'source_trials' parameter of {_OWNER} must be a sequence "
                            f"of FrozenTrial. Got {source_trials!r} instead.")
        if self._x0 is not None or self._sigma0 is not None:
            raise ValueError(f"The 'source_trials' parameter of {_OWNER} cannot be combined "
                             f"with 'x0' or 'sigma0' (the warm start sets both). Got "
                             f"{len(trials)} trials with x0={self._x0!r}, "
                             f"sigma0={self._sigma0!r}.")
        complete = [t for t in trials if t.state == TrialState.COMPLETE and t.values]
        if not complete:
            raise ValueError(f"The 'source_trials' parameter of {_OWNER} must hold at least "
                             f"one COMPLETE trial. Got {len(trials)} trials without one.")
        return complete

    def reseed_rng(self, seed: int | None = None) -> None:
        with self._lock:
            self._seed = seed
            self._independent.reseed_rng(seed)
            self._searches.clear()

    # -- the array-level hooks ----------------------------------------------
    def begin(self, context: SamplingContext) -> None:
        if context.n_objectives > 1:
            raise ValueError(
                f"{_OWNER} optimises one objective; the study has {context.n_objectives} "
                "(its 'directions'). Use TPESampler, GPSampler or RandomSampler for several "
                "objectives.")

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        with self._lock:
            search = self._search(context)
            return {} if search is None else search.space

    def sample_joint(self, context: SamplingContext,
                     space: dict[str, BaseDistribution]) -> dict[str, float]:
        with self._lock:
            search = self._search(context)
            if search is None or space != search.space:
                return {}
            point, internal = search.draw()
            search.members[context.trial_number] = (search.key, point)
            key, engine = search.key, search.engine
            announce = not search.run_announced
            search.run_announced = True
        context.set_system_attr(_GEN_ATTR, f"{search.tag} {key[0]} {key[1]}")
        if announce:
            context.set_system_attr(_RUN_ATTR, [engine.mean.tolist(), engine.sigma,
                                                engine.popsize, engine.small_run])
        if search.discrete:
            context.set_system_attr(_X_ATTR, point.tolist())
        return dict(zip(search.names, internal))

    def sample_one(self, context: SamplingContext, name: str,
                   distribution: BaseDistribution) -> float:
        if self._warn:
            with self._lock:
                search = self._searches.get(context.study_key)
                first = search is not None and context.study_key not in self._warned
                if first:
                    self._warned.add(context.study_key)
            if first:
                warnings.warn(
                    f"{_OWNER} samples parameter {name!r} with its independent sampler "
                    f"({type(self._independent).__name__}): it is outside the joint search "
                    "space of CMA-ES (categorical, conditional, or added after the search "
                    "started). Further such parameters of this study are not reported.",
                    stacklevel=4)
        return self._independent.sample_one(context, name, distribution)

    def end(self, context: SamplingContext, state: TrialState,
            values: Sequence[float] | None) -> None:
        with self._lock:
            search = self._searches.get(context.study_key)
            if search is None:
                return
            member = search.members.pop(context.trial_number, None)
            if member is not None:
                sign = 1.0 if context.directions[0] == StudyDirection.MINIMIZE else -1.0
                violation = (0.0 if context.constraints is None
                             else float(violations(np.array([context.constraints]))[0]))
                search.add(member[0], member[1], self._score(state, values, sign), violation)

    # -- the search of a study -----------------------------------------------
    def _score(self, state: TrialState, values: Sequence[float] | None, sign: float) -> float:
        """Value to minimise: signed objective; FAIL (and PRUNED unless considered) worst."""
        if values is None or not values:
            return np.inf
        if state == TrialState.COMPLETE or (
                state == TrialState.PRUNED and self._consider_pruned):
            value = sign * float(values[0])
            return value if math.isfinite(value) else np.inf
        return np.inf

    def _search(self, context: SamplingContext) -> _Search | None:
        """The study's search, started (or rebuilt from storage) when the space is known."""
        key = context.study_key
        search = self._searches.get(key)
        if search is not None:
            return search
        obs = context.observations
        if obs.n_complete < max(1, self._n_startup):
            return None
        shared = obs.shared_search_space()
        names = [name for name in sorted(shared) if not shared[name].single()]
        numeric = [n for n in names if not isinstance(shared[n], CategoricalDistribution)]
        if not numeric:
            return None
        space = {n: shared[n] for n in numeric + [n for n in names if n not in numeric]}
        if len(numeric) == 1:
            raise ValueError(
                f"{_OWNER} needs at least 2 numeric parameters in its joint search space. "
                f"Got {space!r} instead. Use TPESampler or GPSampler for one parameter.")
        search = self._rebuilt(context, space) or self._new_search(context, space)
        self._searches[key] = search
        return search

    def _fingerprint(self, space: dict[str, BaseDistribution]) -> int:
        text = repr((sorted(space.items()), self._x0, self._sigma0, self._popsize,
                     self._restart, self._inc_popsize, self._variant, self._seed,
                     self._with_margin, self._lr_adapt,
                     None if self._source is None else len(self._source)))
        return zlib.crc32(text.encode())

    def _engine(self, full_space: dict[str, BaseDistribution], seed: Any) -> CmaEs:
        space = {n: d for n, d in full_space.items()
                 if not isinstance(d, CategoricalDistribution)}
        choices = [len(d.choices) for d in full_space.values()  # type: ignore[attr-defined]
                   if isinstance(d, CategoricalDistribution)]
        d = len(space)
        names = list(space)
        low = np.array([dist.internal_bounds()[0] for dist in space.values()])
        width = np.array([dist.internal_bounds()[1] for dist in space.values()]) - low
        x0 = None
        sigma0 = self._sigma0  # None: the engine's defaults
        cov0 = None
        if self._x0 is not None:
            unknown = sorted(set(self._x0) - set(names))
            missing = sorted(set(names) - set(self._x0))
            if unknown or missing:
                raise ValueError(
                    f"The 'x0' parameter of {_OWNER} must give a value to each parameter of "
                    f"the search space {names}. Got {self._x0!r} instead (unknown: {unknown}, "
                    f"missing: {missing}).")
            for name in names:
                if not space[name].contains(self._x0[name]):
                    raise ValueError(
                        f"The 'x0' parameter of {_OWNER} must lie in the search space; "
                        f"x0[{name!r}] is not in {space[name]!r}. Got {self._x0!r} instead.")
            x0 = np.clip([(space[n].to_internal(self._x0[n]) - lo) / w
                          for n, lo, w in zip(names, low, width)], 0.0, 1.0)
        elif self._source is not None:
            x0, sigma0, cov0 = self._warm_start(space, low, width)
        thresholds = None
        if self._with_margin:
            thresholds = {j: (t - lo) / w for j, (dist, lo, w) in
                          enumerate(zip(space.values(), low, width))
                          if (t := _cell_boundaries(dist)) is not None}
        return CmaEs(d, x0=x0, sigma0=sigma0, popsize=self._popsize, variant=self._variant,
                     restart_strategy=self._restart, inc_popsize=self._inc_popsize,
                     seed=seed, cov0=cov0, thresholds=thresholds, lr_adapt=self._lr_adapt,
                     categories=choices)

    def _warm_start(self, space: dict[str, BaseDistribution], low: np.ndarray,
                    width: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """Mean, sigma and covariance of the best tenth of the source trials, in the cube."""
        assert self._source is not None
        rows, scores = [], []
        for t in self._source:
            if all(name in t.params and t.distributions.get(name) == dist
                   for name, dist in space.items()):
                rows.append([dist.to_internal(t.params[name]) for name, dist in space.items()])
                scores.append(float(t.values[0]))  # type: ignore[index]
        if not rows:
            raise ValueError(f"The 'source_trials' parameter of {_OWNER} must hold complete "
                             f"trials over the search space {list(space)}. Got none.")
        # The direction of the source study is not recorded in a FrozenTrial: assume minimise.
        u = (np.array(rows) - low) / width
        best = u[np.argsort(scores, kind="stable")[: max(2, len(rows) // 10)]]
        d = len(space)
        mean = best.mean(axis=0)
        cov = np.cov(best, rowvar=False).reshape(d, d) + 0.01 * np.eye(d)
        sigma0 = float(np.exp(np.linalg.slogdet(cov)[1] / (2 * d)))
        return np.clip(mean, 0.0, 1.0), sigma0, cov / sigma0**2

    def _new_search(self, context: SamplingContext, space: dict[str, BaseDistribution]) -> _Search:
        seed = None if self._seed is None else _derived_seed(self._seed, context.trial_number)
        return _Search(space, self._engine(space, seed), context.trial_number,
                       self._fingerprint(space))

    def _rebuilt(self, context: SamplingContext,
                 space: dict[str, BaseDistribution]) -> _Search | None:
        """The latest search recorded in the study with these options, replayed; or None."""
        fingerprint = self._fingerprint(space)
        attrs = context.trial_system_attrs()
        ours: dict[int, tuple[tuple[int, int, int, int], dict[str, Any]]] = {}
        for number, a in attrs.items():
            gen = _gen_key(a.get(_GEN_ATTR))
            if gen is not None and gen[1] == fingerprint:
                ours[number] = (gen, a)
        if not ours:
            return None
        origin = max(gen[0] for gen, _ in ours.values())
        obs = context.observations
        n_told = sum(1 for gen, _ in ours.values() if gen[0] == origin)
        seed = None if self._seed is None else _derived_seed(self._seed, origin + n_told)
        search = _Search(space, self._engine(space, seed), origin, fingerprint)
        columns = [obs.column(name, dist) for name, dist in space.items()]
        sign = float(obs.signs[0])
        starts = {gen[2]: a[_RUN_ATTR] for gen, a in ours.values()
                  if gen[0] == origin and _RUN_ATTR in a}
        started = 0
        for row, number in enumerate(obs.numbers.tolist()):
            member = ours.get(number)
            if member is None or member[0][0] != origin:
                continue
            (_, _, restart, generation), attr = member
            if search.key[0] > started:  # a restart: the recorded run, not a new random one
                started = search.key[0]
                if started in starts:
                    mean, sigma, popsize, small = starts[started]
                    search.engine._start_run(np.array(mean), float(sigma), int(popsize),
                                             bool(small))
            key = (restart, generation)
            if key != search.key:
                continue
            if _X_ATTR in attr:
                point = np.array(attr[_X_ATTR], dtype=np.float64)
            else:
                x = np.array([obs.x[row, c] if c is not None else np.nan for c in columns])
                point = np.nan_to_num((x - search.low) / search.width, nan=0.5)
            state = TrialState(int(obs.states[row]))
            value = obs.values[row, 0]
            values = None if np.isnan(value) else [sign * value]
            np.clip(point[:search.n_numeric], 0.0, 1.0, out=point[:search.n_numeric])
            violation = (float(violations(obs.constraints[[row]])[0])
                         if self._constraints_func is not None and obs.constraints.shape[1]
                         else 0.0)
            search.add(key, point, self._score(state, values, 1.0), violation)
        search.run_announced = True
        return search
