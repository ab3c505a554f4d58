"""Embed bbopt in a tool: a tuner class that owns its study and serves many threads.

A tool (a build system, a simulation framework, an autotuner for kernels)
wants to propose configurations to its workers and learn from their results
without knowing much about optimization. `AutoTuner` below is the part of
such a tool that talks to bbopt:

- it owns one study and its sampler, seeded from the tool's own seed: two
  tuners never share state (bbopt keeps none of its own), and a sequential
  run with the same seed proposes the same configurations;
- `suggest` and `observe` may be called from any number of threads: the
  study's storage and samplers are thread-safe, and the tuner locks only its
  own bookkeeping;
- failures are told as FAIL (the sampler learns nothing wrong from them),
  and the tool logs failures with its own logger (bbopt itself does not log;
  ``logging.captureWarnings(True)`` sends its warnings to the logging tree).

The demo tunes the tile sizes and unrolling of a (modelled) blocked matrix
kernel, with a thread pool of workers. Run
``python examples/embed_in_tool.py`` (``--quick``, ``--workers``, ``--seed``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import logging
import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

import bbopt

logger = logging.getLogger("mytool.tuner")


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """A configuration handed to a worker; give it back to `AutoTuner.observe`."""

    number: int
    params: dict[str, Any]


class AutoTuner:
    """Propose configurations from a search space and learn from their costs.

    Parameters
    ----------
    space : dict of str to bbopt distribution
        The configuration parameters.
    seed : int
        Seed of the tuner; the sampler is seeded from it.
    storage : str, optional
        An SQLite file to keep the history in (resumable); memory by default.
    name : str, default "autotuner"
        Name of the study in ``storage``.
    """

    def __init__(self, space: Mapping[str, bbopt.BaseDistribution], *, seed: int,
                 storage: str | None = None, name: str = "autotuner") -> None:
        self._space = dict(space)
        self._seed = seed
        sampler = bbopt.samplers.TPESampler(seed=seed, n_startup_trials=8)
        self._study = bbopt.create_study(study_name=name, storage=storage, sampler=sampler,
                                         load_if_exists=storage is not None)
        self._lock = threading.Lock()  # guards the counters below, not the study
        self.n_observed = 0
        self.n_failed = 0

    def suggest(self) -> Suggestion:
        """Return the next configuration to evaluate (thread-safe)."""
        trial = self._study.ask(self._space)
        return Suggestion(trial.number, trial.params)

    def observe(self, suggestion: Suggestion, cost: float | None) -> None:
        """Record the cost of a configuration; None (or NaN) records a failure."""
        # Failures are told explicitly: bbopt would also mark a NaN FAIL, with a warning.
        # (warnings.catch_warnings is not thread-safe: do not wrap tell in it here.)
        if cost is None or not math.isfinite(cost):
            frozen = self._study.tell(suggestion.number, state=bbopt.TrialState.FAIL)
        else:
            frozen = self._study.tell(suggestion.number, cost)
        with self._lock:
            self.n_observed += 1
            self.n_failed += frozen.state == bbopt.TrialState.FAIL

    def run(self, evaluate: Callable[[dict[str, Any]], float], n_trials: int,
            n_workers: int = 1) -> None:
        """Evaluate ``n_trials`` configurations on ``n_workers`` threads."""
        budget = iter(range(n_trials))
        budget_lock = threading.Lock()

        def worker() -> None:
            while True:
                with budget_lock:
                    if next(budget, None) is None:
                        return
                suggestion = self.suggest()
                try:
                    cost = evaluate(suggestion.params)
                except Exception as error:  # a crashed evaluation is a FAIL, not a crash
                    logger.warning("trial %d failed: %s", suggestion.number, error)
                    cost = None
                self.observe(suggestion, cost)

        with concurrent.futures.ThreadPoolExecutor(n_workers) as pool:
            for future in [pool.submit(worker) for _ in range(n_workers)]:
                future.result()

    @property
    def best(self) -> tuple[dict[str, Any], float]:
        """The best configuration so far and its cost."""
        return self._study.best_params, self._study.best_value

    @property
    def history(self) -> list[bbopt.FrozenTrial]:
        """Every configuration tried, in order."""
        return self._study.trials


# -- the demo workload: a cost model of a blocked matrix kernel ----------------------

SPACE = {
    "tile_m": bbopt.IntDistribution(4, 256, log=True),
    "tile_n": bbopt.IntDistribution(4, 256, log=True),
    "unroll": bbopt.CategoricalDistribution([1, 2, 4, 8]),
    "prefetch": bbopt.CategoricalDistribution([False, True]),
}


def kernel_time(params: Mapping[str, Any]) -> float:
    """Modelled run time (ms) of a blocked kernel; raises where tiles overflow the cache."""
    tile_m, tile_n, unroll = params["tile_m"], params["tile_n"], params["unroll"]
    footprint_kib = 8 * (tile_m * tile_n + tile_m + tile_n) / 1024
    if footprint_kib > 256:
        raise MemoryError(f"tiles {tile_m}x{tile_n} overflow the scratch memory")
    cache_penalty = 1.0 + max(0.0, math.log2(footprint_kib / 32)) ** 2  # L1 is 32 KiB
    loop_overhead = 1.0 + 16.0 / (tile_m * unroll) + 16.0 / tile_n
    register_spill = 1.0 + 0.15 * max(0, unroll - 4)
    prefetch = 0.85 if params["prefetch"] else 1.0
    return 10.0 * cache_penalty * loop_overhead * register_spill * prefetch


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-trials", type=int, default=80)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a tiny budget (for tests)")
    args = parser.parse_args(argv)
    n_trials = 20 if args.quick else args.n_trials

    tuner = AutoTuner(SPACE, seed=args.seed)
    tuner.run(kernel_time, n_trials, n_workers=args.workers)
    params, cost = tuner.best
    print(f"{tuner.n_observed} configurations on {args.workers} threads, "
          f"{tuner.n_failed} failed")
    print(f"best: {params} -> {cost:.3f} ms")

    # Same seed, one worker: the same configurations, in the same order.
    first = AutoTuner(SPACE, seed=args.seed)
    second = AutoTuner(SPACE, seed=args.seed)
    for t in (first, second):
        t.run(kernel_time, 12, n_workers=1)
    same = [t.params for t in first.history] == [t.params for t in second.history]
    print(f"two sequential tuners with seed {args.seed} agree: {same}")
    return {"tuner": tuner, "reproducible": same}


if __name__ == "__main__":
    # The tool's logging set-up (a library, bbopt included, leaves this to the program).
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.captureWarnings(True)
    main()
