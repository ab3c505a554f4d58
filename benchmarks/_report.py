"""Summaries and Markdown pages generated from the JSON of the benchmark suite.

The JSON written by ``python -m benchmarks.quality`` and ``python -m
benchmarks.speed`` is the record; everything printed or published (the tables
on stdout, the Markdown pages of the docs) is computed from it here, so that a
page can be regenerated with ``--from-json`` without rerunning anything.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._common import library_version, markdown_table

#: Version of the JSON layout; bumped when a field changes meaning.
SCHEMA_VERSION = 1


def write_json(data: dict[str, Any], path: str | Path) -> None:
    """Write ``data`` to ``path`` (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


def load_json(path: str | Path, benchmark: str) -> dict[str, Any]:
    """Read a result file of ``benchmark`` ("quality" or "speed") and check its kind."""
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or data.get("benchmark") != benchmark:
        found = data.get("benchmark") if isinstance(data, dict) else type(data).__name__
        raise ValueError(
            f"The file {str(path)!r} must hold results of benchmarks.{benchmark}. "
            f"Got benchmark {found!r} instead."
        )
    return data


def versions(modules: Sequence[str]) -> dict[str, str | None]:
    """Installed version of each module: package metadata, else its ``__version__``."""
    import importlib

    out: dict[str, str | None] = {}
    for module in dict.fromkeys(modules):
        version = library_version(module)
        if version is None:
            try:
                version = getattr(importlib.import_module(module), "__version__", None)
            except ImportError:
                version = None
        out[module] = version
    return out


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """Return the (25th, 50th, 75th) percentiles of ``values`` (linear interpolation)."""
    if len(values) == 1:
        return (values[0],) * 3
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.3g}"


def _fmt_ms(x: float) -> str:
    """Three significant digits without an exponent (12300 -> "12300", 0.0251 -> "0.0251")."""
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}" if x < 1 else f"{x:.{2 if x < 10 else 1}f}"


# -- quality ---------------------------------------------------------------------------------


def quality_summary(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Quartiles of the final regret and mean seconds per run, per (function, sampler).

    Rows follow the order of ``data["functions"]`` then ``data["samplers"]``;
    pairs without runs are left out.
    """
    rows = []
    for function in data["functions"]:
        for sampler in data["samplers"]:
            runs = [r for r in data["runs"]
                    if r["function"] == function and r["sampler"] == sampler]
            if not runs:
                continue
            q1, median, q3 = quartiles([r["regret"][-1] for r in runs])
            rows.append({
                "function": function, "sampler": sampler, "n_seeds": len(runs),
                "median": median, "q1": q1, "q3": q3,
                "seconds": statistics.fmean(r["seconds"] for r in runs),
            })
    return rows


def quality_table(data: dict[str, Any]) -> str:
    """The Markdown table of final regrets (median and quartiles over seeds)."""
    rows = [[s["function"], s["sampler"], _fmt(s["median"]),
             f"[{_fmt(s['q1'])}, {_fmt(s['q3'])}]", str(s["n_seeds"]), f"{s['seconds']:.2f}"]
            for s in quality_summary(data)]
    headers = ["function", "sampler", f"median regret after {data['budget']}",
               "quartiles", "seeds", "s / run"]
    return markdown_table(headers, rows, align="llrlrr")


def quality_curves(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Regret curves as ``{function: {sampler: ndarray of shape (n_seeds, budget)}}``.

    The layout taken by the plot of ``examples/benchmark_samplers.py``.
    """
    import numpy as np

    curves: dict[str, dict[str, Any]] = {}
    for function in data["functions"]:
        by_sampler = {}
        for sampler in data["samplers"]:
            runs = [r["regret"] for r in data["runs"]
                    if r["function"] == function and r["sampler"] == sampler]
            if runs:
                by_sampler[sampler] = np.array(runs, dtype=np.float64)
        if by_sampler:
            curves[function] = by_sampler
    return curves


def _header(data: dict[str, Any], title: str) -> list[str]:
    machine = data.get("machine", {})
    versions = ", ".join(f"{lib} {v}" for lib, v in data.get("versions", {}).items() if v)
    lines = [f"# {title}", "",
             f"Generated from the results of `{data.get('command', '')}`"
             f" ({data.get('created', 'unknown date')}).", ""]
    lines.append(f"- Libraries: {versions or 'unknown'}")
    load = machine.get("load_average")
    load_text = " / ".join(f"{x:.2f}" for x in load) if load else "unknown"
    lines.append(f"- Machine: {machine.get('cpu', '?')}, {machine.get('n_cpus', '?')} CPUs, "
                 f"Python {machine.get('python', '?')}, load average (1, 5, 15 min) before "
                 f"the runs {load_text}")
    if data.get("git"):
        lines.append(f"- bbopt checkout: `{data['git']}`")
    for name, reason in data.get("skipped", {}).items():
        lines.append(f"- Skipped `{name}`: {reason}")
    return lines


def quality_markdown(data: dict[str, Any], plot: str | None = None) -> str:
    """A Markdown page: how the numbers were made, the samplers, the table, the plot."""
    lines = _header(data, "Sampler quality: regret on test functions")
    lines += ["", f"Each sampler minimises each function for {data['budget']} evaluations, "
              f"once per seed ({len(data['seeds'])} seeds: {_seed_range(data['seeds'])}). "
              "The regret after k evaluations is the best value found in the first k "
              "minus the function's known minimum (clipped at 0). The table gives the "
              "median and the quartiles of the final regret over seeds, and the mean "
              "wall-clock seconds of one run (objective included).", "",
              "| function | dimensions | minimum | defined in |", "| --- | --: | --: | --- |"]
    for name, f in data["functions"].items():
        lines.append(f"| {name} | {f['n_dims']} | {f['minimum']:.6g} | {f['reference']} |")
    lines += ["", "| sampler | what runs |", "| --- | --- |"]
    for name, s in data["samplers"].items():
        lines.append(f"| {name} | {s['description']} |")
    lines += ["", quality_table(data), ""]
    if plot:
        lines += [f"![median regret curves with quartile bands]({plot})", ""]
    return "\n".join(lines)


def _seed_range(seeds: Sequence[int]) -> str:
    if list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 1:
        return f"{seeds[0]} to {seeds[-1]}"
    return ", ".join(map(str, seeds))


# -- speed -----------------------------------------------------------------------------------


def speed_table(data: dict[str, Any]) -> str:
    """Markdown table: one row per (sampler, n), one column per d, median ms per suggestion."""
    dims = data["dims"]
    rows = []
    for sampler in data["samplers"]:
        for n in data["n"]:
            cells = []
            for d in dims:
                run = next((r for r in data["runs"] if r["sampler"] == sampler
                            and r["n"] == n and r["d"] == d), None)
                if run is None:
                    cells.append("-")
                elif run["status"] != "ok":
                    cells.append(run["status"])
                else:
                    cells.append(_fmt_ms(run["median_ms"]))
            if any(c != "-" for c in cells):
                rows.append([sampler, str(n), *cells])
    headers = ["sampler", "n trials", *[f"ms, d = {d}" for d in dims]]
    return markdown_table(headers, rows, align="lr" + "r" * len(dims))


def speed_markdown(data: dict[str, Any]) -> str:
    """A Markdown page: how the times were measured, the samplers, the table."""
    lines = _header(data, "Sampler speed: time per suggestion")
    lines += ["", "For each sampler, number of finished trials n and dimension d, a study "
              f"{'in a fresh process ' if data.get('subprocess') else ''}"
              "is given n finished trials (uniform random points of d floats in "
              "[-5, 5], value the sum of squares, added with `add_trials`, not timed). "
              "One suggestion is then made untimed (first-call paths, cold fits), and "
              f"{data['repeat']} are timed: `ask()`, d define-by-run `suggest_float` "
              "calls and `tell` with the value. The table gives the median of the timed "
              "suggestions in milliseconds (each adds one trial to the study). A median, "
              "not a mean: for a sampler that refits its surrogate on a schedule it is the "
              "common cost, and the JSON keeps every timing (`times_ms`, `first_ms`).", "",
              "| sampler | what runs |", "| --- | --- |"]
    for name, s in data["samplers"].items():
        lines.append(f"| {name} | {s['description']} |")
    lines += ["", speed_table(data), ""]
    return "\n".join(lines)
