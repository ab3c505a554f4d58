"""RandomSampler: bounds, step grids, uniformity, log-uniformity, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import bbopt
from bbopt import CategoricalDistribution, FloatDistribution, IntDistribution
from bbopt.samplers import BaseSampler, RandomSampler


@st.composite
def distributions(draw):
    kind = draw(st.sampled_from(["float", "float_log", "float_step", "int", "int_log", "cat"]))
    if kind == "float":
        low, high = sorted(draw(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2)))
        return FloatDistribution(low, high)
    if kind == "float_log":
        low, high = sorted(draw(st.lists(st.floats(1e-8, 1e8), min_size=2, max_size=2)))
        return FloatDistribution(low, high, log=True)
    if kind == "float_step":
        low, step = draw(st.floats(-1e3, 1e3)), draw(st.floats(1e-3, 1e2))
        return FloatDistribution(low, low + draw(st.integers(0, 100)) * step, step=step)
    if kind == "int":
        low, step = draw(st.integers(-1000, 1000)), draw(st.integers(1, 20))
        return IntDistribution(low, low + draw(st.integers(0, 50)) * step, step=step)
    if kind == "int_log":
        low, high = sorted(draw(st.lists(st.integers(1, 10**9), min_size=2, max_size=2)))
        return IntDistribution(low, high, log=True)
    choices = draw(st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()),
                            min_size=1, max_size=10, unique_by=lambda c: (type(c), c)))
    return CategoricalDistribution(choices)


def suggestions(sampler, space, n):
    """Ask ``n`` trials over ``space`` (name -> distribution); return their params."""
    study = bbopt.create_study(sampler=sampler)
    params = []
    for _ in range(n):
        trial = study.ask(space)
        params.append(trial.params)
        study.tell(trial, 0.0)
    return params


def draws(distribution, n, seed=0):
    """``n`` user values of ``distribution`` drawn by a seeded RandomSampler."""
    return [p["x"] for p in suggestions(RandomSampler(seed), {"x": distribution}, n)]


@given(distributions(), st.integers(0, 2**32 - 1))
def test_suggestions_inside_bounds_and_on_the_grid(distribution, seed):
    for value in draws(distribution, 20, seed):
        assert distribution.contains(value), (distribution, value)
        if isinstance(distribution, IntDistribution):
            assert type(value) is int
            assert (value - distribution.low) % distribution.step == 0
        elif isinstance(distribution, FloatDistribution):
            assert type(value) is float
            assert distribution.low <= value <= distribution.high
            if distribution.step is not None:
                k = (value - distribution.low) / distribution.step
                assert abs(k - round(k)) < 1e-6
        else:
            assert any(value is c or (type(c) is type(value) and c == value)
                       for c in distribution.choices)


def test_float_is_uniform():
    values = np.array(draws(FloatDistribution(-2.0, 6.0), 3000))
    assert stats.kstest(values, stats.uniform(-2.0, 8.0).cdf).pvalue > 1e-3
    assert values.min() >= -2.0 and values.max() <= 6.0


def test_log_float_is_log_uniform():
    values = np.array(draws(FloatDistribution(1e-5, 1e3, log=True), 3000))
    assert values.min() >= 1e-5 and values.max() <= 1e3
    log_uniform = stats.uniform(math.log(1e-5), math.log(1e3) - math.log(1e-5))
    assert stats.kstest(np.log(values), log_uniform.cdf).pvalue > 1e-3
    # A sampler that ignored log=True would put nearly everything above 1.
    assert np.mean(values < 1.0) == pytest.approx(5 / 8, abs=0.05)


def test_log_int_follows_the_log_cells():
    # Value k owns [log(k - 1/2), log(k + 1/2)) of the internal interval.
    values = np.array(draws(IntDistribution(1, 16, log=True), 4000))
    ks = np.arange(1, 17)
    counts = np.array([(values == k).sum() for k in ks])
    widths = np.log((ks + 0.5) / (ks - 0.5))
    assert stats.chisquare(counts, 4000 * widths / widths.sum()).pvalue > 1e-3
    # Not uniform over the values: 1 is drawn far more often than 16.
    assert counts[0] > 5 * counts[-1]


@pytest.mark.parametrize(
    "distribution, support",
    [
        (IntDistribution(-3, 5), list(range(-3, 6))),
        (IntDistribution(0, 100, step=25), [0, 25, 50, 75, 100]),
        (FloatDistribution(0.0, 1.0, step=0.25), [0.0, 0.25, 0.5, 0.75, 1.0]),
        (CategoricalDistribution([None, True, 1, 1.0, "a"]), [None, True, 1, 1.0, "a"]),
    ],
)
def test_discrete_values_are_uniform(distribution, support):
    values = draws(distribution, 3000)
    keys = [(type(v), v) for v in values]
    counts = [keys.count((type(s), s)) for s in support]
    assert sum(counts) == 3000  # nothing outside the support
    assert stats.chisquare(counts).pvalue > 1e-3


def test_single_value_distributions():
    assert set(draws(FloatDistribution(1.5, 1.5), 5)) == {1.5}
    assert set(draws(IntDistribution(7, 7), 5)) == {7}
    assert draws(CategoricalDistribution(["only"]), 3) == ["only"] * 3


SPACE = {
    "x": FloatDistribution(-1.0, 1.0),
    "lr": FloatDistribution(1e-5, 1.0, log=True),
    "n": IntDistribution(0, 100, step=5),
    "act": CategoricalDistribution(["relu", "tanh", None]),
}


def test_same_seed_same_suggestions():
    assert suggestions(RandomSampler(3), SPACE, 50) == suggestions(RandomSampler(3), SPACE, 50)


def test_different_seeds_different_suggestions():
    a = suggestions(RandomSampler(3), SPACE, 20)
    b = suggestions(RandomSampler(4), SPACE, 20)
    assert [p["x"] for p in a] != [p["x"] for p in b]
    assert a != b


def test_no_seed_is_random():
    assert suggestions(RandomSampler(), SPACE, 5) != suggestions(RandomSampler(), SPACE, 5)


def test_reseed_restarts_the_stream():
    sampler = RandomSampler(11)
    first = suggestions(sampler, SPACE, 10)
    assert suggestions(sampler, SPACE, 10) != first  # the stream goes on
    sampler.reseed_rng(11)
    assert suggestions(sampler, SPACE, 10) == first


def test_reproducible_beyond_one_block_and_define_by_run():
    """Long define-by-run studies are reproducible too (more draws than one block)."""

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return trial.suggest_float("xa", 0.0, 1.0)
        return sum(trial.suggest_int(f"k{i}", 0, 9) for i in range(20))

    runs = []
    for _ in range(2):
        study = bbopt.create_study(sampler=RandomSampler(5))
        study.optimize(objective, n_trials=600)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    assert {p["kind"] for p in runs[0]} == {"a", "b"}


@pytest.mark.parametrize(
    "seed, error, pattern",
    [
        (-1, ValueError, r"'seed' parameter of RandomSampler.*>= 0.*Got -1"),
        (1.5, TypeError, r"'seed' parameter of RandomSampler.*an int.*Got 1\.5"),
        ("0", TypeError, r"'seed'.*Got '0'"),
        (True, TypeError, r"'seed'.*Got True"),
    ],
)
def test_invalid_seed(seed, error, pattern):
    with pytest.raises(error, match=pattern):
        RandomSampler(seed)


def test_is_a_sampler():
    # The default of create_study is AutoSampler now (tests/samplers/test_auto.py).
    assert isinstance(RandomSampler(), BaseSampler)
