"""The hypervolume kernel against its cell-counting twin, and the public functions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import bbopt
from bbopt._kernels import hypervolume_exact
from bbopt._kernels._reference import hypervolume_exact_ref


@st.composite
def point_sets(draw):
    m = draw(st.integers(1, 5))
    n = draw(st.integers(0, 7 if m <= 3 else 5))
    # Volumes stay in the float range: scale ** m within 1e-300..1e300.
    scale = draw(st.sampled_from([1e-60, 1e-3, 1.0, 1e3, 1e60]))
    # A few grid values make duplicates and ties on coordinates likely.
    grid = draw(st.booleans())
    elements = st.integers(0, 4).map(float) if grid else st.floats(0, 4, allow_nan=False)
    points = draw(arrays(np.float64, (n, m), elements=elements)) * scale
    reference = np.full(m, draw(st.sampled_from([2.0, 3.5, 4.5]))) * scale
    return np.ascontiguousarray(points), reference


@settings(max_examples=300, deadline=None)
@given(point_sets())
def test_kernel_equals_twin(case) -> None:
    points, reference = case
    expected = hypervolume_exact_ref(points, reference)
    assert hypervolume_exact(points, reference) == pytest.approx(expected, rel=1e-12, abs=0.0)


def test_one_point_and_duplicates() -> None:
    ref = np.array([1.0, 1.0, 1.0, 1.0])
    one = np.array([[0.5, 0.5, 0.5, 0.5]])
    assert hypervolume_exact(one, ref) == pytest.approx(0.0625)
    assert hypervolume_exact(np.repeat(one, 5, axis=0), ref) == pytest.approx(0.0625)


def test_points_outside_the_reference_count_for_nothing() -> None:
    ref = np.array([1.0, 1.0])
    points = np.array([[1.0, 0.0], [2.0, -1.0], [0.5, 0.5]])
    assert hypervolume_exact(points, ref) == pytest.approx(0.25)


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        hypervolume_exact(np.array([[np.nan, 0.0]]), np.array([1.0, 1.0]))


def test_large_three_objective_front_matches_the_analytic_volume() -> None:
    # Points on the simplex x + y + z = 1 (a linear front): the dominated volume up to
    # (1, 1, 1) tends to 1 - 1/6 as the front gets dense.
    rng = np.random.default_rng(0)
    w = rng.dirichlet(np.ones(3), size=20000)
    value = bbopt.hypervolume(w, [1.0, 1.0, 1.0])
    assert 5 / 6 - 0.01 < value < 5 / 6


def test_public_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="'points'.*shape \\(n, 2\\)"):
        bbopt.hypervolume([[1.0, 2.0, 3.0]], [3.0, 3.0])
    with pytest.raises(ValueError, match="'reference'"):
        bbopt.hypervolume([[1.0, 2.0]], [[3.0, 3.0]])
    with pytest.raises(ValueError, match="NaN"):
        bbopt.hypervolume([[np.nan, 2.0]], [3.0, 3.0])
    with pytest.raises(ValueError, match="n_samples"):
        bbopt.hypervolume_estimate([[1.0, 2.0]], [3.0, 3.0], n_samples=0)


def test_no_points_has_zero_volume() -> None:
    assert bbopt.hypervolume(np.empty((0, 3)), [1.0, 1.0, 1.0]) == 0.0
    assert bbopt.hypervolume_estimate(np.empty((0, 3)), [1.0, 1.0, 1.0]).value == 0.0


@pytest.mark.parametrize("m", [2, 4, 7])
def test_estimate_covers_the_exact_value(m: int) -> None:
    rng = np.random.default_rng(m)
    points = rng.dirichlet(np.ones(m), size=30)  # a front: no point dominates the box
    ref = np.full(m, 1.2)
    estimate = bbopt.hypervolume_estimate(points, ref, n_samples=50_000, seed=1)
    if m <= 4:
        exact = bbopt.hypervolume(points, ref)
        assert abs(estimate.value - exact) <= 1.5 * estimate.error
    assert estimate.error > 0
