"""The TPE's bandwidth and weight rules: size of the good group, weights by finish
order and by improvement, bandwidth floors and the neighbour-gap bandwidths."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from bbopt._kernels import hypervolume_exact
from bbopt.surrogates import ParzenSpace

#: Floor of every numeric bandwidth, as a fraction of the width of its dimension (and at
#: least half a step on a grid): the "minimum bandwidth factor" of Watanabe (2023,
#: "Tree-structured Parzen estimator: understanding its algorithm components and their
#: roles for better empirical performance"). It replaces the published TPE's "magic
#: clip", ``width / min(100, n + 2)`` for n centres, whose floor for the good group
#: (``width / (n_good + 2)``) was 3 to 8 times the bad group's (about ``width / 100``)
#: at 100-300 observations. With `improvement_factors`, one floor for both groups put
#: the median regret of benchmarks/tpe_quality.py below Optuna's TPE on 8/8 functions at
#: 100 and 300 evaluations (seeds 0-29; 7/8 and 8/8 on seeds 30-59, +0.01 at worst).
MIN_BANDWIDTH = 0.03
#: Above FLOOR_DECAY_N centres the floor decays as ``MIN_BANDWIDTH * FLOOR_DECAY_N / n``
#: down to LONG_MIN_BANDWIDTH (the published TPE's floor above 98 centres): in long
#: studies, narrow bad kernels let the compiled scoring skip most of the bad mixture
#: (a floor of 0.03 made suggestions 25-70 % slower at 10^4-10^5 trials).
FLOOR_DECAY_N = 1000
LONG_MIN_BANDWIDTH = 0.01
#: Share of the improvement in the good group's weights (`improvement_factors`).
IMPROVEMENT_SHARE = 0.5
#: Smallest weight of a good observation of several objectives (`hypervolume_factors`).
HV_FACTOR_FLOOR = 1e-3


def default_gamma(n: int) -> int:
    """Size of the good group: 10 % of the observations, at most 25.

    Examples
    --------
    >>> default_gamma(7), default_gamma(100), default_gamma(10**5)
    (1, 10, 25)
    """
    return min(math.ceil(0.1 * n), 25)


def default_weights(n: int) -> NDArray[np.float64]:
    """Weights of ``n`` observations in the order they finished: old ones count less.

    The newest 25 weigh 1; the older ones ramp linearly from ``1 / n`` up to 1.

    Examples
    --------
    >>> default_weights(3).tolist()
    [1.0, 1.0, 1.0]
    >>> w = default_weights(100)
    >>> round(float(w[0]), 3), float(w[-1]), w.shape
    (0.01, 1.0, (100,))
    """
    return _default_weights_at(n, np.arange(n))


def _default_weights_at(n: int, ranks: NDArray[np.int64]) -> NDArray[np.float64]:
    """``default_weights(n)[ranks]`` in closed form, without the array of all ``n`` weights."""
    n_ramp = n - 25
    if n_ramp <= 0:
        return np.ones(ranks.shape)
    w = ranks * ((1.0 - 1.0 / n) / max(n_ramp - 1, 1))
    w += 1.0 / n
    return np.minimum(w, 1.0, out=w)


def improvement_factors(values: NDArray[np.float64], threshold: float) -> NDArray[np.float64]:
    """Extra weights of the good group's observations, from their improvement.

    ``(1 - s) + s * d / mean(d)`` with ``d = threshold - values`` (the
    improvement over the best bad observation) and ``s`` =
    `IMPROVEMENT_SHARE`: a mean of 1, between ``1 - s`` (no improvement) and
    ``1 + s * (n - 1)``. Watanabe (2023, cited at `MIN_BANDWIDTH`) weighs the
    good group by the improvement alone (``s = 1``, the expected-improvement
    weights); half of it kept TPE as greedy on smooth functions without
    losing the diversity the mixed-integer ones need. Equal or infinite
    improvements give ones.

    Parameters
    ----------
    values : ndarray of shape (n_good,)
        Objective values of the good group (minimised), all ``<= threshold``.
    threshold : float
        Best value of the bad group.

    Returns
    -------
    ndarray of shape (n_good,)

    Examples
    --------
    >>> import numpy as np
    >>> improvement_factors(np.array([0.0, 2.0, 3.0]), 3.0).tolist()
    [1.625, 0.875, 0.5]
    """
    d = threshold - values
    mean = d.mean() if d.size else 0.0
    if not (math.isfinite(mean) and mean > 0.0):
        return np.ones_like(d)
    return (1.0 - IMPROVEMENT_SHARE) + IMPROVEMENT_SHARE * d / mean  # type: ignore[no-any-return]


def hypervolume_factors(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weights of a good group of several objectives: each point's hypervolume contribution.

    The volume that only this point dominates in the group (the hypervolume
    lost without it), divided by the largest contribution, at least
    `HV_FACTOR_FLOOR`: the weights of MOTPE (Ozaki, Tanigaki, Watanabe and
    Onishi 2022, "Multiobjective tree-structured Parzen estimator", JAIR
    73), which sample more often around the points that fill gaps or extend
    the front, and hardly around dominated ones. The reference point lies a
    tenth of the group's range beyond its worst value in each objective, so
    that the extreme points contribute as well.

    Parameters
    ----------
    values : ndarray of shape (n_good, n_objectives)
        Objective values of the good group (minimised), finite.

    Returns
    -------
    ndarray of shape (n_good,)

    Examples
    --------
    >>> import numpy as np
    >>> hypervolume_factors(np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])).tolist()
    [1.0, 1.0, 0.001]
    """
    n = values.shape[0]
    if n <= 1 or not np.all(np.isfinite(values)):
        return np.ones(n)
    worst, best = values.max(axis=0), values.min(axis=0)
    span = worst - best
    margin = np.where(span > 0, span, np.maximum(np.abs(worst), 1.0)) * 0.1
    reference = worst + margin
    points = np.ascontiguousarray(values)
    total = hypervolume_exact(points, reference)
    keep = np.ones(n, dtype=bool)
    contributions = np.empty(n)
    for i in range(n):
        keep[i] = False
        contributions[i] = total - hypervolume_exact(np.ascontiguousarray(points[keep]),
                                                     reference)
        keep[i] = True
    top = contributions.max()
    if not (math.isfinite(top) and top > 0.0):
        return np.ones(n)
    return np.maximum(contributions / top, HV_FACTOR_FLOOR)  # type: ignore[no-any-return]


def min_bandwidth(space: ParzenSpace, n: int, multivariate: bool = True) -> NDArray[np.float64]:
    """Floor of the bandwidths of a mixture of ``n`` centres.

    `MIN_BANDWIDTH` of the width up to `FLOOR_DECAY_N` centres, then
    decaying as ``1 / n`` to `LONG_MIN_BANDWIDTH`; at least half a step on a
    grid. Univariate mixtures keep the published TPE's floor, ``width /
    min(100, n + 2)``: the floor above made univariate TPE clearly worse on
    Hartmann6, Rosenbrock-10 and MixedAckley (benchmarks/tpe_quality.py).

    Parameters
    ----------
    space : ParzenSpace
    n : int
    multivariate : bool, default True
        The mixture models the parameters jointly.

    Returns
    -------
    ndarray of shape (n_dims,)

    Examples
    --------
    >>> import numpy as np
    >>> space = ParzenSpace(np.zeros(2), np.array([1.0, 9.0]), np.array([0.0, 1.0]), np.zeros(0))
    >>> min_bandwidth(space, 25).tolist(), min_bandwidth(space, 10**5).tolist()
    ([0.03, 0.5], [0.01, 0.5])
    >>> min_bandwidth(space, 8, multivariate=False).tolist()
    [0.1, 1.0]
    """
    if not multivariate:
        return space.width / min(100.0, 2.0 + n)  # type: ignore[no-any-return]
    factor = max(MIN_BANDWIDTH * min(1.0, FLOOR_DECAY_N / max(n, 1)), LONG_MIN_BANDWIDTH)
    return np.maximum(factor * space.width, 0.5 * space.step)  # type: ignore[no-any-return]


def neighbour_bandwidth(space: ParzenSpace, x: NDArray[np.float64],
                        consider_endpoints: bool, multivariate: bool = True
                        ) -> NDArray[np.float64]:
    """Per-component bandwidths of univariate mixtures, from the gaps to neighbours.

    The published TPE's rule: in each dimension, a component's bandwidth is
    the larger of its distances to its left and right neighbours among the
    sorted centres (the box ends count as neighbours of the extreme centres
    only with ``consider_endpoints``), clipped to ``[min_bandwidth(space, n,
    multivariate), width]`` (the published TPE's floor is ``width / min(100,
    n + 2)``, kept for univariate mixtures).

    Parameters
    ----------
    space : ParzenSpace
    x : ndarray of shape (n, n_dims)
        Centres.
    consider_endpoints : bool
    multivariate : bool, default True
        The mixture models the parameters jointly (see `min_bandwidth`).

    Returns
    -------
    ndarray of shape (n_dims, n)

    Examples
    --------
    >>> import numpy as np
    >>> space = ParzenSpace(np.zeros(1), np.ones(1), np.zeros(1), np.zeros(0))
    >>> neighbour_bandwidth(space, np.array([[0.2], [0.3], [0.9]]), True).round(2).tolist()
    [[0.2, 0.6, 0.6]]
    >>> neighbour_bandwidth(space, np.array([[0.5], [0.51]]), False).round(2).tolist()
    [[0.03, 0.03]]
    """
    n, d = x.shape
    lo = (space.low - 0.5 * space.step)[:, None]
    hi = (space.high + 0.5 * space.step)[:, None]
    order = np.argsort(x.T, axis=1, kind="stable")  # (d, n)
    s = np.take_along_axis(x.T, order, axis=1)
    padded = np.concatenate([lo, s, hi], axis=1)  # (d, n + 2)
    left = s - padded[:, :-2]
    right = padded[:, 2:] - s
    if not consider_endpoints and n >= 2:
        left[:, 0] = right[:, 0]
        right[:, -1] = left[:, -1]
    sigma_sorted = np.maximum(left, right)
    floor = min_bandwidth(space, n, multivariate)[:, None]
    sigma_sorted = np.clip(sigma_sorted, floor, space.width[:, None])
    sigma = np.empty_like(sigma_sorted)
    np.put_along_axis(sigma, order, sigma_sorted, axis=1)
    return sigma
