"""Quasi-random sampling with scipy.stats.qmc (Sobol or Halton)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np

from bbopt._distributions import BaseDistribution
from bbopt._validation import ensure_bool, ensure_one_of, ensure_seed
from bbopt.samplers._base import ArraySampler
from bbopt.samplers._constraints import ConstraintsFunc, check_constraints_func
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._random import RandomSampler

if TYPE_CHECKING:
    from scipy.stats import qmc

_FIRST_BLOCK = 64


class QMCSampler(ArraySampler):
    """Cover the search space evenly with a low-discrepancy sequence.

    Trial number ``k`` takes point ``k`` of the sequence, over the study's
    shared search space (the parameters every complete trial used). Until
    that space is known (the first trial) and for parameters outside it,
    values are drawn uniformly at random.

    Parameters
    ----------
    qmc_type : {"sobol", "halton"}, default "sobol"
    scramble : bool, default True
        Randomise the sequence (Owen scrambling for Sobol); needs a seed to
        be reproducible.
    seed : int, optional
    constraints_func : callable, optional
        ``constraints_func(trial) -> sequence of floats``, called with the
        `bbopt.FrozenTrial` of each trial that finishes COMPLETE or PRUNED;
        the trial is feasible when all values are <= 0. The values are kept
        with the trial (``system_attrs["constraints"]``) for
        `bbopt.Study.best_trial` (feasible first) and the other samplers; they
        do not change the sequence.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.QMCSampler(qmc_type="halton", seed=0)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 1, 4),
    ...                n_trials=16)
    >>> len(study.trials)
    16
    """

    def __init__(
        self, qmc_type: str = "sobol", scramble: bool = True, seed: int | None = None,
        constraints_func: ConstraintsFunc | None = None,
    ) -> None:
        owner = "QMCSampler"
        self._constraints_func = check_constraints_func(constraints_func, owner)
        self._qmc_type = ensure_one_of(qmc_type, "qmc_type", owner, ("sobol", "halton"))
        self._scramble = ensure_bool(scramble, "scramble", owner)
        self._seed = ensure_seed(seed, owner)
        self._independent = RandomSampler(seed)
        self._lock = threading.Lock()
        self._space: dict[str, BaseDistribution] = {}
        self._points = np.empty((0, 0))  # (n_generated, n_dims) in [0, 1)
        self._engine: qmc.QMCEngine | None = None

    def reseed_rng(self, seed: int | None = None) -> None:
        self._seed = seed
        self._independent.reseed_rng(seed)
        with self._lock:
            self._space = {}
            self._engine = None

    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        space = context.observations.shared_search_space()
        return {name: space[name] for name in sorted(space) if not space[name].single()}

    def sample_joint(
        self, context: SamplingContext, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        if not search_space:
            return {}
        point = self._point(context.trial_number, search_space)
        result = {}
        for u, (name, distribution) in zip(point.tolist(), search_space.items()):
            low, high = distribution.internal_bounds()
            result[name] = low * (1.0 - u) + high * u
        return result

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        return self._independent.sample_one(context, name, distribution)

    def _point(self, index: int, space: dict[str, BaseDistribution]) -> np.ndarray:
        """Return point ``index`` of the sequence over ``space``, shape (n_dims,)."""
        with self._lock:
            if self._engine is None or space != self._space:
                self._space = dict(space)
                self._engine = self._new_engine(len(space))
                self._points = np.empty((0, len(space)))
            while index >= len(self._points):
                n_new = max(_FIRST_BLOCK, len(self._points))  # keeps totals powers of 2
                self._points = np.concatenate([self._points, self._engine.random(n_new)])
            return self._points[index]

    def _new_engine(self, n_dims: int) -> qmc.QMCEngine:
        from scipy.stats import qmc  # scipy.stats takes ~0.3 s to import: only when used

        if self._qmc_type == "sobol":
            return qmc.Sobol(n_dims, scramble=self._scramble, seed=self._seed)
        return qmc.Halton(n_dims, scramble=self._scramble, seed=self._seed)
