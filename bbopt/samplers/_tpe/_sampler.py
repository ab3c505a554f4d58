"""The TPE sampler: groups of parameters, their models, the constant liar."""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution
from bbopt._frozen import TrialState
from bbopt._validation import (
    ensure_bool,
    ensure_callable,
    ensure_finite_real,
    ensure_int,
    ensure_real_in,
    ensure_seed,
)
from bbopt.samplers._base import ArraySampler
from bbopt.samplers._constraints import ConstraintsFunc, check_constraints_func
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._per_study import PerStudy
from bbopt.samplers._random import RandomSampler
from bbopt.samplers._tpe._model import ModelConfig, _GroupModel
from bbopt.samplers._tpe._rules import default_gamma, default_weights
from bbopt.storage import Observations

_OWNER = "TPESampler"
_COMPLETE = int(TrialState.COMPLETE)
_PRUNED = int(TrialState.PRUNED)


def _too_narrow(distribution: BaseDistribution) -> bool:
    """Whether the internal interval is too narrow for Parzen bandwidths (drawn uniformly).

    A width of a few ulps of the bounds (``(1e-300, 1.0000000000000002e-300, log=True)``
    rounds to one log value) or a subnormal width (``(0.0, 5e-324)``) leaves the kernels
    no positive bandwidth; a uniform draw covers such a range anyway.
    """
    low, high = distribution.internal_bounds()
    width = high - low
    return width < 1e-290 or width <= 16 * math.ulp(max(abs(low), abs(high)))


class _StudyState:
    """What a `TPESampler` keeps for one study: its group models and group signatures."""

    __slots__ = ("group_hash", "group_rows_seen", "models")

    def __init__(self) -> None:
        self.models: dict[tuple[Any, ...], _GroupModel] = {}
        self.group_hash = np.zeros(0, dtype=np.uint64)  # presence signature of each column
        self.group_rows_seen = 0


class TPESampler(ArraySampler):
    """Tree-structured Parzen Estimator: suggest where good trials are dense and bad ones rare.

    After ``n_startup_trials`` random trials, the finished trials are split
    into the ``gamma(n)`` best (good) and the rest (bad); a Parzen estimator
    (a mixture of truncated normals and categorical kernels, plus a prior
    component) is fitted to each, ``n_ei_candidates`` points are drawn from
    the good one, and the point with the largest ratio of good to bad density
    is suggested. Densities are evaluated by compiled kernels and the state
    of each group of parameters is updated incrementally, so that a
    suggestion stays cheap in long studies.

    Parameters
    ----------
    n_startup_trials : int, default 10
        Random trials before the model is used (per group of parameters).
    n_ei_candidates : int, default 24
        Candidates drawn from the good mixture per suggestion.
    gamma : callable, default `default_gamma`
        ``gamma(n) -> int`` in ``[0, n]``: size of the good group among ``n``
        observations (10 %, at most 25).
    weights : callable, default `default_weights`
        ``weights(n) -> array of n non-negative floats``: weights of the
        observations of a group in the order they finished (older ones less);
        with ``multivariate``, the good group's are multiplied by
        `improvement_factors`.
    prior_weight : float, default 1.0
        Weight (> 0) of the prior component of each mixture.
    consider_endpoints : bool, default False
        In univariate mixtures, let the box ends bound the bandwidth of the
        extreme components.
    multivariate : bool, default True
        Model the parameters of the shared search space jointly (one
        component per observation over all parameters); otherwise each
        parameter on its own (the parameters set by the same trials share
        one split into good and bad, and one model that evaluates each
        parameter's densities apart).
    group : bool, default False
        With ``multivariate``, split define-by-run spaces into groups of
        parameters that always occur together, each modelled jointly.
    constant_liar : bool, default True
        Count running trials as bad observations, so that parallel workers
        and batch asks (`bbopt.Study.ask_batch`) spread out.
    seed : int, optional
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats`` (feasible when all
        are <= 0), called with the `bbopt.FrozenTrial` of each trial that
        finishes COMPLETE or PRUNED; the values are kept with the trial. When
        trials have constraint values (from this function or
        `bbopt.Trial.set_constraint`), the good group is the best feasible
        trials, completed by the least violating ones (the sum of positive
        values); with several objectives, the fronts of the feasible trials.
    n_threads : int, optional
        Threads that score candidates against a large bad mixture together
        (used above `bbopt.surrogates._parzen.MIN_TERMS_PER_THREAD` kernel
        terms per thread). Default: the CPUs this process may use, at most 4.
        Suggestions of one sampler are made one at a time (parallel workers
        of `bbopt.Study.optimize` wait for each other here), so these threads
        never multiply with the workers.

    Notes
    -----
    With ``multivariate``, the good group's observations are weighted by
    ``weights`` times `improvement_factors` (more for a larger improvement
    over the best bad observation; factors of mean 1, so ``prior_weight``
    keeps its share), and numeric bandwidths are floored by `min_bandwidth`
    (3 % of the range up to 1000 observations in a group, then decreasing to
    1 %); univariate models keep the published TPE's weights and floor.
    Pruned trials take part through their last reported value, ranked after
    every complete trial. With several objectives the good group is made of
    whole non-domination fronts (MOTPE's ranking), the last front cut by the
    normalised sum of its objectives, and its observations are weighted by
    their hypervolume contributions (`hypervolume_factors`, MOTPE's weights:
    more samples near the points that extend the front or fill its gaps);
    trials cannot be pruned then.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.TPESampler(seed=0)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=40)
    >>> abs(study.best_params["x"] - 1) < 0.5
    True
    """

    def __init__(
        self,
        *,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] = default_gamma,
        weights: Callable[[int], Any] = default_weights,
        prior_weight: float = 1.0,
        consider_endpoints: bool = False,
        multivariate: bool = True,
        group: bool = False,
        constant_liar: bool = True,
        seed: int | None = None,
        n_threads: int | None = None,
        constraints_func: ConstraintsFunc | None = None,
    ) -> None:
        self._n_startup_trials = ensure_int(n_startup_trials, "n_startup_trials", _OWNER, 0)
        self._n_ei_candidates = ensure_int(n_ei_candidates, "n_ei_candidates", _OWNER, 1)
        self._gamma = ensure_callable(gamma, "gamma", _OWNER)
        self._weights = ensure_callable(weights, "weights", _OWNER)
        # A TypeError for a non-number, then a ValueError outside (0, inf).
        self._prior_weight = ensure_real_in(
            ensure_finite_real(prior_weight, "prior_weight", _OWNER), "prior_weight", _OWNER,
            0.0, low_open=True)
        self._consider_endpoints: bool = ensure_bool(
            consider_endpoints, "consider_endpoints", _OWNER)
        self._multivariate: bool = ensure_bool(multivariate, "multivariate", _OWNER)
        self._group: bool = ensure_bool(group, "group", _OWNER)
        if self._group and not self._multivariate:
            raise ValueError(
                f"The 'group' parameter of {_OWNER} requires multivariate=True. "
                f"Got group=True with multivariate=False instead."
            )
        self._constant_liar: bool = ensure_bool(constant_liar, "constant_liar", _OWNER)
        self._seed = ensure_seed(seed, _OWNER)
        self._constraints_func: ConstraintsFunc | None = check_constraints_func(
            constraints_func, _OWNER)
        if n_threads is None:
            try:
                n_cpus = len(os.sched_getaffinity(0))
            except AttributeError:  # not on Linux
                n_cpus = os.cpu_count() or 1
            n_threads = min(4, n_cpus)
        self._n_threads: int = ensure_int(n_threads, "n_threads", _OWNER, 1)
        self._lock: threading.RLock = threading.RLock()
        # The models and group signatures of each study served (SamplingContext.study_key).
        self._studies: PerStudy[_StudyState] = PerStudy(_StudyState)
        # Labels of the rows in the group signatures; never reseeded (labels must not repeat).
        self._hash_rng: np.random.Generator = np.random.default_rng(0x7E5)
        self.reseed_rng(self._seed)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        # Start-up draws: their own stream (of a seed drawn from the main one).
        self._startup = RandomSampler(seed=int(self._rng.integers(2**63)))

    def _starting(self, context: SamplingContext) -> bool:
        """Whether fewer trials finished than the model needs (no model is used yet)."""
        return context.observations.n_rows < self._n_startup_trials or (
            self._n_startup_trials == 0 and context.observations.n_rows == 0)

    # -- search spaces -----------------------------------------------------------------
    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        if self._starting(context):
            return {}
        obs = context.observations
        if self._group or not self._multivariate:
            # In groups of parameters set by the same trials (`_groups`); univariate
            # models of a group share one split and index each dimension on its own.
            space = {
                obs.names[j]: obs.distributions[j] for j in range(obs.n_columns)
            }
        else:
            space = obs.shared_search_space()
        return {name: dist for name, dist in space.items()
                if not dist.single() and not _too_narrow(dist)}

    def _groups(self, study: _StudyState, obs: Observations,
                space: dict[str, BaseDistribution]
                ) -> list[tuple[tuple[str, BaseDistribution], ...]]:
        """Split ``space`` into groups of parameters set by exactly the same finished trials."""
        n_cols = obs.n_columns
        if study.group_hash.shape[0] < n_cols:
            grown = np.zeros(n_cols, dtype=np.uint64)
            grown[: study.group_hash.shape[0]] = study.group_hash
            study.group_hash = grown
        start, stop = study.group_rows_seen, obs.n_rows
        if stop > start:
            # Each row gets a random 64-bit label; a column's signature is the XOR of the
            # labels of the rows that set it (updated with new rows only).
            labels = self._hash_rng.integers(1, 2**63, size=stop - start, dtype=np.uint64)
            states = obs.states[start:stop]
            usable = (states == _COMPLETE) | (states == _PRUNED)
            present = ~np.isnan(obs.x[start:stop]) & usable[:, None]
            contrib = np.where(present, labels[:, None], np.uint64(0))
            study.group_hash[:n_cols] ^= np.bitwise_xor.reduce(contrib, axis=0)
            study.group_rows_seen = stop
        by_hash: dict[int, list[tuple[str, BaseDistribution]]] = {}
        for name, dist in sorted(space.items()):
            col = obs.column(name, dist)
            if col is None:
                continue
            by_hash.setdefault(int(study.group_hash[col]), []).append((name, dist))
        return [tuple(params) for params in by_hash.values()]

    # -- sampling ----------------------------------------------------------------------
    def _model(self, study: _StudyState, params: tuple[tuple[str, BaseDistribution], ...],
               multivariate: bool) -> _GroupModel:
        key = (multivariate, params)
        model = study.models.get(key)
        if model is None:
            model = _GroupModel(ModelConfig(
                self._gamma, self._weights, self._prior_weight, self._n_ei_candidates,
                self._consider_endpoints, self._n_threads), params, multivariate)
            study.models[key] = model
        return model

    def _liars(self, context: SamplingContext, model: _GroupModel) -> NDArray[np.float64]:
        """Internal points of the other running trials that set every parameter of the group."""
        n_params = len(model.params)
        if not self._constant_liar or context.running.numbers.size == 0:
            return np.empty((0, n_params))
        obs = context.observations
        points = context.running.points([obs.column(name, dist) for name, dist in model.params])
        return np.ascontiguousarray(points[~np.isnan(points).any(axis=1)])

    def _sample_group(self, context: SamplingContext,
                      params: tuple[tuple[str, BaseDistribution], ...],
                      multivariate: bool) -> dict[str, float]:
        obs = context.observations
        model = self._model(self._studies.get(context.study_key), params, multivariate)
        model.update(obs)
        if model.n_valid < max(self._n_startup_trials, 1):
            return {}
        return model.suggest(obs, self._rng, self._liars(context, model))

    def sample_joint(
        self, context: SamplingContext, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        if not search_space:
            return {}
        with self._lock:
            obs = context.observations
            if self._group or not self._multivariate:
                groups = self._groups(self._studies.get(context.study_key), obs, search_space)
            else:
                groups = [tuple(sorted(search_space.items()))]
            result: dict[str, float] = {}
            for params in groups:
                result.update(self._sample_group(context, params, self._multivariate))
            return result

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        if self._starting(context):
            # No model is built or updated during the start-up: the first one used is
            # built from all the observation rows then.
            return self._startup.sample_one(context, name, distribution)
        with self._lock:
            if not _too_narrow(distribution):
                point = self._sample_group(context, ((name, distribution),), False)
                if point:
                    return point[name]
            # Too few trials set this parameter.
            return self._startup.sample_one(context, name, distribution)
