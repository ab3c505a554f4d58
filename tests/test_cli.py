"""The ``bbopt`` command line: ``bbopt demo`` and ``python -m bbopt demo``."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bbopt
from bbopt import _cli

ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
BEST = re.compile(r"^best value (\S+) \(regret (\S+)\) at trial (\d+)")


def _rows(out):
    """The progress rows of the demo: (trial, value, best, regret)."""
    rows = []
    for line in out.splitlines():
        match = ROW.match(line)
        if match:
            rows.append((int(match[1]), *(float(g) for g in match.groups()[1:])))
    return rows


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """The demo writes its plots to the current directory: keep them out of the checkout."""
    monkeypatch.chdir(tmp_path)


def test_demo_prints_progress_and_result(capsys):
    assert _cli.main(["demo", "--n-trials", "30", "--no-plots"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("bbopt demo: minimising")
    assert "30 trials" in lines[0]
    rows = _rows(out)
    assert len(rows) >= 10
    assert rows[-1][0] == 29  # the last trial is always printed
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    bests = [r[2] for r in rows]
    assert bests == sorted(bests, reverse=True)  # the best value never gets worse
    assert all(r[2] <= r[1] for r in rows)
    assert all(r[3] >= 0 for r in rows)
    final = [BEST.match(line) for line in lines if BEST.match(line)]
    assert len(final) == 1
    best, regret = float(final[0][1]), float(final[0][2])
    assert math.isclose(best, bests[-1], rel_tol=1e-5)
    assert regret >= 0
    # The parameters of the best trial follow, one per line.
    params = [line for line in lines if line.startswith("  ") and " = " in line]
    assert len(params) == 6  # hartmann6 by default


def test_demo_best_value_matches_a_rerun(capsys):
    argv = ["demo", "--n-trials", "16", "--seed", "3", "--sampler", "random", "--no-plots"]
    _cli.main(argv)
    first = capsys.readouterr().out
    _cli.main(argv)
    second = capsys.readouterr().out
    strip = re.compile(r"[\d.]+ s in all")
    assert strip.sub("", first) == strip.sub("", second)


@pytest.mark.parametrize("function", sorted(_cli._DEMO_FUNCTIONS))
@pytest.mark.parametrize("sampler", ["qmc", "random"])
def test_demo_every_function_and_sampler(function, sampler, capsys):
    args = ["demo", "--function", function, "--sampler", sampler, "--n-trials", "5",
            "--no-plots"]
    assert _cli.main(args) == 0
    out = capsys.readouterr().out
    assert function.split("-")[0][:4].lower() in out.lower()
    assert len([line for line in out.splitlines() if BEST.match(line)]) == 1


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["demo", "--n-trials", "abc"],
        ["demo", "--function", "nope"],
        ["demo", "--sampler", "nope"],
        ["demo", "--unknown"],
    ],
)
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as info:
        _cli.main(argv)
    assert info.value.code == 2
    assert "usage: bbopt" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["demo", "--n-trials", "0"], "--n-trials"),
        (["demo", "--n-trials", "-5"], "--n-trials"),
        (["demo", "--seed", "-1"], "--seed"),
    ],
)
def test_bad_values_exit_2_with_a_message(argv, match, capsys):
    assert _cli.main(argv) == 2
    captured = capsys.readouterr()
    assert match in captured.err and "bbopt: error" in captured.err
    assert captured.out == ""


def _run(*args):
    env = dict(os.environ)
    # Run the bbopt under test, not another installed copy.
    root = str(Path(bbopt.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-m", "bbopt", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )


def test_python_m_bbopt_demo_writes_its_plots(tmp_path):
    pytest.importorskip("matplotlib")
    result = _run("demo", "--n-trials", "20")
    assert result.returncode == 0, result.stderr
    assert len(_rows(result.stdout)) >= 10
    assert any(BEST.match(line) for line in result.stdout.splitlines())
    for kind in ("contour", "optimization_history"):
        png = tmp_path / f"demo-hartmann6-{kind}.png"
        assert png.stat().st_size > 10_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"wrote {png.name}" in result.stdout or f"wrote ./{png.name}" in result.stdout


@pytest.mark.parametrize("args", [("demo", "--seed", "-2"), ("demo", "--n-trials", "x")])
def test_python_m_bbopt_bad_arguments(args):
    result = _run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error" in result.stderr
