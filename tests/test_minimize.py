"""`bbopt.minimize`: the scipy-style entry point."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import Bounds

import bbopt
from bbopt import TrialState
from bbopt.samplers import QMCSampler, RandomSampler
from bbopt.testfunctions import Branin, Sphere


def sphere(x):
    return float(np.sum((x - 0.25) ** 2))


BOX = [(-1.0, 1.0), (0.0, 2.0), (-5.0, -4.0)]


# -- bounds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bounds",
    [
        [],
        [0.0, 1.0],                       # 1-D
        [(0.0, 1.0, 2.0)],                # triples
        [[(0.0, 1.0)]],                   # 3-D
        [(0.0,), (1.0,)],
        "0, 1",
        None,
        [("a", "b")],
        [(0.0, 1.0), (0.0,)],             # ragged
    ],
)
def test_bounds_shape(bounds):
    with pytest.raises(ValueError, match="'bounds'.*pairs"):
        bbopt.minimize(sphere, bounds, n_trials=2)


@pytest.mark.parametrize(
    "bounds",
    [
        [(0.0, math.inf)],
        [(-math.inf, 0.0)],
        [(0.0, 1.0), (math.nan, 1.0)],
        [(1.0, 0.0)],
        [(0.0, 1.0), (2.0, 1.999)],
        Bounds([0.0, 1.0], [1.0, 0.5]),
        Bounds([0.0], [np.inf]),
    ],
)
def test_bounds_values(bounds):
    with pytest.raises(ValueError, match="'bounds'.*finite pairs with low <= high"):
        bbopt.minimize(sphere, bounds, n_trials=2)


@pytest.mark.parametrize(
    "bounds",
    [
        Bounds([-1.0, 0.0, -5.0], [1.0, 2.0, -4.0]),
        np.array(BOX),
        tuple(BOX),
        [[-1, 1], [0, 2], [-5, -4]],  # ints
    ],
)
def test_bounds_accepted_forms(bounds):
    result = bbopt.minimize(sphere, bounds, n_trials=16, seed=0)
    box = np.array(BOX)
    assert result.x_history.shape == (16, 3)
    assert np.all((box[:, 0] <= result.x_history) & (result.x_history <= box[:, 1]))


def test_scipy_bounds_with_scalar_broadcast():
    result = bbopt.minimize(sphere, Bounds(np.zeros(4), 1.0), n_trials=8, seed=0)
    assert result.x.shape == (4,)
    assert np.all((0 <= result.x_history) & (result.x_history <= 1))


def test_degenerate_bound_is_constant():
    result = bbopt.minimize(sphere, [(0.5, 0.5), (0.0, 1.0)], n_trials=10, seed=0)
    assert np.all(result.x_history[:, 0] == 0.5)
    # The free coordinate varies (the default sampler's local phase may confirm the exact
    # optimum 0.25 once before restarting).
    assert len(np.unique(result.x_history[:, 1])) >= 8


# -- x0 ---------------------------------------------------------------------------


def test_x0_is_evaluated_first():
    seen = []

    def f(x):
        seen.append(x.copy())
        return sphere(x)

    x0 = [0.25, 0.25, -4.0]
    result = bbopt.minimize(f, BOX, n_trials=10, x0=x0, seed=0)
    assert np.array_equal(seen[0], x0)
    assert np.array_equal(result.x_history[0], x0)
    assert result.fun_history[0] == sphere(np.array(x0))
    # x0 is the best point here (only the third coordinate is off, at its bound).
    assert result.fun <= sphere(np.array(x0))


def test_x0_on_the_bounds():
    result = bbopt.minimize(sphere, BOX, n_trials=3, x0=np.array([1.0, 0.0, -5.0]), seed=0)
    assert np.array_equal(result.x_history[0], [1.0, 0.0, -5.0])


@pytest.mark.parametrize(
    "x0",
    [
        [0.0, 0.0],                    # wrong length
        [0.0, 0.0, -4.5, 0.0],
        [[0.0, 0.0, -4.5]],            # wrong shape
        [2.0, 0.0, -4.5],              # outside
        [0.0, 0.0, -3.0],
        [0.0, math.nan, -4.5],
    ],
)
def test_x0_invalid(x0):
    with pytest.raises(ValueError, match="'x0'"):
        bbopt.minimize(sphere, BOX, n_trials=3, x0=x0)


# -- result ---------------------------------------------------------------------


@pytest.mark.parametrize("sampler", ["qmc", "random"])
def test_result_fields(sampler):
    calls = []

    def f(x):
        calls.append(x.copy())
        return sphere(x)

    result = bbopt.minimize(f, BOX, n_trials=32, sampler=sampler, seed=1)
    assert isinstance(result, bbopt.OptimizeResult)
    assert result.nfev == 32 == len(calls)
    assert result.x_history.shape == (32, 3) and result.fun_history.shape == (32,)
    assert result.x_history.dtype == np.float64 and result.fun_history.dtype == np.float64
    assert np.array_equal(result.x_history, np.array(calls))
    assert np.array_equal(result.fun_history, [sphere(x) for x in calls])
    assert result.fun == result.fun_history.min() == sphere(result.x)
    assert np.array_equal(result.x, result.x_history[np.argmin(result.fun_history)])
    assert isinstance(result.fun, float)
    assert len(result.study.trials) == 32
    assert result.study.best_value == result.fun


def test_result_arrays_are_owned():
    result = bbopt.minimize(sphere, BOX, n_trials=4, seed=0)
    assert result.x_history.base is None or result.x_history.flags.owndata
    x = result.x.copy()
    result.x_history[:] = 0
    assert np.array_equal(result.x, x)


def test_minimize_finds_the_branin_region():
    f = Branin()
    result = bbopt.minimize(f, f.bounds, n_trials=256, seed=0)
    assert f.regret(result.fun) < 0.5


def test_vectorised_test_function():
    f = Sphere(n_dims=5)
    result = bbopt.minimize(f, f.bounds, n_trials=20, seed=0)
    assert np.allclose(f(result.x_history), result.fun_history)


# -- callback ---------------------------------------------------------------------


def test_callback_sees_the_partial_result_and_can_stop():
    seen = []

    def callback(partial):
        seen.append((partial.nfev, len(partial.fun_history), partial.fun))
        assert partial.fun == np.nanmin(partial.fun_history)
        return partial.nfev == 5

    result = bbopt.minimize(sphere, BOX, n_trials=50, callback=callback, seed=0)
    assert [s[:2] for s in seen] == [(i, i) for i in range(1, 6)]
    assert result.nfev == 5 and result.x_history.shape == (5, 3)
    assert len(result.study.trials) == 5
    assert [fun for *_, fun in seen] == sorted((fun for *_, fun in seen), reverse=True)


def test_callback_returning_none_or_false_continues():
    result = bbopt.minimize(sphere, BOX, n_trials=6, callback=lambda r: None, seed=0)
    assert result.nfev == 6
    result = bbopt.minimize(sphere, BOX, n_trials=6, callback=lambda r: False, seed=0)
    assert result.nfev == 6


# -- sampler and seed --------------------------------------------------------------


def test_sampler_by_object():
    sampler = RandomSampler(seed=5)
    result = bbopt.minimize(sphere, BOX, n_trials=8, sampler=sampler)
    assert result.study.sampler is sampler
    by_name = bbopt.minimize(sphere, BOX, n_trials=8, sampler="random", seed=5)
    assert np.array_equal(result.x_history, by_name.x_history)


def test_sampler_by_name_builds_that_sampler():
    assert isinstance(bbopt.minimize(sphere, BOX, n_trials=2, sampler="qmc").study.sampler,
                      QMCSampler)
    assert isinstance(bbopt.minimize(sphere, BOX, n_trials=2, sampler="random").study.sampler,
                      RandomSampler)


@pytest.mark.parametrize("sampler", ["nope", "Random", "", None, 3])
def test_invalid_sampler(sampler):
    with pytest.raises(ValueError, match="'sampler'"):
        bbopt.minimize(sphere, BOX, n_trials=2, sampler=sampler)


@pytest.mark.parametrize("sampler", ["qmc", "random"])
def test_seed_reproducibility(sampler):
    a = bbopt.minimize(sphere, BOX, n_trials=20, sampler=sampler, seed=3)
    b = bbopt.minimize(sphere, BOX, n_trials=20, sampler=sampler, seed=3)
    c = bbopt.minimize(sphere, BOX, n_trials=20, sampler=sampler, seed=4)
    assert np.array_equal(a.x_history, b.x_history)
    assert np.array_equal(a.fun_history, b.fun_history)
    assert not np.array_equal(a.x_history, c.x_history)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": -1}, ValueError, "'seed'"),
        ({"seed": 1.5}, TypeError, "'seed'"),
        ({"n_trials": 0}, ValueError, "'n_trials'"),
        ({"n_trials": 2.0}, TypeError, "'n_trials'"),
        ({"callback": 3}, TypeError, "'callback'"),
    ],
)
def test_invalid_arguments(kwargs, error, match):
    kwargs = {"n_trials": 2, **kwargs}
    with pytest.raises(error, match=match):
        bbopt.minimize(sphere, BOX, **kwargs)


def test_func_not_callable():
    with pytest.raises(TypeError, match="'func'"):
        bbopt.minimize([1, 2], BOX, n_trials=2)


def test_n_trials_is_keyword_only():
    with pytest.raises(TypeError):
        bbopt.minimize(sphere, BOX, 10)


# -- non-finite values ---------------------------------------------------------------


def test_nan_from_func_fails_the_trial():
    def f(x):
        return math.nan if x[0] > 0 else sphere(x)

    with pytest.warns(UserWarning, match="non-finite"):
        result = bbopt.minimize(f, BOX, n_trials=30, seed=0)
    failed = result.x_history[:, 0] > 0
    assert failed.any() and (~failed).any()
    assert np.all(np.isnan(result.fun_history[failed]))
    assert np.all(np.isfinite(result.fun_history[~failed]))
    states = np.array([t.state for t in result.study.trials])
    assert np.array_equal(states == TrialState.FAIL, failed)
    assert result.fun == np.nanmin(result.fun_history) and result.x[0] <= 0


def test_all_values_non_finite():
    with pytest.warns(UserWarning, match="non-finite"):
        result = bbopt.minimize(lambda x: math.inf, BOX, n_trials=4, seed=0)
    assert result.nfev == 4
    assert math.isnan(result.fun) and np.all(np.isnan(result.x))
    assert np.all(np.isnan(result.fun_history))


def test_func_that_raises_fails_its_trial_and_propagates():
    calls = []

    def func(x):
        calls.append(x)
        if len(calls) == 3:
            raise RuntimeError("simulation crashed")
        return float(x.sum())

    with pytest.raises(RuntimeError, match="simulation crashed"):
        bbopt.minimize(func, [(0.0, 1.0)], n_trials=5, sampler=bbopt.samplers.RandomSampler(0))


def test_the_reported_point_is_the_one_evaluated_even_if_func_changes_it():
    def vandal(x):
        value = float(x[0])
        x[0] = 99.0
        return value

    result = bbopt.minimize(vandal, [(0.0, 1.0)], n_trials=8, sampler="random", seed=0)
    assert 0.0 <= result.x[0] <= 1.0 and result.fun == result.x[0]
    assert np.all((result.x_history >= 0) & (result.x_history <= 1))
