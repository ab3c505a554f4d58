"""Tests of the Gaussian-process surrogate (bbopt/surrogates/_gp.py)."""

import numpy as np
import pytest
from scipy import linalg

from bbopt._kernels import gp_kernel_matrix
from bbopt.surrogates import GaussianProcess, default_prior


def _data(n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, d))
    return x, np.sin(5 * x[:, 0]) + (x[:, 1:] ** 2).sum(axis=1)


def test_fit_predicts_held_out_points() -> None:
    x, y = _data(60, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x[:50], y[:50])
    mean, var, _, _ = gp.posterior(x[50:])
    np.testing.assert_allclose(gp.unstandardise(mean), y[50:], atol=0.05)
    assert np.all(var >= 0.0)


def test_fit_increases_the_posterior_density() -> None:
    x, y = _data(30, 3)
    gp = GaussianProcess(np.zeros(3, dtype=bool))
    gp.set_data(x, y)
    before = -gp._neg_log_posterior(gp.theta)[0]
    gp.fit(x, y)
    after = -gp._neg_log_posterior(gp.theta)[0]
    assert after > before
    # A second fit from there (warm start) changes little and needs few evaluations.
    n_eval = gp.n_fit_evaluations
    gp.fit(x, y, max_iter=50, restart=False)
    assert -gp._neg_log_posterior(gp.theta)[0] >= after - 1e-6
    assert gp.n_fit_evaluations - n_eval < 30


def test_append_matches_a_full_factorisation() -> None:
    x, y = _data(40, 3)
    gp = GaussianProcess(np.array([False, False, True]))
    x[:, 2] = np.round(x[:, 2] * 3)
    gp.fit(x[:30], y[:30])
    gp.append(x[30:35], y[30:35])
    gp.append(x[35:], y[35:])
    full = GaussianProcess(np.array([False, False, True]))
    full.theta = gp.theta.copy()
    full.set_data(x, y)
    np.testing.assert_allclose(gp.chol, full.chol, atol=1e-9)
    np.testing.assert_allclose(gp.alpha, full.alpha, rtol=1e-6, atol=1e-8)
    probe = np.random.default_rng(1).random((5, 3))
    np.testing.assert_allclose(gp.posterior(probe)[0], full.posterior(probe)[0], atol=1e-8)


def test_fantasised_points_keep_the_mean_and_lose_their_variance() -> None:
    x, y = _data(20, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x, y)
    pending = np.array([[0.5, 0.5], [0.1, 0.9]])
    mean, var, _, _ = gp.posterior(pending)
    believer = gp.fantasised(pending)
    mean_after, var_after, _, _ = believer.posterior(pending)
    np.testing.assert_allclose(mean_after, mean, atol=1e-4)
    assert np.all(var_after <= 2 * believer.noise_used)  # as if observed
    assert np.all(var_after < var)
    assert gp.n == 20 and believer.n == 22  # the original is unchanged


def test_log_ei_gradient_is_the_derivative() -> None:
    x, y = _data(25, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x, y)
    probe = np.random.default_rng(2).random((4, 2))
    value, grad = gp.log_ei(probe, grad=True)
    assert grad is not None
    for j in range(2):
        step = np.zeros(2)
        step[j] = 1e-6
        up = gp.log_ei(probe + step)[0]
        down = gp.log_ei(probe - step)[0]
        np.testing.assert_allclose((up - down) / 2e-6, grad[:, j], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "y",
    [
        np.full(12, 3.0),  # constant
        np.linspace(0, 1, 12) * 1e-12,  # tiny scale
        np.linspace(0, 1, 12) * 1e12 + 1e13,  # huge scale and offset
        np.linspace(-1, 1, 12) * 1e300,  # near overflow
    ],
    ids=["constant", "1e-12", "1e12", "1e300"],
)
def test_extreme_outputs_give_finite_predictions(y: np.ndarray) -> None:
    x, _ = _data(12, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x, y)
    value, grad = gp.log_ei(np.random.default_rng(3).random((8, 2)), grad=True)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    mean = gp.unstandardise(gp.posterior(x)[0])
    assert np.all(np.isfinite(mean))


def test_duplicates_and_no_noise_are_made_positive_definite() -> None:
    # 10 copies of 2 points and a noise-free model: K is singular without jitter.
    x = np.repeat(np.array([[0.2, 0.3], [0.7, 0.1]]), 10, axis=0)
    y = np.repeat([1.0, 2.0], 10)
    gp = GaussianProcess(np.zeros(2, dtype=bool), noise_floor=0.0, fixed_noise=True)
    gp.fit(x, y)
    assert gp.noise_used > 0.0
    value, grad = gp.log_ei(np.array([[0.5, 0.5]]), grad=True)
    assert np.isfinite(value[0]) and np.all(np.isfinite(grad))
    gp.append(x[:3], y[:3])  # more duplicates, through the incremental path
    assert np.all(np.isfinite(gp.posterior(np.array([[0.2, 0.3]]))[0]))


def test_one_observation_and_a_constant_dimension() -> None:
    gp = GaussianProcess(np.zeros(3, dtype=bool))
    gp.fit(np.array([[0.5, 0.5, 0.5]]), np.array([7.0]))
    x = np.random.default_rng(4).random((6, 3))
    x[:, 1] = 0.5
    gp.fit(x, x[:, 0])
    value, _ = gp.log_ei(np.random.default_rng(5).random((5, 3)))
    assert np.all(np.isfinite(value))


def test_fixed_noise_stays_at_the_floor() -> None:
    x, y = _data(15, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool), noise_floor=1e-4, fixed_noise=True)
    gp.fit(x, y)
    assert gp.theta[-1] == pytest.approx(np.log(1e-4))


def test_default_prior() -> None:
    prior = default_prior(np.zeros(3, dtype=bool), 1e-2)
    np.testing.assert_allclose(prior.mean, [0.0, 0.0, 0.0, 0.0, np.log(1e-2)])
    assert np.all(prior.std > 0)


def test_chol_is_the_factor_of_the_kernel_matrix() -> None:
    x, y = _data(10, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x, y)
    k = np.empty((10, 10))
    gp_kernel_matrix(x, x, gp.categorical, gp.theta, k)
    k[np.diag_indices(10)] += gp.noise_used
    np.testing.assert_allclose(gp.chol @ gp.chol.T, k, atol=1e-10)
    np.testing.assert_allclose(gp.alpha, linalg.solve(k, gp.y), rtol=1e-6, atol=1e-8)


def test_hyperparameters_fitted_to_a_subset_condition_on_all_points() -> None:
    x, y = _data(40, 2)
    gp = GaussianProcess(np.zeros(2, dtype=bool))
    gp.fit(x, y, max_fit_points=15)
    assert gp.n == 40 and gp.chol.shape == (40, 40)
    subset = GaussianProcess(np.zeros(2, dtype=bool))
    rows = np.unique(np.linspace(0, 39, 15).round().astype(int))
    subset.fit(x[rows], y[rows])
    # Same data for the fit (standardised over all 40 points vs. over the 15: close optima).
    np.testing.assert_allclose(gp.theta[:2], subset.theta[:2], atol=0.5)
    np.testing.assert_allclose(gp.posterior(x)[0], gp.y, atol=0.05)


@pytest.mark.parametrize("d", [1, 5, 100])
def test_thompson_cross_covariance_matches_the_kernel(d: int) -> None:
    # The Thompson sample's covariances come from a matrix product of embedded points;
    # they must be the compiled kernel's, categorical mismatches and duplicates included.
    from bbopt.surrogates._gp import _embed, _matern_cross

    rng = np.random.default_rng(d)
    categorical = np.zeros(d, dtype=bool)
    categorical[1::3] = True
    n_choices = np.where(categorical, 4.0, 0.0)
    x1, x2 = rng.random((40, d)), rng.random((25, d))
    x1[:, categorical] = rng.integers(0, 4, (40, int(categorical.sum())))
    x2[:, categorical] = rng.integers(0, 4, (25, int(categorical.sum())))
    x2[0] = x1[3]
    theta = np.concatenate([rng.normal(-1.0, 1.0, d), [0.4, -6.0]])
    expected = np.empty((40, 25))
    gp_kernel_matrix(x1, x2, categorical.astype(np.uint8), theta, expected)
    inv_scale = np.exp(-theta[:d])
    got = _matern_cross(_embed(x1, categorical, n_choices, inv_scale),
                        _embed(x2, categorical, n_choices, inv_scale), float(np.exp(theta[d])))
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=1e-10)
    assert got[3, 0] == pytest.approx(np.exp(0.4), rel=1e-9)  # a duplicate: the signal
