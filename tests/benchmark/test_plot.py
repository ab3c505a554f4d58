"""The benchmark figures draw the data of the score functions."""

from __future__ import annotations

import numpy as np
import pytest

from bbopt.benchmark import (
    ecdf_curves,
    make_problems,
    plot_ecdf,
    plot_regret,
    plot_score_heatmap,
    regret_curves,
    run,
    score_matrix,
)

matplotlib = pytest.importorskip("matplotlib", reason="plots need the 'plot' extra")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(scope="module")
def runs():
    return run(make_problems(["sphere", "ackley"], dims=2, instances=1), ["random", "tpe"],
               budget=8, seeds=2)


def test_ecdf_plot_draws_one_step_line_per_optimizer(runs):
    ax = plot_ecdf(runs)
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert [line.get_label() for line in steps] == ["random", "tpe"]
    for line, curve in zip(steps, ecdf_curves(runs)):
        np.testing.assert_array_equal(line.get_xdata()[1:-1], curve.budgets)
        np.testing.assert_array_equal(line.get_ydata()[1:-1], curve.fractions)
    assert ax.get_xscale() == "log"
    plt.close("all")


def test_regret_plot_draws_the_medians(runs):
    ax = plot_regret(runs, "Sphere", 2)
    medians = [line.get_ydata() for line in ax.get_lines()]
    for drawn, curve in zip(medians, regret_curves(runs, "Sphere", 2)):
        np.testing.assert_array_equal(drawn, curve.median)
    plt.close("all")


def test_heatmap_shows_the_score_matrix(runs):
    ax = plot_score_heatmap(runs, 8)
    _, _, scores = score_matrix(runs, 8)
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), scores)
    plt.close("all")
