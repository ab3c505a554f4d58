"""Parzen estimators: mixtures of truncated-normal and categorical kernels over arrays.

This is the surrogate of the TPE sampler. It knows nothing of trials or
distributions: a space is described by arrays, components by their centres.

Notations
---------
n_dims : numeric dimensions (floats and ints, in raw or log internal coordinates)
n_cat : categorical dimensions (choice indices)
n_comp : components of a mixture; component 0 is always the *prior* (centred
    in the box, as wide as the box, uniform over the choices)
n_x : candidates (points at which a density is evaluated)

Component arrays are kept dimension-major, ``(n_dims, capacity)``, in buffers
that grow geometrically, so that components can be appended and removed in
place and the compiled kernels (`bbopt._kernels.parzen_log_pdf`) read a view
of the first ``n_comp`` columns. The candidate-independent part of each
component (its truncation normaliser) is computed once, when the component is
added or its bandwidth changes.

An estimator built with ``shared=True`` gives all its observation components
the same bandwidths (the TPE sampler's bad group): it stores only their
centres and normalisers, scores with the kernels' shared-bandwidth loop, and
evaluates the prior apart, passing its density to the kernel as a floor under
which blocks of components are provably negligible and skipped (a relative
change of the density below ``n_comp * exp(-64)``).
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

from bbopt._encoding import Encoding
from bbopt._kernels import (
    PARZEN_BLOCK,
    PARZEN_MAX_REFS,
    parzen_categorical,
    parzen_log_pdf,
    parzen_log_pdf_univariate,
    parzen_prepare,
    truncnorm_draw,
)

FloatArray = NDArray[np.float64]

#: Bandwidth factor of the Scott-like rule (relative to the width of a dimension).
SIGMA0 = 0.2
#: The bandwidth is never narrower than width / min(MAX_CLIP, 1 + n_obs).
MAX_CLIP = 100.0
#: A density evaluation is split over threads only above this many kernel terms
#: (candidates x components x dimensions), where it pays for the dispatch.
MIN_TERMS_PER_THREAD = 500_000

#: Components prepared per call when their bandwidths are shared (bounds the temporaries).
_PREPARE_CHUNK = 4096
#: Index of a shared-bandwidth estimator (see `ParzenEstimator.refresh_index`): the unindexed
#: tail becomes a run once it fills INDEX_RUN_BLOCKS blocks; INDEX_MERGE runs of a level merge.
INDEX_RUN_BLOCKS = 4
INDEX_MERGE = 4
#: Dimensions kept in the box of each indexed block: those where it is narrowest.
INDEX_BOX_DIMS = 16
#: Columns on which `kd_order` estimates the spreads of a node.
KD_SPREAD_SAMPLE = 32

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _forget_pools() -> None:
    """In a forked child: the parent's pools have no threads here; build new ones."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def _pool(n_threads: int) -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor  # here, not at import: n_threads > 1 only

    with _pools_lock:
        pool = _pools.get(n_threads)
        if pool is None:
            pool = _pools[n_threads] = ThreadPoolExecutor(
                max_workers=n_threads, thread_name_prefix="bbopt-parzen")
        return pool


class ParzenSpace:
    """The box a Parzen estimator lives in.

    Parameters
    ----------
    low, high : ndarray of shape (n_dims,)
        Bounds of the numeric dimensions, ``low < high``.
    step : ndarray of shape (n_dims,)
        Grid step of each numeric dimension, 0 for a continuous one.
    n_choices : ndarray of shape (n_cat,)
        Number of choices of each categorical dimension (>= 1).

    Examples
    --------
    >>> import numpy as np
    >>> space = ParzenSpace(np.array([0.0, 1.0]), np.array([1.0, 5.0]), np.array([0.0, 1.0]),
    ...                     np.array([3.0]))
    >>> space.width.tolist(), space.n_dims, space.n_cat
    ([1.0, 5.0], 2, 1)
    """

    def __init__(
        self, low: FloatArray, high: FloatArray, step: FloatArray, n_choices: FloatArray
    ) -> None:
        self.low = np.ascontiguousarray(low, dtype=np.float64)
        self.high = np.ascontiguousarray(high, dtype=np.float64)
        self.step = np.ascontiguousarray(step, dtype=np.float64)
        self.n_choices = np.ascontiguousarray(n_choices, dtype=np.float64)
        self.n_dims = self.low.shape[0]
        self.n_cat = self.n_choices.shape[0]
        #: Width of the range extended by half a step at each end (the kernels' support).
        self.width = self.high - self.low + self.step
        self.discrete = self.step > 0.0

    @classmethod
    def from_encoding(cls, encoding: Encoding) -> ParzenSpace:
        """The box of encoded distributions: its numeric dimensions, then its categorical ones.

        Examples
        --------
        >>> import bbopt
        >>> from bbopt._encoding import Encoding
        >>> enc = Encoding([bbopt.CategoricalDistribution([1, 2]), bbopt.IntDistribution(1, 5)],
        ...                "demo")
        >>> space = ParzenSpace.from_encoding(enc)
        >>> space.low.tolist(), space.step.tolist(), space.n_choices.tolist()
        ([1.0], [1.0], [2.0])
        """
        numeric, categorical = encoding.numeric, encoding.categorical
        return cls(encoding.low[numeric], encoding.high[numeric], encoding.step[numeric],
                   encoding.n_cells[categorical])


def scott_bandwidth(space: ParzenSpace, n_obs: int, n_params: int) -> FloatArray:
    """Bandwidth shared by the components of a multivariate mixture of ``n_obs`` points.

    ``SIGMA0 * n_obs ** (-1 / (n_params + 4)) * width``, Scott's rule for
    ``n_params`` dimensions, clipped to ``[width / min(100, 1 + n_obs), width]``.

    Parameters
    ----------
    space : ParzenSpace
    n_obs : int
        Number of observations of the mixture.
    n_params : int
        Dimension of the rule (all parameters modelled jointly, or 1).

    Returns
    -------
    ndarray of shape (n_dims,)

    Examples
    --------
    >>> import numpy as np
    >>> space = ParzenSpace(np.zeros(1), np.ones(1), np.zeros(1), np.zeros(0))
    >>> scott_bandwidth(space, 100, 1).round(3).tolist()
    [0.08]
    """
    n = max(n_obs, 1)
    sigma = SIGMA0 * n ** (-1.0 / (n_params + 4)) * space.width
    return np.clip(sigma, space.width / min(MAX_CLIP, 1.0 + n_obs), space.width)


def kd_order(points: FloatArray, scale: FloatArray, leaf: int) -> NDArray[np.intp]:
    """Order the columns of ``points`` as the leaves of a k-d tree, leaves of ``leaf`` columns.

    Each node is split at a multiple of ``leaf`` (the left part gets half of
    its leaves, rounded up) along the dimension of its widest spread times
    ``scale``, estimated on an evenly strided sample of at most
    `KD_SPREAD_SAMPLE` columns. Consecutive runs of ``leaf`` columns of the
    result are then compact boxes.

    Parameters
    ----------
    points : ndarray of shape (n_dims, n)
    scale : ndarray of shape (n_dims,)
        Units in which spreads are compared (e.g. inverse bandwidths).
    leaf : int

    Returns
    -------
    ndarray of shape (n,)
        A permutation of ``range(n)``.

    Examples
    --------
    >>> order = kd_order(np.array([[3.0, 0.0, 2.0, 1.0]]), np.ones(1), 2)
    >>> sorted(order[:2].tolist()), sorted(order[2:].tolist())
    ([1, 3], [0, 2])
    """
    n = points.shape[1]
    perm = np.arange(n)
    stack = [(0, n)]
    while stack:
        a, b = stack.pop()
        size = b - a
        half = leaf * ((-(-size // leaf) + 1) // 2)
        if size <= leaf or half >= size:
            continue
        idx = perm[a:b]
        sample = points[:, idx[:: max(1, size // KD_SPREAD_SAMPLE)]]
        dim = int(np.argmax((sample.max(axis=1) - sample.min(axis=1)) * scale))
        perm[a:b] = idx[np.argpartition(points[dim, idx], half)]
        stack += [(a, a + half), (a + half, b)]
    return perm


class ParzenEstimator:
    """A mixture of product kernels: a prior component plus one per observation.

    Numeric dimensions have truncated-normal kernels (discretised on their
    grid when they have a step), categorical ones the kernel of the published
    TPE: an observation puts probability ``(a + 1) / (1 + n a)`` on its own
    choice and ``a / (1 + n a)`` on each other one, ``a = prior_weight /
    n_comp``; the prior component is uniform.

    Parameters
    ----------
    space : ParzenSpace
    prior_weight : float
        Weight of the prior component relative to the observations' weights.
    capacity : int, default 16
        Initial number of component slots (grows as needed).
    shared : bool, default False
        Every observation component has the same bandwidths, set by
        `set_shared_sigma` (``sigma`` passed to `append` is then ignored); the
        densities use the kernels' faster shared-bandwidth loop.
    n_threads : int, default 1
        Threads that evaluate a large joint density together (the compiled
        kernel releases the GIL; each thread takes a slice of the components).

    Examples
    --------
    >>> import numpy as np
    >>> space = ParzenSpace(np.zeros(1), np.ones(1), np.zeros(1), np.zeros(0))
    >>> est = ParzenEstimator(space, prior_weight=1.0)
    >>> est.append(np.array([[0.2], [0.3]]), np.zeros((2, 0)), np.array([0.1]))
    >>> log_w = est.log_weights(np.ones(2))
    >>> est.n_comp, np.exp(log_w).round(3).tolist()
    (3, [0.333, 0.333, 0.333])
    >>> x, x_cat = est.sample(np.random.default_rng(0), 4, log_w)
    >>> bool(np.all((0 <= x) & (x <= 1)))
    True
    >>> est.log_pdf(np.array([[0.25]]), np.zeros((1, 0)), log_w).round(3).tolist()
    [0.998]
    """

    def __init__(
        self,
        space: ParzenSpace,
        prior_weight: float,
        capacity: int = 16,
        shared: bool = False,
        n_threads: int = 1,
    ) -> None:
        self.space = space
        self.n_threads = max(1, int(n_threads))
        self.prior_weight = float(prior_weight)
        self.shared = bool(shared)
        self._shared_sigma = space.width.copy()
        self._shared_inv = np.ascontiguousarray(1.0 / space.width[:, None])
        cap = max(int(capacity), 1) + 1
        d, c = space.n_dims, space.n_cat
        self._mu = np.zeros((d, cap))
        # With shared bandwidths only the prior's are stored (half the memory).
        self._sigma = np.ones((d, 1 if self.shared else cap))
        self._inv_sigma = np.ones((d, 1 if self.shared else cap))
        self._log_norm = np.zeros((d, cap))
        self._comp_log_norm = np.zeros(cap)
        self._log_const_buffer = np.empty(cap)  # scratch of log_pdf
        self._choice = np.full((c, cap), -1.0)
        #: Caller's label of each component (-1 for the prior), e.g. an observation index.
        self._tags = np.full(cap, -1, dtype=np.int64)
        self.n_comp = 1
        # Index (shared bandwidths only, see refresh_index): components 1.._n_indexed form
        # runs of (size, level), run i with its reference point in row i of _refs; the
        # first _n_indexed / PARZEN_BLOCK rows of the box buffers are the boxes of their blocks.
        self._n_indexed = 0
        self._runs: list[tuple[int, int]] = []
        self._refs = np.empty((PARZEN_MAX_REFS, space.n_dims))
        k = min(INDEX_BOX_DIMS, space.n_dims)
        self._box_dim = np.empty((0, k), dtype=np.intp)
        self._box_lo = np.empty((0, k))
        self._box_hi = np.empty((0, k))
        self._box_radius = np.empty((0, 2))
        self._box_ref = np.empty(0, dtype=np.intp)
        self._centre = np.ascontiguousarray(0.5 * space.low + 0.5 * space.high)
        self._mu[:, 0] = self._centre
        self._sigma[:, 0] = space.width
        self._prepare(0, 1)

    # -- components ----------------------------------------------------------------------
    @property
    def tags(self) -> NDArray[np.int64]:
        """Labels of the components, shape (n_comp,); -1 for the prior."""
        return self._tags[: self.n_comp]

    @property
    def mu(self) -> FloatArray:
        """Centres, shape (n_dims, n_comp) (a view)."""
        return self._mu[:, : self.n_comp]

    @property
    def sigma(self) -> FloatArray:
        """Bandwidths, shape (n_dims, n_comp) (a view, or a copy with shared bandwidths)."""
        if not self.shared:
            return self._sigma[:, : self.n_comp]
        out = np.empty((self.space.n_dims, self.n_comp))
        out[:, 0] = self._sigma[:, 0]
        out[:, 1:] = self._shared_sigma[:, None]
        return out

    @property
    def choice(self) -> FloatArray:
        """Choices, shape (n_cat, n_comp) (a view); -1 for the prior."""
        return self._choice[:, : self.n_comp]

    def _reserve(self, n_total: int) -> None:
        cap = self._tags.shape[0]
        if n_total <= cap:
            return
        new_cap = max(n_total, 2 * cap)
        n = self.n_comp

        def grown(buf: np.ndarray, fill: float) -> np.ndarray:
            out = np.full(buf.shape[:-1] + (new_cap,), fill, dtype=buf.dtype)
            out[..., :n] = buf[..., :n]
            return out

        self._mu = grown(self._mu, 0.0)
        if not self.shared:
            self._sigma = grown(self._sigma, 1.0)
            self._inv_sigma = grown(self._inv_sigma, 1.0)
        self._log_norm = grown(self._log_norm, 0.0)
        self._comp_log_norm = grown(self._comp_log_norm, 0.0)
        self._log_const_buffer = np.empty(new_cap)
        self._choice = grown(self._choice, -1.0)
        self._tags = grown(self._tags, -1)

    def _prepare(self, start: int, stop: int) -> None:
        s = self.space
        if not self.shared:
            parzen_prepare(
                self._mu[:, start:stop], self._sigma[:, start:stop], s.low, s.high, s.step,
                self._inv_sigma[:, start:stop], self._log_norm[:, start:stop],
                self._comp_log_norm[start:stop],
            )
            return
        # Shared bandwidths: the prior with its own, the rest in chunks of temporaries.
        d = s.n_dims
        chunks = [(0, 1, self._sigma[:, :1])] if start == 0 else []
        for a in range(max(start, 1), stop, _PREPARE_CHUNK):
            b = min(a + _PREPARE_CHUNK, stop)
            chunks.append((a, b, np.repeat(self._shared_sigma[:, None], b - a, axis=1)))
        for a, b, sigma in chunks:
            inv = np.empty((d, b - a))
            log_norm = np.empty((d, b - a))
            parzen_prepare(np.ascontiguousarray(self._mu[:, a:b]), np.ascontiguousarray(sigma),
                           s.low, s.high, s.step, inv, log_norm, self._comp_log_norm[a:b])
            self._log_norm[:, a:b] = log_norm
            if a == 0:
                self._inv_sigma[:, :1] = inv

    def append(
        self,
        x: FloatArray,
        x_cat: FloatArray,
        sigma: FloatArray | None,
        tags: NDArray[np.int64] | None = None,
    ) -> None:
        """Add one component per row of ``x`` / ``x_cat``.

        Parameters
        ----------
        x : ndarray of shape (n, n_dims)
            Centres, inside the box.
        x_cat : ndarray of shape (n, n_cat)
            Choices.
        sigma : ndarray of shape (n_dims,) or (n_dims, n), or None
            Bandwidths, shared by the new components or one per component
            (ignored, and may be None, with ``shared=True``).
        tags : ndarray of shape (n,), optional
            Labels kept with the components (see `remove_tags`).
        """
        n = x.shape[0]
        if n == 0:
            return
        k0 = self.n_comp
        k1 = k0 + n
        self._reserve(k1)
        self._mu[:, k0:k1] = x.T
        if not self.shared:
            assert sigma is not None
            self._sigma[:, k0:k1] = sigma if sigma.ndim == 2 else sigma[:, None]
        self._choice[:, k0:k1] = x_cat.T
        self._tags[k0:k1] = -1 if tags is None else tags
        self._prepare(k0, k1)
        self.n_comp = k1

    def truncate(self, n_comp: int) -> None:
        """Drop the components after the first ``n_comp`` (>= 1)."""
        self.n_comp = max(1, min(int(n_comp), self.n_comp))
        self._drop_index_after(self.n_comp - 1)

    def remove_tags(self, tags: NDArray[np.int64]) -> None:
        """Remove the components labelled with any of ``tags`` (order is not kept)."""
        if len(tags) == 0:
            return
        n = self.n_comp
        doomed = np.flatnonzero(np.isin(self._tags[1:n], tags)) + 1
        if doomed.size == 0:
            return
        keep = np.ones(n, dtype=bool)
        keep[doomed] = False
        n_new = n - doomed.size
        # Move the surviving components of the tail into the freed slots.
        holes = doomed[doomed < n_new]
        movers = np.flatnonzero(keep[n_new:]) + n_new
        buffers = [self._mu, self._log_norm, self._choice]
        if not self.shared:
            buffers += [self._sigma, self._inv_sigma]
        for buf in buffers:
            buf[:, holes] = buf[:, movers]
        for vec in (self._comp_log_norm, self._tags):
            vec[holes] = vec[movers]
        self.n_comp = n_new
        self._drop_index_after(0)

    def set_shared_sigma(self, sigma: FloatArray) -> None:
        """Give every observation component the bandwidths ``sigma`` (n_dims,)."""
        self._shared_sigma = np.array(sigma, dtype=np.float64)
        self._shared_inv = np.ascontiguousarray(1.0 / self._shared_sigma[:, None])
        n = self.n_comp
        if n > 1:
            if not self.shared:
                self._sigma[:, 1:n] = sigma[:, None]
            self._prepare(1, n)
        first = 0
        for (size, _), ref in zip(self._runs, self._refs) if self.space.n_dims else ():
            n_blocks = size // PARZEN_BLOCK  # distances in bandwidth units, again
            self._box_radius[first:first + n_blocks] = self._block_radii(first, n_blocks, ref)
            first += n_blocks

    # -- index ---------------------------------------------------------------------------
    def refresh_index(self, reference: Callable[[], FloatArray | None] | None = None) -> bool:
        """Index the components appended since the last call, if they fill enough blocks; say if.

        With shared bandwidths, the components are kept in runs, each in the
        leaf order of a k-d tree over its centres (in bandwidth units); every
        block of `PARZEN_BLOCK` components of a run has a box on its
        `INDEX_BOX_DIMS` narrowest dimensions and a shell: the range of the
        scaled distances of its centres to the run's reference point. The
        kernel skips, for a candidate, every block whose box or shell is
        provably too far to matter (the guarantee of the floor: a relative
        change of the density below ``n_comp * exp(-64)``), without reading
        its components. Components appended later form an unindexed tail,
        evaluated in full, until it fills `INDEX_RUN_BLOCKS` blocks and
        becomes a run. As in a log-structured merge tree, `INDEX_MERGE` runs
        of one level are sorted again together into a run of the next level,
        so a component is sorted O(log n) times in all and runs stay few.
        Reorders the components (with their tags): call it when none is
        transient.

        Parameters
        ----------
        reference : callable, optional
            Called (only when a run is made) for the reference point of its
            shells, an ndarray of shape (n_dims,), or None for the centre of
            the space (the default). Shells are tightest for candidates near
            it, e.g. where the caller will evaluate the density most.
        """
        n_obs = self.n_comp - 1
        size = (n_obs - self._n_indexed) // PARZEN_BLOCK * PARZEN_BLOCK
        smallest = INDEX_RUN_BLOCKS * PARZEN_BLOCK
        if not self.shared or size < smallest:
            return False
        level = 0
        while size >= smallest * INDEX_MERGE ** (level + 1):
            level += 1
        runs = self._runs
        runs.append((size, level))
        while len(runs) >= INDEX_MERGE and len({lv for _, lv in runs[-INDEX_MERGE:]}) == 1:
            runs[-INDEX_MERGE:] = [(sum(sz for sz, _ in runs[-INDEX_MERGE:]), level + 1)]
            level += 1
        if len(runs) > PARZEN_MAX_REFS:  # beyond any study size in practice: one run again
            runs[:] = [(sum(sz for sz, _ in runs), level + 1)]
        point = None if reference is None else reference()
        self._refs[len(runs) - 1] = self._centre if point is None else point
        self._n_indexed += size
        self._sort_run(1 + self._n_indexed - runs[-1][0], 1 + self._n_indexed)
        return True

    def _sort_run(self, start: int, stop: int) -> None:
        """Put the last run, components [start, stop), in k-d order and index its blocks."""
        s = self.space
        if s.n_dims == 0:
            return
        inv = self._shared_inv[:, 0]
        perm = kd_order(self._mu[:, start:stop], inv, PARZEN_BLOCK) + start
        for buf in (self._mu, self._log_norm, self._choice):
            buf[:, start:stop] = buf[:, perm]
        for vec in (self._comp_log_norm, self._tags):
            vec[start:stop] = vec[perm]
        first, n_blocks = (start - 1) // PARZEN_BLOCK, (stop - start) // PARZEN_BLOCK
        k = self._box_dim.shape[1]
        if self._box_dim.shape[0] < first + n_blocks:
            cap = max(first + n_blocks, 2 * self._box_dim.shape[0])
            old = (self._box_dim, self._box_lo, self._box_hi, self._box_radius, self._box_ref)
            self._box_dim = np.zeros((cap, k), dtype=np.intp)
            self._box_lo, self._box_hi = np.zeros((cap, k)), np.zeros((cap, k))
            self._box_radius = np.zeros((cap, 2))
            self._box_ref = np.zeros(cap, dtype=np.intp)
            for grown, kept in zip((self._box_dim, self._box_lo, self._box_hi,
                                    self._box_radius, self._box_ref), old):
                grown[:first] = kept[:first]
        # Each block's box, on the dimensions where it leaves out most of the range.
        blocks = self._mu[:, start:stop].reshape(s.n_dims, n_blocks, PARZEN_BLOCK)
        lo = blocks.min(axis=2)  # (n_dims, n_blocks)
        hi = blocks.max(axis=2)
        excluded = ((lo - s.low[:, None]) + (s.high[:, None] - hi)) * inv[:, None]
        top = np.argpartition(-excluded, k - 1, axis=0)[:k]  # (k, n_blocks)
        out = slice(first, first + n_blocks)
        self._box_dim[out] = top.T
        self._box_lo[out] = np.take_along_axis(lo, top, axis=0).T
        self._box_hi[out] = np.take_along_axis(hi, top, axis=0).T
        run = len(self._runs) - 1
        self._box_ref[out] = run
        self._box_radius[out] = self._block_radii(first, n_blocks, self._refs[run])

    def _block_radii(self, first: int, n_blocks: int, ref: FloatArray) -> FloatArray:
        """Range of the scaled distances of the components to ``ref``, by block.

        Returns
        -------
        ndarray of shape (n_blocks, 2)
            Widened by a relative 1e-12 against rounding (the kernel sums the
            candidates' squares in another order).
        """
        cont = np.flatnonzero(self.space.step == 0.0)
        start = 1 + first * PARZEN_BLOCK
        z = self._mu[cont, start:start + n_blocks * PARZEN_BLOCK] - ref[cont, None]
        z *= self._shared_inv[cont]
        r = np.sqrt(np.einsum("ij,ij->j", z, z)).reshape(n_blocks, PARZEN_BLOCK)
        return np.stack([r.min(axis=1) * (1.0 - 1e-12), r.max(axis=1) * (1.0 + 1e-12)], axis=1)

    def _drop_index_after(self, n_obs: int) -> None:
        """Forget the runs that reach beyond the first ``n_obs`` observation components."""
        while self._n_indexed > n_obs:
            self._n_indexed -= self._runs.pop()[0]

    # -- weights -------------------------------------------------------------------------
    def log_weights(self, weights: FloatArray) -> FloatArray:
        """Normalised log-weights, shape (n_comp,), of the prior and components 1..n_comp-1.

        ``weights`` (n_comp - 1,) are the observations' non-negative weights;
        the prior gets ``prior_weight``.
        """
        out = np.empty(self.n_comp)
        with np.errstate(divide="ignore"):
            np.log(weights, out=out[1:])
        out[0] = math.log(self.prior_weight) if self.prior_weight > 0.0 else -math.inf
        out -= math.log(self.prior_weight + float(np.sum(weights)))
        return out

    def _spread(self) -> FloatArray:
        return np.full(self.space.n_cat, self.prior_weight / self.n_comp)

    # -- densities -----------------------------------------------------------------------
    def log_pdf(self, x: FloatArray, x_cat: FloatArray, log_weights: FloatArray) -> FloatArray:
        """Joint log-density at candidates.

        Parameters
        ----------
        x : ndarray of shape (n_x, n_dims)
        x_cat : ndarray of shape (n_x, n_cat)
        log_weights : ndarray of shape (n_comp,)
            From `log_weights`.

        Returns
        -------
        ndarray of shape (n_x,)
        """
        n = self.n_comp
        x = np.ascontiguousarray(x, dtype=np.float64)
        x_cat = np.ascontiguousarray(x_cat, dtype=np.float64)
        log_const = np.add(log_weights, self._comp_log_norm[:n], out=self._log_const_buffer[:n])
        if not (self.shared and n > 1):
            return self._log_pdf(x, x_cat, 0, n, self._inv_sigma[:, :n], log_const)
        # The prior's bandwidth differs from the shared one: evaluate it on its own.
        prior = self._log_pdf(x, x_cat, 0, 1, np.ascontiguousarray(self._inv_sigma[:, :1]),
                              log_const[:1])
        # The prior's density is a floor under the total: blocks of components far below
        # it are skipped by the kernel (a relative change below n_comp * exp(-64)).
        rest = self._log_pdf(x, x_cat, 1, n, self._shared_inv, log_const[1:], floor=prior,
                             boxed=True)
        return np.logaddexp(prior, rest)  # type: ignore[no-any-return]

    def _log_pdf(self, x: FloatArray, x_cat: FloatArray, start: int, stop: int,
                 inv_sigma: FloatArray, log_const: FloatArray,
                 floor: FloatArray | None = None, boxed: bool = False) -> FloatArray:
        """Joint log-density of components [start, stop), over threads when it is large.

        With ``boxed``, components from ``start`` = 1 on use the index.
        """
        n_blocks = -(-(stop - start) // PARZEN_BLOCK)
        n_boxed = self._n_indexed // PARZEN_BLOCK if boxed else 0
        # Boxed blocks are visited by few candidates: count them as one term per box dimension.
        n_work = (stop - start - n_boxed * PARZEN_BLOCK) * (self.space.n_dims + self.space.n_cat)
        n_terms = x.shape[0] * (n_work + n_boxed * self._box_dim.shape[1])
        n_chunks = min(self.n_threads, n_terms // MIN_TERMS_PER_THREAD, n_blocks)
        per_comp = inv_sigma.shape[1] != 1 or stop - start == 1
        # Chunks start on block boundaries, where the index's blocks start.
        n_chunks = max(n_chunks, 1)
        bounds = [min(start + n_blocks * i // n_chunks * PARZEN_BLOCK, stop)
                  for i in range(n_chunks + 1)]
        jobs = [
            (x, x_cat, a, b, inv_sigma[:, a - start:b - start] if per_comp else inv_sigma,
             log_const[a - start:b - start], floor,
             slice((a - start) // PARZEN_BLOCK, min(n_boxed, (b - start) // PARZEN_BLOCK)))
            for a, b in itertools.pairwise(bounds)
        ]
        if len(jobs) < 2:
            return self._log_pdf_chunk(*jobs[0])
        futures = [_pool(self.n_threads).submit(self._log_pdf_chunk, *job) for job in jobs]
        return np.logaddexp.reduce([f.result() for f in futures], axis=0)  # type: ignore[no-any-return]

    def _log_pdf_chunk(self, x: FloatArray, x_cat: FloatArray, start: int, stop: int,
                       inv_sigma: FloatArray, log_const: FloatArray,
                       floor: FloatArray | None, boxes: slice) -> FloatArray:
        out = np.empty(x.shape[0])
        parzen_log_pdf(
            x, x_cat, self._mu[:, start:stop], inv_sigma, self.space.step,
            self._choice[:, start:stop], self.space.n_choices, self._spread(),
            np.ascontiguousarray(log_const), out, floor,
            self._box_dim[boxes], self._box_lo[boxes], self._box_hi[boxes],
            self._box_radius[boxes], self._refs[:len(self._runs)], self._box_ref[boxes],
        )
        return out

    def log_pdf_univariate(
        self, x: FloatArray, x_cat: FloatArray, log_weights: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Per-dimension (marginal) log-densities at candidates.

        Returns
        -------
        ndarray of shape (n_x, n_dims), ndarray of shape (n_x, n_cat)
        """
        n = self.n_comp
        x = np.ascontiguousarray(x, dtype=np.float64)
        x_cat = np.ascontiguousarray(x_cat, dtype=np.float64)
        out = np.empty(x.shape)
        # Same row stride as the component buffers (the kernel reads them together).
        log_const = np.empty_like(self._log_norm)[:, :n]
        np.add(log_weights[None, :], self._log_norm[:, :n], out=log_const)
        if self.shared and n > 1:
            prior = np.empty(x.shape)
            parzen_log_pdf_univariate(
                x, np.ascontiguousarray(self._mu[:, :1]),
                np.ascontiguousarray(self._inv_sigma[:, :1]), self.space.step,
                np.ascontiguousarray(log_const[:, :1]), prior)
            parzen_log_pdf_univariate(
                x, self._mu[:, 1:n], self._shared_inv, self.space.step,
                log_const[:, 1:], out)
            out = np.logaddexp(prior, out)
        else:
            parzen_log_pdf_univariate(
                x, self._mu[:, :n], self._inv_sigma[:, :n], self.space.step, log_const, out
            )
        out_cat = np.empty(x_cat.shape)
        if self.space.n_cat:
            log_w = np.empty_like(self._choice)[:, :n]
            log_w[...] = log_weights
            parzen_categorical(
                x_cat, self._choice[:, :n], self.space.n_choices, self._spread(), log_w, out_cat
            )
        return out, out_cat

    # -- sampling ------------------------------------------------------------------------
    def sample(
        self,
        rng: np.random.Generator,
        n: int,
        log_weights: FloatArray,
        joint: bool = True,
    ) -> tuple[FloatArray, FloatArray]:
        """Draw ``n`` points from the mixture.

        Parameters
        ----------
        rng : numpy.random.Generator
        n : int
        log_weights : ndarray of shape (n_comp,)
        joint : bool, default True
            Draw one component per point (the joint mixture); otherwise one
            per point and dimension (the product of the marginal mixtures).

        Returns
        -------
        x : ndarray of shape (n, n_dims)
        x_cat : ndarray of shape (n, n_cat)
        """
        s = self.space
        d, c = s.n_dims, s.n_cat
        p = np.exp(log_weights - log_weights.max())
        cdf = np.cumsum(p)
        shape = (n, 1) if joint else (n, d + c)
        comp = np.searchsorted(cdf, rng.random(shape) * cdf[-1], side="right")
        comp = np.minimum(comp, self.n_comp - 1)
        comp = np.broadcast_to(comp, (n, d + c))
        x = np.empty((n, d))
        if d:
            cols = comp[:, :d]
            dims = np.arange(d)
            mu = self._mu[dims, cols]  # (n, d)
            if self.shared:
                sigma = np.where(cols == 0, self._sigma[:, 0], self._shared_sigma)
            else:
                sigma = self._sigma[dims, cols]
            lo = s.low - 0.5 * s.step
            hi = s.high + 0.5 * s.step
            # Inverse-CDF draw of the truncated normal (a compiled kernel: no scipy.special).
            mu_, sigma_, lo_, hi_, u_ = (
                np.ascontiguousarray(np.broadcast_to(a, (n, d)), dtype=np.float64).reshape(-1)
                for a in (mu, sigma, lo, hi, rng.random((n, d))))
            x = np.empty(n * d)
            truncnorm_draw(mu_, sigma_, lo_, hi_, u_, x)
            x = x.reshape(n, d)
            if s.discrete.any():
                grid = np.where(s.discrete, s.step, 1.0)
                snapped = s.low + np.round((x - s.low) / grid) * s.step
                x = np.where(s.discrete, np.clip(snapped, s.low, s.high), x)
        x_cat = np.empty((n, c))
        if c:
            cols = comp[:, d:]
            own = self._choice[np.arange(c), cols]  # (n, c)
            a = self._spread()
            keep = (rng.random((n, c)) * (1.0 + s.n_choices * a) < 1.0) & (own >= 0.0)
            uniform = np.minimum(np.floor(rng.random((n, c)) * s.n_choices), s.n_choices - 1)
            x_cat = np.where(keep, own, uniform)
        return np.ascontiguousarray(x), np.ascontiguousarray(x_cat)
