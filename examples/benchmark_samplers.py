"""Compare samplers on test functions: median regret curves with quartile bands.

For each test function of `bbopt.testfunctions` and each sampler, run
`bbopt.minimize` for several seeds, record the regret after each trial (the
best value found so far minus the function's known minimum), print a table of
the final median regret and its quartiles, and plot the median regret curves
(log scale) with their inter-quartile bands, one panel per function.

    python examples/benchmark_samplers.py --functions branin hartmann6 \\
        --samplers random qmc tpe gp --seeds 5 --n-trials 100 --plot regret.png

The plot needs matplotlib (``pip install "bbopt[plot]"``); without it the
table is printed and the plot skipped with a message. For the benchmarks
quoted in the documentation, with other libraries side by side, see
``benchmarks/``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np

import bbopt
from bbopt import testfunctions

FUNCTIONS = {
    "branin": testfunctions.Branin,
    "hartmann3": testfunctions.Hartmann3,
    "hartmann6": testfunctions.Hartmann6,
    "rosenbrock4": lambda: testfunctions.Rosenbrock(4),
    "ackley5": lambda: testfunctions.Ackley(5),
    "rastrigin4": lambda: testfunctions.Rastrigin(4),
    "styblinskitang4": lambda: testfunctions.StyblinskiTang(4),
}
SAMPLERS = ["random", "qmc", "tpe", "gp"]


def regret_curves(function: testfunctions.TestFunction, sampler: str, seeds: Sequence[int],
                  n_trials: int) -> np.ndarray:
    """Return the regret after each trial, shape (n_seeds, n_trials)."""
    curves = np.empty((len(seeds), n_trials))
    for i, seed in enumerate(seeds):
        result = bbopt.minimize(function, function.bounds, n_trials=n_trials,
                                sampler=sampler, seed=seed)
        values = np.where(np.isfinite(result.fun_history), result.fun_history, np.inf)
        curves[i] = np.minimum.accumulate(values) - function.minimum
    return curves


def run(functions: Sequence[str], samplers: Sequence[str], n_seeds: int,
        n_trials: int) -> dict[str, dict[str, np.ndarray]]:
    """Regret curves by function and sampler; prints one table row per pair."""
    results: dict[str, dict[str, np.ndarray]] = {}
    print("| function | sampler | median final regret | quartiles | seconds |")
    print("| --- | --- | --: | --- | --: |")
    for fname in functions:
        function = FUNCTIONS[fname]()
        results[fname] = {}
        for sampler in samplers:
            started = time.perf_counter()
            curves = regret_curves(function, sampler, range(n_seeds), n_trials)
            elapsed = time.perf_counter() - started
            q1, median, q3 = np.percentile(curves[:, -1], [25, 50, 75])
            print(f"| {fname} | {sampler} | {median:.3g} | [{q1:.3g}, {q3:.3g}] | "
                  f"{elapsed:.1f} |")
            results[fname][sampler] = curves
    return results


def plot(results: dict[str, dict[str, np.ndarray]], path: str) -> bool:
    """Draw the regret curves into ``path``; False (with a message) without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: skipping the plot "
              "(pip install 'bbopt[plot]' to draw it).")
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(results)
    fig, axes = plt.subplots(1, n, figsize=(4.5 * n, 3.6), squeeze=False)
    for ax, (fname, by_sampler) in zip(axes[0], results.items()):
        for sampler, curves in by_sampler.items():
            trials = np.arange(1, curves.shape[1] + 1)
            floor = np.maximum(curves, 1e-12)  # log scale: a regret of 0 is drawn at 1e-12
            q1, median, q3 = np.percentile(floor, [25, 50, 75], axis=0)
            (line,) = ax.plot(trials, median, label=sampler)
            ax.fill_between(trials, q1, q3, color=line.get_color(), alpha=0.2)
        ax.set_yscale("log")
        ax.set_title(fname)
        ax.set_xlabel("trials")
        ax.set_ylabel("regret (median, quartiles)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"plot written to {path}")
    return True


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", nargs="+", choices=sorted(FUNCTIONS),
                        default=["branin", "hartmann6"])
    parser.add_argument("--samplers", nargs="+", choices=SAMPLERS, default=SAMPLERS)
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0, 1, ...)")
    parser.add_argument("--n-trials", type=int, default=100)
    parser.add_argument("--plot", default="regret.png", help="output file ('' for none)")
    parser.add_argument("--quick", action="store_true", help="a tiny budget (for tests)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.n_trials = 2, 15
        if args.samplers == SAMPLERS:
            args.samplers = ["random", "qmc", "tpe"]
    results = run(args.functions, args.samplers, args.seeds, args.n_trials)
    plotted = plot(results, args.plot) if args.plot else False
    return {"results": results, "plotted": plotted}


if __name__ == "__main__":
    main()
