"""Tests of the evolution-strategy kernels against their twins and their definitions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bbopt._kernels import (
    CMA_N_RATES,
    cma_eigen,
    cma_sample,
    cma_update,
    cma_update_sep,
    lmma_sample,
    lmma_update,
)
from bbopt._kernels._reference import (
    cma_eigen_ref,
    cma_sample_ref,
    cma_update_ref,
    cma_update_sep_ref,
    lmma_sample_ref,
    lmma_update_ref,
)

# Few distinct values (duplicates, zeros) or a wide range of scales.
_GRID = st.sampled_from([0.0, -1.0, 0.5, 1.0, 2.0])
_WIDE = st.floats(-1e6, 1e6, allow_nan=False, width=64)
_NORMAL = st.floats(-4.0, 4.0, allow_nan=False, width=64)
_SIGMA = st.floats(1e-12, 1e6, width=64)


@st.composite
def _rates(draw: st.DrawFn, d: int) -> np.ndarray:
    c_sigma = draw(st.floats(0.01, 0.9))
    return np.array([
        draw(st.floats(0.5, 1.0)), c_sigma, draw(st.floats(0.5, 3.0)),
        draw(st.floats(0.01, 0.9)), draw(st.floats(0.0, 0.3)), draw(st.floats(0.0, 0.3)),
        draw(st.floats(1.0, 10.0)), np.sqrt(d) * (1 - 1 / (4 * d) + 1 / (21 * d * d)),
    ])


@st.composite
def _selection(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    mu = draw(st.integers(1, 5))
    d = draw(st.integers(1, 6))
    y = draw(hnp.arrays(np.float64, (mu, d), elements=st.one_of(_GRID, _NORMAL)))
    raw = draw(hnp.arrays(np.float64, mu, elements=st.floats(0.01, 1.0)))
    return y, raw / raw.sum(), d


@st.composite
def _active_selection(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Positive weights, then (sometimes) negative ones, as in active CMA."""
    y, weights, d = draw(_selection())
    n_neg = draw(st.integers(0, 3))
    y_neg = draw(hnp.arrays(np.float64, (n_neg, d), elements=st.one_of(_GRID, _NORMAL)))
    w_neg = -draw(hnp.arrays(np.float64, n_neg, elements=st.floats(0.0, 0.5)))
    return np.concatenate([y, y_neg]), np.concatenate([weights, w_neg]), d


def _spd(draw: st.DrawFn, d: int) -> np.ndarray:
    a = draw(hnp.arrays(np.float64, (d, d), elements=_NORMAL))
    scale = draw(st.sampled_from([1e-8, 1.0, 1e4]))
    return scale * (a @ a.T + 0.1 * np.eye(d))


@given(st.data())
def test_cma_sample_matches_twin(data: st.DataObject) -> None:
    n, d = data.draw(st.integers(0, 5)), data.draw(st.integers(1, 6))
    z = data.draw(hnp.arrays(np.float64, (n, d), elements=_NORMAL))
    mean = data.draw(hnp.arrays(np.float64, d, elements=st.one_of(_GRID, _WIDE)))
    bd = data.draw(hnp.arrays(np.float64, (d, d), elements=_NORMAL))
    sigma = data.draw(_SIGMA)
    x, x_ref = np.empty((n, d)), np.empty((n, d))
    cma_sample(z, mean, sigma, bd, x)
    cma_sample_ref(z, mean, sigma, bd, x_ref)
    np.testing.assert_allclose(x, x_ref, rtol=1e-10, atol=1e-10 * (1 + np.abs(x_ref).max(initial=0)))


@given(_active_selection(), st.data())
def test_cma_update_matches_twin(selection, data: st.DataObject) -> None:
    y, weights, d = selection
    rates = data.draw(_rates(d))
    generation = data.draw(st.integers(0, 50))
    cov = _spd(data.draw, d)
    invsqrt = np.linalg.inv(np.linalg.cholesky(cov)).T @ np.linalg.inv(np.linalg.cholesky(cov))
    state = [data.draw(hnp.arrays(np.float64, d, elements=_NORMAL)) for _ in range(3)]
    sigma = np.array([data.draw(_SIGMA)])
    ours = [a.copy() for a in (state[0], sigma, state[1], state[2], cov)]
    ref = [a.copy() for a in (state[0], sigma, state[1], state[2], cov)]
    cma_update(y, weights, rates, generation, invsqrt, *ours)
    cma_update_ref(y, weights, rates, generation, invsqrt, *ref)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * (1 + np.abs(b).max(initial=0)))
    np.testing.assert_array_equal(ours[4], ours[4].T)


@given(_selection(), st.data())
def test_cma_update_sep_matches_twin(selection, data: st.DataObject) -> None:
    y, weights, d = selection
    rates = data.draw(_rates(d))
    cov = data.draw(hnp.arrays(np.float64, d, elements=st.floats(1e-10, 1e6)))
    state = [data.draw(hnp.arrays(np.float64, d, elements=_NORMAL)) for _ in range(3)]
    sigma = np.array([data.draw(_SIGMA)])
    ours = [a.copy() for a in (state[0], sigma, state[1], state[2], cov)]
    ref = [a.copy() for a in (state[0], sigma, state[1], state[2], cov)]
    cma_update_sep(y, weights, rates, 3, *ours)
    cma_update_sep_ref(y, weights, rates, 3, *ref)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * (1 + np.abs(b).max(initial=0)))


def test_sep_update_is_the_full_update_on_a_diagonal_matrix() -> None:
    rng = np.random.default_rng(0)
    d, mu = 4, 3
    y, weights = rng.normal(size=(mu, d)), np.array([0.5, 0.3, 0.2])
    rates = np.array([1.0, 0.3, 1.2, 0.4, 0.1, 0.2, 2.0, 1.9])
    diag = rng.uniform(0.5, 2.0, d)
    full = [np.zeros(d), np.ones(1), np.zeros(d), np.zeros(d), np.diag(diag)]
    sep = [np.zeros(d), np.ones(1), np.zeros(d), np.zeros(d), diag.copy()]
    cma_update(y, weights, rates, 0, np.diag(1 / np.sqrt(diag)), *full)
    cma_update_sep(y, weights, rates, 0, *sep)
    for a, b in zip(full[:4], sep[:4]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(np.diag(full[4]), sep[4], rtol=1e-12)


@given(st.data())
def test_cma_eigen_matches_twin_and_definition(data: st.DataObject) -> None:
    d = data.draw(st.integers(1, 7))
    cov = _spd(data.draw, d)
    if data.draw(st.booleans()):  # repeated eigenvalues
        cov = np.eye(d) * cov[0, 0]
    outs = [np.empty((d, d)), np.empty((d, d)), np.empty(d)]
    refs = [np.empty((d, d)), np.empty((d, d)), np.empty(d)]
    cma_eigen(cov, *outs)
    cma_eigen_ref(cov, *refs)
    bd, invsqrt, eigenvalues = outs
    np.testing.assert_allclose(eigenvalues, refs[2], rtol=1e-8, atol=1e-12 * eigenvalues.max())
    np.testing.assert_allclose(bd @ bd.T, cov, rtol=1e-8, atol=1e-10 * np.abs(cov).max())
    np.testing.assert_allclose(invsqrt, refs[1], rtol=1e-6, atol=1e-8 * np.abs(refs[1]).max())
    np.testing.assert_allclose(invsqrt @ cov @ invsqrt, np.eye(d), atol=1e-6)


def test_cma_eigen_rejects_nan_and_negative_definite() -> None:
    out = [np.empty((2, 2)), np.empty((2, 2)), np.empty(2)]
    with pytest.raises(ValueError, match="NaN"):
        cma_eigen(np.array([[np.nan, 0.0], [0.0, 1.0]]), *out)
    with pytest.raises(ValueError, match="positive definite"):
        cma_eigen(-np.eye(2), *out)


@given(st.data())
def test_lmma_kernels_match_twins(data: st.DataObject) -> None:
    n, d, m = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 6)), data.draw(st.integers(0, 4))
    z = data.draw(hnp.arrays(np.float64, (n, d), elements=st.one_of(_GRID, _NORMAL)))
    mean = data.draw(hnp.arrays(np.float64, d, elements=_NORMAL))
    vectors = data.draw(hnp.arrays(np.float64, (m, d), elements=_NORMAL))
    c_d = data.draw(hnp.arrays(np.float64, m, elements=st.floats(0.0, 1.0)))
    sigma = data.draw(_SIGMA)
    outs, refs = [np.empty((n, d)), np.empty((n, d))], [np.empty((n, d)), np.empty((n, d))]
    lmma_sample(z, mean, sigma, vectors, c_d, *outs)
    lmma_sample_ref(z, mean, sigma, vectors, c_d, *refs)
    for a, b in zip(outs, refs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * (1 + np.abs(b).max(initial=0)))
    raw = data.draw(hnp.arrays(np.float64, n, elements=st.floats(0.01, 1.0)))
    weights, rates = raw / raw.sum(), data.draw(_rates(d))
    c_c = data.draw(hnp.arrays(np.float64, m, elements=st.floats(0.0, 1.0)))
    state = [mean.copy(), np.array([sigma]), np.zeros(d), vectors.copy()]
    ref_state = [a.copy() for a in state]
    lmma_update(z, outs[0], weights, rates, c_c, *state)
    lmma_update_ref(z, outs[0], weights, rates, c_c, *ref_state)
    for a, b in zip(state, ref_state):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * (1 + np.abs(b).max(initial=0)))


def test_lmma_without_vectors_is_isotropic() -> None:
    z = np.array([[1.0, -2.0]])
    steps, x = np.empty((1, 2)), np.empty((1, 2))
    lmma_sample(z, np.ones(2), 0.5, np.empty((0, 2)), np.empty(0), steps, x)
    assert steps.tolist() == z.tolist() and x.tolist() == [[1.5, 0.0]]


def test_update_moves_the_mean_to_the_weighted_selection() -> None:
    # [H16, eq. 41] with c_m = 1: the new mean is the weighted mean of the selected points.
    rng = np.random.default_rng(1)
    d, mu = 3, 2
    mean, sigma = rng.normal(size=d), np.array([0.7])
    x = rng.normal(size=(mu, d))
    weights = np.array([0.75, 0.25])
    rates = np.array([1.0, 0.3, 1.2, 0.4, 0.1, 0.2, 1.6, 1.6])
    y = (x - mean) / sigma[0]
    new_mean = mean.copy()
    cma_update(y, weights, rates, 0, np.eye(d), new_mean, sigma, np.zeros(d), np.zeros(d), np.eye(d))
    np.testing.assert_allclose(new_mean, weights @ x)


@pytest.mark.parametrize("kernel", ["cma_update", "cma_update_sep", "lmma_update"])
def test_errors_name_the_kernel(kernel: str) -> None:
    y, w, rates = np.array([[np.nan, 0.0]]), np.ones(1), np.full(CMA_N_RATES, 0.5)
    with pytest.raises(ValueError, match=f"{kernel}.*NaN"):
        if kernel == "cma_update":
            cma_update(y, w, rates, 0, np.eye(2), np.zeros(2), np.ones(1), np.zeros(2),
                       np.zeros(2), np.eye(2))
        elif kernel == "cma_update_sep":
            cma_update_sep(y, w, rates, 0, np.zeros(2), np.ones(1), np.zeros(2), np.zeros(2),
                           np.ones(2))
        else:
            lmma_update(y, y, w, rates, np.empty(0), np.zeros(2), np.ones(1), np.zeros(2),
                        np.empty((0, 2)))
    with pytest.raises(ValueError, match="shape"):
        cma_update(np.zeros((1, 2)), np.ones(2), rates, 0, np.eye(2), np.zeros(2), np.ones(1),
                   np.zeros(2), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="domain"):
        cma_sample(np.zeros((1, 2)), np.zeros(2), 0.0, np.eye(2), np.empty((1, 2)))
