"""fANOVA-style importance: first-order variance shares estimated from the trials.

Functional ANOVA writes the variance of f over the space as a sum of the
variances of its main effects and interactions; the importance of parameter j
is the share of its main effect, ``Var_j(E[f | x_j]) / Var(f)`` (Hutter et al.,
"An Efficient Approach for Assessing Hyperparameter Importance", ICML 2014,
eq. 4 restricted to single parameters). Instead of a random-forest surrogate
(which would need a new dependency), the main effects are estimated from the
trials as an additive model ``f ~ mean + sum_j g_j(x_j)`` fitted by
backfitting: each ``g_j`` is a running mean of the partial residual over the
nearest values of ``x_j`` (the mean of each choice for a categorical
parameter), all fitted jointly, so that a parameter drawn together with an
important one (as a model-based sampler draws them) does not borrow its
effect. Random subsamples of ``subsample`` of the trials (seeded) are
averaged, and the variance that noise alone would give each ``g_j`` (from
the residual variance and the smoother's degrees of freedom) is subtracted,
so an unused parameter gets about 0. A conditional parameter's effect is
fitted on the trials that used it (0 elsewhere).

Trials sampled by a model-based sampler are not uniform over the space, so
the estimate weighs the regions the sampler visited most; use it on random or
QMC studies for a faithful decomposition.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bbopt._validation import ensure_finite_real, ensure_int
from bbopt.importance._table import Target, is_categorical, study_table

FloatArray = NDArray[np.float64]

if TYPE_CHECKING:
    from bbopt._study import Study

_OWNER = "MainEffectImportanceEvaluator"


class MainEffectImportanceEvaluator:
    """Share of the objective's variance explained by each parameter alone.

    Parameters
    ----------
    n_bins : int, default 20
        The most degrees of freedom of a numeric parameter's running mean (its
        window spans at least ``subsample * n / n_bins`` trials, and at least
        ``2 * d + 1`` for d parameters, fewer degrees of freedom with few trials).
    n_resamples : int, default 16
        Subsamples (without replacement) whose estimates are averaged.
    subsample : float, default 0.8
        Fraction of the trials in each subsample, in (0, 1].
    seed : int, optional
        Seed of the resampling; the result is a pure function of the study and the seed.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.importance import MainEffectImportanceEvaluator
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> def objective(trial):
    ...     return trial.suggest_float("x", -1, 1) ** 2 + 0 * trial.suggest_float("y", -1, 1)
    >>> study.optimize(objective, n_trials=200)
    >>> imp = MainEffectImportanceEvaluator(seed=0).evaluate(study)
    >>> imp["x"] > 10 * imp["y"]
    True
    """

    def __init__(self, n_bins: int = 20, n_resamples: int = 16, subsample: float = 0.8,
                 seed: int | None = None) -> None:
        self.n_bins = ensure_int(n_bins, "n_bins", _OWNER, minimum=2)
        self.n_resamples = ensure_int(n_resamples, "n_resamples", _OWNER, minimum=1)
        self.subsample = ensure_finite_real(subsample, "subsample", _OWNER)
        if not 0.0 < self.subsample <= 1.0:
            raise ValueError(
                f"The 'subsample' parameter of {_OWNER} must be in (0, 1]. Got {subsample!r} "
                "instead."
            )
        self.seed = None if seed is None else ensure_int(seed, "seed", _OWNER, minimum=0)

    def evaluate(self, study: Study, params: Sequence[str] | None = None,
                 target: Target | None = None) -> dict[str, float]:
        """Return the raw first-order variance share of each parameter (see the module)."""
        table = study_table(study, params, target, _OWNER)
        rng = np.random.default_rng(self.seed)
        n = table.values.size
        m = min(n, max(2, round(self.subsample * n)))
        # The same subsamples (of all complete trials) for every parameter.
        subsets = [rng.choice(n, size=m, replace=False) for _ in range(self.n_resamples)]
        d = len(table.names)
        categorical = [is_categorical(dist) for dist in table.distributions]
        shares = np.mean([_backfitted_shares(table.x[idx], categorical, table.values[idx],
                                             max(d, math.ceil(m / (2 * self.n_bins))))
                          for idx in subsets], axis=0)
        return {name: float(share) for name, share in zip(table.names, shares, strict=True)}

def _smoother(x: NDArray[np.float64], categorical: bool, half_width: int
              ) -> tuple[Callable[[FloatArray], FloatArray], float]:
    """A linear smoother over the rows where ``x`` is not NaN, and its degrees of freedom.

    Categorical: the mean of each choice. Numeric: the running mean over the
    ``2 * half_width + 1`` nearest values in rank order, equal values averaged
    together. The smoother returns 0 where ``x`` is NaN (the parameter is
    absent): a conditional parameter's effect is its effect where it is used.
    """
    present = ~np.isnan(x)
    m = int(np.count_nonzero(present))
    codes = np.unique(x[present], return_inverse=True)[1].ravel()
    tie_counts = np.bincount(codes).astype(np.float64)
    if categorical or tie_counts.size <= 2:
        def smooth(r: FloatArray) -> FloatArray:
            out = np.zeros(x.size)
            out[present] = (np.bincount(codes, weights=r[present]) / tie_counts)[codes]
            return out
        return smooth, float(tie_counts.size)
    order = np.argsort(x[present], kind="stable")
    i = np.arange(m)
    lo, hi = np.maximum(i - half_width, 0), np.minimum(i + half_width + 1, m)
    width = (hi - lo).astype(np.float64)

    def smooth_numeric(r: FloatArray) -> FloatArray:
        sums = np.concatenate([[0.0], np.cumsum(r[present][order])])
        local = np.empty(m)
        local[order] = (sums[hi] - sums[lo]) / width
        out = np.zeros(x.size)
        out[present] = (np.bincount(codes, weights=local) / tie_counts)[codes]
        return out
    return smooth_numeric, float(np.sum(1.0 / width))


def _backfitted_shares(x: FloatArray, categorical: Sequence[bool], y: FloatArray,
                       half_width: int, sweeps: int = 10) -> FloatArray:
    """Variance shares of the main effects of an additive model fitted by backfitting.

    ``f ~ mean + sum_j g_j(x_j)``, each ``g_j`` a smooth of the partial residual
    against ``x_j`` (see `_smoother`), fitted jointly: when a sampler draws
    parameters together (TPE concentrating good values of several parameters
    over time), a parameter that does not enter f gets no share of the effect
    of those that do, as it would with its own smooth of f. The variance that
    noise alone gives a smooth (residual variance per degree of freedom times
    the smooth's degrees of freedom / n) is subtracted.
    """
    n, d = x.shape
    total = float(np.var(y))
    if n < 2 or total <= 0.0:
        return np.zeros(d)
    smoothers = [_smoother(x[:, j], categorical[j], half_width) for j in range(d)]
    # One degree of freedom of a parameter used by every trial goes to the mean.
    free = np.array([df - (not np.isnan(x[:, j]).any()) for j, (_, df) in enumerate(smoothers)])
    effects = np.zeros((n, d))
    residual = y - y.mean()
    for _ in range(sweeps):
        for j, (smooth, _) in enumerate(smoothers):
            partial = residual + effects[:, j]
            effects[:, j] = smooth(partial)
            residual = partial - effects[:, j]
    noise = float(residual @ residual) / max(n - 1 - float(np.sum(free)), 1.0)
    return np.maximum(np.var(effects, axis=0) - noise * free / n, 0.0) / total  # type: ignore[no-any-return]
