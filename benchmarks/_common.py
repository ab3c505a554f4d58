"""Helpers shared by the benchmark scripts of ``benchmarks/``.

Only the standard library is imported here, so that a script can run a
measurement in a fresh subprocess that imports nothing but the library it
measures.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

# Distribution names on the package index, where they differ from module names.
_DISTRIBUTION_NAMES = {"skopt": "scikit-optimize", "sklearn": "scikit-learn"}


#: The test functions of the TPE issue's quality benchmark: name -> (bbopt.testfunctions
#: class, constructor arguments).
TEST_FUNCTIONS = {
    "Branin": ("Branin", {}),
    "Hartmann6": ("Hartmann6", {}),
    "Rosenbrock-10": ("Rosenbrock", {"n_dims": 10}),
    "Ackley-10": ("Ackley", {"n_dims": 10}),
    "Levy-10": ("Levy", {"n_dims": 10}),
    "StyblinskiTang-20": ("StyblinskiTang", {"n_dims": 20}),
    "Michalewicz-10": ("Michalewicz", {"n_dims": 10}),
    "MixedAckley": ("MixedAckley", {}),
}


def make_test_function(name: str) -> Any:
    """The `bbopt.testfunctions` instance named ``name`` in `TEST_FUNCTIONS`."""
    import bbopt.testfunctions as tf

    cls, kwargs = TEST_FUNCTIONS[name]
    return getattr(tf, cls)(**kwargs)


def is_installed(module: str) -> bool:
    """Return whether ``module`` can be imported, without importing it."""
    return importlib.util.find_spec(module) is not None


def library_version(module: str) -> str | None:
    """Return the installed version of the distribution that provides ``module``."""
    try:
        return importlib.metadata.version(_DISTRIBUTION_NAMES.get(module, module))
    except importlib.metadata.PackageNotFoundError:
        return None


def reset_peak_rss() -> bool:
    """Reset the peak resident set size of this process to its current RSS.

    Uses ``/proc/self/clear_refs`` (Linux >= 4.0), which resets both ``VmHWM``
    and ``getrusage().ru_maxrss``. Returns False where that is not possible;
    the peak then still includes whatever came before (imports, warm-up).
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def current_rss_bytes() -> int | None:
    """Return the current resident set size of this process in bytes, if known."""
    try:
        with open("/proc/self/statm") as f:
            resident_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """Return the peak resident set size of this process in bytes.

    This counts every allocation of the process: Python objects, NumPy
    buffers and memory allocated by compiled (C, Rust) code alike.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kibibytes on Linux, in bytes on macOS.
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def machine_info() -> dict[str, Any]:
    """Describe the machine and interpreter a benchmark ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu,
        "n_cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def run_worker(argv: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run ``python argv...`` in a fresh process and return the JSON it prints last.

    Parameters
    ----------
    argv : sequence of str
        Arguments after the interpreter (script path first).
    timeout : float
        Seconds after which the process is killed.

    Returns
    -------
    dict
        The worker's result, or ``{"status": "timeout"}`` /
        ``{"status": "error", "error": ...}`` when it did not produce one.
    """
    try:
        proc = subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout"}
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except json.JSONDecodeError:
                break
            if proc.returncode == 0:
                return result
            break
    tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"status": "error", "error": f"exit code {proc.returncode}: {tail}"}


def git_revision(path: str | os.PathLike[str]) -> str | None:
    """Return ``git describe --always --dirty`` of the checkout holding ``path``, if any."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(path), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], align: str | None = None
) -> str:
    """Format ``rows`` as a GitHub Markdown table.

    Parameters
    ----------
    headers : sequence of str
        Column titles.
    rows : sequence of sequence of str
        Cells, already formatted.
    align : str, optional
        One character per column: ``"l"`` (left) or ``"r"`` (right).
        Default: all left.
    """
    align = align or "l" * len(headers)
    if len(align) != len(headers):
        raise ValueError(
            f"The 'align' parameter must have one character per column ({len(headers)}). "
            f"Got {align!r} instead."
        )
    widths = [len(h) for h in headers]
    for row in rows:
        for j, cell in enumerate(row):
            widths[j] = max(widths[j], len(cell))

    def fmt(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, align)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if a == "r" else "-" * (w + 2) for w, a in zip(widths, align)
    ) + "|"
    return "\n".join([fmt(headers), rule, *(fmt(r) for r in rows)])
