"""Das and Dennis's lattice of evenly spread points on the unit simplex."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray


def simplex_lattice(n_objectives: int, n_points: int) -> NDArray[np.float64]:
    """Return the largest Das-Dennis lattice of the unit simplex with at most ``n_points``.

    At least the ``n_objectives`` vertices (one division). Das and Dennis
    (1998), "Normal-boundary intersection", SIAM J. Optim. 8(3).

    Examples
    --------
    >>> simplex_lattice(2, 3).tolist()
    [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    """
    divisions = 1
    while math.comb(divisions + n_objectives, n_objectives - 1) <= n_points:
        divisions += 1
    points: list[list[int]] = []

    def fill(prefix: list[int], left: int, slots: int) -> None:
        if slots == 1:
            points.append([*prefix, left])
            return
        for k in range(left + 1):
            fill([*prefix, k], left - k, slots - 1)

    fill([], divisions, n_objectives)
    return np.array(points, dtype=np.float64) / divisions
