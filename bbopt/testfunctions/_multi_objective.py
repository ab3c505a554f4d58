"""Multi-objective test problems with known Pareto fronts (ZDT, DTLZ, C2-DTLZ2).

Notations: ``n`` points, ``n_dims`` decision variables, ``n_objectives``
objectives, all minimised; a batch of points has shape ``(n, n_dims)`` and
its values shape ``(n, n_objectives)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bbopt._distributions import BaseDistribution, FloatDistribution
from bbopt._lattice import simplex_lattice
from bbopt._validation import ensure_int
from bbopt.testfunctions._base import _readonly

ZDT_REFERENCE = (
    "Zitzler, E., Deb, K. & Thiele, L. (2000). Comparison of multiobjective evolutionary "
    "algorithms: empirical results. Evolutionary Computation 8(2), 173-195."
)
DTLZ_REFERENCE = (
    "Deb, K., Thiele, L., Laumanns, M. & Zitzler, E. (2005). Scalable test problems for "
    "evolutionary multiobjective optimization. In Evolutionary Multiobjective Optimization, "
    "105-145. Springer."
)
C_DTLZ_REFERENCE = (
    "Jain, H. & Deb, K. (2014). An evolutionary many-objective optimization algorithm using "
    "reference-point based nondominated sorting approach, part II: handling constraints and "
    "extending to an adaptive approach. IEEE Trans. Evolutionary Computation 18(4), 602-622."
)


class MultiObjectiveTestFunction:
    """A deterministic vector function to minimise, with a known Pareto front.

    Subclasses set the attributes below and implement ``_evaluate`` (rows of
    ``x`` to rows of objective values) and ``_front`` (points of the front).

    Attributes
    ----------
    name : str
    n_dims : int
    n_objectives : int
    bounds : ndarray of shape (n_dims, 2)
    reference_point : ndarray of shape (n_objectives,)
        The reference point usual in the literature for the hypervolume.
    n_constraints : int
        Number of constraint values of `constraints` (feasible when all <= 0).
    reference : str
        Where the problem is defined.

    Examples
    --------
    >>> from bbopt.testfunctions import ZDT1
    >>> f = ZDT1(n_dims=5)
    >>> f([0.5, 0.0, 0.0, 0.0, 0.0]).round(4).tolist()
    [0.5, 0.2929]
    >>> f.pareto_front(3).round(3).tolist()
    [[0.0, 1.0], [0.5, 0.293], [1.0, 0.0]]
    """

    __test__ = False

    name: str
    n_dims: int
    n_objectives: int
    bounds: NDArray[np.float64]
    reference_point: NDArray[np.float64]
    n_constraints: int = 0
    reference: str

    def __init__(self, n_dims: int, n_objectives: int, bounds: ArrayLike,
                 reference_point: ArrayLike, reference: str) -> None:
        self.name = type(self).__name__
        self.n_dims = n_dims
        self.n_objectives = n_objectives
        self.bounds = _readonly(bounds)
        self.reference_point = _readonly(reference_point)
        self.reference = reference

    def __repr__(self) -> str:
        return f"{self.name}(n_dims={self.n_dims}, n_objectives={self.n_objectives})"

    def _rows(self, x: ArrayLike) -> tuple[NDArray[np.float64], bool]:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and x.shape[0] == self.n_dims:
            return x[np.newaxis, :], True
        if x.ndim == 2 and x.shape[1] == self.n_dims:
            return x, False
        raise ValueError(
            f"The 'x' argument of {self.name} must have shape ({self.n_dims},) or "
            f"(n, {self.n_dims}). Got shape {x.shape} instead."
        )

    def __call__(self, x: ArrayLike) -> NDArray[np.float64]:
        """Evaluate at one point (returns shape (n_objectives,)) or rows (n, n_objectives)."""
        rows, single = self._rows(x)
        values = self._evaluate(rows)
        return values[0] if single else values

    def constraints(self, x: ArrayLike) -> NDArray[np.float64]:
        """Constraint values at one point or rows; feasible when all are <= 0."""
        rows, single = self._rows(x)
        values = self._constraints(rows)
        return values[0] if single else values

    def pareto_front(self, n_points: int) -> NDArray[np.float64]:
        """Return ``n_points`` points of the true Pareto front, shape (n_points, n_objectives).

        Evenly spread in the front's parameters (for two objectives: sorted by
        the first objective).
        """
        n_points = ensure_int(n_points, "n_points", f"{self.name}.pareto_front", minimum=1)
        return self._front(n_points)

    def search_space(self) -> dict[str, BaseDistribution]:
        """Return ``{"x0": FloatDistribution(low, high), ...}``."""
        return {f"x{j}": FloatDistribution(float(low), float(high))
                for j, (low, high) in enumerate(self.bounds)}

    def objective(self, trial: Any) -> list[float]:
        """Suggest every parameter of `search_space` on ``trial`` and return the values."""
        x = [trial.suggest_float(f"x{j}", float(low), float(high))
             for j, (low, high) in enumerate(self.bounds)]
        return [float(v) for v in self._evaluate(np.array([x]))[0]]

    def trial_constraints(self, trial: Any) -> list[float]:
        """Constraint values at a trial's parameters ``x0, x1, ...``: a ``constraints_func``.

        Examples
        --------
        >>> import bbopt
        >>> from bbopt.testfunctions import C2DTLZ2
        >>> f = C2DTLZ2(n_objectives=2, n_dims=4)
        >>> sampler = bbopt.samplers.NSGAIISampler(seed=0, constraints_func=f.trial_constraints)
        >>> study = bbopt.create_study(directions=["minimize"] * 2, sampler=sampler)
        >>> study.optimize(f.objective, n_trials=100)
        >>> all(f.trial_constraints(t)[0] <= 0 for t in study.best_trials)
        True
        """
        x = [trial.params[f"x{j}"] for j in range(self.n_dims)]
        return [float(v) for v in self._constraints(np.array([x], dtype=np.float64))[0]]

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    def _constraints(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.zeros((x.shape[0], 0))

    def _front(self, n_points: int) -> NDArray[np.float64]:
        raise NotImplementedError


def _nondominated_mask(values: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Rows of ``values`` that no other row dominates (O(n^2) comparisons, in chunks)."""
    keep = np.empty(values.shape[0], dtype=bool)
    for start in range(0, values.shape[0], 256):
        block = values[start:start + 256, None, :]
        weakly = np.all(values[None] <= block, axis=2)
        strictly = np.any(values[None] < block, axis=2)
        keep[start:start + 256] = ~np.any(weakly & strictly, axis=1)
    return keep


# -- ZDT (two objectives) -------------------------------------------------------------
class _ZDT(MultiObjectiveTestFunction):
    def __init__(self, n_dims: int, default_bounds: bool = True) -> None:
        n_dims = ensure_int(n_dims, "n_dims", type(self).__name__, minimum=2)
        bounds = np.tile([0.0, 1.0], (n_dims, 1))
        if not default_bounds:  # ZDT4: x_1 in [0, 1], the others in [-5, 5]
            bounds[1:] = [-5.0, 5.0]
        super().__init__(n_dims, 2, bounds, [11.0, 11.0], ZDT_REFERENCE)

    def _g(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 + 9.0 * x[:, 1:].sum(axis=1) / (self.n_dims - 1)

    def _shape(self, f1: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        raise NotImplementedError

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        f1 = self._f1(x)
        g = self._g(x)
        return np.column_stack([f1, g * self._shape(f1, g)])

    def _f1(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return x[:, 0].copy()

    def _front(self, n_points: int) -> NDArray[np.float64]:
        f1 = np.linspace(0.0, 1.0, n_points)
        return np.column_stack([f1, self._shape(f1, np.ones(n_points))])


class ZDT1(_ZDT):
    """ZDT1: convex front ``f2 = 1 - sqrt(f1)``; ``n_dims`` (default 30) in [0, 1].

    Examples
    --------
    >>> from bbopt.testfunctions import ZDT1
    >>> ZDT1()([0.25] + [0.0] * 29).tolist()
    [0.25, 0.5]
    """

    def __init__(self, n_dims: int = 30) -> None:
        super().__init__(n_dims)

    def _shape(self, f1: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - np.sqrt(f1 / g)


class ZDT2(_ZDT):
    """ZDT2: concave front ``f2 = 1 - f1^2``; ``n_dims`` (default 30) in [0, 1].

    Examples
    --------
    >>> from bbopt.testfunctions import ZDT2
    >>> ZDT2(n_dims=3)([0.5, 0.0, 0.0]).tolist()
    [0.5, 0.75]
    """

    def __init__(self, n_dims: int = 30) -> None:
        super().__init__(n_dims)

    def _shape(self, f1: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - (f1 / g) ** 2


class ZDT3(_ZDT):
    """ZDT3: a front of five disconnected pieces; ``n_dims`` (default 30) in [0, 1].

    Examples
    --------
    >>> from bbopt.testfunctions import ZDT3
    >>> ZDT3(n_dims=2)([0.0, 0.0]).tolist()
    [0.0, 1.0]
    """

    # The f1 intervals of the five pieces of the front (from the literature).
    _PIECES = ((0.0, 0.0830015349), (0.1822287280, 0.2577623634),
               (0.4093136748, 0.4538821041), (0.6183967944, 0.6525117038),
               (0.8233317983, 0.8518328654))

    def __init__(self, n_dims: int = 30) -> None:
        super().__init__(n_dims)

    def _shape(self, f1: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        r = f1 / g
        return 1.0 - np.sqrt(r) - r * np.sin(10.0 * np.pi * f1)

    def _front(self, n_points: int) -> NDArray[np.float64]:
        lengths = np.array([hi - lo for lo, hi in self._PIECES])
        counts = np.maximum(1, np.round(n_points * lengths / lengths.sum())).astype(int)
        counts[-1] += n_points - counts.sum()
        f1 = np.concatenate([np.linspace(lo, hi, max(int(c), 0))
                             for (lo, hi), c in zip(self._PIECES, counts)])
        return np.column_stack([f1, self._shape(f1, np.ones_like(f1))])


class ZDT4(_ZDT):
    """ZDT4: ZDT1's front behind 21^(n-1) local fronts; x_1 in [0, 1], others in [-5, 5].

    Examples
    --------
    >>> from bbopt.testfunctions import ZDT4
    >>> ZDT4(n_dims=3)([1.0, 0.0, 0.0]).tolist()
    [1.0, 0.0]
    """

    def __init__(self, n_dims: int = 10) -> None:
        super().__init__(n_dims, default_bounds=False)

    def _g(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        rest = x[:, 1:]
        return (1.0 + 10.0 * (self.n_dims - 1)
                + (rest**2 - 10.0 * np.cos(4.0 * np.pi * rest)).sum(axis=1))

    def _shape(self, f1: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - np.sqrt(f1 / g)


class ZDT6(_ZDT):
    """ZDT6: non-uniform, concave front ``f2 = 1 - f1^2``, f1 in [0.2808, 1]; default 10 dims.

    Examples
    --------
    >>> from bbopt.testfunctions import ZDT6
    >>> ZDT6(n_dims=2)([0.0, 0.0]).round(6).tolist()
    [1.0, 0.0]
    """

    _F1_MIN = 0.2807753191

    def __init__(self, n_dims: int = 10) -> None:
        super().__init__(n_dims)

    def _f1(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - np.exp(-4.0 * x[:, 0]) * np.sin(6.0 * np.pi * x[:, 0]) ** 6

    def _g(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 + 9.0 * (x[:, 1:].sum(axis=1) / (self.n_dims - 1)) ** 0.25

    def _shape(self, f1: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - (f1 / g) ** 2

    def _front(self, n_points: int) -> NDArray[np.float64]:
        f1 = np.linspace(self._F1_MIN, 1.0, n_points)
        return np.column_stack([f1, self._shape(f1, np.ones(n_points))])


# -- DTLZ (any number of objectives) --------------------------------------------------
class _DTLZ(MultiObjectiveTestFunction):
    _K = 10  # default number of "distance" variables beyond the n_objectives - 1 position ones

    def __init__(self, n_objectives: int, n_dims: int | None,
                 reference_point: float) -> None:
        owner = type(self).__name__
        n_objectives = ensure_int(n_objectives, "n_objectives", owner, minimum=2)
        if n_dims is None:
            n_dims = n_objectives - 1 + self._K
        n_dims = ensure_int(n_dims, "n_dims", owner, minimum=n_objectives)
        super().__init__(n_dims, n_objectives, np.tile([0.0, 1.0], (n_dims, 1)),
                         np.full(n_objectives, reference_point), DTLZ_REFERENCE)

    def _split(self, x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        m = self.n_objectives
        return x[:, : m - 1], x[:, m - 1:]

    @staticmethod
    def _sphere_shape(position: NDArray[np.float64], radius: NDArray[np.float64]
                      ) -> NDArray[np.float64]:
        """Objectives on a sphere of ``radius`` at angles ``position * pi / 2``."""
        n, k = position.shape
        cos = np.cos(position * np.pi / 2)
        sin = np.sin(position * np.pi / 2)
        out = np.empty((n, k + 1))
        for i in range(k + 1):  # f_i = r * cos(t_0) ... cos(t_{k-i-1}) * sin(t_{k-i})
            j = k - i
            out[:, i] = np.prod(cos[:, :j], axis=1) * (sin[:, j] if j < k else 1.0)
        return out * radius[:, None]


class DTLZ1(_DTLZ):
    """DTLZ1: linear front ``sum f = 0.5`` behind 11^k - 1 local fronts.

    Examples
    --------
    >>> from bbopt.testfunctions import DTLZ1
    >>> f = DTLZ1(n_objectives=3)
    >>> f([0.5] * 7).tolist()
    [0.125, 0.125, 0.25]
    """

    _K = 5

    def __init__(self, n_objectives: int = 3, n_dims: int | None = None) -> None:
        super().__init__(n_objectives, n_dims, 1.0)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        position, distance = self._split(x)
        d = distance - 0.5
        g = 100.0 * (distance.shape[1] + (d**2 - np.cos(20.0 * np.pi * d)).sum(axis=1))
        n, k = position.shape
        out = np.empty((n, k + 1))
        for i in range(k + 1):
            j = k - i
            out[:, i] = np.prod(position[:, :j], axis=1) * (1.0 - position[:, j] if j < k
                                                             else 1.0)
        return 0.5 * out * (1.0 + g)[:, None]

    def _front(self, n_points: int) -> NDArray[np.float64]:
        return 0.5 * simplex_lattice(self.n_objectives, n_points)


class DTLZ2(_DTLZ):
    """DTLZ2: the front is the positive part of the unit sphere.

    Examples
    --------
    >>> from bbopt.testfunctions import DTLZ2
    >>> DTLZ2(n_objectives=2)([0.0] + [0.5] * 10).round(6).tolist()
    [1.0, 0.0]
    """

    def __init__(self, n_objectives: int = 3, n_dims: int | None = None) -> None:
        super().__init__(n_objectives, n_dims, 1.1)

    def _g(self, distance: NDArray[np.float64]) -> NDArray[np.float64]:
        return ((distance - 0.5) ** 2).sum(axis=1)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        position, distance = self._split(x)
        return self._sphere_shape(position, 1.0 + self._g(distance))

    def _front(self, n_points: int) -> NDArray[np.float64]:
        w = simplex_lattice(self.n_objectives, n_points)
        return w / np.linalg.norm(w, axis=1, keepdims=True)


class DTLZ3(DTLZ2):
    """DTLZ3: DTLZ2's front behind 3^k - 1 local fronts (Rastrigin-like distance).

    Examples
    --------
    >>> from bbopt.testfunctions import DTLZ3
    >>> DTLZ3(n_objectives=2)([0.0] + [0.5] * 10).round(6).tolist()
    [1.0, 0.0]
    """

    def __init__(self, n_objectives: int = 3, n_dims: int | None = None) -> None:
        _DTLZ.__init__(self, n_objectives, n_dims, 1.1)

    def _g(self, distance: NDArray[np.float64]) -> NDArray[np.float64]:
        d = distance - 0.5
        return 100.0 * (distance.shape[1] + (d**2 - np.cos(20.0 * np.pi * d)).sum(axis=1))


class DTLZ4(DTLZ2):
    """DTLZ4: DTLZ2 with position variables raised to ``alpha`` (default 100): a biased density.

    Examples
    --------
    >>> from bbopt.testfunctions import DTLZ4
    >>> DTLZ4(n_objectives=2)([1.0] + [0.5] * 10).round(6).tolist()
    [0.0, 1.0]
    """

    def __init__(self, n_objectives: int = 3, n_dims: int | None = None,
                 alpha: float = 100.0) -> None:
        _DTLZ.__init__(self, n_objectives, n_dims, 1.1)
        self.alpha = float(alpha)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        position, distance = self._split(x)
        return self._sphere_shape(position**self.alpha, 1.0 + self._g(distance))


class DTLZ7(_DTLZ):
    """DTLZ7: a front of 2^(m-1) disconnected regions.

    `pareto_front` filters a grid of at most about 2500 points, so it may
    return fewer points than asked for.

    Examples
    --------
    >>> from bbopt.testfunctions import DTLZ7
    >>> DTLZ7(n_objectives=2)([0.0] + [0.0] * 20).tolist()
    [0.0, 4.0]
    """

    _K = 20

    def __init__(self, n_objectives: int = 3, n_dims: int | None = None) -> None:
        super().__init__(n_objectives, n_dims, 0.0)
        ref = np.ones(self.n_objectives)
        ref[-1] = 2.0 * self.n_objectives + 1.0
        self.reference_point = _readonly(ref)

    def _h(self, position: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
        terms = position / (1.0 + g[:, None]) * (1.0 + np.sin(3.0 * np.pi * position))
        return self.n_objectives - terms.sum(axis=1)

    def _evaluate(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        position, distance = self._split(x)
        g = 1.0 + 9.0 * distance.mean(axis=1)
        return np.column_stack([position, (1.0 + g) * self._h(position, g)])

    def _front(self, n_points: int) -> NDArray[np.float64]:
        # Dense samples of g = 1 reduced to their non-dominated subset, then thinned.
        k = self.n_objectives - 1
        # At most about 2500 samples: the non-dominated filter is quadratic.
        per_axis = max(2, int(round(min(20 * n_points, 2500) ** (1.0 / k))))
        axes = np.meshgrid(*[np.linspace(0.0, 1.0, per_axis)] * k, indexing="ij")
        position = np.column_stack([a.ravel() for a in axes])
        g = np.ones(position.shape[0])
        values = np.column_stack([position, 2.0 * self._h(position, g)])
        front = values[_nondominated_mask(values)]
        step = max(1, front.shape[0] // n_points)
        return front[::step][:n_points]


class C2DTLZ2(DTLZ2):
    """C2-DTLZ2: DTLZ2 where only regions near the front's centre and axes are feasible.

    One constraint (feasible when <= 0) with radius ``r`` (0.4 for 3
    objectives, 0.5 beyond, as in the reference).

    Examples
    --------
    >>> from bbopt.testfunctions import C2DTLZ2
    >>> f = C2DTLZ2(n_objectives=3)
    >>> bool(f.constraints([0.0, 0.0] + [0.5] * 10)[0] <= 0)  # on an axis: feasible
    True
    """

    n_constraints = 1

    def __init__(self, n_objectives: int = 3, n_dims: int | None = None) -> None:
        super().__init__(n_objectives, n_dims)
        self.reference = C_DTLZ_REFERENCE
        self.radius = 0.4 if self.n_objectives == 3 else 0.5

    def _constraints(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self._constraints_of_values(self._evaluate(x))[:, None]

    def _front(self, n_points: int) -> NDArray[np.float64]:
        front = super()._front(max(n_points * 20, n_points))
        feasible = front[self._constraints_of_values(front) <= 0]
        step = max(1, feasible.shape[0] // n_points)
        return feasible[::step][:n_points]

    def _constraints_of_values(self, f: NDArray[np.float64]) -> NDArray[np.float64]:
        """The constraint at objective vectors ``f`` (n, n_objectives), shape (n,)."""
        r2 = self.radius**2
        near_axis = np.min((f - 1.0) ** 2 + (f**2).sum(axis=1, keepdims=True) - f**2 - r2,
                           axis=1)
        centre = ((f - 1.0 / np.sqrt(self.n_objectives)) ** 2).sum(axis=1) - r2
        return np.minimum(near_axis, centre)
