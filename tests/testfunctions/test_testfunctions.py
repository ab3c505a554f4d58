"""Tests of bbopt.testfunctions: minima, vectorisation, search spaces, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import differential_evolution, minimize, minimize_scalar

from bbopt._distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from bbopt.testfunctions import (
    Ackley,
    Branin,
    Griewank,
    Hartmann3,
    Hartmann6,
    Levy,
    Michalewicz,
    MixedAckley,
    Rastrigin,
    Rosenbrock,
    Sphere,
    StyblinskiTang,
    TestFunction,
)

FUNCTIONS = [
    Sphere(1),
    Sphere(5),
    Branin(),
    Hartmann3(),
    Hartmann6(),
    Rosenbrock(2),
    Rosenbrock(7),
    Ackley(1),
    Ackley(10),
    Levy(1),
    Levy(6),
    Rastrigin(3),
    StyblinskiTang(1),
    StyblinskiTang(4),
    Griewank(2),
    Griewank(8),
    Michalewicz(1),
    Michalewicz(2),
    Michalewicz(5),
    Michalewicz(10),
    Michalewicz(37),
    MixedAckley(),
    MixedAckley(0, 3),
    MixedAckley(3, 0),
]
CONTINUOUS = [f for f in FUNCTIONS if not isinstance(f, MixedAckley)]


def by_repr(f: TestFunction) -> str:
    return repr(f)


def integer_columns(f: TestFunction) -> list[int]:
    """Columns of the numeric encoding that hold integers (integer params, choice index)."""
    if isinstance(f, MixedAckley):
        return list(range(f.n_continuous, f.n_dims))
    return []


def uniform_points(f: TestFunction, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points drawn uniformly in the bounds, integer columns rounded."""
    low, high = f.bounds[:, 0], f.bounds[:, 1]
    x = low + (high - low) * rng.random((n, f.n_dims))
    cols = integer_columns(f)
    x[:, cols] = rng.integers(low[cols].astype(int), high[cols].astype(int) + 1, (n, len(cols)))
    return x


def points_in_bounds(f: TestFunction) -> st.SearchStrategy[np.ndarray]:
    cols = set(integer_columns(f))
    coords = [
        st.integers(int(low), int(high)).map(float)
        if j in cols
        else st.floats(float(low), float(high), allow_nan=False)
        for j, (low, high) in enumerate(f.bounds)
    ]
    return st.tuples(*coords).map(lambda t: np.array(t, dtype=np.float64))


def tolerance(f: TestFunction) -> float:
    """Rounding slack when comparing a value with the minimum."""
    return 1e-9 * max(1.0, abs(f.minimum))


# --- Direct transcriptions of the published formulas (one point, plain loops) ---------

def ref_sphere(x: np.ndarray) -> float:
    return sum(v * v for v in x)


def ref_branin(x: np.ndarray) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


HART_ALPHA = [1.0, 1.2, 3.0, 3.2]
HART3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
HART3_P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470],
           [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]
HART6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
           [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
HART6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
           [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
           [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
           [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def ref_hartmann(x: np.ndarray, a: list[list[float]], p: list[list[float]]) -> float:
    total = 0.0
    for i in range(4):
        inner = sum(a[i][j] * (x[j] - p[i][j]) ** 2 for j in range(len(x)))
        total -= HART_ALPHA[i] * math.exp(-inner)
    return total


def ref_rosenbrock(x: np.ndarray) -> float:
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def ref_ackley(x: np.ndarray) -> float:
    d = len(x)
    s1 = sum(v * v for v in x)
    s2 = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(s1 / d)) - math.exp(s2 / d) + 20 + math.e


def ref_levy(x: np.ndarray) -> float:
    w = [1 + (v - 1) / 4 for v in x]
    total = math.sin(math.pi * w[0]) ** 2
    for wi in w[:-1]:
        total += (wi - 1) ** 2 * (1 + 10 * math.sin(math.pi * wi + 1) ** 2)
    return total + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def ref_rastrigin(x: np.ndarray) -> float:
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def ref_styblinski_tang(x: np.ndarray) -> float:
    return 0.5 * sum(v**4 - 16 * v**2 + 5 * v for v in x)


def ref_griewank(x: np.ndarray) -> float:
    product = 1.0
    for i, v in enumerate(x, start=1):
        product *= math.cos(v / math.sqrt(i))
    return sum(v * v for v in x) / 4000 - product + 1


def ref_michalewicz(x: np.ndarray) -> float:
    return -sum(math.sin(v) * math.sin(i * v * v / math.pi) ** 20 for i, v in enumerate(x, 1))


REFERENCES: dict[type, Any] = {
    Sphere: ref_sphere,
    Branin: ref_branin,
    Hartmann3: lambda x: ref_hartmann(x, HART3_A, HART3_P),
    Hartmann6: lambda x: ref_hartmann(x, HART6_A, HART6_P),
    Rosenbrock: ref_rosenbrock,
    Ackley: ref_ackley,
    Levy: ref_levy,
    Rastrigin: ref_rastrigin,
    StyblinskiTang: ref_styblinski_tang,
    Griewank: ref_griewank,
    Michalewicz: ref_michalewicz,
}


# --- Common properties -------------------------------------------------------------------

def test_test_function_is_not_collected() -> None:
    assert TestFunction.__test__ is False


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_attributes(f: TestFunction) -> None:
    assert f.name == type(f).__name__
    assert isinstance(f.n_dims, int) and f.n_dims >= 1
    assert f.bounds.shape == (f.n_dims, 2) and f.bounds.dtype == np.float64
    assert np.all(f.bounds[:, 0] < f.bounds[:, 1])
    assert isinstance(f.minimum, float) and math.isfinite(f.minimum)
    assert f.minimizers is not None
    assert f.minimizers.ndim == 2 and f.minimizers.shape[1] == f.n_dims
    assert "ssurjano" in f.reference
    assert not f.bounds.flags.writeable and not f.minimizers.flags.writeable
    with pytest.raises(ValueError):
        f.bounds[0, 0] = 0.0


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_minimizers_attain_minimum_inside_bounds(f: TestFunction) -> None:
    assert f.minimizers is not None
    assert np.all(f.minimizers >= f.bounds[:, 0]) and np.all(f.minimizers <= f.bounds[:, 1])
    np.testing.assert_allclose(f(f.minimizers), f.minimum, rtol=1e-13, atol=1e-13)
    for x in f.minimizers:
        assert abs(f.regret(f(x))) <= 1e-13 * max(1.0, abs(f.minimum))


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_dense_sample_not_below_minimum(f: TestFunction) -> None:
    values = f(uniform_points(f, 10_000, np.random.default_rng(0)))
    assert values.shape == (10_000,) and np.all(np.isfinite(values))
    assert values.min() >= f.minimum - tolerance(f)


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data())
def test_hypothesis_points_not_below_minimum(f: TestFunction, data: st.DataObject) -> None:
    x = data.draw(points_in_bounds(f))
    value = f(x)
    assert isinstance(value, float)
    assert value >= f.minimum - tolerance(f)


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_batch_equals_pointwise(f: TestFunction) -> None:
    x = uniform_points(f, 25, np.random.default_rng(1))
    x_before = x.copy()
    batch = f(x)
    assert isinstance(batch, np.ndarray) and batch.shape == (25,)
    pointwise = [f(row) for row in x]
    assert all(type(v) is float for v in pointwise)
    np.testing.assert_allclose(batch, pointwise, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(x, x_before)  # the input is not modified
    assert f(x.tolist()) == pytest.approx(list(batch), rel=1e-14, abs=1e-14)
    assert f(np.empty((0, f.n_dims))).shape == (0,)


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_shape_errors(f: TestFunction) -> None:
    d = f.n_dims
    for bad in (np.zeros(d + 1), np.zeros((3, d + 1)), np.zeros((2, 3, d)), np.float64(0.0)):
        message = rf"'x' argument of {f.name} must have shape \({d},\) or \(n, {d}\)\. "
        message += rf"Got shape {re_shape(bad.shape)} instead"
        with pytest.raises(ValueError, match=message):
            f(bad)


def re_shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_regret(f: TestFunction) -> None:
    assert f.regret(f.minimum) == 0.0
    assert f.regret(f.minimum + 1.5) == pytest.approx(1.5)
    assert isinstance(f.regret(np.float64(f.minimum)), float)


@pytest.mark.parametrize("f", CONTINUOUS, ids=by_repr)
def test_matches_published_formula(f: TestFunction) -> None:
    ref = REFERENCES[type(f)]
    x = uniform_points(f, 200, np.random.default_rng(2))
    expected = [ref(row) for row in x]
    np.testing.assert_allclose(f(x), expected, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("f", CONTINUOUS, ids=by_repr)
def test_continuous_search_space(f: TestFunction) -> None:
    space = f.search_space()
    assert list(space) == [f"x{j}" for j in range(f.n_dims)]
    for (low, high), dist in zip(f.bounds, space.values(), strict=True):
        assert dist == FloatDistribution(float(low), float(high))


class RecordingTrial:
    """Optuna-compatible trial that returns preset values (or random ones) and checks calls."""

    def __init__(self, params: dict[str, Any] | None = None, seed: int = 0) -> None:
        self.params: dict[str, Any] = {} if params is None else dict(params)
        self.preset = params is not None
        self.distributions: dict[str, Any] = {}
        self.rng = np.random.default_rng(seed)

    def _record(self, name: str, dist: Any, draw: Any) -> Any:
        assert name not in self.distributions, f"{name} suggested twice"
        self.distributions[name] = dist
        if not self.preset:
            self.params[name] = draw()
        return self.params[name]

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None,
                      log: bool = False) -> float:
        assert type(low) is float and type(high) is float and step is None and not log
        return self._record(name, FloatDistribution(low, high),
                            lambda: float(self.rng.uniform(low, high)))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1,
                    log: bool = False) -> int:
        assert type(low) is int and type(high) is int and step == 1 and not log
        return self._record(name, IntDistribution(low, high),
                            lambda: int(self.rng.integers(low, high + 1)))

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        choices = tuple(choices)
        return self._record(name, CategoricalDistribution(choices),
                            lambda: choices[int(self.rng.integers(len(choices)))])


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_objective_suggests_the_search_space(f: TestFunction) -> None:
    for seed in range(5):
        trial = RecordingTrial(seed=seed)
        value = f.objective(trial)
        assert type(value) is float
        assert trial.distributions == f.search_space()
        assert list(trial.distributions) == list(f.search_space())
        encoded = [dist.to_internal(trial.params[name]) for name, dist in f.search_space().items()]
        assert value == f(np.array(encoded))


@pytest.mark.parametrize("f", FUNCTIONS, ids=by_repr)
def test_objective_at_minimizer(f: TestFunction) -> None:
    assert f.minimizers is not None
    space = f.search_space()
    params = {
        name: dist.to_external(v)
        for (name, dist), v in zip(space.items(), f.minimizers[0], strict=True)
    }
    assert f.objective(RecordingTrial(params)) == pytest.approx(f.minimum, abs=1e-12)


# --- Constructor validation and repr -----------------------------------------------------

@pytest.mark.parametrize("cls", [Sphere, Ackley, Levy, Rastrigin, StyblinskiTang, Griewank,
                                 Michalewicz])
def test_n_dims_at_least_one(cls: type) -> None:
    with pytest.raises(ValueError, match=rf"'n_dims' parameter of {cls.__name__} must be an "
                                         r"int >= 1\. Got 0 instead\."):
        cls(0)
    for bad in (2.0, True, "3", None):
        with pytest.raises(TypeError, match=rf"'n_dims' parameter of {cls.__name__}"):
            cls(bad)
    assert cls(np.int64(3)).n_dims == 3
    assert type(cls(np.int64(3)).n_dims) is int


def test_rosenbrock_needs_two_dims() -> None:
    with pytest.raises(ValueError, match=r"The 'n_dims' parameter of Rosenbrock must be an int "
                                         r">= 2\. Got 1 instead\."):
        Rosenbrock(1)


def test_mixed_ackley_validation() -> None:
    with pytest.raises(ValueError, match=r"'n_continuous' parameter of MixedAckley must be an int "
                                         r">= 0\. Got -1 instead"):
        MixedAckley(-1, 2)
    with pytest.raises(TypeError, match=r"'n_integer' parameter of MixedAckley"):
        MixedAckley(2, 1.5)
    with pytest.raises(ValueError, match=r"must add up to at least 1\. Got n_continuous=0, "
                                         r"n_integer=0 instead"):
        MixedAckley(0, 0)


def test_repr() -> None:
    assert repr(Rosenbrock(10)) == "Rosenbrock(n_dims=10)"
    assert repr(Branin()) == "Branin()"
    assert repr(Hartmann6()) == "Hartmann6()"
    assert repr(MixedAckley(3, 1)) == "MixedAckley(n_continuous=3, n_integer=1)"


# --- Function-specific checks ------------------------------------------------------------

def test_branin_three_exact_minimizers() -> None:
    f = Branin()
    assert f.minimum == pytest.approx(5 / (4 * math.pi), rel=1e-15)
    assert round(f.minimum, 6) == 0.397887  # published value
    np.testing.assert_allclose(f.minimizers, [[-math.pi, 12.275], [math.pi, 2.275],
                                              [3 * math.pi, 2.475]], rtol=1e-15)


@pytest.mark.parametrize(
    ("f", "published_x", "published_min"),
    [
        (Hartmann3(), [0.114614, 0.555649, 0.852547], -3.86278),
        (Hartmann6(), [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573], -3.32237),
    ],
    ids=by_repr,
)
def test_hartmann_published_and_refined_minimum(
    f: TestFunction, published_x: list[float], published_min: float
) -> None:
    # The published point attains the published minimum to its printed accuracy,
    assert f(published_x) == pytest.approx(published_min, abs=1e-5)
    assert f(published_x) >= f.minimum
    # the refined minimum rounds to the published one,
    assert f.minimum == pytest.approx(published_min, abs=5e-6)
    assert f.minimizers is not None
    x_star = f.minimizers[0]
    np.testing.assert_allclose(x_star, published_x, atol=5e-5)
    # the refined point is stationary (central differences),
    step = 1e-6
    grad = [(f(x_star + step * e) - f(x_star - step * e)) / (2 * step) for e in np.eye(f.n_dims)]
    assert np.max(np.abs(grad)) < 1e-7
    # and a multi-start local search finds nothing lower.
    rng = np.random.default_rng(3)
    best = math.inf
    for start in rng.random((15, f.n_dims)):
        result = minimize(f, start, method="L-BFGS-B", bounds=f.bounds,
                          options={"ftol": 1e-15, "gtol": 1e-10})
        assert result.fun >= f.minimum - 1e-12
        best = min(best, result.fun)
    assert best <= f.minimum + 1e-8


def test_styblinski_tang_minimizer_is_exact_root() -> None:
    f = StyblinskiTang(3)
    assert f.minimizers is not None
    root = f.minimizers[0, 0]
    assert abs(4 * root**3 - 32 * root + 5) < 1e-12
    assert f.minimum == pytest.approx(-39.16616570377142 * 3, rel=1e-14)
    # The value of Surjanovic & Bingham (-39.16599 d) is rounded: the true minimum is lower.
    assert f.minimum < -39.16599 * 3
    f1 = StyblinskiTang(1)
    result = minimize_scalar(lambda t: f1([t]), bounds=(-5.0, 0.0), method="bounded",
                             options={"xatol": 1e-12})
    assert f1.minimum - 1e-12 <= result.fun <= f1.minimum + 1e-9


def michalewicz_term_minimum(i: int) -> float:
    """Minimum of ``-sin(t) sin(i t^2 / pi)^20`` on [0, pi]: dense grid, then bounded Brent."""
    def term(t: np.ndarray) -> np.ndarray:
        return -np.sin(t) * np.sin(i * t * t / math.pi) ** 20
    grid = np.linspace(0.0, math.pi, 40_001)
    values = term(grid)
    best = float(values.min())
    h = grid[1]
    for t0 in grid[np.argsort(values)[:3]]:  # the three best grid points, polished
        result = minimize_scalar(lambda t: float(term(np.array(t))),
                                 bounds=(max(t0 - h, 0.0), min(t0 + h, math.pi)),
                                 method="bounded", options={"xatol": 1e-13})
        best = min(best, float(result.fun))
    return best


@pytest.mark.parametrize(("n_dims", "published", "digits"),
                         [(2, -1.8013, 4), (5, -4.687658, 6), (10, -9.66015, 5)])
def test_michalewicz_published_minimum(n_dims: int, published: float, digits: int) -> None:
    f = Michalewicz(n_dims)
    # The computed minimum agrees with the literature to its printed digits.
    assert abs(f.minimum - published) <= 0.5 * 10.0**-digits
    # An independent search (the function is separable: each term alone, grid + Brent)
    # reaches the published value.
    searched = sum(michalewicz_term_minimum(i) for i in range(1, n_dims + 1))
    assert searched <= published + 1e-3
    assert f.minimum <= searched + 1e-12
    # A local search started at the minimiser does not go lower.
    assert f.minimizers is not None
    result = minimize(f, f.minimizers[0], method="L-BFGS-B", bounds=f.bounds)
    assert result.fun >= f.minimum - 1e-12


def test_michalewicz_differential_evolution_2d() -> None:
    f = Michalewicz(2)
    # vectorized=True passes the population as columns: shape (n_dims, S).
    result = differential_evolution(lambda x: f(x.T), f.bounds, seed=0, tol=1e-12,
                                    vectorized=True,
                                    updating="deferred", polish=True)
    assert f.minimum - 1e-12 <= result.fun <= f.minimum + 1e-3
    np.testing.assert_allclose(result.x, f.minimizers[0], atol=1e-4)


def test_michalewicz_minimizer_matches_independent_search_in_high_dims() -> None:
    f = Michalewicz(37)
    assert f.minimizers is not None
    for i in range(1, 38):
        term = -math.sin(f.minimizers[0, i - 1]) * math.sin(
            i * f.minimizers[0, i - 1] ** 2 / math.pi) ** 20
        assert term <= michalewicz_term_minimum(i) + 1e-12


def test_michalewicz_large_dims_cheap_and_consistent() -> None:
    f = Michalewicz(2000)
    assert f.minimizers is not None
    assert f(f.minimizers[0]) == f.minimum
    # Each term lies in [-1, 0], and at least half of the terms reach below -0.99.
    assert -2000.0 <= f.minimum <= -1990.0


# --- The mixed function ------------------------------------------------------------------

def test_mixed_ackley_search_space_and_bounds() -> None:
    f = MixedAckley(2, 3)
    space = f.search_space()
    assert list(space) == ["x0", "x1", "z0", "z1", "z2", "c"]
    assert space["x1"] == FloatDistribution(-5.0, 5.0)
    assert space["z2"] == IntDistribution(-5, 5)
    assert space["c"] == CategoricalDistribution(("a", "b", "c", "d"))
    np.testing.assert_array_equal(f.bounds, [[-5, 5]] * 5 + [[0, 3]])
    assert f.minimum == 0.0
    assert f.minimizers is not None
    x_star = f.minimizers[0]
    assert np.all(x_star[2:] == np.rint(x_star[2:]))  # integers and choice index on the lattice
    assert f.choices[int(x_star[-1])] == "c"


def test_mixed_ackley_other_choices_are_worse() -> None:
    f = MixedAckley(2, 2)
    assert f.minimizers is not None
    for k, offset in enumerate([0.6, 0.3, 0.0, 0.9]):
        # Best point of choice k: its own shift, value exactly its offset.
        x = np.append(f._shifts[k], k)
        assert f(x) == offset
        # Keeping the global optimum's numeric part but switching choice costs more.
        if k != 2:
            y = f.minimizers[0].copy()
            y[-1] = k
            assert f(y) > offset


def test_mixed_ackley_exhaustive_over_lattice() -> None:
    # No continuous part: enumerate every point of the space; the minimiser is unique.
    f = MixedAckley(0, 2)
    grid = np.stack(np.meshgrid(np.arange(-5, 6), np.arange(-5, 6), np.arange(4),
                                indexing="ij"), axis=-1).reshape(-1, 3).astype(float)
    values = f(grid)
    assert values.min() == f.minimum == 0.0
    assert np.count_nonzero(values == 0.0) == 1
    assert f.minimizers is not None
    np.testing.assert_array_equal(grid[np.argmin(values)], f.minimizers[0])


def test_mixed_ackley_rejects_non_integer_encoding() -> None:
    f = MixedAckley(1, 1)
    with pytest.raises(ValueError, match=r"'x' argument of MixedAckley must hold integers in "
                                         r"columns 1\.\.1\. Got 0\.5 in row 0, column 1"):
        f([0.0, 0.5, 2.0])
    with pytest.raises(ValueError, match=r"choice index in \{0, \.\.\., 3\} in column 2\. "
                                         r"Got 4\.0 in row 1"):
        f([[0.0, 1.0, 2.0], [0.0, 1.0, 4.0]])
    for bad in (1.5, -1.0, math.nan):
        with pytest.raises(ValueError, match="choice index"):
            f([0.0, 1.0, bad])


def test_mixed_ackley_objective_maps_choices_to_indices() -> None:
    f = MixedAckley(1, 1)
    assert f.minimizers is not None
    x_star = f.minimizers[0]
    best = {"x0": float(x_star[0]), "z0": int(x_star[1]), "c": "c"}
    assert f.objective(RecordingTrial(best)) == 0.0
    assert f.objective(RecordingTrial({**best, "c": "b"})) == f([x_star[0], x_star[1], 1.0])
