"""Tests of the Parzen-estimator kernels against their twins and their definition."""

from dataclasses import dataclass

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from bbopt._kernels import (
    PARZEN_BLOCK,
    PARZEN_MAX_REFS,
    log_ndtr_diff,
    parzen_categorical,
    parzen_log_pdf,
    parzen_log_pdf_univariate,
    parzen_prepare,
    truncnorm_draw,
)
from bbopt._kernels._reference import (
    log_ndtr_diff_ref,
    parzen_categorical_ref,
    parzen_log_pdf_ref,
    parzen_log_pdf_univariate_ref,
    parzen_prepare_ref,
    truncnorm_draw_ref,
)

# Bounds of a numeric dimension: unit, wide raw, tiny raw, log-space of [1e-300, 1e300],
# one-sided huge, negative.
BOUNDS = [
    (0.0, 1.0),
    (-1e300, 1e300),
    (1e-300, 3e-300),
    (float(np.log(1e-300)), float(np.log(1e300))),
    (0.0, 5e299),
    (-7.5, -2.5),
]
# Bandwidth as a fraction of the range: the clip limits of the surrogate (1/100 and 1),
# below and above them, and values in between.
SIGMA_FRACTIONS = st.one_of(
    st.sampled_from([1e-2, 1.0, 1e-4, 3.0]), st.floats(1e-2, 1.0, allow_subnormal=False)
)
# Position inside the range: the bounds, the middle, anything (few values: duplicates).
POSITIONS = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0.0, 1.0))


@dataclass
class Mixture:
    low: np.ndarray  # (n_dims,)
    high: np.ndarray
    step: np.ndarray
    mu: np.ndarray  # (n_dims, n_comp)
    sigma: np.ndarray
    choice: np.ndarray  # (n_cat, n_comp)
    n_choices: np.ndarray  # (n_cat,)
    spread: np.ndarray
    log_weight: np.ndarray  # (n_comp,)
    x: np.ndarray  # (n_x, n_dims)
    x_cat: np.ndarray  # (n_x, n_cat)


def _positions(draw: st.DrawFn, low: float, high: float, step: float, n: int) -> np.ndarray:
    if step > 0.0:
        n_steps = round((high - low) / step)
        idx = draw(st.lists(st.integers(0, n_steps), min_size=n, max_size=n))
        return np.minimum(low + np.array(idx, dtype=float) * step, high)
    u = np.array(draw(st.lists(POSITIONS, min_size=n, max_size=n)), dtype=float)
    return np.clip(low + u * (high - low), low, high)


@st.composite
def mixtures(
    draw: st.DrawFn, max_dims: int = 3, max_cat: int = 2, max_comp: int = 6, max_x: int = 5
) -> Mixture:
    n_dims = draw(st.integers(0, max_dims))
    n_cat = draw(st.integers(0, max_cat))
    n_comp = draw(st.integers(1, max_comp))
    n_x = draw(st.integers(0, max_x))
    low, high, step = np.empty(n_dims), np.empty(n_dims), np.empty(n_dims)
    mu, sigma = np.empty((n_dims, n_comp)), np.empty((n_dims, n_comp))
    x = np.empty((n_x, n_dims))
    for j in range(n_dims):
        low[j], high[j] = draw(st.sampled_from(BOUNDS))
        n_steps = draw(st.sampled_from([0, 1, 2, 7]))  # 1: a step as wide as the range
        step[j] = (high[j] - low[j]) / n_steps if n_steps else 0.0
        mu[j] = _positions(draw, low[j], high[j], step[j], n_comp)
        x[:, j] = _positions(draw, low[j], high[j], step[j], n_x)
        fractions = draw(st.lists(SIGMA_FRACTIONS, min_size=n_comp, max_size=n_comp))
        sigma[j] = np.array(fractions) * (high[j] - low[j])
    n_choices = np.array(draw(st.lists(st.integers(1, 4), min_size=n_cat, max_size=n_cat)), float)
    spread = np.array(
        draw(st.lists(st.sampled_from([0.0, 0.1, 1.0, 1e-3]), min_size=n_cat, max_size=n_cat))
    )
    choice = np.empty((n_cat, n_comp))
    x_cat = np.empty((n_x, n_cat))
    for c in range(n_cat):
        nc = int(n_choices[c])
        choice[c] = draw(st.lists(st.integers(-1, nc - 1), min_size=n_comp, max_size=n_comp))
        x_cat[:, c] = draw(st.lists(st.integers(0, nc - 1), min_size=n_x, max_size=n_x))
    weights = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=n_comp, max_size=n_comp)))
    log_weight = np.log(weights / weights.sum())
    return Mixture(low, high, step, mu, sigma, choice, n_choices, spread, log_weight, x, x_cat)


def _prepare(kernel, m: Mixture) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = m.mu.shape
    inv, norm, total = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape[1], np.nan)
    kernel(m.mu, m.sigma, m.low, m.high, m.step, inv, norm, total)
    return inv, norm, total


def _log_pdf(kernel, m: Mixture, inv: np.ndarray, total: np.ndarray) -> np.ndarray:
    out = np.full(m.x.shape[0], np.nan)
    kernel(m.x, m.x_cat, m.mu, inv, m.step, m.choice, m.n_choices, m.spread,
           m.log_weight + total, out)
    return out


def _mp_log_ndtr_diff(a: float, b: float) -> float:
    """log(Phi(b) - Phi(a)) in 60-digit arithmetic, through upper tails (no cancellation)."""
    width = b - a
    extra = int(-np.log10(width)) if 0.0 < width < 1.0 else 0  # digits lost by the difference
    with mpmath.workdps(60 + extra):
        a_, b_ = mpmath.mpf(a), mpmath.mpf(b)
        if a + b > 0:
            a_, b_ = -b_, -a_
        upper = lambda z: mpmath.erfc(-z / mpmath.sqrt(2)) / 2  # noqa: E731  (Phi(z))
        return float(mpmath.log(upper(b_) - upper(a_)))


# --- log_ndtr_diff -----------------------------------------------------------------------------

ENDS = st.one_of(
    st.floats(-50.0, 50.0),
    st.floats(-1e6, 1e6),
    st.sampled_from([-np.inf, np.inf, 0.0, -0.0, 26.0 * np.sqrt(2.0), 3.0 * np.sqrt(2.0)]),
)


@settings(deadline=None, max_examples=150)
@given(ENDS, ENDS)
def test_log_ndtr_diff_matches_reference(a: float, b: float) -> None:
    a, b = min(a, b), max(a, b)
    if (b - a) * (1.0 + abs(0.5 * a + 0.5 * b)) < 1e-6:
        return  # the twin loses digits on narrow intervals: compared with mpmath below
    out, ref = np.empty(1), np.empty(1)
    log_ndtr_diff(np.array([a]), np.array([b]), out)
    log_ndtr_diff_ref(np.array([a]), np.array([b]), ref)
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=100)
@given(
    st.one_of(st.floats(-40.0, 40.0), st.floats(-2e3, 2e3)),
    st.one_of(st.floats(1e-12, 1e-6), st.floats(1e-6, 1e-2), st.floats(1e-2, 10.0)),
)
def test_log_ndtr_diff_matches_mpmath_in_tails_and_narrow_intervals(a: float, width: float) -> None:
    b = a + width
    if not b > a:
        return
    out = np.empty(1)
    log_ndtr_diff(np.array([a]), np.array([b]), out)
    expected = _mp_log_ndtr_diff(a, b)
    np.testing.assert_allclose(out[0], expected, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize(
    ("a", "b"),
    [(38.0, 39.0), (-39.0, -38.0), (1e3, 1e3 + 1e-9), (-1e4, -1e4 + 1.0), (36.76, 36.77),
     (-1e-10, 1e-10), (0.0, 1e-300), (25.9 * np.sqrt(2), 26.1 * np.sqrt(2)), (5.0, np.inf)],
)
def test_log_ndtr_diff_far_tails(a: float, b: float) -> None:
    out = np.empty(1)
    log_ndtr_diff(np.array([a]), np.array([b]), out)
    assert np.isfinite(out[0])
    np.testing.assert_allclose(out[0], _mp_log_ndtr_diff(a, b), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("kernel", [log_ndtr_diff, log_ndtr_diff_ref])
def test_log_ndtr_diff_edges_and_errors(kernel) -> None:
    out = np.empty(3)
    kernel(np.array([1.0, -np.inf, np.inf]), np.array([1.0, np.inf, np.inf]), out)
    np.testing.assert_array_equal(out, [-np.inf, 0.0, -np.inf])
    with pytest.raises(ValueError, match="domain"):
        kernel(np.array([1.0]), np.array([0.0]), np.empty(1))
    with pytest.raises(ValueError, match="NaN"):
        kernel(np.array([np.nan]), np.array([0.0]), np.empty(1))
    with pytest.raises(ValueError, match="'out'"):
        kernel(np.array([0.0]), np.array([1.0]), np.empty(2))


# --- mixtures: kernel against twin -------------------------------------------------------------


@settings(deadline=None, max_examples=100)
@given(mixtures())
def test_prepare_matches_reference(m: Mixture) -> None:
    for got, ref in zip(_prepare(parzen_prepare, m), _prepare(parzen_prepare_ref, m)):
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=100)
@given(mixtures())
def test_log_pdf_matches_reference(m: Mixture) -> None:
    inv, _, total = _prepare(parzen_prepare, m)
    got = _log_pdf(parzen_log_pdf, m, inv, total)
    ref = _log_pdf(parzen_log_pdf_ref, m, inv, total)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=100)
@given(mixtures(max_cat=0))
def test_log_pdf_univariate_matches_reference(m: Mixture) -> None:
    inv, norm, _ = _prepare(parzen_prepare, m)
    log_const = m.log_weight[None, :] + norm
    outs = []
    for kernel in (parzen_log_pdf_univariate, parzen_log_pdf_univariate_ref):
        out = np.full(m.x.shape, np.nan)
        kernel(m.x, m.mu, inv, m.step, log_const, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-9, atol=1e-9)


@settings(deadline=None, max_examples=100)
@given(mixtures(max_dims=0, max_cat=3))
def test_categorical_matches_reference(m: Mixture) -> None:
    log_weight = np.broadcast_to(m.log_weight, m.choice.shape).copy()
    outs = []
    for kernel in (parzen_categorical, parzen_categorical_ref):
        out = np.full(m.x_cat.shape, np.nan)
        kernel(m.x_cat, m.choice, m.n_choices, m.spread, log_weight, out)
        outs.append(out)
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=25)
@given(mixtures(max_comp=3, max_x=0), st.integers(200, 600), st.integers(30, 70))
def test_blocks_and_strided_views_match_reference(m: Mixture, n_comp: int, n_x: int) -> None:
    """More components and candidates than one block, component arrays as views of buffers."""
    rng = np.random.default_rng(n_comp)
    reps = -(-n_comp // m.mu.shape[1])

    def grow(a: np.ndarray, axis: int) -> np.ndarray:
        return np.repeat(a, reps, axis=axis)[..., :n_comp] if axis else a

    mu, sigma, choice = grow(m.mu, 1), grow(m.sigma, 1), grow(m.choice, 1)
    log_weight = rng.normal(size=n_comp)
    x = m.low + rng.uniform(size=(n_x, m.low.shape[0])) * (m.high - m.low)
    x = np.where(m.step > 0, m.low + np.round((x - m.low) / np.where(m.step > 0, m.step, 1.0))
                 * m.step, x)
    x = np.ascontiguousarray(np.clip(x, m.low, m.high))
    x_cat = np.floor(rng.uniform(size=(n_x, m.n_choices.shape[0])) * m.n_choices)

    def buffer(a: np.ndarray) -> np.ndarray:  # a view with spare capacity
        buf = np.full((a.shape[0], n_comp + 13), np.nan)
        buf[:, :n_comp] = a
        return buf[:, :n_comp]

    mu_v, sigma_v = buffer(mu), buffer(sigma)
    inv_v, norm_v = buffer(np.zeros_like(mu)), buffer(np.zeros_like(mu))
    total = np.empty(n_comp)
    parzen_prepare(mu_v, sigma_v, m.low, m.high, m.step, inv_v, norm_v, total)
    inv_r, norm_r, total_r = np.empty_like(mu), np.empty_like(mu), np.empty(n_comp)
    parzen_prepare_ref(mu, sigma, m.low, m.high, m.step, inv_r, norm_r, total_r)
    np.testing.assert_allclose(norm_v, norm_r, rtol=1e-9, atol=1e-9)
    got, ref = np.empty(n_x), np.empty(n_x)
    parzen_log_pdf(x, x_cat, mu_v, inv_v, m.step, buffer(choice), m.n_choices, m.spread,
                   log_weight + total, got)
    parzen_log_pdf_ref(x, x_cat, mu, inv_r, m.step, choice, m.n_choices, m.spread,
                       log_weight + total_r, ref)
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
    const = log_weight + norm_v
    got_u, ref_u = np.empty(x.shape), np.empty(x.shape)
    parzen_log_pdf_univariate(x, mu_v, inv_v, m.step, buffer(const), got_u)
    parzen_log_pdf_univariate_ref(x, mu, inv_r, m.step, const, ref_u)
    np.testing.assert_allclose(got_u, ref_u, rtol=1e-9, atol=1e-9)


# --- the densities are normalised --------------------------------------------------------------


@settings(deadline=None, max_examples=30)
@given(mixtures(max_dims=1, max_cat=0, max_comp=4, max_x=0).filter(
    lambda m: m.low.shape[0] == 1 and m.step[0] == 0.0))
def test_continuous_density_integrates_to_one(m: Mixture) -> None:
    inv, _, total = _prepare(parzen_prepare, m)
    low, high = m.low[0], m.high[0]
    width = high - low
    out = np.empty(1)

    def density(u: float) -> float:  # in the unit coordinate u, x = low + u * width
        x = np.array([[min(low + u * width, high)]])
        parzen_log_pdf(x, np.zeros((1, 0)), m.mu, inv, m.step, m.choice, m.n_choices, m.spread,
                       m.log_weight + total, out)
        return float(np.exp(out[0])) * width

    centres, scales = (m.mu[0] - low) / width, m.sigma[0] / width
    offsets = np.array([-20.0, -5.0, -1.0, 0.0, 1.0, 5.0, 20.0])[:, None]
    points = np.unique(np.clip(centres + offsets * scales, 0.0, 1.0))
    points = points[(points > 0.0) & (points < 1.0)]  # breakpoints around the narrow kernels
    mass, _ = integrate.quad(density, 0.0, 1.0, points=points, limit=500, epsabs=1e-10)
    assert mass == pytest.approx(1.0, abs=1e-6)


@settings(deadline=None, max_examples=60)
@given(mixtures(max_dims=2, max_cat=2, max_comp=4, max_x=0).filter(
    lambda m: bool(np.all(m.step > 0.0))))
def test_discrete_and_categorical_masses_sum_to_one(m: Mixture) -> None:
    inv, _, total = _prepare(parzen_prepare, m)
    axes = [np.minimum(lo + np.arange(round((hi - lo) / s) + 1) * s, hi)
            for lo, hi, s in zip(m.low, m.high, m.step)]
    axes += [np.arange(n) for n in m.n_choices]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1) if axes else (
        np.zeros((1, 0)))
    n_dims = m.low.shape[0]
    x, x_cat = np.ascontiguousarray(grid[:, :n_dims]), np.ascontiguousarray(grid[:, n_dims:])
    out = np.empty(grid.shape[0])
    parzen_log_pdf(x, x_cat, m.mu, inv, m.step, m.choice, m.n_choices, m.spread,
                   m.log_weight + total, out)
    assert np.exp(out).sum() == pytest.approx(1.0, rel=1e-9)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [parzen_prepare, parzen_prepare_ref])
def test_prepare_errors(kernel) -> None:
    def call(sigma=1.0, low=0.0, high=1.0, step=0.0, n_out=1):
        kernel(np.zeros((1, 1)), np.full((1, 1), sigma), np.array([low]), np.array([high]),
               np.array([step]), np.empty((1, 1)), np.empty((1, 1)), np.empty(n_out))

    call()
    with pytest.raises(ValueError, match="domain"):
        call(sigma=0.0)
    with pytest.raises(ValueError, match="domain"):
        call(low=2.0)
    with pytest.raises(ValueError, match="domain"):
        call(step=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        call(sigma=np.nan)
    with pytest.raises(ValueError, match="comp_log_norm"):
        call(n_out=2)


@pytest.mark.parametrize("kernel", [parzen_log_pdf, parzen_log_pdf_ref])
def test_log_pdf_errors_and_empty_mixture(kernel) -> None:
    def call(x=0.5, x_cat=0.0, step=0.0, n_choices=2.0, spread=0.5, n_comp=1, n_out=1):
        out = np.empty(n_out)
        kernel(np.array([[x]]), np.array([[x_cat]]), np.zeros((1, n_comp)),
               np.ones((1, n_comp)), np.array([step]), np.zeros((1, n_comp)),
               np.array([n_choices]), np.array([spread]), np.zeros(n_comp), out)
        return out

    assert call(n_comp=0)[0] == -np.inf
    with pytest.raises(ValueError, match="NaN"):
        call(x=np.nan)
    with pytest.raises(ValueError, match="NaN"):
        call(x_cat=np.nan)
    with pytest.raises(ValueError, match="domain"):
        call(step=-0.5)
    with pytest.raises(ValueError, match="domain"):
        call(n_choices=0.0)
    with pytest.raises(ValueError, match="domain"):
        call(spread=-1.0)
    with pytest.raises(ValueError, match="'out'"):
        call(n_out=2)


def test_mismatched_row_strides_are_rejected() -> None:
    mu = np.zeros((2, 5))[:, :3]
    inv = np.ones((2, 3))
    with pytest.raises(ValueError, match="row stride"):
        parzen_log_pdf(np.zeros((1, 2)), np.zeros((1, 0)), mu, inv, np.zeros(2),
                       np.zeros((0, 3)), np.zeros(0), np.zeros(0), np.zeros(3), np.empty(1))


@pytest.mark.parametrize("kernel", [parzen_log_pdf_univariate, parzen_log_pdf_univariate_ref])
def test_univariate_errors(kernel) -> None:
    with pytest.raises(ValueError, match="NaN"):
        kernel(np.full((1, 1), np.nan), np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1),
               np.zeros((1, 1)), np.empty((1, 1)))
    with pytest.raises(ValueError, match="'out'"):
        kernel(np.zeros((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1),
               np.zeros((1, 1)), np.empty((2, 1)))


@pytest.mark.parametrize("kernel", [parzen_categorical, parzen_categorical_ref])
def test_categorical_errors_and_normalisation(kernel) -> None:
    x_cat = np.arange(5.0)[:, None]
    out = np.empty((5, 1))
    kernel(x_cat, np.array([[2.0, -1.0, 4.0]]), np.array([5.0]), np.array([0.3]),
           np.log(np.array([[0.5, 0.25, 0.25]])), out)
    assert np.exp(out).sum() == pytest.approx(1.0, rel=1e-12)
    with pytest.raises(ValueError, match="domain"):
        kernel(x_cat, np.zeros((1, 1)), np.array([0.0]), np.array([0.3]), np.zeros((1, 1)), out)
    with pytest.raises(ValueError, match="NaN"):
        kernel(x_cat * np.nan, np.zeros((1, 1)), np.array([5.0]), np.array([0.3]),
               np.zeros((1, 1)), out)


@settings(deadline=None, max_examples=100)
@given(mixtures(max_dims=6), st.integers(1, 300))
def test_shared_bandwidth_matches_per_component_bandwidths(m: Mixture, n_rep: int) -> None:
    """inv_sigma of shape (n_dims, 1) is one bandwidth per dimension for every component."""
    reps = max(1, n_rep // m.mu.shape[1])
    mu = np.ascontiguousarray(np.repeat(m.mu, reps, axis=1))
    choice = np.ascontiguousarray(np.repeat(m.choice, reps, axis=1))
    n_comp = mu.shape[1]
    sigma = np.ascontiguousarray(np.broadcast_to(m.sigma[:, :1], mu.shape))
    inv, norm, total = np.empty_like(mu), np.empty_like(mu), np.empty(n_comp)
    parzen_prepare(mu, sigma, m.low, m.high, m.step, inv, norm, total)
    shared = np.ascontiguousarray(inv[:, :1])
    log_const = np.log(np.full(n_comp, 1.0 / n_comp)) + total
    outs = []
    for kernel, inv_arg in ((parzen_log_pdf, inv), (parzen_log_pdf, shared),
                            (parzen_log_pdf_ref, shared)):
        out = np.full(m.x.shape[0], np.nan)
        kernel(m.x, m.x_cat, mu, inv_arg, m.step, choice, m.n_choices, m.spread, log_const, out)
        outs.append(out)
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[2], outs[0], rtol=1e-9, atol=1e-9)
    const_u = np.ascontiguousarray(np.log(1.0 / n_comp) + norm)
    outs = []
    for kernel, inv_arg in ((parzen_log_pdf_univariate, inv), (parzen_log_pdf_univariate, shared),
                            (parzen_log_pdf_univariate_ref, shared)):
        out = np.full(m.x.shape, np.nan)
        kernel(m.x, mu, inv_arg, m.step, const_u, out)
        outs.append(out)
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[2], outs[0], rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("n_dims", [9, 20, 37])
def test_pruned_blocks_do_not_change_the_density(shared: bool, n_dims: int) -> None:
    """Blocks of far components are skipped after a prefix of the dimensions (csrc/parzen.c,
    PRUNE_NATS); the result still matches the twin, which evaluates every term."""
    rng = np.random.default_rng(n_dims)
    n_comp = 3000
    low, high = np.zeros(n_dims), np.ones(n_dims)
    step = np.where(np.arange(n_dims) % 5 == 4, 0.125, 0.0)  # some discrete dimensions
    mu = rng.random((n_dims, n_comp))
    mu[step > 0] = np.round(mu[step > 0] * 8.0) / 8.0
    near = rng.random((n_dims, 50)) * 0.02 + 0.49  # a cluster near the candidates, first:
    near[step > 0] = 0.5  # it raises the running maximum, so later far blocks are pruned
    mu[:, :50] = near
    mu = np.ascontiguousarray(mu)
    sigma = np.full((n_dims, n_comp), 0.01)
    inv, norm, total = np.empty_like(mu), np.empty_like(mu), np.empty(n_comp)
    parzen_prepare(mu, sigma, low, high, step, inv, norm, total)
    x = np.where(step > 0, 0.5, 0.5 + 0.01 * rng.standard_normal((40, n_dims)))
    x = np.ascontiguousarray(x)
    x_cat = np.zeros((40, 1))
    choice = rng.integers(-1, 3, (1, n_comp)).astype(float)
    log_const = np.log(np.full(n_comp, 1.0 / n_comp)) + total
    inv_arg = np.ascontiguousarray(inv[:, :1]) if shared else inv
    got, ref = np.empty(40), np.empty(40)
    args = (x, x_cat, mu, inv_arg, step, choice, np.array([3.0]), np.array([0.2]), log_const)
    parzen_log_pdf(*args, got)
    parzen_log_pdf_ref(*args, ref)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=40)
@given(st.integers(9, 40), st.floats(-50.0, 200.0), st.booleans())
def test_log_floor_prunes_only_negligible_blocks(n_dims: int, offset: float, shared: bool) -> None:
    """With a floor (densities the caller adds), logaddexp(floor, out) keeps its value."""
    rng = np.random.default_rng(n_dims)
    n_comp = 1500
    mu = rng.random((n_dims, n_comp))
    sigma = np.full((n_dims, n_comp), 0.01)
    low, high, step = np.zeros(n_dims), np.ones(n_dims), np.zeros(n_dims)
    inv, norm, total = np.empty_like(mu), np.empty_like(mu), np.empty(n_comp)
    parzen_prepare(mu, sigma, low, high, step, inv, norm, total)
    x = np.ascontiguousarray(np.concatenate([mu[:, :3].T, rng.random((5, n_dims))]))
    log_const = np.log(np.full(n_comp, 1.0 / n_comp)) + total
    inv_arg = np.ascontiguousarray(inv[:, :1]) if shared else inv
    args = (x, np.zeros((8, 0)), mu, inv_arg, step, np.zeros((0, n_comp)), np.zeros(0),
            np.zeros(0), log_const)
    ref = np.empty(8)
    parzen_log_pdf_ref(*args, ref)
    floor = ref + offset  # from below the density to far above it
    got = np.empty(8)
    parzen_log_pdf(*args, got, floor)
    np.testing.assert_allclose(np.logaddexp(floor, got), np.logaddexp(floor, ref),
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="log_floor"):
        parzen_log_pdf(*args, got, floor[:3])
    with pytest.raises(ValueError, match="NaN"):
        parzen_log_pdf(*args, got, floor * np.nan)


@pytest.mark.parametrize("kernel", [parzen_log_pdf, parzen_log_pdf_ref])
def test_single_component_column_of_a_buffer(kernel) -> None:
    """One component whose arrays are a column of wider buffers (row stride > 1 double)."""
    mu = np.full((3, 5), 0.5)[:, :1]
    inv = np.full((3, 5), 2.0)[:, :1]
    out = np.empty(2)
    kernel(np.full((2, 3), 0.5), np.zeros((2, 0)), mu, inv, np.zeros(3), np.zeros((0, 1)),
           np.zeros(0), np.zeros(0), np.zeros(1), out)
    np.testing.assert_allclose(out, 0.0)


@st.composite
def boxed_mixtures(draw: st.DrawFn) -> tuple:
    """A shared-bandwidth mixture over whole blocks, with valid boxes on drawn dimensions."""
    # 131: above the kernel's limit for transposing the candidates (128 dimensions).
    n_dims = draw(st.one_of(st.integers(1, 12), st.just(131)))
    n_blocks = draw(st.integers(1, 5))
    n_comp = n_blocks * PARZEN_BLOCK + draw(st.integers(0, PARZEN_BLOCK - 1))
    low, high = draw(st.sampled_from(BOUNDS))
    width = high - low
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # Clustered or spread centres; duplicates when the cluster is a point.
    spread = draw(st.sampled_from([0.0, 1e-3, 0.05, 1.0]))
    centre = rng.random((n_dims, 1))
    u = np.clip(centre + spread * (rng.random((n_dims, n_comp)) - 0.5), 0.0, 1.0)
    step = np.where(rng.random(n_dims) < 0.25, width / 8.0, 0.0)
    u = np.where(step[:, None] > 0, np.round(u * 8.0) / 8.0, u)
    mu = np.ascontiguousarray(np.clip(low + u * width, low, high))
    sigma = np.full(n_dims, draw(st.sampled_from([1e-2, 3e-2, 0.2])) * width)
    inv = np.ascontiguousarray(1.0 / sigma[:, None])
    n_box_dims = draw(st.integers(0, n_dims))
    blocks = mu[:, : n_blocks * PARZEN_BLOCK].reshape(n_dims, n_blocks, PARZEN_BLOCK)
    dims = np.array([rng.permutation(n_dims)[:n_box_dims] for _ in range(n_blocks)],
                    dtype=np.intp).reshape(n_blocks, n_box_dims)
    rows = np.arange(n_blocks)[:, None]
    box_lo = np.ascontiguousarray(blocks.min(axis=2).T[rows, dims])
    box_hi = np.ascontiguousarray(blocks.max(axis=2).T[rows, dims])
    # Shells around reference points anywhere in the box: scaled distances, steps left out.
    refs = np.clip(low + rng.random((draw(st.integers(1, 3)), n_dims)) * width, low, high)
    box_ref = rng.integers(0, refs.shape[0], n_blocks).astype(np.intp)
    scale = np.where(step > 0, 0.0, inv[:, 0])
    centred = blocks - refs[box_ref].T[:, :, None]  # (n_dims, n_blocks, PARZEN_BLOCK)
    radii = np.sqrt(((centred * scale[:, None, None]) ** 2).sum(0))
    box_radius = np.stack([radii.min(axis=1) * (1 - 1e-12), radii.max(axis=1) * (1 + 1e-12)], 1)
    n_x = draw(st.integers(1, 40))
    x = np.clip(low + rng.random((n_x, n_dims)) * width, low, high)
    x[: n_x // 2] = mu[:, rng.integers(0, n_comp, n_x // 2)].T  # some on components
    log_const = np.log(rng.random(n_comp) + 0.01)
    log_const[rng.random(n_comp) < 0.1] = -np.inf  # components of weight 0
    args = (np.ascontiguousarray(x), np.zeros((n_x, 0)), mu, inv, step, np.zeros((0, n_comp)),
            np.zeros(0), np.zeros(0), log_const)
    index = (dims, box_lo, box_hi, np.ascontiguousarray(box_radius), refs, box_ref)
    return args, index, draw(st.sampled_from([None, -50.0, 0.0, 30.0, 300.0]))


@settings(deadline=None, max_examples=80)
@given(boxed_mixtures())
def test_boxes_skip_only_negligible_blocks(problem) -> None:
    """Blocks skipped through their boxes or shells change the density (plus the floor's) by
    a factor at most 1 + n_comp * exp(-64): it matches the twin, which evaluates every term."""
    args, boxes, offset = problem
    n_x = args[0].shape[0]
    ref, got = np.empty(n_x), np.empty(n_x)
    parzen_log_pdf_ref(*args, ref, None, *boxes)
    floor = None if offset is None else ref + offset
    parzen_log_pdf(*args, got, floor, *boxes)
    if floor is not None:
        got, ref = np.logaddexp(floor, got), np.logaddexp(floor, ref)
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel", [parzen_log_pdf, parzen_log_pdf_ref])
def test_box_errors(kernel) -> None:
    n_comp = PARZEN_BLOCK + 3
    mu = np.zeros((2, n_comp))
    args = (np.zeros((1, 2)), np.zeros((1, 0)), mu, np.ones((2, 1)), np.zeros(2),
            np.zeros((0, n_comp)), np.zeros(0), np.zeros(0), np.zeros(n_comp))
    out = np.empty(1)
    dims, lo, hi = np.zeros((1, 1), dtype=np.intp), np.zeros((1, 1)), np.zeros((1, 1))
    radius, refs, ref = np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1, dtype=np.intp)
    with pytest.raises(ValueError, match="box_dim"):
        kernel(*args, out, None, dims, lo, None, radius, refs, ref)
    with pytest.raises(ValueError, match="box_hi"):
        kernel(*args, out, None, dims, lo, np.zeros((2, 1)), radius, refs, ref)
    with pytest.raises(ValueError, match="box_radius"):
        kernel(*args, out, None, dims, lo, hi, np.zeros((1, 3)), refs, ref)
    with pytest.raises(ValueError, match="refs"):
        kernel(*args, out, None, dims, lo, hi, radius, np.zeros((1, 3)), ref)
    with pytest.raises(ValueError, match="refs"):
        kernel(*args, out, None, dims, lo, hi, radius, np.zeros((PARZEN_MAX_REFS + 1, 2)), ref)
    with pytest.raises(ValueError, match="box_ref"):
        kernel(*args, out, None, dims, lo, hi, radius, refs, ref + 1)
    with pytest.raises(ValueError, match="2 boxed blocks"):
        kernel(*args, out, None, np.zeros((2, 1), dtype=np.intp), np.zeros((2, 1)),
               np.zeros((2, 1)), np.zeros((2, 2)), refs, np.zeros(2, dtype=np.intp))
    per_comp = (*args[:3], np.ones((2, n_comp)), *args[4:])
    with pytest.raises(ValueError, match="shared"):
        kernel(*per_comp, out, None, dims, lo, hi, radius, refs, ref)
    with pytest.raises(ValueError, match="box_dim"):
        kernel(*args, out, None, dims + 2, lo, hi, radius, refs, ref)
    for bad in ((lo * np.nan, hi, radius, refs), (lo, hi, radius * np.nan, refs),
                (lo, hi, radius, refs * np.nan)):
        with pytest.raises(ValueError, match="NaN"):
            kernel(*args, out, None, dims, *bad, ref)
    kernel(*args, out, None, dims, lo, hi, radius, refs, ref)
    assert np.isfinite(out).all()


def test_box_on_a_grid_dimension_counts_half_a_step_less() -> None:
    """A narrow kernel one step away still has the mass of the step-wide interval around the
    candidate (about Phi(-10) here): the box may only count half a step less than the gap."""
    n_comp = PARZEN_BLOCK
    mu = np.ones((1, n_comp))  # every centre on the grid point 1
    step, inv = np.ones(1), np.full((1, 1), 20.0)  # bandwidth: a twentieth of the step
    args = (np.zeros((1, 1)), np.zeros((1, 0)), mu, inv, step, np.zeros((0, n_comp)),
            np.zeros(0), np.zeros(0), np.zeros(n_comp))
    index = (np.zeros((1, 1), dtype=np.intp), np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 2)),
             np.zeros((1, 1)), np.zeros(1, dtype=np.intp))
    ref, got = np.empty(1), np.empty(1)
    parzen_log_pdf_ref(*args, ref)
    assert -60.0 < ref[0] - np.log(n_comp) < -50.0
    parzen_log_pdf(*args, got, ref, *index)  # the floor: the density itself
    np.testing.assert_allclose(np.logaddexp(ref, got), ref + np.log(2.0), rtol=1e-12)


# --- truncnorm_draw ----------------------------------------------------------------------------


@settings(deadline=None, max_examples=200)
@given(
    st.sampled_from(BOUNDS),
    POSITIONS,
    SIGMA_FRACTIONS,
    st.one_of(st.sampled_from([0.0, 0.5, 1e-300, 1.0 - 2.0**-53]), st.floats(0.0, 1.0,
                                                                                exclude_max=True)),
)
def test_truncnorm_draw_matches_reference(bounds, position, fraction, u) -> None:
    lo, hi = bounds
    width = hi - lo
    mu = lo + position * width
    sigma = fraction * width
    args = [np.array([v]) for v in (mu, sigma, lo, hi, u)]
    out, ref = np.empty(1), np.empty(1)
    truncnorm_draw(*args, out)
    truncnorm_draw_ref(*args, ref)
    assert lo <= out[0] <= hi
    # Where p = Phi(z) is near 1, an ulp of p (p_lo and p_hi differ in their last bits)
    # moves z by about 1e-16 / phi(z): compare on that scale.
    z = (ref[0] - mu) / sigma
    pdf = float(np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi))
    tolerance = sigma * (1e-9 + 1e-15 / max(pdf, 1e-300))
    np.testing.assert_allclose(out, ref, rtol=1e-9, atol=tolerance)


def test_truncnorm_draw_is_the_truncated_normal() -> None:
    # Draws on a regular grid of u give the quantiles of the truncated normal (scipy's).
    from scipy import stats

    u = (np.arange(1000) + 0.5) / 1000
    n = u.size
    mu, sigma, lo, hi = np.full(n, 0.3), np.full(n, 0.5), np.full(n, -0.5), np.full(n, 2.0)
    out = np.empty(n)
    truncnorm_draw(mu, sigma, lo, hi, u, out)
    expected = stats.truncnorm.ppf(u, (lo - mu) / sigma, (hi - mu) / sigma, mu, sigma)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    # One observation, duplicates and the far tail (p near 1e-300).
    truncnorm_draw(np.zeros(3), np.ones(3), np.full(3, -40.0), np.zeros(3),
                   np.array([1e-300, 1e-300, 0.5]), out[:3])
    assert out[0] == out[1] and -40.0 <= out[0] < -30.0 and -1.0 < out[2] < 0.0


@pytest.mark.parametrize(("field", "value", "match"), [
    ("sigma", 0.0, "domain"), ("lo", 2.0, "domain"), ("u", 1.0, "domain"), ("mu", np.inf, "domain"),
    ("mu", np.nan, "NaN"), ("u", np.nan, "NaN"),
])
def test_truncnorm_draw_rejects_bad_inputs(field: str, value: float, match: str) -> None:
    args = {"mu": 0.0, "sigma": 1.0, "lo": -1.0, "hi": 1.0, "u": 0.5}
    args[field] = value
    arrays = [np.array([args[k]]) for k in ("mu", "sigma", "lo", "hi", "u")]
    for kernel in (truncnorm_draw, truncnorm_draw_ref):
        with pytest.raises(ValueError, match=match):
            kernel(*arrays, np.empty(1))
    with pytest.raises(ValueError, match="'u' must have 1 elements"):
        truncnorm_draw(*arrays[:4], np.empty(2), np.empty(1))
