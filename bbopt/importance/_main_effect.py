"""fANOVA-style importance: first-order variance shares estimated from the trials.

Functional ANOVA writes the variance of f over the space as a sum of the
variances of its main effects and interactions; the importance of parameter j
is the share of its main effect, ``Var_j(E[f | x_j]) / Var(f)`` (Hutter et al.,
"An Efficient Approach for Assessing Hyperparameter Importance", ICML 2014,
eq. 4 restricted to single parameters). Instead of a random-forest surrogate
(which would need a new dependency), ``E[f | x_j]`` is estimated directly
from the trials by averaging the values in ``n_bins`` equal-count bins of
``x_j`` (one bin per choice for a categorical parameter). Random subsamples
of ``subsample`` of the trials (seeded) average out the binning noise, and
the between-bin variance that noise alone would give (estimated from the
within-bin variance) is subtracted, so an unused parameter gets about 0.

Trials sampled by a model-based sampler are not uniform over the space, so
the estimate weighs the regions the sampler visited most; use it on random or
QMC studies for a faithful decomposition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bbopt._validation import ensure_finite_real, ensure_int
from bbopt.importance._table import Target, is_categorical, study_table

if TYPE_CHECKING:
    from bbopt._study import Study

_OWNER = "MainEffectImportanceEvaluator"


class MainEffectImportanceEvaluator:
    """Share of the objective's variance explained by each parameter alone.

    Parameters
    ----------
    n_bins : int, default 20
        Equal-count bins of a numeric parameter (fewer when there are few trials).
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
        # Bins of every parameter from all the trials that used it; 0 for the others.
        d = len(table.names)
        bins = np.zeros((n, d), dtype=np.int64)
        for j in range(d):
            present = ~np.isnan(table.x[:, j])
            if np.any(present):
                bins[present, j] = 1 + self._bins(table.x[present, j],
                                                  is_categorical(table.distributions[j]), d)
        shares = np.mean([_backfitted_shares(bins[idx], table.values[idx]) for idx in subsets],
                         axis=0)
        return {name: float(share) for name, share in zip(table.names, shares, strict=True)}

    def _bins(self, x: NDArray[np.float64], categorical: bool, d: int) -> NDArray[np.int64]:
        if categorical:
            return x.astype(np.int64)
        # Equal-count bins of all the values; the d parameters' bins are fitted together,
        # so at least 2 * d trials per bin of each.
        n_bins = max(2, min(self.n_bins, x.size // (2 * d)))
        # Ties (ints, steps) share the bin of their first rank: equal values never split.
        order = np.sort(x)
        first = np.searchsorted(order, x, side="left")
        return (first * n_bins // max(x.size, 1)).astype(np.int64)


def _backfitted_shares(bins: NDArray[np.int64], y: NDArray[np.float64],
                       sweeps: int = 10) -> NDArray[np.float64]:
    """Variance shares of the main effects of an additive model fitted by backfitting.

    ``f ~ mean + sum_j g_j(bin_j)``, each ``g_j`` the bin means of the partial
    residual, fitted jointly: when a sampler draws parameters together (TPE
    concentrating good values of several parameters over time), a parameter
    that does not enter f gets no share of the effect of those that do, as it
    would with each parameter's own bin means. The variance that noise alone
    gives bin means (residual variance per degree of freedom times the free bin
    means / n) is subtracted. Bin 0 holds the trials without the parameter: its
    effect there is 0, so a conditional parameter's share is its effect where used.
    """
    n, d = bins.shape
    total = float(np.var(y))
    if n < 2 or total <= 0.0:
        return np.zeros(d)
    counts = [np.bincount(bins[:, j]).astype(np.float64) for j in range(d)]
    effects = np.zeros((n, d))
    residual = y - y.mean()
    for _ in range(sweeps):
        for j in range(d):
            partial = residual + effects[:, j]
            sums = np.bincount(bins[:, j], weights=partial, minlength=counts[j].size)
            means = np.divide(sums, counts[j], out=np.zeros_like(sums), where=counts[j] > 0)
            means[0] = 0.0  # no effect where the parameter is absent (conditional spaces)
            effects[:, j] = means[bins[:, j]]
            residual = partial - effects[:, j]
    # Free bin means of each parameter: all its bins beside an absent group (fixed at 0),
    # one fewer without it (the mean takes one).
    free = np.array([np.count_nonzero(c[1:]) - (c[0] == 0) for c in counts])
    # Residual variance per degree of freedom left by the additive model's bin means.
    noise = float(residual @ residual) / max(n - 1 - int(np.sum(free)), 1)
    out = np.maximum(np.var(effects, axis=0) - noise * free / n, 0.0) / total
    return out
