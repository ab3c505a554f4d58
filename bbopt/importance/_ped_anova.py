"""PED-ANOVA importance on bbopt's Parzen estimators.

The importance of a parameter is the Pearson divergence between the marginal
density of its values in the top ``quantile`` of the trials and in a region:
the top ``region_quantile`` of them (all trials by default), or the uniform
density over its range (``evaluate_on_local=False``) (Watanabe et al.,
"PED-ANOVA: Efficiently Quantifying Hyperparameter Importance in Arbitrary
Subspaces", IJCAI 2023, eq. 9):

    D_j = integral (p_top(x_j) / p_region(x_j) - 1)^2 p_region(x_j) dx_j

Both densities are univariate Parzen estimators (`bbopt.surrogates`), evaluated
on a grid of the parameter's internal range (its choices for a categorical
one); the integral is the grid sum. A parameter whose good values spread like
all its values gets about 0; one whose good values concentrate gets much more.

The top set and the region are chosen among all complete trials by their
values; a conditional parameter is rated on the trials that used it, and its
divergence is weighted by the fraction of the trials that did (a parameter
used by few trials cannot dominate on a handful of them).

Optionally (``n_baseline > 0``), the divergence of ``n_baseline`` random
draws of as many points from the region (seeded) is averaged and subtracted:
the chance level of a top set that size (not in the paper). It is off by
default: when a sampler concentrates its trials (TPE), random subsets are as
concentrated as the top set and the correction would zero every score.

PED-ANOVA compares the good trials with the region, whatever sampler produced
them: on a model-based study, a parameter the sampler fixed early (even an
unused one) looks concentrated in the top set too. `MainEffectImportanceEvaluator`
ranks such studies better (see docs/importance.md and docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from bbopt._encoding import Encoding
from bbopt._validation import ensure_bool, ensure_finite_real, ensure_int
from bbopt.importance._table import StudyTable, Target, study_table
from bbopt.surrogates import ParzenEstimator, ParzenSpace, scott_bandwidth

if TYPE_CHECKING:
    from bbopt._study import Study

_OWNER = "PedAnovaImportanceEvaluator"


class PedAnovaImportanceEvaluator:
    """Importance as the divergence of the good trials' marginals from the region's.

    Parameters
    ----------
    quantile : float, default 0.1
        Fraction of the complete trials (the best ones) that forms the top
        set, in (0, 1].
    n_grid : int, default 256
        Points at which a numeric parameter's densities are compared.
    prior_weight : float, default 1.0
        Weight of the uniform prior component of each Parzen estimator.
    n_baseline : int, default 0
        Random draws whose divergence (chance level) is subtracted; 0 for none.
    seed : int, default 0
        Seed of the random draws.
    region_quantile : float, default 1.0
        Fraction of the complete trials (the best ones) that forms the region,
        in (quantile, 1].
    evaluate_on_local : bool, default True
        Compare with the region's trials; False: with the uniform density
        over each parameter's range.

    Examples
    --------
    >>> import bbopt
    >>> from bbopt.importance import PedAnovaImportanceEvaluator
    >>> study = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    >>> def objective(trial):
    ...     return trial.suggest_float("x", -1, 1) ** 2 + 0 * trial.suggest_float("y", -1, 1)
    >>> study.optimize(objective, n_trials=200)
    >>> imp = PedAnovaImportanceEvaluator().evaluate(study)
    >>> bool(imp["x"] > 10 * imp["y"])
    True
    """

    def __init__(self, quantile: float = 0.1, n_grid: int = 256, prior_weight: float = 1.0,
                 n_baseline: int = 0, seed: int = 0, region_quantile: float = 1.0,
                 evaluate_on_local: bool = True) -> None:
        quantile = ensure_finite_real(quantile, "quantile", _OWNER)
        if not 0.0 < quantile <= 1.0:
            raise ValueError(
                f"The 'quantile' parameter of {_OWNER} must be in (0, 1]. "
                f"Got {quantile!r} instead."
            )
        self.quantile = quantile
        self.n_grid = ensure_int(n_grid, "n_grid", _OWNER, minimum=2)
        self.prior_weight = ensure_finite_real(prior_weight, "prior_weight", _OWNER)
        if self.prior_weight <= 0.0:
            raise ValueError(
                f"The 'prior_weight' parameter of {_OWNER} must be > 0. Got {prior_weight!r} "
                "instead."
            )
        self.n_baseline = ensure_int(n_baseline, "n_baseline", _OWNER, minimum=0)
        self.seed = ensure_int(seed, "seed", _OWNER, minimum=0)
        self.region_quantile = ensure_finite_real(region_quantile, "region_quantile", _OWNER)
        if not self.quantile < self.region_quantile <= 1.0:
            raise ValueError(
                f"The 'region_quantile' parameter of {_OWNER} must be in (quantile, 1]. "
                f"Got {region_quantile!r} instead."
            )
        self.evaluate_on_local = ensure_bool(evaluate_on_local, "evaluate_on_local", _OWNER)

    def evaluate(self, study: Study, params: Sequence[str] | None = None,
                 target: Target | None = None) -> dict[str, float]:
        """Return the raw (unnormalised) divergence of each parameter.

        Parameters
        ----------
        study : Study
        params : sequence of str, optional
            Parameters to rate (default: all parameters of the complete trials).
        target : callable, optional
            ``FrozenTrial -> float`` to rate instead of the objective (smaller
            is better when the study has several objectives).

        Returns
        -------
        dict of str to float
        """
        table = study_table(study, params, target, _OWNER)
        rng = np.random.default_rng(self.seed)
        y = table.values if table.minimize else -table.values
        n = y.size
        order = np.argsort(y, kind="stable")
        top = np.zeros(n, dtype=bool)
        top[order[:max(1, math.ceil(self.quantile * n))]] = True
        region = np.zeros(n, dtype=bool)
        region[order[:max(2, math.ceil(self.region_quantile * n))]] = True
        return {name: self._divergence(table, j, top, region, rng)
                for j, name in enumerate(table.names)}

    def _divergence(self, table: StudyTable, j: int, top_rows: NDArray[np.bool_],
                    region_rows: NDArray[np.bool_], rng: np.random.Generator) -> float:
        present = ~np.isnan(table.x[:, j])
        x = table.x[present & region_rows, j]
        top = table.x[present & top_rows, j]
        n, n_top = np.count_nonzero(present), top.size
        if n_top == 0 or n < 2:
            return 0.0
        distribution = table.distributions[j]
        encoding = Encoding([distribution], "PedAnovaImportanceEvaluator")
        space = ParzenSpace.from_encoding(encoding)
        numeric = bool(encoding.numeric)
        if not numeric:
            grid = np.arange(space.n_choices[0])
        elif space.discrete[0]:
            grid = np.arange(space.low[0], space.high[0] + 0.5 * space.step[0], space.step[0])
        else:
            grid = np.linspace(space.low[0], space.high[0], self.n_grid)
        if self.evaluate_on_local:
            log_ref = self._log_marginal(space, x, grid, numeric)
            pool = x
        else:
            log_ref = np.zeros(grid.size)
            pool = grid
        divergence = _pearson_divergence(self._log_marginal(space, top, grid, numeric), log_ref)
        if self.n_baseline > 0:
            chance = np.mean([
                _pearson_divergence(
                    self._log_marginal(space, rng.choice(pool, n_top, replace=True), grid,
                                       numeric), log_ref)
                for _ in range(self.n_baseline)
            ])
            divergence = max(divergence - float(chance), 0.0)
        # A conditional parameter counts in proportion to the trials that used it.
        return divergence * n / top_rows.size

    def _log_marginal(self, space: object, x: NDArray[np.float64], grid: NDArray[np.float64],
                      numeric: bool) -> NDArray[np.float64]:
        centres, counts = _compressed(x, space, numeric)  # type: ignore[arg-type]
        est = ParzenEstimator(space, prior_weight=self.prior_weight,  # type: ignore[arg-type]
                              capacity=centres.size, shared=True)
        column = centres[:, None]
        empty = np.empty((centres.size, 0))
        if numeric:
            est.append(column, empty, np.zeros(1))
            est.set_shared_sigma(scott_bandwidth(est.space, x.size, 1))
        else:
            est.append(empty, column, np.zeros(0))
        # Weights sum to n (the prior keeps its weight relative to n observations).
        log_w = est.log_weights(counts)
        points = grid[:, None].astype(np.float64)
        if numeric:
            out, _ = est.log_pdf_univariate(points, np.empty((grid.size, 0)), log_w)
        else:
            _, out = est.log_pdf_univariate(np.empty((grid.size, 0)), points, log_w)
        return out[:, 0]  # type: ignore[no-any-return]


#: Above this many observations, a continuous parameter's values are binned (this many
#: bins): one weighted component per bin, far narrower than any kernel (>= width / 100).
_N_BINS = 2048


def _compressed(x: NDArray[np.float64], space: ParzenSpace, numeric: bool
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distinct centres and their counts: exact for discrete values, binned when many."""
    if not numeric or space.discrete[0] or x.size <= _N_BINS:
        centres, counts = np.unique(x, return_counts=True)
        if centres.size <= max(_N_BINS, 1) or not numeric:
            return centres, counts.astype(np.float64)
    low, high = float(space.low[0]), float(space.high[0])
    cell = np.clip(((x - low) / (high - low) * _N_BINS).astype(np.int64), 0, _N_BINS - 1)
    counts = np.bincount(cell, minlength=_N_BINS).astype(np.float64)
    sums = np.bincount(cell, weights=x, minlength=_N_BINS)
    used = counts > 0
    # Each bin's component sits at the mean of its values (inside the box).
    return sums[used] / counts[used], np.asarray(counts[used], dtype=np.float64)


def _pearson_divergence(log_p: NDArray[np.float64], log_q: NDArray[np.float64]) -> float:
    """Pearson divergence of p from q, both given on the same grid (normalised here).

    ``sum_g q_g (p_g / q_g - 1)^2`` with ``p`` and ``q`` rescaled to sum to 1.
    """
    p = np.exp(log_p - np.logaddexp.reduce(log_p))
    q = np.exp(log_q - np.logaddexp.reduce(log_q))
    return float(np.sum(q * (p / q - 1.0) ** 2))
