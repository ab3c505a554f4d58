"""CMA-ES in the unit cube: one run per restart, and the restart strategies.

Notations
---------
n_dims (d) : dimensions of the unit cube [0, 1]^d the search works in
popsize (lambda) : points per generation;  mu = lambda // 2 selected
mean (d,), sigma : the search distribution N(mean, sigma^2 C)

Three variants share the interface of `_Run`: ``"full"`` (C a full matrix,
its eigendecomposition refreshed every ``max(1, 1 / (10 d (c_1 + c_mu)))``
generations [H16, B.2]), ``"sep"`` (C diagonal, learning rates scaled by
(d + 2) / 3 [RH08]) and ``"lm"`` (LM-MA-ES [LGB17]: m = 4 + floor(3 ln d)
direction vectors, O(m d) per point). Default rates are those of [H16,
table 1], with negative weights (active CMA) for the full variant.

Bounds: a sampled point is mirrored into the cube (reflection at 0 and 1,
periodically), and the update uses the mirrored point, so the mean (a
weighted mean of points in the cube) never leaves it.

Discrete coordinates (integers, steps) may get the margin of [HSNO22]
(see `Margin`).

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
"""

from __future__ import annotations

import math
from collections import deque

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

#: Largest dimension for which ``variant="auto"`` keeps a full covariance matrix.
FULL_MAX_DIMS = 200
_TOL_FUN = 1e-12
_TOL_X = 1e-12
_MAX_CONDITION = 1e14


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
                 cov: np.ndarray | None = None, margin: Margin | None = None) -> None:
        d = mean.shape[0]
        self.margin = margin
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
            self._eigen_gap = max(1, int(1 / (10 * d * (c_1 + c_mu))))
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

    def sample(self, z: np.ndarray) -> np.ndarray:
        """Points (n, d) in the cube for standard normal draws ``z`` (n, d)."""
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
        return mirror(x)

    def update(self, x: np.ndarray, values: np.ndarray) -> None:
        """One generation: ``x`` (popsize, d) points in the cube, ``values`` (popsize,)."""
        order = np.argsort(values, kind="stable")
        ranked = values[order]
        selected = np.ascontiguousarray(x[order[: self.weights.shape[0]]])
        y = (selected - self.mean) / self.sigma[0]
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
            self.generation += 1
            if self.variant == "full" and (
                    self.generation - self._eigen_generation >= self._eigen_gap):
                self._refresh_eigen()
            if self.margin is not None and self.variant != "lm":
                diag = np.diag(self.cov) if self.variant == "full" else self.cov
                self.margin.correct(self.mean, float(self.sigma[0]) * np.sqrt(diag))
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
        finite = ranked[np.isfinite(ranked)]
        if finite.size:
            self._history.append(float(finite[0]))
        k = min(len(ranked) - 1, math.ceil(0.1 + self.popsize / 4))
        if np.isfinite(ranked[0]) and ranked[0] == ranked[k]:
            return "flat fitness"
        if (len(self._history) == self._history.maxlen and finite.size
                and max(max(self._history), finite.max()) - min(min(self._history), finite.min())
                < _TOL_FUN):
            return "tolfun"
        if self.variant == "lm":
            scale = np.ones(d)
        elif self.variant == "sep":
            scale = np.sqrt(self.cov)
        else:
            scale = np.sqrt(np.diag(self.cov))
        if sigma * max(scale.max(), np.abs(self.p_c).max()) < _TOL_X:
            return "tolx"
        if self.variant == "full":
            if self.eigenvalues[-1] > _MAX_CONDITION * self.eigenvalues[0]:
                return "condition"
            axis = self.generation % d
            if np.all(self.mean == self.mean + 0.1 * sigma * self.bd[:, axis]):
                return "noeffectaxis"
        elif self.variant == "sep" and self.cov.max() > _MAX_CONDITION * self.cov.min():
            return "condition"
        if np.any(self.mean == self.mean + 0.2 * sigma * scale):
            return "noeffectcoord"
        return ""


class Margin:
    """The margin of CMA-ES with margin [HSNO22] for discrete coordinates.

    A coordinate takes a discrete value per cell between consecutive
    thresholds; once the distribution has concentrated inside one cell, the
    search would stall there. After each update, the mean of each discrete
    coordinate is moved towards its nearest threshold until the marginal
    probability of sampling beyond it is at least ``alpha`` (default
    1 / (d lambda) [HSNO22]): ``|m_j - t_j| <= Phi^-1(1 - alpha) s_j``, with
    ``s_j = sigma sqrt(C_jj)`` the marginal standard deviation. This is the
    mean correction of [HSNO22]; its second step, which rescales the
    marginal deviation of integer coordinates through an extra diagonal
    matrix A, is not implemented.

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

    def correct(self, mean: np.ndarray, std: np.ndarray) -> None:
        """Move ``mean`` (in place) within the margin of its nearest thresholds."""
        for j, t in self.thresholds.items():
            k = int(np.searchsorted(t, mean[j]))
            nearest = t[min(k, t.size - 1)] if k == 0 or (
                k < t.size and t[k] - mean[j] < mean[j] - t[k - 1]) else t[k - 1]
            reach = self.quantile * std[j]
            mean[j] = min(max(mean[j], nearest - reach), nearest + reach)


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
