"""QMCSampler: the points are scipy's Sobol/Halton points, without balance warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import qmc

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution
from bbopt.samplers import QMCSampler

SPACE = {
    "b": FloatDistribution(-1.0, 3.0),
    "a": FloatDistribution(1e-3, 1e3, log=True),
    "d": IntDistribution(0, 20, step=4),
    "c": CategoricalDistribution(["x", None, 2, 2.0, True]),
    "e": FloatDistribution(0.0, 1.0, step=0.125),
}


def run(sampler, space, n_trials):
    """Ask and tell ``n_trials`` trials over a fixed space; return their params."""
    study = bbopt.create_study(sampler=sampler)
    params = []
    for i in range(n_trials):
        trial = study.ask(space)
        params.append(trial.params)
        study.tell(trial, float(i % 7))
    return params


def expected_params(points, space):
    """Decode rows of unit-cube points over ``space``; dimensions in sorted name order."""
    names = sorted(space)
    decoded = []
    for point in points:
        row = {}
        for name, u in zip(names, point):
            lo, hi = space[name].internal_bounds()
            row[name] = space[name].to_external(lo + (hi - lo) * float(u))
        decoded.append(row)
    return decoded


def same(a, b):
    return all(
        type(a[k]) is type(b[k])
        and (a[k] == pytest.approx(b[k], rel=1e-12) if isinstance(b[k], float) else a[k] == b[k])
        for k in a
    )


@pytest.mark.parametrize(
    "qmc_type, scramble, seed, engine",
    [
        ("sobol", True, 7, lambda d: qmc.Sobol(d, scramble=True, seed=7)),
        ("sobol", False, None, lambda d: qmc.Sobol(d, scramble=False)),
        ("halton", True, 3, lambda d: qmc.Halton(d, scramble=True, seed=3)),
        ("halton", False, None, lambda d: qmc.Halton(d, scramble=False)),
    ],
)
def test_points_are_the_scipy_points(qmc_type, scramble, seed, engine):
    n_trials = 300
    params = run(QMCSampler(qmc_type=qmc_type, scramble=scramble, seed=seed), SPACE, n_trials)
    points = engine(len(SPACE)).random(512)
    expected = expected_params(points[:n_trials], SPACE)
    # Trial 0 is drawn at random (the space is not known yet); trial k >= 1 takes point k.
    for k in range(1, n_trials):
        assert same(params[k], expected[k]), (k, params[k], expected[k])
    assert all(SPACE[name].contains(v) for p in params for name, v in p.items())


def test_no_scipy_balance_warning():
    # scipy warns when Sobol points are not drawn in powers of two ...
    with pytest.warns(UserWarning, match="balance properties"):
        qmc.Sobol(2, seed=0).random(10)
    # ... and the sampler never triggers it, over several block refills.
    space = {"x": FloatDistribution(0, 1), "y": FloatDistribution(0, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = run(QMCSampler(seed=0), space, 600)
        run(QMCSampler(seed=0, scramble=False), space, 70)
        run(QMCSampler(qmc_type="halton", seed=0), space, 70)
    assert len(params) == 600


@pytest.mark.parametrize("scramble", [True, False])
def test_stratification_of_an_int(scramble):
    """Points 1..255 of Sobol put 16 points in each sixteenth, but one for point 0."""
    space = {"k": IntDistribution(0, 15), "u": FloatDistribution(0.0, 1.0)}
    params = run(QMCSampler(seed=123, scramble=scramble), space, 256)
    counts = np.bincount([p["k"] for p in params[1:]], minlength=16)
    assert counts.sum() == 255
    assert sorted(counts.tolist()) == [15] + [16] * 15


def test_same_seed_same_suggestions_different_seed_different():
    a = run(QMCSampler(seed=5), SPACE, 40)
    assert run(QMCSampler(seed=5), SPACE, 40) == a
    b = run(QMCSampler(seed=6), SPACE, 40)
    assert [p["b"] for p in a[1:]] != [p["b"] for p in b[1:]]
    h = run(QMCSampler(qmc_type="halton", seed=5), SPACE, 40)
    assert [p["b"] for p in a[1:]] != [p["b"] for p in h[1:]]


def test_reseed_restarts_the_sequence():
    sampler = QMCSampler(seed=9)
    first = run(sampler, SPACE, 20)
    sampler.reseed_rng(9)
    assert run(sampler, SPACE, 20) == first


def test_shrinking_space_restarts_on_the_smaller_space():
    """When the shared space loses a parameter, later trials follow the smaller space."""
    x, y = FloatDistribution(0.0, 1.0), FloatDistribution(-5.0, 5.0)
    study = bbopt.create_study(sampler=QMCSampler(seed=2))
    for i in range(10):
        trial = study.ask({"x": x, "y": y})
        study.tell(trial, 0.0)
    trial = study.ask({"x": x})  # trial 10 has no y: the shared space becomes {x}
    study.tell(trial, 0.0)
    later = [study.ask({"x": x}) for _ in range(20)]
    points = qmc.Sobol(1, seed=2).random(64)[:, 0]
    for trial in later:
        assert trial.params["x"] == pytest.approx(points[trial.number], rel=1e-12)
    two_d = qmc.Sobol(2, seed=2).random(64)
    early = study.trials[1:10]
    for frozen in early:
        assert frozen.params["x"] == pytest.approx(two_d[frozen.number, 0], rel=1e-12)
        assert frozen.params["y"] == pytest.approx(-5.0 + 10.0 * two_d[frozen.number, 1], rel=1e-12)


@settings(max_examples=20)
@given(st.integers(0, 2**31), st.sampled_from(["sobol", "halton"]), st.booleans())
def test_define_by_run_values_inside_bounds(seed, qmc_type, scramble):
    def objective(trial):
        kind = trial.suggest_categorical("kind", ["lin", "log"])
        if kind == "lin":
            x = trial.suggest_float("x_lin", -2.0, 2.0, step=0.5)
        else:
            x = trial.suggest_float("x_log", 1e-4, 1.0, log=True)
        n = trial.suggest_int("n", 1, 64, log=True)
        return x + n

    study = bbopt.create_study(sampler=QMCSampler(qmc_type=qmc_type, scramble=scramble, seed=seed))
    study.optimize(objective, n_trials=30)
    for trial in study.trials:
        assert trial.state == bbopt.TrialState.COMPLETE
        for name, value in trial.params.items():
            assert trial.distributions[name].contains(value), (name, value)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(qmc_type="lhs"), ValueError, r"'qmc_type' parameter of QMCSampler.*'sobol'.*Got 'lhs'"),
        (dict(qmc_type="Sobol"), ValueError, r"'qmc_type'.*Got 'Sobol'"),
        (dict(qmc_type=None), ValueError, r"'qmc_type'.*Got None"),
        (dict(scramble="yes"), TypeError, r"'scramble' parameter of QMCSampler.*bool.*Got 'yes'"),
        (dict(scramble=1), TypeError, r"'scramble'.*Got 1"),
        (dict(seed=-3), ValueError, r"'seed' parameter of QMCSampler.*>= 0.*Got -3"),
        (dict(seed=2.5), TypeError, r"'seed' parameter of QMCSampler.*Got 2\.5"),
    ],
)
def test_invalid_options(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        QMCSampler(**kwargs)
