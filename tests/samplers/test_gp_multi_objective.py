"""GPSampler with several objectives: box decomposition, log EHVI, ParEGO, constraints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bbopt
from bbopt import FloatDistribution
from bbopt.samplers import GPSampler, RandomSampler
from bbopt.samplers._ehvi import LogEHVI, nondominated_boxes, parego_scalarise, reference_point
from bbopt.surrogates import GaussianProcess
from bbopt.testfunctions import C2DTLZ2, DTLZ2, ZDT1


def _improvement(lower: np.ndarray, upper: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hypervolume improvement of points ``y`` (s, k) from the boxes, shape (s,)."""
    clipped = np.maximum(lower[None], y[:, None, :])
    return np.prod(np.maximum(0.0, upper[None] - clipped), axis=2).sum(axis=1)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 4), n=st.integers(0, 12), seed=st.integers(0, 2**31 - 1),
       grid=st.booleans())
def test_boxes_give_the_exact_hypervolume_improvement(k: int, n: int, seed: int,
                                                      grid: bool) -> None:
    rng = np.random.default_rng(seed)
    # On a coarse grid, duplicates and ties in single coordinates are frequent.
    front = np.round(rng.random((n, k)) * 4) / 4 if grid else rng.random((n, k))
    reference = np.full(k, 1.0)
    lower, upper = nondominated_boxes(front, reference)
    assert np.all(upper > lower)
    y = rng.random((6, k)) * 1.2 - 0.1
    base = bbopt.hypervolume(front, reference) if n else 0.0
    for point, hvi in zip(y, _improvement(lower, upper, y)):
        expected = bbopt.hypervolume(np.vstack([front, point]), reference) - base
        assert hvi == pytest.approx(expected, abs=1e-12)


def _gps(k: int, seed: int) -> tuple[list[GaussianProcess], np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((15, 2))
    gps = []
    for j in range(k):
        gp = GaussianProcess(np.zeros(2, dtype=bool), 1e-6, False)
        gp.fit(x, np.sin(3 * x[:, 0] + j) + (j + 1) * x[:, 1], 100, restart=True)
        gps.append(gp)
    return gps, np.column_stack([gp.y for gp in gps])


@pytest.mark.parametrize("k", [2, 3])
def test_log_ehvi_matches_a_monte_carlo_estimate(k: int) -> None:
    gps, values = _gps(k, 0)
    acquisition = LogEHVI(gps, values, reference_point(values))
    lower, upper = nondominated_boxes(values, reference_point(values))
    rng = np.random.default_rng(1)
    # Posteriors near the front's best corner: an improvement neither 0 nor certain.
    mean = values.min(axis=0) + rng.random((5, k)) * 0.5 * np.ptp(values, axis=0)
    var = 0.05 + 0.3 * rng.random((5, k))
    log_ehvi, _ = acquisition._block([(mean[:, j], var[:, j], None, None) for j in range(k)],
                                     False)
    for i in range(5):
        draws = mean[i] + np.sqrt(var[i]) * rng.standard_normal((40_000, k))
        hvi = _improvement(lower, upper, draws)
        error = hvi.std() / np.sqrt(hvi.size)
        assert hvi.mean() > 10 * error  # the estimate is informative
        assert np.exp(log_ehvi[i]) == pytest.approx(hvi.mean(), abs=4 * error)


@pytest.mark.parametrize("k", [2, 3])
def test_log_ehvi_gradient_matches_finite_differences(k: int) -> None:
    gps, values = _gps(k, 2)
    acquisition = LogEHVI(gps, values, reference_point(values))
    x = np.random.default_rng(3).random((4, 2))
    value, grad = acquisition.log_ei(x, None, grad=True)
    assert grad is not None and np.all(np.isfinite(value))
    eps = 1e-6
    for i in range(4):
        for j in range(2):
            plus, minus = x.copy(), x.copy()
            plus[i, j] += eps
            minus[i, j] -= eps
            numeric = (acquisition.log_ei(plus)[0][i] - acquisition.log_ei(minus)[0][i]) / (2 * eps)
            assert grad[i, j] == pytest.approx(numeric, rel=1e-4, abs=1e-6)


def test_parego_scalarisation_is_normalised_and_weighted() -> None:
    values = np.array([[0.0, 10.0], [2.0, 0.0], [1.0, 5.0]])
    s = parego_scalarise(values, np.array([1.0, 0.0]))
    np.testing.assert_allclose(s, 1.05 * np.array([0.0, 1.0, 0.5]))


def _values(sampler, f, n_trials: int) -> np.ndarray:
    study = bbopt.create_study(directions=["minimize"] * f.n_objectives, sampler=sampler)
    space = {name: FloatDistribution(d.low, d.high) for name, d in f.search_space().items()}
    values = []
    for _ in range(n_trials):
        trial = study.ask(space)
        y = f([trial.params[name] for name in space])
        study.tell(trial, y.tolist())
        values.append(y)
    return np.array(values)


def _hypervolume(sampler, f, n_trials: int) -> float:
    return bbopt.hypervolume(_values(sampler, f, n_trials), f.reference_point)


@pytest.mark.parametrize(("f", "acquisition"), [
    (ZDT1(n_dims=3), "auto"), (ZDT1(n_dims=3), "parego"),
    (DTLZ2(n_objectives=3, n_dims=8), "auto")],
    ids=["ZDT1-EHVI", "ZDT1-ParEGO", "DTLZ2-3-ParEGO"])
def test_hypervolume_beats_random_search(f, acquisition: str) -> None:
    gp = [_hypervolume(GPSampler(seed=s, n_startup_trials=8,
                                 multi_objective_acquisition=acquisition), f, 24)
          for s in range(2)]
    rand = [_hypervolume(RandomSampler(seed=s), f, 24) for s in range(2)]
    assert gp[0] > rand[0] and gp[1] > rand[1]


def test_four_objectives_use_the_parego_model() -> None:
    f = DTLZ2(n_objectives=4, n_dims=5)
    sampler = GPSampler(seed=0, n_startup_trials=5)
    values = _values(sampler, f, 8)
    (slot,) = sampler._models._states.values()
    assert len(slot) == 4 and slot[0].scalar_gp is not None and slot[0].scalar_gp.n == 7
    assert np.all(np.isfinite(values))


def test_maximised_objectives_and_batches() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=4)
    study = bbopt.create_study(directions=["maximize", "minimize"], sampler=sampler)
    space = {"x": FloatDistribution(0.0, 1.0), "y": FloatDistribution(0.0, 1.0)}
    study.optimize(lambda t: (-t.suggest_float("x", 0, 1) ** 2, t.suggest_float("y", 0, 1)
                              + (1 - t.params["x"]) ** 2), n_trials=6)
    batch = study.ask_batch(3, space)
    points = {(t.params["x"], t.params["y"]) for t in batch}
    assert len(points) == 3  # the pending points spread the batch out
    for t in batch:
        study.tell(t, (-t.params["x"] ** 2, t.params["y"] + (1 - t.params["x"]) ** 2))
    # Maximising -x^2 and minimising y: the GP proposes small y and x from 0 to 1.
    late = [t.params["y"] for t in study.trials[6:]]
    assert np.median(late) < 0.3


@pytest.mark.parametrize("acquisition", ["ehvi", "parego"])
def test_constraints_keep_the_search_in_the_feasible_region(acquisition: str) -> None:
    f = C2DTLZ2(n_objectives=3, n_dims=4)

    def run(sampler_of):
        study = bbopt.create_study(
            directions=["minimize"] * 3,
            sampler=sampler_of(lambda t: f.constraints(list(t.params.values())).tolist()))
        space = {name: FloatDistribution(d.low, d.high) for name, d in f.search_space().items()}
        for _ in range(25):
            trial = study.ask(space)
            study.tell(trial, f([trial.params[name] for name in space]).tolist())
        c = study.get_observations().constraints[:, 0]
        return int((c[10:] <= 0).sum())

    gp = run(lambda cf: GPSampler(seed=0, n_startup_trials=10, constraints_func=cf,
                                  multi_objective_acquisition=acquisition))
    rand = run(lambda cf: RandomSampler(seed=0, constraints_func=cf))
    assert gp > rand


def test_invalid_acquisition_is_refused() -> None:
    with pytest.raises(ValueError, match="'multi_objective_acquisition' parameter of GPSampler"):
        GPSampler(multi_objective_acquisition="qehvi")
