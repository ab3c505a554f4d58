"""Multi-objective acquisitions of the GP sampler: log EHVI and ParEGO scalarisation.

Notations
---------
k : objectives (minimised, on each objective GP's standardised scale)
front : (n_f, k) non-dominated observed values
reference : (k,) reference point of the hypervolume, worse than the front

Log expected hypervolume improvement (Emmerich, Giannakoglou and Naujoks
2006; in logs as Ament et al. 2023, "Unexpected Improvements to Expected
Improvement"): the region that a new point ``y`` can add to the dominated
hypervolume, ``{z : y <= z <= reference, z dominated by no front point}``,
is cut into boxes ``[l_b, u_b]`` (`nondominated_boxes`), so that the
improvement is ``sum_b prod_j max(0, u_bj - max(l_bj, y_j))``. With
independent Gaussian posteriors per objective each factor's expectation is
``sigma (h(beta) - h(alpha))``, ``alpha = (l - mu) / sigma``,
``beta = (u - mu) / sigma``, ``h(z) = phi(z) + z Phi(z)``; ``sigma h(beta)``
is the EI below ``u``, so the log of each factor comes from the compiled
log EI kernel, and the sum over boxes is a log-sum-exp.

ParEGO (Knowles 2006): one random weight vector on the simplex per
suggestion, the augmented Chebyshev scalarisation
``max_j w_j f_j + 0.05 sum_j w_j f_j`` of the objectives normalised to
[0, 1] over the observations, and log EI on a GP of that scalar.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from bbopt._kernels import gp_log_ei, nondominated_rank
from bbopt.surrogates import GaussianProcess

FloatArray = NDArray[np.float64]

#: Candidates x boxes handled per block of the log EHVI (bounds the memory).
_BLOCK = 1 << 20
#: Margin of the reference point beyond the front's worst values, relative to its
#: range: wide enough that the front keeps extending (0.1 kept ZDT1's front within
#: its first tenth in f1; 0.5 spread it over the whole front in 100 evaluations).
REFERENCE_MARGIN = 0.5
#: Augmentation weight of the ParEGO scalarisation.
PAREGO_RHO = 0.05
#: Smallest posterior variance used (standardised scale), as the GP's log EI.
_MIN_VARIANCE = 1e-12


def nondominated_boxes(front: FloatArray, reference: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Boxes whose union is the region below ``reference`` that ``front`` does not dominate.

    The region is cut on the grid of the front's coordinates in the first
    ``k - 1`` objectives; in each grid cell the non-dominated part is a
    column from ``-inf`` up to the smallest last coordinate of the front
    points that dominate the cell's lower corner (or the reference).
    Neighbouring cells with the same column along the second-to-last axis
    are merged. ``(n_f + 1)^(k - 1)`` cells before merging: meant for 2 and
    3 objectives.

    Parameters
    ----------
    front : ndarray of shape (n_f, k)
        Points to minimise (dominated ones and points beyond ``reference``
        are allowed; they change nothing).
    reference : ndarray of shape (k,)

    Returns
    -------
    lower, upper : ndarray of shape (n_boxes, k)
        Box corners; ``lower`` may be ``-inf``; every box has positive width.

    Examples
    --------
    >>> lo, up = nondominated_boxes(np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0]))
    >>> np.column_stack([lo, up]).tolist()
    [[-inf, -inf, 1.0, 3.0], [1.0, -inf, 2.0, 2.0], [2.0, -inf, 3.0, 1.0]]
    """
    k = reference.size
    front = front[np.all(front < reference, axis=1)]
    # Grid edges of the first k - 1 objectives: -inf, the front's values, the reference.
    edges = [np.unique(np.concatenate([[-np.inf], front[:, j], [reference[j]]]))
             for j in range(k - 1)]
    shape = tuple(e.size - 1 for e in edges)
    top = np.full(shape, reference[-1])
    if front.shape[0]:
        # Each point caps the column of the cell whose lower corner is its own coordinates,
        # and (by the running minima below) of every cell above it in all k - 1 axes.
        index = tuple(np.searchsorted(edges[j], front[:, j]) for j in range(k - 1))
        np.minimum.at(top, index, front[:, -1])
        for axis in range(k - 1):
            top = np.minimum.accumulate(top, axis=axis)
    # Merge runs of equal columns along the last grid axis.
    flat = top.reshape(-1, shape[-1])
    starts = np.ones(flat.shape, dtype=bool)
    starts[:, 1:] = flat[:, 1:] != flat[:, :-1]
    rows, cols = np.nonzero(starts)
    # A run ends just before the next start (the next row's first column included).
    next_start = np.r_[np.flatnonzero(starts.ravel())[1:], starts.size]
    ends = (next_start - 1) % shape[-1]
    outer = np.unravel_index(rows, shape[:-1]) if k > 2 else ()
    lower = np.empty((rows.size, k))
    upper = np.empty((rows.size, k))
    for j, idx in enumerate(outer):
        lower[:, j], upper[:, j] = edges[j][idx], edges[j][idx + 1]
    last = edges[k - 2]
    lower[:, k - 2], upper[:, k - 2] = last[cols], last[ends + 1]
    lower[:, -1], upper[:, -1] = -np.inf, flat[rows, cols]
    keep = np.all(upper > lower, axis=1)
    return lower[keep], upper[keep]


def pareto_rows(values: FloatArray) -> NDArray[np.intp]:
    """Rows of ``values`` (n, k) that no other row dominates (minimised), in order."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    rank = np.empty(values.shape[0], dtype=np.int64)
    nondominated_rank(values, 1, rank)
    return np.flatnonzero(rank == 0)


def reference_point(front: FloatArray) -> FloatArray:
    """A reference point beyond the front's central part, robust to its extreme points.

    For objective ``j`` the nadir is taken over the front points that are
    not the best of the front in another objective (such "dominance
    resistant" points, like ``(0, 0, 3)`` on DTLZ2, would otherwise push the
    reference out and make the acquisition reward more of them), then moved
    out by ``REFERENCE_MARGIN`` of the front's range (of at least 1, one
    standard deviation of the objective's observations).
    """
    worst, best = front.max(axis=0), front.min(axis=0)
    extreme = front == best  # (n_f, k): the best in objective i
    nadir = worst.copy()
    for j in range(front.shape[1]):
        central = ~np.delete(extreme, j, axis=1).any(axis=1)
        if central.any():
            nadir[j] = front[central, j].max()
    return nadir + REFERENCE_MARGIN * np.maximum(nadir - best, 1.0)  # type: ignore[no-any-return]

def _log1mexp(x: FloatArray) -> FloatArray:
    """``log(1 - exp(x))`` for ``x <= 0``, accurate at both ends (-inf at 0)."""
    with np.errstate(divide="ignore"):
        return np.where(x > -math.log(2.0), np.log(-np.expm1(x)),  # type: ignore[no-any-return]
                        np.log1p(-np.exp(x)))


class LogEHVI:
    """Log expected hypervolume improvement of independent objective GPs.

    Parameters
    ----------
    gps : sequence of GaussianProcess
        One per objective (minimised), fitted on the same inputs.
    front : ndarray of shape (n_f, k)
        Observed non-dominated values, each objective on its GP's
        standardised scale.
    reference : ndarray of shape (k,)
        Reference point on the same scales.

    ``log_ei(x, best, grad)`` has the signature of `GaussianProcess.log_ei`
    (``best`` is ignored), so it stands in for it in the acquisition search.
    """

    def __init__(self, gps: list[GaussianProcess], front: FloatArray,
                 reference: FloatArray) -> None:
        self.gps = gps
        self.d = gps[0].d
        lower, upper = nondominated_boxes(front, reference)
        # Each box bound as an index into the sorted thresholds of its objective.
        self.thresholds: list[FloatArray] = []
        self.lower_index: list[NDArray[np.intp]] = []
        self.upper_index: list[NDArray[np.intp]] = []
        for j in range(len(gps)):
            values = np.unique(np.concatenate([lower[:, j], upper[:, j]]))
            finite = values[np.isfinite(values)]
            self.thresholds.append(finite)
            # -inf maps to index len(finite): a log EI of -inf, appended below.
            li = np.searchsorted(finite, lower[:, j])
            li[~np.isfinite(lower[:, j])] = finite.size
            self.lower_index.append(li)
            self.upper_index.append(np.searchsorted(finite, upper[:, j]))
        self.n_boxes = lower.shape[0]

    def log_ei(self, x_new: FloatArray, best: float | None = None, grad: bool = False
               ) -> tuple[FloatArray, FloatArray | None]:
        """Log EHVI at ``x_new`` (m, d), and its gradient (m, d) with ``grad``."""
        m = x_new.shape[0]
        block = max(1, _BLOCK // max(self.n_boxes * len(self.gps), 1))
        out = np.empty(m)
        out_grad = np.empty((m, self.d)) if grad else None
        posts = [gp.posterior(x_new, grad) for gp in self.gps]
        for start in range(0, m, block):
            rows = slice(start, min(start + block, m))
            value, g = self._block([(mean[rows], var[rows],
                                     None if gm is None else gm[rows],
                                     None if gv is None else gv[rows])
                                    for mean, var, gm, gv in posts], grad)
            out[rows] = value
            if out_grad is not None:
                out_grad[rows] = g
        return out, out_grad

    def _block(self, posts: list[tuple[FloatArray, FloatArray, FloatArray | None,
                                       FloatArray | None]], grad: bool
               ) -> tuple[FloatArray, FloatArray | None]:
        m = posts[0][0].shape[0]
        total = np.zeros((m, self.n_boxes))  # sum over objectives of the log factors
        parts = []
        for j, (mean, var, _, _) in enumerate(posts):
            floored = var < _MIN_VARIANCE
            var = np.maximum(var, _MIN_VARIANCE)
            t = self.thresholds[j]
            shifted = np.ascontiguousarray((mean[:, None] - t[None, :]).ravel())
            tiled = np.repeat(var, t.size)
            log_ei = np.empty(shifted.size)
            d_mean = np.empty(shifted.size) if grad else None
            d_var = np.empty(shifted.size) if grad else None
            if shifted.size:
                gp_log_ei(shifted, tiled, 0.0, log_ei, d_mean, d_var)
            pad = np.full((m, 1), -np.inf)
            log_ei_t = np.concatenate([log_ei.reshape(m, t.size), pad], axis=1)
            a = log_ei_t[:, self.upper_index[j]]  # (m, boxes): log(sigma h(beta))
            b = log_ei_t[:, self.lower_index[j]]  # log(sigma h(alpha)), -inf for -inf
            with np.errstate(invalid="ignore"):
                diff = np.where(np.isfinite(b), b - a, -np.inf)
            log_factor = a + _log1mexp(np.minimum(diff, 0.0))
            total += log_factor
            parts.append((diff, d_mean, d_var, floored, t.size))
        peak = total.max(axis=1, keepdims=True)
        safe_peak = np.where(np.isfinite(peak), peak, 0.0)
        weights = np.exp(total - safe_peak)
        sums = weights.sum(axis=1)
        with np.errstate(divide="ignore"):
            value = np.log(sums) + safe_peak[:, 0]
        if not grad:
            return value, None
        gradient = np.zeros((m, posts[0][2].shape[1]))  # type: ignore[union-attr]
        share = weights / np.where(sums > 0.0, sums, 1.0)[:, None]  # softmax over boxes
        for j, (diff, d_mean, d_var, floored, size) in enumerate(parts):
            assert d_mean is not None and d_var is not None
            _, _, grad_mean, grad_var = posts[j]
            assert grad_mean is not None and grad_var is not None
            pad = np.zeros((m, 1))
            dm = np.concatenate([d_mean.reshape(m, size), pad], axis=1)
            dv = np.concatenate([d_var.reshape(m, size), pad], axis=1)
            dm_a, dv_a = dm[:, self.upper_index[j]], dv[:, self.upper_index[j]]
            dm_b, dv_b = dm[:, self.lower_index[j]], dv[:, self.lower_index[j]]
            # d log(e^A - e^B) = dA - r (dB - dA), r = e^B / (e^A - e^B) = 1 / (e^(A-B) - 1).
            with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                r = np.where(np.isfinite(diff), 1.0 / np.expm1(-diff), 0.0)
            r = np.where(np.isfinite(r), r, 0.0)
            g_mean = np.sum(share * (dm_a - r * (dm_b - dm_a)), axis=1)
            g_var = np.sum(share * (dv_a - r * (dv_b - dv_a)), axis=1)
            g_var[floored] = 0.0
            gradient += g_mean[:, None] * grad_mean + g_var[:, None] * grad_var
        return value, gradient


def parego_scalarise(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Augmented Chebyshev scalarisation of ``values`` (n, k) normalised over their rows.

    Examples
    --------
    >>> parego_scalarise(np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]), np.array([0.5, 0.5]))
    array([0.525, 0.525, 0.275])
    """
    low, high = values.min(axis=0), values.max(axis=0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    weighted = scaled * weights
    return weighted.max(axis=1) + PAREGO_RHO * weighted.sum(axis=1)  # type: ignore[no-any-return]
