"""Time every plot of bbopt.visualization on a long, wide study.

The study has ``--n`` complete, pruned and failed trials (about 80 / 10 / 10
percent) over ``--dims`` parameters (floats, log floats, ints, categoricals),
each trial with ``--steps`` intermediate values; a two-objective study of the
same length serves the Pareto-front plot. Every plot is rendered to a PNG with
`bbopt.visualization.save_plot` (Agg backend) and timed, wall clock, from the
study to the written file; the importances are timed alone too.

Examples
--------
python benchmarks/plot_speed.py --n 100000 --dims 20 --out /tmp/plots \
    --markdown /work/notes/plots_results.md --json benchmarks/results/plot_speed.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import bbopt  # noqa: E402
import bbopt.visualization as vis  # noqa: E402
from bbopt import (  # noqa: E402
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    TrialState,
    create_trial,
)
from bbopt.importance import MainEffectImportanceEvaluator, get_param_importances  # noqa: E402


def make_space(n_dims: int) -> dict:
    """Floats, then every fifth a log float, every seventh an int, every ninth a categorical."""
    space = {}
    for i in range(n_dims):
        if i % 9 == 8:
            space[f"c{i}"] = CategoricalDistribution(["a", "b", "c", "d"])
        elif i % 7 == 6:
            space[f"n{i}"] = IntDistribution(1, 64)
        elif i % 5 == 4:
            space[f"lr{i}"] = FloatDistribution(1e-5, 1.0, log=True)
        else:
            space[f"x{i}"] = FloatDistribution(-5.0, 5.0)
    return space


def make_study(n: int, n_dims: int, n_steps: int, seed: int, n_objectives: int = 1):
    """Build the study with add_trial (no sampler cost in the timing)."""
    rng = np.random.default_rng(seed)
    space = make_space(n_dims)
    study = bbopt.create_study(
        study_name=f"bench-{n_objectives}", directions=["minimize"] * n_objectives)
    u = rng.uniform(size=(n, n_dims))
    names = list(space)
    states = rng.choice([TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL], size=n,
                        p=[0.8, 0.1, 0.1])
    for row, state in zip(u, map(TrialState, states)):
        params = {}
        for name, v in zip(names, row):
            d = space[name]
            if isinstance(d, CategoricalDistribution):
                params[name] = d.choices[int(v * 4)]
            elif isinstance(d, IntDistribution):
                params[name] = int(1 + v * 63.999)
            elif d.log:
                params[name] = float(1e-5 * (1e5) ** v)
            else:
                params[name] = float(-5 + 10 * v)
        value = float(np.sum((row[:3] - 0.3) ** 2) + 0.1 * row[3])
        values = [value, float(1.0 - np.sqrt(row[0]) + row[1])][:n_objectives]
        curve = {s: value + 1.0 / (s + 1) for s in range(n_steps)}
        if state == TrialState.PRUNED:
            curve = {s: v for s, v in curve.items() if s < max(1, n_steps // 2)}
        study.add_trial(create_trial(
            params=params, distributions=space, state=state,
            values=values if state == TrialState.COMPLETE else None,
            intermediate_values=curve))
    return study


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=20)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("plot_speed_out"))
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    study = make_study(args.n, args.dims, args.steps, args.seed)
    multi = make_study(args.n, args.dims, 0, args.seed + 1, n_objectives=2)
    build = time.perf_counter() - t0
    print(f"built two studies of {args.n} trials x {args.dims} params in {build:.1f} s",
          file=sys.stderr)
    names = list(make_space(args.dims))

    cases = [
        ("contour (default: 6 most important params, 15 panels)", "contour", {}, study),
        ("contour (2 params)", "contour", {"params": names[:2]}, study),
        ("optimization_history", "optimization_history", {}, study),
        ("slice (20 params)", "slice", {}, study),
        ("parallel_coordinate (20 params)", "parallel_coordinate", {}, study),
        ("param_importances (PED-ANOVA)", "param_importances", {}, study),
        ("edf", "edf", {}, study),
        ("intermediate_values", "intermediate_values", {}, study),
        ("rank (default: 6 params, 15 panels)", "rank", {}, study),
        ("timeline", "timeline", {}, study),
        ("pareto_front (2 objectives)", "pareto_front", {}, multi),
    ]
    rows = []
    import matplotlib.pyplot as plt  # warm the import outside the timings
    plt.close(plt.figure())
    for label, kind, options, s in cases:
        path = args.out / f"{kind}{'_2' if options else ''}.png"
        t = time.perf_counter()
        vis.save_plot(s, kind, path, **options)
        seconds = time.perf_counter() - t
        rows.append({"plot": label, "seconds": seconds, "file": str(path),
                     "bytes": path.stat().st_size})
        print(f"{label}: {seconds:.2f} s", file=sys.stderr)
    for label, evaluator in [("get_param_importances (PED-ANOVA)", None),
                             ("get_param_importances (main effect, seed 0)",
                              MainEffectImportanceEvaluator(seed=0))]:
        t = time.perf_counter()
        get_param_importances(study, evaluator=evaluator)
        rows.append({"plot": label, "seconds": time.perf_counter() - t, "file": "", "bytes": 0})

    command = "PYTHONPATH=. python benchmarks/plot_speed.py " + " ".join(argv if argv is not None
                                                            else sys.argv[1:])
    lines = [
        "# Plot speed (benchmarks/plot_speed.py)",
        "",
        f"Command: `{command}`",
        "",
        f"Study: {args.n} trials (~80% complete, 10% pruned, 10% failed), {args.dims} "
        f"parameters, {args.steps} intermediate values per trial; matplotlib "
        f"{matplotlib.__version__}, Agg, 100 dpi PNG; Python {platform.python_version()}. "
        "Wall clock from the study to the written file, one run, machine shared with others.",
        "",
        "| plot | seconds | PNG bytes |",
        "| --- | ---: | ---: |",
    ] + [f"| {r['plot']} | {r['seconds']:.2f} | {r['bytes'] or ''} |" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": vars(args) | {"out": str(args.out),
                                         "markdown": str(args.markdown),
                                         "json": str(args.json)},
                                         "build_seconds": build, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
