"""CMA-ES in the unit cube: one run per restart, and the restart strategies.

Notations
---------
n_dims (d) : dimensions of the unit cube [0, 1]^d the search works in
popsize (lambda) : points per generation;  mu = lambda // 2 selected
mean (d,), sigma : the search distribution N(mean, sigma^2 C)

Three variants share the interface of `_Run`: ``"full"`` (C a full matrix,
its eigendecomposition refreshed once ``max(1, 0.1 / (d (c_1 + c_mu)))``
generations have passed: the lazy update of [H16, B.2], the gap pycma uses
too; every generation up to about 100 dimensions, where a staler
decomposition slowed the adaptation measurably at budgets of 100 d),
``"sep"`` (C diagonal, learning rates scaled by (d + 2) / 3 [RH08]) and
``"lm"`` (LM-MA-ES [LGB17]: m = 4 + floor(3 ln d) direction vectors, O(m d)
per point). Default rates are those of [H16,
table 1], with negative weights (active CMA) for the full variant.

Bounds: a sampled point outside the cube is drawn again (up to 10 d times,
as Optuna's sampler does over the ``cmaes`` package), and only then mirrored
into it (reflection at 0 and 1, periodically); the update uses the points as
evaluated, so the mean (a weighted mean of points in the cube) never leaves
it.

Discrete coordinates (integers, steps) may get the margin of [HSNO22]
(see `Margin`): points are then drawn from N(mean, sigma^2 A C A) with A a
diagonal scaling that the margin widens, and the update sees A^-1 (x - mean).

Categorical coordinates (see `Categories`) are drawn beside the Gaussian
part from one categorical distribution each, and updated with the same
ranking of the joint points [HNSO24].

Learning-rate adaptation [NAO23] (full variant): after each update, the
changes of the mean and of Sigma = sigma^2 C are scaled by learning rates
eta_m, eta_Sigma in (0, 1], adapted to keep the signal-to-noise ratio of
these changes (estimated by moving averages, in the coordinates of the
previous distribution) near a target (see `LearningRates`).

References
----------
[H16] N. Hansen, The CMA Evolution Strategy: A Tutorial, arXiv:1604.00772.
[RH08] R. Ros and N. Hansen, A Simple Modification in CMA-ES Achieving
Linear Time and Space Complexity, PPSN X, 2008.
[LGB17] I. Loshchilov, T. Glasmachers and H.-G. Beyer, Limited-Memory Matrix
Adaptation for Large Scale Black-box Optimization, arXiv:1705.06693.
[AH05] A. Auger and N. Hansen, A Restart CMA Evolution Strategy With
Increasing Population Size, CEC 2005 (IPOP).
[H09] N. Hansen, Benchmarking a BI-Population CMA-ES on the BBOB-2009
Function Testbed, GECCO 2009 (BIPOP).
[HSNO22] R. Hamano, S. Saito, M. Nomura and S. Shirakawa, CMA-ES with Margin,
GECCO 2022.
[NAO23] M. Nomura, Y. Akimoto and I. Ono, CMA-ES with Learning Rate
Adaptation: Can CMA-ES with Default Population Size Solve Multimodal and
Noisy Problems?, GECCO 2023.
[HNSO24] R. Hamano, M. Nomura, S. Saito, K. Uchida and S. Shirakawa, CatCMA:
Stochastic Optimization for Mixed-Category Problems, GECCO 2024.
[OAAH17] Y. Ollivier, L. Arnold, A. Auger and N. Hansen, Information-Geometric
Optimization Algorithms: A Unifying Picture via Invariance Principles, JMLR 2017.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import numpy as np

from bbopt._kernels import (
    CMA_N_RATES,
    cma_eigen,
    cma_sample,
    cma_update,
    cma_update_sep,
    lmma_sample,
    lmma_update,
)
from bbopt._kernels._blas_threads import one_blas_thread

#: Largest dimension for which ``variant="auto"`` keeps a full covariance matrix.
FULL_MAX_DIMS = 200
_TOL_FUN = 1e-12
_TOL_X = 1e-12
_MAX_CONDITION = 1e14
#: A point outside the cube is drawn again up to this many times the dimension
#: (Optuna's ``n_max_resampling = 10 d``), then mirrored.
MAX_REDRAWS_PER_DIM = 10


def default_popsize(n_dims: int) -> int:
    """lambda = 4 + floor(3 ln d) [H16, table 1]."""
    return 4 + math.floor(3 * math.log(n_dims))


def resolve_variant(variant: str, n_dims: int) -> str:
    """The variant ``"auto"`` stands for at ``n_dims`` (full up to `FULL_MAX_DIMS`, else lm)."""
    if variant != "auto":
        return variant
    return "full" if n_dims <= FULL_MAX_DIMS else "lm"


def mirror(x: np.ndarray) -> np.ndarray:
    """Reflect ``x`` into [0, 1] at both ends, periodically (in place; returned)."""
    np.remainder(x, 2.0, out=x)
    np.subtract(2.0, x, out=x, where=x > 1.0)
    return x


class _Run:
    """One CMA-ES run: a search distribution and its update, until it stops."""

    def __init__(self, variant: str, mean: np.ndarray, sigma: float, popsize: int,
                 cov: np.ndarray | None = None, margin: Margin | None = None,
                 lr_adapt: bool = False, n_choices: tuple[int, ...] = ()) -> None:
        d = mean.shape[0]
        self.margin = margin
        self.scale_a = np.ones(d)  # the diagonal A of the margin [HSNO22]
        self.learning_rates = LearningRates(d) if lr_adapt and variant == "full" else None
        self.variant = variant
        self.popsize = lam = popsize
        self.mu = mu = lam // 2
        # [H16, table 1]: raw weights ln((lambda + 1) / 2) - ln i for i = 1..lambda.
        raw = math.log((lam + 1) / 2) - np.log(np.arange(1, lam + 1))
        positive = raw[:mu] / raw[:mu].sum()
        mueff = 1.0 / float(positive @ positive)
        chi_n = math.sqrt(d) * (1 - 1 / (4 * d) + 1 / (21 * d * d))
        c_sigma = (mueff + 2) / (d + mueff + 5)
        d_sigma = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (d + 1)) - 1) + c_sigma
        c_c = (4 + mueff / d) / (d + 4 + 2 * mueff / d)
        c_1 = 2 / ((d + 1.3) ** 2 + mueff)
        c_mu = min(1 - c_1, 2 * (0.25 + mueff - 2 + 1 / mueff) / ((d + 2) ** 2 + mueff))
        self.weights = positive
        self.categories = Categories(list(n_choices), mueff) if n_choices else None
        if variant == "full":  # active CMA: negative weights for the worse half
            negative = raw[mu:]
            mueff_neg = float(negative.sum() ** 2 / (negative @ negative)) if negative.size else 0
            scale = min(1 + c_1 / c_mu, 1 + 2 * mueff_neg / (mueff + 2),
                        (1 - c_1 - c_mu) / (d * c_mu))
            if negative.size and negative.sum() < 0:
                self.weights = np.concatenate([positive, scale * negative / -negative.sum()])
        if variant == "sep":  # [RH08]
            c_1 *= (d + 2) / 3
            c_mu = min(1 - c_1, c_mu * (d + 2) / 3)
        if variant == "lm":  # [LGB17, Algorithm 1]
            c_sigma, d_sigma, c_c, c_1, c_mu = min(1.0, 2 * lam / d), 1.0, 0.0, 0.0, 0.0
        self.rates = np.array([1.0, c_sigma, d_sigma, c_c, c_1, c_mu, mueff, chi_n])
        assert self.rates.shape == (CMA_N_RATES,)
        self.mean = mean.astype(np.float64, copy=True)
        self.sigma = np.array([float(sigma)])
        self.sigma0 = float(sigma)
        self.p_sigma = np.zeros(d)
        self.p_c = np.zeros(d)
        self.generation = 0
        self.stop_reason = ""
        self._history: deque[float] = deque(maxlen=10 + math.ceil(30 * d / lam))
        if variant == "full":
            self.cov = np.eye(d) if cov is None else np.array(cov, dtype=np.float64)
            self.bd, self.invsqrt = np.empty((d, d)), np.empty((d, d))
            self.eigenvalues = np.empty(d)
            self._eigen_gap = max(1.0, 0.1 / (d * (c_1 + c_mu)))
            if self.learning_rates is not None:  # Sigma^-1/2 of each generation is needed
                self._eigen_gap = 1.0
            self._refresh_eigen()
        elif variant == "sep":
            self.cov = np.ones(d) if cov is None else np.array(np.diag(cov), dtype=np.float64)
        else:
            m = 4 + math.floor(3 * math.log(d))
            powers = np.arange(m, dtype=np.float64)
            self.c_d = 1 / (1.5**powers * d)
            self.c_c_vectors = np.minimum(1.0, lam / (4.0**powers * d))
            self.vectors = np.zeros((m, d))

    @property
    def n_dims(self) -> int:
        return int(self.mean.shape[0])

    def _refresh_eigen(self) -> None:
        cma_eigen(self.cov, self.bd, self.invsqrt, self.eigenvalues)
        self._eigen_generation = self.generation

    def _n_vectors(self) -> int:
        """LM-MA-ES uses the first min(generation, m) vectors [LGB17]."""
        return min(self.generation, self.vectors.shape[0])

    def sample(self, z: np.ndarray, u: np.ndarray | None = None,
               redraw: Callable[[int], np.ndarray] | None = None) -> np.ndarray:
        """Points for standard normal draws ``z`` (n, d) and uniform draws ``u`` (n, k).

        The first d columns are in the cube; with categories, k more columns
        hold the choice indices drawn from ``u``. A point outside the cube is
        drawn again from ``redraw(k)`` (k new rows of standard normal draws),
        up to `MAX_REDRAWS_PER_DIM` d times, as Optuna's sampler does over the
        ``cmaes`` package; only a point still outside after that is mirrored.
        Mirroring alone lets a point near a face land far out in the metric
        of an elongated C (Mahalanobis norms over 200 against about 3 in
        d = 10 were seen on Discus), which inflates p_sigma and sigma and
        wrecks the run without any stop criterion firing.
        """
        x = self._gaussian(z)
        if redraw is not None:
            for _ in range(MAX_REDRAWS_PER_DIM * self.n_dims):
                outside = np.flatnonzero(((x < 0.0) | (x > 1.0)).any(axis=1))
                if outside.size == 0:
                    break
                x[outside] = self._gaussian(redraw(outside.size))
        mirror(x)
        if self.categories is None or u is None:
            return x
        return np.hstack([x, self.categories.sample(u)])

    def _gaussian(self, z: np.ndarray) -> np.ndarray:
        """mean + sigma A (the variant's transform of) ``z``, before any bound handling."""
        x = np.empty_like(z)
        if self.variant == "full":
            cma_sample(z, self.mean, float(self.sigma[0]), self.bd, x)
        elif self.variant == "sep":
            np.multiply(z, np.sqrt(self.cov) * self.sigma[0], out=x)
            x += self.mean
        else:
            k = self._n_vectors()
            steps = np.empty_like(z)
            lmma_sample(z, self.mean, float(self.sigma[0]), self.vectors[:k], self.c_d[:k],
                        steps, x)
        if self.margin is not None:
            x -= self.mean
            x *= self.scale_a
            x += self.mean
        return x

    @one_blas_thread()
    def update(self, x: np.ndarray, values: np.ndarray) -> None:
        """One generation: ``x`` (popsize, d [+ k]) points as `sample` gives, ``values``.

        The linear algebra (the eigendecomposition, the learning rates'
        products) runs on one BLAS thread: the scope is entered once a
        generation, not once a point.
        """
        order = np.argsort(values, kind="stable")
        ranked = values[order]
        d = self.n_dims
        if self.categories is not None:
            self.categories.update(x[order[: self.mu], d:], self.weights[: self.mu])
        selected = np.ascontiguousarray(x[order[: self.weights.shape[0]], :d])
        y = (selected - self.mean) / self.sigma[0]
        if self.margin is not None:
            y /= self.scale_a
        rates = self.learning_rates
        before = None if rates is None else rates.snapshot(self)
        try:
            if self.variant == "full":
                cma_update(y, self.weights, self.rates, self.generation, self.invsqrt,
                           self.mean, self.sigma, self.p_sigma, self.p_c, self.cov)
            elif self.variant == "sep":
                cma_update_sep(y, self.weights, self.rates, self.generation, self.mean,
                               self.sigma, self.p_sigma, self.p_c, self.cov)
            else:
                k = self._n_vectors()
                lmma_update(self._lm_whiten(y, k), y, self.weights, self.rates,
                            self.c_c_vectors, self.mean, self.sigma, self.p_sigma,
                            self.vectors)
            if rates is not None and before is not None:
                rates.adapt(self, *before)
            self.generation += 1
            if self.variant == "full" and (
                    self.generation - self._eigen_generation >= self._eigen_gap):
                self._refresh_eigen()
            if self.margin is not None and self.variant != "lm":
                diag = np.diag(self.cov) if self.variant == "full" else self.cov
                self.margin.correct(self.mean, float(self.sigma[0]) * np.sqrt(diag),
                                    self.scale_a)
        except ValueError as exc:  # a degenerate distribution: this run is over
            self.stop_reason = f"numerical: {exc}"
            return
        self.stop_reason = self._stop_reason(ranked)

    def _lm_whiten(self, steps: np.ndarray, k: int) -> np.ndarray:
        """The z that `lmma_sample` maps to ``steps`` (the transform inverted).

        Each factor (1 - c) I + c v v^T has the inverse
        (I - c v v^T / (1 - c + c |v|^2)) / (1 - c); they are undone in reverse
        order, so the update sees the z of the mirrored points.
        """
        z = steps.copy()
        for j in range(k - 1, -1, -1):
            v, c = self.vectors[j], self.c_d[j]
            coef = c / (1 - c + c * float(v @ v))
            z -= coef * np.outer(z @ v, v)
            z /= 1 - c
        return z

    def _stop_reason(self, ranked: np.ndarray) -> str:
        """The first termination criterion met [H16, B.3], or ""."""
        d, sigma = self.n_dims, float(self.sigma[0])
        best, worst = float(ranked[0]), float(ranked[-1])  # ranked ascending
        if not (math.isfinite(best) and math.isfinite(worst)):
            finite = ranked[np.isfinite(ranked)]
            best, worst = (float(finite[0]), float(finite[-1])) if finite.size else (
                math.inf, -math.inf)
        if math.isfinite(best):
            self._history.append(best)
        k = min(len(ranked) - 1, math.ceil(0.1 + self.popsize / 4))
        if math.isfinite(ranked[0]) and ranked[0] == ranked[k]:
            return "flat fitness"
        if (len(self._history) == self._history.maxlen and math.isfinite(best)
                and max(max(self._history), worst) - min(min(self._history), best) < _TOL_FUN):
            return "tolfun"
        if self.variant == "lm":
            scale = np.ones(d)
        elif self.variant == "sep":
            scale = np.sqrt(self.cov)
        else:
            scale = np.sqrt(np.diag(self.cov))
        if sigma * max(float(scale.max()), float(np.abs(self.p_c).max())) < _TOL_X:
            return "tolx"
        if self.variant == "full":
            if self.eigenvalues[-1] > _MAX_CONDITION * self.eigenvalues[0]:
                return "condition"
            axis = self.generation % d
            if np.array_equal(self.mean, self.mean + 0.1 * sigma * self.bd[:, axis]):
                return "noeffectaxis"
        elif self.variant == "sep" and self.cov.max() > _MAX_CONDITION * self.cov.min():
            return "condition"
        scale *= 0.2 * sigma
        scale += self.mean
        if np.any(self.mean == scale):
            return "noeffectcoord"
        return ""


class Categories:
    """Categorical coordinates beside CMA-ES's Gaussian, updated by the joint ranking.

    Coordinate j takes choice c with probability ``q_j[c]``; a joint point
    is a Gaussian part and one choice per categorical coordinate, ranked by
    its value as a whole. After each generation, with the positive recombination
    weights ``w_i`` of the ``mu`` best points (summing to 1) and their choices
    ``c_i``, each distribution moves along the natural gradient of the
    ranking-based utility of the information-geometric framework [OAAH17]:
    ``q_j <- q_j + eta sum_i w_i (e_{c_ij} - q_j)``, the update of the
    categorical part of CatCMA [HNSO24] (whose joint natural gradient is
    block-diagonal over a product of a Gaussian and categoricals).

    Simplifications against CatCMA, stated: the learning rate is fixed,
    ``eta = min(1, mu_eff / (n_free + 2 mu_eff))`` with ``n_free = sum_j
    (K_j - 1)`` the number of free probabilities (a rank-mu-like rate; CatCMA
    derives its rate from the Fisher metric and scales it with the Gaussian's
    step), and the margin keeps every probability at least
    ``(1 - 0.73^(1 / n_cat)) / (K_j - 1)`` (CatCMA's margin for categorical
    variables), so that no choice is lost: probabilities below it are raised
    to it and the others scaled down to keep the sum 1.

    Parameters
    ----------
    n_choices : sequence of int
        K_j >= 2 per categorical coordinate.
    mueff : float
        The variance-effective selection mass of the positive weights.
    """

    def __init__(self, n_choices: list[int], mueff: float) -> None:
        self.n_choices = list(n_choices)
        self.probs = [np.full(k, 1.0 / k) for k in self.n_choices]
        n_free = sum(k - 1 for k in self.n_choices)
        self.rate = min(1.0, mueff / (n_free + 2 * mueff))
        n_cat = len(self.n_choices)
        self.floors = [(1 - 0.73 ** (1 / n_cat)) / (k - 1) for k in self.n_choices]

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Choice indices (n, k) as floats, by inverse CDF of uniform draws ``u`` (n, k)."""
        out = np.empty_like(u)
        for j, q in enumerate(self.probs):
            cdf = np.cumsum(q)
            out[:, j] = np.minimum(np.searchsorted(cdf, u[:, j] * cdf[-1], side="right"),
                                   q.size - 1)
        return out

    def update(self, choices: np.ndarray, weights: np.ndarray) -> None:
        """One step from the choices (mu, k) of the mu best points, best first."""
        w = weights / weights.sum()
        for j, q in enumerate(self.probs):
            target = np.bincount(choices[:, j].astype(np.intp), weights=w, minlength=q.size)
            q += self.rate * (target[: q.size] - q)
            floor = self.floors[j]
            low = q < floor
            if low.any():
                spare = q[~low].sum()
                q[~low] *= (1.0 - floor * low.sum()) / spare
                q[low] = floor
            q /= q.sum()


class Margin:
    """The margin of CMA-ES with margin [HSNO22] for discrete coordinates.

    A coordinate takes a discrete value per cell between consecutive
    thresholds; once the distribution has concentrated inside one cell, the
    search would stall there. After each update, for each discrete
    coordinate j with marginal deviation ``s_j = A_j sigma sqrt(C_jj)``:

    - in an end cell (one threshold t next to it), the mean moves towards t
      until the probability of sampling beyond t is at least ``alpha``:
      ``|m_j - t| <= Phi^-1(1 - alpha) s_j``;
    - in an inner cell ``(l, u)``, the probabilities of sampling below l and
      above u are raised to at least ``alpha / 2`` each, by choosing the
      mean m' and the deviation s' of the Gaussian with these two tail
      probabilities at l and u: ``s' = (u - l) / (Phi^-1(1 - p_u) -
      Phi^-1(p_l))``, ``m' = l - s' Phi^-1(p_l)``; the deviation goes to the
      diagonal scaling ``A_j <- A_j s' / s_j`` (which only grows).

    ``alpha`` defaults to 1 / (d lambda) [HSNO22].

    Parameters
    ----------
    thresholds : dict of int to ndarray
        For each discrete coordinate, the sorted cell boundaries inside
        (0, 1) in cube coordinates.
    alpha : float

    References
    ----------
    [HSNO22] R. Hamano, S. Saito, M. Nomura and S. Shirakawa, CMA-ES with
    Margin: Lower-Bounding Marginal Probability for Mixed-Integer Black-Box
    Optimization, GECCO 2022.
    """

    def __init__(self, thresholds: dict[int, np.ndarray], alpha: float) -> None:
        from scipy.special import ndtri

        self.thresholds = thresholds
        self.alpha = alpha
        self.quantile = float(ndtri(1.0 - alpha))

    def correct(self, mean: np.ndarray, std: np.ndarray, scale_a: np.ndarray) -> None:
        """Correct ``mean`` and the diagonal ``scale_a`` in place (``std`` excludes A)."""
        from scipy.special import ndtr, ndtri

        half = 0.5 * self.alpha
        for j, t in self.thresholds.items():
            s = scale_a[j] * std[j]
            if not (s > 0.0 and np.isfinite(s)):
                continue
            k = int(np.searchsorted(t, mean[j]))
            reach = self.quantile * s
            if k == 0:  # below the first threshold: one side only
                mean[j] = max(mean[j], t[0] - reach)
            elif k == t.size:
                mean[j] = min(mean[j], t[-1] + reach)
            else:
                low, up = t[k - 1], t[k]
                p_low = max(float(ndtr((low - mean[j]) / s)), half)
                p_up = max(float(ndtr((mean[j] - up) / s)), half)
                if p_low == half or p_up == half:
                    spread = (up - low) / (float(ndtri(1.0 - p_up)) - float(ndtri(p_low)))
                    mean[j] = low - spread * float(ndtri(p_low))
                    scale_a[j] *= max(1.0, spread / s)


class LearningRates:
    """Learning-rate adaptation of CMA-ES [NAO23] for the full variant.

    Before an update, `snapshot` keeps the mean m, Sigma = sigma^2 C and
    Sigma^-1/2; after it, `adapt` takes the changes Delta_m and Delta_Sigma
    that the update made, in the coordinates of the previous distribution
    (``Sigma^-1/2 Delta_m`` and ``Sigma^-1/2 Delta_Sigma Sigma^-1/2 / sqrt(2)``),
    updates for each of the two their moving average E and the moving
    average V of their squared norm (factors ``beta_m = 0.1``,
    ``beta_Sigma = 0.03``), estimates the signal-to-noise ratio
    ``SNR = (|E|^2 - beta V / (2 - beta)) / (V - |E|^2)``, and moves each rate
    by ``eta <- eta exp(min(gamma eta, beta) clip(SNR / (alpha eta) - 1, -1, 1))``
    (``alpha = 1.4``, ``gamma = 0.1``), capped at 1. The mean and Sigma are
    then ``m + eta_m Delta_m`` and ``Sigma + eta_Sigma Delta_Sigma``; Sigma is
    split back into ``sigma = det(Sigma)^(1 / 2d)`` and C, and sigma is
    multiplied by the ratio of the old to the new eta_m [NAO23].
    """

    ALPHA, BETA_MEAN, BETA_SIGMA, GAMMA = 1.4, 0.1, 0.03, 0.1

    def __init__(self, n_dims: int) -> None:
        self.eta_mean = 1.0
        self.eta_sigma = 1.0
        self._e_mean = np.zeros(n_dims)
        self._e_sigma = np.zeros((n_dims, n_dims))
        self._v_mean = 0.0
        self._v_sigma = 0.0

    @staticmethod
    def snapshot(run: _Run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, Sigma, Sigma^-1/2) of ``run`` before its update."""
        s = float(run.sigma[0])
        return run.mean.copy(), s * s * run.cov, run.invsqrt / s

    def _rate(self, eta: float, beta: float, e2: float, v: float) -> float:
        snr = (e2 - beta / (2 - beta) * v) / (v - e2) if v > e2 else np.inf
        relative = min(1.0, max(-1.0, snr / (self.ALPHA * eta) - 1.0))
        return min(1.0, eta * float(np.exp(min(self.GAMMA * eta, beta) * relative)))

    def adapt(self, run: _Run, mean: np.ndarray, sigma_old: np.ndarray,
              invsqrt: np.ndarray) -> None:
        """Rescale the update ``run`` just made (in place) from its state before it."""
        s = float(run.sigma[0])
        delta_mean = run.mean - mean
        delta_sigma = s * s * run.cov - sigma_old
        local_mean = invsqrt @ delta_mean
        local_sigma = invsqrt @ delta_sigma @ invsqrt / np.sqrt(2.0)
        bm, bs = self.BETA_MEAN, self.BETA_SIGMA
        self._e_mean = (1 - bm) * self._e_mean + bm * local_mean
        self._e_sigma = (1 - bs) * self._e_sigma + bs * local_sigma
        self._v_mean = (1 - bm) * self._v_mean + bm * float(local_mean @ local_mean)
        self._v_sigma = (1 - bs) * self._v_sigma + bs * float(np.sum(local_sigma**2))
        eta_before = self.eta_mean
        self.eta_mean = self._rate(self.eta_mean, bm, float(self._e_mean @ self._e_mean),
                                   self._v_mean)
        self.eta_sigma = self._rate(self.eta_sigma, bs, float(np.sum(self._e_sigma**2)),
                                    self._v_sigma)
        run.mean[:] = mean + self.eta_mean * delta_mean
        sigma_new = sigma_old + self.eta_sigma * delta_sigma
        sign, logdet = np.linalg.slogdet(sigma_new)
        if sign <= 0 or not np.isfinite(logdet):
            raise ValueError("the adapted covariance matrix is not positive definite")
        step = float(np.exp(logdet / (2 * run.n_dims)))
        run.cov[:] = sigma_new / (step * step)
        run.sigma[0] = step * eta_before / self.eta_mean


class RestartPlan:
    """Where the next run starts: IPOP [AH05] or BIPOP [H09] in the unit cube.

    Parameters
    ----------
    strategy : {None, "ipop", "bipop"}
    default_popsize : int
        lambda of the first run.
    inc_popsize : int
        Factor of the population size between large runs.
    sigma0 : float
    """

    def __init__(self, strategy: str | None, default_popsize: int, inc_popsize: int,
                 sigma0: float) -> None:
        self.strategy = strategy
        self.default_popsize = default_popsize
        self.inc_popsize = inc_popsize
        self.sigma0 = sigma0
        self.n_large = 0  # large runs done after the first one
        self.large_evaluations = 0
        self.small_evaluations = 0
        self.large_popsize = default_popsize

    def record(self, popsize: int, n_evaluations: int, small: bool) -> None:
        """Count the evaluations of a finished run in its regime."""
        if small:
            self.small_evaluations += n_evaluations
        else:
            self.large_evaluations += n_evaluations

    def next_run(self, rng: np.random.Generator) -> tuple[int, float, bool]:
        """Return (popsize, sigma, small) of the next run."""
        if self.strategy == "bipop" and self.n_large > 0 and (
                self.small_evaluations < self.large_evaluations):
            u, v = rng.uniform(size=2)
            ratio = 0.5 * self.large_popsize / self.default_popsize
            popsize = max(2, int(self.default_popsize * ratio ** (u * u)))
            return popsize, self.sigma0 * 10 ** (-2 * v), True
        self.n_large += 1
        self.large_popsize = self.default_popsize * self.inc_popsize**self.n_large
        return self.large_popsize, self.sigma0, False
