"""GPSampler: options, parameter types, robustness, batches and long-study paths."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution, TrialState
from bbopt.samplers import GPSampler, RandomSampler
from bbopt.samplers import _gp as gp_module
from bbopt.surrogates import GaussianProcess

MIXED = {
    "a": FloatDistribution(1e-3, 1e3, log=True),
    "b": FloatDistribution(-1.0, 3.0),
    "c": CategoricalDistribution(["x", None, 2, 2.0, True]),
    "d": IntDistribution(0, 20, step=4),
    "e": FloatDistribution(0.0, 1.0, step=0.125),
    "f": IntDistribution(1, 1000, log=True),
}



def _model_of(sampler):
    """The GP model of the one study ``sampler`` served (models are kept per study)."""
    (slot,) = sampler._models._states.values()
    return slot[0]

def _mixed_value(p: dict) -> float:
    return (
        (math.log10(p["a"]) - 1) ** 2 + (p["b"] - 0.5) ** 2
        + (not (isinstance(p["c"], float) and p["c"] == 2.0))
        + abs(p["d"] - 8) / 4 + (p["e"] - 0.25) ** 2 + abs(math.log10(p["f"]) - 2)
    )


def _run(sampler, space, func, n_trials, direction="minimize"):
    study = bbopt.create_study(sampler=sampler, direction=direction)
    for _ in range(n_trials):
        trial = study.ask(space)
        study.tell(trial, func(trial.params))
    return study


@pytest.mark.parametrize(
    ("kwargs", "match", "error"),
    [
        ({"noise_floor": -1e-3}, r"'noise_floor' parameter of GPSampler must be >= 0", ValueError),
        ({"noise_floor": math.nan}, r"'noise_floor' parameter of GPSampler must be finite",
         ValueError),
        ({"n_startup_trials": -1},
         r"'n_startup_trials' parameter of GPSampler must be an int >= 0", ValueError),
        ({"n_startup_trials": 2.5}, r"'n_startup_trials' .* must be an int", TypeError),
        ({"seed": -3}, r"'seed' parameter of GPSampler", ValueError),
        ({"deterministic_objective": 1}, r"'deterministic_objective' .* must be a bool",
         TypeError),
        ({"independent_sampler": "random"}, r"'independent_sampler' .* must be a BaseSampler",
         TypeError),
        ({"n_candidates": 0}, r"'n_candidates' .* must be an int >= 1", ValueError),
        ({"max_exact_observations": 1}, r"'max_exact_observations' .* must be an int >= 2",
         ValueError),
    ],
)
def test_invalid_options(kwargs: dict, match: str, error: type) -> None:
    with pytest.raises(error, match=match):
        GPSampler(**kwargs)


def test_beats_random_search_on_a_smooth_function() -> None:
    space = {"x": FloatDistribution(-5.0, 5.0), "y": FloatDistribution(-5.0, 5.0)}

    def func(p):
        return (p["x"] - 1.3) ** 2 + 2 * (p["y"] + 0.7) ** 2

    gp = _run(GPSampler(seed=0, n_startup_trials=5), space, func, 25).best_value
    rand = _run(RandomSampler(seed=0), space, func, 25).best_value
    assert gp < 1e-2
    assert gp < rand


def test_maximisation() -> None:
    space = {"x": FloatDistribution(0.0, 1.0)}
    study = _run(GPSampler(seed=1, n_startup_trials=4), space, lambda p: -(p["x"] - 0.8) ** 2, 15,
                 direction="maximize")
    assert study.best_params["x"] == pytest.approx(0.8, abs=0.05)


def test_mixed_parameters_are_valid_and_optimised() -> None:
    study = _run(GPSampler(seed=0, n_startup_trials=8), MIXED, _mixed_value, 30)
    for trial in study.trials:
        for name, dist in MIXED.items():
            assert dist.contains(trial.params[name]), (name, trial.params[name])
    best = study.best_params
    assert best["c"] == 2.0 and not isinstance(best["c"], int)
    assert study.best_value < _run(RandomSampler(seed=0), MIXED, _mixed_value, 30).best_value


def test_same_seed_same_suggestions() -> None:
    first = _run(GPSampler(seed=3, n_startup_trials=4), MIXED, _mixed_value, 8)
    second = _run(GPSampler(seed=3, n_startup_trials=4), MIXED, _mixed_value, 8)
    assert [t.params for t in first.trials] == [t.params for t in second.trials]


def test_startup_trials_come_from_the_independent_sampler() -> None:
    class Recording(RandomSampler):
        calls = 0

        def sample_independent(self, study, trial, name, distribution):
            Recording.calls += 1
            return super().sample_independent(study, trial, name, distribution)

    sampler = GPSampler(seed=0, n_startup_trials=3, independent_sampler=Recording(seed=0))
    _run(sampler, {"x": FloatDistribution(0.0, 1.0)}, lambda p: p["x"], 6)
    assert Recording.calls == 3


def test_define_by_run_parameters_outside_the_shared_space() -> None:
    study = bbopt.create_study(sampler=GPSampler(seed=0, n_startup_trials=3))

    def objective(trial):
        x = trial.suggest_float("x", -2.0, 2.0)
        if trial.number % 2:
            return x**2 + trial.suggest_int("extra", 0, 3)
        return x**2

    study.optimize(objective, n_trials=10)
    assert len(study.trials) == 10
    assert study.best_value < 0.5


def test_failed_and_pruned_trials_are_ignored() -> None:
    study = bbopt.create_study(sampler=GPSampler(seed=0, n_startup_trials=2))
    space = {"x": FloatDistribution(0.0, 1.0)}
    for i in range(12):
        trial = study.ask(space)
        if i % 3 == 1:
            study.tell(trial, state=TrialState.FAIL)
        elif i % 3 == 2:
            with pytest.warns(UserWarning, match="non-finite value"):
                study.tell(trial, math.nan)  # FAIL too
        else:
            trial.report(-1e9, step=0)
            study.tell(trial, state=TrialState.PRUNED) if i == 3 else study.tell(
                trial, (trial.params["x"] - 0.3) ** 2)
    model = _model_of(study.sampler)
    assert model is not None
    assert model.y.size == 3  # the COMPLETE trials 0, 6 and 9
    assert np.all(np.isfinite(model.y))


def test_batch_asks_spread_out() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=5)
    space = {"x": FloatDistribution(-3.0, 3.0), "y": FloatDistribution(-3.0, 3.0)}
    study = _run(sampler, space, lambda p: (p["x"] - 1) ** 2 + p["y"] ** 2, 10)
    batch = study.ask_batch(4, space)
    points = np.array([[t.params["x"], t.params["y"]] for t in batch])
    distances = np.linalg.norm(points[:, None] - points[None], axis=2)[np.triu_indices(4, 1)]
    assert distances.min() > 1e-3
    for trial in batch:
        study.tell(trial, 1.0)
    assert study._storage.get_running_points(study._study_id).numbers.size == 0


def test_define_by_run_batch_asks_spread_out() -> None:
    # Parameters of ask_batch() without a space reach the storage only when suggested:
    # the trial notes its joint draw among the running points at once.
    sampler = GPSampler(seed=0, n_startup_trials=5)
    study = bbopt.create_study(sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", -3.0, 3.0) - 1) ** 2, n_trials=8)
    batch = study.ask_batch(3)
    xs = [trial.suggest_float("x", -3.0, 3.0) for trial in batch]
    assert len(set(xs)) == 3


@pytest.mark.parametrize(
    "values",
    [np.full(12, 4.2), np.linspace(1.0, 2.0, 12) * 1e-12, np.linspace(1.0, 2.0, 12) * 1e12],
    ids=["constant", "1e-12", "1e12"],
)
def test_degenerate_values_still_give_suggestions(values: np.ndarray) -> None:
    space = {"x": FloatDistribution(0.0, 1.0), "y": FloatDistribution(0.0, 1.0)}
    study = bbopt.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning, no numpy warning
        for v in values:
            trial = study.ask(space)
            assert all(0.0 <= trial.params[k] <= 1.0 for k in space)
            study.tell(trial, float(v * (1 + trial.params["x"])))


def test_duplicates_one_observation_and_a_fixed_dimension() -> None:
    space = {"x": FloatDistribution(0.0, 1.0), "y": FloatDistribution(0.0, 1.0)}
    sampler = GPSampler(seed=0, n_startup_trials=1, deterministic_objective=True, noise_floor=0.0)
    study = bbopt.create_study(sampler=sampler)
    for _ in range(8):  # the same point again and again, y never varies
        study.enqueue_trial({"x": 0.5, "y": 0.25})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(12):
            trial = study.ask(space)
            study.tell(trial, (trial.params["x"] - 0.2) ** 2)
    assert study.trials[8].params != {"x": 0.5, "y": 0.25}
    assert study.best_value < 0.09


def test_falls_back_to_the_independent_sampler_with_a_warning(monkeypatch) -> None:
    def broken_fit(self, x, y, *args, **kwargs):
        raise np.linalg.LinAlgError(
            "gp_log_marginal_likelihood(n=3, d=1): a matrix is not positive definite")

    monkeypatch.setattr(GaussianProcess, "fit", broken_fit)
    study = bbopt.create_study(sampler=GPSampler(seed=0, n_startup_trials=2))
    space = {"x": FloatDistribution(0.0, 1.0)}
    for _ in range(2):
        trial = study.ask(space)
        study.tell(trial, trial.params["x"])
    with pytest.warns(UserWarning, match="could not fit its Gaussian process .* RandomSampler"):
        trial = study.ask(space)
    assert 0.0 <= trial.params["x"] <= 1.0


def test_other_errors_of_the_fit_are_not_swallowed(monkeypatch) -> None:
    def broken_fit(self, x, y, *args, **kwargs):
        raise ValueError("a bug, not a matrix that is not positive definite")

    monkeypatch.setattr(GaussianProcess, "fit", broken_fit)
    study = bbopt.create_study(sampler=GPSampler(seed=0, n_startup_trials=2))
    space = {"x": FloatDistribution(0.0, 1.0)}
    for _ in range(2):
        trial = study.ask(space)
        study.tell(trial, trial.params["x"])
    with pytest.raises(ValueError, match="a bug"):
        study.ask(space)


def test_incremental_updates_match_a_full_fit(monkeypatch) -> None:
    # Refit rarely, so that most observations go through GaussianProcess.append.
    monkeypatch.setattr(gp_module, "REFIT_EVERY_TRIAL_BELOW", 6)
    monkeypatch.setattr(gp_module, "REFIT_GROWTH", 10.0)
    sampler = GPSampler(seed=0, n_startup_trials=5)
    space = {"x": FloatDistribution(-2.0, 2.0), "k": CategoricalDistribution(["p", "q"])}
    _run(sampler, space, lambda p: p["x"] ** 2 + (p["k"] == "q"), 20)
    gp = _model_of(sampler).gp
    assert _model_of(sampler).n_at_fit == 5 and gp.n == 19
    full = GaussianProcess(gp.categorical.astype(bool), gp.noise_floor, gp.fixed_noise)
    full.theta = gp.theta.copy()
    full.set_data(gp.x, gp.y_raw)
    np.testing.assert_allclose(gp.chol, full.chol, atol=1e-8)
    np.testing.assert_allclose(gp.alpha, full.alpha, rtol=1e-6, atol=1e-6)


def test_subset_above_max_exact_observations() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=5, max_exact_observations=12)
    space = {"x": FloatDistribution(-2.0, 2.0)}
    study = _run(sampler, space, lambda p: p["x"] ** 2, 20)
    model = _model_of(sampler)
    assert model.subset and model.gp.n == 12 and model.y.size == 19
    # The best observation is always kept.
    assert model.gp.y_raw.min() == model.y.min() == study.best_value


def test_minimize_accepts_gp() -> None:
    result = bbopt.minimize(lambda x: float(((x - 0.3) ** 2).sum()), [(-1, 1), (-1, 1)],
                            n_trials=18, sampler="gp", seed=0)
    assert result.fun < 0.05
