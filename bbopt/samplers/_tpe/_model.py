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

Univariate models (``multivariate=False``): the parameters set by the same
trials share one model (one split, one good mixture sampled one dimension at a
time); its bad mixture is one indexed one-dimensional mixture per dimension
(`_MarginalMixture`), since a one-dimensional index (sorted order) is what lets
each parameter's marginal density skip the far components.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from bbopt._distributions import BaseDistribution, IntDistribution
from bbopt._encoding import Encoding
from bbopt._frozen import TrialState
from bbopt._kernels import nondominated_rank
from bbopt.samplers._constraints import constrained_keys
from bbopt.samplers._tpe._rules import (
    _default_weights_at,
    default_weights,
    hypervolume_factors,
    improvement_factors,
    min_bandwidth,
    neighbour_bandwidth,
)
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
_COMPLETE = int(TrialState.COMPLETE)
_PRUNED = int(TrialState.PRUNED)


class ModelConfig(NamedTuple):
    """The sampler's settings a model reads (frozen when the model is made)."""

    gamma: Callable[[int], int]
    weights: Callable[[int], Any]
    prior_weight: float
    n_ei_candidates: int
    consider_endpoints: bool
    n_threads: int


class _MarginalMixture:
    """The bad group's mixture in a univariate model of several parameters.

    One one-dimensional `ParzenEstimator` per dimension (numeric, then
    categorical), holding the same components (tags), each in its own order:
    indexed one dimension at a time, a candidate's marginal density reads only
    the components near it in that dimension, as a model of one parameter does.
    Implements what `_GroupModel` calls on its bad mixture.
    """

    def __init__(self, space: ParzenSpace, prior_weight: float, capacity: int,
                 n_threads: int) -> None:
        self.n_dims, self.n_cat = space.n_dims, space.n_cat
        none = np.zeros(0)
        spaces = [ParzenSpace(space.low[j:j + 1], space.high[j:j + 1], space.step[j:j + 1], none)
                  for j in range(space.n_dims)]
        spaces += [ParzenSpace(none, none, none, space.n_choices[c:c + 1])
                   for c in range(space.n_cat)]
        self.marginals = [ParzenEstimator(sub, prior_weight, capacity=capacity, shared=True,
                                          n_threads=n_threads) for sub in spaces]

    @property
    def n_comp(self) -> int:
        return self.marginals[0].n_comp

    @property
    def tags(self) -> NDArray[np.int64]:
        """Tags of the first dimension's components (every dimension has the same set)."""
        return self.marginals[0].tags

    def _columns(self, x: NDArray[np.float64], x_cat: NDArray[np.float64]
                 ) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
        """Each dimension's ``(x, x_cat)`` argument."""
        n = x.shape[0]
        none = np.empty((n, 0))
        return ([(x[:, j:j + 1], none) for j in range(self.n_dims)]
                + [(none, x_cat[:, c:c + 1]) for c in range(self.n_cat)])

    def append(self, x: NDArray[np.float64], x_cat: NDArray[np.float64],
               sigma: NDArray[np.float64], tags: NDArray[np.int64] | None = None) -> None:
        for j, (est, (xj, cj)) in enumerate(zip(self.marginals, self._columns(x, x_cat))):
            est.append(xj, cj, sigma[j:j + 1] if j < self.n_dims else None, tags)

    def remove_tags(self, tags: NDArray[np.int64]) -> None:
        for est in self.marginals:
            est.remove_tags(tags)

    def truncate(self, n_comp: int) -> None:
        for est in self.marginals:
            est.truncate(n_comp)

    def set_shared_sigma(self, sigma: NDArray[np.float64]) -> None:
        for j, est in enumerate(self.marginals[:self.n_dims]):
            est.set_shared_sigma(sigma[j:j + 1])

    def refresh_index(self, reference: Callable[[], NDArray[np.float64] | None]) -> bool:
        """`ParzenEstimator.refresh_index` of each numeric dimension; say if one changed."""
        centre: list[NDArray[np.float64] | None] = []

        def of(j: int) -> NDArray[np.float64] | None:
            if not centre:
                centre.append(reference())
            point = centre[0]
            return None if point is None else point[j:j + 1]

        changed = [est.refresh_index(lambda j=j: of(j))  # type: ignore[misc]
                   for j, est in enumerate(self.marginals[:self.n_dims])]
        return any(changed)

    def log_weights(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """`ParzenEstimator.log_weights`, ``weights`` in the first dimension's order."""
        return self.marginals[0].log_weights(weights)

    def log_pdf_univariate(self, x: NDArray[np.float64], x_cat: NDArray[np.float64],
                           log_weights: NDArray[np.float64], n_persistent: int
                           ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each dimension's marginal log-density at candidates, as `ParzenEstimator`'s.

        ``log_weights`` (n_comp,) are in the first dimension's order; the
        components after the first ``n_persistent`` (appended for one
        suggestion) are in the same order in every dimension.
        """
        first = self.marginals[0].tags[1:n_persistent]
        by_tag = np.empty(int(first.max(initial=-1)) + 1)
        by_tag[first] = log_weights[1:n_persistent]
        out = np.empty((x.shape[0], len(self.marginals)))
        for j, (est, (xj, cj)) in enumerate(zip(self.marginals, self._columns(x, x_cat))):
            logw = log_weights if j == 0 else np.concatenate(
                [log_weights[:1], by_tag[est.tags[1:n_persistent]], log_weights[n_persistent:]])
            out[:, j] = est.log_pdf(xj, cj, logw)
        return out[:, :self.n_dims], out[:, self.n_dims:]


class _GroupModel:
    """Split and Parzen estimators of one group of parameters, kept across suggestions."""

    def __init__(self, config: ModelConfig, params: tuple[tuple[str, BaseDistribution], ...],
                 multivariate: bool) -> None:
        self.config = config
        self.params = params
        self.names = [name for name, _ in params]
        dists = [dist for _, dist in params]
        encoding = Encoding(dists, _OWNER)
        self.space = ParzenSpace.from_encoding(encoding)
        self.numeric, self.categorical = encoding.numeric, encoding.categorical
        self.multivariate = multivariate
        # A univariate model of several parameters keeps its bad mixture one dimension
        # at a time (`_MarginalMixture`).
        self.marginal = not multivariate and len(params) > 1
        self.n_seen = 0  # observation rows processed
        self.n_valid = 0
        cap = 64
        self.rows = np.empty(cap, dtype=np.int64)  # observation row of each valid index
        self.keys = np.empty((cap, 3))  # ranking key (tier, score, valid index); smaller = better
        self.mo_values = np.empty((cap, 0))  # signed objectives (several objectives only)
        self.good = np.empty(0, dtype=np.int64)  # valid indices of the good group, sorted
        self.bad: ParzenEstimator | _MarginalMixture | None = None  # incremental bad mixture
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
        numeric_dists = [dists[i] for i in self.numeric]
        self._log_int = np.array([isinstance(d, IntDistribution) and d.log
                                  for d in numeric_dists], dtype=np.bool_)

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
                score = np.where(np.isnan(first), np.inf, first)
                if obs.constraints.shape[1]:  # feasible-first split (samplers/_constraints.py)
                    tier, score = constrained_keys(obs.constraints[new_rows], tier, score)
                self.keys[idx, 0] = tier
                self.keys[idx, 1] = score
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
        n_good = self.config.gamma(n)
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
        # Constrained: the fronts of the feasible rows (tier 0); with too few of them, all
        # of them and then the least violating ones (the keys' order).
        pool = np.flatnonzero(self.keys[:n, 0] == 0.0)
        if pool.size <= n_good:
            return self._best(np.arange(n), n_good)
        values = np.ascontiguousarray(self.mo_values[pool])
        rank = np.empty(pool.size, dtype=np.int64)
        nondominated_rank(values, n_good, rank)
        order = np.argsort(rank, kind="stable")
        cut_rank = rank[order[n_good - 1]]
        chosen = order[rank[order] < cut_rank]
        last = np.flatnonzero(rank == cut_rank)
        v = values[last]
        span = v.max(axis=0) - v.min(axis=0)
        norm = ((v - v.min(axis=0)) / np.where(span > 0, span, 1.0)).sum(axis=1)
        extra = last[np.lexsort((last, norm))[: n_good - chosen.size]]
        return pool[np.concatenate([chosen, extra])].astype(np.int64)

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
            capacity = max(64, 2 * self.n_valid)
            self.bad = (
                _MarginalMixture(self.space, self.config.prior_weight, capacity,
                                 self.config.n_threads) if self.marginal
                else ParzenEstimator(self.space, self.config.prior_weight, capacity=capacity,
                                     shared=True, n_threads=self.config.n_threads))
        self._refresh_bandwidth()
        was_good_or_new = np.union1d(old_good, new_valid)
        demoted = np.setdiff1d(was_good_or_new, good, assume_unique=True)
        promoted = np.setdiff1d(good, was_good_or_new, assume_unique=True)
        self.bad.remove_tags(promoted)
        if demoted.size:
            x, x_cat = self.points(obs, demoted)
            self.bad.append(x, x_cat, self.bad_sigma, tags=demoted)
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
        w = self.config.weights(n)
        w = np.asarray(w, dtype=np.float64) if w is not None else None
        if w is None or w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(
                f"The 'weights' parameter of {_OWNER} must return {n} finite non-negative "
                f"weights for n={n}. Got {w!r} instead."
            )
        return w

    def _good_factors(self) -> NDArray[np.float64]:
        """Extra weights of the good group: `hypervolume_factors` with several
        objectives (when every good trial is feasible), else `improvement_factors`
        or ones.

        The improvement factors are defined for multivariate models of one
        objective when the good group is made of complete trials and the bad
        group holds one (its best value, ``bad_best``, is kept up to date by
        the split): pruned trials are ranked by an intermediate value, not
        comparable with the final ones. Univariate models keep the published
        weights (the factors made them worse, like `min_bandwidth`'s floor).
        """
        good = self.good
        if self.keys[good, 0].any():
            return np.ones(good.size)
        if self.mo_values.shape[1] > 1:
            return hypervolume_factors(self.mo_values[good])
        if not self.multivariate:
            return np.ones(good.size)
        return improvement_factors(self.keys[good, 1], self.bad_best)

    # -- suggestion --------------------------------------------------------------------
    def suggest(self, obs: Observations, rng: np.random.Generator,
                liars: NDArray[np.float64]) -> dict[str, float]:
        """Draw candidates from the good mixture and return the best, as internal values.

        ``liars`` (n_liars, n_params) are the points of running trials, counted as bad.
        """
        space = self.space
        p = self.config.prior_weight
        n_cand = self.config.n_ei_candidates
        good = self.good
        # Good mixture: small, with the neighbour-gap bandwidths; refitted when the group
        # changes, its weights also when the best bad value (they depend on) does.
        if self._good_fit is None or not np.array_equal(self._good_fit[0], good):
            x_good, c_good = self.points(obs, good)
            fit = ParzenEstimator(space, p, capacity=good.size)
            fit.append(x_good, c_good, neighbour_bandwidth(
                space, x_good, self.config.consider_endpoints, self.multivariate))
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
        # Terms per candidate: a marginal mixture's are one dimension's, as for one parameter.
        n_terms = n_bad * (1 if self.marginal else space.n_dims)
        g_est: ParzenEstimator | _MarginalMixture
        if 0 < space.n_dims and n_bad <= EXACT_BAD_MAX and n_terms <= EXACT_BAD_MAX_TERMS:
            # Few observations: the bad mixture is refitted with the neighbour-gap rule.
            bad = np.sort(tags)
            x_bad, c_bad = self.points(obs, bad)
            x_bad = np.concatenate([x_bad, x_liar])
            c_bad = np.concatenate([c_bad, c_liar])
            g_est = ParzenEstimator(space, p, capacity=x_bad.shape[0])
            g_est.append(x_bad, c_bad, neighbour_bandwidth(
                space, x_bad, self.config.consider_endpoints, self.multivariate))
            n_persistent = g_est.n_comp
            w = self.weights(n_bad + n_liar)  # bad observations in finish order, then liars
        else:
            # The incremental mixture with its shared bandwidth; running trials appended
            # for this suggestion only.
            g_est = self.bad
            n_persistent = g_est.n_comp
            ranks = np.concatenate([self._bad_ranks(), np.arange(n_bad, n_bad + n_liar)])
            if self.config.weights is default_weights:
                w = _default_weights_at(n_bad + n_liar, ranks)  # no gather over n_bad
            else:
                w = self.weights(n_bad + n_liar)[ranks]
            g_est.append(x_liar, c_liar, self.bad_sigma)
        try:
            x, x_cat = l_est.sample(rng, n_cand, l_logw, joint=self.multivariate)
            if self.multivariate or len(self.params) == 1:
                # One parameter (a univariate model): its marginal density is the joint
                # one, whose kernel skips the bad mixture's far blocks through the index.
                assert isinstance(g_est, ParzenEstimator)
                g_logw = g_est.log_weights(w)
                score = l_est.log_pdf(x, x_cat, l_logw) - g_est.log_pdf(x, x_cat, g_logw)
                best = int(np.argmax(score))
                x_best, c_best = x[best], x_cat[best]
            else:
                ln, lc = l_est.log_pdf_univariate(x, x_cat, l_logw)
                if isinstance(g_est, _MarginalMixture):
                    gn, gc = g_est.log_pdf_univariate(x, x_cat, g_est.log_weights(w),
                                                      n_persistent)
                else:
                    gn, gc = g_est.log_pdf_univariate(x, x_cat, g_est.log_weights(w))
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

