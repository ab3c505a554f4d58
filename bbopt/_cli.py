"""The ``bbopt`` command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from bbopt import testfunctions
from bbopt._frozen import FrozenTrial, TrialState
from bbopt._minimize import SAMPLERS
from bbopt._study import Study, create_study

_DEMO_FUNCTIONS = {
    "branin": testfunctions.Branin,
    "hartmann6": testfunctions.Hartmann6,
    "rosenbrock": lambda: testfunctions.Rosenbrock(n_dims=4),
    "ackley": lambda: testfunctions.Ackley(n_dims=5),
    "mixed": testfunctions.MixedAckley,
}


def _demo(args: argparse.Namespace) -> int:
    """Optimise a test function and print progress and the result."""
    function = _DEMO_FUNCTIONS[args.function]()
    sampler = SAMPLERS[args.sampler](args.seed)
    study = create_study(study_name=f"demo-{args.function}", sampler=sampler)
    print(f"bbopt demo: minimising {function!r} ({function.n_dims} parameters) with "
          f"{type(sampler).__name__}, {args.n_trials} trials; "
          f"known minimum {function.minimum:.6g}")
    print(f"{'trial':>7} {'value':>12} {'best':>12} {'regret':>12}")
    every = max(1, args.n_trials // 20)
    start = time.perf_counter()

    def report(study: Study, trial: FrozenTrial) -> None:
        if trial.number % every == 0 or trial.number == args.n_trials - 1:
            value = trial.value if trial.state == TrialState.COMPLETE else float("nan")
            best = study.best_value
            print(f"{trial.number:>7} {value:>12.6g} {best:>12.6g} "
                  f"{function.regret(best):>12.4g}")

    study.optimize(function.objective, n_trials=args.n_trials, callbacks=[report])
    elapsed = time.perf_counter() - start
    best = study.best_trial
    print(f"best value {best.value:.6g} (regret {function.regret(best.value or 0.0):.4g}) "
          f"at trial {best.number}, {elapsed:.2f} s in all")
    for name, value in best.params.items():
        print(f"  {name} = {value!r}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bbopt", description="bbopt command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="optimise a test function and print the progress")
    demo.add_argument("--function", choices=sorted(_DEMO_FUNCTIONS), default="hartmann6")
    demo.add_argument("--sampler", choices=sorted(SAMPLERS), default="qmc")
    demo.add_argument("--n-trials", type=int, default=200)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    if getattr(args, "n_trials", 1) < 1:
        print("bbopt: error: --n-trials must be >= 1", file=sys.stderr)
        return 2
    if getattr(args, "seed", 0) < 0:
        print("bbopt: error: --seed must be >= 0", file=sys.stderr)
        return 2
    return int(args.run(args))
