"""Pareto ranking and hypervolume of objective vectors (on the compiled kernels)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bbopt._kernels import hypervolume_exact, nondominated_rank
from bbopt._validation import ensure_int, ensure_seed


def pareto_front_rows(scores: np.ndarray) -> np.ndarray:
    """Return the rows of ``scores`` that no other row dominates.

    Parameters
    ----------
    scores : ndarray of shape (n, n_objectives)
        Objective values to minimise (maximised ones negated), finite.

    Returns
    -------
    ndarray of int of shape (n_front,)
        Row indices in increasing order.

    Examples
    --------
    >>> pareto_front_rows(np.array([[1.0, 3.0], [2.0, 2.0], [2.0, 4.0], [3.0, 1.0]]))
    array([0, 1, 3])
    """
    rank = nondominated_rank_of(scores, max_rank=1)
    return np.flatnonzero(rank == 0)


def nondominated_rank_of(scores: np.ndarray, max_rank: int | None = None) -> np.ndarray:
    """Return the non-domination rank of each row (0 for the Pareto set).

    Rows beyond the first ``max_rank`` fronts get rank ``max_rank``.
    """
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    rank = np.empty(scores.shape[0], dtype=np.int64)
    nondominated_rank(scores, scores.shape[0] if max_rank is None else max_rank, rank)
    return rank


def _points_and_reference(points: ArrayLike, reference: ArrayLike, owner: str
                          ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check and convert the arguments of the hypervolume functions."""
    try:
        pts = np.array(points, dtype=np.float64, ndmin=2)
        ref = np.array(reference, dtype=np.float64, ndmin=1)
    except (TypeError, ValueError):
        raise TypeError(
            f"The 'points' and 'reference' parameters of {owner} must be arrays of numbers. "
            f"Got {points!r} and {reference!r} instead."
        ) from None
    if ref.ndim != 1 or ref.size < 1:
        raise ValueError(
            f"The 'reference' parameter of {owner} must be a 1-d array with one entry per "
            f"objective. Got {reference!r} instead."
        )
    if pts.size == 0:
        pts = pts.reshape(0, ref.size)
    if pts.ndim != 2 or pts.shape[1] != ref.size:
        raise ValueError(
            f"The 'points' parameter of {owner} must have shape (n, {ref.size}) to match "
            f"'reference'. Got shape {np.shape(points)} instead."
        )
    if np.isnan(pts).any() or not np.isfinite(ref).all():
        raise ValueError(
            f"The 'points' of {owner} must not hold NaN and the 'reference' must be finite. "
            f"Got reference {reference!r}."
        )
    return np.ascontiguousarray(pts), np.ascontiguousarray(ref)


def hypervolume(points: ArrayLike, reference: ArrayLike) -> float:
    """Return the exact hypervolume dominated by ``points`` and bounded by ``reference``.

    Every objective is minimised (negate maximised ones). Points that do not
    strictly dominate the reference contribute nothing. Exact for any number
    of objectives: O(n log n) for 2 and 3 objectives; WFG beyond, practical up
    to 6 objectives and a few hundred points (use `hypervolume_estimate`
    past that).

    Parameters
    ----------
    points : array_like of shape (n, n_objectives)
    reference : array_like of shape (n_objectives,)

    Returns
    -------
    float

    Examples
    --------
    >>> import bbopt
    >>> bbopt.hypervolume([[1.0, 2.0], [2.0, 1.0]], [3.0, 3.0])
    3.0
    """
    pts, ref = _points_and_reference(points, reference, "hypervolume")
    return float(hypervolume_exact(pts, ref))


class HypervolumeEstimate(NamedTuple):
    """A Monte Carlo hypervolume: the estimate and the half-width of its 95 % interval.

    Examples
    --------
    >>> import bbopt
    >>> est = bbopt.hypervolume_estimate([[0.5, 0.5]], [1.0, 1.0], n_samples=1000, seed=0)
    >>> est.value, est.error  # one point dominates the whole sampled box
    (0.25, 0.0)
    """

    value: float
    error: float


def hypervolume_estimate(
    points: ArrayLike, reference: ArrayLike, n_samples: int = 100_000, seed: Any = None
) -> HypervolumeEstimate:
    """Estimate the hypervolume by Monte Carlo, with an error bound.

    Uniform samples in the box between the points' componentwise minimum and
    ``reference``; the fraction dominated by some point, times the box
    volume, is unbiased. ``error`` is the half-width of the 95 % normal
    interval of the binomial fraction (1.96 standard errors), times the box
    volume. Cost O(n_samples * n * n_objectives), for any number of objectives.

    Parameters
    ----------
    points : array_like of shape (n, n_objectives)
    reference : array_like of shape (n_objectives,)
    n_samples : int, default 100000
    seed : int, optional

    Returns
    -------
    HypervolumeEstimate

    Examples
    --------
    >>> import bbopt
    >>> est = bbopt.hypervolume_estimate([[1.0, 2.0], [2.0, 1.0]], [3.0, 3.0], seed=0)
    >>> abs(est.value - 3.0) <= est.error
    True
    """
    pts, ref = _points_and_reference(points, reference, "hypervolume_estimate")
    n_samples = ensure_int(n_samples, "n_samples", "hypervolume_estimate", minimum=1)
    rng = np.random.default_rng(ensure_seed(seed, "hypervolume_estimate"))
    pts = pts[np.all(pts < ref, axis=1)]
    if pts.shape[0] == 0:
        return HypervolumeEstimate(0.0, 0.0)
    low = pts.min(axis=0)
    box = float(np.prod(ref - low))
    hits = 0
    chunk = max(1, 2**22 // max(pts.size, 1))
    for start in range(0, n_samples, chunk):
        size = min(chunk, n_samples - start)
        samples = low + (ref - low) * rng.random((size, ref.size))
        # (size, n, n_objectives) comparisons, about 4 M booleans per chunk
        hits += int(np.any(np.all(samples[:, None, :] >= pts[None], axis=2), axis=1).sum())
    fraction = hits / n_samples
    error = 1.96 * np.sqrt(fraction * (1.0 - fraction) / n_samples) * box
    return HypervolumeEstimate(fraction * box, float(error))
