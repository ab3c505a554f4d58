"""Speed of the CMA-ES sampler: bbopt against Optuna 5 and Rustuna, in one run.

Three measurements (``--parts``):

``asktell``
    ``--n`` trials (default 10^4) of a ``--dims``-dimensional sphere (default
    10) through each library's study with its CMA-ES sampler, define-by-run
    (``ask``, ``d`` calls to ``suggest_float`` in [-5, 5], ``tell``), the same
    loop for every library, in the same process one library after the other.
    Reports the mean time per trial over all trials and over the last half,
    and bbopt's ratio to each anchor.
``large``
    ``--large-trials`` trials in ``--large-dims`` dimensions (default 1000)
    with ``variant="auto"`` (LM-MA-ES there), asked with a fixed space
    (``study.ask(space)``). Reports the whole ask+tell per trial and, apart,
    the time spent in the sampler's hooks (the suggestion itself), measured
    by wrapping them.
``batched``
    ``--batched-evals`` evaluations (default 10^6) of a 10-dimensional sphere
    through the array-level `bbopt.samplers.CmaEs` (a generation per ask);
    and ``--batch-trials`` trials through ``Study.ask_batch(popsize, space)``,
    the sampler's CPU time being that loop's minus the same loop's with a
    fixed-point sampler (the study's own cost), extrapolated linearly to
    ``--batched-evals``.

Usage::

    python benchmarks/cmaes_speed.py --json benchmarks/results/cmaes_speed.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import is_installed, library_version, machine_info, markdown_table

_HOOKS = ("begin", "joint_space", "sample_joint", "sample_one", "end")


def _objective(d: int) -> Any:
    def objective(trial: Any) -> float:
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(d))
    return objective


def _asktell(lib: str, n: int, d: int, seed: int) -> dict[str, float]:
    objective = _objective(d)
    if lib == "bbopt":
        import bbopt
        study = bbopt.create_study(sampler=bbopt.samplers.CmaEsSampler(seed=seed))
        tell = study.tell
    elif lib == "optuna":
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed))
        tell = study.tell
    else:
        import rustuna
        study = rustuna.create_study(sampler=rustuna.samplers.CmaEsSampler(seed=seed))
        def tell(trial: Any, value: float) -> None:
            study.tell(trial.number, value)
    start = time.perf_counter()
    half = start
    best = float("inf")
    for k in range(n):
        trial = study.ask()
        value = objective(trial)
        tell(trial, value)
        best = min(best, value)
        if k == n // 2 - 1:
            half = time.perf_counter()
    end = time.perf_counter()
    return {"ms_per_trial": (end - start) / n * 1e3,
            "ms_per_trial_last_half": (end - half) / (n - n // 2) * 1e3,
            "best": best}


class _HookTimer:
    """Wraps a sampler's array-level hooks and adds up the time spent in them.

    ``seconds`` is wall-clock time; ``cpu_seconds`` the process's CPU time
    (``time.process_time``), which a shared machine inflates far less: a
    process waiting for a core accrues wall time inside a hook, not CPU time.
    """

    def __init__(self, sampler: Any) -> None:
        self.seconds: Counter[str] = Counter()
        self.cpu_seconds: Counter[str] = Counter()
        hooks = dict(type(sampler)._array_hooks)
        for name in _HOOKS:
            hooks[name] = self._timed(name, hooks[name])
        sampler._array_hooks = hooks
        for name in _HOOKS:
            setattr(sampler, name, hooks[name].__get__(sampler))

    def _timed(self, name: str, hook: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return hook(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.cpu_seconds[name] += time.process_time() - cpu
        return timed


def _large(n: int, d: int, seed: int) -> dict[str, Any]:
    import numpy as np

    import bbopt
    sampler = bbopt.samplers.CmaEsSampler(seed=seed)
    timer = _HookTimer(sampler)
    study = bbopt.create_study(sampler=sampler)
    space = {f"x{i}": bbopt.FloatDistribution(-5.0, 5.0) for i in range(d)}
    names = list(space)
    start = time.perf_counter()
    for _ in range(n):
        trial = study.ask(space)
        x = np.array([trial.params[k] for k in names])
        study.tell(trial, float(x @ x))
    total = time.perf_counter() - start
    return {"ms_per_trial": total / n * 1e3,
            "sampler_ms_per_trial": sum(timer.seconds.values()) / n * 1e3,
            "sampler_cpu_ms_per_trial": sum(timer.cpu_seconds.values()) / n * 1e3,
            "by_hook_ms": {k: v / n * 1e3 for k, v in timer.seconds.items()},
            "best": float(study.best_value)}


def _fixed_sampler(space: dict[str, Any]) -> Any:
    """An array sampler that proposes the centre of ``space`` jointly: the study's own cost."""
    import bbopt

    centre = {name: 0.5 * sum(d.internal_bounds()) for name, d in space.items()}

    class Fixed(bbopt.samplers.ArraySampler):
        def joint_space(self, context: Any) -> dict[str, Any]:
            return space

        def sample_joint(self, context: Any, joint: Any) -> dict[str, float]:
            return dict(centre)

        def sample_one(self, context: Any, name: str, distribution: Any) -> float:
            return centre[name]

    return Fixed()


def _batch_loop(sampler: Any, space: dict[str, Any], n_trials: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``n_trials`` through ``Study.ask_batch(10, space)`` + tell."""
    import bbopt

    study = bbopt.create_study(sampler=sampler)
    start, cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < n_trials:
        trials = study.ask_batch(10, space)
        for trial in trials:
            study.tell(trial, sum(v * v for v in trial.params.values()))
        done += len(trials)
    return time.perf_counter() - start, time.process_time() - cpu


def _batched(n_evals: int, n_trials: int, seed: int) -> dict[str, Any]:
    """The array engine, and the sampler's share of the batched study path.

    The sampler's share is the CPU time of the ask_batch + tell loop with
    `CmaEsSampler` minus that of the same loop with a sampler that proposes
    a fixed point through the same hooks (the study's own cost), each run
    twice in alternation and summed, so that load drifts hit both alike.
    (Wrapping the hooks in timers costs two ``time.process_time`` system
    calls, about 4 us each, per hook call: as much as the hooks themselves.)
    """
    import numpy as np

    import bbopt
    es = bbopt.samplers.CmaEs(10, seed=seed, restart_strategy="ipop")
    start = time.perf_counter()
    evaluations = 0
    best = np.inf
    while evaluations < n_evals:
        x = es.ask()
        values = ((x - 0.3) ** 2).sum(axis=1)
        es.tell(x, values)
        evaluations += x.shape[0]
        best = min(best, float(values.min()))
    array_seconds = time.perf_counter() - start
    space = {f"x{i}": bbopt.FloatDistribution(-5.0, 5.0) for i in range(10)}
    totals = {"cmaes": [0.0, 0.0], "fixed": [0.0, 0.0]}
    for _ in range(2):
        for name in totals:
            sampler = (bbopt.samplers.CmaEsSampler(seed=seed) if name == "cmaes"
                       else _fixed_sampler(space))
            wall, cpu = _batch_loop(sampler, space, n_trials // 2)
            totals[name][0] += wall
            totals[name][1] += cpu
    done = 2 * (n_trials // 2)
    sampler_cpu = totals["cmaes"][1] - totals["fixed"][1]
    return {"array_evaluations": evaluations, "array_seconds": array_seconds,
            "array_best": best, "batch_trials": done,
            "batch_study_seconds": totals["cmaes"][0],
            "batch_study_cpu_seconds": totals["cmaes"][1],
            "fixed_study_cpu_seconds": totals["fixed"][1],
            "sampler_cpu_us_per_trial": sampler_cpu / done * 1e6,
            "sampler_cpu_seconds_extrapolated": sampler_cpu / done * n_evals,
            "study_seconds_extrapolated": totals["cmaes"][0] / done * n_evals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", default=["asktell", "large", "batched"])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--dims", type=int, default=10)
    parser.add_argument("--libs", nargs="+", default=["bbopt", "optuna", "rustuna"])
    parser.add_argument("--large-dims", type=int, default=1000)
    parser.add_argument("--large-trials", type=int, default=2000)
    parser.add_argument("--batched-evals", type=int, default=1_000_000)
    parser.add_argument("--batch-trials", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": machine_info(), "args": vars(args) | {"json": None},
                              "versions": {lib: library_version(lib) for lib in args.libs}}
    if "asktell" in args.parts:
        rows, asktell = [], {}
        for lib in args.libs:
            if lib != "bbopt" and not is_installed(lib):
                continue
            asktell[lib] = _asktell(lib, args.n, args.dims, args.seed)
            print(lib, asktell[lib], flush=True)
        base = asktell["bbopt"]["ms_per_trial"]
        for lib, r in asktell.items():
            rows.append([lib, f"{r['ms_per_trial']:.3f}", f"{r['ms_per_trial_last_half']:.3f}",
                         f"{r['ms_per_trial'] / base:.1f}x", f"{r['best']:.3g}"])
        print(f"\nask+tell, d={args.dims}, {args.n} trials (ms per trial; ratio = lib / bbopt)")
        print(markdown_table(["library", "ms/trial", "ms/trial (last half)", "ratio", "best"],
                             rows, "lrrrr"))
        result["asktell"] = asktell
    if "large" in args.parts:
        large = _large(args.large_trials, args.large_dims, args.seed)
        result["large"] = large
        print(f"\nd={args.large_dims}, variant auto, {args.large_trials} trials: "
              f"{large['ms_per_trial']:.3f} ms per ask+tell, of which sampler "
              f"{large['sampler_ms_per_trial']:.3f} ms ({large['by_hook_ms']}); sampler CPU "
              f"{large['sampler_cpu_ms_per_trial']:.3f} ms")
    if "batched" in args.parts:
        batched = _batched(args.batched_evals, args.batch_trials, args.seed)
        result["batched"] = batched
        print(f"\nCmaEs arrays: {batched['array_evaluations']} evaluations in "
              f"{batched['array_seconds']:.1f} s; ask_batch: {batched['batch_trials']} trials, "
              f"study CPU {batched['batch_study_cpu_seconds']:.2f} s (fixed-point sampler "
              f"{batched['fixed_study_cpu_seconds']:.2f} s): sampler CPU "
              f"{batched['sampler_cpu_us_per_trial']:.1f} us per trial -> extrapolated to "
              f"{args.batched_evals}: sampler CPU "
              f"{batched['sampler_cpu_seconds_extrapolated']:.0f} s, study wall "
              f"{batched['study_seconds_extrapolated']:.0f} s")
    result["load_after"] = machine_info()["load_average"]
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
