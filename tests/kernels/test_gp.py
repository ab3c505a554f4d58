"""Tests of the Gaussian-process kernels against their twins and their definitions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bbopt._kernels import gp_kernel_matrix, gp_log_ei, gp_log_marginal_likelihood, gp_posterior
from bbopt._kernels._reference import (
    gp_kernel_matrix_ref,
    gp_log_ei_ref,
    gp_log_marginal_likelihood_ref,
    gp_posterior_ref,
)

# Few distinct coordinates, so that duplicates and equal categories are frequent.
_GRID = st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0])
_UNIT = st.floats(0.0, 1.0, allow_nan=False, width=64)


@st.composite
def _problems(draw: st.DrawFn, max_n: int = 12) -> dict:
    n = draw(st.integers(0, max_n))
    m = draw(st.integers(0, 6))
    d = draw(st.integers(1, 4))
    elements = draw(st.sampled_from([_GRID, _UNIT]))
    categorical = draw(hnp.arrays(np.uint8, d, elements=st.integers(0, 1)))
    x = draw(hnp.arrays(np.float64, (n, d), elements=elements))
    x_new = draw(hnp.arrays(np.float64, (m, d), elements=elements))
    x[:, categorical == 1] = np.round(x[:, categorical == 1])
    x_new[:, categorical == 1] = np.round(x_new[:, categorical == 1])
    y = draw(hnp.arrays(np.float64, n, elements=st.floats(-3.0, 3.0, width=64)))
    log_l = draw(hnp.arrays(np.float64, d, elements=st.floats(-2.0, 1.0, width=64)))
    log_s = draw(st.floats(-1.0, 1.0, width=64))
    log_noise = draw(st.floats(-6.0, 0.0, width=64))
    theta = np.concatenate([log_l, [log_s, log_noise]])
    return {"x": x, "x_new": x_new, "y": y, "categorical": categorical, "theta": theta}


def _lml(kernel, p: dict, with_grad: bool = True):
    n, d = p["x"].shape
    chol, alpha = np.full((n, n), np.nan), np.full(n, np.nan)
    grad = np.full(d + 2, np.nan) if with_grad else None
    prior_mean = np.linspace(-1.0, 1.0, d + 2)
    prior_std = np.full(d + 2, 1.5)
    value = kernel(p["x"], p["y"], p["categorical"], p["theta"], prior_mean, prior_std,
                   chol, alpha, grad)
    return value, chol, alpha, grad


def _posterior(kernel, p: dict, chol, alpha, x_new=None):
    x_new = p["x_new"] if x_new is None else x_new
    m, d = x_new.shape
    out = [np.full(m, np.nan), np.full(m, np.nan), np.full((m, d), np.nan),
           np.full((m, d), np.nan)]
    kernel(p["x"], p["categorical"], p["theta"], chol, alpha, x_new, *out)
    return out


@given(_problems())
def test_kernel_matrix_matches_reference(p: dict) -> None:
    n, m = p["x"].shape[0], p["x_new"].shape[0]
    out, expected = np.empty((m, n)), np.empty((m, n))
    gp_kernel_matrix(p["x_new"], p["x"], p["categorical"], p["theta"], out)
    gp_kernel_matrix_ref(p["x_new"], p["x"], p["categorical"], p["theta"], expected)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-300)


def test_kernel_matrix_definition() -> None:
    # One numeric dimension (l = 2) and one categorical (l = 1), signal variance 3.
    theta = np.array([np.log(2.0), 0.0, np.log(3.0), 0.0])
    a = np.array([[0.0, 1.0]])
    b = np.array([[1.0, 1.0], [1.0, 2.0], [0.0, 1.0]])
    out = np.empty((1, 3))
    gp_kernel_matrix(a, b, np.array([0, 1], np.uint8), theta, out)
    r = np.array([0.5, np.sqrt(0.25 + 1.0), 0.0])
    expected = 3.0 * (1 + np.sqrt(5) * r + 5 / 3 * r**2) * np.exp(-np.sqrt(5) * r)
    np.testing.assert_allclose(out[0], expected, rtol=1e-14)


@given(_problems())
def test_log_marginal_likelihood_matches_reference(p: dict) -> None:
    value, chol, alpha, grad = _lml(gp_log_marginal_likelihood, p)
    expected = _lml(gp_log_marginal_likelihood_ref, p)
    scale = 1.0 + abs(expected[0])
    assert abs(value - expected[0]) <= 1e-8 * scale
    np.testing.assert_allclose(chol, expected[1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(alpha, expected[2], rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(grad, expected[3], rtol=1e-6, atol=1e-6 * scale)
    assert np.all(np.triu(chol, 1) == 0.0)
    value_only = _lml(gp_log_marginal_likelihood, p, with_grad=False)
    assert value_only[0] == value


@pytest.mark.parametrize("kernel", [gp_log_marginal_likelihood, gp_log_marginal_likelihood_ref])
def test_log_marginal_likelihood_gradient_is_the_derivative(kernel) -> None:
    rng = np.random.default_rng(0)
    x = rng.random((25, 3))
    x[:, 2] = rng.integers(0, 3, 25)
    p = {"x": x, "y": np.sin(4 * x[:, 0]) + x[:, 2], "categorical": np.array([0, 0, 1], np.uint8),
         "theta": np.array([-1.0, 0.3, -0.2, 0.4, -4.0])}
    _, _, _, grad = _lml(kernel, p)
    for q in range(5):
        step = np.zeros(5)
        step[q] = 1e-6
        up = _lml(kernel, {**p, "theta": p["theta"] + step}, with_grad=False)[0]
        down = _lml(kernel, {**p, "theta": p["theta"] - step}, with_grad=False)[0]
        assert abs((up - down) / 2e-6 - grad[q]) < 1e-5 * (1 + abs(grad[q]))


@given(_problems())
def test_posterior_matches_reference(p: dict) -> None:
    _, chol, alpha, _ = _lml(gp_log_marginal_likelihood_ref, p)
    got = _posterior(gp_posterior, p, chol, alpha)
    expected = _posterior(gp_posterior_ref, p, chol, alpha)
    scale = 1.0 + np.abs(alpha).sum() * np.exp(p["theta"][-2])
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-7 * scale)


def test_posterior_interpolates_and_gradients_are_derivatives() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((20, 2))
    p = {"x": x, "y": np.cos(3 * x[:, 0]) * x[:, 1], "categorical": np.zeros(2, np.uint8),
         "theta": np.array([-1.0, -0.5, 0.0, -14.0]), "x_new": rng.random((5, 2))}
    _, chol, alpha, _ = _lml(gp_log_marginal_likelihood, p)
    mean, var, _, _ = _posterior(gp_posterior, p, chol, alpha, x_new=x)
    np.testing.assert_allclose(mean, p["y"], atol=1e-5)
    np.testing.assert_array_less(var, 1e-5)
    mean, var, grad_mean, grad_var = _posterior(gp_posterior, p, chol, alpha)
    for j in range(2):
        step = np.zeros(2)
        step[j] = 1e-6
        up = _posterior(gp_posterior, p, chol, alpha, x_new=p["x_new"] + step)
        down = _posterior(gp_posterior, p, chol, alpha, x_new=p["x_new"] - step)
        np.testing.assert_allclose((up[0] - down[0]) / 2e-6, grad_mean[:, j], atol=1e-5)
        np.testing.assert_allclose((up[1] - down[1]) / 2e-6, grad_var[:, j], atol=1e-5)


def test_posterior_without_data_is_the_prior() -> None:
    mean, var = np.empty(3), np.empty(3)
    grad_mean, grad_var = np.ones((3, 2)), np.ones((3, 2))
    theta = np.array([0.0, 0.0, np.log(2.5), 0.0])
    gp_posterior(np.zeros((0, 2)), np.zeros(2, np.uint8), theta, np.zeros((0, 0)), np.zeros(0),
                 np.random.default_rng(0).random((3, 2)), mean, var, grad_mean, grad_var)
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_allclose(var, 2.5)
    np.testing.assert_array_equal(grad_mean, 0.0)
    np.testing.assert_array_equal(grad_var, 0.0)


_Z = st.floats(-1e5, 60.0, allow_nan=False, width=64)


@given(hnp.arrays(np.float64, st.integers(0, 20), elements=_Z),
       st.floats(1e-6, 1e6, width=64), st.floats(-1e3, 1e3, width=64))
def test_log_ei_matches_reference(z: np.ndarray, sigma: float, best: float) -> None:
    mean = best - z * sigma
    var = np.full_like(z, sigma * sigma)
    got = [np.empty_like(z) for _ in range(3)]
    expected = [np.empty_like(z) for _ in range(3)]
    gp_log_ei(mean, var, best, *got)
    gp_log_ei_ref(mean, var, best, *expected)
    z_used = (best - mean) / np.sqrt(var)  # z after rounding of mean
    ok = np.abs(z_used) < 1e5
    np.testing.assert_allclose(got[0][ok], expected[0][ok], rtol=1e-10, atol=1e-12)
    # The twin's derivative exp(log Phi(z) - log h(z)) loses digits as log h grows like z^2.
    near = np.abs(z_used) < 1e3
    for a, b, scale in zip(got[1:], expected[1:], (1.0 / sigma, 1.0 / sigma**2)):
        np.testing.assert_allclose(a[near], b[near], rtol=1e-6, atol=1e-10 * scale)


def test_log_ei_far_tail_is_finite_and_asymptotic() -> None:
    z = np.array([-30.0, -1e3, -1e8, -1e12, -1e150])
    out, grad_mean, grad_var = np.empty(5), np.empty(5), np.empty(5)
    gp_log_ei(-z, np.ones(5), 0.0, out, grad_mean, grad_var)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad_mean))
    # h(z) = phi(z) / z^2 (1 - 3 / z^2 + ...) for z -> -inf.
    asymptote = -0.5 * z**2 - 0.5 * np.log(2 * np.pi) - 2 * np.log(-z) + np.log1p(-3 / z**2)
    np.testing.assert_allclose(out[1:], asymptote[1:], rtol=1e-14)
    np.testing.assert_allclose(out[0], asymptote[0], rtol=1e-6)
    # d log h / dz -> -z, so d out / d mean -> z.
    np.testing.assert_allclose(grad_mean[1:], z[1:], rtol=1e-5)


def test_log_ei_values_and_derivatives() -> None:
    # EI(0, 1) below 0 is phi(0); far above the best, EI is the improvement itself.
    out, grad_mean, grad_var = np.empty(3), np.empty(3), np.empty(3)
    gp_log_ei(np.array([0.0, -50.0, 0.3]), np.array([1.0, 1.0, 0.5]), 0.0, out,
              grad_mean, grad_var)
    np.testing.assert_allclose(out[:2], [np.log(1 / np.sqrt(2 * np.pi)), np.log(50.0)],
                               rtol=1e-14)
    for arg, grad in ((0, grad_mean), (1, grad_var)):
        base = [np.array([0.0, -50.0, 0.3]), np.array([1.0, 1.0, 0.5])]
        up, down = [b.copy() for b in base], [b.copy() for b in base]
        up[arg] += 1e-6
        down[arg] -= 1e-6
        out_up, out_down = np.empty(3), np.empty(3)
        gp_log_ei(up[0], up[1], 0.0, out_up)
        gp_log_ei(down[0], down[1], 0.0, out_down)
        np.testing.assert_allclose((out_up - out_down) / 2e-6, grad, rtol=1e-6, atol=1e-9)


KERNEL_PAIRS = [
    (gp_log_marginal_likelihood, gp_posterior, gp_log_ei, gp_kernel_matrix),
    (gp_log_marginal_likelihood_ref, gp_posterior_ref, gp_log_ei_ref, gp_kernel_matrix_ref),
]


@pytest.mark.parametrize("kernels", KERNEL_PAIRS)
def test_errors(kernels) -> None:
    lml, posterior, log_ei, kernel_matrix = kernels
    x, y, cat = np.zeros((2, 1)), np.zeros(2), np.zeros(1, np.uint8)
    theta, mean, std = np.zeros(3), np.zeros(3), np.ones(3)
    chol, alpha = np.empty((2, 2)), np.empty(2)
    with pytest.raises(ValueError, match=r"gp_log_marginal_likelihood\(n=2, d=1\).*NaN"):
        lml(x, np.array([0.0, np.nan]), cat, theta, mean, std, chol, alpha)
    with pytest.raises(ValueError, match=r"n=2, d=1\): an input value is outside"):
        lml(x, y, cat, theta, mean, np.array([1.0, 0.0, 1.0]), chol, alpha)
    # Two equal points and no noise: K is singular.
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        lml(x, y, cat, np.array([0.0, 0.0, -60.0]), mean, std, chol, alpha)
    with pytest.raises(ValueError, match=r"'theta' must have shape \(3,\)"):
        lml(x, y, cat, np.zeros(2), mean, std, chol, alpha)
    with pytest.raises(ValueError, match=r"'chol' must have shape \(2, 2\)"):
        lml(x, y, cat, theta, mean, std, np.empty((1, 2)), alpha)
    with pytest.raises(ValueError, match=r"gp_posterior\(n=2, m=1, d=1\).*NaN"):
        posterior(x, cat, theta, np.eye(2), y, np.array([[np.nan]]), np.empty(1), np.empty(1))
    with pytest.raises(ValueError, match=r"'x_new' must have shape \(1,\)"):
        posterior(x, cat, theta, np.eye(2), y, np.zeros((1, 2)), np.empty(1), np.empty(1))
    with pytest.raises(ValueError, match=r"gp_log_ei\(m=2\): an input value is outside"):
        log_ei(np.zeros(2), np.array([1.0, 0.0]), 0.0, np.empty(2))
    with pytest.raises(ValueError, match=r"gp_log_ei\(m=1\): an input value is outside"):
        log_ei(np.zeros(1), np.ones(1), np.inf, np.empty(1))
    with pytest.raises(ValueError, match=r"gp_log_ei\(m=1\): an input contains NaN"):
        log_ei(np.zeros(1), np.ones(1), np.nan, np.empty(1))
    with pytest.raises(ValueError, match=r"'out' must have shape \(2, 2\)"):
        kernel_matrix(x, x, cat, theta, np.empty((2, 1)))
    with pytest.raises(ValueError, match=r"gp_kernel_matrix\(n1=2, n2=2, d=1\).*NaN"):
        kernel_matrix(x, x, cat, np.array([0.0, np.nan, 0.0]), np.empty((2, 2)))


def test_binding_rejects_wrong_buffers() -> None:
    x, cat, theta = np.zeros((2, 1)), np.zeros(1, np.uint8), np.zeros(3)
    with pytest.raises(ValueError, match="dtype mismatch"):
        gp_kernel_matrix(x, x, cat.astype(np.int64), theta, np.empty((2, 2)))
    with pytest.raises(ValueError, match="contiguous"):
        gp_kernel_matrix(np.zeros((2, 2))[:, ::2], x, cat, theta, np.empty((2, 2)))
    out = np.empty((2, 2))
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        gp_kernel_matrix(x, x, cat, theta, out)
