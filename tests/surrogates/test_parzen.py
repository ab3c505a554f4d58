"""Tests of the Parzen estimator surrogate (bbopt.surrogates._parzen)."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from bbopt.surrogates import ParzenEstimator, ParzenSpace, scott_bandwidth

BOXES = [
    (0.0, 1.0, 0.0),
    (-5.0, 10.0, 0.0),
    (0.0, 10.0, 1.0),  # an int range
    (0.0, 1.0, 1.0),  # a step as wide as the range
    (float(np.log(1e-300)), float(np.log(1e300)), 0.0),  # log-space coordinates
    (-1e300, 1e300, 0.0),
    (1e-300, 5e-300, 1e-300),
]


@st.composite
def estimators(draw: st.DrawFn, max_dims: int = 3, max_cat: int = 2):
    n_dims = draw(st.integers(0, max_dims))
    n_cat = draw(st.integers(0, max_cat))
    boxes = [draw(st.sampled_from(BOXES)) for _ in range(n_dims)]
    space = ParzenSpace(
        np.array([b[0] for b in boxes]), np.array([b[1] for b in boxes]),
        np.array([b[2] for b in boxes]),
        np.array(draw(st.lists(st.integers(1, 5), min_size=n_cat, max_size=n_cat)), float),
    )
    n = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = space.low + rng.random((n, n_dims)) * (space.high - space.low)
    x = np.where(space.discrete, space.low + np.round(
        (x - space.low) / np.where(space.discrete, space.step, 1.0)) * space.step, x)
    x = np.clip(x, space.low, space.high)
    if draw(st.booleans()) and n > 1:
        x[1:] = x[0]  # duplicates
    x_cat = np.floor(rng.random((n, n_cat)) * space.n_choices)
    weights = rng.random(n) + 0.01
    prior_weight = draw(st.sampled_from([1.0, 0.5, 3.0]))
    return space, x, x_cat, weights, prior_weight


def _fresh(space, x, x_cat, sigma, prior_weight):
    est = ParzenEstimator(space, prior_weight, capacity=1)
    est.append(x, x_cat, sigma)
    return est


@settings(deadline=None, max_examples=60)
@given(estimators(), st.data())
def test_incremental_updates_match_a_fresh_estimator(problem, data) -> None:
    space, x, x_cat, weights, prior_weight = problem
    n = x.shape[0]
    sigma = scott_bandwidth(space, n, space.n_dims + space.n_cat)
    est = ParzenEstimator(space, prior_weight, capacity=2)
    # Append in pieces, with extra components that are removed again.
    extra = np.ascontiguousarray(x[::-1])
    est.append(extra, np.ascontiguousarray(x_cat[::-1]), sigma, tags=np.arange(100, 100 + n))
    cut = data.draw(st.integers(0, n))
    est.append(x[:cut], x_cat[:cut], sigma, tags=np.arange(cut))
    est.append(x[cut:], x_cat[cut:], sigma, tags=np.arange(cut, n))
    est.remove_tags(np.arange(100, 100 + n))
    order = np.argsort(est.tags[1:])
    np.testing.assert_array_equal(est.tags[1:][order], np.arange(n))
    fresh = _fresh(space, x, x_cat, sigma, prior_weight)
    cand_x, cand_c = fresh.sample(np.random.default_rng(0), 7, fresh.log_weights(weights))
    w_est = np.empty(n)
    w_est[order] = weights
    got = est.log_pdf(cand_x, cand_c, est.log_weights(w_est))
    ref = fresh.log_pdf(cand_x, cand_c, fresh.log_weights(weights))
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)
    # Temporary components are dropped by truncate.
    n_comp = est.n_comp
    est.append(x[:1], x_cat[:1], sigma)
    est.truncate(n_comp)
    got2 = est.log_pdf(cand_x, cand_c, est.log_weights(w_est))
    np.testing.assert_allclose(got2, ref, rtol=1e-10, atol=1e-10)
    # A new shared bandwidth gives the same result as a fresh fit with it.
    sigma2 = 2.0 * sigma
    est.set_shared_sigma(np.minimum(sigma2, space.width))
    fresh2 = _fresh(space, x, x_cat, np.minimum(sigma2, space.width), prior_weight)
    np.testing.assert_allclose(
        est.log_pdf(cand_x, cand_c, est.log_weights(w_est)),
        fresh2.log_pdf(cand_x, cand_c, fresh2.log_weights(weights)),
        rtol=1e-10, atol=1e-10,
    )


@settings(deadline=None, max_examples=60)
@given(estimators())
def test_samples_are_valid_points(problem) -> None:
    space, x, x_cat, weights, prior_weight = problem
    est = _fresh(space, x, x_cat, scott_bandwidth(space, x.shape[0], 3), prior_weight)
    for joint in (True, False):
        xs, cs = est.sample(np.random.default_rng(1), 50, est.log_weights(weights), joint=joint)
        assert xs.shape == (50, space.n_dims) and cs.shape == (50, space.n_cat)
        assert np.all((xs >= space.low) & (xs <= space.high))
        on_grid = (xs - space.low) / np.where(space.discrete, space.step, 1.0)
        assert np.allclose(np.where(space.discrete, on_grid - np.round(on_grid), 0.0), 0.0,
                           atol=1e-6)
        assert np.all((cs >= 0) & (cs < space.n_choices) & (cs == np.floor(cs)))
        # Every sample has a finite density.
        assert np.all(np.isfinite(est.log_pdf(xs, cs, est.log_weights(weights))))


def test_samples_follow_the_density() -> None:
    space = ParzenSpace(np.array([-5.0, 0.0]), np.array([10.0, 4.0]), np.array([0.0, 1.0]),
                        np.array([3.0]))
    x = np.array([[1.0, 0.0], [2.0, 4.0], [8.0, 2.0]])
    x_cat = np.array([[0.0], [2.0], [2.0]])
    est = _fresh(space, x, x_cat, np.array([0.7, 1.5]), 1.0)
    log_w = est.log_weights(np.array([1.0, 0.5, 2.0]))
    rng = np.random.default_rng(0)
    n = 100_000
    xs, cs = est.sample(rng, n, log_w)
    # Continuous marginal: compare with the density integrated over bins (marginalise the
    # other dimensions by evaluating the univariate densities).
    edges = np.linspace(-5.0, 10.0, 16)
    counts, _ = np.histogram(xs[:, 0], bins=edges)

    def marginal(t: float) -> float:
        out, _ = est.log_pdf_univariate(np.array([[t, 0.0]]), np.zeros((1, 1)), log_w)
        return float(np.exp(out[0, 0]))

    expected = np.array([integrate.quad(marginal, a, b)[0] for a, b in zip(edges, edges[1:])])
    assert expected.sum() == pytest.approx(1.0, abs=1e-8)
    assert stats.chisquare(counts, expected * n).pvalue > 1e-4
    # Discrete and categorical marginals.
    grid = np.array([[0.0, v] for v in range(5)])
    lp, _ = est.log_pdf_univariate(grid, np.zeros((5, 1)), log_w)
    probs = np.exp(lp[:, 1])
    assert probs.sum() == pytest.approx(1.0, rel=1e-10)
    counts = np.bincount(xs[:, 1].astype(int), minlength=5)
    assert stats.chisquare(counts, probs * n).pvalue > 1e-4
    _, lc = est.log_pdf_univariate(np.zeros((3, 2)), np.arange(3.0)[:, None], log_w)
    probs = np.exp(lc[:, 0])
    counts = np.bincount(cs[:, 0].astype(int), minlength=3)
    assert stats.chisquare(counts, probs * n).pvalue > 1e-4


def test_joint_density_sums_to_one_over_a_discrete_space() -> None:
    space = ParzenSpace(np.array([0.0, -1.0]), np.array([3.0, 1.0]), np.array([1.0, 0.5]),
                        np.array([2.0, 4.0]))
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.integers(0, 4, 6), rng.integers(-2, 3, 6) * 0.5]).astype(float)
    x_cat = np.column_stack([rng.integers(0, 2, 6), rng.integers(0, 4, 6)]).astype(float)
    est = _fresh(space, x, x_cat, np.array([0.4, 0.3]), 1.0)
    axes = [np.arange(4.0), np.arange(-1.0, 1.01, 0.5), np.arange(2.0), np.arange(4.0)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    lp = est.log_pdf(np.ascontiguousarray(grid[:, :2]), np.ascontiguousarray(grid[:, 2:]),
                     est.log_weights(rng.random(6)))
    assert np.exp(lp).sum() == pytest.approx(1.0, rel=1e-10)


def test_univariate_densities_are_the_marginals_of_the_joint_one() -> None:
    space = ParzenSpace(np.array([0.0]), np.array([1.0]), np.array([0.0]), np.array([3.0]))
    x = np.array([[0.1], [0.7]])
    x_cat = np.array([[0.0], [2.0]])
    est = _fresh(space, x, x_cat, np.array([0.2]), 1.0)
    log_w = est.log_weights(np.array([1.0, 1.0]))
    t = np.array([[0.3]])
    joint = [est.log_pdf(t, np.array([[c]]), log_w)[0] for c in range(3)]
    numeric, _ = est.log_pdf_univariate(t, np.zeros((1, 1)), log_w)
    assert np.log(np.exp(joint).sum()) == pytest.approx(numeric[0, 0], rel=1e-12)


def test_scott_bandwidth_clips() -> None:
    space = ParzenSpace(np.array([0.0, 0.0]), np.array([1.0, 9.0]), np.array([0.0, 1.0]),
                        np.zeros(0))
    np.testing.assert_allclose(scott_bandwidth(space, 0, 2), space.width)  # upper clip: width
    tiny = scott_bandwidth(space, 10**12, 1)
    np.testing.assert_allclose(tiny, space.width / 100.0)  # lower clip: width / 100
    mid = scott_bandwidth(space, 50, 2)
    np.testing.assert_allclose(mid, 0.2 * 50 ** (-1 / 6) * space.width)


def test_capacity_grows_and_views_stay_consistent() -> None:
    space = ParzenSpace(np.array([0.0]), np.array([1.0]), np.array([0.0]), np.zeros(0))
    est = ParzenEstimator(space, 1.0, capacity=1)
    rng = np.random.default_rng(0)
    xs = rng.random((300, 1))
    for i in range(300):
        est.append(xs[i:i + 1], np.zeros((1, 0)), np.array([0.05]), tags=np.array([i]))
    assert est.n_comp == 301
    np.testing.assert_array_equal(est.mu[0, 1:], xs[:, 0])
    fresh = _fresh(space, xs, np.zeros((300, 0)), np.array([0.05]), 1.0)
    w = np.ones(300)
    t = np.linspace(0, 1, 11)[:, None]
    np.testing.assert_allclose(est.log_pdf(t, np.zeros((11, 0)), est.log_weights(w)),
                               fresh.log_pdf(t, np.zeros((11, 0)), fresh.log_weights(w)))


@settings(deadline=None, max_examples=40)
@given(estimators(max_dims=4))
def test_shared_bandwidth_estimator_matches_a_per_component_one(problem) -> None:
    space, x, x_cat, weights, prior_weight = problem
    sigma = scott_bandwidth(space, x.shape[0], 2)
    from bbopt.surrogates import _parzen

    shared = ParzenEstimator(space, prior_weight, capacity=3, shared=True)
    shared.set_shared_sigma(sigma)
    old_chunk = _parzen._PREPARE_CHUNK
    _parzen._PREPARE_CHUNK = 2  # several chunks of temporaries
    try:
        shared.append(x, x_cat, sigma=np.full(space.n_dims, np.nan))  # ignored: shared
    finally:
        _parzen._PREPARE_CHUNK = old_chunk
    plain = _fresh(space, x, x_cat, sigma, prior_weight)
    cx, cc = plain.sample(np.random.default_rng(0), 9, plain.log_weights(weights))
    lw_s, lw_p = shared.log_weights(weights), plain.log_weights(weights)
    np.testing.assert_allclose(shared.log_pdf(cx, cc, lw_s), plain.log_pdf(cx, cc, lw_p),
                               rtol=1e-10, atol=1e-10)
    for a, b in zip(shared.log_pdf_univariate(cx, cc, lw_s), plain.log_pdf_univariate(cx, cc, lw_p)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(shared.sigma, plain.sigma)
    for joint in (True, False):
        a = shared.sample(np.random.default_rng(7), 11, lw_s, joint=joint)
        b = plain.sample(np.random.default_rng(7), 11, lw_p, joint=joint)
        np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
        np.testing.assert_array_equal(a[1], b[1])


def _index_problem(n_dims: int, n_obs: int, seed: int):
    rng = np.random.default_rng(seed)
    step = np.where(np.arange(n_dims) % 4 == 3, 0.5, 0.0)  # some dimensions on a grid
    space = ParzenSpace(np.full(n_dims, -5.0), np.full(n_dims, 5.0), step, np.array([3.0]))
    x = rng.uniform(-5.0, 5.0, (n_obs, n_dims))
    x[: n_obs // 4] = rng.normal(1.0, 0.05, (n_obs // 4, n_dims))  # a dense cluster
    x = np.clip(np.where(step > 0, np.round(x / 0.5) * 0.5, x), -5.0, 5.0)
    x_cat = rng.integers(0, 3, (n_obs, 1)).astype(float)
    return space, x, x_cat, rng


@pytest.mark.parametrize("n_dims", [1, 5, 24])
def test_index_keeps_the_density_through_appends_truncations_and_removals(n_dims: int) -> None:
    """Runs are formed and merged as components arrive; the density never moves by more
    than the pruning guarantee, and each component keeps its tag."""
    from bbopt._kernels import PARZEN_BLOCK
    from bbopt.surrogates import _parzen

    space, x, x_cat, rng = _index_problem(n_dims, 6000, n_dims)
    sigma = np.full(n_dims, 0.1)
    est = ParzenEstimator(space, 1.0, capacity=8, shared=True)
    est.set_shared_sigma(sigma)
    plain = ParzenEstimator(space, 1.0, capacity=8, shared=True)  # never indexed
    plain.set_shared_sigma(sigma)
    tags = np.arange(x.shape[0])
    rebuilt = 0
    for a, b in [(0, 1000), (1000, 1300), (1300, 4100), (4100, 4101), (4101, 6000)]:
        est.append(x[a:b], x_cat[a:b], None, tags=tags[a:b])
        plain.append(x[a:b], x_cat[a:b], None, tags=tags[a:b])
        # Shells around a point of the new observations (the centre of the box for some).
        rebuilt += est.refresh_index(None if a % 2 else lambda a=a: x[a])
    assert rebuilt >= 3 and est._n_indexed >= 6000 - _parzen.INDEX_RUN_BLOCKS * PARZEN_BLOCK
    assert len(est._runs) < 2 * _parzen.INDEX_MERGE
    # Reordered with their tags, and every box holds its block's centres.
    order = np.argsort(est.tags[1:])
    np.testing.assert_array_equal(est.mu[:, 1:][:, order], x.T)
    np.testing.assert_array_equal(est.choice[:, 1:][:, order], x_cat.T)
    scale = np.where(space.step > 0, 0.0, 1.0 / sigma)
    n_blocks = est._n_indexed // PARZEN_BLOCK
    assert est._box_ref[:n_blocks].max() < len(est._runs)  # every block refers to a live run
    assert np.ptp(est._refs[:len(est._runs)], axis=0).max() > 0
    for b in range(est._n_indexed // PARZEN_BLOCK):
        block = est.mu[:, 1 + b * PARZEN_BLOCK: 1 + (b + 1) * PARZEN_BLOCK]
        rows = block[est._box_dim[b]]
        assert np.all(rows >= est._box_lo[b][:, None]) and np.all(rows <= est._box_hi[b][:, None])
        ref = est._refs[est._box_ref[b]]
        radii = np.sqrt((((block - ref[:, None]) * scale[:, None]) ** 2).sum(axis=0))
        assert est._box_radius[b, 0] <= radii.min() and radii.max() <= est._box_radius[b, 1]

    def check() -> None:
        weights = rng.random(est.n_comp - 1) + 0.01
        w_est = weights[np.argsort(np.argsort(est.tags[1:]))]  # same weight per tag
        w_plain = weights[np.argsort(np.argsort(plain.tags[1:]))]
        cand = np.concatenate([x[rng.integers(0, len(x), 20)], rng.uniform(-5, 5, (20, n_dims))])
        cand = np.clip(np.where(space.step > 0, np.round(cand / 0.5) * 0.5, cand), -5.0, 5.0)
        cand_cat = rng.integers(0, 3, (40, 1)).astype(float)
        got = est.log_pdf(cand, cand_cat, est.log_weights(w_est))
        want = plain.log_pdf(cand, cand_cat, plain.log_weights(w_plain))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    check()
    transient = -10 - np.arange(7)  # components appended for one evaluation, then dropped
    est.append(x[:7], x_cat[:7], None, tags=transient)
    plain.append(x[:7], x_cat[:7], None, tags=transient)
    check()
    est.truncate(3000)  # keeps the first 2999 observations in the index's order
    assert est._n_indexed <= 2999
    plain = ParzenEstimator(space, 1.0, capacity=8, shared=True)
    plain.set_shared_sigma(sigma)
    kept = np.sort(est.tags[1:])
    plain.append(x[kept], x_cat[kept], None, tags=kept)
    check()
    doomed = est.tags[1:][::7].copy()  # tags is a view of the buffer that moves
    est.remove_tags(doomed)
    plain.remove_tags(doomed)
    assert est._n_indexed == 0
    est.refresh_index()
    est.set_shared_sigma(sigma * 3.0)
    plain.set_shared_sigma(sigma * 3.0)
    check()


def test_kd_order_makes_compact_blocks() -> None:
    from bbopt.surrogates._parzen import kd_order

    rng = np.random.default_rng(0)
    points = rng.random((3, 4096))
    order = kd_order(points, np.array([1.0, 1.0, 100.0]), 64)
    np.testing.assert_array_equal(np.sort(order), np.arange(4096))
    blocks = points[:, order].reshape(3, 64, 64)
    extent = (blocks.max(axis=2) - blocks.min(axis=2)).mean(axis=1)
    # Split mostly along the dimension that counts most (scale 100): it is the narrowest.
    assert extent[2] < 0.1 and extent[2] < extent[:2].min()


def test_indexed_density_split_over_threads(monkeypatch) -> None:
    """Chunks of components start on block boundaries and carry their blocks' index."""
    from bbopt.surrogates import _parzen

    space, x, x_cat, rng = _index_problem(12, 5000, 3)
    estimators = []
    for n_threads in (1, 3):
        est = ParzenEstimator(space, 1.0, capacity=8, shared=True, n_threads=n_threads)
        est.set_shared_sigma(np.full(12, 0.1))
        for a in range(0, 5000, 700):  # several runs, each with its own reference point
            est.append(x[a:a + 700], x_cat[a:a + 700], None, tags=np.arange(a, min(a + 700, 5000)))
            est.refresh_index(lambda a=a: x[a])
        estimators.append(est)
    monkeypatch.setattr(_parzen, "MIN_TERMS_PER_THREAD", 1)
    cand = np.clip(x[rng.integers(0, 5000, 30)] + 0.05 * rng.standard_normal((30, 12)), -5, 5)
    cand = np.where(space.step > 0, np.round(cand / 0.5) * 0.5, cand)
    cand_cat = rng.integers(0, 3, (30, 1)).astype(float)
    one, three = (est.log_pdf(cand, cand_cat, est.log_weights(np.ones(5000)))
                  for est in estimators)
    np.testing.assert_allclose(three, one, rtol=1e-12, atol=1e-12)
    assert len(estimators[1]._runs) > 1


def _pool_in_child(queue) -> None:
    from bbopt.surrogates import _parzen

    had = len(_parzen._pools)
    queue.put((had, _parzen._pool(2).submit(sum, [1, 2]).result(timeout=30)))


@pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="no fork")
def test_thread_pools_are_rebuilt_in_a_forked_child() -> None:
    import multiprocessing

    from bbopt.surrogates import _parzen

    assert _parzen._pool(2).submit(sum, [1, 1]).result() == 2  # the parent has a pool
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_pool_in_child, args=(queue,))
    child.start()
    had, result = queue.get(timeout=60)
    child.join(timeout=60)
    assert (had, result, child.exitcode) == (0, 3, 0)
