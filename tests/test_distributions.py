"""Distributions: encoding round-trips, membership, internal bounds, JSON, validation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import bbopt
from bbopt import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_from_dict,
    distribution_from_json,
    distribution_to_json,
)

# -- strategies --------------------------------------------------------------

moderate = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def plain_floats(draw):
    low, high = sorted((draw(moderate), draw(moderate)))
    return FloatDistribution(low, high)


@st.composite
def log_floats(draw):
    low, high = sorted((draw(positive), draw(positive)))
    return FloatDistribution(low, high, log=True)


@st.composite
def step_floats(draw):
    low = draw(st.floats(-1e3, 1e3))
    step = draw(st.floats(1e-3, 1e3))
    n_steps = draw(st.integers(0, 1000))
    return FloatDistribution(low, low + n_steps * step, step=step)


@st.composite
def plain_ints(draw):
    low = draw(st.integers(-(10**6), 10**6))
    step = draw(st.integers(1, 50))
    n_steps = draw(st.integers(0, 200))
    return IntDistribution(low, low + n_steps * step, step=step)


@st.composite
def log_ints(draw):
    low, high = sorted((draw(st.integers(1, 2**40)), draw(st.integers(1, 2**40))))
    return IntDistribution(low, high, log=True)


def choice_key(choice):
    """Identity of a choice as the tests see it: its type and value (NaN equal to NaN)."""
    if isinstance(choice, float) and math.isnan(choice):
        return (float, "nan")
    return (type(choice), choice)


choice_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),  # NaN and infinities included
    st.text(max_size=8),
)
categoricals = st.lists(choice_values, min_size=1, max_size=12, unique_by=choice_key).map(
    CategoricalDistribution
)
distributions = st.one_of(
    plain_floats(), log_floats(), step_floats(), plain_ints(), log_ints(), categoricals
)


def same_choice(a, b):
    return choice_key(a) == choice_key(b)


# -- encoding round-trips ----------------------------------------------------


@given(plain_floats(), st.floats(0, 1))
def test_plain_float_round_trip(d, u):
    value = min(d.low + (d.high - d.low) * u, d.high)
    assert d.contains(value)
    internal = d.to_internal(value)
    assert internal == value
    assert d.to_external(internal) == value


@given(log_floats(), st.floats(0, 1))
def test_log_float_round_trip(d, u):
    value = min(d.low * (d.high / d.low) ** u, d.high)
    value = max(value, d.low)
    assert d.contains(value)
    internal = d.to_internal(value)
    assert internal == pytest.approx(math.log(value), rel=1e-15, abs=1e-15)
    decoded = d.to_external(internal)
    assert d.contains(decoded)
    assert decoded == pytest.approx(value, rel=1e-12)


@given(step_floats(), st.data())
def test_step_float_round_trip(d, data):
    n_steps = round((d.high - d.low) / d.step)
    k = data.draw(st.integers(0, n_steps))
    value = min(d.low + k * d.step, d.high)
    assert d.contains(value)
    decoded = d.to_external(d.to_internal(value))
    assert decoded == value
    # Any internal value decodes to the nearest grid point.
    jitter = data.draw(st.floats(-0.49, 0.49))
    assert d.to_external(value + jitter * d.step) == pytest.approx(value, abs=1e-9 * d.step)


@given(plain_ints(), st.data())
def test_int_round_trip(d, data):
    k = data.draw(st.integers(0, (d.high - d.low) // d.step))
    value = d.low + k * d.step
    assert d.contains(value)
    internal = d.to_internal(value)
    assert isinstance(internal, float) and internal == value
    decoded = d.to_external(internal)
    assert type(decoded) is int and decoded == value
    jitter = data.draw(st.floats(-0.49, 0.49))
    assert d.to_external(internal + jitter * d.step) == value


@given(log_ints(), st.data())
def test_log_int_round_trip(d, data):
    value = data.draw(st.integers(d.low, d.high))
    assert d.contains(value)
    internal = d.to_internal(value)
    assert internal == pytest.approx(math.log(value))
    decoded = d.to_external(internal)
    assert type(decoded) is int and decoded == value


@given(categoricals, st.data())
def test_categorical_round_trip(d, data):
    i = data.draw(st.integers(0, len(d.choices) - 1))
    choice = d.choices[i]
    assert d.contains(choice)
    assert d.to_internal(choice) == float(i)
    assert same_choice(d.to_external(float(i)), choice)
    assert same_choice(d.to_external(i + data.draw(st.floats(-0.49, 0.49))), choice)


def test_true_one_and_one_point_zero_are_distinct_choices():
    d = CategoricalDistribution([True, 1, 1.0, None, "1", 0, False, 0.0])
    assert len(d.choices) == 8
    assert [d.to_internal(c) for c in (True, 1, 1.0, None, "1", 0, False, 0.0)] == [
        0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0,
    ]
    assert d.to_external(0.0) is True
    assert type(d.to_external(1.0)) is int
    assert type(d.to_external(2.0)) is float
    assert d.to_external(6.0) is False
    assert not CategoricalDistribution([1]).contains(True)
    assert not CategoricalDistribution([1]).contains(1.0)
    assert not CategoricalDistribution([True]).contains(1)


def test_nan_choice_is_found():
    d = CategoricalDistribution(["a", float("nan")])
    assert d.contains(float("nan"))
    assert d.to_internal(float("nan")) == 1.0
    assert math.isnan(d.to_external(1.0))


def test_numpy_scalar_choices_behave_like_builtins():
    d = CategoricalDistribution(list(np.linspace(0.0, 1.0, 3)) + [np.str_("a")])
    assert d.contains(0.5) and d.contains("a")
    assert d.to_internal(1.0) == 2.0
    assert distribution_from_json(distribution_to_json(d)) == d


def test_decoding_clips_to_the_bounds():
    assert FloatDistribution(0.0, 1.0).to_external(7.5) == 1.0
    assert FloatDistribution(0.0, 1.0).to_external(-7.5) == 0.0
    assert FloatDistribution(1.0, 10.0, log=True).to_external(math.log(100.0)) == 10.0
    assert IntDistribution(0, 10, step=5).to_external(14.0) == 10
    assert IntDistribution(0, 10, step=5).to_external(-3.0) == 0
    assert IntDistribution(1, 8, log=True).to_external(math.log(0.1)) == 1
    d = CategoricalDistribution(["a", "b", "c"])
    assert d.to_external(9.0) == "c"
    assert d.to_external(-9.0) == "a"


# -- contains ----------------------------------------------------------------


def test_float_contains():
    d = FloatDistribution(-1.0, 2.0)
    assert d.contains(-1.0) and d.contains(2.0) and d.contains(0) and d.contains(np.float64(0.5))
    for bad in (-1.0001, 2.0001, float("nan"), float("inf"), True, "1", None, [1.0]):
        assert not d.contains(bad), bad
    s = FloatDistribution(0.0, 1.0, step=0.1)
    assert s.contains(0.3) and s.contains(0.7000000000000001) and s.contains(1.0)
    assert not s.contains(0.35)
    assert not s.contains(1.1)


def test_int_contains():
    d = IntDistribution(-4, 8, step=4)
    assert d.contains(-4) and d.contains(0) and d.contains(8) and d.contains(4.0)
    assert d.contains(np.int64(4))
    for bad in (2, 12, -8, 4.5, True, False, "4", None, float("nan"), float("inf")):
        assert not d.contains(bad), bad
    assert IntDistribution(0, 1).contains(False) is False


def test_categorical_contains():
    d = CategoricalDistribution([None, "a", 2])
    assert d.contains(None) and d.contains("a") and d.contains(2)
    for bad in ("b", 2.0, True, [2], {"a": 1}):
        assert not d.contains(bad), bad


@given(distributions, st.floats(-1.0, 2.0))
def test_any_internal_value_decodes_into_the_distribution(d, u):
    # Internal values around the internal bounds, beyond them on both sides.
    lo, hi = d.internal_bounds()
    assert d.contains(d.to_external(lo + (hi - lo) * u + (u - 0.5)))


# -- internal_bounds: uniform internal draws are uniform user draws ------------


def _decode_regular_grid(d, n_points):
    """Decode ``n_points`` evenly spaced internal points ``lo + (hi - lo) * i / n``."""
    lo, hi = d.internal_bounds()
    return [d.to_external(lo + (hi - lo) * i / n_points) for i in range(n_points)]


def _exact_counts(d, values):
    """Decode a left-endpoint grid over the internal bounds; each value is hit equally."""
    per_value = 16
    decoded = _decode_regular_grid(d, per_value * len(values))
    keys = [choice_key(v) for v in decoded]
    for v in values:
        assert keys.count(choice_key(v)) == per_value, (d, v)


@given(
    st.integers(-50, 50), st.integers(1, 7), st.integers(0, 15)
)
def test_int_internal_bounds_give_exact_counts(low, step, n_steps):
    d = IntDistribution(low, low + step * n_steps, step=step)
    _exact_counts(d, list(range(d.low, d.high + 1, d.step)))


@given(
    st.integers(-64, 64), st.sampled_from([0.125, 0.25, 0.5, 1.0, 2.0, 4.0]), st.integers(0, 15)
)
def test_step_float_internal_bounds_give_exact_counts(low8, step, n_steps):
    low = low8 / 8
    d = FloatDistribution(low, low + step * n_steps, step=step)
    _exact_counts(d, [low + k * step for k in range(n_steps + 1)])


@given(st.lists(choice_values, min_size=1, max_size=9, unique_by=choice_key))
def test_categorical_internal_bounds_give_exact_counts(choices):
    _exact_counts(CategoricalDistribution(choices), choices)


def test_int_half_step_boundaries_belong_to_the_upper_value():
    # The cell of value k is [k - step/2, k + step/2): no banker's rounding.
    d = IntDistribution(0, 6, step=2)
    assert [d.to_external(x) for x in (-1.0, 1.0, 3.0, 5.0, 7.0 - 1e-9)] == [0, 2, 4, 6, 6]
    c = CategoricalDistribution(list("abcd"))
    assert [c.to_external(x) for x in (-0.5, 0.5, 1.5, 2.5)] == ["a", "b", "c", "d"]
    f = FloatDistribution(0.0, 2.0, step=1.0)
    assert [f.to_external(x) for x in (-0.5, 0.5, 1.5)] == [0.0, 1.0, 2.0]


def test_step_float_internal_bounds_with_inexact_steps():
    # Steps that are not binary fractions: counts within one of each other.
    for d in (FloatDistribution(0.0, 1.0, step=0.1), FloatDistribution(-0.3, 0.6, step=0.3)):
        n_values = round((d.high - d.low) / d.step) + 1
        decoded = np.array(_decode_regular_grid(d, 100 * n_values))
        _, counts = np.unique(np.round((decoded - d.low) / d.step), return_counts=True)
        assert len(counts) == n_values
        assert counts.min() >= 99 and counts.max() <= 101


def test_plain_and_log_float_internal_bounds():
    assert FloatDistribution(-2.0, 3.0).internal_bounds() == (-2.0, 3.0)
    lo, hi = FloatDistribution(1e-3, 1e2, log=True).internal_bounds()
    assert lo == pytest.approx(math.log(1e-3)) and hi == pytest.approx(math.log(1e2))


def test_log_float_uniform_internal_draw_is_log_uniform():
    d = FloatDistribution(1e-4, 1e2, log=True)
    lo, hi = d.internal_bounds()
    u = np.random.default_rng(0).random(4000)
    decoded = np.array([d.to_external(lo + (hi - lo) * x) for x in u])
    assert decoded.min() >= 1e-4 and decoded.max() <= 1e2
    result = stats.kstest(np.log(decoded), stats.uniform(math.log(1e-4), math.log(1e6)).cdf)
    assert result.pvalue > 1e-3
    # The same draws on a linear scale are far from uniform.
    assert stats.kstest(decoded, stats.uniform(1e-4, 1e2).cdf).pvalue < 1e-6


@pytest.mark.parametrize("low, high", [(1, 8), (1, 1), (3, 40), (100, 103)])
def test_log_int_uniform_internal_draw_is_log_uniform_over_cells(low, high):
    # Value k owns [log(k - 1/2), log(k + 1/2)): its share is the width of that cell.
    d = IntDistribution(low, high, log=True)
    n_points = 20000
    decoded = np.array(_decode_regular_grid(d, n_points))
    ks = np.arange(low, high + 1)
    counts = np.array([(decoded == k).sum() for k in ks])
    widths = np.log((ks + 0.5) / (ks - 0.5))
    expected = n_points * widths / widths.sum()
    assert counts.sum() == n_points
    assert np.all(np.abs(counts - expected) <= 1.0 + 1e-9)


def test_random_internal_draws_pass_a_chi_square_test():
    rng = np.random.default_rng(1)
    for d, n_values in (
        (IntDistribution(-3, 9, step=3), 5),
        (CategoricalDistribution([None, True, 1, 1.0, "x", 2.5]), 6),
        (FloatDistribution(0.0, 2.0, step=0.25), 9),
    ):
        lo, hi = d.internal_bounds()
        decoded = [d.to_external(lo + (hi - lo) * u) for u in rng.random(3000)]
        keys = [choice_key(v) for v in decoded]
        counts = [keys.count(k) for k in sorted(set(keys), key=repr)]
        assert len(counts) == n_values
        assert stats.chisquare(counts).pvalue > 1e-3


def test_single_value_distributions():
    assert FloatDistribution(2.0, 2.0).single()
    assert IntDistribution(5, 5).single()
    assert CategoricalDistribution(["only"]).single()
    assert not FloatDistribution(0.0, 1e-12).single()
    assert not IntDistribution(0, 1).single()
    assert not CategoricalDistribution([1, 2]).single()
    for d, value in ((FloatDistribution(2.0, 2.0), 2.0), (IntDistribution(5, 5), 5)):
        lo, hi = d.internal_bounds()
        assert d.to_external(lo) == value and d.to_external(0.5 * (lo + hi)) == value


# -- JSON ---------------------------------------------------------------------


@given(distributions)
def test_json_round_trip(d):
    text = distribution_to_json(d)
    assert isinstance(json.loads(text), dict)
    back = distribution_from_json(text)
    assert type(back) is type(d)
    assert back == d and hash(back) == hash(d)
    assert back.to_dict().keys() == d.to_dict().keys()
    if isinstance(d, CategoricalDistribution):
        assert [choice_key(c) for c in back.choices] == [choice_key(c) for c in d.choices]
    else:
        assert (back.low, back.high, back.log, back.step) == (d.low, d.high, d.log, d.step)
        assert type(back.low) is type(d.low) and type(back.step) is type(d.step)


@given(distributions)
def test_from_dict_inverts_to_dict(d):
    assert distribution_from_dict(d.to_dict()) == d


def test_from_dict_hand_written():
    assert distribution_from_dict({"type": "int", "low": 1, "high": 8, "log": True}) == (
        IntDistribution(1, 8, log=True)
    )
    assert distribution_from_dict({"type": "int", "low": 0, "high": 8, "step": None}) == (
        IntDistribution(0, 8)
    )
    assert distribution_from_dict({"type": "float", "low": 0, "high": 1}) == FloatDistribution(
        0.0, 1.0
    )
    assert distribution_from_dict({"type": "categorical", "choices": [1, "a"]}) == (
        CategoricalDistribution((1, "a"))
    )


def test_from_dict_errors():
    with pytest.raises(TypeError, match=r"must be a dict\. Got \[1, 2\]"):
        distribution_from_dict([1, 2])
    with pytest.raises(ValueError, match=r"'type'.*Got 'uniform'"):
        distribution_from_dict({"type": "uniform", "low": 0, "high": 1})
    with pytest.raises(ValueError, match=r"'type'.*Got None"):
        distribution_from_dict({"low": 0, "high": 1})
    with pytest.raises(ValueError, match=r"Invalid float distribution.*'scale'"):
        distribution_from_dict({"type": "float", "low": 0, "high": 1, "scale": 2})
    with pytest.raises(ValueError, match=r"'low'.*low=2\.0, high=1\.0"):
        distribution_from_dict({"type": "float", "low": 2, "high": 1})
    with pytest.raises(json.JSONDecodeError):
        distribution_from_json("{not json")


# -- validation errors --------------------------------------------------------

FD, ID, CD = FloatDistribution, IntDistribution, CategoricalDistribution


@pytest.mark.parametrize(
    "factory, kwargs, error, pattern",
    [
        # low > high
        (FD, dict(low=2.0, high=1.0), ValueError, r"'low'.*FloatDistribution.*low=2\.0, high=1\.0"),
        (ID, dict(low=5, high=-5), ValueError, r"'low'.*IntDistribution.*low=5, high=-5"),
        # log with low <= 0
        (FD, dict(low=0.0, high=1.0, log=True), ValueError, r"'low'.*> 0 when log=True.*low=0\.0"),
        (FD, dict(low=-1.0, high=1.0, log=True), ValueError, r"'low'.*log=True.*low=-1\.0"),
        (ID, dict(low=0, high=4, log=True), ValueError, r"'low'.*log=True.*low=0"),
        # log together with step
        (FD, dict(low=1.0, high=2.0, log=True, step=0.5), ValueError,
         r"'step'.*None when log=True.*step=0\.5"),
        (ID, dict(low=1, high=9, log=True, step=2), ValueError, r"'step'.*1 when log=True.*step=2"),
        # step that does not divide the range
        (FD, dict(low=0.0, high=1.0, step=0.3), ValueError,
         r"'step'.*divide.*low=0\.0, high=1\.0, step=0\.3"),
        (ID, dict(low=0, high=10, step=3), ValueError, r"'step'.*divide.*low=0, high=10, step=3"),
        # step <= 0
        (FD, dict(low=0.0, high=1.0, step=0.0), ValueError, r"'step'.*> 0.*step=0\.0"),
        (FD, dict(low=0.0, high=1.0, step=-0.5), ValueError, r"'step'.*> 0.*step=-0\.5"),
        (ID, dict(low=0, high=10, step=0), ValueError, r"'step'.*> 0.*step=0"),
        (ID, dict(low=0, high=10, step=-2), ValueError, r"'step'.*> 0.*step=-2"),
        # non-finite bounds and steps
        (FD, dict(low=float("-inf"), high=1.0), ValueError, r"'low'.*finite.*Got -inf"),
        (FD, dict(low=0.0, high=float("inf")), ValueError, r"'high'.*finite.*Got inf"),
        (FD, dict(low=float("nan"), high=1.0), ValueError, r"'low'.*finite.*Got nan"),
        (FD, dict(low=0.0, high=1.0, step=float("nan")), ValueError, r"'step'.*finite.*Got nan"),
        # bool given as a bound (or a step)
        (FD, dict(low=True, high=2.0), TypeError, r"'low'.*FloatDistribution.*Got True"),
        (FD, dict(low=0.0, high=True), TypeError, r"'high'.*Got True"),
        (ID, dict(low=False, high=3), TypeError, r"'low'.*IntDistribution.*Got False"),
        (ID, dict(low=0, high=True), TypeError, r"'high'.*IntDistribution.*Got True"),
        (ID, dict(low=0, high=4, step=True), TypeError, r"'step'.*Got True"),
        # wrong types
        (FD, dict(low="0", high=1.0), TypeError, r"'low'.*real number.*Got '0'"),
        (ID, dict(low=0.0, high=3), TypeError, r"'low'.*an int.*Got 0\.0"),
        (ID, dict(low=0, high=3.5), TypeError, r"'high'.*an int.*Got 3\.5"),
        (FD, dict(low=0.0, high=1.0, log="yes"), TypeError, r"'log'.*a bool.*Got 'yes'"),
        (ID, dict(low=1, high=3, log=1), TypeError, r"'log'.*a bool.*Got 1"),
    ],
)
def test_numeric_validation_errors(factory, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        factory(**kwargs)


@pytest.mark.parametrize(
    "choices, error, pattern",
    [
        ([], ValueError, r"'choices'.*must not be empty.*Got \(\)"),
        ((), ValueError, r"'choices'.*must not be empty"),
        (["a", "b", "a"], ValueError, r"'choices'.*duplicates.*Got 'a' twice"),
        ([1, 2, 1], ValueError, r"'choices'.*duplicates.*Got 1 twice"),
        ([None, None], ValueError, r"'choices'.*duplicates.*Got None twice"),
        ([float("nan"), float("nan")], ValueError, r"'choices'.*duplicates.*Got nan twice"),
        ([0.0, -0.0], ValueError, r"'choices'.*duplicates"),
        ([1, [2]], TypeError, r"'choices'.*None, bool, int, float or str.*\[2\] of type list at index 1"),
        ([b"x"], TypeError, r"'choices'.*b'x' of type bytes at index 0"),
        ([1.0, (1, 2)], TypeError, r"'choices'.*\(1, 2\) of type tuple"),
        ("abc", TypeError, r"'choices'.*sequence.*Got 'abc'"),
        (5, TypeError, r"'choices'.*sequence.*Got 5"),
        (None, TypeError, r"'choices'.*sequence.*Got None"),
    ],
)
def test_categorical_validation_errors(choices, error, pattern):
    with pytest.raises(error, match=pattern):
        CategoricalDistribution(choices)


@pytest.mark.parametrize(
    "factory, kwargs",
    [
        (FD, dict(low=0.0, high=1.0, step=0.1)),  # 10 steps up to rounding
        (FD, dict(low=-1.0, high=-1.0, step=0.7)),  # empty range
        (FD, dict(low=1e-9, high=1.0, log=True)),
        (ID, dict(low=-10, high=10, step=5)),
        (ID, dict(low=1, high=1, log=True)),
        (FD, dict(low=np.float32(0.5), high=np.int64(2))),
        (ID, dict(low=np.int64(1), high=np.int32(4))),
        (FD, dict(low=0.0, high=1.0, log=np.bool_(False))),
    ],
)
def test_valid_edge_cases_construct(factory, kwargs):
    d = factory(**kwargs)
    assert type(d.low) is (float if factory is FD else int)
    assert type(d.high) is type(d.low)


# -- equality, hashing, immutability ------------------------------------------


def test_equality_and_hash():
    pairs_equal = [
        (FD(0, 1), FD(0.0, 1.0)),
        (FD(1, 2, step=0.5), FD(1.0, 2.0, step=0.5)),
        (ID(0, 10, step=2), ID(0, 10, step=2)),
        (ID(1, 8, log=True), ID(np.int64(1), 8, log=True)),
        (CD(["a", 1, None]), CD(("a", 1, None))),
        (CD([float("nan")]), CD([float("nan")])),
    ]
    for a, b in pairs_equal:
        assert a == b and hash(a) == hash(b), (a, b)
        assert {a: 1}[b] == 1
    different = [
        FD(0, 1), FD(0, 2), FD(0.5, 1), FD(0.5, 1, log=True), FD(0, 1, step=0.5),
        ID(0, 1), ID(0, 2), ID(1, 2, log=True), ID(0, 2, step=2),
        CD([0, 1]), CD([1, 0]), CD([True, 1]), CD([1, True]), CD([1.0, True]), CD([0, 1, None]),
        CD([1]), CD([1.0]), CD([True]), CD(["1"]),
    ]
    for i, a in enumerate(different):
        for j, b in enumerate(different):
            assert (a == b) == (i == j), (a, b)
    assert len(set(different)) == len(different)
    assert FD(0, 1) != (0.0, 1.0, False, None)
    assert FD(0, 1) != "FloatDistribution(low=0.0, high=1.0, log=False, step=None)"


def test_repr_names_the_fields():
    assert repr(FD(0, 1, step=0.5)) == "FloatDistribution(low=0.0, high=1.0, log=False, step=0.5)"
    assert repr(ID(1, 8, log=True)) == "IntDistribution(low=1, high=8, log=True, step=1)"
    assert repr(CD(["a", None])) == "CategoricalDistribution(choices=['a', None])"


@pytest.mark.parametrize("d", [FD(0, 1), ID(0, 4), CD(["a", "b"])])
def test_immutable(d):
    before = d.to_dict()
    key = hash(d)
    for name in ("low", "high", "log", "step", "choices", "new_field"):
        with pytest.raises(AttributeError):
            setattr(d, name, 3)
    for name in ("low", "choices"):
        with pytest.raises(AttributeError):
            delattr(d, name)
    assert d.to_dict() == before and hash(d) == key
    assert isinstance(d, BaseDistribution)


def test_categorical_does_not_alias_the_callers_list():
    choices = ["a", "b"]
    d = CD(choices)
    choices.append("c")
    choices[0] = "z"
    assert d.choices == ("a", "b")
    assert isinstance(d.choices, tuple)


def test_categorical_numpy_scalar_choices_become_python_values():
    d = CategoricalDistribution(np.arange(3))
    assert d.choices == (0, 1, 2)
    assert all(type(c) is int for c in d.choices)
    assert d.contains(np.int64(2)) and d.to_internal(np.int64(1)) == 1.0
    assert d == CategoricalDistribution([0, 1, 2])


@pytest.mark.parametrize(
    "distribution",
    [
        FloatDistribution(0.5, 2.0, log=True),
        FloatDistribution(0.0, 1.0, step=0.25),
        IntDistribution(1, 9, step=2),
        CategoricalDistribution([None, True, 1, 1.5, "a"]),
    ],
)
def test_distributions_pickle(distribution):
    import pickle

    copy = pickle.loads(pickle.dumps(distribution))
    assert copy == distribution and hash(copy) == hash(distribution)


# -- bounds and steps that overflow a float, and exact integer grids ----------------------

@pytest.mark.parametrize("make, name", [
    (lambda: bbopt.FloatDistribution(-1e308, 1e308), "bounds"),
    (lambda: bbopt.FloatDistribution(0.0, 1.0, step=5e-324), "'step'"),
    (lambda: bbopt.FloatDistribution(0.0, 1.7e308, step=1.7e308), "bounds"),
    (lambda: bbopt.FloatDistribution(0, 10**400), "'high'"),
    (lambda: bbopt.FloatDistribution(0.0, 1.0, step=10**400), "'step'"),
    (lambda: bbopt.IntDistribution(0, 10**400), "'high'"),
    (lambda: bbopt.IntDistribution(-(2**60), 0), "'low'"),
    (lambda: bbopt.IntDistribution(0, 2**53, step=2**60), "'step'"),
    (lambda: bbopt.IntDistribution(0, 1_000_000_001, step=2), "'step'"),
], ids=["width", "tiny-step", "huge-step", "big-high", "big-step", "int-high", "int-low",
        "int-step", "int-grid"])
def test_overflowing_bounds_and_steps_raise_value_error(make, name):
    with pytest.raises(ValueError, match=name):
        make()


def test_exact_integer_grid_at_the_largest_bounds():
    d = bbopt.IntDistribution(-(2**53), 2**53, step=2**52)
    assert d.contains(2**53) and not d.contains(2**53 - 1)
    low, high = d.internal_bounds()
    assert d.to_external(high) == 2**53 and d.to_external(low) == -(2**53)


def test_encoding_is_the_one_map_to_model_dimensions():
    """TPE's Parzen box, the GP's unit box and PED-ANOVA read the same encoding."""
    from bbopt._encoding import CATEGORICAL, CONTINUOUS, GRID, LOG_INT, Encoding

    dists = [FloatDistribution(-1.0, 3.0), FloatDistribution(0.5, 2.0, step=0.5),
             FloatDistribution(1e-3, 1.0, log=True), IntDistribution(2, 9, step=7),
             IntDistribution(1, 64, log=True), CategoricalDistribution([None, "a"])]
    enc = Encoding(dists, "demo")
    assert enc.kind.tolist() == [CONTINUOUS, GRID, CONTINUOUS, GRID, LOG_INT, CATEGORICAL]
    assert enc.numeric == [0, 1, 2, 3, 4] and enc.categorical == [5]
    assert enc.is_categorical.tolist() == [False] * 5 + [True]
    # The values' cells are the internal bounds: low - step / 2 to high + step / 2.
    for j, dist in enumerate(dists):
        assert (enc.internal_low[j], enc.internal_high[j]) == dist.internal_bounds()
        assert enc.low[j] - 0.5 * enc.step[j] == pytest.approx(enc.internal_low[j])
        assert enc.high[j] + 0.5 * enc.step[j] == pytest.approx(enc.internal_high[j])
    assert enc.n_cells.tolist() == [0.0, 4.0, 0.0, 2.0, 0.0, 2.0]
    with pytest.raises(TypeError, match="demo does not support"):
        Encoding([object()], "demo")  # type: ignore[list-item]
