"""Headless rendering of every plot of bbopt.visualization (Agg backend, tiny figures)."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # set by the tests, never by bbopt

import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import bbopt  # noqa: E402
import bbopt.visualization as vis  # noqa: E402
from bbopt import (  # noqa: E402
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    TrialState,
    create_trial,
)

SPACE = {
    "x": FloatDistribution(-2.0, 2.0),
    "lr": FloatDistribution(1e-3, 1.0, log=True),
    "n": IntDistribution(1, 6),
    "c": CategoricalDistribution(["a", "b", "c"]),
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def study():
    """Mixed parameters; complete, pruned (with curves) and failed trials; one running."""
    rng = np.random.default_rng(0)
    study = bbopt.create_study(study_name="mixed")
    for i in range(40):
        params = {"x": float(rng.uniform(-2, 2)), "lr": float(10 ** rng.uniform(-3, 0)),
                  "n": int(rng.integers(1, 7)), "c": ["a", "b", "c"][i % 3]}
        value = params["x"] ** 2 + math.log10(params["lr"]) ** 2 + params["n"]
        curve = {s: value + 2.0 / (s + 1) for s in range(4)}
        state = (TrialState.COMPLETE if i % 5 else
                 TrialState.PRUNED if i % 10 else TrialState.FAIL)
        if state == TrialState.PRUNED:
            curve = {0: curve[0], 1: curve[1]}
        study.add_trial(create_trial(params=params, distributions=SPACE,
                                     value=value if state == TrialState.COMPLETE else None,
                                     state=state, intermediate_values=curve))
    study.ask()
    return study


@pytest.fixture(scope="module")
def multi():
    study = bbopt.create_study(directions=["minimize", "maximize"])
    for x in np.linspace(0, 1, 12):
        t = study.ask({"x": SPACE["x"]})
        study.tell(t, (float(x), float(np.sqrt(x) + 0.2 * np.sin(9 * x))))
    return study


def _check_png(path, min_size=(100, 100)):
    image = mpimg.imread(path)
    assert image.shape[0] >= min_size[1] and image.shape[1] >= min_size[0]
    rgb = image[..., :3]
    # Not blank: many pixels differ from the background, with several distinct colours.
    background = rgb[0, 0]
    assert np.mean(np.any(np.abs(rgb - background) > 0.05, axis=-1)) > 0.01
    assert len(np.unique(rgb.reshape(-1, 3).round(2), axis=0)) > 10


ALL_SINGLE = ["contour", "optimization_history", "slice", "parallel_coordinate",
              "param_importances", "edf", "intermediate_values", "rank", "timeline"]


@pytest.mark.parametrize("kind", ALL_SINGLE)
def test_save_every_kind_as_png(study, kind, tmp_path):
    plt.close("all")  # figures other tests (doctests, examples) may have left open
    options = {"params": ["x", "lr", "c"]} if kind in ("contour", "slice", "rank") else {}
    path = vis.save_plot(study, kind, tmp_path / f"{kind}.png", dpi=40, **options)
    _check_png(path)
    assert plt.get_fignums() == []  # save_plot closes its figure


def test_pareto_front_2d_and_3d(multi, tmp_path):
    ax = vis.plot_pareto_front(multi)
    offsets = [c.get_offsets() for c in ax.collections]
    assert sum(len(o) for o in offsets) == 12
    path = vis.save_plot(multi, "pareto_front", tmp_path / "p3.png", dpi=40,
                         targets=lambda t: (t.values[0], t.values[1], t.params["x"]))
    _check_png(path)


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_vector_formats(study, suffix, tmp_path):
    path = vis.save_plot(study, "optimization_history", tmp_path / f"h{suffix}")
    head = path.read_bytes()[:200]
    assert (b"<svg" in head or b"<?xml" in head) if suffix == ".svg" else head.startswith(b"%PDF")


def test_given_axes_are_used_and_returned(study):
    fig, ax = plt.subplots(figsize=(3, 2))
    assert vis.plot_optimization_history([study, study], ax=ax, target_name="loss") is ax
    assert ax.get_ylabel() == "loss"
    assert vis.plot_contour(study, params=["x", "lr"], ax=ax) is ax
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in vis.plot_contour(study, params=["c", "x"]).get_xticklabels()] \
        == ["a", "b", "c"]
    _, axes = plt.subplots(1, 2)
    out = vis.plot_slice(study, params=["n", "lr"], ax=axes)
    assert list(out) == list(axes) and axes[1].get_xscale() == "log"
    with pytest.raises(ValueError, match="must hold 2 Axes. Got 1"):
        vis.plot_slice(study, params=["n", "lr"], ax=ax)


def test_matrix_shapes_and_default_params(study):
    grid = vis.plot_rank(study)
    assert grid.shape == (3, 3)  # four parameters
    assert grid[0, 1].get_visible() is False and grid[2, 2].get_visible() is True
    grid = vis.plot_contour(study, params=["x", "lr", "n"])
    assert grid.shape == (2, 2)


def test_history_points_match_the_data(study):
    ax = vis.plot_optimization_history(study)
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    points = ax.collections[0].get_offsets()
    assert points.shape == (len(complete), 2)
    np.testing.assert_allclose(points[:, 1], [t.value for t in complete])


def test_one_trial(tmp_path):
    study = bbopt.create_study()
    study.add_trial(create_trial(params={"x": 0.5, "n": 2}, distributions={
        "x": SPACE["x"], "n": SPACE["n"]}, value=1.0))
    for kind in ["contour", "optimization_history", "slice", "parallel_coordinate",
                 "param_importances", "edf", "rank", "timeline"]:
        vis.save_plot(study, kind, tmp_path / f"{kind}.png", dpi=30)


def test_no_complete_trial_is_a_clear_error():
    study = bbopt.create_study(study_name="failing")
    study.tell(study.ask({"x": SPACE["x"]}), state=TrialState.FAIL)
    for plot in [vis.plot_contour, vis.plot_optimization_history, vis.plot_slice,
                 vis.plot_parallel_coordinate, vis.plot_param_importances, vis.plot_edf,
                 vis.plot_rank, vis.plot_pareto_front]:
        with pytest.raises(ValueError, match="needs a complete trial: study 'failing' has none"):
            plot(study)
    vis.plot_timeline(study)  # a failed trial is still on the timeline


def test_bad_input(study, tmp_path):
    with pytest.raises(ValueError, match=r"used: \['nope'\]"):
        vis.plot_slice(study, params=["nope"])
    with pytest.raises(ValueError, match=r"used: \['nope'\]"):
        vis.plot_contour(study, params=["x", "nope"])
    with pytest.raises(ValueError, match="must return finite values"):
        vis.plot_edf(study, target=lambda t: math.nan)
    with pytest.raises(ValueError, match="two parameters or more"):
        vis.plot_contour(study, params=["x"])
    with pytest.raises(ValueError, match="'kind' parameter of save_plot .* Got 'pie'"):
        vis.save_plot(study, "pie", tmp_path / "a.png")
    with pytest.raises(ValueError, match="'path' parameter of save_plot .* 'a.jpg'"):
        vis.save_plot(study, "edf", "a.jpg")
    with pytest.raises(ValueError, match="'target' parameter .* 2 objectives"):
        vis.plot_optimization_history(bbopt.create_study(directions=["minimize"] * 2)) \
            if False else vis.plot_optimization_history(_two_objective_study())


def _two_objective_study():
    study = bbopt.create_study(directions=["minimize", "minimize"])
    study.tell(study.ask(), (1.0, 2.0))
    return study


def test_import_bbopt_does_not_import_matplotlib():
    code = ("import sys, bbopt, bbopt.visualization, bbopt.importance; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_missing_matplotlib_names_the_extra():
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.pyplot'] = None\n"
        "import bbopt, bbopt.visualization as vis\n"
        "s = bbopt.create_study(); s.tell(s.ask(), 1.0)\n"
        "try:\n    vis.plot_optimization_history(s)\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert 'pip install "bbopt[plot]"' in out.stdout


def test_large_study_paths_render(study, monkeypatch, tmp_path):
    # Above MAX_ITEMS, clouds become marker groups and lines density images.
    from bbopt.visualization import _draw

    monkeypatch.setattr(_draw, "MAX_ITEMS", 3)
    for kind in ["slice", "parallel_coordinate", "intermediate_values", "timeline", "rank"]:
        options = {"params": ["x", "lr"]} if kind in ("slice", "rank") else {}
        _check_png(vis.save_plot(study, kind, tmp_path / f"{kind}.png", dpi=40, **options))
    ax = vis.plot_parallel_coordinate(study)
    assert len(ax.images) == 1 and len(ax.collections) == 0


def test_segment_density_by_hand():
    from bbopt.visualization._draw import _segment_density

    # One horizontal segment across the middle row of a 3 x 4 image, weight 2.
    counts, sums = _segment_density(np.array([0.0]), np.array([1.5]), np.array([4.0]),
                                    np.array([1.5]), np.array([2.0]), (0.0, 4.0, 0.0, 3.0),
                                    (3, 4), n_samples=8)
    assert counts.sum() == 8 and counts[1].sum() == 8 and np.all(counts[1] == 2)
    np.testing.assert_allclose(sums, 2.0 * counts)
    # NaN segments (a parameter a trial did not use) are skipped.
    counts, _ = _segment_density(np.array([0.0]), np.array([np.nan]), np.array([1.0]),
                                 np.array([1.0]), np.ones(1), (0.0, 4.0, 0.0, 3.0), (3, 4), 8)
    assert counts.sum() == 0


def test_contour_of_conditional_parameters_leaves_empty_panels():
    study = bbopt.create_study()
    a, b = FloatDistribution(0, 1), FloatDistribution(0, 1)
    rng = np.random.default_rng(0)
    for i in range(12):
        # "x" always; "y" on even trials, "z" on odd ones: y and z never meet.
        space = {"x": a, "y" if i % 2 == 0 else "z": b}
        params = {name: float(rng.uniform()) for name in space}
        study.add_trial(create_trial(params=params, distributions=space, value=float(i)))
    grid = vis.plot_contour(study, params=["x", "y", "z"])
    assert [t.get_text() for t in grid[1, 1].texts] == ["no trial\nused both"]
    assert len(grid[0, 0].collections) >= 1 and len(grid[1, 0].collections) >= 1
    with pytest.raises(ValueError, match="needs a complete trial that used both 'y' and 'z'"):
        vis.plot_contour(study, params=["y", "z"])


def test_pareto_front_with_constraints_and_many_objectives_and_hypervolume_history(tmp_path):
    sampler = bbopt.samplers.RandomSampler(
        seed=0, constraints_func=lambda t: [t.params["x"] - 0.7])
    study = bbopt.create_study(directions=["minimize"] * 4, sampler=sampler)
    study.optimize(lambda t: [t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1),
                              1 - t.params["x"], 1 - t.params["y"]], n_trials=30)
    ax = vis.plot_pareto_front(study)
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert "Infeasible" in labels and "Pareto front" in labels
    ax = vis.plot_pareto_front(study, targets=lambda t: t.values[:2])
    assert sum(len(c.get_offsets()) for c in ax.collections) == 30
    path = vis.save_plot(study, "hypervolume_history", tmp_path / "hv.png", dpi=40,
                         reference_point=[1.0] * 4)
    _check_png(path)
    ax = vis.plot_hypervolume_history(study, [1.0] * 4)
    heights = ax.get_lines()[0].get_ydata()
    assert np.all(np.diff(heights) >= 0) and heights[-1] > 0
    plt.close("all")


def test_is_available_says_whether_matplotlib_imports(monkeypatch):
    from bbopt.visualization import is_available
    from bbopt.visualization import matplotlib as optuna_name

    assert is_available() and optuna_name.is_available is is_available
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes the import fail
    assert not is_available()
