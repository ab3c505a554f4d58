"""Observations: the columnar arrays of finished trials that samplers read."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bbopt import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    StudyDirection,
    TrialState,
)
from bbopt.storage import Observations

MIN, MAX = StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE
COMPLETE, PRUNED, FAIL = TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL
X = FloatDistribution(0.0, 1.0)


def test_empty():
    obs = Observations([MIN])
    assert obs.n_rows == 0 and obs.n_columns == 0 and obs.n_complete == 0
    assert obs.x.shape == (0, 0)
    assert obs.values.shape == (0, 1)
    assert obs.states.shape == (0,) and obs.numbers.shape == (0,)
    assert obs.best_row == -1
    assert obs.shared_search_space() == {}
    assert obs.column("x", X) is None


def test_many_rows_and_late_columns():
    """Columns that first appear at row 40 * j hold NaN for every earlier row."""
    n_rows, n_columns = 1000, 20
    obs = Observations([MIN, MAX])
    dists = [FloatDistribution(-j - 1.0, j + 1.0) for j in range(n_columns)]
    expected = np.full((n_rows, n_columns), np.nan)
    for i in range(n_rows):
        params = {}
        for j in range(n_columns):
            if i >= 40 * j:
                params[f"p{j}"] = (dists[j], i * 0.001 + j)
                expected[i, j] = i * 0.001 + j
        obs.append(i + 5, COMPLETE, [float(i), -float(i)], params)
    assert obs.n_rows == n_rows and obs.n_columns == n_columns
    assert obs.x.shape == (n_rows, n_columns) and obs.x.dtype == np.float64
    np.testing.assert_array_equal(obs.x, expected)
    np.testing.assert_array_equal(obs.values[:, 0], np.arange(n_rows, dtype=float))
    np.testing.assert_array_equal(obs.values[:, 1], -np.arange(n_rows, dtype=float))
    np.testing.assert_array_equal(obs.numbers, np.arange(n_rows) + 5)
    assert np.all(obs.states == COMPLETE)
    assert obs.names == [f"p{j}" for j in range(n_columns)]
    assert obs.distributions == dists
    for j in range(n_columns):
        assert obs.column(f"p{j}", dists[j]) == j
    # Only p0 was used by every complete trial.
    assert obs.shared_search_space() == {"p0": dists[0]}


def test_appends_are_amortised():
    """The buffers behind ``x`` are reallocated O(log n) times over n appends."""
    obs = Observations([MIN])
    buffers = []
    for i in range(20000):
        obs.append(i, COMPLETE, [float(i)], {"x": (X, 0.5)})
        base = obs.x.base
        if not buffers or base is not buffers[-1]:
            buffers.append(base)
    assert obs.n_rows == 20000
    assert len(buffers) <= 2 + math.ceil(math.log2(20000 / 64))
    # Columns too: 100 new columns cost O(log 100) reallocations.
    obs = Observations([MIN])
    buffers = []
    for j in range(100):
        obs.append(j, COMPLETE, [0.0], {f"c{j}": (X, 0.5)})
        if not buffers or obs.x.base is not buffers[-1]:
            buffers.append(obs.x.base)
    assert obs.n_columns == 100
    assert len(buffers) <= 2 + math.ceil(math.log2(100 / 8)) + 2


@given(
    st.lists(
        st.tuples(
            st.sampled_from([COMPLETE, PRUNED, FAIL]),
            st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]),
                     unique=True, max_size=10),
            st.floats(-1e6, 1e6),
        ),
        min_size=1,
        max_size=150,
    ),
    st.integers(0, 150),
)
def test_rows_never_change_once_appended(rows, cut):
    obs = Observations([MIN])
    dists = {name: FloatDistribution(0.0, 100.0) for name in "abcdefghij"}
    snapshots = None
    for i, (state, names, value) in enumerate(rows):
        if i == cut:
            snapshots = (obs.x.copy(), obs.values.copy(), obs.states.copy(), obs.numbers.copy())
        values = None if state == FAIL else [value]
        obs.append(i, state, values, {n: (dists[n], float(i % 100)) for n in names})
    if snapshots is None:
        return
    x, values, states, numbers = snapshots
    n, d = x.shape
    np.testing.assert_array_equal(obs.x[:n, :d], x)
    # Columns added after the snapshot are NaN in the earlier rows.
    assert np.all(np.isnan(obs.x[:n, d:]))
    np.testing.assert_array_equal(obs.values[:n], values)
    np.testing.assert_array_equal(obs.states[:n], states)
    np.testing.assert_array_equal(obs.numbers[:n], numbers)


def test_none_values_are_nan():
    obs = Observations([MIN, MIN])
    obs.append(0, FAIL, None, {"x": (X, 0.1)})
    obs.append(1, PRUNED, None, {})
    assert np.all(np.isnan(obs.values))
    np.testing.assert_array_equal(obs.states, [FAIL, PRUNED])
    assert obs.best_row == -1 and obs.n_complete == 0
    assert obs.shared_search_space() == {}


def test_best_row_minimise():
    obs = Observations([MIN])
    for number, (state, value) in enumerate(
        [(COMPLETE, 3.0), (PRUNED, -100.0), (COMPLETE, 1.0), (FAIL, None), (COMPLETE, 1.0),
         (COMPLETE, 2.0)]
    ):
        obs.append(number, state, None if value is None else [value], {})
    assert obs.best_row == 2  # the first of the tied minima; pruned rows never count
    assert obs.n_complete == 4


def test_best_row_maximise():
    obs = Observations([MAX])
    for number, (state, value) in enumerate(
        [(COMPLETE, -5.0), (COMPLETE, 4.0), (PRUNED, 100.0), (COMPLETE, 3.0), (COMPLETE, 4.5)]
    ):
        obs.append(number, state, [value], {})
    assert obs.best_row == 4
    np.testing.assert_array_equal(obs.values[:, 0], [-5.0, 4.0, 100.0, 3.0, 4.5])


@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=50), st.sampled_from([MIN, MAX]))
def test_best_row_matches_argmin(values, direction):
    obs = Observations([direction, MIN])
    for i, v in enumerate(values):
        obs.append(i, COMPLETE, [v, 0.0], {})
    scores = np.array(values) * (1.0 if direction == MIN else -1.0)
    assert obs.best_row == int(np.argmin(scores))


def test_same_name_two_distributions_gives_two_columns():
    obs = Observations([MIN])
    a, b = FloatDistribution(0.0, 1.0), FloatDistribution(0.0, 2.0)
    c = IntDistribution(0, 2)
    obs.append(0, COMPLETE, [1.0], {"x": (a, 0.5)})
    obs.append(1, COMPLETE, [2.0], {"x": (b, 1.5)})
    obs.append(2, COMPLETE, [3.0], {"x": (c, 2.0)})
    obs.append(3, COMPLETE, [4.0], {"x": (FloatDistribution(0, 1), 0.25)})  # equal to a
    assert obs.n_columns == 3
    assert obs.names == ["x", "x", "x"]
    assert (obs.column("x", a), obs.column("x", b), obs.column("x", c)) == (0, 1, 2)
    nan = np.nan
    np.testing.assert_array_equal(
        obs.x, [[0.5, nan, nan], [nan, 1.5, nan], [nan, nan, 2.0], [0.25, nan, nan]]
    )
    assert obs.shared_search_space() == {}


def test_shared_search_space():
    obs = Observations([MIN])
    x, y = FloatDistribution(0, 1), CategoricalDistribution(["a", "b"])
    z = IntDistribution(1, 3)
    obs.append(0, COMPLETE, [1.0], {"x": (x, 0.1), "y": (y, 0.0), "z": (z, 1.0)})
    assert obs.shared_search_space() == {"x": x, "y": y, "z": z}
    # Pruned and failed trials do not shrink the shared space.
    obs.append(1, PRUNED, [1.0], {"x": (x, 0.2)})
    obs.append(2, FAIL, None, {})
    assert obs.shared_search_space() == {"x": x, "y": y, "z": z}
    obs.append(3, COMPLETE, [1.0], {"x": (x, 0.3), "y": (y, 1.0)})
    assert obs.shared_search_space() == {"x": x, "y": y}
    # The same name with another distribution is not shared.
    obs.append(4, COMPLETE, [1.0], {"x": (x, 0.3), "y": (CategoricalDistribution(["a"]), 0.0)})
    assert obs.shared_search_space() == {"x": x}
    obs.append(5, COMPLETE, [1.0], {"w": (x, 0.3)})
    assert obs.shared_search_space() == {}


def test_state_codes_and_numbers_dtypes():
    obs = Observations([MIN])
    obs.append(7, PRUNED, [2.0], {})
    obs.append(3, COMPLETE, [1.0], {})
    assert obs.states.dtype == np.int8 and obs.numbers.dtype == np.int64
    assert [TrialState(int(s)) for s in obs.states] == [PRUNED, COMPLETE]
    assert obs.numbers.tolist() == [7, 3]
    assert obs.best_row == 1
