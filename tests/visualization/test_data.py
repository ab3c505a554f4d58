"""Plot data of bbopt.visualization._data checked against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bbopt
from bbopt import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    TrialState,
    create_trial,
)
from bbopt.visualization._data import (
    contour_data,
    edf_data,
    history_data,
    hypervolume_data,
    intermediate_data,
    parallel_data,
    param_data,
    pareto_data,
    rank_colors,
    timeline_data,
)

SPACE = {
    "x": FloatDistribution(0.0, 4.0),
    "lr": FloatDistribution(1e-3, 1.0, log=True),
    "n": IntDistribution(1, 5),
    "c": CategoricalDistribution(["a", "b"]),
}


def _study(direction="minimize"):
    study = bbopt.create_study(study_name=f"s-{direction}", direction=direction)
    rows = [  # x, lr, n, c, value
        (0.0, 0.001, 1, "a", 3.0),
        (4.0, 0.1, 5, "b", 1.0),
        (2.0, 1.0, 3, "a", 2.0),
    ]
    for x, lr, n, c, v in rows:
        study.add_trial(create_trial(params={"x": x, "lr": lr, "n": n, "c": c},
                                     distributions=SPACE, value=v))
    # A pruned and a failed trial: never in the value-based plots.
    study.add_trial(create_trial(params={"x": 1.0, "lr": 0.01, "n": 2, "c": "b"},
                                 distributions=SPACE, state=TrialState.PRUNED,
                                 intermediate_values={0: 9.0, 1: 8.0}))
    study.add_trial(create_trial(params={"x": 1.0, "lr": 0.01, "n": 2, "c": "b"},
                                 distributions=SPACE, state=TrialState.FAIL))
    return study


def test_history_best_so_far_both_directions():
    (d,) = history_data(_study())
    assert d.numbers.tolist() == [0, 1, 2]
    assert d.values.tolist() == [3.0, 1.0, 2.0]
    assert d.best.tolist() == [3.0, 1.0, 1.0]
    (d,) = history_data(_study("maximize"))
    assert d.best.tolist() == [3.0, 3.0, 3.0]
    a, b = history_data([_study(), _study("maximize")], target=lambda t: t.params["x"])
    assert a.values.tolist() == [0.0, 4.0, 2.0] and a.best.tolist() == [0.0, 0.0, 0.0]
    assert b.best.tolist() == [0.0, 4.0, 4.0]
    assert (a.study_name, b.study_name) == ("s-minimize", "s-maximize")


def test_param_data_axis_values():
    data = param_data(_study(), ["lr", "c", "n"])
    assert [a.name for a in data.axes] == ["lr", "c", "n"]
    assert data.axes[0].log and data.axes[1].choices == ["a", "b"] and not data.axes[2].log
    np.testing.assert_allclose(data.x, [[0.001, 0, 1], [0.1, 1, 5], [1.0, 0, 3]])
    assert data.values.tolist() == [3.0, 1.0, 2.0]
    assert (data.axes[1].low, data.axes[1].high) == (-0.5, 1.5)


def test_rank_colors_by_hand():
    assert rank_colors(np.array([3.0, 1.0, 2.0]), True).tolist() == [1.0, 0.0, 0.5]
    assert rank_colors(np.array([3.0, 1.0, 2.0]), False).tolist() == [0.0, 1.0, 0.5]
    assert rank_colors(np.array([5.0]), True).tolist() == [0.0]


def test_parallel_data_by_hand():
    data = parallel_data(_study(), ["x", "lr", "c"], target_name="loss")
    assert data.labels == ["loss", "x", "lr", "c"]
    # Objective 3, 1, 2 over [1, 3]; x over [0, 4]; log10 lr -3, -1, 0 over [-3, 0]; c index.
    expected = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 2 / 3, 1.0], [0.5, 0.5, 1.0, 0.0]]
    np.testing.assert_allclose(data.y, expected, atol=1e-12)
    pos, labels = data.ticks[2]
    assert labels[0] == "0.001" and labels[-1] == "1"
    assert data.ticks[3][1] == ["a", "b"]


def test_contour_interpolates_a_plane_exactly():
    space = {"a": FloatDistribution(0, 1), "b": FloatDistribution(1, 100, log=True)}
    study = bbopt.create_study()
    rng = np.random.default_rng(0)
    # Trials on grid points (a = i / 20, log10 b = j / 10), corners included.
    cells = [(0, 0), (20, 0), (0, 20), (20, 20)]
    cells += [tuple(c) for c in rng.integers(0, 21, (196, 2))]
    for i, j in cells:
        a, b = i / 20, 10 ** (j / 10)
        study.add_trial(create_trial(params={"a": a, "b": b}, distributions=space,
                                     value=a + math.log10(b)))
    data = contour_data(study, ["a", "b"], n_grid=21)
    assert data.z.shape == (21, 21)
    np.testing.assert_allclose(data.y_grid[[0, -1]], [1.0, 100.0])
    # A linear function of (a, log b) is interpolated exactly over the hull (the whole box).
    plane = data.x_grid[None, :] + np.log10(data.y_grid)[:, None]
    np.testing.assert_allclose(data.z, plane, atol=1e-9)
    assert data.x.size == 200 and np.all(np.isfinite(data.z))


def test_contour_with_a_categorical_axis_and_cell_means():
    study = _study()
    data = contour_data(study, ["c", "n"], n_grid=5)
    assert data.x_grid.tolist() == [0.0, 1.0] and data.y_grid.tolist() == [1, 2, 3, 4, 5]
    # Cells (a, 1) = 3, (b, 5) = 1, (a, 3) = 2 are kept exactly.
    assert data.z[0, 0] == 3.0 and data.z[4, 1] == 1.0 and data.z[2, 0] == 2.0


def test_contour_one_trial_is_constant():
    study = bbopt.create_study()
    study.add_trial(create_trial(params={"x": 1.0, "n": 2}, distributions={
        "x": SPACE["x"], "n": SPACE["n"]}, value=7.0))
    assert np.all(contour_data(study, ["x", "n"], n_grid=4).z == 7.0)


def test_edf_by_hand():
    a, b = edf_data([_study(), _study("maximize")])
    assert a.values.tolist() == [1.0, 2.0, 3.0]
    np.testing.assert_allclose(a.fraction, [1 / 3, 2 / 3, 1.0])


def test_intermediate_data_keeps_pruned_trials():
    study = _study()
    t = study.ask()
    for step, v in [(2, 0.2), (0, 0.5), (1, 0.3)]:
        t.report(v, step)
    study.tell(t, 0.2)
    data = intermediate_data(study)
    assert data.numbers.tolist() == [3, 5]
    assert data.states.tolist() == [TrialState.PRUNED, TrialState.COMPLETE]
    assert data.offsets.tolist() == [0, 2, 5]
    assert data.steps.tolist() == [0, 1, 0, 1, 2]
    assert data.values.tolist() == [9.0, 8.0, 0.5, 0.3, 0.2]


def test_timeline_data_orders_and_running_trials():
    study = bbopt.create_study()
    study.tell(study.ask(), 1.0)
    study.ask()  # still running: ends now
    data = timeline_data(study)
    assert data.numbers.tolist() == [0, 1]
    assert data.states.tolist() == [TrialState.COMPLETE, TrialState.RUNNING]
    assert data.start[0] == 0.0 and np.all(data.end >= data.start)


def test_pareto_data_directions_and_targets():
    study = bbopt.create_study(directions=["minimize", "maximize"])
    for v in [(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (0.5, 0.5)]:
        study.tell(study.ask(), v)
    data = pareto_data(study)
    assert data.on_front.tolist() == [True, True, False, True]
    assert data.names == ["Objective 0", "Objective 1"]
    data = pareto_data(study, targets=lambda t: (t.values[0], t.values[1], -t.values[0]),
                       target_names=["a", "b", "c"])
    assert data.values.shape == (4, 3) and data.names == ["a", "b", "c"]
    with pytest.raises(ValueError, match="draws 2 or more objectives"):
        pareto_data(bbopt.create_study()) if False else pareto_data(_study())
    with pytest.raises(ValueError, match="'target_names' parameter"):
        pareto_data(study, target_names=["only one"])


def test_bad_input():
    empty = bbopt.create_study(study_name="nothing")
    empty.tell(empty.ask(), state=TrialState.FAIL)
    with pytest.raises(ValueError, match="needs a complete trial: study 'nothing' has none"):
        history_data(empty)
    with pytest.raises(ValueError, match="needs a trial with intermediate values"):
        intermediate_data(empty)
    with pytest.raises(ValueError, match=r"used: \['y'\]"):
        param_data(_study(), ["x", "y"])
    with pytest.raises(ValueError, match="must return finite values. Got inf for trial 0"):
        edf_data(_study(), target=lambda t: math.inf)
    with pytest.raises(ValueError, match="must name two parameters"):
        contour_data(_study(), ["x"])
    with pytest.raises(TypeError, match="'params' parameter"):
        param_data(_study(), "x")
    with pytest.raises(TypeError, match="'study' parameter"):
        history_data([])


@pytest.mark.parametrize("chunk", [1 << 20, 7])
def test_interpolate_cells_is_exact_for_planes_inside_the_hull(monkeypatch, chunk):
    from bbopt.visualization import _data

    monkeypatch.setattr(_data, "_PAIRS_PER_CHUNK", chunk)
    rng = np.random.default_rng(chunk)
    cells = np.unique(rng.integers(0, 30 * 20, 40))
    ix, iy = cells % 30, cells // 30
    z = _data._interpolate_cells(ix, iy, 2.0 * ix - 0.5 * iy + 1.0, 30, 20)
    jj, ii = np.meshgrid(np.arange(30), np.arange(20))
    plane = 2.0 * jj - 0.5 * ii + 1.0
    # Inside the hull of the cells (area from Qhull): the plane; outside: the value of the
    # nearest grid point inside.
    from scipy.spatial import ConvexHull

    on_plane = np.isclose(z, plane, atol=1e-9)
    area = ConvexHull(np.column_stack([ix, iy])).volume
    assert on_plane.sum() >= area
    assert np.all(np.isin(z[~on_plane], z[on_plane]))


def test_pareto_and_hypervolume_data_count_feasible_trials_only():
    cons = {0: [-1.0], 1: [1.0], 2: [0.0], 3: [-2.0]}
    sampler = bbopt.samplers.RandomSampler(constraints_func=lambda t: cons[t.number])
    study = bbopt.create_study(directions=["minimize", "minimize"], sampler=sampler)
    for v in [(2.0, 2.0), (0.5, 0.5), (1.0, 3.0), (3.0, 0.0)]:
        study.tell(study.ask(), v)
    data = pareto_data(study)
    assert data.feasible.tolist() == [True, False, True, True]
    assert data.on_front.tolist() == [True, False, True, True]
    history = hypervolume_data(study, [4.0, 4.0])
    assert history.numbers.tolist() == [0, 1, 2, 3]
    # (2, 2): 4; trial 1 infeasible; (1, 3) adds 1; (3, 0) adds 2 more (its strip below y=2).
    np.testing.assert_allclose(history.hypervolume, [4.0, 4.0, 5.0, 7.0])
    assert history.hypervolume[-1] == pytest.approx(
        bbopt.hypervolume([[2.0, 2.0], [1.0, 3.0], [3.0, 0.0]], [4.0, 4.0]))
    with pytest.raises(ValueError, match="'reference_point' parameter of plot_hypervolume"):
        hypervolume_data(study, [1.0])
    with pytest.raises(ValueError, match="'reference_point' parameter"):
        hypervolume_data(_study(), [1.0])


def test_pareto_data_of_four_objectives():
    study = bbopt.create_study(directions=["minimize"] * 4)
    for v in [(1.0, 2.0, 3.0, 4.0), (2.0, 3.0, 4.0, 5.0), (0.0, 9.0, 0.0, 0.0)]:
        study.tell(study.ask(), v)
    assert pareto_data(study).on_front.tolist() == [True, False, True]
