"""The ``bbopt plot`` command and the demo's plots (bbopt/_cli.py)."""

from __future__ import annotations

import json

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.image as mpimg  # noqa: E402

import bbopt  # noqa: E402
from bbopt import _cli  # noqa: E402
from bbopt.visualization import KINDS  # noqa: E402


def test_plot_kinds_of_the_parser_match_save_plot():
    assert sorted(_cli._PLOT_KINDS) == sorted(KINDS)


@pytest.fixture()
def stored(tmp_path):
    path = tmp_path / "study.db"
    study = bbopt.create_study(study_name="s", storage=f"sqlite:///{path}",
                               sampler=bbopt.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 0, 3),
                   n_trials=15)
    return path


@pytest.mark.parametrize("kind, suffix", [("contour", ".png"), ("slice", ".svg"),
                                          ("optimization_history", ".pdf")])
def test_plot_command_writes_the_file(stored, tmp_path, capsys, kind, suffix):
    out = tmp_path / f"plot{suffix}"
    params = [] if kind == "optimization_history" else ["--params", "x", "n"]
    code = _cli.main(["plot", "--storage", str(stored), "--study", "s", "--kind", kind,
                      "--output", str(out), "--dpi", "40"] + params)
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"kind": kind, "path": str(out)}
    assert out.stat().st_size > 1000
    if suffix == ".png":
        assert mpimg.imread(out).shape[0] >= 100


def test_plot_command_errors_are_one_line(stored, tmp_path, capsys):
    code = _cli.main(["plot", "--storage", str(stored), "--study", "s", "--kind", "slice",
                      "--output", str(tmp_path / "a.png"), "--params", "nope"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("bbopt plot: error:") and "'nope'" in err
    code = _cli.main(["plot", "--storage", str(stored), "--study", "s", "--kind", "edf",
                      "--output", str(tmp_path / "a.jpg")])
    assert code == 1 and "must end with one of" in capsys.readouterr().err
    code = _cli.main(["plot", "--storage", str(stored), "--study", "s", "--kind", "edf",
                      "--output", str(tmp_path / "a.png"), "--params", "x"])
    assert code == 1 and "--params applies to the kinds" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["plot", "--storage", str(stored), "--study", "s", "--kind", "pie",
                   "--output", str(tmp_path / "a.png")])
    assert exit_info.value.code == 2


def test_demo_writes_contour_and_history_png(tmp_path, capsys):
    code = _cli.main(["demo", "--function", "branin", "--n-trials", "20",
                      "--plot-dir", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    for kind in ("contour", "optimization_history"):
        path = tmp_path / f"demo-branin-{kind}.png"
        assert f"wrote {path}" in out
        image = mpimg.imread(path)
        assert image.shape[0] >= 200 and image[..., :3].std() > 0.05
