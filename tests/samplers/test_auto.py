"""Tests of AutoSampler (bbopt/samplers/_auto.py) and its local phase (_quadratic_tr.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy import optimize

import bbopt
from bbopt.samplers import AutoSampler, RandomSampler, _auto
from bbopt.samplers._quadratic_tr import (
    QuadraticTrustRegion,
    fit_quadratic,
    n_coefficients,
    trust_region_step,
)


def _quadratic(trial: bbopt.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return (x - 1) ** 2 + 3 * (y + 2) ** 2 + 0.5 * (x - 1) * (y + 2)


def _rosenbrock(trial: bbopt.Trial) -> float:
    x = trial.suggest_float("x", -2, 2)
    y = trial.suggest_float("y", -2, 2)
    return 100 * (y - x**2) ** 2 + (1 - x) ** 2


def _algorithms(study: bbopt.Study) -> list[str]:
    return [t.system_attrs["auto:algorithm"] for t in study.trials]


# -- validation ------------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"budget": 0}, "'budget' parameter of AutoSampler"),
    ({"n_startup_trials": 0}, "'n_startup_trials' parameter of AutoSampler"),
    ({"seed": -1}, "seed"),
])
def test_invalid_arguments(kwargs: dict[str, int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        AutoSampler(**kwargs)


def test_invalid_budget_hint() -> None:
    with pytest.raises(ValueError, match="'n_trials' parameter of AutoSampler"):
        AutoSampler().set_budget(-1)


# -- the choice ------------------------------------------------------------------------
def test_continuous_phases_and_transparency() -> None:
    sampler = AutoSampler(seed=0)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(_quadratic, n_trials=30)
    algorithms = _algorithms(study)
    # budget 30: 6 startup trials (the first at the centre of the box), then the GP up
    # to n = 8, then the local phase (once it has converged, restarts: the GP again,
    # then a new local run).
    assert algorithms[:9] == ["center"] + ["random"] * 5 + ["gp"] * 2 + ["local"]
    assert study.trials[0].params == {"x": 0.0, "y": 0.0}
    assert [(h["trial"], h["algorithm"]) for h in sampler.history][:4] == [
        (0, "center"), (1, "random"), (6, "gp"), (8, "local")]
    assert study.best_value < 1e-10  # the quadratic model is exact: the local phase solves it
    records = study.trials_records()
    assert [r["system_attrs_auto:algorithm"] for r in records] == algorithms
    pandas = pytest.importorskip("pandas")
    frame = study.trials_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert frame["system_attrs_auto:algorithm"].tolist() == algorithms


def test_budget_hint_sets_the_global_phase() -> None:
    short, long_ = AutoSampler(seed=1), AutoSampler(seed=1, budget=100)
    for sampler in (short, long_):
        study = bbopt.create_study(sampler=sampler)
        for _ in range(12):
            trial = study.ask()
            study.tell(trial, _quadratic(trial))
    # No hint: 10 startup trials, then the GP; budget 100: the GP phase lasts 25 trials.
    assert [h["algorithm"] for h in short.history] == ["center", "random", "gp"]
    assert "n < 40" in short.history[-1]["reason"]
    assert "n < 25" in long_.history[-1]["reason"]


def test_minimize_defaults_to_auto_and_passes_the_budget() -> None:
    f = bbopt.testfunctions.Sphere(n_dims=2)
    result = bbopt.minimize(f, f.bounds, n_trials=30, seed=0)
    assert isinstance(result.study.sampler, AutoSampler)
    assert result.fun < 1e-8
    assert "local" in _algorithms(result.study)


def test_create_study_defaults_to_auto() -> None:
    assert isinstance(bbopt.create_study().sampler, AutoSampler)


@pytest.mark.parametrize(("objective", "directions", "reason"), [
    (lambda t: (t.suggest_float("y", 0, 1) if t.suggest_float("x", 0, 1) > 0.5 else 0.0),
     ["minimize"], "conditional"),
    (lambda t: t.suggest_float("x", 0, 1) + len(t.suggest_categorical("c", ["a", "bb"])),
     ["minimize"], "categorical"),
    (lambda t: (t.suggest_float("y", 0, 1) if t.suggest_float("x", 0, 1) > 0.5 else 0.0,
                t.suggest_float("z", 0, 1)),
     ["minimize", "minimize"], "conditional"),
])
def test_tpe_for_mixed_conditional_and_multi_objective(objective, directions, reason) -> None:
    sampler = AutoSampler(seed=0, n_startup_trials=3)
    study = bbopt.create_study(sampler=sampler, directions=directions)
    study.optimize(objective, n_trials=14)
    assert _algorithms(study)[-1] == "tpe"
    assert reason in sampler.history[-1]["reason"]


def test_several_objectives_use_the_gp_then_nsga2(monkeypatch) -> None:
    monkeypatch.setattr(_auto, "MAX_GP_TRIALS", 8)
    problem = bbopt.testfunctions.ZDT1(n_dims=3)
    sampler = AutoSampler(seed=0, n_startup_trials=3)
    study = bbopt.create_study(sampler=sampler, directions=["minimize"] * 2)
    study.optimize(problem.objective, n_trials=12)
    assert _algorithms(study) == ["center"] + ["random"] * 2 + ["gp"] * 5 + ["nsga2"] * 4
    assert "2 objectives" in sampler.history[-1]["reason"]
    assert len(study.best_trials) >= 1


def test_integer_space_uses_the_gp_then_the_long_study_sampler(monkeypatch) -> None:
    monkeypatch.setattr(_auto, "MAX_GP_TRIALS", 8)
    sampler = AutoSampler(seed=0, n_startup_trials=3)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: (t.suggest_int("n", 0, 20) - 7) ** 2 + t.suggest_float("x", 0, 1),
                   n_trials=12)
    algorithms = _algorithms(study)
    assert algorithms == ["center"] + ["random"] * 2 + ["gp"] * 5 + ["cmaes"] * 4


def test_restart_after_the_local_run_stalls() -> None:
    sampler = AutoSampler(seed=0, budget=24, n_startup_trials=3)  # few (costly) GP trials
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: abs(t.suggest_float("x", -5, 5) - 1.0), n_trials=60)
    reasons = [h["reason"] for h in sampler.history]
    assert any("restart" in r for r in reasons)
    assert reasons[-1].startswith("local phase from the restart")
    assert study.best_value < 1e-3


# -- reproducibility, reload, parallelism ---------------------------------------------------
def test_same_seed_same_trials() -> None:
    params = []
    for _ in range(2):
        study = bbopt.create_study(sampler=AutoSampler(seed=3))
        study.optimize(_quadratic, n_trials=16)
        params.append([t.params for t in study.trials])
    assert params[0] == params[1]


def test_reload_from_sqlite_in_another_process_continues_the_choice(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'auto.db'}"
    study = bbopt.create_study(study_name="s", storage=url, sampler=AutoSampler(seed=0))
    study.optimize(_rosenbrock, n_trials=20)
    assert _algorithms(study)[-1] == "local"  # a local run under way
    best = study.best_value
    code = textwrap.dedent(f"""
        import bbopt
        from tests.samplers.test_auto import _rosenbrock
        study = bbopt.load_study(study_name="s", storage={url!r},
                                 sampler=bbopt.samplers.AutoSampler(seed=1))
        study.optimize(_rosenbrock, n_trials=3)
        print(study.best_value)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    reloaded = bbopt.load_study(study_name="s", storage=url)
    assert _algorithms(reloaded)[20:] == ["local"] * 3
    assert float(out.stdout) <= best


def test_batch_in_the_local_phase_gets_distinct_points() -> None:
    study = bbopt.create_study(sampler=AutoSampler(seed=0, budget=20))
    study.optimize(_quadratic, n_trials=12)
    space = {"x": bbopt.FloatDistribution(-5, 5), "y": bbopt.FloatDistribution(-5, 5)}
    trials = study.ask_batch(4, space)
    points = {(t.params["x"], t.params["y"]) for t in trials}
    assert len(points) == 4
    assert all(t.system_attrs["auto:algorithm"] == "local" for t in study.trials[12:])


def test_random_sampler_is_still_available_explicitly() -> None:
    study = bbopt.create_study(sampler=RandomSampler(seed=0))
    study.optimize(_quadratic, n_trials=3)
    assert "auto:algorithm" not in study.trials[0].system_attrs


# -- the local trust-region method -------------------------------------------------------------
def test_fit_quadratic_is_exact_on_a_quadratic() -> None:
    rng = np.random.default_rng(0)
    d = 4
    a = rng.standard_normal((d, d))
    h, g = a @ a.T, rng.standard_normal(d)
    s = rng.standard_normal((n_coefficients(d) + 3, d))
    f = 2.0 + s @ g + 0.5 * np.einsum("ij,jk,ik->i", s, h, s)
    model = fit_quadratic(s, f)
    assert model is not None
    np.testing.assert_allclose(model[0], g, atol=1e-9)
    np.testing.assert_allclose(model[1], h, atol=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_trust_region_step_is_the_constrained_minimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = 3
    h = rng.standard_normal((d, d))
    h = h + h.T
    g = rng.standard_normal(d) * (1e-12 if seed == 5 else 1.0)  # seed 5: the hard case
    radius = 0.7
    s = trust_region_step(g, h, radius)
    assert np.linalg.norm(s) <= radius * (1 + 1e-9)

    def model(z):
        return g @ z + 0.5 * z @ h @ z

    constraint = {"type": "ineq", "fun": lambda z: radius**2 - z @ z}
    solutions = [optimize.minimize(model, z0, constraints=[constraint], method="SLSQP").x
                 for z0 in rng.standard_normal((20, d)) * 0.3]
    # SLSQP may end slightly outside the ball: compare with its points pulled inside.
    best = min(model(z * min(1.0, radius / np.linalg.norm(z))) for z in solutions)
    assert model(s) <= best + 1e-9


@pytest.mark.parametrize("g", np.logspace(-3, 5, 200))
def test_trust_region_step_on_a_linear_model(g: float) -> None:
    # H = 0: the step is -g cut to the radius (the root search used to miss the bracket).
    s = trust_region_step(np.array([g, 0.0]), np.zeros((2, 2)), 0.1)
    np.testing.assert_allclose(s, [-0.1, 0.0], rtol=1e-9, atol=1e-15)


def test_local_run_solves_a_rotated_ill_conditioned_quadratic() -> None:
    rng = np.random.default_rng(0)
    d = 5
    rotation = np.linalg.qr(rng.standard_normal((d, d)))[0]
    weights = 10.0 ** (6 * np.arange(d) / (d - 1))
    center = rng.uniform(0.2, 0.8, d)

    def f(u):
        z = rotation @ (u - center)
        return float(weights @ z**2)

    u = rng.uniform(size=(5, d))
    values = np.array([f(x) for x in u])
    best = int(np.argmin(values))
    local = QuadraticTrustRegion(u[best], values[best], 0.1, stall_rows=100)
    for _ in range(3 * n_coefficients(d)):
        x, _ = local.propose(u, values, np.empty((0, d)), rng)
        y = f(x)
        u, values = np.vstack([u, x]), np.append(values, y)
        local.observe(x, y)
    assert values.min() < 1e-12


def test_local_run_follows_a_curved_valley_from_far_points() -> None:
    # 10-d Rosenbrock from 50 uniform points, as after the global phase: the far points'
    # quartic values would dominate a fit of all p points (the wide model) and every step
    # fail (it ended at 112 here); the near model follows the valley.
    d = 10
    rng = np.random.default_rng(1)

    def rosenbrock(u):
        x = 15 * u - 5
        return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

    u = rng.uniform(size=(50, d))
    values = np.array([rosenbrock(x) for x in u])
    best = int(np.argmin(values))
    local = QuadraticTrustRegion(u[best], values[best], 0.2, stall_rows=1000)
    used = set()
    for _ in range(150):
        x, kind = local.propose(u, values, np.empty((0, d)), rng)
        if kind == "step":
            used.add(local.model_used)
        y = rosenbrock(x)
        u, values = np.vstack([u, x]), np.append(values, y)
        local.observe(x, y)
    assert 1 in used
    assert values.min() < 30.0 < values[:50].min()


def test_a_step_is_judged_on_its_point_back_from_the_study() -> None:
    # The point comes back through the internal values (low + u * width), off by rounding:
    # the step must still be recognised, and a poor one shrink the region.
    local = QuadraticTrustRegion(np.full(2, 0.5), 1.0, 0.1, stall_rows=100)
    u = np.array([[0.5, 0.5], [0.6, 0.5], [0.5, 0.6], [0.4, 0.5], [0.5, 0.4], [0.6, 0.6]])
    f = np.array([1.0, 0.5, 0.5, 1.5, 1.5, 0.1])
    x, kind = local.propose(u, f, np.empty((0, 2)), np.random.default_rng(0))
    assert kind == "step"
    local.observe(np.nextafter(x, 1.0), 10.0)  # the last bit changed
    assert local.radius < 0.1


def test_one_step_at_a_time_for_parallel_workers() -> None:
    rng = np.random.default_rng(0)
    u = rng.uniform(size=(10, 2))
    f = np.sum((u - 0.3) ** 2, axis=1)
    best = int(np.argmin(f))
    local = QuadraticTrustRegion(u[best], f[best], 0.2, stall_rows=100)
    step, kind = local.propose(u, f, np.empty((0, 2)), rng)
    assert kind == "step"
    # while the step runs, the other workers get geometry points ...
    assert local.propose(u, f, step[None, :] + 1e-15, rng)[1] == "geometry"
    # ... and once it ended without a value (failed), a new step is taken, even while
    # geometry points run
    assert local.propose(u, f, np.array([[0.9, 0.9]]), rng)[1] == "step"


def test_constraints_use_the_constrained_gp_then_tpe(monkeypatch) -> None:
    monkeypatch.setattr(_auto, "MAX_GP_TRIALS", 10)
    problem = bbopt.testfunctions.WeldedBeam()
    sampler = AutoSampler(seed=0, n_startup_trials=3, constraints_func=problem.trial_constraints)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(problem.objective, n_trials=14)
    assert _algorithms(study) == ["center"] + ["random"] * 2 + ["gp"] * 7 + ["tpe"] * 4
    assert all(len(t.system_attrs["constraints"]) == 7 for t in study.trials)
    feasible = [t for t in study.trials if max(t.system_attrs["constraints"]) <= 0]
    if feasible:
        assert study.best_trial.number in {t.number for t in feasible}


def test_constraints_func_must_be_callable() -> None:
    with pytest.raises(TypeError, match="constraints_func"):
        AutoSampler(constraints_func=3)
