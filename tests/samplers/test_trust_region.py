"""Tests of bbopt.samplers.TrustRegionGPSampler (bbopt/samplers/_trust_region.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import bbopt
from bbopt.samplers import SamplingContext, TrustRegionGPSampler
from bbopt.storage import Observations, RunningPoints
from bbopt.surrogates import GaussianProcess

_F = bbopt.FloatDistribution(0.0, 1.0)


def _sphere(trial: bbopt.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 1.0) ** 2 for i in range(4))


def _observations(points: np.ndarray, values: np.ndarray, numbers: list[int] | None = None,
                  ) -> Observations:
    obs = Observations([bbopt.StudyDirection.MINIMIZE])
    for i, (p, v) in enumerate(zip(points, values)):
        number = i if numbers is None else numbers[i]
        obs.append(number, bbopt.TrialState.COMPLETE, [float(v)],
                   {f"x{j}": (_F, float(p[j])) for j in range(points.shape[1])})
    return obs


def _space(d: int) -> dict[str, bbopt.FloatDistribution]:
    return {f"x{j}": _F for j in range(d)}


def test_optimizes_a_sphere() -> None:
    sampler = TrustRegionGPSampler(seed=0, n_startup_trials=5)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=30)
    random = bbopt.create_study(sampler=bbopt.samplers.RandomSampler(seed=0))
    random.optimize(_sphere, n_trials=30)
    assert study.best_value < 1.0
    assert study.best_value < random.best_value


def test_region_rules_follow_successes_and_failures() -> None:
    d = 2
    sampler = TrustRegionGPSampler(seed=0, n_startup_trials=2, success_tolerance=2,
                                   failure_tolerance=3, init_length=0.5)
    # Design (2 rows), 2 successes (length doubles), 3 failures (length halves).
    values = [5.0, 4.0, 3.0, 2.0, 9.0, 9.0, 9.0]
    obs = _observations(np.full((len(values), d), 0.5), np.array(values))
    model = sampler._model_for(SamplingContext.from_arrays(obs), _space(d))
    sampler._update(model, obs)
    region = model.region
    assert region.length == pytest.approx(0.5)  # 0.5 * 2 / 2
    assert (region.best, region.best_row, region.n_failure) == (2.0, 3, 0)
    # Failures until the region collapses (7 halvings of 0.5, 21 failures): it restarts
    # at row 28; rows 28 and 29 are its design, row 30 its first failure.
    more = _observations(np.full((len(values) + 3 * 8, d), 0.5),
                         np.array(values + [9.0] * 24))
    sampler._update(model, more)
    assert model.region.n_restarts == 1
    assert model.region.length == pytest.approx(0.5)
    assert (model.region.start, model.region.n_design, model.region.n_failure) == (28, 2, 1)


def test_restart_at_the_incumbent_keeps_centre_and_observations() -> None:
    d = 2
    sampler = TrustRegionGPSampler(seed=0, n_startup_trials=2, failure_tolerance=3,
                                   init_length=0.5, restart="incumbent")
    # Design (2 rows, the second the best), then failures until the region collapses
    # (7 halvings of 0.5, 21 failures); the restart's design rows (23, 24) are worse,
    # row 25 is better than the incumbent and moves the centre.
    values = [5.0, 1.0] + [9.0] * 21 + [7.0, 8.0, 0.5]
    obs = _observations(np.full((len(values), d), 0.5), np.array(values))
    model = sampler._model_for(SamplingContext.from_arrays(obs), _space(d))
    sampler._update(model, _observations(np.full((25, d), 0.5), np.array(values[:25])))
    region = model.region
    assert (region.n_restarts, region.start, region.n_design) == (1, 0, 2)
    assert (region.best, region.best_row, region.length) == (1.0, 1, 0.5)
    sampler._update(model, obs)
    assert (model.region.best_row, model.region.n_success) == (25, 1)


def test_state_is_rebuilt_from_sqlite_in_a_new_sampler(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/tr.db"  # type: ignore[str-bytes-safe]
    study = bbopt.create_study(storage=url, study_name="tr", sampler=TrustRegionGPSampler(
        seed=3, n_startup_trials=4, failure_tolerance=2))
    study.optimize(_sphere, n_trials=15)
    # A fresh sampler (as in another process) replays the stored observations.
    again = TrustRegionGPSampler(seed=3, n_startup_trials=4, failure_tolerance=2)
    loaded = bbopt.load_study(study_name="tr", storage=url, sampler=again)
    loaded.ask()  # no parameters: builds nothing
    trial = loaded.ask()
    _sphere(trial)
    _sphere(study.ask())  # the first sampler reads the last observation too
    region = again._model.region
    first = study.sampler._model.region  # type: ignore[attr-defined]
    assert (region.length, region.best_row, region.n_restarts, region.n_success,
            region.n_failure, region.start) == (first.length, first.best_row, first.n_restarts,
                                                 first.n_success, first.n_failure, first.start)


def test_batch_gets_distinct_points_and_counts_running_trials() -> None:
    study = bbopt.create_study(sampler=TrustRegionGPSampler(seed=1, n_startup_trials=6))
    study.optimize(_sphere, n_trials=12)
    trials = study.ask_batch(5)
    points = np.array([[t.suggest_float(f"x{i}", -5, 5) for i in range(4)] for t in trials])
    assert len({tuple(p) for p in points}) == 5
    for t, p in zip(trials, points):
        study.tell(t, float(np.sum((p - 1.0) ** 2)))


def test_design_points_are_not_repeated_for_parallel_workers() -> None:
    study = bbopt.create_study(sampler=TrustRegionGPSampler(seed=1, n_startup_trials=4))
    trials = study.ask_batch(4)
    points = {tuple(t.suggest_float(f"x{i}", -5, 5) for i in range(4)) for t in trials}
    assert len(points) == 4


def test_mixed_space_on_grids() -> None:
    def objective(trial: bbopt.Trial) -> float:
        x = trial.suggest_float("x", -2, 2)
        n = trial.suggest_int("n", 1, 9)
        s = trial.suggest_float("s", 0.0, 1.0, step=0.25)
        k = trial.suggest_int("k", 1, 1000, log=True)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        return x**2 + (n - 3) ** 2 + s + math.log(k) + (c != "b")

    study = bbopt.create_study(sampler=TrustRegionGPSampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=20)
    for t in study.trials:
        assert t.params["s"] in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert isinstance(t.params["n"], int) and 1 <= t.params["n"] <= 9
        assert isinstance(t.params["k"], int)
        assert t.params["c"] in ("a", "b", "c")
    assert study.best_value < 3.0


def test_uses_existing_trials_and_init_center() -> None:
    rng = np.random.default_rng(0)
    points = rng.random((30, 3))
    obs = _observations(points, np.sum((points - 0.2) ** 2, axis=1))
    sampler = TrustRegionGPSampler(seed=0, init_center={"x0": 0.9, "x1": 0.9, "x2": 0.9},
                                   init_length=0.1, first_trial=30, n_candidates=64)
    params = sampler.sample_joint(SamplingContext.from_arrays(obs, trial_number=30), _space(3))
    model = sampler._model
    assert model.region.n_design == 30 and model.region.length == 0.1  # no design points
    # The region's box (edge 0.1 times weights of geometric mean 1) is around the centre.
    point = np.array([params[f"x{j}"] for j in range(3)])
    assert np.max(np.abs(point - 0.9) / model.weights) <= 0.05 + 1e-9


def test_changing_space_warns_once() -> None:
    sampler = TrustRegionGPSampler(seed=0, n_startup_trials=3)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("b", 0, 1),
                   n_trials=5)
    with pytest.warns(UserWarning, match="search space of TrustRegionGPSampler changed"):
        study.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study.optimize(lambda t: t.suggest_float("a", 0, 1) + t.suggest_float("b", 0, 1),
                       n_trials=2)


def test_running_points_are_fantasised() -> None:
    rng = np.random.default_rng(0)
    points = rng.random((20, 2))
    obs = _observations(points, np.sum((points - 0.3) ** 2, axis=1))
    running = RunningPoints(np.array([100]), np.array([[0.3, 0.3]]))
    context = SamplingContext.from_arrays(obs, running, trial_number=101)
    sampler = TrustRegionGPSampler(seed=0, n_candidates=256)
    params = sampler.sample_joint(context, _space(2))
    assert (params["x0"], params["x1"]) != (0.3, 0.3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": -1}, ValueError, "seed"),
        ({"n_startup_trials": 0}, ValueError, "n_startup_trials"),
        ({"init_length": 0.0}, ValueError, "init_length"),
        ({"init_length": 2.0}, ValueError, "init_length"),
        ({"min_length": "a"}, TypeError, "min_length"),
        ({"max_length": -1.0}, ValueError, "max_length"),
        ({"success_tolerance": 0}, ValueError, "success_tolerance"),
        ({"failure_tolerance": 1.5}, TypeError, "failure_tolerance"),
        ({"max_region_points": 1}, ValueError, "max_region_points"),
        ({"n_candidates": 0}, ValueError, "n_candidates"),
        ({"init_center": [0.5]}, TypeError, "init_center"),
        ({"first_trial": -1}, ValueError, "first_trial"),
        ({"deterministic_objective": 1}, TypeError, "deterministic_objective"),
        ({"noise_floor": -1.0}, ValueError, "noise_floor"),
        ({"independent_sampler": object()}, TypeError, "independent_sampler"),
        ({"restart": "random"}, ValueError, "restart"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        TrustRegionGPSampler(**kwargs)  # type: ignore[arg-type]


def test_init_center_must_cover_the_space() -> None:
    sampler = TrustRegionGPSampler(init_center={"x": 0.5})
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
                   n_trials=1)
    with pytest.raises(ValueError, match="init_center"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1),
                       n_trials=1)


def test_multi_objective_is_refused() -> None:
    with pytest.raises(ValueError, match="does not support several objectives"):
        bbopt.create_study(directions=["minimize", "minimize"], sampler=TrustRegionGPSampler())


def test_thompson_sample_matches_the_posterior() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((15, 3))
    x[:, 2] = rng.integers(0, 4, 15)
    gp = GaussianProcess(np.array([False, False, True]))
    gp.fit(x, np.sin(5 * x[:, 0]) + x[:, 2])
    x_new = rng.random((4, 3))
    x_new[:, 2] = [0, 1, 2, 3]
    cells = np.array([0.0, 0.0, 4.0])
    n_draws = 800
    draws = np.array([gp.thompson_sample(x_new, cells, rng, 512) for _ in range(n_draws)])
    mean, var = gp.posterior(x_new)[:2]
    # Within 5 standard errors; the variance's relative standard error is sqrt(2 / n_draws).
    assert np.all(np.abs(draws.mean(axis=0) - mean) <= 5 * np.sqrt(var / n_draws) + 1e-3)
    np.testing.assert_allclose(draws.var(axis=0), var, rtol=5 * math.sqrt(2 / n_draws))


def test_integer_space_never_repeats_an_observed_point() -> None:
    # Small grids: a shrunk box snaps its candidates onto points already observed, and a
    # restarted region would suggest the earlier regions' points again.
    def objective(trial: bbopt.Trial) -> float:
        return sum((trial.suggest_int(f"n{i}", 0, 6) - 2) ** 2 for i in range(3))

    sampler = TrustRegionGPSampler(seed=0, n_startup_trials=5, failure_tolerance=3)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(objective, n_trials=40)
    assert sampler._model is not None and sampler._model.region.n_restarts >= 1
    points = [tuple(t.params.values()) for t in study.trials]
    assert len(set(points)) == len(points)
    batch = [tuple(t.suggest_int(f"n{i}", 0, 6) for i in range(3)) for t in study.ask_batch(4)]
    assert len(set(batch + points)) == len(points) + 4


def test_local_gp_holds_at_most_max_region_points() -> None:
    sampler = TrustRegionGPSampler(seed=0, n_startup_trials=5, max_region_points=16)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: sum((t.suggest_float(f"x{i}", 0, 1) - 0.3) ** 2 for i in range(3)),
                   n_trials=60)
    model = sampler._model
    assert model is not None and model.y.size - model.region.start > 16
    assert model.gp.n == model.gp_rows.size == 16
    assert np.all(model.gp_rows >= model.region.start)
    np.testing.assert_array_equal(model.gp.x, model.x[model.gp_rows])


def test_global_restart_designs_where_a_model_of_all_observations_points() -> None:
    # A bowl at c: its best point first (the design's incumbent), then 21 worse random
    # points, which collapse the region (7 halvings of 0.5, 3 failures each). The
    # restarted region's design point comes from a GP of all 23 points: near c, where
    # a fresh restart's first Sobol point lands anywhere.
    d, c = 2, np.array([0.8, 0.7])
    rng = np.random.default_rng(0)
    points = np.vstack([c + 0.01, [[0.2, 0.3]], rng.random((21, d))])
    values = 10.0 * ((points - c) ** 2).sum(axis=1)
    obs = _observations(points, values)
    found = {}
    for restart in ("fresh", "global"):
        sampler = TrustRegionGPSampler(seed=0, n_startup_trials=2, failure_tolerance=3,
                                       init_length=0.5, restart=restart)
        model = sampler._model_for(SamplingContext.from_arrays(obs), _space(d))
        sampler._update(model, obs)
        assert (model.region.n_restarts, model.region.start, model.region.n_design) == (1, 23, 0)
        found[restart] = sampler._suggest(model, np.empty((0, d)))
    assert np.linalg.norm(found["global"] - c) < 0.1 < np.linalg.norm(found["fresh"] - c)
    assert not any(np.array_equal(found["global"], p) for p in points)
