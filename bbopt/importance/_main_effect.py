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
        out = {}
        for j, name in enumerate(table.names):
            present = ~np.isnan(table.x[:, j])
            if np.count_nonzero(present) < 2:
                out[name] = 0.0
                continue
            # Bins from all the trials that used the parameter; -1 for the others.
            bins = np.full(n, -1, dtype=np.int64)
            bins[present] = self._bins(table.x[present, j],
                                       is_categorical(table.distributions[j]))
            shares = []
            for idx in subsets:
                idx = idx[bins[idx] >= 0]
                shares.append(_main_effect_share(bins[idx], table.values[idx]))
            out[name] = float(np.mean(shares))
        return out

    def _bins(self, x: NDArray[np.float64], categorical: bool) -> NDArray[np.int64]:
        if categorical:
            return x.astype(np.int64)
        n_bins = max(1, min(self.n_bins, x.size // 4))  # equal-count bins of all the values
        # Ties (ints, steps) share the bin of their first rank: equal values never split.
        order = np.sort(x)
        first = np.searchsorted(order, x, side="left")
        return (first * n_bins // max(x.size, 1)).astype(np.int64)


def _main_effect_share(bins: NDArray[np.int64], y: NDArray[np.float64]) -> float:
    """Between-bin variance of the bin means over the total variance, noise-corrected."""
    n = y.size
    total = float(np.var(y))
    if n < 2 or total <= 0.0:
        return 0.0
    counts = np.bincount(bins).astype(np.float64)
    sums = np.bincount(bins, weights=y)
    used = counts > 0
    means = sums[used] / counts[used]
    mean = y.mean()
    between = float(np.sum(counts[used] * (means - mean) ** 2) / n)
    within = total - between
    n_used = int(np.count_nonzero(used))
    # Noise alone puts about (n_used - 1) / (n - n_used) of the within-bin variance between bins.
    noise = (n_used - 1) / float(max(n - n_used, 1)) * within
    return max(between - noise, 0.0) / total
