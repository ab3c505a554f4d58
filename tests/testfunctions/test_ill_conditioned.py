"""Tests of the rotated, ill-conditioned BBOB functions of bbopt.testfunctions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bbopt.testfunctions import (
    AttractiveSector,
    BentCigar,
    DifferentPowers,
    Discus,
    GriewankRosenbrock,
    RotatedEllipsoid,
    RotatedRastrigin,
    SchafferF7,
    SharpRidge,
)

CLASSES = [RotatedEllipsoid, Discus, BentCigar, DifferentPowers, SchafferF7, GriewankRosenbrock,
           AttractiveSector, SharpRidge, RotatedRastrigin]
FUNCTIONS = [cls(d) for cls in CLASSES for d in (2, 5, 40)]


def _z(f, x: np.ndarray) -> np.ndarray:
    return f.rotation @ (x - f.optimum)


# Pointwise definitions, written from the BBOB report (RR-6829) with the same z.
def ref_ellipsoid(f, x):
    z = _z(f, x)
    return sum(10 ** (6 * i / (f.n_dims - 1)) * z[i] ** 2 for i in range(f.n_dims))


def ref_discus(f, x):
    z = _z(f, x)
    return 1e6 * z[0] ** 2 + sum(v * v for v in z[1:])


def ref_bent_cigar(f, x):
    z = _z(f, x)
    return z[0] ** 2 + 1e6 * sum(v * v for v in z[1:])


def ref_different_powers(f, x):
    z = _z(f, x)
    return math.sqrt(sum(abs(z[i]) ** (2 + 4 * i / (f.n_dims - 1)) for i in range(f.n_dims)))


def ref_schaffer(f, x):
    d = f.n_dims
    z = [10 ** (i / (2 * (d - 1))) * v for i, v in enumerate(_z(f, x))]
    s = [math.sqrt(z[i] ** 2 + z[i + 1] ** 2) for i in range(d - 1)]
    return (sum(math.sqrt(v) + math.sqrt(v) * math.sin(50 * v**0.2) ** 2 for v in s)
            / (d - 1)) ** 2


def ref_griewank_rosenbrock(f, x):
    d = f.n_dims
    z = max(1.0, math.sqrt(d) / 8) * (f.rotation @ x) + 0.5
    s = [100 * (z[i] ** 2 - z[i + 1]) ** 2 + (z[i] - 1) ** 2 for i in range(d - 1)]
    return 10 / (d - 1) * sum(v / 4000 - math.cos(v) for v in s) + 10


def _conditioned_z(f, x):
    d = f.n_dims
    return [10 ** (i / (2 * (d - 1))) * v for i, v in enumerate(_z(f, x))]


def ref_attractive_sector(f, x):
    z = _conditioned_z(f, x)
    return sum((100 * v if v * o > 0 else v) ** 2 for v, o in zip(z, f.optimum)) ** 0.9


def ref_sharp_ridge(f, x):
    z = _conditioned_z(f, x)
    return z[0] ** 2 + 100 * math.sqrt(sum(v * v for v in z[1:]))


def ref_rotated_rastrigin(f, x):
    z = _conditioned_z(f, x)
    return 10 * (f.n_dims - sum(math.cos(2 * math.pi * v) for v in z)) + sum(v * v for v in z)


REFERENCES = {AttractiveSector: ref_attractive_sector, SharpRidge: ref_sharp_ridge,
              RotatedRastrigin: ref_rotated_rastrigin,
              RotatedEllipsoid: ref_ellipsoid, Discus: ref_discus, BentCigar: ref_bent_cigar,
              DifferentPowers: ref_different_powers, SchafferF7: ref_schaffer,
              GriewankRosenbrock: ref_griewank_rosenbrock}


@pytest.mark.parametrize("f", FUNCTIONS, ids=repr)
def test_minimizer_attains_zero_inside_the_box(f) -> None:
    x_star = f.minimizers[0]
    assert np.all(np.abs(x_star) <= 5.0)
    assert f(x_star) == pytest.approx(0.0, abs=1e-12)
    assert f.minimum == 0.0


@pytest.mark.parametrize("f", FUNCTIONS, ids=repr)
def test_matches_the_definition(f) -> None:
    x = np.random.default_rng(3).uniform(-5, 5, (50, f.n_dims))
    expected = [REFERENCES[type(f)](f, row) for row in x]
    np.testing.assert_allclose(f(x), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cls", CLASSES)
@given(data=st.data())
def test_never_below_the_minimum(cls, data: st.DataObject) -> None:
    d = data.draw(st.integers(2, 6))
    f = cls(d, seed=data.draw(st.integers(0, 3)))
    x = data.draw(hnp.arrays(np.float64, (4, d), elements=st.floats(-5, 5)))
    assert np.all(f(x) >= 0.0)


@pytest.mark.parametrize("cls", CLASSES)
def test_rotation_is_orthogonal_and_seeded(cls) -> None:
    f, g, h = cls(7), cls(7), cls(7, seed=1)
    np.testing.assert_allclose(f.rotation @ f.rotation.T, np.eye(7), atol=1e-12)
    np.testing.assert_array_equal(f.rotation, g.rotation)
    assert not np.array_equal(f.rotation, h.rotation)
    assert repr(h) == f"{cls.__name__}(n_dims=7, seed=1)"
    with pytest.raises(ValueError, match="n_dims"):
        cls(1)


def test_ellipsoid_is_ill_conditioned() -> None:
    f = RotatedEllipsoid(10)
    hessian_eigenvalues = np.linalg.eigvalsh(
        f.rotation.T @ np.diag(2 * 10 ** (6 * np.arange(10) / 9)) @ f.rotation)
    assert hessian_eigenvalues.max() / hessian_eigenvalues.min() == pytest.approx(1e6)
