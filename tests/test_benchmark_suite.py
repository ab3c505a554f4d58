"""The benchmark suite (``python -m benchmarks.quality`` / ``benchmarks.speed``) on tiny budgets.

Each command runs in a subprocess from the repository root, where the
``benchmarks`` package is importable; only bbopt's own samplers are used.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
QUALITY_SAMPLERS = ["tpe", "gp", "random", "qmc"]
FUNCTIONS = ["branin", "hartmann3"]
SEEDS, BUDGET = 2, 8


def _run(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("quality")
    json_path, md_path = out / "quality.json", out / "quality.md"
    proc = _run("benchmarks.quality", "--samplers", *QUALITY_SAMPLERS, "--functions", *FUNCTIONS,
                "--seeds", str(SEEDS), "--budget", str(BUDGET), "--json", str(json_path),
                "--markdown", str(md_path))
    return json_path, md_path, proc.stdout


@pytest.fixture(scope="module")
def speed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    out = tmp_path_factory.mktemp("speed")
    json_path, md_path = out / "speed.json", out / "speed.md"
    proc = _run("benchmarks.speed", "--samplers", "tpe", "gp", "random", "--n", "20",
                "--dims", "2", "--repeat", "2", "--json", str(json_path),
                "--markdown", str(md_path))
    return json_path, md_path, proc.stdout


def test_quality_json(quality: tuple[Path, Path, str]) -> None:
    data = json.loads(quality[0].read_text())
    assert data["benchmark"] == "quality"
    assert data["budget"] == BUDGET and data["seeds"] == list(range(SEEDS))
    assert list(data["samplers"]) == QUALITY_SAMPLERS and data["skipped"] == {}
    assert list(data["functions"]) == FUNCTIONS
    assert data["functions"]["branin"]["n_dims"] == 2
    assert data["functions"]["branin"]["minimum"] == pytest.approx(0.397887, abs=1e-5)
    runs = data["runs"]
    assert len(runs) == len(QUALITY_SAMPLERS) * len(FUNCTIONS) * SEEDS
    assert {(r["function"], r["sampler"], r["seed"]) for r in runs} == {
        (f, s, seed) for f in FUNCTIONS for s in QUALITY_SAMPLERS for seed in range(SEEDS)}
    for r in runs:
        curve = r["regret"]
        assert len(curve) == BUDGET
        assert all(math.isfinite(v) and v >= 0.0 for v in curve)
        assert all(b <= a for a, b in zip(curve, curve[1:])), curve  # best so far
        assert r["seconds"] >= 0.0
    # Different seeds explore differently: the curves are real measurements.
    tpe_branin = [r["regret"] for r in runs if r["sampler"] == "tpe" and r["function"] == "branin"]
    assert tpe_branin[0] != tpe_branin[1]


def test_quality_table_matches_json(quality: tuple[Path, Path, str]) -> None:
    data = json.loads(quality[0].read_text())
    finals = sorted(r["regret"][-1] for r in data["runs"]
                    if r["sampler"] == "qmc" and r["function"] == "hartmann3")
    median = (finals[0] + finals[1]) / 2
    row = next(line for line in quality[2].splitlines()
               if line.startswith("| hartmann3") and "| qmc " in line)
    assert f"{median:.3g}" in row
    assert f"median regret after {BUDGET}" in quality[2]


def test_quality_markdown_regenerated_from_json(quality: tuple[Path, Path, str],
                                                tmp_path: Path) -> None:
    json_path, md_path, _ = quality
    page = md_path.read_text()
    assert page.startswith("# Sampler quality")
    assert "| branin | 2 |" in page and "`bbopt.samplers.QMCSampler(seed=seed)`" in page
    again = tmp_path / "again.md"
    _run("benchmarks.quality", "--from-json", str(json_path), "--markdown", str(again))
    assert again.read_text() == page


def test_quality_from_json_rejects_speed_results(speed: tuple[Path, Path, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.quality", "--from-json",
                           str(speed[0])], cwd=REPO, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode != 0
    assert "must hold results of benchmarks.quality" in proc.stderr


def test_speed_json_and_markdown(speed: tuple[Path, Path, str], tmp_path: Path) -> None:
    json_path, md_path, stdout = speed
    data = json.loads(json_path.read_text())
    assert data["benchmark"] == "speed" and data["n"] == [20] and data["dims"] == [2]
    assert list(data["samplers"]) == ["tpe", "gp", "random"]
    assert len(data["runs"]) == 3
    for r in data["runs"]:
        assert r["status"] == "ok", r
        assert len(r["times_ms"]) == 2 and all(t > 0 for t in r["times_ms"])
        assert min(r["times_ms"]) <= r["median_ms"] <= max(r["times_ms"])
    assert "| gp " in stdout and "ms, d = 2" in stdout
    page = md_path.read_text()
    assert page.startswith("# Sampler speed") and "| tpe     |       20 |" in page
    again = tmp_path / "again.md"
    _run("benchmarks.speed", "--from-json", str(json_path), "--markdown", str(again))
    assert again.read_text() == page
