"""Total Sobol indices of a Gaussian-process surrogate, over the whole search space.

Importance as functional ANOVA defines it is a property of f over the whole
search space with every parameter drawn uniformly (internal coordinates: log
scale for log parameters, choices equally likely), not of the places a sampler
happened to visit. The trials only serve to learn f: a GP with one length
scale per parameter (`bbopt.surrogates.GaussianProcess`, Matern 5/2 ARD) is
fitted to them, and the total Sobol index of each parameter is computed on the
GP's posterior mean by Jansen's Monte-Carlo estimator (Saltelli et al.,
"Variance based sensitivity analysis of model output", Comput. Phys. Commun.
181, 2010, eq. f in table 2)::

    T_j = E[(m(A) - m(A_B^j))^2] / (2 Var(m))

with A and B independent uniform points and A_B^j equal to A except for
column j, taken from B. The total index counts a parameter's interactions
too: a parameter that matters only together with another one (``x2`` in
``x1 * x2``) is not missed where a model-based sampler kept its partner in
a region where it has little effect, as a first-order share would. A parameter
absent from a trial (conditional) does not affect that trial's value: it is
given a uniform random value there, which teaches the GP exactly that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution, CategoricalDistribution
from bbopt._kernels._blas_threads import one_blas_thread
from bbopt._validation import ensure_int
from bbopt.importance._table import Target, is_categorical, study_table

FloatArray = NDArray[np.float64]

if TYPE_CHECKING:
    from bbopt._study import Study

_OWNER = "SobolImportanceEvaluator"


class SobolImportanceEvaluator:
    """Total Sobol index of each parameter, on a GP fitted to the trials (see the module).

    Parameters
    ----------
    n_samples : int, default 1024
        Uniform points of each of the two Monte-Carlo samples A and B (the
        GP's mean is evaluated at ``n_samples * (d + 2)`` points).
    max_trials : int, default 1000
        The GP learns f from at most this many trials (a seeded random subset
        of a longer study): its cost grows as the cube of their number.
    max_fit_trials : int, default 200
        Its hyperparameters are fitted to at most this many of them.
    seed : int, optional
        Seed of the Monte-Carlo samples and of the values given to absent
        parameters; the result is a pure function of the study and the seed.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.importance import SobolImportanceEvaluator
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> def objective(trial):
    ...     x, y = trial.suggest_float("x", -1, 1), trial.suggest_float("y", -1, 1)
    ...     return x ** 2 + 0.1 * y + 0 * trial.suggest_int("unused", 0, 9)
    >>> study.optimize(objective, n_trials=40)
    >>> imp = SobolImportanceEvaluator(seed=0).evaluate(study)
    >>> sorted(imp, key=imp.get, reverse=True)
    ['x', 'y', 'unused']
    """

    def __init__(self, n_samples: int = 1024, max_trials: int = 1000,
                 max_fit_trials: int = 200, seed: int | None = None) -> None:
        self.n_samples = ensure_int(n_samples, "n_samples", _OWNER, minimum=2)
        self.max_trials = ensure_int(max_trials, "max_trials", _OWNER, minimum=2)
        self.max_fit_trials = ensure_int(max_fit_trials, "max_fit_trials", _OWNER, minimum=2)
        self.seed = None if seed is None else ensure_int(seed, "seed", _OWNER, minimum=0)

    def evaluate(self, study: Study, params: Sequence[str] | None = None,
                 target: Target | None = None) -> dict[str, float]:
        """Return the raw total Sobol index of each parameter (see the module)."""
        from bbopt.surrogates import GaussianProcess  # imports scipy: on first use only

        table = study_table(study, params, target, _OWNER)
        n, d = table.x.shape
        if n < 2 or d == 0 or float(np.ptp(table.values)) == 0.0:
            return dict.fromkeys(table.names, 0.0)
        rng = np.random.default_rng(self.seed)
        x, values = table.x, table.values
        if n > self.max_trials:
            rows = np.sort(rng.choice(n, size=self.max_trials, replace=False))
            x, values = x[rows], values[rows]
        categorical = np.array([is_categorical(dist) for dist in table.distributions])
        n_choices = np.array([len(dist.choices) if isinstance(dist, CategoricalDistribution)
                              else 0 for dist in table.distributions])
        unit = _unit_coordinates(x, table.distributions, categorical, n_choices, rng)
        gp = GaussianProcess(categorical)
        with one_blas_thread():
            gp.fit(unit, values, restart=False, max_fit_points=self.max_fit_trials)
            a = _uniform(rng, self.n_samples, categorical, n_choices)
            b = _uniform(rng, self.n_samples, categorical, n_choices)
            mean_a = gp.posterior(a)[0]
            variance = float(np.var(np.concatenate([mean_a, gp.posterior(b)[0]])))
            if not math.isfinite(variance) or variance <= 0.0:
                return dict.fromkeys(table.names, 0.0)
            totals = {}
            for j, name in enumerate(table.names):
                mixed = a.copy()
                mixed[:, j] = b[:, j]  # A with column j from B
                change = mean_a - gp.posterior(mixed)[0]
                totals[name] = float(change @ change) / (2 * self.n_samples * variance)
        return totals


def _unit_coordinates(x: FloatArray, distributions: Sequence[BaseDistribution],
                      categorical: NDArray[np.bool_], n_choices: NDArray[np.int64],
                      rng: np.random.Generator) -> FloatArray:
    """The GP's inputs: numeric parameters scaled to [0, 1], choices as indices, and a
    uniform random value where a trial did not use a parameter."""
    unit = np.empty_like(x)
    for j, dist in enumerate(distributions):
        if categorical[j]:
            unit[:, j] = x[:, j]
        else:
            low, high = dist.internal_bounds()
            unit[:, j] = (x[:, j] - low) / (high - low) if high > low else 0.5
    absent = np.isnan(unit)
    if absent.any():
        fill = _uniform(rng, x.shape[0], categorical, n_choices)
        unit[absent] = fill[absent]
    return unit


def _uniform(rng: np.random.Generator, m: int, categorical: NDArray[np.bool_],
             n_choices: NDArray[np.int64]) -> FloatArray:
    """``m`` uniform points of the GP's input space: (m, d)."""
    points = rng.random((m, categorical.size))
    points[:, categorical] = np.floor(points[:, categorical] * n_choices[categorical])
    return points
