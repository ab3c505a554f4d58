"""Wall time of one `bbopt ask` / `bbopt tell` call beside `optuna ask` / `optuna tell`.

Each round asks one trial of a one-float space and tells it, with each tool,
on its own SQLite file in a temporary folder; prints the median and the
minimum wall time per command, and the median CPU time (user + system, far
less sensitive than wall time to a loaded machine). Optuna's command is
skipped if it is not on PATH.

    python benchmarks/cli_latency.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], cwd: str) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and stdout of one command."""
    started, cpu = time.perf_counter(), _cpu()
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=True)
    return time.perf_counter() - started, _cpu() - cpu, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    bbopt = [sys.executable, "-m", "bbopt"]
    tools = {"bbopt": (bbopt, ["--storage", "b.db", "--study", "s"],
                       json.dumps({"x": {"type": "float", "low": 0, "high": 1}}))}
    if shutil.which("optuna"):
        tools["optuna"] = (["optuna"], ["--storage", "sqlite:///o.db", "--study-name", "s"],
                           json.dumps({"x": {"name": "FloatDistribution",
                                             "attributes": {"low": 0.0, "high": 1.0}}}))
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for name, (cmd, where, space) in tools.items():
        subprocess.run(cmd + ["create-study"] + where, capture_output=True, cwd=folder,
                       check=True)
    for _ in range(args.rounds):
        for name, (cmd, where, space) in tools.items():
            took, used, out = _timed(cmd + ["ask"] + where + ["--search-space", space], folder)
            times.setdefault(f"{name} ask", []).append(took)
            cpu.setdefault(f"{name} ask", []).append(used)
            number = str(json.loads(out)["number"])
            took, used, _ = _timed(cmd + ["tell"] + where + ["--trial-number", number,
                                                             "--values", "1.0"], folder)
            times.setdefault(f"{name} tell", []).append(took)
            cpu.setdefault(f"{name} tell", []).append(used)
    # CPU time (user + system) depends far less than wall time on the machine's load.
    print("| command | median ms | min ms | median CPU ms |\n| --- | --- | --- | --- |")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values) * 1000:.0f} | {min(values) * 1000:.0f} "
              f"| {statistics.median(cpu[name]) * 1000:.0f} |")
    shutil.rmtree(Path(folder))


if __name__ == "__main__":
    main()
