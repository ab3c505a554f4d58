"""A derivative-free trust-region method on quadratic regression models.

The local phase of `AutoSampler`: it drives the error of a smooth objective
down to the precision of the arithmetic once a global phase has found a basin.

Notations
---------
d : continuous parameters, in unit coordinates ``u`` in [0, 1]^d
p : (d + 1)(d + 2) / 2, the coefficients of a full quadratic in d variables
c, f_c : the centre (the best point of this run) and its value (to minimise)
r : the trust-region radius (unit coordinates)

Each proposal fits ``m(c + s) = f_c + a + g.s + s.H s / 2`` by least squares
(minimum-norm when the points do not determine it, as NEWUOA's minimum
Frobenius norm models) to one of two point sets, and uses one of the two fits:

- the *wide* model: the (at most p) observed points nearest to ``c``, those
  farther than ``2 r`` down-weighted; exact on a quadratic however far its
  points, so it solves ill-conditioned quadratics in one step once p points
  are known;
- the *near* model: only the points within ``2 r`` of ``c``; on a function
  that is not quadratic at the scale of the far points (a curved valley such
  as Rosenbrock's, a quartic growth, a multimodal surface) the far points'
  values would dominate the wide fit and its steps would fail, while a model
  of the region itself follows the valley.

Which one is used is decided prequentially (Dawid 1984): each new observation
is a test point both fits predicted before seeing it, and the fit with the
smaller running sum of log absolute prediction errors (older errors forgotten
by `SCORE_MEMORY`) proposes the step; the wide one on a tie. Then it either

- minimises ``m`` in the ball ``|s| <= r`` (the exact trust-region
  subproblem: an eigendecomposition of H and a scalar secular equation, the
  "hard case" included); where that step leaves the box, the better of the
  step cut at the box and the model's minimum over the box intersected with
  the cube of half-side r (L-BFGS-B); or
- places a *geometry* point at distance r from ``c``, as far as possible
  from the points already there, when the last step failed while the fit
  used points farther than ``2 r`` (the model is then not trusted to be
  wrong: its sample is).

When a trust-region step is observed, the ratio ``rho`` of actual to predicted
decrease updates the radius: doubled (up to `MAX_RADIUS`) after a good step
(``rho >= 0.7``) that reached the boundary, halved after a poor one
(``rho < 0.1``) when the geometry was good (the wide fit: its p points within
``2 r``; the near fit: at least ``min(p, 2 d + 1)`` points, NEWUOA's usual
count). On a convex quadratic the model is
exact once ``p`` well-spread points are known, so the step lands on the
minimum (to rounding); on smooth functions the method converges as Powell's
NEWUOA/BOBYQA family does. The run is *stalled* when the radius falls below
`MIN_RADIUS`, the model promises a decrease below rounding
(`CONVERGED_DECREASE`), or no point improved ``f_c`` for `stall_rows`
observations.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, optimize

FloatArray = NDArray[np.float64]

#: Largest and smallest trust-region radius (unit coordinates).
MAX_RADIUS = 0.5
MIN_RADIUS = 1e-8
#: Converged when the model's best decrease is below this fraction of the spread of
#: the values it was fitted to (rounding level).
CONVERGED_DECREASE = 1e-15
#: Ratio thresholds of a good and of a poor step.
GOOD_RATIO, POOR_RATIO = 0.7, 0.1
#: Points farther than 2 r from the centre weigh (2 r / distance) ** WEIGHT_POWER in the fit.
WEIGHT_POWER = 2.0
#: Scale of the constant and linear terms in the fit (see `fit_quadratic`).
LINEAR_FREEDOM = 100.0
#: Random directions tried for a geometry point (at least).
N_GEOMETRY_DIRECTIONS = 64
#: Weight of the past in the running prediction scores of the wide and near models.
SCORE_MEMORY = 0.5
#: Smallest prediction error counted in the scores (below it, both models are exact).
ERROR_FLOOR = 1e-300


def n_coefficients(d: int) -> int:
    """Coefficients of a full quadratic in ``d`` variables, (d + 1)(d + 2) / 2."""
    return (d + 1) * (d + 2) // 2


def fit_quadratic(s: FloatArray, f: FloatArray, weights: FloatArray | None = None,
                  ) -> tuple[FloatArray, FloatArray] | None:
    """Least-squares quadratic through points ``s`` (m, d) with values ``f`` (m,).

    Returns the gradient (d,) and Hessian (d, d) at ``s = 0`` of
    ``a + g.s + s.H s / 2`` (the minimum-norm solution in coordinates scaled
    by the largest ``|s|`` when m < p), or None when there are no points.
    """
    m, d = s.shape
    scale = float(np.max(np.linalg.norm(s, axis=1))) if m else 0.0
    if m == 0 or not scale > 0.0:
        return None
    z = s / scale
    iu, ju = np.triu_indices(d)
    # The constant and linear columns scaled by LINEAR_FREEDOM: when the points do not
    # determine the model (m < p), the minimum-norm solution then spends its norm on the
    # quadratic terms, leaving the linear model (almost) free, as NEWUOA's least
    # Frobenius norm models do; with m >= p the least-squares solution is unchanged.
    features = np.concatenate([np.full((m, 1), LINEAR_FREEDOM), LINEAR_FREEDOM * z,
                               z[:, iu] * z[:, ju]], axis=1)
    if weights is not None:
        features, f = features * weights[:, None], f * weights
    coef = linalg.lstsq(features, f, cond=1e-14, lapack_driver="gelsd")[0]
    coef[:d + 1] *= LINEAR_FREEDOM
    g = coef[1:d + 1] / scale
    quad = coef[d + 1:] / scale**2
    h = np.zeros((d, d))
    h[iu, ju] = quad
    h = h + h.T  # off-diagonal: c_ij; diagonal: 2 c_ii
    return g, h


def trust_region_step(g: FloatArray, h: FloatArray, radius: float) -> FloatArray:
    """The global minimiser of ``g.s + s.H s / 2`` subject to ``|s| <= radius``.

    Moré and Sorensen's characterisation: ``(H + lam I) s = -g`` with
    ``H + lam I`` positive semi-definite and ``lam (radius - |s|) = 0``,
    solved in the eigenbasis of H by a scalar root search on ``lam``.
    """
    eigenvalues, vectors = linalg.eigh(h)
    gq = vectors.T @ g
    lowest = float(eigenvalues[0])
    tiny = 1e-14 * max(1.0, float(np.max(np.abs(eigenvalues))))

    def step(lam: float) -> FloatArray:
        return -gq / (eigenvalues + lam)

    if lowest > tiny:
        s = step(0.0)
        if np.linalg.norm(s) <= radius:
            return vectors @ s
    lam_low = max(0.0, -lowest) + tiny
    s_low = step(lam_low)
    if np.linalg.norm(s_low) <= radius:
        # The hard case: g has (almost) no component along the lowest eigenvector.
        s = np.where(eigenvalues + lam_low > 2 * tiny, s_low, 0.0)
        rest = radius**2 - float(s @ s)
        s[0] += math.sqrt(max(rest, 0.0))
        return vectors @ s
    # At lam_low + |g| / r + max |eigenvalue| the step is no longer than r; twice that
    # keeps it strictly shorter after rounding (with H = 0 it would be r to the last bit,
    # and the root search would find no change of sign).
    lam_high = 2.0 * (lam_low + float(np.linalg.norm(g)) / radius
                      + float(np.max(np.abs(eigenvalues))))

    def secular(lam: float) -> float:
        return 1.0 / radius - 1.0 / float(np.linalg.norm(step(lam)))

    lam = optimize.brentq(secular, lam_low, lam_high, xtol=1e-14 * lam_high, maxiter=200)
    s = step(lam)
    return vectors @ (s * (radius / max(float(np.linalg.norm(s)), 1e-300)))


def _same_point(a: FloatArray, b: FloatArray) -> bool:
    """Whether two points (unit coordinates) match up to rounding.

    A point comes back from the study through the internal values
    (``low + u * width``, then back), which changes its last bits.
    """
    return bool(np.max(np.abs(a - b)) <= 1e-12)


class QuadraticTrustRegion:
    """One local run: its centre, radius and the step awaiting its value.

    Parameters
    ----------
    center : ndarray of shape (d,)
        Starting point, unit coordinates.
    f_center : float
        Its value (to minimise).
    radius : float
        Initial radius, unit coordinates.
    stall_rows : int
        Observations without improvement after which the run is stalled.
    """

    def __init__(self, center: FloatArray, f_center: float, radius: float,
                 stall_rows: int) -> None:
        self.center = np.array(center, dtype=np.float64)
        self.f_center = float(f_center)
        self.radius = float(min(max(radius, 1e3 * MIN_RADIUS), MAX_RADIUS))
        self.stall_rows = stall_rows
        self.rows_since_improvement = 0
        self.geometry_due = False
        self.converged = False
        # The trust-region step awaiting its value: (point, predicted decrease, geometry ok).
        self._pending: tuple[FloatArray, float, bool] | None = None
        # The last fits, to score on new observations: (centre, f_centre, [(g, h) wide,
        # (g, h) near]); and their running scores (sums of log prediction errors).
        self._fits: tuple[FloatArray, float, list[tuple[FloatArray, FloatArray]]] | None = None
        self.scores = np.zeros(2)
        #: The fit that proposed the last step: 0 the wide one, 1 the near one.
        self.model_used = 0

    @property
    def stalled(self) -> bool:
        """Whether the run has converged or stopped making progress."""
        return (self.converged or self.radius < MIN_RADIUS
                or self.rows_since_improvement >= self.stall_rows)

    def observe(self, u: FloatArray, f: float) -> None:
        """Account for one new observation ``u`` (d,) with value ``f``."""
        if self._fits is not None:  # a test point for both fits: neither has seen it
            center, f_center, fits = self._fits
            s = u - center
            errors = [abs(float(g @ s + 0.5 * s @ h @ s) - (f - f_center)) for g, h in fits]
            if all(math.isfinite(e) for e in errors):
                self.scores = SCORE_MEMORY * self.scores + np.log(np.maximum(errors, ERROR_FLOOR))
        pending = self._pending
        if pending is not None and _same_point(pending[0], u):
            self._pending = None
            point, predicted, geometry_ok = pending
            ratio = (self.f_center - f) / predicted if predicted > 0.0 else -1.0
            length = float(np.linalg.norm(point - self.center))
            if ratio >= GOOD_RATIO and length >= 0.9 * self.radius:
                self.radius = min(2.0 * self.radius, MAX_RADIUS)
            elif ratio < POOR_RATIO:
                if geometry_ok:
                    self.radius = 0.5 * min(self.radius, max(length, 0.1 * self.radius))
                else:
                    self.geometry_due = True
        if f < self.f_center:
            self.center, self.f_center = np.array(u, dtype=np.float64), float(f)
            self.rows_since_improvement = 0
        else:
            self.rows_since_improvement += 1

    def propose(self, u: FloatArray, f: FloatArray, running: FloatArray,
                rng: np.random.Generator) -> tuple[FloatArray, str]:
        """The next point (d,) in [0, 1]^d and its kind ("step" or "geometry").

        ``u`` (n, d), ``f`` (n,): the observations; ``running`` (k, d): points
        awaiting their values. One trust-region step is out at a time: while
        it runs, parallel workers get geometry points (which improve the
        next model), not the same step; a step whose trial ended without a
        value (failed, pruned) is forgotten.
        """
        d = self.center.size
        if self._pending is not None and not any(_same_point(self._pending[0], r)
                                                 for r in running):
            self._pending = None
        step_running = self._pending is not None
        distance = np.linalg.norm(u - self.center, axis=1)
        nearest = np.argsort(distance, kind="stable")[:n_coefficients(d)]
        if self.geometry_due or step_running or nearest.size < 2:
            self.geometry_due = False
            return self._geometry_point(np.concatenate([u[nearest], running]), rng), "geometry"
        within = int(np.count_nonzero(distance[nearest] <= 2.0 * self.radius))
        # The wide and the near point sets (see the module docstring), and their geometry.
        sets = [nearest, nearest[:max(within, 2)]]
        good = [within == nearest.size, within >= min(nearest.size, 2 * d + 1)]
        fits = []
        for rows in sets[:1 if within == nearest.size else 2]:
            weights = 1.0 / np.maximum(distance[rows] / (2.0 * self.radius), 1.0) ** WEIGHT_POWER
            model = fit_quadratic(u[rows] - self.center, f[rows] - self.f_center, weights)
            if model is None or not (np.all(np.isfinite(model[0]))
                                     and np.all(np.isfinite(model[1]))):
                return self._geometry_point(u[nearest], rng), "geometry"
            fits.append(model)
        if len(fits) == 1:  # all p points are near: the two fits are one
            fits.append(fits[0])
        self._fits = (self.center.copy(), self.f_center, fits)
        self.model_used = int(self.scores[1] < self.scores[0])
        g, h = fits[self.model_used]
        nearest, geometry_ok = sets[self.model_used], good[self.model_used]
        s = trust_region_step(g, h, self.radius)
        if np.any((self.center + s < 0.0) | (self.center + s > 1.0)):
            s = self._step_in_box(g, h, s)
        point = self.center + s
        predicted = -float(g @ s + 0.5 * s @ h @ s)
        if predicted <= CONVERGED_DECREASE * float(np.ptp(f[nearest])):
            self.converged = True  # the model promises nothing above rounding
        if not predicted > 0.0 or not np.any(s):
            # Nothing to gain on this model: improve the sample where it is poor,
            # shrink the region where it is good.
            if geometry_ok:
                self.radius *= 0.5
            return self._geometry_point(u[nearest], rng), "geometry"
        self._pending = (point, predicted, geometry_ok)
        return point, "step"

    def _step_in_box(self, g: FloatArray, h: FloatArray, s: FloatArray) -> FloatArray:
        """The best step in the box [0, 1]^d when the ball's step leaves it.

        Candidates: the ball's step cut where it meets the box, and the
        minimum of the model over the box intersected with the cube of
        half-side r (L-BFGS-B, started from the cut step).
        """
        c = self.center
        with np.errstate(divide="ignore", invalid="ignore"):
            limits = np.where(s > 0, (1.0 - c) / s, np.where(s < 0, -c / s, np.inf))
        cut = s * min(1.0, float(np.min(limits)))
        low, high = np.maximum(-c, -self.radius), np.minimum(1.0 - c, self.radius)

        def model(z: FloatArray) -> tuple[float, FloatArray]:
            hz = h @ z
            return float(g @ z + 0.5 * z @ hz), g + hz

        result = optimize.minimize(model, np.clip(cut, low, high), jac=True, method="L-BFGS-B",
                                   bounds=list(zip(low, high)))
        boxed = np.clip(result.x, low, high)
        return boxed if model(boxed)[0] < model(cut)[0] else cut

    def _geometry_point(self, near: FloatArray, rng: np.random.Generator) -> FloatArray:
        """A point at distance r from the centre, as far as possible from ``near`` (k, d)."""
        d = self.center.size
        k = max(N_GEOMETRY_DIRECTIONS, 4 * d)
        directions = np.concatenate([np.eye(d), -np.eye(d), rng.standard_normal((k, d))])
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        candidates = np.clip(self.center + self.radius * directions, 0.0, 1.0)
        others = np.concatenate([near, self.center[None, :]])
        gaps = np.min(np.linalg.norm(candidates[:, None, :] - others[None, :, :], axis=2), axis=1)
        return candidates[int(np.argmax(gaps))]
