"""Wall time of one `bbopt ask` / `bbopt tell` call beside `optuna ask` / `optuna tell`.

Each round asks one trial of a one-float space and tells it, with each tool,
on its own SQLite file in a temporary folder; prints the median and the
minimum wall time per command, and the median CPU time (user + system, far
less sensitive than wall time to a loaded machine). Optuna's command is
skipped if it is not on PATH. Reference rows time the interpreter alone,
``import numpy``, ``import bbopt`` and ``import bbopt`` with a first study
(``bbopt.create_study()``, which loads numpy and the default sampler).

The children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` is
removed from their environment) and one untimed round goes first, so that
bbopt, like Optuna from its installed wheel, runs from compiled ``.pyc``
files rather than compiling its sources at every call.

``--prefill N`` first runs N untimed ask/tell rounds per tool, so that the
timed asks of both tools' default TPE are model-based (10 startup trials)
rather than random.

    python benchmarks/cli_latency.py --rounds 5 --prefill 10
"""

from __future__ import annotations

import argparse
import json
import os
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


_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _timed(command: list[str], cwd: str) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) and stdout of one command."""
    started, cpu = time.perf_counter(), _cpu()
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=True,
                            env=_ENV)
    return time.perf_counter() - started, _cpu() - cpu, result.stdout


def _told(ask_output: str) -> list[str]:
    """The arguments of the tell of an asked trial: its number and (x - 0.3)^2."""
    asked = json.loads(ask_output)
    value = (asked["params"]["x"] - 0.3) ** 2
    return ["--trial-number", str(asked["number"]), "--values", repr(value)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prefill", type=int, default=0,
                        help="untimed ask/tell rounds per tool before the timed ones")
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
    references = {"python -c pass": "pass", "import numpy": "import numpy",
                  "import bbopt": "import bbopt",
                  "import bbopt; bbopt.create_study()": "import bbopt; bbopt.create_study()"}
    for name, (cmd, where, space) in tools.items():
        _timed(cmd + ["create-study"] + where, folder)
        for _ in range(args.prefill):
            _, _, out = _timed(cmd + ["ask"] + where + ["--search-space", space], folder)
            _timed(cmd + ["tell"] + where + _told(out), folder)
    for round_ in range(args.rounds + 1):  # round 0: untimed, writes the bytecode caches

        def run(name: str, command: list[str]) -> str:
            took, used, out = _timed(command, folder)
            if round_:
                times.setdefault(name, []).append(took)
                cpu.setdefault(name, []).append(used)
            return out

        for name, code in references.items():
            run(name, [sys.executable, "-c", code])
        for name, (cmd, where, space) in tools.items():
            out = run(f"{name} ask", cmd + ["ask"] + where + ["--search-space", space])
            run(f"{name} tell", cmd + ["tell"] + where + _told(out))
    # CPU time (user + system) depends far less than wall time on the machine's load.
    print("| command | median ms | min ms | median CPU ms |\n| --- | --- | --- | --- |")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values) * 1000:.0f} | {min(values) * 1000:.0f} "
              f"| {statistics.median(cpu[name]) * 1000:.0f} |")
    shutil.rmtree(Path(folder))


if __name__ == "__main__":
    main()
