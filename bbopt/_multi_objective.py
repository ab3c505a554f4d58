"""Pareto ranking of objective vectors (on the compiled kernel)."""

from __future__ import annotations

import numpy as np

from bbopt._kernels import nondominated_rank


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
