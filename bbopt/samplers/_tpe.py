"""Tree-structured Parzen Estimator (TPE) sampler on compiled Parzen kernels.

Notations
---------
n_valid : observations usable for a group of parameters (COMPLETE trials, and
    PRUNED ones through their last reported value, that set every parameter
    of the group), indexed 0..n_valid-1 in the order they finished
n_good : size of the good group, ``gamma(n_valid)``
n_bad : ``n_valid - n_good``

Per suggestion, the observations are split into the ``n_good`` best and the
rest; one Parzen estimator is fitted to each (`bbopt.surrogates.ParzenEstimator`),
``n_ei_candidates`` points are drawn from the good one ``l`` and the one
maximising ``log l(x) - log g(x)`` is suggested (Bergstra et al., 2011,
"Algorithms for Hyper-Parameter Optimization", eq. 3-4: maximising the
expected improvement amounts to maximising ``l(x) / g(x)``).

Bandwidths: the good group's follow the published TPE's neighbour-gap rule
(`neighbour_bandwidth`, per component and dimension), floored at
`min_bandwidth`; so do the bad group's while it is small, and
above that they are shared by its components (`_GroupModel._bad_bandwidth`),
which is what lets its mixture be kept incrementally.

Weights: the good group's observations weigh ``weights`` (by finish order)
times, in multivariate models, a factor that grows with their improvement
over the best bad one (`improvement_factors`), so that the best of them are
sampled more often.

Long studies: the state of each group persists across suggestions and is
updated with the new observation rows only. The good group is small and
refitted when it changes; the bad group's mixture lives in capacity buffers
where components are appended or removed in place (only the few rows that
cross the split move), and its shared bandwidth is refreshed (O(n_bad *
n_dims), once) only when ``n_bad`` has changed by more than
`BANDWIDTH_REFRESH` since the last refresh. Each bad component's rank in
finish order (which its weight depends on) is kept and shifted in place. The
bad mixture is indexed (`ParzenEstimator.refresh_index`: k-d ordered runs of
boxed blocks), so that the kernel reads only the blocks that can matter next
to the prior's density: exact up to a relative change of ``n_comp *
exp(-64)``, no approximation. Per suggestion the Python work is O(new rows)
plus a few vectorised O(n_bad) passes over the weights.
"""

from __future__ import annotations

import math
import numbers
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from bbopt._frozen import TrialState
from bbopt._kernels import nondominated_rank
from bbopt._validation import ensure_bool, ensure_callable, ensure_int, ensure_seed
from bbopt.samplers._base import ArraySampler
from bbopt.samplers._context import SamplingContext
from bbopt.samplers._per_study import PerStudy
from bbopt.storage import Observations
from bbopt.surrogates import ParzenEstimator, ParzenSpace

_OWNER = "TPESampler"
#: The bad group's shared bandwidth is recomputed when n_bad leaves
#: [n_ref / BANDWIDTH_REFRESH, n_ref * BANDWIDTH_REFRESH], n_ref its value at the last refresh.
BANDWIDTH_REFRESH = 1.1
#: The bad mixture is refitted at each suggestion with the published TPE's neighbour-gap
#: bandwidths while it has at most EXACT_BAD_MAX observations and EXACT_BAD_MAX_TERMS
#: observation-dimensions; above, the incremental mixture with a shared bandwidth is used.
EXACT_BAD_MAX = 1000
EXACT_BAD_MAX_TERMS = 20_000
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
_COMPLETE = int(TrialState.COMPLETE)
_PRUNED = int(TrialState.PRUNED)


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


def _model_space(
    distributions: Sequence[BaseDistribution],
) -> tuple[ParzenSpace, list[int], list[int]]:
    """Arrays of the box of ``distributions``; indices of numeric and categorical ones."""
    low: list[float] = []
    high: list[float] = []
    step: list[float] = []
    n_choices: list[float] = []
    numeric: list[int] = []
    categorical: list[int] = []
    for i, dist in enumerate(distributions):
        if isinstance(dist, CategoricalDistribution):
            categorical.append(i)
            n_choices.append(float(len(dist.choices)))
            continue
        numeric.append(i)
        if isinstance(dist, IntDistribution) and dist.log:
            # Modelled as continuous in log space over the cells of the ints.
            lo, hi = dist.internal_bounds()
            low.append(lo)
            high.append(hi)
            step.append(0.0)
        elif isinstance(dist, IntDistribution):
            low.append(float(dist.low))
            high.append(float(dist.high))
            step.append(float(dist.step))
        elif isinstance(dist, FloatDistribution) and dist.log:
            low.append(math.log(dist.low))
            high.append(math.log(dist.high))
            step.append(0.0)
        elif isinstance(dist, FloatDistribution):
            low.append(dist.low)
            high.append(dist.high)
            step.append(0.0 if dist.step is None else float(dist.step))
        else:
            raise TypeError(f"{_OWNER} does not support {dist!r}.")
    space = ParzenSpace(np.array(low), np.array(high), np.array(step), np.array(n_choices))
    return space, numeric, categorical


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


class _GroupModel:
    """Split and Parzen estimators of one group of parameters, kept across suggestions."""

    def __init__(self, sampler: TPESampler, params: tuple[tuple[str, BaseDistribution], ...],
                 multivariate: bool) -> None:
        self.sampler = sampler
        self.params = params
        self.names = [name for name, _ in params]
        dists = [dist for _, dist in params]
        self.space, self.numeric, self.categorical = _model_space(dists)
        self.multivariate = multivariate
        self.n_seen = 0  # observation rows processed
        self.n_valid = 0
        cap = 64
        self.rows = np.empty(cap, dtype=np.int64)  # observation row of each valid index
        self.keys = np.empty((cap, 3))  # ranking key (tier, score, valid index); smaller = better
        self.mo_values = np.empty((cap, 0))  # signed objectives (several objectives only)
        self.good = np.empty(0, dtype=np.int64)  # valid indices of the good group, sorted
        self.bad: ParzenEstimator | None = None  # incremental bad mixture (multivariate)
        self.bad_sigma_n = -1
        # Rank in finish order among the bad observations of each bad component (in the
        # order of self.bad's components), in a growable buffer; None when stale.
        self._bad_rank: NDArray[np.int64] | None = None
        self._n_bad_rank = 0
        # The good group and its mixture; its log-weights with the best bad value they were
        # made for (None when the mixture changed).
        self._good_fit: tuple[NDArray[np.int64], ParzenEstimator] | None = None
        self._good_logw: tuple[float, NDArray[np.float64]] | None = None
        self.bad_sigma = np.zeros(self.space.n_dims)
        self.bad_best = math.inf  # best value of a complete trial in the bad group
        self._cols: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
        self._all_cols = np.empty(0, dtype=np.int64)
        # Ints with log=True are modelled continuously: suggestions are snapped to the ints.
        self._log_int = np.array([isinstance(dists[i], IntDistribution) and dists[i].log
                                  for i in self.numeric], dtype=bool)

    # -- bookkeeping -------------------------------------------------------------------
    def _columns(self, obs: Observations) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
        """Observation columns of the numeric and categorical parameters (None until all exist).

        A (name, distribution) pair keeps its column forever, so it is looked up once.
        """
        if self._cols is None:
            cols = [obs.column(name, dist) for name, dist in self.params]
            if any(c is None for c in cols):
                return None
            cols_arr = np.array(cols, dtype=np.int64)
            self._cols = (cols_arr[self.numeric], cols_arr[self.categorical])
            self._all_cols = np.concatenate(self._cols)
        return self._cols

    def _grow(self, n: int) -> None:
        cap = self.rows.shape[0]
        if n <= cap:
            return
        new_cap = max(n, 2 * cap)
        rows = np.empty(new_cap, dtype=np.int64)
        rows[:cap] = self.rows
        keys = np.empty((new_cap, 3))
        keys[:cap] = self.keys
        mo = np.empty((new_cap, self.mo_values.shape[1]))
        mo[:cap] = self.mo_values
        self.rows, self.keys, self.mo_values = rows, keys, mo

    def points(self, obs: Observations, valid: NDArray[np.int64]
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Numeric and categorical internal coordinates of valid indices."""
        cols = self._columns(obs)
        assert cols is not None
        rows = self.rows[valid]
        x = obs.x
        return (np.ascontiguousarray(x[np.ix_(rows, cols[0])]),
                np.ascontiguousarray(x[np.ix_(rows, cols[1])]))

    def update(self, obs: Observations) -> None:
        """Take the rows appended since the last call; update the split and the bad mixture."""
        n_rows = obs.n_rows
        if n_rows == self.n_seen:
            return
        cols = self._columns(obs)
        new_valid = np.empty(0, dtype=np.int64)
        if cols is not None:
            start = self.n_seen
            states = obs.states[start:n_rows]
            x = obs.x[start:n_rows]
            present = ~np.isnan(x[:, self._all_cols]).any(axis=1)
            n_obj = obs.n_objectives
            if n_obj == 1:
                ok = present & ((states == _COMPLETE) | (states == _PRUNED))
            else:
                ok = present & (states == _COMPLETE)
            new_rows = np.flatnonzero(ok) + start
            k = new_rows.size
            if k:
                self._grow(self.n_valid + k)
                if self.mo_values.shape[1] != n_obj and n_obj > 1:
                    self.mo_values = np.empty((self.rows.shape[0], n_obj))
                idx = np.arange(self.n_valid, self.n_valid + k)
                self.rows[idx] = new_rows
                signed = obs.values[new_rows] * obs.signs  # (k, n_obj), minimised
                st = obs.states[new_rows]
                first = signed[:, 0]
                tier = np.where(st == _COMPLETE, 0.0, np.where(np.isnan(first), 2.0, 1.0))
                self.keys[idx, 0] = tier
                self.keys[idx, 1] = np.where(np.isnan(first), np.inf, first)
                self.keys[idx, 2] = idx
                if n_obj > 1:
                    self.mo_values[idx] = signed
                self.n_valid += k
                new_valid = idx
        self.n_seen = n_rows
        if new_valid.size:
            self._resplit(new_valid, obs)
            if self.bad is not None and self.bad.refresh_index(lambda: self._good_centre(obs)):
                self._bad_rank = None

    def _n_good(self) -> int:
        n = self.n_valid
        n_good = self.sampler._gamma(n)
        if isinstance(n_good, bool) or not isinstance(n_good, numbers.Integral) or not (
            0 <= n_good <= n
        ):
            raise ValueError(
                f"The 'gamma' parameter of {_OWNER} must return an int in [0, n]. "
                f"Got {n_good!r} for n={n} instead."
            )
        return int(n_good)

    def _best(self, candidates: NDArray[np.int64], n: int) -> NDArray[np.int64]:
        """The ``n`` best of ``candidates`` (valid indices) by ranking key."""
        if n >= candidates.size:
            return candidates
        k = self.keys[candidates]
        order = np.lexsort((k[:, 2], k[:, 1], k[:, 0]))
        return candidates[order[:n]]

    def _good_multi_objective(self, n_good: int) -> NDArray[np.int64]:
        """Good group of several objectives: whole non-domination fronts, the last one
        cut by the normalised sum of its objectives."""
        n = self.n_valid
        if n_good == 0:
            return np.empty(0, dtype=np.int64)
        values = np.ascontiguousarray(self.mo_values[:n])
        rank = np.empty(n, dtype=np.int64)
        nondominated_rank(values, n_good, rank)
        order = np.argsort(rank, kind="stable")
        cut_rank = rank[order[n_good - 1]]
        chosen = order[rank[order] < cut_rank]
        last = np.flatnonzero(rank == cut_rank)
        v = values[last]
        span = v.max(axis=0) - v.min(axis=0)
        norm = ((v - v.min(axis=0)) / np.where(span > 0, span, 1.0)).sum(axis=1)
        extra = last[np.lexsort((last, norm))[: n_good - chosen.size]]
        return np.concatenate([chosen, extra]).astype(np.int64)

    def _resplit(self, new_valid: NDArray[np.int64], obs: Observations) -> None:
        old_good = self.good
        n_good = self._n_good()
        if (new_valid.size == 1 and n_good == old_good.size and self.bad is not None
                and self.mo_values.shape[1] <= 1 and self._refresh_bandwidth() is False):
            # The common step of a long study: one new row, same good-group size.
            v = int(new_valid[0])
            to_bad = v
            if n_good:
                keys = self.keys
                worst = int(old_good[np.lexsort((keys[old_good, 2], keys[old_good, 1],
                                                 keys[old_good, 0]))[-1]])
                if tuple(keys[v]) < tuple(keys[worst]):
                    to_bad = worst
                    self.good = np.sort(np.concatenate([old_good[old_good != worst], new_valid]))
            if to_bad != v and self._bad_rank is not None:
                # The bad observations that finished after the demoted one move up a rank.
                ranks = self._bad_rank[:self._n_bad_rank]
                ranks[self.bad.tags[1:] > to_bad] += 1
            x, x_cat = self.points(obs, np.array([to_bad]))
            self.bad.append(x, x_cat, self.bad_sigma, tags=np.array([to_bad]))
            # Its rank: the observations before it that are not good.
            self._append_bad_rank(to_bad - int(np.searchsorted(self.good, to_bad)))
            if self.keys[to_bad, 0] == 0.0:
                self.bad_best = min(self.bad_best, float(self.keys[to_bad, 1]))
            return
        self._bad_rank = None
        if self.mo_values.shape[1] > 1:
            good = self._good_multi_objective(n_good)
        else:
            # Every old bad observation ranks below every old good one, so the new good
            # group is among the old good, the new rows and the best few old bad ones.
            pool = np.concatenate([old_good, new_valid])
            extra = n_good - old_good.size
            if extra > 0:
                n_old = self.n_valid - new_valid.size
                old_bad = np.setdiff1d(np.arange(n_old), old_good, assume_unique=True)
                pool = np.concatenate([pool, self._best(old_bad, extra)])
            good = self._best(pool, n_good)
        good = np.sort(good)
        self.good = good
        # Move the observations that crossed the split in the incremental bad mixture.
        if self.bad is None:
            self.bad = ParzenEstimator(self.space, self.sampler._prior_weight,
                                       capacity=max(64, 2 * self.n_valid), shared=True,
                                       n_threads=self.sampler._n_threads)
        self._refresh_bandwidth()
        was_good_or_new = np.union1d(old_good, new_valid)
        to_bad = np.setdiff1d(was_good_or_new, good, assume_unique=True)
        from_bad = np.setdiff1d(good, was_good_or_new, assume_unique=True)
        self.bad.remove_tags(from_bad)
        if to_bad.size:
            x, x_cat = self.points(obs, to_bad)
            self.bad.append(x, x_cat, self.bad_sigma, tags=to_bad)
        bad_keys = self.keys[self.bad.tags[1:]]  # (n_bad, 3)
        self.bad_best = float(np.min(bad_keys[:, 1], where=bad_keys[:, 0] == 0.0,
                                     initial=math.inf))

    def _good_centre(self, obs: Observations) -> NDArray[np.float64] | None:
        """Mean of the good group's numeric points: near where candidates are drawn."""
        if self.good.size == 0:
            return None
        return self.points(obs, self.good)[0].mean(axis=0)  # type: ignore[no-any-return]

    def _append_bad_rank(self, rank: int) -> None:
        if self._bad_rank is None:
            return
        n = self._n_bad_rank
        if n == self._bad_rank.shape[0]:
            grown = np.empty(2 * n + 64, dtype=np.int64)
            grown[:n] = self._bad_rank[:n]
            self._bad_rank = grown
        self._bad_rank[n] = rank
        self._n_bad_rank = n + 1

    def _bad_ranks(self) -> NDArray[np.int64]:
        """Rank in finish order among the bad observations of each bad component."""
        assert self.bad is not None
        if self._bad_rank is None:
            tags = self.bad.tags[1:]
            good_before = np.zeros(self.n_valid + 1, dtype=np.int64)
            good_before[self.good + 1] = 1
            np.cumsum(good_before, out=good_before)
            self._bad_rank = tags - good_before[tags]
            self._n_bad_rank = tags.size
        return self._bad_rank[:self._n_bad_rank]

    def _refresh_bandwidth(self) -> bool:
        """Recompute the bad group's shared bandwidth if ``n_bad`` moved enough; say if it did.

        ``n_bad`` is counted as it will be after the current split; the new
        bandwidth is applied to every component (O(n_bad * n_dims)) only if it
        changed.
        """
        assert self.bad is not None
        n_bad = self.n_valid - self._n_good()
        ref = self.bad_sigma_n
        if ref >= 0 and ref / BANDWIDTH_REFRESH <= n_bad <= ref * BANDWIDTH_REFRESH:
            return False
        self.bad_sigma_n = n_bad
        sigma = self._bad_bandwidth(n_bad)
        if not np.array_equal(sigma, self.bad_sigma):
            self.bad_sigma = sigma
            self.bad.set_shared_sigma(sigma)
        return True

    def _bad_bandwidth(self, n_bad: int) -> NDArray[np.float64]:
        """Bandwidth shared by the bad group's components.

        Twice the mean gap of ``n_bad`` evenly spread points, ``2 * width /
        n_bad``, clipped to ``[min_bandwidth(...), width]``: a shared
        stand-in for the neighbour-gap rule (whose bandwidths are mostly at
        that floor once ``n_bad`` exceeds a few hundred), which needs no
        sorted order and so can be kept incrementally. In our runs it matched
        the exact neighbour-gap rule's quality; Scott's rule (broader) did
        clearly worse on 6- to 10-dimensional functions.
        """
        width = self.space.width
        return np.clip(2.0 * width / max(n_bad, 1),
                       min_bandwidth(self.space, n_bad, self.multivariate), width)

    # -- weights -----------------------------------------------------------------------
    def weights(self, n: int) -> NDArray[np.float64]:
        w = self.sampler._weights(n)
        w = np.asarray(w, dtype=np.float64) if w is not None else None
        if w is None or w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(
                f"The 'weights' parameter of {_OWNER} must return {n} finite non-negative "
                f"weights for n={n}. Got {w!r} instead."
            )
        return w

    def _good_factors(self) -> NDArray[np.float64]:
        """`improvement_factors` of the good group, ones where they are not defined.

        Defined for multivariate models of one objective when the good group
        is made of complete trials and the bad group holds one (its best
        value, ``bad_best``, is kept up to date by the split): pruned trials
        are ranked by an intermediate value, not comparable with the final
        ones. Univariate models keep the published weights (the factors made
        them worse, like `min_bandwidth`'s floor).
        """
        good = self.good
        if not self.multivariate or self.mo_values.shape[1] > 1 or self.keys[good, 0].any():
            return np.ones(good.size)
        return improvement_factors(self.keys[good, 1], self.bad_best)

    # -- suggestion --------------------------------------------------------------------
    def suggest(self, obs: Observations, rng: np.random.Generator,
                liars: NDArray[np.float64]) -> dict[str, float]:
        """Draw candidates from the good mixture and return the best, as internal values.

        ``liars`` (n_liars, n_params) are the points of running trials, counted as bad.
        """
        space = self.space
        p = self.sampler._prior_weight
        n_cand = self.sampler._n_ei_candidates
        good = self.good
        # Good mixture: small, with the neighbour-gap bandwidths; refitted when the group
        # changes, its weights also when the best bad value (they depend on) does.
        if self._good_fit is None or not np.array_equal(self._good_fit[0], good):
            x_good, c_good = self.points(obs, good)
            fit = ParzenEstimator(space, p, capacity=good.size)
            fit.append(x_good, c_good, neighbour_bandwidth(
                space, x_good, self.sampler._consider_endpoints, self.multivariate))
            self._good_fit, self._good_logw = (good, fit), None
        l_est = self._good_fit[1]
        if self._good_logw is None or self._good_logw[0] != self.bad_best:
            self._good_logw = (self.bad_best, l_est.log_weights(
                self.weights(good.size) * self._good_factors()))
        l_logw = self._good_logw[1]
        n_liar = liars.shape[0]
        x_liar = np.ascontiguousarray(liars[:, self.numeric])
        c_liar = np.ascontiguousarray(liars[:, self.categorical])
        assert self.bad is not None
        tags = self.bad.tags[1:]
        n_bad = tags.size
        if 0 < space.n_dims and n_bad <= EXACT_BAD_MAX and (
                n_bad * space.n_dims <= EXACT_BAD_MAX_TERMS):
            # Few observations: the bad mixture is refitted with the neighbour-gap rule.
            bad = np.sort(tags)
            x_bad, c_bad = self.points(obs, bad)
            x_bad = np.concatenate([x_bad, x_liar])
            c_bad = np.concatenate([c_bad, c_liar])
            g_est = ParzenEstimator(space, p, capacity=x_bad.shape[0])
            g_est.append(x_bad, c_bad, neighbour_bandwidth(
                space, x_bad, self.sampler._consider_endpoints, self.multivariate))
            n_persistent = g_est.n_comp
            w = self.weights(n_bad + n_liar)  # bad observations in finish order, then liars
        else:
            # The incremental mixture with its shared bandwidth; running trials appended
            # for this suggestion only.
            g_est = self.bad
            n_persistent = g_est.n_comp
            ranks = np.concatenate([self._bad_ranks(), np.arange(n_bad, n_bad + n_liar)])
            if self.sampler._weights is default_weights:
                w = _default_weights_at(n_bad + n_liar, ranks)  # no gather over n_bad
            else:
                w = self.weights(n_bad + n_liar)[ranks]
            g_est.append(x_liar, c_liar, self.bad_sigma)
        try:
            g_logw = g_est.log_weights(w)
            x, x_cat = l_est.sample(rng, n_cand, l_logw, joint=self.multivariate)
            if self.multivariate:
                score = l_est.log_pdf(x, x_cat, l_logw) - g_est.log_pdf(x, x_cat, g_logw)
                best = int(np.argmax(score))
                x_best, c_best = x[best], x_cat[best]
            else:
                ln, lc = l_est.log_pdf_univariate(x, x_cat, l_logw)
                gn, gc = g_est.log_pdf_univariate(x, x_cat, g_logw)
                dims = np.arange(space.n_dims)
                cats = np.arange(space.n_cat)
                x_best = x[np.argmax(ln - gn, axis=0), dims]
                c_best = x_cat[np.argmax(lc - gc, axis=0), cats]
        finally:
            g_est.truncate(n_persistent)
        log_int = self._log_int
        if log_int.any():
            # The value the trial will record: log of the nearest int (within the bounds).
            x_best = np.array(x_best, dtype=np.float64)
            x_best[log_int] = np.log(np.round(np.clip(
                np.exp(x_best[log_int]),
                np.exp(space.low[log_int]) + 0.5,
                np.exp(space.high[log_int]) - 0.5,
            )))
        result = dict(zip([self.names[i] for i in self.numeric], x_best.tolist()))
        result.update(zip([self.names[i] for i in self.categorical], c_best.tolist()))
        return result


def _too_narrow(distribution: BaseDistribution) -> bool:
    """Whether the internal interval is too narrow for Parzen bandwidths (drawn uniformly).

    A width of a few ulps of the bounds (``(1e-300, 1.0000000000000002e-300, log=True)``
    rounds to one log value) or a subnormal width (``(0.0, 5e-324)``) leaves the kernels
    no positive bandwidth; a uniform draw covers such a range anyway.
    """
    low, high = distribution.internal_bounds()
    width = high - low
    return width < 1e-290 or width <= 16 * math.ulp(max(abs(low), abs(high)))


class _StudyState:
    """What a `TPESampler` keeps for one study: its group models and group signatures."""

    __slots__ = ("group_hash", "group_rows_seen", "models")

    def __init__(self) -> None:
        self.models: dict[tuple[Any, ...], _GroupModel] = {}
        self.group_hash = np.zeros(0, dtype=np.uint64)  # presence signature of each column
        self.group_rows_seen = 0


class TPESampler(ArraySampler):
    """Tree-structured Parzen Estimator: suggest where good trials are dense and bad ones rare.

    After ``n_startup_trials`` random trials, the finished trials are split
    into the ``gamma(n)`` best (good) and the rest (bad); a Parzen estimator
    (a mixture of truncated normals and categorical kernels, plus a prior
    component) is fitted to each, ``n_ei_candidates`` points are drawn from
    the good one, and the point with the largest ratio of good to bad density
    is suggested. Densities are evaluated by compiled kernels and the state
    of each group of parameters is updated incrementally, so that a
    suggestion stays cheap in long studies.

    Parameters
    ----------
    n_startup_trials : int, default 10
        Random trials before the model is used (per group of parameters).
    n_ei_candidates : int, default 24
        Candidates drawn from the good mixture per suggestion.
    gamma : callable, default `default_gamma`
        ``gamma(n) -> int`` in ``[0, n]``: size of the good group among ``n``
        observations (10 %, at most 25).
    weights : callable, default `default_weights`
        ``weights(n) -> array of n non-negative floats``: weights of the
        observations of a group in the order they finished (older ones less);
        with ``multivariate``, the good group's are multiplied by
        `improvement_factors`.
    prior_weight : float, default 1.0
        Weight (> 0) of the prior component of each mixture.
    consider_endpoints : bool, default False
        In univariate mixtures, let the box ends bound the bandwidth of the
        extreme components.
    multivariate : bool, default True
        Model the parameters of the shared search space jointly (one
        component per observation over all parameters); otherwise each
        parameter on its own.
    group : bool, default False
        With ``multivariate``, split define-by-run spaces into groups of
        parameters that always occur together, each modelled jointly.
    constant_liar : bool, default True
        Count running trials as bad observations, so that parallel workers
        and batch asks (`bbopt.Study.ask_batch`) spread out.
    seed : int, optional
    n_threads : int, optional
        Threads that score candidates against a large bad mixture together
        (used above `bbopt.surrogates._parzen.MIN_TERMS_PER_THREAD` kernel
        terms per thread). Default: the CPUs this process may use, at most 4.
        Suggestions of one sampler are made one at a time (parallel workers
        of `bbopt.Study.optimize` wait for each other here), so these threads
        never multiply with the workers.

    Notes
    -----
    With ``multivariate``, the good group's observations are weighted by
    ``weights`` times `improvement_factors` (more for a larger improvement
    over the best bad observation; factors of mean 1, so ``prior_weight``
    keeps its share), and numeric bandwidths are floored by `min_bandwidth`
    (3 % of the range up to 1000 observations in a group, then decreasing to
    1 %); univariate models keep the published TPE's weights and floor.
    Pruned trials take part through their last reported value, ranked after
    every complete trial. With several objectives the good group is made of
    whole non-domination fronts (MOTPE's ranking), the last front cut by the
    normalised sum of its objectives; trials cannot be pruned then.

    Examples
    --------
    >>> import bbopt
    >>> sampler = bbopt.samplers.TPESampler(seed=0)
    >>> study = bbopt.create_study(sampler=sampler)
    >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=40)
    >>> abs(study.best_params["x"] - 1) < 0.5
    True
    """

    def __init__(
        self,
        *,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] = default_gamma,
        weights: Callable[[int], Any] = default_weights,
        prior_weight: float = 1.0,
        consider_endpoints: bool = False,
        multivariate: bool = True,
        group: bool = False,
        constant_liar: bool = True,
        seed: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self._n_startup_trials = ensure_int(n_startup_trials, "n_startup_trials", _OWNER, 0)
        self._n_ei_candidates = ensure_int(n_ei_candidates, "n_ei_candidates", _OWNER, 1)
        self._gamma = ensure_callable(gamma, "gamma", _OWNER)
        self._weights = ensure_callable(weights, "weights", _OWNER)
        if isinstance(prior_weight, bool) or not isinstance(prior_weight, numbers.Real):
            raise TypeError(
                f"The 'prior_weight' parameter of {_OWNER} must be a real number. "
                f"Got {prior_weight!r} instead."
            )
        if not (math.isfinite(prior_weight) and prior_weight > 0):
            raise ValueError(
                f"The 'prior_weight' parameter of {_OWNER} must be a finite number > 0. "
                f"Got {prior_weight!r} instead."
            )
        self._prior_weight = float(prior_weight)
        self._consider_endpoints = ensure_bool(consider_endpoints, "consider_endpoints", _OWNER)
        self._multivariate = ensure_bool(multivariate, "multivariate", _OWNER)
        self._group = ensure_bool(group, "group", _OWNER)
        if self._group and not self._multivariate:
            raise ValueError(
                f"The 'group' parameter of {_OWNER} requires multivariate=True. "
                f"Got group=True with multivariate=False instead."
            )
        self._constant_liar = ensure_bool(constant_liar, "constant_liar", _OWNER)
        self._seed = ensure_seed(seed, _OWNER)
        if n_threads is None:
            try:
                n_cpus = len(os.sched_getaffinity(0))
            except AttributeError:  # not on Linux
                n_cpus = os.cpu_count() or 1
            n_threads = min(4, n_cpus)
        self._n_threads = ensure_int(n_threads, "n_threads", _OWNER, 1)
        self._lock = threading.RLock()
        # The models and group signatures of each study served (SamplingContext.study_key).
        self._studies: PerStudy[_StudyState] = PerStudy(_StudyState)
        # Labels of the rows in the group signatures; never reseeded (labels must not repeat).
        self._hash_rng = np.random.default_rng(0x7E5)
        self.reseed_rng(self._seed)

    def reseed_rng(self, seed: int | None = None) -> None:
        self._rng = np.random.default_rng(seed)

    # -- search spaces -----------------------------------------------------------------
    def joint_space(self, context: SamplingContext) -> dict[str, BaseDistribution]:
        if not self._multivariate:
            return {}
        obs = context.observations
        if self._group:
            space = {
                obs.names[j]: obs.distributions[j] for j in range(obs.n_columns)
            }
        else:
            space = obs.shared_search_space()
        return {name: dist for name, dist in space.items()
                if not dist.single() and not _too_narrow(dist)}

    def _groups(self, study: _StudyState, obs: Observations,
                space: dict[str, BaseDistribution]
                ) -> list[tuple[tuple[str, BaseDistribution], ...]]:
        """Split ``space`` into groups of parameters set by exactly the same finished trials."""
        n_cols = obs.n_columns
        if study.group_hash.shape[0] < n_cols:
            grown = np.zeros(n_cols, dtype=np.uint64)
            grown[: study.group_hash.shape[0]] = study.group_hash
            study.group_hash = grown
        start, stop = study.group_rows_seen, obs.n_rows
        if stop > start:
            # Each row gets a random 64-bit label; a column's signature is the XOR of the
            # labels of the rows that set it (updated with new rows only).
            labels = self._hash_rng.integers(1, 2**63, size=stop - start, dtype=np.uint64)
            states = obs.states[start:stop]
            usable = (states == _COMPLETE) | (states == _PRUNED)
            present = ~np.isnan(obs.x[start:stop]) & usable[:, None]
            contrib = np.where(present, labels[:, None], np.uint64(0))
            study.group_hash[:n_cols] ^= np.bitwise_xor.reduce(contrib, axis=0)
            study.group_rows_seen = stop
        by_hash: dict[int, list[tuple[str, BaseDistribution]]] = {}
        for name, dist in sorted(space.items()):
            col = obs.column(name, dist)
            if col is None:
                continue
            by_hash.setdefault(int(study.group_hash[col]), []).append((name, dist))
        return [tuple(params) for params in by_hash.values()]

    # -- sampling ----------------------------------------------------------------------
    def _model(self, study: _StudyState, params: tuple[tuple[str, BaseDistribution], ...],
               multivariate: bool) -> _GroupModel:
        key = (multivariate, params)
        model = study.models.get(key)
        if model is None:
            model = _GroupModel(self, params, multivariate)
            study.models[key] = model
        return model

    def _liars(self, context: SamplingContext, model: _GroupModel) -> NDArray[np.float64]:
        """Internal points of the other running trials that set every parameter of the group."""
        n_params = len(model.params)
        if not self._constant_liar or context.running.numbers.size == 0:
            return np.empty((0, n_params))
        obs = context.observations
        points = context.running.points([obs.column(name, dist) for name, dist in model.params])
        return np.ascontiguousarray(points[~np.isnan(points).any(axis=1)])

    def _sample_group(self, context: SamplingContext,
                      params: tuple[tuple[str, BaseDistribution], ...],
                      multivariate: bool) -> dict[str, float]:
        obs = context.observations
        model = self._model(self._studies.get(context.study_key), params, multivariate)
        model.update(obs)
        if model.n_valid < max(self._n_startup_trials, 1):
            return {}
        return model.suggest(obs, self._rng, self._liars(context, model))

    def sample_joint(
        self, context: SamplingContext, search_space: dict[str, BaseDistribution]
    ) -> dict[str, float]:
        if not search_space:
            return {}
        with self._lock:
            obs = context.observations
            if self._group:
                groups = self._groups(self._studies.get(context.study_key), obs, search_space)
            else:
                groups = [tuple(sorted(search_space.items()))]
            result: dict[str, float] = {}
            for params in groups:
                result.update(self._sample_group(context, params, True))
            return result

    def sample_one(
        self, context: SamplingContext, name: str, distribution: BaseDistribution
    ) -> float:
        with self._lock:
            if not _too_narrow(distribution):
                point = self._sample_group(context, ((name, distribution),), False)
                if point:
                    return point[name]
            low, high = distribution.internal_bounds()
            return low + (high - low) * float(self._rng.random())
